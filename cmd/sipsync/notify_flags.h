/*
 * notify_flags: the notification flags of plan, apply and run (--notify,
 * --notify-file, --notify-secret-file, --notify-format, --notify-ca-cert,
 * --notify-repeat)
 * and the agent_notify_config they make. A notification URL is a secret
 * (a Slack webhook's path is its token): --notify-file keeps it out of
 * argv, and nothing here prints one.
 */
#ifndef SIPSYNC_NOTIFY_FLAGS_H
#define SIPSYNC_NOTIFY_FLAGS_H

#include <getopt.h>
#include <stdbool.h>

#include "cmd/sipsync/cli.h"
#include "reconcile/agent/agent_notify.h"

/* Ids clear of the commands' own (2000...), which grow from below. */
enum {
	NOTIFY_OPT_URL = 2900,
	NOTIFY_OPT_FILE,
	NOTIFY_OPT_SECRET_FILE,
	NOTIFY_OPT_FORMAT,
	NOTIFY_OPT_REPEAT, /* run only */
	NOTIFY_OPT_CA_CERT,
};

/* clang-format off */
#define NOTIFY_FLAGS_LONGOPTS \
	{"notify", required_argument, NULL, NOTIFY_OPT_URL}, \
	{"notify-file", required_argument, NULL, NOTIFY_OPT_FILE}, \
	{"notify-secret-file", required_argument, NULL, NOTIFY_OPT_SECRET_FILE}, \
	{"notify-format", required_argument, NULL, NOTIFY_OPT_FORMAT}, \
	{"notify-ca-cert", required_argument, NULL, NOTIFY_OPT_CA_CERT}
/* clang-format on */

/* The help text of the five (and of --notify-repeat, for run). */
#define NOTIFY_FLAGS_HELP                                                      \
	"      --notify URL          post events (drift, applied, failed...) " \
	"to\n"                                                                 \
	"                            URL (https://, http:// only to "          \
	"loopback);\n"                                                         \
	"                            repeatable\n"                             \
	"      --notify-file FILE    URLs, one a line (# comments): a "        \
	"webhook\n"                                                            \
	"                            URL is a secret, keep it out of argv\n"   \
	"      --notify-secret-file FILE\n"                                    \
	"                            sign posts (X-Sipsync-Signature-256)\n"   \
	"      --notify-format F     json (default), slack or teams\n"         \
	"      --notify-ca-cert FILE trust this CA bundle for the receivers\n" \
	"                            (a private CA; default: the system "      \
	"store)\n"
#define NOTIFY_FLAGS_REPEAT_HELP                                               \
	"      --notify-repeat D     remind of a persisting drift, failure "   \
	"or\n"                                                                 \
	"                            suspension every D (default 6h; 0 "       \
	"never)\n"

struct notify_flags {
	char **urls; /* owned: from --notify and --notify-file */
	size_t n_urls;
	const char *file, *secret_file;
	char *secret;
	struct agent_notify_config cfg;
};

/* Takes one of the options above: CLI_OPT_TAKEN, CLI_OPT_BAD (printed) or
 * CLI_OPT_NOT_MINE. */
int notify_flags_option(struct notify_flags *f, int opt, const char *arg);

/* Reads --notify-file and --notify-secret-file and fills f->cfg. 0, or -1
 * (printed). */
int notify_flags_finish(struct notify_flags *f);

/* The configuration for agent_notify_new: NULL without any URL. */
const struct agent_notify_config *
notify_flags_config(const struct notify_flags *f);

/* Starts the sender of a one-shot command (messages on stderr). 0 and
 * *out (NULL without a URL), or -1 (printed). */
int notify_flags_start(const struct notify_flags *f, const struct cli_common *c,
		       struct agent_notify **out);

/* Waits until what n queued was delivered or given up (bounded: 3 tries
 * of 5 s each), then frees n. Accepts NULL. */
void notify_flags_stop(struct agent_notify *n);

/* Frees (and wipes) what f holds. */
void notify_flags_release(struct notify_flags *f);

#endif
