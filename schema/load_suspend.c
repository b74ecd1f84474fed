/* load_suspend: the suspend section (a change freeze kept in git). */
#include "schema/load_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SUSPEND_REASON_MAX 500

/* n decimal digits at s into *out. */
static bool digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* RFC 3339 in UTC: YYYY-MM-DDTHH:MM:SS[.frac]Z. 0 and *out (unix
 * seconds), or -1. */
int load_parse_utc(const char *s, long long *out)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};
	struct tm tm = {0};
	int y, mo, d, h, mi, sec;
	if (strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' ||
	    !digits(s + 5, 2, &mo) || s[7] != '-' || !digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2, &h) ||
	    s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
	    !digits(s + 17, 2, &sec))
		return -1;
	const char *z = s + 19;
	if (*z == '.' && z[1] >= '0' && z[1] <= '9')
		for (z++; *z >= '0' && *z <= '9'; z++)
			;
	if ((*z != 'Z' && *z != 'z') || z[1] != '\0')
		return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 ||
	    d > mdays[mo - 1] + (mo == 2 && leap(y)) || h > 23 || mi > 59 ||
	    sec > 60)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*out = (long long)timegm(&tm);
	return 0;
}

static void load_until(struct loader *L, const struct yamldoc_node *n,
		       struct desired_state *ds)
{
	const char *s = load_want_str(L, n, "suspend.until", true);
	if (!s)
		return;
	if (load_parse_utc(s, &ds->suspend_until) != 0) {
		load_report(L, DIAG_ERROR, &n->pos, "suspend.until",
			    "expected an RFC 3339 time in UTC such as "
			    "2026-12-24T00:00:00Z");
		return;
	}
	/* an expired freeze is harmless but surprising: say it is over */
	long long now = L->opts->now ? L->opts->now : (long long)time(NULL);
	if (ds->suspend_until <= now)
		load_report(L, DIAG_WARNING, &n->pos, "suspend.until",
			    "%s is in the past: the account is not suspended "
			    "(remove suspend: when the freeze is over)",
			    s);
}

void load_suspend(struct loader *L, const struct yamldoc_node *n,
		  struct desired_state *ds)
{
	struct field f[] = {{"reason", NULL, NULL}, {"until", NULL, NULL}};
	ds->suspend_pos = n->pos;
	if (!load_walk_map(L, n, "suspend", f, 2))
		return;
	ds->has_suspend = true;
	if (load_require(L, n, "suspend", &f[0]))
		ds->suspend_reason =
		    load_str_field(L, f[0].val, "suspend.reason",
				   SUSPEND_REASON_MAX, TEXT_LINE);
	if (f[1].val)
		load_until(L, f[1].val, ds);
}
