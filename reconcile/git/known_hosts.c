/* known_hosts: OpenSSH's host key file, read and matched without libgit2
 * (crypto for the hashed names), so it is tested on its own. */
#include "reconcile/git/known_hosts.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/base/crypto.h"
#include "reconcile/base/str.h"

/* |1|base64(salt)|base64(HMAC-SHA1(salt, name)) */
static bool hashed_match(const char *pattern, const char *name)
{
	unsigned char salt[64], want[64], got[CRYPTO_SHA1_LEN];
	size_t salt_len, want_len;
	const char *p = pattern + 3;
	const char *bar = strchr(p, '|');
	if (!bar ||
	    crypto_base64_decode(p, (size_t)(bar - p), salt, sizeof(salt),
				 &salt_len) != 0 ||
	    crypto_base64_decode(bar + 1, strlen(bar + 1), want, sizeof(want),
				 &want_len) != 0)
		return false;
	if (crypto_hmac_sha1(salt, salt_len, name, strlen(name), got) != 0)
		return false;
	return want_len == CRYPTO_SHA1_LEN &&
	       memcmp(got, want, CRYPTO_SHA1_LEN) == 0;
}

/* Next field of *p separated by any of delims (empty fields skipped);
 * NULL at the end. Modifies the string. */
static char *next_field(char **p, const char *delims)
{
	char *s = *p + strspn(*p, delims);
	if (!*s) {
		*p = s;
		return NULL;
	}
	char *end = s + strcspn(s, delims);
	*p = *end ? end + 1 : end;
	*end = '\0';
	return s;
}

/* OpenSSH host patterns: only '*' and '?' are special ("[host]:port" is
 * literal, so fnmatch would misread it). */
static bool glob_match(const char *pat, const char *s)
{
	for (; *pat; pat++, s++) {
		if (*pat == '*') {
			for (const char *t = s;; t++) {
				if (glob_match(pat + 1, t))
					return true;
				if (!*t)
					return false;
			}
		}
		if (!*s || (*pat != '?' && *pat != *s))
			return false;
	}
	return *s == '\0';
}

/* Does the comma-separated host field match name? Negations (!pat) veto. */
static bool hosts_match(char *field, const char *name)
{
	if (strncmp(field, "|1|", 3) == 0)
		return hashed_match(field, name);
	bool hit = false;
	char *rest = field;
	for (char *pat; (pat = next_field(&rest, ",")) != NULL;) {
		bool neg = pat[0] == '!';
		str_lower(pat);
		if (!glob_match(neg ? pat + 1 : pat, name))
			continue;
		if (neg)
			return false;
		hit = true;
	}
	return hit;
}

/* One line: [@marker] hosts keytype base64 [comment]. Returns 1 when the
 * line lists name with key, -2 when it revokes that key, 0 otherwise. */
static int known_hosts_line(char *line, const char *name,
			    const unsigned char *key, size_t key_len)
{
	static const char ws[] = " \t\r\n";
	char *rest = line;
	char *f = next_field(&rest, ws);
	bool revoked = false;
	if (!f || f[0] == '#')
		return 0;
	if (f[0] == '@') {
		if (strcmp(f, "@revoked") != 0)
			return 0; /* @cert-authority: not supported */
		revoked = true;
		f = next_field(&rest, ws);
	}
	char *hosts = f;
	char *type = next_field(&rest, ws);
	char *b64 = next_field(&rest, ws);
	unsigned char blob[8192];
	size_t blob_len;
	if (!hosts || !type || !b64 ||
	    crypto_base64_decode(b64, strlen(b64), blob, sizeof(blob),
				 &blob_len) != 0)
		return 0;
	if (blob_len != key_len || memcmp(blob, key, key_len) != 0)
		return 0;
	if (!hosts_match(hosts, name))
		return 0;
	return revoked ? -2 : 1;
}

int known_hosts_check(const char *file, const char *host, int port,
		      const unsigned char *key, size_t key_len)
{
	char name[512];
	if (port && port != 22)
		snprintf(name, sizeof(name), "[%s]:%d", host, port);
	else
		snprintf(name, sizeof(name), "%s", host);
	str_lower(name);
	FILE *fp = fopen(file, "r");
	if (!fp)
		return -1;
	char *line = NULL;
	size_t cap = 0;
	int found = 0;
	while (getline(&line, &cap, fp) > 0) {
		int r = known_hosts_line(line, name, key, key_len);
		if (r == -2) {
			found = 0;
			break;
		}
		if (r == 1)
			found = 1;
	}
	free(line);
	fclose(fp);
	return found;
}
