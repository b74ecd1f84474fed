/* notify_flags: the notification flags (see notify_flags.h). */
#include "cmd/sipsync/notify_flags.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/sipsync/cli.h"
#include "reconcile/agent/agent.h"
#include "reconcile/base/str.h"
#include "schema/secret.h"

#define NOTIFY_FILE_MAX (64 * 1024)
#define NOTIFY_SECRET_MAX 4096
#define NOTIFY_DEFAULT_REPEAT_MS (6L * 3600 * 1000)

static int add_url(struct notify_flags *f, const char *url, size_t len)
{
	char **v = realloc(f->urls, (f->n_urls + 1) * sizeof(*v));
	if (!v)
		return -1;
	f->urls = v;
	v[f->n_urls] = strndup(url, len);
	if (!v[f->n_urls])
		return -1;
	f->n_urls++;
	return 0;
}

int notify_flags_option(struct notify_flags *f, int opt, const char *arg)
{
	switch (opt) {
	case NOTIFY_OPT_URL:
		if (add_url(f, arg, strlen(arg)) != 0) {
			cli_errorf("out of memory");
			return CLI_OPT_BAD;
		}
		return CLI_OPT_TAKEN;
	case NOTIFY_OPT_FILE:
		f->file = arg;
		return CLI_OPT_TAKEN;
	case NOTIFY_OPT_SECRET_FILE:
		f->secret_file = arg;
		return CLI_OPT_TAKEN;
	case NOTIFY_OPT_CA_CERT:
		f->cfg.send.ca_cert = arg;
		return CLI_OPT_TAKEN;
	case NOTIFY_OPT_FORMAT:
		if (notify_format_parse(arg, &f->cfg.format) != 0) {
			cli_errorf("--notify-format: expected json, slack or "
				   "teams, got '%s'",
				   arg);
			return CLI_OPT_BAD;
		}
		return CLI_OPT_TAKEN;
	case NOTIFY_OPT_REPEAT:
		if (strcmp(arg, "0") == 0) {
			f->cfg.repeat_ms = -1; /* never */
			return CLI_OPT_TAKEN;
		}
		if (agent_parse_duration(arg, &f->cfg.repeat_ms) != 0) {
			cli_errorf("--notify-repeat: expected a duration such "
				   "as 30m, 6h or 0, got '%s'",
				   arg);
			return CLI_OPT_BAD;
		}
		return CLI_OPT_TAKEN;
	default:
		return CLI_OPT_NOT_MINE;
	}
}

/* Reads a small regular file (never a FIFO: that would block). */
static char *read_small(const char *flag, const char *path, size_t max,
			size_t *len)
{
	char *buf = NULL, *why = NULL;
	if (secret_read_file(path, path, max, &buf, len, &why) != 0) {
		cli_errorf("%s: %s", flag, why ? why : "out of memory");
		free(why);
		return NULL;
	}
	return buf;
}

/* One URL a line; blank lines and # comments skipped. */
static int read_url_file(struct notify_flags *f)
{
	size_t len = 0;
	char *buf = read_small("--notify-file", f->file, NOTIFY_FILE_MAX, &len);
	int rc = buf ? 0 : -1;
	for (char *line = buf; rc == 0 && line && *line;) {
		char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		char *s = line;
		while (n && strchr(" \t\r", *s))
			s++, n--;
		while (n && strchr(" \t\r", s[n - 1]))
			n--;
		if (n && *s != '#' && add_url(f, s, n) != 0)
			rc = -1;
		line = nl ? nl + 1 : NULL;
	}
	if (buf) {
		str_wipe(buf, len);
		free(buf);
	}
	if (rc == 0 && f->n_urls == 0)
		cli_errorf("--notify-file %s: no URL in it", f->file);
	return rc == 0 && f->n_urls ? 0 : -1;
}

static int read_secret(struct notify_flags *f)
{
	size_t len = 0;
	char *buf = read_small("--notify-secret-file", f->secret_file,
			       NOTIFY_SECRET_MAX, &len);
	if (!buf)
		return -1;
	size_t cap = len + 1;
	while (len && strchr(" \t\r\n", buf[len - 1]))
		buf[--len] = '\0';
	if (!len || memchr(buf, '\0', len)) {
		cli_errorf("--notify-secret-file %s: file is %s",
			   f->secret_file, len ? "not text" : "empty");
		str_wipe(buf, cap);
		free(buf);
		return -1;
	}
	f->secret = buf;
	return 0;
}

int notify_flags_finish(struct notify_flags *f)
{
	if (f->file && read_url_file(f) != 0)
		return -1;
	if (f->secret_file && read_secret(f) != 0)
		return -1;
	if (!f->n_urls &&
	    (f->secret_file || f->cfg.repeat_ms || f->cfg.send.ca_cert)) {
		cli_errorf("--notify-secret-file, --notify-ca-cert and "
			   "--notify-repeat need --notify or --notify-file");
		return -1;
	}
	FILE *ca = f->cfg.send.ca_cert ? fopen(f->cfg.send.ca_cert, "r") : NULL;
	if (f->cfg.send.ca_cert && !ca) {
		cli_errorf("--notify-ca-cert %s: %s", f->cfg.send.ca_cert,
			   strerror(errno));
		return -1;
	}
	if (ca)
		fclose(ca);
	f->cfg.send.urls = (const char *const *)f->urls;
	f->cfg.send.n_urls = f->n_urls;
	f->cfg.send.secret = f->secret;
	if (f->cfg.repeat_ms == 0)
		f->cfg.repeat_ms = NOTIFY_DEFAULT_REPEAT_MS;
	else if (f->cfg.repeat_ms < 0)
		f->cfg.repeat_ms = 0;
	return 0;
}

const struct agent_notify_config *
notify_flags_config(const struct notify_flags *f)
{
	return f->n_urls ? &f->cfg : NULL;
}

int notify_flags_start(const struct notify_flags *f, const struct cli_common *c,
		       struct agent_notify **out)
{
	struct diag_list d = {0};
	int rc = agent_notify_new(out, notify_flags_config(f), stderr,
				  c->log_format == LOG_JSON, c->verbosity, &d);
	cli_print_diags(stderr, &d);
	diag_list_clear(&d);
	return rc;
}

void notify_flags_stop(struct agent_notify *n)
{
	agent_notify_flush(n);
	agent_notify_free(n);
}

void notify_flags_release(struct notify_flags *f)
{
	for (size_t i = 0; i < f->n_urls; i++)
		str_wipe_free(f->urls[i]);
	free(f->urls);
	str_wipe_free(f->secret);
	memset(f, 0, sizeof(*f));
}
