/*
 * str: the small string helpers every module needs, written once.
 */
#ifndef SIPSYNC_STR_H
#define SIPSYNC_STR_H

#include <stdarg.h>
#include <stddef.h>

/* printf into a new string. Returns it (the caller frees), or NULL when
 * out of memory or on a format error. */
char *str_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *str_vprintf(const char *fmt, va_list ap)
    __attribute__((format(printf, 1, 0)));

/* strdup that passes NULL through. */
char *str_dup(const char *s);

/* Overwrites the n bytes at p with zeros in a way the compiler keeps
 * (secrets must not linger in freed memory). Accepts NULL. */
void str_wipe(void *p, size_t n);

/* Wipes a NUL-terminated secret, then frees it. Accepts NULL. */
void str_wipe_free(char *s);

/* Lowercases the ASCII letters of s in place (host names, schemes, hex
 * ids: never locale-dependent). Accepts NULL. */
void str_lower(char *s);

#endif
