/* yamldoc: YAML → node tree with positions, core-schema types, guards. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "schema/yamldoc.h"

static struct yamldoc *parse_ok(const char *text)
{
	struct yamldoc *doc = NULL;
	struct diag_list d = {0};
	assert_int_equal(yamldoc_parse(&doc, "t.yaml", text, strlen(text), &d),
			 0);
	assert_int_equal(d.len, 0);
	diag_list_clear(&d);
	return doc;
}

/* Parses text expecting failure; returns the one formatted error. */
static char *parse_err(const char *text, size_t len)
{
	struct yamldoc *doc = NULL;
	struct diag_list d = {0};
	assert_int_equal(yamldoc_parse(&doc, "t.yaml", text, len, &d), -1);
	assert_null(doc);
	assert_int_equal(d.len, 1);
	char *line = diag_format(&d.items[0]);
	diag_list_clear(&d);
	return line;
}

static void type_is(const char *scalar, enum yamldoc_type want)
{
	char text[128];
	snprintf(text, sizeof(text), "k: %s\n", scalar);
	struct yamldoc *doc = parse_ok(text);
	const struct yamldoc_node *v = yamldoc_map_get(doc->roots[0], "k");
	assert_non_null(v);
	if (v->type != want)
		fail_msg("%s: type %d, want %d", scalar, v->type, want);
	yamldoc_free(doc);
}

static void test_core_schema_types(void **state)
{
	(void)state;
	type_is("", YAMLDOC_NULL);
	type_is("~", YAMLDOC_NULL);
	type_is("null", YAMLDOC_NULL);
	type_is("NULL", YAMLDOC_NULL);
	type_is("nULL", YAMLDOC_STR);
	type_is("true", YAMLDOC_BOOL);
	type_is("False", YAMLDOC_BOOL);
	type_is("yes", YAMLDOC_STR); /* YAML 1.1 only */
	type_is("on", YAMLDOC_STR);
	type_is("1", YAMLDOC_INT);
	type_is("-12", YAMLDOC_INT);
	type_is("0x1F", YAMLDOC_INT);
	type_is("0o17", YAMLDOC_INT);
	type_is("1_000", YAMLDOC_STR);
	type_is("1.5", YAMLDOC_FLOAT);
	type_is("1e3", YAMLDOC_FLOAT);
	type_is(".inf", YAMLDOC_FLOAT);
	type_is(".NaN", YAMLDOC_FLOAT);
	type_is("1.2.3.4/32", YAMLDOC_STR);
	type_is("'1'", YAMLDOC_STR);
	type_is("\"true\"", YAMLDOC_STR);
	type_is("!!str 1", YAMLDOC_STR);
	type_is("!!int 7", YAMLDOC_INT);
	type_is("|\n  null", YAMLDOC_STR);
}

static void test_positions_and_shape(void **state)
{
	(void)state;
	struct yamldoc *doc = parse_ok("a:\n  - x\n  - {b: \"é\"}\n---\n- 1\n");
	assert_int_equal(doc->n_roots, 2);
	const struct yamldoc_node *a = yamldoc_map_get(doc->roots[0], "a");
	assert_int_equal(a->kind, YAMLDOC_SEQ);
	assert_int_equal(a->n_items, 2);
	assert_int_equal(a->pos.line, 2);
	assert_int_equal(a->pos.col, 3);
	const struct yamldoc_node *b = yamldoc_map_get(a->items[1], "b");
	assert_string_equal(b->value, "é");
	assert_int_equal(b->pos.line, 3);
	assert_int_equal(b->pos.col, 9);
	assert_string_equal(b->pos.file, "t.yaml");
	assert_null(yamldoc_map_get(a, "b"));
	assert_int_equal(doc->roots[1]->kind, YAMLDOC_SEQ);
	assert_string_equal(yamldoc_type_name(doc->roots[1]), "a list");
	yamldoc_free(doc);
}

static void test_aliases_share_and_count(void **state)
{
	(void)state;
	struct yamldoc *doc = parse_ok("a: &x [1, 2, 3]\nb: *x\nc: *x\n");
	const struct yamldoc_node *a = yamldoc_map_get(doc->roots[0], "a");
	assert_ptr_equal(yamldoc_map_get(doc->roots[0], "b"), a);
	assert_int_equal(a->size, 4);
	/* root + 3 keys + 3 expanded lists of 4 */
	assert_int_equal(doc->roots[0]->size, 1 + 3 + 3 * 4);
	yamldoc_free(doc);
}

static void test_errors(void **state)
{
	(void)state;
	char *e = parse_err("a: [1\n", 6);
	assert_string_equal(e, "t.yaml:2:1: error: invalid YAML: did not find "
			       "expected ',' or ']' while parsing a flow "
			       "sequence at line 1, column 4");
	free(e);
	e = parse_err("a: *nope\n", 9);
	assert_string_equal(e, "t.yaml:1:4: error: undefined alias");
	free(e);
	/* an anchor is bound when its node is complete: no cycles */
	e = parse_err("a: &x [*x]\n", 11);
	assert_string_equal(e, "t.yaml:1:8: error: undefined alias");
	free(e);
	e = parse_err("a: !custom 1\n", 13);
	assert_string_equal(e, "t.yaml:1:4: error: unsupported YAML tag");
	free(e);
	e = parse_err("ok: 1\nb: \"\xe2\x82\"\n", 14);
	assert_string_equal(e, "t.yaml:2:5: error: invalid UTF-8 (byte 0xe2 at "
			       "offset 10)");
	free(e);
	e = parse_err("a: \"\xed\xa0\x80\"\n", 8); /* a UTF-16 surrogate */
	assert_string_equal(e, "t.yaml:1:5: error: invalid UTF-8 (byte 0xed at "
			       "offset 4)");
	free(e);
	e = parse_err("a: \"\xc0\xaf\"\n", 7); /* overlong */
	assert_string_equal(e, "t.yaml:1:5: error: invalid UTF-8 (byte 0xc0 at "
			       "offset 4)");
	free(e);
	e = parse_err("a: 1\x01\n", 6);
	assert_string_equal(e, "t.yaml:1:5: error: invalid YAML: control "
			       "characters are not allowed");
	free(e);
}

static void test_depth_limit(void **state)
{
	(void)state;
	char deep[2 * YAMLDOC_MAX_DEPTH + 8];
	size_t n = 0;
	for (int i = 0; i < YAMLDOC_MAX_DEPTH; i++)
		deep[n++] = '[';
	for (int i = 0; i < YAMLDOC_MAX_DEPTH; i++)
		deep[n++] = ']';
	deep[n] = '\0';
	struct yamldoc *doc = parse_ok(deep); /* exactly the limit */
	yamldoc_free(doc);
	memmove(deep + 1, deep, n + 1);
	deep[0] = '[';
	deep[n + 1] = ']';
	deep[n + 2] = '\0';
	char *e = parse_err(deep, n + 2);
	assert_string_equal(e, "t.yaml:1:65: error: nesting deeper than 64 "
			       "levels");
	free(e);
}

static void test_node_limit(void **state)
{
	(void)state;
	/* a flat list of YAMLDOC_MAX_NODES items is one node too many */
	size_t n = YAMLDOC_MAX_NODES;
	char *big = malloc(2 * n + 4);
	size_t o = 0;
	big[o++] = '[';
	for (size_t i = 0; i < n; i++) {
		big[o++] = '1';
		big[o++] = ',';
	}
	big[o - 1] = ']';
	char *e = parse_err(big, o);
	assert_string_equal(e, "t.yaml:1:6000000: error: file too large: more "
			       "than 3000000 YAML nodes in one file; split it "
			       "into several files of one directory (each may "
			       "hold part of registrations.items)");
	free(e);
	free(big);
	/* few real nodes, many after alias expansion */
	const char *head = "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\nb: [";
	size_t len = strlen(head);
	big = malloc(len + 4 * 20000 + 4);
	memcpy(big, head, len);
	o = len;
	for (size_t i = 0; i < 20000; i++) {
		memcpy(big + o, "*a, ", 4);
		o += 4;
	}
	memcpy(big + o - 2, "]\n", 3);
	e = parse_err(big, o);
	assert_string_equal(e, "t.yaml:2:4: error: document too large: its "
			       "aliases add more than 200000 nodes after "
			       "alias expansion; write the repeated parts out "
			       "or split the document");
	free(e);
	free(big);
}

static void test_empty_and_nul(void **state)
{
	(void)state;
	struct yamldoc *doc = parse_ok("");
	assert_int_equal(doc->n_roots, 0);
	yamldoc_free(doc);
	doc = parse_ok("# only a comment\n");
	assert_int_equal(doc->n_roots, 0);
	yamldoc_free(doc);
	doc = parse_ok("a: \"x\\0y\"\n");
	const struct yamldoc_node *a = yamldoc_map_get(doc->roots[0], "a");
	assert_int_equal(a->len, 3);
	assert_int_equal(strlen(a->value), 1);
	yamldoc_free(doc);
}

/* Review finding: a UTF-8 BOM was read as content (invalid YAML). */
static void test_bom_skipped(void **state)
{
	(void)state;
	struct yamldoc *doc = parse_ok("\xef\xbb\xbfversion: 1\nk: v\n");
	assert_int_equal(doc->n_roots, 1);
	const struct yamldoc_node *v = yamldoc_map_get(doc->roots[0], "k");
	assert_non_null(v);
	assert_string_equal(v->value, "v");
	assert_int_equal(v->pos.line, 2);
	assert_int_equal(v->pos.col, 4);
	yamldoc_free(doc);
}

/* An empty value is null like a written null, but marked as empty. */
static void test_empty_marked(void **state)
{
	(void)state;
	struct yamldoc *doc =
	    parse_ok("a:\nb: null\nc: ~\nd: ''\ne: !!null\nf: \"\"\n");
	const char *keys = "abcdef";
	const bool empty[] = {true, false, false, false, false, false};
	const enum yamldoc_type type[] = {YAMLDOC_NULL, YAMLDOC_NULL,
					  YAMLDOC_NULL, YAMLDOC_STR,
					  YAMLDOC_NULL, YAMLDOC_STR};
	for (size_t i = 0; i < 6; i++) {
		char k[2] = {keys[i], '\0'};
		const struct yamldoc_node *v =
		    yamldoc_map_get(doc->roots[0], k);
		assert_non_null(v);
		if (v->empty != empty[i] || v->type != type[i])
			fail_msg("%s: empty %d type %d", k, v->empty, v->type);
	}
	yamldoc_free(doc);
}

/* The value of key in map as text (a scalar), failing when absent. */
static const struct yamldoc_node *scalar_at(const struct yamldoc_node *map,
					    const char *key, const char *want,
					    unsigned line, unsigned col)
{
	const struct yamldoc_node *v = yamldoc_map_get(map, key);
	if (!v)
		fail_msg("no key %s", key);
	assert_int_equal(v->kind, YAMLDOC_SCALAR);
	assert_string_equal(v->value, want);
	assert_int_equal(v->pos.line, line);
	assert_int_equal(v->pos.col, col);
	return v;
}

static void test_merge_written_wins(void **state)
{
	(void)state;
	struct yamldoc *doc = parse_ok("base: &b {p: bp, q: bq}\n"
				       "m:\n"
				       "  p: mp\n"
				       "  <<: *b\n"
				       "n:\n"
				       "  <<: *b\n"
				       "  q: nq\n");
	const struct yamldoc_node *m = yamldoc_map_get(doc->roots[0], "m");
	const struct yamldoc_node *n = yamldoc_map_get(doc->roots[0], "n");
	/* written before or after the merge, the written key wins; the
	 * merged one keeps the anchor's place */
	scalar_at(m, "p", "mp", 3, 6);
	scalar_at(m, "q", "bq", 1, 21);
	scalar_at(n, "p", "bp", 1, 14);
	scalar_at(n, "q", "nq", 7, 6);
	assert_null(yamldoc_map_get(m, "<<"));
	assert_int_equal(m->n_items, 4);
	assert_int_equal(n->n_items, 4);
	assert_int_equal(m->size, 5); /* what it holds, merged included */
	yamldoc_free(doc);
}

static void test_merge_list_earlier_wins(void **state)
{
	(void)state;
	/* as the YAML 1.1 merge type, PyYAML, go-yaml and js-yaml: of the
	 * merged mappings the earlier one wins */
	struct yamldoc *doc = parse_ok("a: &a {p: ap, q: aq}\n"
				       "b: &b {p: bp, r: br}\n"
				       "m: {<<: [*a, *b]}\n"
				       "n: {<<: [*b, *a]}\n"
				       "e: {<<: [], k: v}\n");
	const struct yamldoc_node *m = yamldoc_map_get(doc->roots[0], "m");
	const struct yamldoc_node *n = yamldoc_map_get(doc->roots[0], "n");
	const struct yamldoc_node *e = yamldoc_map_get(doc->roots[0], "e");
	scalar_at(m, "p", "ap", 1, 11);
	scalar_at(m, "q", "aq", 1, 18);
	scalar_at(m, "r", "br", 2, 18);
	scalar_at(n, "p", "bp", 2, 11);
	assert_int_equal(m->n_items, 6);
	assert_int_equal(e->n_items, 2);
	yamldoc_free(doc);
}

static void test_merge_chained(void **state)
{
	(void)state;
	struct yamldoc *doc = parse_ok("a: &a {p: ap, q: aq}\n"
				       "b: &b {<<: *a, q: bq}\n"
				       "c: {<<: *b}\n");
	const struct yamldoc_node *c = yamldoc_map_get(doc->roots[0], "c");
	scalar_at(c, "p", "ap", 1, 11);
	scalar_at(c, "q", "bq", 2, 19);
	assert_int_equal(c->n_items, 4);
	yamldoc_free(doc);
}

/* What cannot be merged stays, flagged, for the loader to report with its
 * field path; a quoted or tagged << is an ordinary key. */
static void test_merge_not_mergeable_kept(void **state)
{
	(void)state;
	struct yamldoc *doc = parse_ok("s: {<<: text}\n"
				       "l: {<<: [{p: 1}, x]}\n"
				       "t: &t {p: 1}\n"
				       "d: {<<: *t, <<: *t}\n"
				       "q: {'<<': {p: 1}, !!str <<: {p: 2}}\n");
	const char *const flagged[] = {"s", "l"};
	for (size_t i = 0; i < 2; i++) {
		const struct yamldoc_node *m =
		    yamldoc_map_get(doc->roots[0], flagged[i]);
		assert_int_equal(m->n_items, 2);
		assert_true(m->items[0]->merge);
	}
	const struct yamldoc_node *d = yamldoc_map_get(doc->roots[0], "d");
	assert_int_equal(d->n_items, 4); /* the second << and p */
	assert_true(d->items[0]->merge);
	const struct yamldoc_node *q = yamldoc_map_get(doc->roots[0], "q");
	assert_int_equal(q->n_items, 4);
	assert_false(q->items[0]->merge);
	assert_false(q->items[2]->merge);
	assert_null(yamldoc_map_get(q, "p"));
	yamldoc_free(doc);
}

/* A bomb made of merges: every level merges the one before nine times
 * over, each into a mapping of its own, and is stopped by the alias limit
 * like any other (a merged mapping weighs what it merged). */
static void test_merge_bomb(void **state)
{
	(void)state;
	char text[4096];
	size_t n = (size_t)snprintf(text, sizeof(text),
				    "l0: &l0 {a: 1, b: 2, c: 3, d: 4, e: 5, "
				    "f: 6, g: 7, h: 8, i: 9}\n");
	for (int lv = 1; lv <= 5; lv++) {
		n += (size_t)snprintf(text + n, sizeof(text) - n, "l%d: &l%d {",
				      lv, lv);
		for (int k = 0; k < 9; k++)
			n += (size_t)snprintf(text + n, sizeof(text) - n,
					      "%sk%d: {<<: *l%d}",
					      k ? ", " : "", k, lv - 1);
		n += (size_t)snprintf(text + n, sizeof(text) - n, "}\n");
	}
	assert_true(n < sizeof(text));
	char *e = parse_err(text, n);
	assert_non_null(strstr(e, "error: document too large: its aliases "
				  "add more than 200000 nodes"));
	free(e);
	/* four levels (aliases adding 149,400 nodes) are no bomb, and the
	 * merged pairs are there at every level */
	char *cut = strstr(text, "l5:");
	*cut = '\0';
	struct yamldoc *doc = parse_ok(text);
	const struct yamldoc_node *l4 = yamldoc_map_get(doc->roots[0], "l4");
	assert_int_equal(l4->size, 132859);
	assert_int_equal(doc->alias_nodes, 149400);
	const struct yamldoc_node *leaf = l4;
	for (int lv = 4; lv > 0; lv--)
		leaf = yamldoc_map_get(leaf, "k8");
	scalar_at(leaf, "i", "9", 1, 61);
	yamldoc_free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_core_schema_types),
	    cmocka_unit_test(test_positions_and_shape),
	    cmocka_unit_test(test_aliases_share_and_count),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_depth_limit),
	    cmocka_unit_test(test_node_limit),
	    cmocka_unit_test(test_empty_and_nul),
	    cmocka_unit_test(test_bom_skipped),
	    cmocka_unit_test(test_empty_marked),
	    cmocka_unit_test(test_merge_written_wins),
	    cmocka_unit_test(test_merge_list_earlier_wins),
	    cmocka_unit_test(test_merge_chained),
	    cmocka_unit_test(test_merge_not_mergeable_kept),
	    cmocka_unit_test(test_merge_bomb),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
