/*
 * render: a plan as text (terminal, optional ANSI colour), JSON (the saved
 * plan format, schema/plan.schema.json) or markdown (a pull request
 * comment). Every function returns a NUL-terminated string the caller
 * frees, or NULL when out of memory. Nothing here prints: the command does.
 * No secret value is ever rendered (the plan holds only redacted bodies for
 * display).
 */
#ifndef SIPSYNC_RENDER_H
#define SIPSYNC_RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "reconcile/core/plan.h"

/* GitHub's comment limit is 65,536 characters; stay clear of it. */
#define RENDER_MARKDOWN_LIMIT 65000

/* s with every control character escaped for a terminal: \n \r \t as
 * two characters, other bytes below 0x20 and 0x7f as \xNN, C1 controls
 * (U+0080..U+009F) as \u00NN. Everything printed that may come from the
 * live account goes through it. Caller frees; NULL when out of memory (or
 * s is NULL). */
char *render_escape(const char *s);

/* The text plan (DESIGN §3), ending with the "Plan: ..." or "No changes."
 * line and a newline. color adds ANSI escapes. */
char *render_text(const struct plan *p, bool color);

/* The one-line summary without newline: "Plan: 1 to create, 2 to update,
 * 0 to delete." or "No changes. The live SIP configuration matches the
 * desired state." */
char *render_summary(const struct plan *p);

/* The JSON plan document (format_version PLAN_FORMAT_VERSION), pretty
 * printed with sorted keys, ending with a newline. */
char *render_json(const struct plan *p);

/* Markdown: a summary line, then the text plan in a collapsible block; the
 * result is at most limit bytes (0 = RENDER_MARKDOWN_LIMIT), cutting the
 * details at a line and saying so plainly when it must. */
char *render_markdown(const struct plan *p, size_t limit);

#endif
