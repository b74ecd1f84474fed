#include "schema/format.h"

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
