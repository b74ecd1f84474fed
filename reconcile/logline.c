#include "reconcile/logline.h"

#include <stdlib.h>
#include <time.h>

#include <jansson.h>

void logline_write(FILE *fp, bool json, const char *level, const char *commit,
		   const char *msg)
{
	char ts[64];
	struct timespec now;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, now.tv_nsec / 1000000);
	bool has_commit = commit && commit[0];
	if (json) {
		json_t *o = json_pack("{s:s, s:s, s:s}", "time", ts, "level",
				      level, "msg", msg);
		if (o && has_commit)
			json_object_set_new(o, "commit", json_string(commit));
		char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
		if (text)
			fprintf(fp, "%s\n", text);
		free(text);
		json_decref(o);
	} else if (has_commit) {
		fprintf(fp, "%s %s commit=%.7s %s\n", ts, level, commit, msg);
	} else {
		fprintf(fp, "%s %s %s\n", ts, level, msg);
	}
	fflush(fp);
}
