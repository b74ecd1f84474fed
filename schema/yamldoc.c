#include "schema/yamldoc.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

struct anchor {
	char *name;
	struct yamldoc_node *node;
};

struct builder {
	struct yamldoc *doc;
	const char *file;
	const char *data;
	size_t len;
	struct diag_list *diags;
	struct yamldoc_node *stack[YAMLDOC_MAX_DEPTH];
	char *stack_anchor[YAMLDOC_MAX_DEPTH];
	size_t depth;
	struct anchor *anchors;
	size_t n_anchors, cap_anchors;
	size_t doc_alias_nodes; /* nodes the aliases add to this document */
};

/* Position of a byte offset: 1-based line, column in characters. */
static struct pos pos_of_offset(const char *file, const char *data, size_t len,
				size_t off)
{
	struct pos p = {file, 1, 1};
	for (size_t i = 0; i < off && i < len; i++) {
		if (data[i] == '\n') {
			p.line++;
			p.col = 1;
		} else if (((unsigned char)data[i] & 0xc0) != 0x80) {
			p.col++;
		}
	}
	return p;
}

static size_t utf8_seq_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 0;
}

/* Offset of the first byte that does not start a valid UTF-8 sequence, or
 * len when the whole buffer is valid. */
static size_t utf8_first_invalid(const unsigned char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		size_t n = utf8_seq_len(s[i]);
		if (n == 0 || i + n > len)
			return i;
		uint32_t cp = n == 1 ? s[i] : s[i] & (0xffu >> (n + 1));
		for (size_t k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + k] & 0x3fu);
		}
		if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += n;
	}
	return len;
}

static struct pos mark_pos(const char *file, yaml_mark_t m)
{
	struct pos p = {file, (unsigned)m.line + 1, (unsigned)m.column + 1};
	return p;
}

static int oom(struct builder *b)
{
	diag_add(b->diags, DIAG_ERROR, NULL, NULL, "%s: out of memory",
		 b->file);
	return -1;
}

/* Nodes and scalar texts live in chunks (one allocation for many), which
 * makes loading and freeing a large file several times cheaper than one
 * malloc per node. */
#define NODES_PER_CHUNK 256
#define TEXT_CHUNK_SIZE 16384

struct yamldoc_chunk {
	struct yamldoc_chunk *next;
	size_t used, cap;
	max_align_t align[]; /* nodes or bytes */
};

static size_t aligned(size_t size)
{
	return (size + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
}

static void *chunk_take(struct yamldoc_chunk **head, size_t size,
			size_t chunk_cap)
{
	struct yamldoc_chunk *c = *head;
	size = aligned(size);
	if (!c || c->cap - c->used < size) {
		size_t cap = size > chunk_cap ? size : chunk_cap;
		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->used = 0;
		c->cap = cap;
		if (*head && size > chunk_cap) {
			/* a big one goes behind the current chunk, which
			 * keeps serving small requests */
			c->next = (*head)->next;
			(*head)->next = c;
		} else {
			c->next = *head;
			*head = c;
		}
	}
	void *p = (char *)c->align + c->used;
	c->used += size;
	return p;
}

static void chunks_free(struct yamldoc_chunk *c)
{
	while (c) {
		struct yamldoc_chunk *next = c->next;
		free(c);
		c = next;
	}
}

static struct yamldoc_node *node_new(struct builder *b, enum yamldoc_kind kind,
				     yaml_mark_t m)
{
	struct yamldoc *doc = b->doc;
	if (doc->n_nodes == YAMLDOC_MAX_NODES) {
		struct pos p = mark_pos(b->file, m);
		diag_add(b->diags, DIAG_ERROR, &p, NULL,
			 "file too large: more than %u YAML nodes in one file; "
			 "split it into several files of one directory (each "
			 "may hold part of registrations.items)",
			 (unsigned)YAMLDOC_MAX_NODES);
		return NULL;
	}
	struct yamldoc_node *n =
	    chunk_take(&doc->nodes, sizeof(*n),
		       NODES_PER_CHUNK * aligned(sizeof(struct yamldoc_node)));
	if (!n) {
		oom(b);
		return NULL;
	}
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->size = 1;
	n->pos = mark_pos(b->file, m);
	doc->n_nodes++;
	return n;
}

static bool all_in(const char *s, size_t len, const char *set)
{
	for (size_t i = 0; i < len; i++)
		if (!strchr(set, s[i]) || s[i] == '\0')
			return false;
	return true;
}

static bool is_one_of(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

static bool is_core_float(const char *s, size_t len)
{
	static const char *const special[] = {
	    ".inf",  ".Inf",  ".INF", "+.inf", "+.Inf", "+.INF", "-.inf",
	    "-.Inf", "-.INF", ".nan", ".NaN",  ".NAN",	NULL};
	if (is_one_of(s, special))
		return true;
	size_t i = 0, digits = 0;
	if (i < len && (s[i] == '-' || s[i] == '+'))
		i++;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++, digits++;
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++, digits++;
	}
	if (digits == 0)
		return false;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '-' || s[i] == '+'))
			i++;
		size_t exp = 0;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++, exp++;
		if (exp == 0)
			return false;
	}
	return i == len;
}

/* YAML 1.2 core schema resolution of a plain scalar. */
static enum yamldoc_type resolve_plain(const char *s, size_t len)
{
	static const char *const nulls[] = {"~", "null", "Null", "NULL", NULL};
	static const char *const bools[] = {"true",  "True",  "TRUE", "false",
					    "False", "FALSE", NULL};
	if (len == 0)
		return YAMLDOC_NULL;
	/* most scalars are text: skip the checks when no type can match */
	if (!strchr("~nNtTfF0123456789+-.", s[0]))
		return YAMLDOC_STR;
	if (is_one_of(s, nulls))
		return YAMLDOC_NULL;
	if (is_one_of(s, bools))
		return YAMLDOC_BOOL;
	size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
	if (i < len && all_in(s + i, len - i, "0123456789"))
		return YAMLDOC_INT;
	if (len > 2 && s[0] == '0' && s[1] == 'o' &&
	    all_in(s + 2, len - 2, "01234567"))
		return YAMLDOC_INT;
	if (len > 2 && s[0] == '0' && s[1] == 'x' &&
	    all_in(s + 2, len - 2, "0123456789abcdefABCDEF"))
		return YAMLDOC_INT;
	if (is_core_float(s, len))
		return YAMLDOC_FLOAT;
	return YAMLDOC_STR;
}

#define CORE_TAG "tag:yaml.org,2002:"

static int scalar_type(struct builder *b, const yaml_event_t *ev,
		       struct yamldoc_node *n)
{
	const char *tag = (const char *)ev->data.scalar.tag;
	if (tag && strcmp(tag, "!") != 0) {
		const char *t = strncmp(tag, CORE_TAG, strlen(CORE_TAG)) == 0
				    ? tag + strlen(CORE_TAG)
				    : NULL;
		if (t && strcmp(t, "str") == 0) {
			n->type = YAMLDOC_STR;
			return 0;
		}
		if (!t || (strcmp(t, "null") && strcmp(t, "bool") &&
			   strcmp(t, "int") && strcmp(t, "float"))) {
			diag_add(b->diags, DIAG_ERROR, &n->pos, NULL,
				 "unsupported YAML tag");
			return -1;
		}
		n->type = resolve_plain(n->value, n->len);
		return 0;
	}
	if (tag || ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
		n->type = YAMLDOC_STR;
	} else {
		n->type = resolve_plain(n->value, n->len);
		n->empty = n->len == 0;
		n->merge = n->len == 2 && memcmp(n->value, "<<", 2) == 0;
	}
	return 0;
}

static int add_child(struct builder *b, struct yamldoc_node *child, bool alias)
{
	if (b->depth == 0) {
		struct yamldoc *doc = b->doc;
		struct yamldoc_node **r =
		    realloc(doc->roots, (doc->n_roots + 1) * sizeof(*r));
		if (!r)
			return oom(b);
		doc->roots = r;
		doc->roots[doc->n_roots++] = child;
		return 0;
	}
	struct yamldoc_node *p = b->stack[b->depth - 1];
	if (p->n_items == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 4;
		struct yamldoc_node **items =
		    realloc(p->items, cap * sizeof(*items));
		if (!items)
			return oom(b);
		p->items = items;
		p->cap = cap;
	}
	p->items[p->n_items++] = child;
	p->size += child->size;
	if (!alias)
		return 0;
	b->doc_alias_nodes += child->size;
	b->doc->alias_nodes += child->size;
	if (b->doc_alias_nodes > YAMLDOC_MAX_ALIAS_NODES) {
		diag_add(b->diags, DIAG_ERROR, &p->pos, NULL,
			 "document too large: its aliases add more than %u "
			 "nodes after alias expansion; write the repeated "
			 "parts out or split the document",
			 (unsigned)YAMLDOC_MAX_ALIAS_NODES);
		return -1;
	}
	return 0;
}

static int bind_anchor(struct builder *b, const char *name,
		       struct yamldoc_node *n)
{
	if (!name)
		return 0;
	if (b->n_anchors == b->cap_anchors) {
		size_t cap = b->cap_anchors ? b->cap_anchors * 2 : 8;
		struct anchor *a = realloc(b->anchors, cap * sizeof(*a));
		if (!a)
			return oom(b);
		b->anchors = a;
		b->cap_anchors = cap;
	}
	char *copy = strdup(name);
	if (!copy)
		return oom(b);
	b->anchors[b->n_anchors].name = copy;
	b->anchors[b->n_anchors++].node = n;
	return 0;
}

static void anchors_clear(struct builder *b)
{
	for (size_t i = 0; i < b->n_anchors; i++)
		free(b->anchors[i].name);
	b->n_anchors = 0;
}

static int on_scalar(struct builder *b, const yaml_event_t *ev)
{
	struct yamldoc_node *n = node_new(b, YAMLDOC_SCALAR, ev->start_mark);
	if (!n)
		return -1;
	n->len = ev->data.scalar.length;
	n->value = chunk_take(&b->doc->text, n->len + 1, TEXT_CHUNK_SIZE);
	if (!n->value)
		return oom(b);
	memcpy(n->value, ev->data.scalar.value, n->len);
	n->value[n->len] = '\0';
	if (scalar_type(b, ev, n) != 0)
		return -1;
	if (bind_anchor(b, (const char *)ev->data.scalar.anchor, n) != 0)
		return -1;
	return add_child(b, n, false);
}

static int on_start(struct builder *b, const yaml_event_t *ev,
		    enum yamldoc_kind kind)
{
	const yaml_char_t *anchor = kind == YAMLDOC_SEQ
					? ev->data.sequence_start.anchor
					: ev->data.mapping_start.anchor;
	struct yamldoc_node *n = node_new(b, kind, ev->start_mark);
	if (!n)
		return -1;
	if (b->depth == YAMLDOC_MAX_DEPTH) {
		diag_add(b->diags, DIAG_ERROR, &n->pos, NULL,
			 "nesting deeper than %d levels", YAMLDOC_MAX_DEPTH);
		return -1;
	}
	char *name = anchor ? strdup((const char *)anchor) : NULL;
	if (anchor && !name)
		return oom(b);
	b->stack_anchor[b->depth] = name;
	b->stack[b->depth++] = n;
	return 0;
}

/* ---- merge keys ---- */

/* The keys a mapping holds while merging: open addressing by key text, so
 * a merge costs what it copies rather than written keys × merged keys. */
struct keyset {
	const struct yamldoc_node **slot;
	size_t mask;
};

static size_t key_hash(const struct yamldoc_node *k)
{
	size_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < k->len; i++)
		h = (h ^ (unsigned char)k->value[i]) * 16777619u;
	return h;
}

/* Adds scalar key k; false when a key of that text is there already. */
static bool keyset_add(struct keyset *s, const struct yamldoc_node *k)
{
	size_t i = key_hash(k) & s->mask;
	while (s->slot[i]) {
		const struct yamldoc_node *o = s->slot[i];
		if (o->len == k->len && memcmp(o->value, k->value, k->len) == 0)
			return false;
		i = (i + 1) & s->mask;
	}
	s->slot[i] = k;
	return true;
}

/* True when v can be merged: a mapping or a list of mappings. */
static bool merge_source_ok(const struct yamldoc_node *v)
{
	if (v->kind == YAMLDOC_MAP)
		return true;
	if (v->kind != YAMLDOC_SEQ)
		return false;
	for (size_t i = 0; i < v->n_items; i++)
		if (v->items[i]->kind != YAMLDOC_MAP)
			return false;
	return true;
}

/* Index of the key of the first mergeable `<<` pair of map, or n_items. */
static size_t merge_find(const struct yamldoc_node *map)
{
	for (size_t p = 0; p + 1 < map->n_items; p += 2)
		if (map->items[p]->merge && merge_source_ok(map->items[p + 1]))
			return p;
	return map->n_items;
}

/* Appends the pairs of source whose keys map does not hold yet. A `<<`
 * left in a source is reported where the source is written. */
static void merge_from(struct yamldoc_node *map, struct keyset *keys,
		       const struct yamldoc_node *src)
{
	for (size_t p = 0; p + 1 < src->n_items; p += 2) {
		const struct yamldoc_node *k = src->items[p];
		if (k->merge)
			continue;
		if (k->kind == YAMLDOC_SCALAR && !keyset_add(keys, k))
			continue;
		map->items[map->n_items++] = src->items[p];
		map->items[map->n_items++] = src->items[p + 1];
	}
}

/* Puts the pairs map wrote itself, but the merge at old[at], into its new
 * items (map->n_items still counts old's). A key written twice stays
 * twice: the loader reports it. */
static void merge_written(struct yamldoc_node *map, struct keyset *keys,
			  struct yamldoc_node *const *old, size_t at)
{
	size_t n_old = map->n_items;
	map->n_items = 0;
	for (size_t p = 0; p + 1 < n_old; p += 2) {
		if (p == at)
			continue;
		if (old[p]->kind == YAMLDOC_SCALAR && !old[p]->merge)
			keyset_add(keys, old[p]);
		map->items[map->n_items++] = old[p];
		map->items[map->n_items++] = old[p + 1];
	}
}

/* Resolves the merge key of a mapping that has just ended (its sources
 * ended before it, so they are resolved already). */
static int merge_resolve(struct builder *b, struct yamldoc_node *map)
{
	size_t at = merge_find(map);
	if (at == map->n_items)
		return 0;
	struct yamldoc_node *v = map->items[at + 1];
	struct yamldoc_node *const *src =
	    v->kind == YAMLDOC_MAP ? &v : v->items;
	size_t n_src = v->kind == YAMLDOC_MAP ? 1 : v->n_items;
	size_t total = map->n_items - 2;
	for (size_t i = 0; i < n_src; i++)
		total += src[i]->n_items;
	size_t slots = 16;
	while (slots < total)
		slots *= 2;
	struct yamldoc_node **old = map->items;
	struct keyset keys = {calloc(slots, sizeof(*keys.slot)), slots - 1};
	map->items = malloc((total ? total : 1) * sizeof(*map->items));
	if (!keys.slot || !map->items) {
		free(keys.slot);
		free(map->items);
		map->items = old;
		return oom(b);
	}
	merge_written(map, &keys, old, at);
	for (size_t i = 0; i < n_src; i++)
		merge_from(map, &keys, src[i]);
	map->cap = total ? total : 1;
	map->size = 1;
	for (size_t i = 0; i < map->n_items; i++)
		map->size += map->items[i]->size;
	free(keys.slot);
	free(old);
	return 0;
}

static int on_end(struct builder *b)
{
	struct yamldoc_node *n = b->stack[--b->depth];
	char *anchor = b->stack_anchor[b->depth];
	b->stack_anchor[b->depth] = NULL;
	int rc = n->kind == YAMLDOC_MAP ? merge_resolve(b, n) : 0;
	if (rc == 0)
		rc = bind_anchor(b, anchor, n);
	free(anchor);
	return rc ? rc : add_child(b, n, false);
}

static int on_alias(struct builder *b, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	for (size_t i = b->n_anchors; i-- > 0;) {
		if (strcmp(b->anchors[i].name, name) == 0)
			return add_child(b, b->anchors[i].node, true);
	}
	struct pos p = mark_pos(b->file, ev->start_mark);
	diag_add(b->diags, DIAG_ERROR, &p, NULL, "undefined alias");
	return -1;
}

static int on_event(struct builder *b, const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		anchors_clear(b);
		b->doc_alias_nodes = 0;
		return 0;
	case YAML_SCALAR_EVENT:
		return on_scalar(b, ev);
	case YAML_SEQUENCE_START_EVENT:
		return on_start(b, ev, YAMLDOC_SEQ);
	case YAML_MAPPING_START_EVENT:
		return on_start(b, ev, YAMLDOC_MAP);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return on_end(b);
	case YAML_ALIAS_EVENT:
		return on_alias(b, ev);
	default:
		return 0;
	}
}

static void parse_error(struct builder *b, const yaml_parser_t *p)
{
	struct pos at;
	if (p->error == YAML_READER_ERROR)
		at = pos_of_offset(b->file, b->data, b->len, p->problem_offset);
	else
		at = mark_pos(b->file, p->problem_mark);
	const char *problem = p->problem ? p->problem : "unknown error";
	if (p->context && p->error != YAML_READER_ERROR)
		diag_add(b->diags, DIAG_ERROR, &at, NULL,
			 "invalid YAML: %s %s at line %u, column %u", problem,
			 p->context, (unsigned)p->context_mark.line + 1,
			 (unsigned)p->context_mark.column + 1);
	else
		diag_add(b->diags, DIAG_ERROR, &at, NULL, "invalid YAML: %s",
			 problem);
}

static int run_parser(struct builder *b)
{
	yaml_parser_t parser;
	if (!yaml_parser_initialize(&parser))
		return oom(b);
	yaml_parser_set_input_string(&parser, (const unsigned char *)b->data,
				     b->len);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	int rc = 0;
	for (;;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&parser, &ev)) {
			parse_error(b, &parser);
			rc = -1;
			break;
		}
		bool done = ev.type == YAML_STREAM_END_EVENT;
		rc = on_event(b, &ev);
		yaml_event_delete(&ev);
		if (rc != 0 || done)
			break;
	}
	yaml_parser_delete(&parser);
	return rc;
}

int yamldoc_parse(struct yamldoc **out, const char *file, const char *data,
		  size_t len, struct diag_list *diags)
{
	*out = NULL;
	/* with the encoding set, libyaml would read a BOM as content */
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		data += 3;
		len -= 3;
	}
	size_t bad = utf8_first_invalid((const unsigned char *)data, len);
	if (bad < len) {
		struct pos at = pos_of_offset(file, data, len, bad);
		diag_add(diags, DIAG_ERROR, &at, NULL,
			 "invalid UTF-8 (byte 0x%02x at offset %zu)",
			 (unsigned char)data[bad], bad);
		return -1;
	}
	struct builder b = {0};
	b.file = file;
	b.data = data;
	b.len = len;
	b.diags = diags;
	b.doc = calloc(1, sizeof(*b.doc));
	if (!b.doc)
		return oom(&b);
	int rc = run_parser(&b);
	for (size_t i = 0; i < b.depth; i++)
		free(b.stack_anchor[i]);
	anchors_clear(&b);
	free(b.anchors);
	if (rc != 0) {
		yamldoc_free(b.doc);
		return -1;
	}
	*out = b.doc;
	return 0;
}

const struct yamldoc_node *yamldoc_map_get(const struct yamldoc_node *map,
					   const char *key)
{
	if (!map || map->kind != YAMLDOC_MAP)
		return NULL;
	for (size_t i = 0; i + 1 < map->n_items; i += 2) {
		const struct yamldoc_node *k = map->items[i];
		if (k->kind == YAMLDOC_SCALAR && strcmp(k->value, key) == 0)
			return map->items[i + 1];
	}
	return NULL;
}

const char *yamldoc_type_name(const struct yamldoc_node *n)
{
	if (n->kind == YAMLDOC_SEQ)
		return "a list";
	if (n->kind == YAMLDOC_MAP)
		return "a mapping";
	switch (n->type) {
	case YAMLDOC_STR:
		return "a string";
	case YAMLDOC_NULL:
		return "null";
	case YAMLDOC_BOOL:
		return "a boolean";
	case YAMLDOC_INT:
		return "an integer";
	case YAMLDOC_FLOAT:
		return "a number";
	}
	return "a value";
}

void yamldoc_free(struct yamldoc *doc)
{
	if (!doc)
		return;
	size_t stride = aligned(sizeof(struct yamldoc_node));
	for (struct yamldoc_chunk *c = doc->nodes; c; c = c->next) {
		for (size_t at = 0; at < c->used; at += stride) {
			struct yamldoc_node *n =
			    (struct yamldoc_node *)((char *)c->align + at);
			free(n->items);
		}
	}
	chunks_free(doc->nodes);
	chunks_free(doc->text);
	free(doc->roots);
	free(doc);
}

const char *yamldoc_libyaml_version(void)
{
	return yaml_get_version_string();
}
