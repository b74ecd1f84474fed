/*
 * sipsync version: the program's version, then the run-time version of
 * every library it links (what a bug report needs: the distribution's
 * libraries may be newer than the ones sipsync was built against). Each
 * query lives in the module that owns that library.
 */
#include <stdio.h>
#include <string.h>

#include "cmd/sipsync/cli.h"
#include "cmd/sipsync/commands.h"
#include "reconcile/agent/agent_http.h"
#include "reconcile/api/api.h"
#include "reconcile/api/api_parse.h"
#include "reconcile/git/gitsrc.h"
#include "schema/validate.h"
#include "schema/yamldoc.h"

static const char version_usage[] =
    "usage: sipsync version\n"
    "\n"
    "Prints the version of sipsync and of the libraries it runs with.\n"
    "\n";

struct lib_version {
	const char *name;
	const char *(*version)(void);
};

static const struct lib_version libs[] = {
    {"libcurl", api_libcurl_version},
    {"libgit2", gitsrc_libgit2_version},
    {"libyaml", yamldoc_libyaml_version},
    {"jansson", api_parse_jansson_version},
    {"PCRE2", validate_pcre2_version},
    {"libmicrohttpd", agent_http_libmicrohttpd_version},
};

int cmd_version(int argc, char **argv)
{
	if (argc > 1 &&
	    (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(version_usage, stdout);
		return EXIT_OK;
	}
	printf("sipsync %s\n", SIPSYNC_VERSION);
	for (size_t i = 0; i < sizeof(libs) / sizeof(libs[0]); i++)
		printf("%s %s\n", libs[i].name, libs[i].version());
	return EXIT_OK;
}
