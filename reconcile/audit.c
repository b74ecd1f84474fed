#include "reconcile/audit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "reconcile/base/file.h"
#include "reconcile/state.h"

struct audit {
	char *log_path;
	json_t *line;	/* the fields known before the apply */
	json_t *writes; /* array */
	char *snapshot_yaml;
	char *snapshot_path;
};

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* "2026-12-02T06:03:10.123Z"; stamp (for file names) is the same without
 * separators: "20261202T060310.123Z". */
static void utc_now(char iso[32], char stamp[32])
{
	struct timeval tv;
	struct tm tm;
	gettimeofday(&tv, NULL);
	time_t t = tv.tv_sec;
	gmtime_r(&t, &tm);
	int ms = (int)(tv.tv_usec / 1000);
	char a[24], b[24];
	strftime(a, sizeof(a), "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(b, sizeof(b), "%Y%m%dT%H%M%S", &tm);
	snprintf(iso, 32, "%s.%03dZ", a, ms);
	snprintf(stamp, 32, "%s.%03dZ", b, ms);
}

char *audit_actor(void)
{
	const char *gh = getenv("GITHUB_ACTOR");
	const char *srv = getenv("GITHUB_SERVER_URL");
	const char *repo = getenv("GITHUB_REPOSITORY");
	const char *run = getenv("GITHUB_RUN_ID");
	char buf[1024];
	if (gh && *gh && srv && repo && run)
		snprintf(buf, sizeof(buf), "%s (%s/%s/actions/runs/%s)", gh,
			 srv, repo, run);
	else if (gh && *gh)
		snprintf(buf, sizeof(buf), "%s", gh);
	else {
		char host[256] = "?";
		if (gethostname(host, sizeof(host) - 1) != 0)
			snprintf(host, sizeof(host), "?");
		struct passwd *pw = getpwuid(getuid());
		snprintf(buf, sizeof(buf), "%s@%s",
			 pw && pw->pw_name ? pw->pw_name : "?", host);
	}
	return strdup(buf);
}

static json_t *source_json(const struct audit_source *src)
{
	return json_pack("{s:o, s:o, s:o, s:o}", "path", str_or_null(src->path),
			 "repo", str_or_null(src->repo), "ref",
			 str_or_null(src->ref), "commit",
			 str_or_null(src->commit));
}

int audit_new(struct audit **out, const char *log_path,
	      const struct audit_source *src)
{
	struct audit *a = calloc(1, sizeof(*a));
	char *actor = audit_actor();
	*out = NULL;
	if (!a || !actor)
		goto fail;
	a->log_path = strdup(log_path);
	a->writes = json_array();
	a->line =
	    json_pack("{s:s, s:o, s:o}", "actor", actor, "command",
		      str_or_null(src->command), "source", source_json(src));
	if (!a->log_path || !a->writes || !a->line)
		goto fail;
	free(actor);
	*out = a;
	return 0;
fail:
	free(actor);
	audit_free(a);
	return -1;
}

void audit_free(struct audit *a)
{
	if (!a)
		return;
	free(a->log_path);
	json_decref(a->line);
	json_decref(a->writes);
	free(a->snapshot_yaml);
	free(a->snapshot_path);
	free(a);
}

void audit_set_snapshot(struct audit *a, char *yaml)
{
	free(a->snapshot_yaml);
	a->snapshot_yaml = yaml;
}

static int by_name(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Deletes all but the newest keep *.yaml of dir (names sort by time). A
 * snapshot that cannot be deleted stays: it costs space, not correctness. */
static void prune(const char *dir, size_t keep)
{
	DIR *dp = opendir(dir);
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while (dp && (e = readdir(dp))) {
		size_t len = strlen(e->d_name);
		if (len < 6 || strcmp(e->d_name + len - 5, ".yaml") != 0)
			continue;
		char **v = realloc(names, (n + 1) * sizeof(*v));
		if (!v || !(v[n] = strdup(e->d_name))) {
			names = v ? v : names;
			break;
		}
		names = v;
		n++;
	}
	if (dp)
		closedir(dp);
	qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		if (i + keep < n) {
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
			(void)unlink(path);
		}
		free(names[i]);
	}
	free(names);
}

int audit_save_snapshot(struct audit *a, const char *state_dir,
			const char *domain, size_t keep, struct diag_list *d)
{
	char iso[32], stamp[32];
	if (!a->snapshot_yaml)
		return 0;
	char *root = malloc(strlen(state_dir) + sizeof("/snapshots"));
	if (!root)
		goto oom;
	snprintf(root, strlen(state_dir) + sizeof("/snapshots"), "%s/snapshots",
		 state_dir);
	char *dir = state_file_name(root, domain, "");
	free(root);
	if (!dir)
		goto oom;
	utc_now(iso, stamp);
	size_t n = strlen(dir) + strlen(stamp) + 8;
	free(a->snapshot_path);
	a->snapshot_path = malloc(n);
	if (!a->snapshot_path) {
		free(dir);
		goto oom;
	}
	snprintf(a->snapshot_path, n, "%s/%s.yaml", dir, stamp);
	int rc = -1;
	if (file_mkdirs(dir, 0700) != 0)
		diag_add(d, DIAG_ERROR, NULL, NULL, "could not create '%s': %s",
			 dir, strerror(errno));
	else
		rc = file_write_atomic(a->snapshot_path, a->snapshot_yaml,
				       strlen(a->snapshot_yaml), 0600, d);
	if (rc == 0)
		prune(dir, keep);
	free(dir);
	return rc;
oom:
	diag_add(d, DIAG_ERROR, NULL, NULL, "audit: out of memory");
	return -1;
}

int audit_add_write(struct audit *a, const char *label, const char *method,
		    const char *path, long status, const char *outcome,
		    long duration_ms)
{
	json_t *w = json_pack("{s:o, s:o, s:o, s:I, s:s, s:I}", "label",
			      str_or_null(label), "method", str_or_null(method),
			      "path", str_or_null(path), "status",
			      (json_int_t)status, "outcome", outcome,
			      "durationMs", (json_int_t)duration_ms);
	return w && json_array_append_new(a->writes, w) == 0 ? 0 : -1;
}

static int append_line(const char *path, const char *text, struct diag_list *d)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	size_t n = strlen(text);
	if (fd < 0) {
		diag_add(d, DIAG_ERROR, NULL, NULL, "could not open '%s': %s",
			 path, strerror(errno));
		return -1;
	}
	/* one write: O_APPEND puts it whole at the end, never between the
	 * bytes of another writer's line */
	ssize_t w = write(fd, text, n);
	int rc = w == (ssize_t)n && fsync(fd) == 0 ? 0 : -1;
	if (rc != 0)
		diag_add(d, DIAG_ERROR, NULL, NULL, "could not write '%s': %s",
			 path,
			 w >= 0 && w != (ssize_t)n ? "short write"
						   : strerror(errno));
	close(fd);
	return rc;
}

int audit_append(struct audit *a, const struct audit_outcome *o,
		 struct diag_list *d)
{
	char iso[32], stamp[32];
	utc_now(iso, stamp);
	json_t *line = json_deep_copy(a->line);
	json_t *plan = json_pack(
	    "{s:I, s:I, s:I}", "create", (json_int_t)o->creates, "update",
	    (json_int_t)o->updates, "delete", (json_int_t)o->deletes);
	int rc = -1;
	char *text = NULL;
	if (!line || !plan)
		goto oom;
	json_object_set_new(line, "plan", plan); /* takes plan, even failing */
	plan = NULL;
	if (json_object_set_new(line, "time", json_string(iso)) ||
	    json_object_set_new(line, "account", str_or_null(o->domain)) ||
	    json_object_set(line, "writes", a->writes) ||
	    json_object_set_new(line, "outcome", str_or_null(o->outcome)) ||
	    json_object_set_new(line, "guard", str_or_null(o->guard)) ||
	    json_object_set_new(line, "fingerprintBefore",
				str_or_null(o->fingerprint_before)) ||
	    json_object_set_new(line, "fingerprintAfter",
				str_or_null(o->fingerprint_after)) ||
	    json_object_set_new(line, "snapshot",
				str_or_null(a->snapshot_path)))
		goto oom;
	text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
	size_t n = text ? strlen(text) : 0;
	char *nl = text ? realloc(text, n + 2) : NULL;
	if (!nl)
		goto oom;
	text = nl;
	memcpy(text + n, "\n", 2);
	rc = append_line(a->log_path, text, d);
	goto out;
oom:
	diag_add(d, DIAG_ERROR, NULL, NULL, "audit: out of memory");
out:
	json_decref(plan);
	json_decref(line);
	free(text);
	return rc;
}
