/*
 * diag: one problem with its place, carried unchanged from where it is
 * found up to the command that prints it.
 *
 * A diagnostic names, when known, a place in a desired-state file
 * (file:line:col), a field path (sip.allowedAgents[2].toUserPattern) and,
 * for API failures, the request (method, path) and HTTP status. Messages
 * never contain secret values: the code that builds them is responsible.
 */
#ifndef SIPSYNC_DIAG_H
#define SIPSYNC_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

enum diag_severity { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE };

/* A place in a source file. file points to a name owned elsewhere (the
 * desired state's file table); NULL means "no place". */
struct pos {
	const char *file;
	unsigned line;
	unsigned col;
};

struct diag {
	enum diag_severity severity;
	char *file; /* owned copy, NULL when there is no place */
	unsigned line, col;
	char *path;	/* field path, NULL when none */
	char *method;	/* HTTP method of a failed request, NULL when none */
	char *url_path; /* request path, e.g. /api/sip */
	long status;	/* HTTP status, 0 when none */
	char *message;	/* never NULL */
};

struct diag_list {
	struct diag *items;
	size_t len, cap;
};

/* Appends a diagnostic; place may be NULL, path may be NULL. Returns 0, or
 * -1 when out of memory (the list is left as it was). */
int diag_add(struct diag_list *list, enum diag_severity sev,
	     const struct pos *place, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
int diag_addv(struct diag_list *list, enum diag_severity sev,
	      const struct pos *place, const char *path, const char *fmt,
	      va_list ap) __attribute__((format(printf, 5, 0)));

/* Appends an API failure: "METHOD PATH: STATUS: message". */
int diag_add_http(struct diag_list *list, const char *method,
		  const char *url_path, long status, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Moves every item of src to the end of dst; src is left empty. Returns 0,
 * or -1 out of memory: then src holds the items not moved (each item is
 * in one list only, both still to be freed). */
int diag_list_move(struct diag_list *dst, struct diag_list *src);

/* Stable sort by file, line, col (diagnostics without a place last). */
void diag_list_sort(struct diag_list *list);

size_t diag_list_count(const struct diag_list *list, enum diag_severity sev);
bool diag_list_has_errors(const struct diag_list *list);

/* Frees every item; the list stays usable (empty). */
void diag_list_clear(struct diag_list *list);

const char *diag_severity_name(enum diag_severity sev);

/* Formats one diagnostic compiler-style on one line, without newline:
 *   FILE:LINE:COL: error: PATH: message
 *   error: PATCH /api/sip: 400: allowedAgents[1].agentId: message
 * Returns a string the caller frees, or NULL when out of memory. */
char *diag_format(const struct diag *d);

#endif
