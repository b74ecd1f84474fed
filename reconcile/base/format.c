#include "reconcile/base/format.h"

#include <stdio.h>
#include <string.h>

static int parse_decimal(const char **p, unsigned max, unsigned *out)
{
	const char *s = *p;
	if (*s < '0' || *s > '9')
		return -1;
	if (*s == '0' && s[1] >= '0' && s[1] <= '9')
		return -2; /* leading zero */
	unsigned v = 0;
	int digits = 0;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (unsigned)(*s - '0');
		if (++digits > 3 || v > max)
			return -3;
		s++;
	}
	*p = s;
	*out = v;
	return 0;
}

int format_cidr_parse(const char *s, struct cidr *out, const char **why)
{
	const char *p = s;
	uint32_t addr = 0;
	for (int i = 0; i < 4; i++) {
		unsigned octet;
		int rc = parse_decimal(&p, 255, &octet);
		if (rc == -2) {
			*why = "octet with a leading zero";
			return -1;
		}
		if (rc == -3) {
			*why = "octet out of range 0-255";
			return -1;
		}
		if (rc != 0) {
			*why = "expected a.b.c.d/n";
			return -1;
		}
		addr = (addr << 8) | octet;
		if (i < 3 && *p++ != '.') {
			*why = "expected a.b.c.d/n";
			return -1;
		}
	}
	if (*p != '/') {
		*why = "missing /prefix (write a.b.c.d/32 for one address)";
		return -1;
	}
	p++;
	unsigned prefix;
	int rc = parse_decimal(&p, 32, &prefix);
	if (rc == -3 || rc == -2) {
		*why = rc == -2 ? "prefix with a leading zero"
				: "prefix out of range 0-32";
		return -1;
	}
	if (rc != 0) {
		*why = "missing prefix length after /";
		return -1;
	}
	if (*p != '\0') {
		*why = "unexpected characters after the prefix";
		return -1;
	}
	out->addr = addr;
	out->prefix = prefix;
	return 0;
}

static uint32_t prefix_mask(unsigned prefix)
{
	return prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
}

bool format_cidr_has_host_bits(const struct cidr *c)
{
	return (c->addr & ~prefix_mask(c->prefix)) != 0;
}

void format_cidr_network(const struct cidr *c, char *buf, size_t len)
{
	uint32_t a = c->addr & prefix_mask(c->prefix);
	snprintf(buf, len, "%u.%u.%u.%u/%u", (a >> 24) & 255, (a >> 16) & 255,
		 (a >> 8) & 255, a & 255, c->prefix);
}

bool format_uuid_valid(const char *s)
{
	static const int groups[] = {8, 4, 4, 4, 12};
	for (int g = 0; g < 5; g++) {
		for (int i = 0; i < groups[g]; i++, s++) {
			char c = *s;
			if (!((c >= '0' && c <= '9') ||
			      (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
				return false;
		}
		if (g < 4 && *s++ != '-')
			return false;
	}
	return *s == '\0';
}

size_t format_utf8_len(const char *s)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		n += (*p & 0xc0) != 0x80;
	return n;
}

bool format_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	while (p < end) {
		unsigned c = *p++;
		int extra;
		unsigned min;
		if (c < 0x80)
			continue;
		else if ((c & 0xe0) == 0xc0)
			extra = 1, min = 0x80, c &= 0x1f;
		else if ((c & 0xf0) == 0xe0)
			extra = 2, min = 0x800, c &= 0x0f;
		else if ((c & 0xf8) == 0xf0)
			extra = 3, min = 0x10000, c &= 0x07;
		else
			return false;
		if (end - p < extra)
			return false;
		for (int i = 0; i < extra; i++) {
			if ((*p & 0xc0) != 0x80)
				return false;
			c = (c << 6) | (*p++ & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return false;
	}
	return true;
}

bool format_py_space(unsigned long c)
{
	/* [chr(c) for c in range(0x110000) if chr(c).isspace()] */
	static const unsigned long set[] = {
	    0x85,   0xa0,   0x1680, 0x2000, 0x2001, 0x2002, 0x2003,
	    0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a,
	    0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
	};
	if (c < 0x80) /* the ASCII ones: U+0009-U+000D, U+001C-U+0020 */
		return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20);
	for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++)
		if (set[i] == c)
			return true;
	return false;
}

/* Decodes the code point starting at s[i] (of len bytes) into *c; returns
 * its byte length (1 for an invalid byte, decoded as that byte). */
static size_t utf8_decode(const unsigned char *s, size_t i, size_t len,
			  unsigned long *c)
{
	unsigned char b = s[i];
	size_t n = b < 0x80		? 1
		   : (b & 0xe0) == 0xc0 ? 2
		   : (b & 0xf0) == 0xe0 ? 3
		   : (b & 0xf8) == 0xf0 ? 4
					: 0;
	*c = b;
	if (n <= 1 || i + n > len)
		return 1;
	unsigned long v = b & (0x7f >> n);
	for (size_t k = 1; k < n; k++) {
		if ((s[i + k] & 0xc0) != 0x80)
			return 1;
		v = (v << 6) | (s[i + k] & 0x3f);
	}
	*c = v;
	return n;
}

/* Start of the code point that ends at end (a code point boundary of the
 * len bytes of s, end > 0) as utf8_decode reads s from its start, and the
 * code point in *c: a sequence of up to 4 bytes ending there, else the
 * byte just before end alone (no sequence straddles a boundary). */
static size_t utf8_prev(const unsigned char *s, size_t end, size_t len,
			unsigned long *c)
{
	for (size_t k = 1; k <= 4 && k <= end; k++) {
		size_t i = end - k;
		if ((s[i] & 0xc0) == 0x80)
			continue; /* a continuation byte: look further back */
		if (utf8_decode(s, i, len, c) == k)
			return i;
		break;
	}
	*c = s[end - 1];
	return end - 1;
}

/* Scans from each end only: the middle of a long value is never read. */
void format_py_strip_span(const char *s, size_t len, size_t *lead,
			  size_t *trail)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, end = len;
	unsigned long c;
	while (i < len) {
		size_t n = utf8_decode(u, i, len, &c);
		if (!format_py_space(c))
			break;
		i += n;
	}
	*lead = i;
	*trail = 0;
	if (i == len)
		return; /* all whitespace (or empty) */
	while (end > i) {
		size_t start = utf8_prev(u, end, len, &c);
		if (!format_py_space(c))
			break;
		end = start;
	}
	*trail = len - end;
}

bool format_py_strippable(const char *s)
{
	size_t len = strlen(s), lead, trail;
	format_py_strip_span(s, len, &lead, &trail);
	return len > 0 && (lead > 0 || trail > 0);
}
