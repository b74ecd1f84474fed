/*
 * known_hosts: checks an ssh host key against an OpenSSH known_hosts file.
 * Pure (libc and base/crypto only, no libgit2): the fetch's host-key
 * callback calls it with the key libgit2 received.
 */
#ifndef SIPSYNC_KNOWN_HOSTS_H
#define SIPSYNC_KNOWN_HOSTS_H

#include <stddef.h>

/* Checks a host key against a known_hosts file (plain "host,host" and
 * "[host]:port" patterns with '*', '?' and !negation, hashed |1|salt|hash
 * entries, @revoked lines). key is the raw public key blob (as in the
 * base64 field). Returns 1 when listed with that key, 0 when the host is
 * unknown, listed with another key or the key is revoked, -1 when the file
 * cannot be read. */
int known_hosts_check(const char *file, const char *host, int port,
		      const unsigned char *key, size_t key_len);

#endif
