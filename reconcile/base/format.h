/*
 * format: the string formats the API constrains (ipv4-cidr, uuid) and
 * length in characters. Shared by the validator and the simulator.
 */
#ifndef SIPSYNC_FORMAT_H
#define SIPSYNC_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cidr {
	uint32_t addr; /* host byte order, as written (host bits kept) */
	unsigned prefix;
};

/* Parses strict a.b.c.d/n: four decimal octets 0..255 without leading
 * zeros, prefix 0..32, nothing else. Returns 0 and fills *out, or -1 and
 * sets *why to a static message naming what is wrong. */
int format_cidr_parse(const char *s, struct cidr *out, const char **why);

/* True when addr has bits set past the prefix. */
bool format_cidr_has_host_bits(const struct cidr *c);

/* Writes the canonical network form "a.b.c.d/n" (host bits cleared) into
 * buf (at least 19 bytes). */
void format_cidr_network(const struct cidr *c, char *buf, size_t len);

/* Canonical 8-4-4-4-12 hexadecimal uuid (either case). */
bool format_uuid_valid(const char *s);

/* Number of characters (code points) in a UTF-8 string; invalid bytes
 * count one each. */
size_t format_utf8_len(const char *s);

/* True when s is valid UTF-8. */
bool format_utf8_valid(const char *s, size_t len);

/* True when the code point c is whitespace by Python's str.isspace(), the
 * set Django REST Framework's CharField strips (str.strip()): the 25
 * Unicode White_Space characters plus the ASCII separators U+001C-U+001F
 * (29 code points; listed in format.c, checked against Python 3.11). */
bool format_py_space(unsigned long c);

/* True when the UTF-8 string s begins or ends with such whitespace, i.e.
 * when Python's s.strip() would change it. */
bool format_py_strippable(const char *s);

/* Byte lengths of the leading and trailing whitespace (as above) of the
 * UTF-8 string s of len bytes; *lead + *trail == len when all of it is
 * whitespace (then *trail is 0). */
void format_py_strip_span(const char *s, size_t len, size_t *lead,
			  size_t *trail);

#endif
