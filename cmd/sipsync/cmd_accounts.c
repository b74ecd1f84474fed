/*
 * sipsync accounts: the accounts of an accounts file, as text or as a JSON
 * list ready for a CI matrix (GitHub Actions' fromJSON).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd/sipsync/cli.h"
#include "cmd/sipsync/commands.h"
#include "schema/accounts.h"
#include "schema/source.h"

static const char accounts_usage[] =
    "usage: sipsync accounts SOURCE [--format text|json]\n"
    "\n"
    "Lists the accounts of the accounts file SOURCE (or --repo/--path):\n"
    "one per line (name, domain, sources), or with --format json a list of\n"
    "{\"name\": ..., \"domain\": ...} for a CI matrix.\n"
    "\n"
    "Options:\n"
    "      --format FORMAT       text (default) or json\n"
    "\n"
    "Exit codes: 0 ok, 1 not an accounts file or invalid, 64 usage error.\n"
    "\n";

enum { OPT_FORMAT = 2000 };
static const char *const format_names[] = {"text", "json", NULL};

struct accounts_args {
	struct cli_common common;
	bool json;
};

static int accounts_option(void *ctx, int opt, const char *arg)
{
	struct accounts_args *a = ctx;
	if (opt != OPT_FORMAT)
		return CLI_OPT_NOT_MINE;
	int choice = cli_parse_choice("--format", arg, format_names);
	if (choice < 0)
		return CLI_OPT_BAD;
	a->json = choice == 1;
	return CLI_OPT_TAKEN;
}

static int print_json(const struct accounts *acc)
{
	json_t *list = json_array();
	for (size_t i = 0; list && i < acc->n; i++)
		json_array_append_new(
		    list, json_pack("{s:s, s:s}", "name", acc->items[i].name,
				    "domain", acc->items[i].domain));
	char *text = list ? json_dumps(list, JSON_COMPACT) : NULL;
	json_decref(list);
	if (!text) {
		cli_errorf("out of memory");
		return EXIT_FAILURE_;
	}
	puts(text);
	free(text);
	return EXIT_OK;
}

static void print_text(const struct accounts *acc)
{
	for (size_t i = 0; i < acc->n; i++) {
		const struct account *a = &acc->items[i];
		printf("%s\t%s\t", a->name, a->domain);
		for (size_t j = 0; j < a->n_sources; j++)
			printf("%s%s", j ? "," : "", a->sources[j]);
		putchar('\n');
	}
}

/* The accounts file c names: 0 and *out, or -1 (in diags). */
static int read_accounts(const struct cli_common *c, struct accounts **out,
			 struct diag_list *d)
{
	struct source *src = NULL;
	int rc = -1;
	if (cli_open_source(c, &src, d) != 0)
		return -1;
	if (!accounts_is_file(src))
		diag_add(d, DIAG_ERROR, NULL, NULL,
			 "%s: not an accounts file (one YAML file with "
			 "version: 1 and accounts:, and no sip:)",
			 src->info.path ? src->info.path : "source");
	else
		rc = accounts_parse(out, src, d);
	source_free(src);
	return rc;
}

int cmd_accounts(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"format", required_argument, NULL, OPT_FORMAT},
	    CLI_COMMON_LONGOPTS,
	    {NULL, 0, NULL, 0},
	};
	static const struct cli_command cmd = {"accounts", accounts_usage,
					       longopts, 1, accounts_option};
	struct accounts_args a = {0};
	struct accounts *acc = NULL;
	struct diag_list d = {0};
	int rc = cli_parse_args(&a.common, &cmd, &a, argc, argv);
	if (rc >= 0)
		return rc;
	rc = EXIT_FAILURE_;
	if (read_accounts(&a.common, &acc, &d) == 0) {
		if (a.json)
			rc = print_json(acc);
		else {
			print_text(acc);
			rc = EXIT_OK;
		}
	}
	diag_list_sort(&d);
	cli_print_diags(stderr, &d);
	diag_list_clear(&d);
	accounts_free(acc);
	return rc;
}
