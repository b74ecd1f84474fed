/*
 * validate: the rules of the desired-state file (DESIGN §2 "Validation")
 * that look at values: formats, lengths, regexes, URLs, duplicates. The
 * loader calls them while it walks the YAML, with the place and field path
 * of each value; each rule appends its findings to a diag list and returns
 * 0 when it found no error (warnings allowed), -1 otherwise.
 */
#ifndef SIPSYNC_VALIDATE_H
#define SIPSYNC_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include "reconcile/base/diag.h"
#include "reconcile/core/model.h"

/* Writes s into buf (size n) fit for a one-line message: control
 * characters escaped, cut with "..." when longer than about 60
 * characters. Never use it on a secret. */
void validate_quote(char *buf, size_t n, const char *s);

/* Error when s holds a control character (below 0x20, or 0x7f): a line
 * break gets a message naming the YAML | and > blocks that add one. With
 * trimmed, also an error when s begins or ends with whitespace by Python's
 * str.isspace() (U+00A0 and the like: the API, Django REST Framework, trims
 * such values, so the stored one would never match the file). The
 * message never quotes s. */
int validate_text(struct diag_list *d, const struct pos *at, const char *path,
		  const char *s, bool trimmed);

/* Error when s is longer than max characters (code points, not bytes). */
int validate_max_len(struct diag_list *d, const struct pos *at,
		     const char *path, const char *s, size_t max);

/* Error unless s is a canonical 8-4-4-4-12 hexadecimal uuid. */
int validate_uuid(struct diag_list *d, const struct pos *at, const char *path,
		  const char *s);

/* Error unless s is a strict ipv4-cidr; warning when host bits are set
 * (naming the network). On success fills *out_network with the canonical
 * network (host bits cleared). */
int validate_cidr(struct diag_list *d, const struct pos *at, const char *path,
		  const char *s, char out_network[19]);

/* Error unless the PCRE2 pattern s compiles (message names PCRE2's error
 * and the offset). */
int validate_pattern(struct diag_list *d, const struct pos *at,
		     const char *path, const char *s);

/* Error unless s is an absolute http(s) URL with a host; warning for
 * plain http. Messages show the URL with any user:password@ masked. */
int validate_url(struct diag_list *d, const struct pos *at, const char *path,
		 const char *s);

/* Errors for CIDR ranges naming the same network twice (networks[i] is
 * the canonical form of sip->cidrs[i], or NULL when invalid). */
int validate_cidr_dups(struct diag_list *d, const struct sip_config *sip,
		       char *const *networks, const char *const *paths);

/* Errors for two allowances with the same agentId and effective pattern. */
int validate_agent_dups(struct diag_list *d, const struct sip_config *sip,
			const char *const *paths);

/* Errors for two registrations with one identity username@proxy (proxy
 * compared case-insensitively), naming both places. paths[i] is the field
 * path of regs[i]. */
int validate_registration_dups(struct diag_list *d,
			       const struct registration *regs, size_t n,
			       const char *const *paths);

/* The version of the PCRE2 sipsync runs with ("10.42 2022-12-11"), for
 * `sipsync version`. Static storage. */
const char *validate_pcre2_version(void);

#endif
