#include "reconcile/base/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Most strings made here are short: formatted once into this much stack,
 * they need no measuring pass. */
#define STR_SHORT 256

char *str_vprintf(const char *fmt, va_list ap)
{
	char tmp[STR_SHORT];
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, cp);
	va_end(cp);
	if (n < 0)
		return NULL;
	char *s = malloc((size_t)n + 1);
	if (!s)
		return NULL;
	if ((size_t)n < sizeof(tmp))
		memcpy(s, tmp, (size_t)n + 1);
	else
		vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

char *str_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = str_vprintf(fmt, ap);
	va_end(ap);
	return s;
}

char *str_dup(const char *s)
{
	return s ? strdup(s) : NULL;
}

void str_wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;
	if (!v)
		return;
	while (n--)
		*v++ = 0;
}

void str_wipe_free(char *s)
{
	if (!s)
		return;
	str_wipe(s, strlen(s));
	free(s);
}

void str_lower(char *s)
{
	for (; s && *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}
