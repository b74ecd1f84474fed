/*
 * logline: one log line on a stream, as text
 *   2026-11-23T04:13:59.459Z info commit=1b22eae message
 * or as a JSON object {"time", "level", "msg", "commit"?} (--log-format json).
 * Callers pass messages that hold no secret.
 */
#ifndef SIPSYNC_LOGLINE_H
#define SIPSYNC_LOGLINE_H

#include <stdbool.h>
#include <stdio.h>

/* Writes one line and flushes fp. level is "error", "warning" or "info";
 * commit may be NULL or empty (then not shown). */
void logline_write(FILE *fp, bool json, const char *level, const char *commit,
		   const char *msg);

#endif
