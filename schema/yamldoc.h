/*
 * yamldoc: one YAML buffer → a tree of nodes, each with its 1-based
 * line:col, using libyaml's event parser. Guards against hostile input:
 * invalid UTF-8, nesting deeper than YAMLDOC_MAX_DEPTH, alias bombs (a
 * document whose aliases add more than YAMLDOC_MAX_ALIAS_NODES nodes to
 * it once expanded), and files of more than YAMLDOC_MAX_NODES nodes of
 * their own in all their documents. The two counts are kept apart: a big
 * plain file (100,000 registrations in 7 MB) is no bomb, while a bomb's
 * cost is what its aliases add.
 * Keys are kept as nodes; the loader checks them (duplicates, non-scalar
 * keys) because it knows the field paths to name.
 *
 * Aliases share the anchored node (the tree is a DAG); anchors are bound
 * when their node is complete, so no cycle can be built.
 *
 * Merge keys (YAML 1.1, as PyYAML, go-yaml and js-yaml read them): a
 * mapping's first `<<: *a` or `<<: [*a, *b]` is replaced, when the mapping
 * ends, by the pairs of the merged mappings whose keys the mapping does
 * not write itself; of several merged mappings the earlier one wins. The
 * merged pairs are the anchored nodes themselves, so their positions are
 * the anchor's. The aliases a merge names count against the alias limits
 * like any others, and a mapping's size includes what it merged.
 *
 * Ownership: every node belongs to the struct yamldoc that yamldoc_parse
 * returns; free everything with yamldoc_free.
 */
#ifndef SIPSYNC_YAMLDOC_H
#define SIPSYNC_YAMLDOC_H

#include <stdbool.h>
#include <stddef.h>

#include "reconcile/base/diag.h"

#define YAMLDOC_MAX_DEPTH 64
/* Nodes one file may hold (aliases not counted): more than a plain
 * desired state that fills the 16 MiB file limit has (some 2.6 million
 * nodes at 70 bytes a registration), while bounding the memory a file of
 * tiny flow items can take (about 100 bytes a node). */
#define YAMLDOC_MAX_NODES 3000000
/* Nodes the aliases of one document may add once expanded. */
#define YAMLDOC_MAX_ALIAS_NODES 200000

enum yamldoc_kind { YAMLDOC_SCALAR, YAMLDOC_SEQ, YAMLDOC_MAP };

/* The type of a scalar under the YAML 1.2 core schema (plain scalars are
 * resolved; quoted and block scalars are strings; !!tags are honoured). */
enum yamldoc_type {
	YAMLDOC_STR,
	YAMLDOC_NULL,
	YAMLDOC_BOOL,
	YAMLDOC_INT,
	YAMLDOC_FLOAT,
};

struct yamldoc_node {
	enum yamldoc_kind kind;
	enum yamldoc_type type; /* scalars only */
	char *value;		/* scalars: NUL-terminated */
	size_t len;		/* scalars: length (may hold a NUL byte) */
	/* scalars: nothing written (a plain, untagged, zero-length value,
	 * e.g. `key:` at the end of a line); its type is YAMLDOC_NULL like a
	 * written null or ~, which this tells apart */
	bool empty;
	/* scalars: a plain, untagged `<<`, the YAML merge key. A mapping's
	 * merge key is resolved when the mapping ends (see yamldoc_parse);
	 * one that is still there could not be: its value is no mapping or
	 * list of mappings, or it is a second `<<` of its mapping. The loader
	 * reports it, knowing the field path. */
	bool merge;
	struct yamldoc_node **items; /* seq: items; map: key, value, key, ... */
	size_t n_items;		     /* seq: items; map: pairs * 2 */
	size_t cap;
	size_t size; /* alias-expanded node count of this subtree */
	struct pos pos;
};

struct yamldoc_chunk; /* node and text storage, private to yamldoc.c */

struct yamldoc {
	struct yamldoc_node **roots; /* one per document */
	size_t n_roots;
	size_t n_nodes;		     /* nodes stored (aliases not counted) */
	size_t alias_nodes;	     /* nodes the aliases add, all documents */
	struct yamldoc_chunk *nodes; /* nodes, YAMLDOC_CHUNK_NODES a chunk */
	struct yamldoc_chunk *text;  /* scalar values */
};

/* Parses data[0..len) of the file named file (a pointer that must outlive
 * the result: it is stored in every node's pos). A leading UTF-8 byte
 * order mark is skipped (columns on line 1 then count from after it). On
 * success returns 0 and *out. On failure returns -1, adds one error (with
 * place) to diags, and *out is NULL. */
int yamldoc_parse(struct yamldoc **out, const char *file, const char *data,
		  size_t len, struct diag_list *diags);

/* The value node of key in map, or NULL. */
const struct yamldoc_node *yamldoc_map_get(const struct yamldoc_node *map,
					   const char *key);

/* Human name of a node's type: "a string", "an integer", "a mapping"... */
const char *yamldoc_type_name(const struct yamldoc_node *n);

void yamldoc_free(struct yamldoc *doc);

/* The version of the libyaml sipsync runs with, for `sipsync version`. */
const char *yamldoc_libyaml_version(void);

#endif
