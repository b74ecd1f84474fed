/*
 * sipsync validate: load and check the desired state, report every
 * problem (text on stderr, JSON or GitHub annotations on stdout).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd/sipsync/cli.h"
#include "cmd/sipsync/commands.h"
#include "reconcile/core/route.h"
#include "schema/source.h"

static const char validate_usage[] =
    "usage: sipsync validate [SOURCE] [--offline] [--strict]\n"
    "                        [--format text|json|github]\n"
    "\n"
    "Checks the desired state in SOURCE (a file or a directory of *.yaml /\n"
    "*.yml files; default .) or in git (--repo/--ref/--path): YAML syntax,\n"
    "keys, types, formats, lengths, duplicates, regexes, route lint, and\n"
    "that every secret reference resolves.\n"
    "\n"
    "Options:\n"
    "      --offline             do not resolve secret references\n"
    "      --strict              treat warnings as errors\n"
    "      --format FORMAT       text (default; problems on stderr), json\n"
    "                            (a report on stdout) or github (workflow\n"
    "                            annotations on stdout)\n"
    "\n"
    "Exit codes: 0 valid (warnings allowed), 1 invalid, 64 usage error.\n"
    "\n";

enum vformat { VF_TEXT, VF_JSON, VF_GITHUB };
static const char *const format_names[] = {"text", "json", "github", NULL};

enum { OPT_OFFLINE = 2000, OPT_STRICT, OPT_FORMAT };

struct validate_args {
	struct cli_common common;
	struct load_opts load;
	enum vformat format;
};

/* Returns -1 to go on, else the exit code to return at once. */
static int parse_args(struct validate_args *a, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"offline", no_argument, NULL, OPT_OFFLINE},
	    {"strict", no_argument, NULL, OPT_STRICT},
	    {"format", required_argument, NULL, OPT_FORMAT},
	    CLI_COMMON_LONGOPTS,
	    {NULL, 0, NULL, 0},
	};
	bool help = false, started = false;
	int opt, choice;
	while ((opt = cli_next_option(&a->common, argc, argv, longopts,
				      &started, &help)) >= 0) {
		switch (opt) {
		case OPT_OFFLINE:
			a->load.offline = true;
			break;
		case OPT_STRICT:
			a->load.strict = true;
			break;
		case OPT_FORMAT:
			choice =
			    cli_parse_choice("--format", optarg, format_names);
			if (choice < 0)
				return EXIT_USAGE;
			a->format = (enum vformat)choice;
			break;
		default:
			return cli_option_error("validate", opt, argv);
		}
	}
	return cli_options_end(&a->common, opt, help, validate_usage, argc,
			       argv, 1);
}

/* GitHub workflow command escaping: data escapes %, CR, LF; property
 * values also escape : and ,. */
static void gh_escape(FILE *fp, const char *s, bool property)
{
	for (; *s; s++) {
		if (*s == '%')
			fputs("%25", fp);
		else if (*s == '\r')
			fputs("%0D", fp);
		else if (*s == '\n')
			fputs("%0A", fp);
		else if (property && *s == ':')
			fputs("%3A", fp);
		else if (property && *s == ',')
			fputs("%2C", fp);
		else
			fputc(*s, fp);
	}
}

static void print_github(const struct diag_list *diags)
{
	for (size_t i = 0; i < diags->len; i++) {
		const struct diag *d = &diags->items[i];
		const char *kind = d->severity == DIAG_ERROR	 ? "error"
				   : d->severity == DIAG_WARNING ? "warning"
								 : "notice";
		printf("::%s", kind);
		const char *sep = " ";
		if (d->file) {
			fputs(" file=", stdout);
			gh_escape(stdout, d->file, true);
			printf(",line=%u,col=%u", d->line, d->col);
			sep = ",";
		}
		if (d->path) {
			printf("%stitle=", sep);
			gh_escape(stdout, d->path, true);
		}
		fputs("::", stdout);
		gh_escape(stdout, d->message, false);
		fputc('\n', stdout);
	}
}

static json_t *diag_json(const struct diag *d)
{
	json_t *o = json_object();
	json_object_set_new(o, "severity",
			    json_string(diag_severity_name(d->severity)));
	if (d->file) {
		json_object_set_new(o, "file", json_string(d->file));
		json_object_set_new(o, "line", json_integer(d->line));
		json_object_set_new(o, "col", json_integer(d->col));
	}
	if (d->path)
		json_object_set_new(o, "path", json_string(d->path));
	json_object_set_new(o, "message", json_string(d->message));
	return o;
}

static void print_json(const struct diag_list *diags, size_t n_files)
{
	json_t *list = json_array();
	for (size_t i = 0; i < diags->len; i++)
		json_array_append_new(list, diag_json(&diags->items[i]));
	json_t *root = json_object();
	json_object_set_new(root, "valid",
			    json_boolean(!diag_list_has_errors(diags)));
	json_object_set_new(root, "files", json_integer((json_int_t)n_files));
	json_object_set_new(
	    root, "errors",
	    json_integer((json_int_t)diag_list_count(diags, DIAG_ERROR)));
	json_object_set_new(
	    root, "warnings",
	    json_integer((json_int_t)diag_list_count(diags, DIAG_WARNING)));
	json_object_set_new(root, "diagnostics", list);
	json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(root);
}

/* Text lines with the severity word in colour (bold red / bold yellow). */
static void print_colored(FILE *fp, const struct diag_list *diags)
{
	for (size_t i = 0; i < diags->len; i++) {
		const struct diag *d = &diags->items[i];
		char *line = diag_format(d);
		if (!line)
			continue;
		const char *sev = diag_severity_name(d->severity);
		const char *color = d->severity == DIAG_ERROR	  ? "\033[1;31m"
				    : d->severity == DIAG_WARNING ? "\033[1;33m"
								  : "\033[1m";
		/* the severity word is the first one followed by ": " */
		size_t skip = 0;
		if (d->file) {
			char place[64];
			snprintf(place, sizeof(place), ":%u:%u: ", d->line,
				 d->col);
			skip = strlen(d->file) + strlen(place);
		}
		size_t n = strlen(sev);
		if (strlen(line) >= skip + n &&
		    strncmp(line + skip, sev, n) == 0)
			fprintf(fp, "%.*s%s%s\033[0m%s\n", (int)skip, line,
				color, sev, line + skip + n);
		else
			fprintf(fp, "%s\n", line);
		free(line);
	}
}

static void print_summary(FILE *fp, const struct diag_list *diags,
			  size_t n_files)
{
	size_t e = diag_list_count(diags, DIAG_ERROR);
	size_t w = diag_list_count(diags, DIAG_WARNING);
	fprintf(fp, "%s: %zu file%s, %zu error%s, %zu warning%s\n",
		e ? "invalid" : "valid", n_files, n_files == 1 ? "" : "s", e,
		e == 1 ? "" : "s", w, w == 1 ? "" : "s");
}

static void report(const struct validate_args *a, const struct diag_list *diags,
		   size_t n_files)
{
	switch (a->format) {
	case VF_JSON:
		print_json(diags, n_files);
		break;
	case VF_GITHUB:
		print_github(diags);
		if (a->common.verbosity >= 0)
			print_summary(stderr, diags, n_files);
		break;
	case VF_TEXT:
		if (a->common.log_format != LOG_JSON &&
		    cli_use_color(&a->common, stderr))
			print_colored(stderr, diags);
		else
			cli_print_diags(stderr, diags);
		if (a->common.verbosity >= 0)
			print_summary(stdout, diags, n_files);
		break;
	}
}

int cmd_validate(int argc, char **argv)
{
	struct validate_args a = {0};
	int rc = parse_args(&a, argc, argv);
	if (rc >= 0)
		return rc;
	struct diag_list diags = {0};
	struct source *src = NULL;
	struct desired_state *ds = NULL;
	bool failed = cli_open_source(&a.common, &src, &diags) != 0 ||
		      load_desired(&ds, src, &a.load, &diags) != 0 ||
		      route_lint(ds, a.load.strict, &diags) != 0;
	if (failed && !diag_list_has_errors(&diags))
		diag_add(&diags, DIAG_ERROR, NULL, NULL, "validation failed");
	diag_list_sort(&diags);
	report(&a, &diags, src ? src->n_files : 0);
	rc = failed || diag_list_has_errors(&diags) ? EXIT_FAILURE_ : EXIT_OK;
	diag_list_clear(&diags);
	model_desired_free(ds);
	source_free(src);
	return rc;
}
