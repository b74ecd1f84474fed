/*
 * The API client against a scripted in-process HTTP server (libmicrohttpd on
 * 127.0.0.1, port 0). Each test installs a script that answers requests and
 * then asserts on what the client returned and on what the server saw.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "reconcile/api/api.h"
#include "reconcile/core/agents.h"
#include "reconcile/api/api_pace.h"
#include "reconcile/api/api_parse.h"

#define KEY "test-key-0123456789"
#define MAX_LOG 512

/* ---- the fake server ---- */

struct fake_req {
	const char *method, *path, *key, *agent, *body;
	const char *query; /* "a=1&b=2" as received, "" when none */
	int n_same; /* how many earlier requests had this method + path */
};

struct fake_reply {
	int status;
	char body[131072];
	char headers[512]; /* more headers: "Name: value" lines */
	int delay_ms;
	bool drop; /* close the connection without answering */
};

/* One reply of a fake driven by a table (tests as data, as curl's
 * tests/data): served to a request whose method and path (without the
 * query) match, NULL matching any, and whose number among the requests
 * with that method and path (0 for the first) is in [nth, nth + count)
 * (count 0: every one from nth on). The first matching row wins; a table
 * ends with a row of status 0; a request no row matches gets 404 "fake:
 * no reply". delay_ms and drop then apply. BASE in body or headers stands for
 * the fake's base URL; headers are "Name: value" lines. */
/* rows leave out the trailing fields they do not use (zero) */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
struct fake_row {
	const char *method, *path;
	int nth, count;
	int status;
	const char *headers;
	const char *body;
	int delay_ms; /* before answering */
	bool drop;    /* close the connection instead of answering */
};

struct fake;
typedef void (*fake_script)(struct fake *f, const struct fake_req *rq,
			    struct fake_reply *rp);

struct logged {
	char method[8];
	char path[128];
	char query[128];
	char agent[64];
	char *body;
};

struct fake {
	struct MHD_Daemon *d;
	int port;
	char base[64];
	pthread_mutex_t m;
	fake_script script;
	const struct fake_row *rows; /* for script_table */
	struct logged log[MAX_LOG];
	int n_log;
	int inflight, max_inflight;
	int connections;
	/* registrations the scripted server holds: "id username proxy" */
	char regs[64][3][64];
	int n_regs;
	int next_id;
	int drops_left;
	bool apply_before_drop;
	bool commit_late; /* script_gateway: the 504'd POST commits later */
};

struct upload {
	char *data;
	size_t len;
};

static int count_same(struct fake *f, const char *method, const char *path)
{
	int n = 0;
	for (int i = 0; i < f->n_log; i++)
		n += strcmp(f->log[i].method, method) == 0 &&
		     strcmp(f->log[i].path, path) == 0;
	return n;
}

static void record(struct fake *f, struct fake_req *rq)
{
	rq->n_same = count_same(f, rq->method, rq->path);
	if (f->n_log < MAX_LOG) {
		struct logged *l = &f->log[f->n_log++];
		snprintf(l->method, sizeof(l->method), "%s", rq->method);
		snprintf(l->path, sizeof(l->path), "%s", rq->path);
		snprintf(l->query, sizeof(l->query), "%s", rq->query);
		snprintf(l->agent, sizeof(l->agent), "%s",
			 rq->agent ? rq->agent : "");
		l->body = rq->body ? strdup(rq->body) : NULL;
	}
}

static enum MHD_Result answer(struct fake *f, struct MHD_Connection *conn,
			      struct fake_reply *rp)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
	    strlen(rp->body), rp->body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "application/json");
	for (char *line = rp->headers; *line;) {
		char *end = strchr(line, '\n'), *colon = strchr(line, ':');
		if (end)
			*end = '\0';
		if (colon && colon[1] == ' ') {
			*colon = '\0';
			MHD_add_response_header(r, line, colon + 2);
		}
		line = end ? end + 1 : line + strlen(line);
	}
	enum MHD_Result ok = MHD_queue_response(conn, (unsigned)rp->status, r);
	MHD_destroy_response(r);
	(void)f;
	return ok;
}

/* Appends "key=value" to the query text (ctx: char[128]). */
static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind,
			       const char *key, const char *value)
{
	char *q = cls;
	size_t n = strlen(q);
	(void)kind;
	snprintf(q + n, 128 - n, "%s%s=%s", n ? "&" : "", key,
		 value ? value : "");
	return MHD_YES;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn,
			       const char *url, const char *method,
			       const char *version, const char *upload_data,
			       size_t *upload_size, void **con_cls)
{
	struct fake *f = cls;
	struct upload *up = *con_cls;
	(void)version;
	if (!up) {
		*con_cls = calloc(1, sizeof(*up));
		return *con_cls ? MHD_YES : MHD_NO;
	}
	if (*upload_size) {
		char *g = realloc(up->data, up->len + *upload_size + 1);
		if (!g)
			return MHD_NO;
		up->data = g;
		memcpy(up->data + up->len, upload_data, *upload_size);
		up->len += *upload_size;
		up->data[up->len] = '\0';
		*upload_size = 0;
		return MHD_YES;
	}
	char query[128] = "";
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_arg, query);
	struct fake_req rq = {
	    .query = query,
	    .method = method,
	    .path = url,
	    .key =
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-API-Key"),
	    .agent = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						 "User-Agent"),
	    .body = up->data,
	};
	struct fake_reply *rp = calloc(1, sizeof(*rp));
	if (!rp)
		return MHD_NO;
	rp->status = 200;
	snprintf(rp->body, sizeof(rp->body), "{}");
	pthread_mutex_lock(&f->m);
	record(f, &rq);
	if (!rq.key || strcmp(rq.key, KEY) != 0) {
		rp->status = 401;
		snprintf(rp->body, sizeof(rp->body),
			 "{\"detail\": \"Invalid API key.\"}");
	} else {
		f->script(f, &rq, rp);
	}
	f->inflight++;
	if (f->inflight > f->max_inflight)
		f->max_inflight = f->inflight;
	pthread_mutex_unlock(&f->m);
	if (rp->delay_ms)
		usleep((useconds_t)rp->delay_ms * 1000);
	pthread_mutex_lock(&f->m);
	f->inflight--;
	pthread_mutex_unlock(&f->m);
	enum MHD_Result ok = rp->drop ? MHD_NO : answer(f, conn, rp);
	free(rp);
	return ok;
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct upload *up = *con_cls;
	(void)cls;
	(void)conn;
	(void)toe;
	if (up) {
		free(up->data);
		free(up);
	}
	*con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn,
			  void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct fake *f = cls;
	(void)conn;
	(void)socket_context;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		pthread_mutex_lock(&f->m);
		f->connections++;
		pthread_mutex_unlock(&f->m);
	}
}

static char *read_fixture(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/api_tls/%s", FIXTURES_DIR, name);
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	char *buf = calloc(1, 16384);
	assert_non_null(buf);
	size_t n = fread(buf, 1, 16383, fp);
	fclose(fp);
	assert_true(n > 0);
	return buf;
}

/* An HTTP (or, with tls, HTTPS with tests/fixtures/api_tls) fake. */
static struct fake *fake_start_opt(fake_script script, bool tls)
{
	struct fake *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	pthread_mutex_init(&f->m, NULL);
	f->script = script;
	struct sockaddr_in sa = {.sin_family = AF_INET};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	unsigned flags =
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION;
	if (tls) {
		char *key = read_fixture("key.pem"),
		     *cert = read_fixture("cert.pem");
		f->d = MHD_start_daemon(flags | MHD_USE_TLS, 0, NULL, NULL,
					handler, f, MHD_OPTION_SOCK_ADDR, &sa,
					MHD_OPTION_HTTPS_MEM_KEY, key,
					MHD_OPTION_HTTPS_MEM_CERT, cert,
					MHD_OPTION_NOTIFY_COMPLETED, completed,
					f, MHD_OPTION_NOTIFY_CONNECTION,
					on_connection, f, MHD_OPTION_END);
		free(key);
		free(cert);
	} else {
		f->d = MHD_start_daemon(flags, 0, NULL, NULL, handler, f,
					MHD_OPTION_SOCK_ADDR, &sa,
					MHD_OPTION_NOTIFY_COMPLETED, completed,
					f, MHD_OPTION_NOTIFY_CONNECTION,
					on_connection, f, MHD_OPTION_END);
	}
	assert_non_null(f->d);
	const union MHD_DaemonInfo *info =
	    MHD_get_daemon_info(f->d, MHD_DAEMON_INFO_BIND_PORT);
	assert_non_null(info);
	f->port = info->port;
	snprintf(f->base, sizeof(f->base), "%s://127.0.0.1:%d",
		 tls ? "https" : "http", f->port);
	return f;
}

static struct fake *fake_start(fake_script script)
{
	return fake_start_opt(script, false);
}

static void fake_stop(struct fake *f)
{
	MHD_stop_daemon(f->d);
	for (int i = 0; i < f->n_log; i++)
		free(f->log[i].body);
	pthread_mutex_destroy(&f->m);
	free(f);
}

static int fake_count(struct fake *f, const char *method, const char *path)
{
	pthread_mutex_lock(&f->m);
	int n = count_same(f, method, path);
	pthread_mutex_unlock(&f->m);
	return n;
}

/* text with every BASE replaced by the fake's base URL, into out */
static void expand_base(const struct fake *f, const char *text, char *out,
			size_t size)
{
	size_t off = 0;
	out[0] = '\0';
	while (*text && off + 1 < size) {
		if (strncmp(text, "BASE", 4) == 0) {
			off += (size_t)snprintf(out + off, size - off, "%s",
						f->base);
			text += 4;
		} else {
			out[off++] = *text++;
			out[off] = '\0';
		}
	}
	assert_true(off + 1 < size || !*text);
}

static bool row_matches(const struct fake_row *r, const struct fake_req *rq)
{
	return (!r->method || strcmp(r->method, rq->method) == 0) &&
	       (!r->path || strcmp(r->path, rq->path) == 0) &&
	       rq->n_same >= r->nth &&
	       (r->count == 0 || rq->n_same < r->nth + r->count);
}

static void script_table(struct fake *f, const struct fake_req *rq,
			 struct fake_reply *rp)
{
	for (const struct fake_row *r = f->rows; r && r->status; r++) {
		if (!row_matches(r, rq))
			continue;
		rp->status = r->status;
		expand_base(f, r->body ? r->body : "", rp->body,
			    sizeof(rp->body));
		expand_base(f, r->headers ? r->headers : "", rp->headers,
			    sizeof(rp->headers));
		rp->delay_ms = r->delay_ms;
		rp->drop = r->drop;
		return;
	}
	rp->status = 404;
	snprintf(rp->body, sizeof(rp->body),
		 "{\"detail\": \"fake: no reply for %s %s\"}", rq->method,
		 rq->path);
}

/* Serves rows from now on (the table stays the caller's). */
static void fake_serve(struct fake *f, const struct fake_row *rows)
{
	pthread_mutex_lock(&f->m);
	f->rows = rows;
	pthread_mutex_unlock(&f->m);
}

static struct fake *fake_start_table(const struct fake_row *rows)
{
	struct fake *f = fake_start(script_table);
	fake_serve(f, rows);
	return f;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The requests seen, "METHOD path[?query]" one a line, sorted (requests
 * run in parallel, so their order is not part of the contract). */
static char *seen_requests(struct fake *f)
{
	static char lines[MAX_LOG][300];
	char *v[MAX_LOG];
	pthread_mutex_lock(&f->m);
	int n = f->n_log;
	for (int i = 0; i < n; i++) {
		const struct logged *l = &f->log[i];
		snprintf(lines[i], sizeof(lines[i]), "%s %s%s%s", l->method,
			 l->path, l->query[0] ? "?" : "", l->query);
		v[i] = lines[i];
	}
	pthread_mutex_unlock(&f->m);
	qsort(v, (size_t)n, sizeof(v[0]), cmp_str);
	size_t size = (size_t)n * 301 + 1, off = 0;
	char *out = calloc(1, size);
	assert_non_null(out);
	for (int i = 0; i < n; i++)
		off += (size_t)snprintf(out + off, size - off, "%s\n", v[i]);
	return out;
}

/* Asserts the exact requests seen (want: NULL-ended, any order). */
static void assert_requests(struct fake *f, const char *const *want)
{
	const char *v[MAX_LOG];
	int n = 0;
	for (; want[n]; n++) {
		assert_true(n < MAX_LOG);
		v[n] = want[n];
	}
	qsort(v, (size_t)n, sizeof(v[0]), cmp_str);
	size_t size = 1, off = 0;
	for (int i = 0; i < n; i++)
		size += strlen(v[i]) + 1;
	char *exp = calloc(1, size), *got = seen_requests(f);
	assert_non_null(exp);
	for (int i = 0; i < n; i++)
		off += (size_t)snprintf(exp + off, size - off, "%s\n", v[i]);
	if (strcmp(exp, got) != 0)
		fail_msg("requests seen:\n%swanted:\n%s", got, exp);
	free(exp);
	free(got);
}

/* ---- helpers ---- */

static struct api_client *client_for(struct fake *f, int attempts,
				     int parallelism)
{
	struct api_config cfg = {
	    .base_url = f->base,
	    .api_key = KEY,
	    .max_attempts = attempts,
	    .parallelism = parallelism,
	    .retry_base_ms = 5,
	    .retry_max_delay_ms = 2000,
	    .timeout_ms = 5000,
	};
	struct api_client *c = NULL;
	struct diag_list d = {0};
	assert_int_equal(api_client_new(&c, &cfg, &d), 0);
	assert_int_equal(d.len, 0);
	return c;
}

static char *first_diag(const struct diag_list *d)
{
	assert_true(d->len > 0);
	char *s = diag_format(&d->items[0]);
	assert_non_null(s);
	return s;
}

static void assert_diag(const struct diag_list *d, const char *want)
{
	char *s = first_diag(d);
	if (!strstr(s, want))
		fail_msg("diag \"%s\" lacks \"%s\"", s, want);
	free(s);
}

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#define SIP_OK                                                                 \
	"{\"allowedCidrRanges\": [\"10.0.0.0/8\"], \"allowedAgents\": "        \
	"[{\"agentId\": \"a1\", \"toUserPattern\": \"^x$\", \"extra\": 1}, "   \
	"{\"agentId\": \"a2\"}], \"fallbackHandler\": {\"url\": "              \
	"\"https://h.example/x\", \"secrets\": [\"s3cr3t\"]}, \"domain\": "    \
	"\"acme.sip.ultravox.ai\", \"futureField\": {\"x\": [1]}}"

/* The rows most tests start from: the live SIP config, no registrations. */
#define ROW_SIP_OK                                                             \
	{                                                                      \
		"GET", "/api/sip", 0, 0, 200, NULL, SIP_OK                     \
	}
#define ROW_NO_REGS                                                            \
	{                                                                      \
		"GET", "/api/sip/registrations", 0, 0, 200, NULL,              \
		    "{\"results\": []}"                                        \
	}
#define ROW_END                                                                \
	{                                                                      \
		NULL, NULL, 0, 0, 0, NULL, NULL                                \
	}
#define REQ_SIP "GET /api/sip"
#define REQ_PAGE1 "GET /api/sip/registrations?pageSize=100"

/* ---- pagination, shapes ---- */

/* Page p of three (r<p>1, and rX / rY / none). */
#define PAGE(p, next, extra)                                                   \
	"{\"next\": " next                                                     \
	", \"previous\": null, \"total\": 5, \"results\": ["                   \
	"{\"registrationId\": \"r" #p "1\", \"username\": \"u" #p "1\", "      \
	"\"proxy\": \"PBX.example.com\", \"created\": \"2026-01-01\", "        \
	"\"outboundProxy\": \"op\", \"authUser\": null, "                      \
	"\"successful\": true, \"newField\": [1,2]}" extra "]}"
#define PAGE_NEXT(p) "\"BASE/api/sip/registrations?cursor=p" #p "&pageSize=2\""
#define PAGE_EXTRA(id)                                                         \
	", {\"registrationId\": \"" id "\", \"username\": \"ux\","             \
	" \"proxy\": \"p\"}"

static void test_read_live_pages(void **state)
{
	(void)state;
	static const struct fake_row rows[] = {
	    ROW_SIP_OK,
	    {"GET", "/api/sip/registrations", 0, 1, 200, NULL,
	     PAGE(1, PAGE_NEXT(2), PAGE_EXTRA("rX"))},
	    {"GET", "/api/sip/registrations", 1, 1, 200, NULL,
	     PAGE(2, PAGE_NEXT(3), PAGE_EXTRA("rY"))},
	    {"GET", "/api/sip/registrations", 2, 1, 200, NULL,
	     PAGE(3, "null", "")},
	    {"GET", "/api/agents/s3cr3t", 0, 0, 400, NULL,
	     "{\"detail\": \"bad s3cr3t\"}"},
	    ROW_END};
	struct fake *f = fake_start_table(rows);
	struct api_client *c = client_for(f, 3, 4);
	struct live_state *ls = NULL;
	struct diag_list d = {0};

	assert_int_equal(api_read_live(c, &ls, &d), 0);
	assert_int_equal(d.len, 0);
	assert_non_null(ls);
	assert_string_equal(ls->sip.domain, "acme.sip.ultravox.ai");
	assert_int_equal(ls->sip.cidrs_state, FIELD_SET);
	assert_int_equal(ls->sip.n_cidrs, 1);
	assert_string_equal(ls->sip.cidrs[0], "10.0.0.0/8");
	assert_int_equal(ls->sip.allow_all_state, FIELD_SET);
	assert_false(ls->sip.allow_all);
	assert_int_equal(ls->sip.n_agents, 2);
	assert_string_equal(ls->sip.agents[0].to_user_pattern, "^x$");
	assert_null(ls->sip.agents[1].to_user_pattern);
	assert_int_equal(ls->sip.fallback_state, FIELD_SET);
	assert_int_equal(ls->sip.fallback.n_secrets, 1);
	assert_int_equal(ls->sip.fallback.secrets[0].kind, SECRET_LITERAL);
	assert_string_equal(ls->sip.fallback.secrets[0].value, "s3cr3t");

	/* 3 pages, followed by `next` exactly as given */
	assert_int_equal(ls->n_regs, 5);
	assert_string_equal(ls->regs[0].id, "r11");
	assert_string_equal(ls->regs[1].id, "rX");
	assert_string_equal(ls->regs[3].id, "rY");
	assert_string_equal(ls->regs[4].id, "r31");
	assert_int_equal(ls->regs[0].outbound_proxy_state, FIELD_SET);
	assert_int_equal(ls->regs[0].auth_user_state, FIELD_NULL);
	assert_int_equal(ls->regs[0].successful, 1);
	assert_int_equal(ls->regs[1].successful, -1);
	assert_int_equal(fake_count(f, "GET", "/api/sip/registrations"), 3);
	assert_int_equal(fake_count(f, "GET", "/api/sip"), 1);
	assert_requests(
	    f, (const char *const[]){
		   REQ_SIP, REQ_PAGE1,
		   "GET /api/sip/registrations?cursor=p2&pageSize=2",
		   "GET /api/sip/registrations?cursor=p3&pageSize=2", NULL});
	/* the live fallback secret is redacted from later messages */
	assert_int_equal(api_agent_exists(c, "s3cr3t", &d), -1);
	assert_diag(&d, "GET /api/agents/<redacted>: 400: bad <redacted>");
	diag_list_clear(&d);

	const struct api_stats *st = api_client_stats(c);
	assert_int_equal(st->requests, 5);
	assert_int_equal(st->by_method[REQUEST_GET], 5);
	assert_int_equal(st->retries, 0);
	/* keep-alive: sequential pages share connections */
	assert_true(f->connections <= 2);

	model_live_free(ls);
	api_client_free(c);
	fake_stop(f);
}

/* api_read_set: GET /api/sip, the first registrations page and GET
 * /api/agents start together (each answered after 300 ms: the agents read
 * before the account, as the plan read them before, took 600 ms); a later
 * page failing fails the whole read with that
 * request's diag and returns nothing half-read; an optional agents read
 * that fails is no error. */
static void test_read_set_side_by_side(void **state)
{
	(void)state;
	static const struct fake_row rows[] = {
	    {"GET", "/api/sip", 0, 0, 200, NULL, SIP_OK, 300},
	    {"GET", "/api/sip/registrations", 0, 1, 200, NULL,
	     PAGE(1, PAGE_NEXT(2), ""), 300},
	    {"GET", "/api/sip/registrations", 1, 1, 500, NULL,
	     "{\"detail\": \"boom\"}"},
	    {"GET", "/api/sip/registrations", 2, 1, 200, NULL,
	     PAGE(1, "null", "")},
	    {"GET", "/api/agents", 0, 1, 200, NULL,
	     "{\"next\": null, \"results\": [{\"agentId\": \""
	     "0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14"
	     "\", \"name\": \"sales bot\"}]}",
	     300},
	    {"GET", "/api/agents", 1, 0, 500, NULL, "{\"detail\": \"no\"}"},
	    ROW_END};
	struct fake *f = fake_start_table(rows);
	struct api_client *c = client_for(f, 1, 8);
	struct api_read_want w = {
	    .sip = true, .registrations = true, .agents = true};
	struct live_state *ls = NULL;
	struct agent_names names = {0};
	struct diag_list d = {0};
	bool agents_ok = true;

	long long t0 = mono_ms();
	assert_int_equal(api_read_set(c, &w, &ls, &names, &agents_ok, &d), -1);
	long long took = mono_ms() - t0;
	if (took >= 550)
		fail_msg("the reads took %lld ms: not side by side", took);
	assert_null(ls);
	assert_int_equal(names.n, 0);
	assert_false(agents_ok);
	assert_int_equal(d.len, 1);
	assert_diag(&d, "GET /api/sip/registrations: 500: boom");
	diag_list_clear(&d);

	/* the pages read, then agents failing where they are optional */
	w.agents_optional = true;
	assert_int_equal(api_read_set(c, &w, &ls, &names, &agents_ok, &d), 0);
	assert_int_equal(d.len, 0);
	assert_non_null(ls);
	assert_string_equal(ls->sip.domain, "acme.sip.ultravox.ai");
	assert_int_equal(ls->n_regs, 1);
	assert_false(agents_ok);
	assert_int_equal(names.n, 0);
	model_live_free(ls);
	api_client_free(c);
	fake_stop(f);
}

/* GET /api/agents: every page followed by `next` as given, names kept
 * (absent or null: none), ?search= escaped (the fake logs it decoded);
 * a search is not complete. */
#define AGENT_A "0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14"
#define AGENT_B "7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
#define AGENT_C "11111111-2222-4333-8444-555555555555"
static void test_list_agents_pages(void **state)
{
	(void)state;
	static const struct fake_row rows[] = {
	    {"GET", "/api/agents", 0, 1, 200, NULL,
	     "{\"next\": \"BASE/api/agents?cursor=c2\", \"results\": ["
	     "{\"agentId\": \"" AGENT_A "\", \"name\": \"sales bot\"},"
	     "{\"agentId\": \"" AGENT_B "\", \"name\": null}]}"},
	    {"GET", "/api/agents", 1, 1, 200, NULL,
	     "{\"next\": null, \"results\": [{\"agentId\": \"" AGENT_C
	     "\", \"statistics\": {}}]}"},
	    {"GET", "/api/agents", 2, 1, 200, NULL,
	     "{\"next\": null, \"results\": [{\"agentId\": \"not-a-uuid\"}]}"},
	    ROW_END};
	struct fake *f = fake_start_table(rows);
	struct api_client *c = client_for(f, 3, 4);
	struct agent_names names = {0};
	struct diag_list d = {0};

	assert_int_equal(api_list_agents(c, NULL, &names, &d), 0);
	assert_int_equal(d.len, 0);
	assert_int_equal(names.n, 3);
	assert_true(names.complete);
	assert_string_equal(agent_names_lookup(&names, AGENT_A), "sales bot");
	assert_null(agent_names_lookup(&names, AGENT_B));
	assert_null(agent_names_lookup(&names, AGENT_C));
	agent_names_release(&names);

	assert_int_equal(api_list_agents(c, "sales bot", &names, &d), -1);
	assert_diag(&d, "GET /api/agents: 200: response is not a "
			"PaginatedAgentList: results[0].agentId is not a uuid");
	assert_false(names.complete);
	assert_requests(
	    f, (const char *const[]){
		   "GET /api/agents?pageSize=100", "GET /api/agents?cursor=c2",
		   "GET /api/agents?pageSize=100&search=sales bot", NULL});
	diag_list_clear(&d);
	agent_names_release(&names);
	api_client_free(c);
	fake_stop(f);
}

/* The logged request number i (under the fake's lock). */
static struct logged logged_at(struct fake *f, int i)
{
	pthread_mutex_lock(&f->m);
	assert_true(i < f->n_log);
	struct logged l = f->log[i];
	pthread_mutex_unlock(&f->m);
	return l;
}

static void test_request_details(void **state)
{
	(void)state;
	static const struct fake_row rows[] = {ROW_SIP_OK, ROW_NO_REGS,
					       ROW_END};
	struct fake *f = fake_start_table(rows);
	struct api_client *c = client_for(f, 1, 1);
	struct live_state *ls = NULL;
	struct diag_list d = {0};
	assert_int_equal(api_read_live(c, &ls, &d), 0);
	assert_requests(f, (const char *const[]){REQ_SIP, REQ_PAGE1, NULL});
	for (int i = 0; i < 2; i++)
		assert_string_equal(logged_at(f, i).agent,
				    "sipsync/" SIPSYNC_VERSION);
	assert_int_equal(ls->n_regs, 0);
	model_live_free(ls);
	api_client_free(c);
	fake_stop(f);
}

static void expect_shape_error(const char *sip, const char *page,
			       const char *want)
{
	const struct fake_row rows[] = {
	    {"GET", "/api/sip", 0, 0, 200, NULL, sip},
	    {"GET", "/api/sip/registrations", 0, 0, 200, NULL, page},
	    ROW_END};
	struct fake *f = fake_start_table(rows);
	struct api_client *c = client_for(f, 1, 2);
	struct live_state *ls = NULL;
	struct diag_list d = {0};
	assert_int_equal(api_read_live(c, &ls, &d), -1);
	assert_null(ls);
	assert_diag(&d, want);
	diag_list_clear(&d);
	api_client_free(c);
	fake_stop(f);
}

static void test_wrong_shape(void **state)
{
	(void)state;
	const char *page = "{\"results\": []}";
	expect_shape_error("{\"allowedAgents\": \"x\", \"domain\": \"d\"}",
			   page,
			   "GET /api/sip: 200: response is not a SipConfig: "
			   "allowedAgents is not a list");
	expect_shape_error("[1, 2]", page,
			   "GET /api/sip: 200: response is not a SipConfig: "
			   "not a JSON object");
	expect_shape_error("<html>oops</html>", page,
			   "response is not a SipConfig: invalid JSON");
	/* the parser's " near '<token>'" would show part of a live secret */
	expect_shape_error("{\"fallbackHandler\": {\"url\": \"u\", "
			   "\"secrets\": [\"live-secret-xyz",
			   page,
			   "GET /api/sip: 200: response is not a SipConfig: "
			   "invalid JSON: premature end of input at line 1 "
			   "column 61");
	expect_shape_error(SIP_OK, "{\"results\": [live-secret-xyz]}",
			   "not a PaginatedSipRegistrationList: invalid JSON: "
			   "invalid token at line 1 column 17");
	expect_shape_error("{\"allowedAgents\": [{\"agentId\": 5}], "
			   "\"domain\": \"d\"}",
			   page, "allowedAgents[0].agentId is not a string");
	expect_shape_error(SIP_OK, "{\"next\": null}",
			   "GET /api/sip/registrations: 200: response is not a "
			   "PaginatedSipRegistrationList: results is missing");
	expect_shape_error(SIP_OK, "{\"results\": [{\"username\": \"u\"}]}",
			   "results[0].registrationId is not a string");
	expect_shape_error(SIP_OK, "{\"results\": [], \"next\": 7}",
			   "next is not a string");
}

/* Issue 9 item 11: username is optional in the spec; a registration
 * without one (missing or null) is read as the empty string, the desired
 * model's representation, not refused as "username is not a string". */
static void test_username_optional(void **state)
{
	(void)state;
	const char *page =
	    "{\"results\": [{\"registrationId\": \"r1\", \"proxy\": \"p\"}, "
	    "{\"registrationId\": \"r2\", \"username\": null, \"proxy\": "
	    "\"q\"}, {\"registrationId\": \"r3\", \"username\": \"\", "
	    "\"proxy\": \"s\"}], \"next\": null}";
	struct registration *regs = NULL;
	size_t n = 0;
	char *next = NULL, *why = NULL;
	assert_int_equal(
	    api_parse_page(page, strlen(page), &regs, &n, &next, &why), 0);
	assert_null(why);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(regs[i].username);
		assert_string_equal(regs[i].username, "");
	}
	char *key = model_registration_key(&regs[1]);
	assert_string_equal(key, "@q");
	free(key);
	for (size_t i = 0; i < n; i++)
		model_registration_release(&regs[i]);
	free(regs);
	/* another type is still the wrong shape */
	const char *bad = "{\"results\": [{\"registrationId\": \"r1\", "
			  "\"username\": 5, \"proxy\": \"p\"}]}";
	regs = NULL;
	n = 0;
	assert_int_equal(
	    api_parse_page(bad, strlen(bad), &regs, &n, &next, &why), -1);
	assert_non_null(strstr(why, "username is not a string"));
	free(why);
	for (size_t i = 0; i < n; i++)
		model_registration_release(&regs[i]);
	free(regs);
}

/* A registrationId that would send a DELETE or PATCH to another path. */
static void test_unusable_registration_id(void **state)
{
	(void)state;
	const char *bad[] = {"",      ".",	   "..",       "a/b", "../x",
			     "a?b",   "a#b",	   "a%2Fb",    "a b", "a\\tb",
			     "a\\nb", "a\\u0001b", "a\\u007fb"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char page[512];
		snprintf(page, sizeof(page),
			 "{\"results\": [{\"registrationId\": \"ok_1\", "
			 "\"username\": \"u\", \"proxy\": \"p\"}, "
			 "{\"registrationId\": \"%s\", \"username\": \"v\", "
			 "\"proxy\": \"p\"}]}",
			 bad[i]);
		expect_shape_error(SIP_OK, page,
				   "GET /api/sip/registrations: 200: response "
				   "is not a PaginatedSipRegistrationList: "
				   "results[1].registrationId is not a usable "
				   "id");
	}
	/* nor is one taken from a create's answer */
	const char *dots = "{\"registrationId\": \"..\"}";
	const char *good = "{\"registrationId\": \"reg_4f2a\"}";
	assert_null(api_parse_registration_id(dots, strlen(dots)));
	char *id = api_parse_registration_id(good, strlen(good));
	assert_string_equal(id, "reg_4f2a");
	free(id);
}

/* Two pages that overlap (the list changed between them): the repeated
 * registration is listed once, as first seen. */
#define OVERLAP_P1                                                             \
	"{\"next\": \"BASE/api/sip/registrations?cursor=p2\", "                \
	"\"results\": [{\"registrationId\": \"a1\", "                          \
	"\"username\": \"ua\", \"proxy\": \"p\"}, "                            \
	"{\"registrationId\": \"b1\", \"username\": \"ub\", "                  \
	"\"proxy\": \"p\"}]}"
#define OVERLAP_P2                                                             \
	"{\"next\": null, \"results\": ["                                      \
	"{\"registrationId\": \"b1\", \"username\": "                          \
	"\"ub-again\", \"proxy\": \"p\"}, "                                    \
	"{\"registrationId\": \"c1\", \"username\": \"uc\", "                  \
	"\"proxy\": \"p\"}]}"

static void test_overlapping_pages(void **state)
{
	(void)state;
	static const struct fake_row rows[] = {
	    ROW_SIP_OK,
	    /* read_live's two pages, then list_registrations' */
	    {"GET", "/api/sip/registrations", 0, 1, 200, NULL, OVERLAP_P1},
	    {"GET", "/api/sip/registrations", 1, 1, 200, NULL, OVERLAP_P2},
	    {"GET", "/api/sip/registrations", 2, 1, 200, NULL, OVERLAP_P1},
	    {"GET", "/api/sip/registrations", 3, 1, 200, NULL, OVERLAP_P2},
	    ROW_END};
	struct fake *f = fake_start_table(rows);
	struct api_client *c = client_for(f, 1, 2);
	struct live_state *ls = NULL;
	struct registration *regs = NULL;
	size_t n = 0;
	struct diag_list d = {0};
	assert_int_equal(api_read_live(c, &ls, &d), 0);
	assert_int_equal(ls->n_regs, 3);
	assert_string_equal(ls->regs[0].id, "a1");
	assert_string_equal(ls->regs[1].id, "b1");
	assert_string_equal(ls->regs[1].username, "ub");
	assert_string_equal(ls->regs[2].id, "c1");
	model_live_free(ls);
	assert_int_equal(api_list_registrations(c, &regs, &n, &d), 0);
	assert_int_equal(n, 3);
	assert_string_equal(regs[2].id, "c1");
	for (size_t i = 0; i < n; i++)
		model_registration_release(&regs[i]);
	free(regs);
	assert_int_equal(d.len, 0);
	assert_int_equal(fake_count(f, "GET", "/api/sip/registrations"), 4);
	assert_requests(f, (const char *const[]){
			       REQ_SIP, REQ_PAGE1, REQ_PAGE1,
			       "GET /api/sip/registrations?cursor=p2",
			       "GET /api/sip/registrations?cursor=p2", NULL});
	api_client_free(c);
	fake_stop(f);
}

static void expect_next_refused(const char *next_fmt, const char *want,
				int pages)
{
	/* "BASE" in next_fmt stands for the fake's own base URL */
	char page[300];
	snprintf(page, sizeof(page), "{\"results\": [], \"next\": \"%s\"}",
		 next_fmt);
	const struct fake_row rows[] = {
	    ROW_SIP_OK,
	    {"GET", "/api/sip/registrations", 0, 0, 200, NULL, page},
	    ROW_END};
	struct fake *f = fake_start_table(rows);
	struct api_client *c = client_for(f, 1, 2);
	struct live_state *ls = NULL;
	struct diag_list d = {0};
	assert_int_equal(api_read_live(c, &ls, &d), -1);
	assert_diag(&d, want);
	assert_int_equal(fake_count(f, "GET", "/api/sip/registrations"), pages);
	diag_list_clear(&d);
	api_client_free(c);
	fake_stop(f);
}

static void test_next_refused(void **state)
{
	(void)state;
	/* another host: the key must never go there */
	expect_next_refused("http://evil.example:80/api/sip/registrations?x=1",
			    "refusing to follow `next` to another server", 1);
	expect_next_refused("https://127.0.0.1/api/sip/registrations?x=1",
			    "refusing to follow `next`", 1);
	/* the refusal names where `next` pointed, without its secrets */
	expect_next_refused("http://bob:tok-SEC1@evil.example/api/sip/"
			    "registrations?token=tok-SEC2",
			    "to another server: http://evil.example/api/sip/"
			    "registrations?\u2026 (the API key is only sent to "
			    "http://127.0.0.1:",
			    1);
	/* a relative link resolves to another origin: still refused */
	expect_next_refused("//evil.example/api/sip/registrations",
			    "another server: http://evil.example/api/sip/"
			    "registrations",
			    1);
	/* a next that repeats a page */
	expect_next_refused("BASE/api/sip/registrations?cursor=same",
			    "pagination loops", 2);
}

/* ---- retries ---- */

/* A table: the first n requests to path (any method) answered status
 * (with Retry-After when retry_after is not NULL, and body or
 * {"detail": "busy"}), then ROW_SIP_OK and ROW_NO_REGS. */
struct faults {
	char retry_after[32];
	struct fake_row rows[4];
};

static const struct fake_row *faults(struct faults *t, const char *path, int n,
				     int status, const char *retry_after,
				     const char *body)
{
	if (retry_after)
		snprintf(t->retry_after, sizeof(t->retry_after),
			 "Retry-After: %s", retry_after);
	const struct fake_row rows[] = {
	    {NULL, path, 0, n, status, retry_after ? t->retry_after : NULL,
	     body ? body : "{\"detail\": \"busy\"}"},
	    ROW_SIP_OK,
	    ROW_NO_REGS,
	    ROW_END};
	memcpy(t->rows, rows, sizeof(rows));
	return t->rows;
}

/* The backoff ceiling bounds sipsync's own waits, never the server's: a
 * Retry-After longer than the ceiling is still honoured in full. */
static void test_retry_after_beyond_backoff_cap(void **state)
{
	(void)state;
	struct fake *f = fake_start_table(NULL);
	struct faults ft;
	struct api_config cfg = {
	    .base_url = f->base,
	    .api_key = KEY,
	    .retry_base_ms = 5,
	    .retry_max_delay_ms = 100,
	    .timeout_ms = 5000,
	};
	struct api_client *c = NULL;
	struct live_state *ls = NULL;
	struct diag_list d = {0};
	assert_int_equal(api_client_new(&c, &cfg, &d), 0);
	fake_serve(f, faults(&ft, "/api/sip", 1, 429, "1", NULL));
	long long t0 = mono_ms();
	assert_int_equal(api_read_live(c, &ls, &d), 0);
	assert_true(mono_ms() - t0 >= 950);
	assert_int_equal(fake_count(f, "GET", "/api/sip"), 2);
	model_live_free(ls);
	api_client_free(c);
	fake_stop(f);
}

static void test_429_retry_after(void **state)
{
	(void)state;
	struct fake *f = fake_start_table(NULL);
	struct faults ft;
	struct api_client *c = client_for(f, 5, 2);
	struct live_state *ls = NULL;
	struct diag_list d = {0};
	fake_serve(f, faults(&ft, "/api/sip", 1, 429, "1", NULL));
	long long t0 = mono_ms();
	assert_int_equal(api_read_live(c, &ls, &d), 0);
	long long took = mono_ms() - t0;
	assert_true(took >= 950); /* waited for Retry-After: 1 */
	assert_true(took < 4000);
	assert_int_equal(fake_count(f, "GET", "/api/sip"), 2);
	assert_int_equal(fake_count(f, "GET", "/api/sip/registrations"), 1);
	assert_requests(
	    f, (const char *const[]){REQ_SIP, REQ_SIP, REQ_PAGE1, NULL});
	assert_int_equal(api_client_stats(c)->retries, 1);
	assert_int_equal(api_client_stats(c)->requests, 3);
	model_live_free(ls);
	api_client_free(c);
	fake_stop(f);
}

static void test_503_burst(void **state)
{
	(void)state;
	struct fake *f = fake_start_table(NULL);
	struct faults ft;
	struct api_client *c = client_for(f, 5, 2);
	struct live_state *ls = NULL;
	struct diag_list d = {0};
	fake_serve(f,
		   faults(&ft, "/api/sip/registrations", 3, 503, NULL, NULL));
	assert_int_equal(api_read_live(c, &ls, &d), 0);
	assert_int_equal(fake_count(f, "GET", "/api/sip/registrations"), 4);
	assert_int_equal(api_client_stats(c)->retries, 3);
	model_live_free(ls);
	/* 502 and 504 too, on an idempotent read (GET /api/sip was asked
	 * once already: this is its second call) */
	static const struct fake_row gw[] = {
	    {"GET", "/api/sip", 1, 1, 502, NULL, "<html>bad gateway</html>"},
	    {"GET", "/api/sip", 2, 1, 504, NULL, "<html>timeout</html>"},
	    ROW_SIP_OK,
	    ROW_NO_REGS,
	    ROW_END};
	fake_serve(f, gw);
	assert_int_equal(api_read_live(c, &ls, &d), 0);
	assert_int_equal(fake_count(f, "GET", "/api/sip"), 4);
	model_live_free(ls);
	assert_int_equal(d.len, 0);
	api_client_free(c);
	fake_stop(f);
}

static void test_500_not_retried(void **state)
{
	(void)state;
	struct fake *f = fake_start_table(NULL);
	struct faults ft;
	struct api_client *c = client_for(f, 5, 2);
	struct live_state *ls = NULL;
	struct diag_list d = {0};
	fake_serve(f, faults(&ft, "/api/sip", 100, 500, NULL,
			     "{\"detail\": \"boom\"}"));
	assert_int_equal(api_read_live(c, &ls, &d), -1);
	assert_int_equal(fake_count(f, "GET", "/api/sip"), 1);
	assert_diag(&d, "GET /api/sip: 500: boom");
	assert_int_equal(api_client_stats(c)->errors, 1);
	diag_list_clear(&d);
	api_client_free(c);
	fake_stop(f);
}

static void test_max_attempts(void **state)
{
	(void)state;
	struct fake *f = fake_start_table(NULL);
	struct faults ft;
	struct api_client *c = client_for(f, 3, 2);
	struct live_state *ls = NULL;
	struct diag_list d = {0};
	fake_serve(f, faults(&ft, "/api/sip", 100, 503, NULL, NULL));
	assert_int_equal(api_read_live(c, &ls, &d), -1);
	assert_int_equal(fake_count(f, "GET", "/api/sip"), 3);
	assert_diag(&d, "GET /api/sip: 503: busy (gave up after 3 attempts)");
	diag_list_clear(&d);
	api_client_free(c);
	fake_stop(f);
}

static void test_retry_budget(void **state)
{
	(void)state;
	struct fake *f = fake_start_table(NULL);
	struct faults ft;
	struct api_config cfg = {
	    .base_url = f->base,
	    .api_key = KEY,
	    .max_attempts = 10,
	    .max_retry_ms = 500,
	    .retry_base_ms = 5,
	};
	struct api_client *c = NULL;
	struct live_state *ls = NULL;
	struct diag_list d = {0};
	assert_int_equal(api_client_new(&c, &cfg, &d), 0);
	/* Retry-After 5 s does not fit a 0.5 s budget: fail at once */
	fake_serve(f, faults(&ft, "/api/sip", 100, 429, "5", NULL));
	long long t0 = mono_ms();
	assert_int_equal(api_read_live(c, &ls, &d), -1);
	assert_true(mono_ms() - t0 < 1500);
	assert_int_equal(fake_count(f, "GET", "/api/sip"), 1);
	assert_diag(&d, "GET /api/sip: 429: busy (gave up after 1 attempt)");
	diag_list_clear(&d);
	api_client_free(c);
	fake_stop(f);
}

/* Reads the live account with a wrong key (key_source as given, NULL:
 * the default) and checks the one 401 diag: want, and never the key. */
static void auth_failure_case(struct fake *f, const char *key_source,
			      const char *want)
{
	struct api_config cfg = {.base_url = f->base,
				 .api_key = "wrong-key-value",
				 .key_source = key_source};
	struct api_client *c = NULL;
	struct live_state *ls = NULL;
	struct diag_list d = {0};
	assert_int_equal(api_client_new(&c, &cfg, &d), 0);
	static const struct fake_row ok[] = {ROW_SIP_OK, ROW_NO_REGS, ROW_END};
	fake_serve(f, ok);
	assert_int_equal(api_read_live(c, &ls, &d), -1);
	assert_diag(&d, want);
	for (size_t i = 0; i < d.len; i++) {
		char *s = diag_format(&d.items[i]);
		assert_null(strstr(s, "wrong-key-value"));
		free(s);
	}
	diag_list_clear(&d);
	api_client_free(c);
}

static void test_auth_failure(void **state)
{
	(void)state;
	struct fake *f = fake_start_table(NULL);
	auth_failure_case(f, NULL,
			  "GET /api/sip: 401: authentication failed (check "
			  "ULTRAVOX_API_KEY or --api-key-file): Invalid API "
			  "key.");
	assert_int_equal(fake_count(f, "GET", "/api/sip"), 1);
	fake_stop(f);
}

/* The 401 message names where the key came from (key_source), never the
 * key; a missing key names it too. */
static void test_auth_failure_key_source(void **state)
{
	(void)state;
	struct fake *f = fake_start_table(NULL);
	auth_failure_case(f, "ULTRAVOX_API_KEY_PROD, account prod's apiKey",
			  "GET /api/sip: 401: authentication failed (check "
			  "ULTRAVOX_API_KEY_PROD, account prod's apiKey): "
			  "Invalid API key.");
	struct api_config cfg = {.base_url = f->base,
				 .api_key = "",
				 .key_source = "--api-key-file /run/key"};
	struct api_client *c = NULL;
	struct diag_list d = {0};
	assert_int_equal(api_client_new(&c, &cfg, &d), -1);
	assert_diag(&d, "the API key is missing (set --api-key-file /run/key)");
	diag_list_clear(&d);
	fake_stop(f);
}

static void test_connection_refused(void **state)
{
	(void)state;
	/* a port nobody listens on */
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &len), 0);
	close(s);
	char base[64];
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", ntohs(sa.sin_port));
	struct api_config cfg = {.base_url = base,
				 .api_key = KEY,
				 .max_attempts = 3,
				 .retry_base_ms = 5};
	struct api_client *c = NULL;
	struct diag_list d = {0};
	assert_int_equal(api_client_new(&c, &cfg, &d), 0);
	assert_int_equal(api_agent_exists(c, "a1", &d), -1);
	assert_diag(&d, "GET /api/agents/a1: request failed: ");
	assert_diag(&d, "(gave up after 3 attempts)");
	assert_int_equal(api_client_stats(c)->requests, 3);
	assert_int_equal(api_client_stats(c)->retries, 2);
	diag_list_clear(&d);
	api_client_free(c);
}

/* ---- writes ---- */

static void fake_add_reg(struct fake *f, const char *id, const char *user,
			 const char *proxy)
{
	snprintf(f->regs[f->n_regs][0], 64, "%s", id);
	snprintf(f->regs[f->n_regs][1], 64, "%s", user);
	snprintf(f->regs[f->n_regs][2], 64, "%s", proxy);
	f->n_regs++;
}

static void list_regs(struct fake *f, struct fake_reply *rp)
{
	size_t off = (size_t)snprintf(rp->body, sizeof(rp->body),
				      "{\"next\": null, \"results\": [");
	for (int i = 0; i < f->n_regs; i++)
		off += (size_t)snprintf(
		    rp->body + off, sizeof(rp->body) - off,
		    "%s{\"registrationId\": \"%s\", \"username\": \"%s\", "
		    "\"proxy\": \"%s\"}",
		    i ? ", " : "", f->regs[i][0], f->regs[i][1], f->regs[i][2]);
	snprintf(rp->body + off, sizeof(rp->body) - off, "]}");
}

/* POST creates (maybe then drops the connection); GET lists. */
static void script_regs(struct fake *f, const struct fake_req *rq,
			struct fake_reply *rp)
{
	if (strcmp(rq->method, "GET") == 0) {
		list_regs(f, rp);
		return;
	}
	if (strcmp(rq->method, "POST") == 0) {
		char id[32];
		bool drop = f->drops_left > 0;
		if (drop)
			f->drops_left--;
		if (drop && !f->apply_before_drop) {
			rp->drop = true;
			return;
		}
		snprintf(id, sizeof(id), "new%d", ++f->next_id);
		/* the test bodies name alice@PBX.example.com */
		fake_add_reg(f, id, "alice", "PBX.example.com");
		rp->status = 201;
		snprintf(
		    rp->body, sizeof(rp->body),
		    "{\"registrationId\": \"%s\", \"username\": \"alice\"}",
		    id);
		rp->drop = drop;
		return;
	}
	rp->status = 204;
	rp->body[0] = '\0';
	rp->delay_ms = 100;
}

static struct api_write make_write(enum request_method m, const char *path,
				   const char *body, const char *key)
{
	struct api_write w = {.method = m};
	w.path = strdup(path);
	w.body = body ? strdup(body) : NULL;
	w.create_key = key ? strdup(key) : NULL;
	return w;
}

#define ALICE_LISTED                                                           \
	"{\"next\": null, \"results\": [{\"registrationId\": \"new1\", "       \
	"\"username\": \"alice\", \"proxy\": \"PBX.example.com\"}]}"

#define ALICE_BODY                                                             \
	"{\"username\": \"alice\", \"proxy\": \"PBX.example.com\", "           \
	"\"password\": \"pw-alice-1\"}"

static int g_progress;

static void on_progress(void *ctx, const struct api_write *w)
{
	(void)ctx;
	(void)w;
	g_progress++;
}

static void test_lost_post_not_duplicated(void **state)
{
	(void)state;
	struct fake *f = fake_start(script_regs);
	/* a pre-existing registration with the same identity must not be
	 * taken for the new one */
	fake_add_reg(f, "old1", "alice", "pbx.example.com");
	f->drops_left = 1;
	f->apply_before_drop = true;
	struct api_client *c = client_for(f, 5, 4);
	struct diag_list d = {0};
	struct api_write w = make_write(REQUEST_POST, "/api/sip/registrations",
					ALICE_BODY, "alice@pbx.example.com");
	g_progress = 0;
	assert_int_equal(api_execute(c, &w, 1, on_progress, NULL, &d), 0);
	assert_int_equal(d.len, 0);
	assert_int_equal(w.result, 1);
	assert_string_equal(w.created_id, "new1");
	assert_int_equal(fake_count(f, "POST", "/api/sip/registrations"), 1);
	/* snapshot before the POST, and one re-list after the lost answer */
	assert_int_equal(fake_count(f, "GET", "/api/sip/registrations"), 2);
	assert_int_equal(f->n_regs, 2);
	assert_int_equal(g_progress, 1);
	api_write_release(&w);
	api_client_free(c);
	fake_stop(f);
}

#define UNKNOWN_TAIL                                                           \
	"not re-sent so no duplicate can be made; run apply again: it "        \
	"re-lists first"

/* A POST whose answer was lost, and the re-list does not show it: it may
 * still be committed, so it is not sent again (one POST, write failed). */
static void test_lost_post_not_listed_not_resent(void **state)
{
	(void)state;
	static const struct fake_row rows[] = {
	    {"POST", "/api/sip/registrations", 0, 0, 201, NULL, "{}", 0, true},
	    {"GET", "/api/sip/registrations", 0, 0, 200, NULL,
	     "{\"next\": null, \"results\": []}"},
	    ROW_END};
	struct fake *f = fake_start_table(rows);
	struct api_client *c = client_for(f, 5, 4);
	struct diag_list d = {0};
	struct registration *regs = NULL;
	size_t n = 99;
	/* a read first: its listing serves as the snapshot */
	assert_int_equal(api_list_registrations(c, &regs, &n, &d), 0);
	assert_int_equal(n, 0);
	free(regs);
	struct api_write w = make_write(REQUEST_POST, "/api/sip/registrations",
					ALICE_BODY, "alice@pbx.example.com");
	assert_int_equal(api_execute(c, &w, 1, NULL, NULL, &d), -1);
	assert_int_equal(w.result, -1);
	assert_null(w.created_id);
	assert_int_equal(fake_count(f, "POST", "/api/sip/registrations"), 1);
	assert_int_equal(fake_count(f, "GET", "/api/sip/registrations"), 2);
	assert_int_equal(d.len, 1);
	assert_diag(&d, "POST /api/sip/registrations: outcome unknown (the "
			"connection was lost after the request was sent), and "
			"the registration is not listed (yet); " UNKNOWN_TAIL);
	assert_requests(f, (const char *const[]){REQ_PAGE1, REQ_PAGE1,
						 "POST /api/sip/registrations",
						 NULL});
	diag_list_clear(&d);
	api_write_release(&w);
	api_client_free(c);
	fake_stop(f);
}

/* The first POST is answered 504 by a gateway; the backend commits it
 * late (after the re-list: at the next POST, or after the run), or
 * never. */

static void script_gateway(struct fake *f, const struct fake_req *rq,
			   struct fake_reply *rp)
{
	if (strcmp(rq->method, "GET") == 0) {
		list_regs(f, rp);
		return;
	}
	if (f->apply_before_drop) { /* the late commit lands now */
		f->apply_before_drop = false;
		fake_add_reg(f, "late1", "alice", "PBX.example.com");
	}
	if (rq->n_same == 0) {
		rp->status = 504;
		snprintf(rp->body, sizeof(rp->body),
			 "{\"detail\": \"upstream timed out\"}");
		f->apply_before_drop = f->commit_late;
		return;
	}
	fake_add_reg(f, "new1", "alice", "PBX.example.com");
	rp->status = 201;
	snprintf(rp->body, sizeof(rp->body), "{\"registrationId\": \"new1\"}");
}

static void expect_gateway_post(bool late)
{
	struct fake *f = fake_start(script_gateway);
	f->commit_late = late; /* before any request */
	struct api_client *c = client_for(f, 5, 4);
	struct diag_list d = {0};
	struct api_write w = make_write(REQUEST_POST, "/api/sip/registrations",
					ALICE_BODY, "alice@pbx.example.com");
	assert_int_equal(api_execute(c, &w, 1, NULL, NULL, &d), -1);
	assert_int_equal(w.result, -1);
	assert_int_equal(w.status, 504);
	assert_int_equal(fake_count(f, "POST", "/api/sip/registrations"), 1);
	assert_int_equal(d.len, 1);
	assert_diag(&d, "POST /api/sip/registrations: 504: outcome unknown (a "
			"gateway answered 504), and the registration is not "
			"listed (yet); " UNKNOWN_TAIL);
	pthread_mutex_lock(&f->m);
	if (f->apply_before_drop) { /* commits after the run */
		f->apply_before_drop = false;
		fake_add_reg(f, "late1", "alice", "PBX.example.com");
	}
	/* one registration when it commits, none when it does not */
	assert_int_equal(f->n_regs, late ? 1 : 0);
	pthread_mutex_unlock(&f->m);
	diag_list_clear(&d);
	api_write_release(&w);
	api_client_free(c);
	fake_stop(f);
}

static void test_post_504_not_resent(void **state)
{
	(void)state;
	expect_gateway_post(true);
	expect_gateway_post(false);
}

static void test_post_timeout_after_send(void **state)
{
	(void)state;
	/* applied, but answered after the client gave up */
	static const struct fake_row rows[] = {
	    {"POST", "/api/sip/registrations", 0, 1, 201, NULL,
	     "{\"registrationId\": \"new1\"}", 800, false},
	    /* the snapshot before, the re-list after */
	    {"GET", "/api/sip/registrations", 0, 1, 200, NULL,
	     "{\"next\": null, \"results\": []}"},
	    {"GET", "/api/sip/registrations", 1, 0, 200, NULL, ALICE_LISTED},
	    ROW_END};
	struct fake *f = fake_start_table(rows);
	struct api_config cfg = {.base_url = f->base,
				 .api_key = KEY,
				 .timeout_ms = 300,
				 .retry_base_ms = 5};
	struct api_client *c = NULL;
	struct diag_list d = {0};
	assert_int_equal(api_client_new(&c, &cfg, &d), 0);
	struct api_write w = make_write(REQUEST_POST, "/api/sip/registrations",
					ALICE_BODY, "alice@pbx.example.com");
	assert_int_equal(api_execute(c, &w, 1, NULL, NULL, &d), 0);
	assert_int_equal(w.result, 1);
	assert_string_equal(w.created_id, "new1");
	assert_int_equal(fake_count(f, "POST", "/api/sip/registrations"), 1);
	api_write_release(&w);
	api_client_free(c);
	fake_stop(f);
}

static void test_lost_idempotent_writes(void **state)
{
	(void)state;
	/* each applies and then loses its first answer */
	static const struct fake_row rows[] = {
	    {"PATCH", "/api/sip", 0, 1, 200, NULL, "{}", 0, true},
	    {"PATCH", "/api/sip", 1, 0, 200, NULL, "{}"},
	    {"DELETE", "/api/sip/registrations/r1", 0, 1, 204, NULL, "", 0,
	     true},
	    {"DELETE", "/api/sip/registrations/r1", 1, 0, 404, NULL,
	     "{\"detail\": \"Not found.\"}"},
	    ROW_END};
	struct fake *f = fake_start_table(rows);
	struct api_client *c = client_for(f, 3, 2);
	struct diag_list d = {0};
	struct api_write w[2];
	w[0] = make_write(REQUEST_PATCH, "/api/sip",
			  "{\"allowAllAgents\": true}", NULL);
	w[1] =
	    make_write(REQUEST_DELETE, "/api/sip/registrations/r1", NULL, NULL);
	assert_int_equal(api_execute(c, w, 2, NULL, NULL, &d), 0);
	assert_int_equal(d.len, 0);
	/* PATCH is sent again; a DELETE that finds nothing is done */
	assert_int_equal(w[0].result, 1);
	assert_int_equal(w[0].status, 200);
	assert_int_equal(fake_count(f, "PATCH", "/api/sip"), 2);
	assert_int_equal(w[1].result, 1);
	assert_int_equal(w[1].status, 404);
	assert_int_equal(fake_count(f, "DELETE", "/api/sip/registrations/r1"),
			 2);
	api_write_release(&w[0]);
	api_write_release(&w[1]);
	api_client_free(c);
	fake_stop(f);
}

static void test_parallelism_bound(void **state)
{
	(void)state;
	static const struct fake_row rows[] = {
	    {"DELETE", NULL, 0, 0, 204, NULL, "", 100, false}, ROW_END};
	struct fake *f = fake_start_table(rows);
	struct api_client *c = client_for(f, 2, 4);
	struct diag_list d = {0};
	struct api_write w[16];
	for (int i = 0; i < 16; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/api/sip/registrations/r%d", i);
		w[i] = make_write(REQUEST_DELETE, path, NULL, NULL);
	}
	g_progress = 0;
	long long t0 = mono_ms();
	assert_int_equal(api_execute(c, w, 16, on_progress, NULL, &d), 0);
	long long took = mono_ms() - t0;
	assert_int_equal(g_progress, 16);
	assert_true(f->max_inflight <= 4);
	assert_true(f->max_inflight >= 2); /* really concurrent */
	assert_true(took >= 400);	   /* 16 x 100 ms / 4 */
	assert_true(took < 1600);
	for (int i = 0; i < 16; i++) {
		assert_int_equal(w[i].result, 1);
		assert_int_equal(w[i].status, 204);
		api_write_release(&w[i]);
	}
	assert_int_equal(api_client_stats(c)->by_method[REQUEST_DELETE], 16);
	api_client_free(c);
	fake_stop(f);
}

static void expect_write_error(enum request_method m, const char *path,
			       const char *body, int status,
			       const char *answer_body, const char *want,
			       const char *secret)
{
	const struct fake_row rows[] = {
	    {NULL, NULL, 0, 0, status, NULL, answer_body}, ROW_END};
	struct fake *f = fake_start_table(rows);
	struct api_client *c = client_for(f, 3, 2);
	struct diag_list d = {0};
	struct api_write w = make_write(m, path, body, NULL);
	assert_int_equal(api_execute(c, &w, 1, NULL, NULL, &d), -1);
	assert_int_equal(w.result, -1);
	assert_int_equal(w.status, status);
	assert_int_equal(d.len, 1);
	assert_diag(&d, want);
	char *s = first_diag(&d);
	if (secret && strstr(s, secret))
		fail_msg("secret leaked: %s", s);
	free(s);
	assert_int_equal(fake_count(f, request_method_name(m), path), 1);
	diag_list_clear(&d);
	api_write_release(&w);
	api_client_free(c);
	fake_stop(f);
}

static void test_drf_errors(void **state)
{
	(void)state;
	expect_write_error(
	    REQUEST_PATCH, "/api/sip", "{\"allowedAgents\": []}", 400,
	    "{\"allowedAgents\": [{}, {\"toUserPattern\": [\"Ensure this "
	    "field has no more than 200 characters.\"]}]}",
	    "PATCH /api/sip: 400: allowedAgents[1].toUserPattern: Ensure "
	    "this field has no more than 200 characters.",
	    NULL);
	expect_write_error(
	    REQUEST_PATCH, "/api/sip", "{}", 400,
	    "{\"non_field_errors\": [\"bad combo\"], "
	    "\"allowedCidrRanges\": {\"0\": [\"Enter a valid "
	    "IPv4 network.\"]}}",
	    "PATCH /api/sip: 400: bad combo; allowedCidrRanges[0]: "
	    "Enter a valid IPv4 network.",
	    NULL);
	expect_write_error(REQUEST_PATCH, "/api/sip/registrations/x", "{}", 404,
			   "{\"detail\": \"Not found.\"}",
			   "PATCH /api/sip/registrations/x: 404: Not found.",
			   NULL);
	expect_write_error(
	    REQUEST_PATCH, "/api/sip/registrations/x", "{}", 400,
	    "plain\ttext\nanswer",
	    "PATCH /api/sip/registrations/x: 400: plain?text?answer", NULL);
}

static void test_secrets_redacted(void **state)
{
	(void)state;
	/* a password echoed back by the server */
	expect_write_error(REQUEST_POST, "/api/sip/registrations",
			   "{\"username\": \"a\", \"proxy\": \"p\", "
			   "\"password\": \"hunter2-very-secret\"}",
			   400,
			   "{\"password\": [\"'hunter2-very-secret' is too "
			   "common.\"]}",
			   "POST /api/sip/registrations: 400: password: "
			   "'<redacted>' is too common.",
			   "hunter2-very-secret");
	/* fallback secrets, and the API key itself */
	expect_write_error(REQUEST_PATCH, "/api/sip",
			   "{\"fallbackHandler\": {\"url\": \"https://x\", "
			   "\"secrets\": [\"fb-secret-1\"]}}",
			   400,
			   "{\"detail\": \"fb-secret-1 rejected for " KEY "\"}",
			   "PATCH /api/sip: 400: <redacted> rejected for "
			   "<redacted>",
			   "fb-secret-1");
}

static void test_redact_add(void **state)
{
	(void)state;
	static const struct fake_row bad[] = {
	    {NULL, NULL, 0, 0, 400, NULL,
	     "{\"detail\": \"value other-secret is bad\"}"},
	    ROW_END};
	static const struct fake_row inner[] = {
	    {NULL, NULL, 0, 0, 400, NULL,
	     "{\"detail\": \"abcdef and abc, red\"}"},
	    ROW_END};
	struct fake *f = fake_start_table(bad);
	struct api_client *c = client_for(f, 1, 1);
	struct diag_list d = {0};
	assert_int_equal(api_redact_add(c, "other-secret"), 0);
	assert_int_equal(api_redact_add(c, ""), 0);
	assert_int_equal(api_agent_exists(c, "a1", &d), -1);
	assert_diag(&d, "GET /api/agents/a1: 400: value <redacted> is bad");
	diag_list_clear(&d);
	/* a secret inside another, and secrets inside "<redacted>" itself */
	fake_serve(f, inner);
	assert_int_equal(api_redact_add(c, "abc"), 0);
	assert_int_equal(api_redact_add(c, "abcdef"), 0);
	assert_int_equal(api_redact_add(c, "red"), 0);
	assert_int_equal(api_redact_add(c, "d"), 0);
	assert_int_equal(api_agent_exists(c, "a1", &d), -1);
	char *s = first_diag(&d);
	assert_null(strstr(s, "def"));
	assert_non_null(
	    strstr(s, ": 400: <redacted> an<redacted> <redacted>, <redacted>"));
	free(s);
	diag_list_clear(&d);
	api_client_free(c);
	fake_stop(f);
}

static void test_agents_exist(void **state)
{
	(void)state;
	static const struct fake_row rows[] = {
	    {"GET", "/api/agents/good", 0, 0, 200, NULL,
	     "{\"agentId\": \"good\"}"},
	    {"GET", "/api/agents/gone", 0, 0, 404, NULL, "{}"},
	    {NULL, NULL, 0, 0, 500, NULL, "{}"},
	    ROW_END};
	struct fake *f = fake_start_table(rows);
	struct api_client *c = client_for(f, 2, 4);
	struct diag_list d = {0};
	assert_int_equal(api_agent_exists(c, "good", &d), 1);
	assert_int_equal(api_agent_exists(c, "gone", &d), 0);
	assert_int_equal(d.len, 0);
	const char *ids[] = {"good", "gone", "bad"};
	int ex[3];
	assert_int_equal(api_agents_exist(c, ids, 3, ex, &d), -1);
	assert_int_equal(ex[0], 1);
	assert_int_equal(ex[1], 0);
	assert_int_equal(ex[2], -1);
	assert_int_equal(d.len, 1);
	assert_diag(&d, "GET /api/agents/bad: 500:");
	diag_list_clear(&d);
	api_client_free(c);
	fake_stop(f);
}

static char g_log_text[8][160];
static int g_log_n;

static void on_log(void *ctx, const struct api_event *ev)
{
	(void)ctx;
	if (g_log_n < 8)
		snprintf(g_log_text[g_log_n++], 160, "%s", ev->text);
}

static void test_log_hook(void **state)
{
	(void)state;
	struct fake *f = fake_start_table(NULL);
	struct faults ft;
	struct api_client *c = client_for(f, 3, 1);
	struct diag_list d = {0};
	struct live_state *ls = NULL;
	fake_serve(f, faults(&ft, "/api/sip", 1, 503, "0", NULL));
	g_log_n = 0;
	api_client_set_log(c, on_log, NULL);
	assert_int_equal(api_read_live(c, &ls, &d), 0);
	assert_int_equal(g_log_n, 3);
	bool retry_seen = false, ok_seen = false;
	for (int i = 0; i < g_log_n; i++) {
		retry_seen |=
		    strstr(g_log_text[i], "GET /api/sip \u2192 503 in ") &&
		    strstr(g_log_text[i], "retry 2/3 in");
		ok_seen |= strstr(g_log_text[i],
				  "GET /api/sip \u2192 200 in ") != NULL;
		assert_null(strstr(g_log_text[i], KEY));
	}
	assert_true(retry_seen);
	assert_true(ok_seen);
	model_live_free(ls);
	api_client_free(c);
	fake_stop(f);
}

/* A relative `next` is resolved against the URL of the page that named
 * it (same origin), not refused. */
static void test_next_relative(void **state)
{
	(void)state;
	static const struct fake_row rows[] = {
	    ROW_SIP_OK,
	    {"GET", "/api/sip/registrations", 0, 1, 200, NULL,
	     "{\"results\": [{\"registrationId\": \"r1\", "
	     "\"username\": \"a\", \"proxy\": \"p\"}], "
	     "\"next\": \"registrations?cursor=two\"}"},
	    {"GET", "/api/sip/registrations", 1, 1, 200, NULL,
	     "{\"results\": [{\"registrationId\": \"r2\", "
	     "\"username\": \"b\", \"proxy\": \"p\"}], "
	     "\"next\": null}"},
	    ROW_END};
	struct fake *f = fake_start_table(rows);
	struct api_client *c = client_for(f, 1, 2);
	struct live_state *ls = NULL;
	struct diag_list d = {0};
	if (api_read_live(c, &ls, &d) != 0)
		fail_msg("%s", first_diag(&d));
	assert_int_equal(ls->n_regs, 2);
	assert_string_equal(ls->regs[1].id, "r2");
	assert_int_equal(fake_count(f, "GET", "/api/sip/registrations"), 2);
	assert_requests(f, (const char *const[]){
			       REQ_SIP, REQ_PAGE1,
			       "GET /api/sip/registrations?cursor=two", NULL});
	model_live_free(ls);
	api_client_free(c);
	fake_stop(f);
}

/* A base URL with a path of its own: requests go below it, and messages
 * name the path really requested. */
static void test_base_url_path(void **state)
{
	(void)state;
	static const struct fake_row rows[] = {
	    {NULL, NULL, 0, 0, 404, NULL, "{\"detail\": \"Not found.\"}"},
	    ROW_END};
	struct fake *f = fake_start_table(rows);
	char base[96];
	snprintf(base, sizeof(base), "%s/prefix/", f->base);
	struct api_config cfg = {
	    .base_url = base, .api_key = KEY, .max_attempts = 1};
	struct api_client *c = NULL;
	struct diag_list d = {0};
	struct live_state *ls = NULL;
	assert_int_equal(api_client_new(&c, &cfg, &d), 0);
	assert_int_equal(api_read_live(c, &ls, &d), -1);
	bool sip = false, regs = false;
	for (size_t i = 0; i < d.len; i++) {
		char *line = diag_format(&d.items[i]);
		assert_non_null(line);
		sip |= strstr(line, "GET /prefix/api/sip: 404") != NULL;
		regs |=
		    strstr(line, "GET /prefix/api/sip/registrations: 404") !=
		    NULL;
		free(line);
	}
	assert_true(sip || regs);
	assert_int_equal(
	    fake_count(f, "GET", "/prefix/api/sip") +
		fake_count(f, "GET", "/prefix/api/sip/registrations"),
	    2);
	diag_list_clear(&d);
	api_client_free(c);
	fake_stop(f);
}

/* ---- the key in clear text ---- */

static void test_insecure_http(void **state)
{
	(void)state;
	struct diag_list d = {0};
	const char *ok[] = {"http://127.0.0.1:8080", "http://127.9.8.7/api",
			    "http://[::1]:9000",     "http://localhost:1",
			    "http://LOCALHOST",	     "https://api.example.com"};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (api_check_url(ok[i], false, &d) != 0)
			fail_msg("%s refused: %s", ok[i], first_diag(&d));
	const char *bad[] = {"http://api.example.com", "http://10.0.0.1:80",
			     "http://[::2]", "HTTP://proxy.example/x",
			     "http://localhost.evil.example"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(api_check_url(bad[i], false, &d), -1);
		assert_diag(&d, "--allow-insecure-http");
		assert_diag(&d, "in clear text to ");
		diag_list_clear(&d);
		assert_int_equal(api_check_url(bad[i], true, &d), 0);
	}
	/* the client refuses it as well, naming the host */
	struct api_config cfg = {.base_url = "http://api.example.com",
				 .api_key = KEY};
	struct api_client *c = NULL;
	assert_int_equal(api_client_new(&c, &cfg, &d), -1);
	assert_null(c);
	assert_diag(&d, "to api.example.com over http://");
	diag_list_clear(&d);
	cfg.allow_insecure_http = true;
	assert_int_equal(api_client_new(&c, &cfg, &d), 0);
	api_client_free(c);
}

/* ---- stop requests and the deadline ---- */

/* A loopback port that takes connections (the kernel's backlog) and never
 * answers: a black-holed API. */
static int blackhole_open(char *base, size_t n)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 64), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	snprintf(base, n, "http://127.0.0.1:%d", ntohs(sa.sin_port));
	return fd;
}

struct later_write {
	int fd;
	int delay_ms;
};

static void *write_later(void *arg)
{
	struct later_write *w = arg;
	usleep((useconds_t)w->delay_ms * 1000);
	ssize_t n = write(w->fd, "t", 1);
	(void)n;
	return NULL;
}

static struct api_client *slow_client(const char *base, long deadline_ms)
{
	struct api_config cfg = {.base_url = base,
				 .api_key = KEY,
				 .timeout_ms = 30000,
				 .retry_base_ms = 5,
				 .parallelism = 1,
				 .deadline_ms = deadline_ms};
	struct api_client *c = NULL;
	struct diag_list d = {0};
	assert_int_equal(api_client_new(&c, &cfg, &d), 0);
	return c;
}

/* A stop request aborts a request in flight at once (the per-request
 * timeout is 30 s here; the bound below only keeps a broken build from
 * hanging). */
static void test_cancel_in_flight(void **state)
{
	(void)state;
	char base[64];
	int hole = blackhole_open(base, sizeof(base)), pfd[2];
	assert_int_equal(pipe(pfd), 0);
	struct api_client *c = slow_client(base, 0);
	struct later_write lw = {pfd[1], 200};
	pthread_t t;
	struct live_state *ls = NULL;
	struct diag_list d = {0};
	api_client_set_cancel_fd(c, pfd[0]);
	assert_int_equal(pthread_create(&t, NULL, write_later, &lw), 0);
	long long t0 = mono_ms();
	assert_int_equal(api_read_live(c, &ls, &d), -1);
	assert_true(mono_ms() - t0 < 20000);
	pthread_join(t, NULL);
	assert_diag(&d, "interrupted by a stop request while waiting for the "
			"answer");
	assert_int_equal(api_client_stats(c)->retries, 0);
	/* and nothing starts afterwards */
	diag_list_clear(&d);
	assert_int_equal(api_agent_exists(c, "a1", &d), -1);
	assert_diag(&d, "GET /api/agents/a1: not sent: interrupted by a stop");
	diag_list_clear(&d);
	api_client_free(c);
	close(pfd[0]);
	close(pfd[1]);
	close(hole);
}

/* A stop request while a retry waits (Retry-After: 30) ends the wait, and
 * the retry is never sent. */
static void test_cancel_during_backoff(void **state)
{
	(void)state;
	struct fake *f = fake_start_table(NULL);
	struct faults ft;
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	struct api_config cfg = {.base_url = f->base,
				 .api_key = KEY,
				 .max_retry_ms = 120000,
				 .parallelism = 1};
	struct api_client *c = NULL;
	struct diag_list d = {0};
	struct live_state *ls = NULL;
	struct later_write lw = {pfd[1], 300};
	pthread_t t;
	fake_serve(f, faults(&ft, "/api/sip", 5, 503, "30", NULL));
	assert_int_equal(api_client_new(&c, &cfg, &d), 0);
	api_client_set_cancel_fd(c, pfd[0]);
	assert_int_equal(pthread_create(&t, NULL, write_later, &lw), 0);
	long long t0 = mono_ms();
	assert_int_equal(api_read_live(c, &ls, &d), -1);
	assert_true(mono_ms() - t0 < 20000);
	pthread_join(t, NULL);
	assert_diag(&d, "GET /api/sip: interrupted by a stop request before "
			"retry 2 of 5 (the last attempt was answered 503)");
	assert_int_equal(fake_count(f, "GET", "/api/sip"), 1);
	diag_list_clear(&d);
	api_client_free(c);
	fake_stop(f);
	close(pfd[0]);
	close(pfd[1]);
}

/* Writes: the one in flight is reported as outcome unknown, the ones not
 * started are not sent (result 0) and counted in one message. */
static void test_cancel_writes(void **state)
{
	(void)state;
	char base[64];
	int hole = blackhole_open(base, sizeof(base)), pfd[2];
	assert_int_equal(pipe(pfd), 0);
	struct api_client *c = slow_client(base, 0);
	struct later_write lw = {pfd[1], 200};
	pthread_t t;
	struct diag_list d = {0};
	struct api_write w[3] = {
	    {.method = REQUEST_PATCH,
	     .path = strdup("/api/sip"),
	     .body = strdup("{}")},
	    {.method = REQUEST_DELETE,
	     .path = strdup("/api/sip/registrations/r1")},
	    {.method = REQUEST_DELETE,
	     .path = strdup("/api/sip/registrations/r2")},
	};
	api_client_set_cancel_fd(c, pfd[0]);
	assert_int_equal(pthread_create(&t, NULL, write_later, &lw), 0);
	assert_int_equal(api_execute(c, w, 3, NULL, NULL, &d), -1);
	pthread_join(t, NULL);
	assert_int_equal(w[0].result, -1);
	assert_int_equal(w[1].result, 0);
	assert_int_equal(w[2].result, 0);
	assert_int_equal(d.len, 2);
	assert_diag(&d, "PATCH /api/sip: outcome unknown: interrupted by a "
			"stop request while the request was in flight");
	char *s = diag_format(&d.items[1]);
	assert_non_null(s);
	assert_non_null(strstr(s, "2 of 3 writes not sent: interrupted by a "
				  "stop request"));
	free(s);
	for (int i = 0; i < 3; i++)
		api_write_release(&w[i]);
	diag_list_clear(&d);
	api_client_free(c);
	close(pfd[0]);
	close(pfd[1]);
	close(hole);
}

static int g_notices;
static char g_notice[600];

static void on_notice(void *ctx, const char *line)
{
	(void)ctx;
	g_notices++;
	snprintf(g_notice, sizeof(g_notice), "%s", line);
}

/* One deadline for everything the client does, however many attempts
 * remain; a progress line while it waits. */
static void test_deadline_and_notice(void **state)
{
	(void)state;
	char base[64];
	int hole = blackhole_open(base, sizeof(base));
	struct api_client *c = slow_client(base, 700);
	struct live_state *ls = NULL;
	struct diag_list d = {0};
	g_notices = 0;
	api_client_set_wait_notice(c, 100, on_notice, NULL);
	long long t0 = mono_ms();
	assert_int_equal(api_read_live(c, &ls, &d), -1);
	assert_true(mono_ms() - t0 < 20000);
	assert_diag(&d, "GET /api/sip: the command's deadline passed "
			"(--timeout 700ms) while waiting for the answer");
	assert_true(g_notices >= 1);
	if (!strstr(g_notice, "still waiting for GET /api/sip"))
		fail_msg("notice: %s", g_notice);
	assert_non_null(strstr(g_notice, "s elapsed"));
	diag_list_clear(&d);
	api_client_free(c);
	close(hole);
}

static void test_tls_verified(void **state)
{
	(void)state;
	static const struct fake_row rows[] = {
	    {NULL, NULL, 0, 0, 200, NULL, "{\"agentId\": \"a1\"}"}, ROW_END};
	struct fake *f = fake_start_opt(script_table, true);
	fake_serve(f, rows);
	struct api_config cfg = {.base_url = f->base,
				 .api_key = KEY,
				 .max_attempts = 3,
				 .retry_base_ms = 5};
	struct api_client *c = NULL;
	struct diag_list d = {0};
	char ca[512];

	/* a self-signed server is refused without its CA, and not retried */
	assert_int_equal(api_client_new(&c, &cfg, &d), 0);
	assert_int_equal(api_agent_exists(c, "a1", &d), -1);
	assert_diag(&d, "GET /api/agents/a1: request failed: ");
	assert_diag(&d, "certificate");
	assert_int_equal(api_client_stats(c)->requests, 1);
	assert_int_equal(fake_count(f, "GET", "/api/agents/a1"), 0);
	api_client_free(c);
	diag_list_clear(&d);

	/* with --ca-cert it is trusted */
	pthread_mutex_lock(&f->m);
	f->connections = 0;
	pthread_mutex_unlock(&f->m);
	snprintf(ca, sizeof(ca), "%s/api_tls/cert.pem", FIXTURES_DIR);
	cfg.ca_cert = ca;
	assert_int_equal(api_client_new(&c, &cfg, &d), 0);
	assert_int_equal(api_agent_exists(c, "a1", &d), 1);
	assert_int_equal(api_agent_exists(c, "a1", &d), 1);
	assert_int_equal(d.len, 0);
	assert_int_equal(f->connections, 1); /* the TLS session is reused */
	api_client_free(c);
	fake_stop(f);
}

static void test_bad_config(void **state)
{
	(void)state;
	struct api_client *c = NULL;
	struct diag_list d = {0};
	struct api_config cfg = {.base_url = "ftp://x", .api_key = KEY};
	assert_int_equal(api_client_new(&c, &cfg, &d), -1);
	assert_null(c);
	assert_diag(&d, "invalid API URL");
	diag_list_clear(&d);
	/* a token in the URL's userinfo is not shown */
	const char *urls[][2] = {
	    {"ftp://alice:tok-SECRET1@x.example/api",
	     "\"ftp://***@x.example/api\""},
	    {"alice:tok-SECRET2@x.example", "\"***@x.example\""},
	    {"gopher://bob:p/w?tok-SECRET3#@h:1", "\"gopher://***@h:1\""},
	};
	for (size_t i = 0; i < 3; i++) {
		cfg.base_url = urls[i][0];
		assert_int_equal(api_client_new(&c, &cfg, &d), -1);
		assert_diag(&d, urls[i][1]);
		char *s = first_diag(&d);
		assert_null(strstr(s, "tok-SECRET"));
		assert_null(strstr(s, "alice"));
		free(s);
		diag_list_clear(&d);
	}
	cfg.base_url = "https://api.ultravox.ai";
	cfg.api_key = "a\r\nX-Evil: 1";
	assert_int_equal(api_client_new(&c, &cfg, &d), -1);
	assert_diag(&d, "malformed");
	diag_list_clear(&d);
	cfg.api_key = NULL;
	assert_int_equal(api_client_new(&c, &cfg, &d), -1);
	assert_diag(&d, "ULTRAVOX_API_KEY");
	diag_list_clear(&d);
}

static void test_redirect_not_followed(void **state)
{
	(void)state;
	static const struct fake_row rows[] = {
	    {NULL, NULL, 0, 0, 301,
	     "Location: http://elsewhere.example/api/sip", "{}"},
	    ROW_END};
	struct fake *f = fake_start_table(rows);
	struct api_client *c = client_for(f, 3, 2);
	struct live_state *ls = NULL;
	struct diag_list d = {0};
	assert_int_equal(api_read_live(c, &ls, &d), -1);
	assert_diag(&d, "GET /api/sip: 301: redirected to "
			"http://elsewhere.example/api/sip, not followed");
	assert_int_equal(api_client_stats(c)->requests, 2); /* sip + page */
	diag_list_clear(&d);
	api_client_free(c);
	fake_stop(f);
}

static void test_parse_error_render(void **state)
{
	(void)state;
	const char *b =
	    "{\"a\": {\"b\": [\"x\", \"y\"]}, \"c\": [{\"d\": [\"z\"]}]}";
	bool cut = true;
	char *s = api_parse_error(b, strlen(b), &cut);
	assert_string_equal(s, "a.b: x; a.b: y; c[0].d: z");
	assert_false(cut);
	free(s);
	assert_null(api_parse_error("nope", 4, NULL));
	s = api_parse_error("{\"detail\": \"Not found.\", \"code\": 1}", 35,
			    NULL);
	assert_string_equal(s, "Not found.");
	free(s);
}

/* A secret the cut for display would split: redaction comes first. */

/* POSTs a password pw (len bytes) and gets 400 with `body`; the diag must
 * hold no 8-byte part of pw. Returns the diag (free it). */
static char *post_with_answer(const char *pw, const char *body)
{
	const struct fake_row rows[] = {{NULL, NULL, 0, 0, 400, NULL, body},
					ROW_END};
	struct fake *f = fake_start_table(rows);
	struct api_client *c = client_for(f, 1, 1);
	struct diag_list d = {0};
	size_t n = strlen(pw) + 64;
	char *req = malloc(n);
	assert_non_null(req);
	snprintf(req, n, "{\"username\": \"a\", \"password\": \"%s\"}", pw);
	struct api_write w =
	    make_write(REQUEST_POST, "/api/sip/registrations", req, NULL);
	assert_int_equal(api_execute(c, &w, 1, NULL, NULL, &d), -1);
	char *s = first_diag(&d);
	for (size_t i = 0; i + 8 <= strlen(pw); i++) {
		char part[9];
		memcpy(part, pw + i, 8);
		part[8] = '\0';
		if (strstr(s, part))
			fail_msg("part of the secret leaked at %zu: %s", i, s);
	}
	free(req);
	diag_list_clear(&d);
	api_write_release(&w);
	api_client_free(c);
	fake_stop(f);
	return s;
}

static void test_secret_not_split_by_cut(void **state)
{
	(void)state;
	const char *pw = "Zq7-pw-straddles-the-cut-9";
	char body[2048];
	int off = snprintf(body, sizeof(body), "{\"password\": [\"");
	memset(body + off, 'x', 970);
	snprintf(body + off + 970, sizeof(body) - (size_t)off - 970, "%s\"]}",
		 pw);
	char *s = post_with_answer(pw, body);
	assert_non_null(strstr(s, "xxx<redacted>"));
	free(s);

	/* a long password repeated past the renderer's own limit: the
	 * rendering ends inside a copy, which must not show either */
	char long_pw[701];
	for (int i = 0; i < 700; i++)
		long_pw[i] = (char)('a' + (i * 7) % 26);
	long_pw[700] = '\0';
	size_t cap = 100000;
	char *big = malloc(cap);
	assert_non_null(big);
	size_t len = (size_t)snprintf(big, cap, "{\"password\": [\"");
	while (len < API_PARSE_ERROR_MAX + 2000) {
		memcpy(big + len, long_pw, 700);
		len += 700;
	}
	snprintf(big + len, cap - len, "\"]}");
	s = post_with_answer(long_pw, big);
	assert_non_null(strstr(s, "password: <redacted><redacted>"));
	assert_non_null(strstr(s, "..."));
	free(s);
	free(big);
}

/* Creates go over the kept-alive connection of the listing before them
 * (one connection for everything), and the stats say so. */
static void test_creates_reuse_connection(void **state)
{
	(void)state;
	struct fake *f = fake_start(script_regs);
	struct api_client *c = client_for(f, 2, 1);
	struct diag_list d = {0};
	struct api_write w[6];
	for (int i = 0; i < 6; i++) {
		char body[128], key[64];
		snprintf(
		    body, sizeof(body),
		    "{\"username\": \"u%d\", \"proxy\": \"pbx.example.com\"}",
		    i);
		snprintf(key, sizeof(key), "u%d@pbx.example.com", i);
		w[i] = make_write(REQUEST_POST, "/api/sip/registrations", body,
				  key);
	}
	assert_int_equal(api_execute(c, w, 6, NULL, NULL, &d), 0);
	assert_int_equal(d.len, 0);
	assert_int_equal(fake_count(f, "POST", "/api/sip/registrations"), 6);
	assert_int_equal(f->connections, 1);
	struct api_stats st;
	api_client_stats_get(c, &st);
	assert_int_equal(st.requests, 7); /* the listing, six creates */
	assert_int_equal(st.connections, 1);
	assert_int_equal(st.reused, 6);
	for (int i = 0; i < 6; i++)
		api_write_release(&w[i]);
	api_client_free(c);
	fake_stop(f);
}

/* The token bucket on an injected clock: a burst of 50 ms worth, then one
 * request per 1/rate. */
static void test_pace_bucket(void **state)
{
	(void)state;
	struct api_pace p;
	long wait = -1;
	api_pace_init(&p, 0, 1000);
	assert_true(p.max_rate == API_PACE_DEFAULT_RPS);
	int burst = 0;
	while (api_pace_take(&p, 1000, &wait))
		burst++;
	assert_int_equal(burst, 9); /* 190 / 20 = 9.5 tokens */
	assert_int_equal(wait, 3);  /* half a token at 190/s: 2.6 ms */
	assert_false(api_pace_take(&p, 1002, &wait));
	assert_true(api_pace_take(&p, 1003, &wait));
	/* a second at the rate: 190 more, never more than the depth at once */
	int n = 0;
	for (long long t = 1004; t <= 2003; t++)
		while (api_pace_take(&p, t, &wait))
			n++;
	assert_true(n >= 189 && n <= 190);
	api_pace_init(&p, 0.5, 0); /* below the floor: 1/s */
	assert_true(p.max_rate == API_PACE_MIN_RPS);
}

/* AIMD: a 429 halves the rate once per round trip, answers grow it back
 * by API_PACE_GROW_RPS per second up to the ceiling. */
static void test_pace_aimd(void **state)
{
	(void)state;
	struct api_pace p;
	long wait;
	api_pace_init(&p, 100, 0);
	api_pace_answered(&p, 0, 40); /* rtt 40 ms */
	assert_true(api_pace_throttled(&p, 10));
	assert_true(p.rate == 50);
	assert_false(api_pace_take(&p, 10, &wait)); /* bucket emptied */
	assert_false(api_pace_throttled(&p, 30));   /* same burst: once */
	assert_true(p.rate == 50);
	assert_true(api_pace_throttled(&p, 60)); /* a round trip later */
	assert_true(p.rate == 25);
	api_pace_answered(&p, 1060, -1); /* one second: +10 */
	assert_true(p.rate == 25 + API_PACE_GROW_RPS);
	api_pace_answered(&p, 60000, -1);
	assert_true(p.rate == 100); /* capped at --max-rps */
	for (int i = 0; i < 20; i++)
		api_pace_throttled(&p, 100000 + i * 1000LL);
	assert_true(p.rate == API_PACE_MIN_RPS);
}

/* In flight: rate x round trip (a quarter more, plus one), capped by
 * --parallelism and 64; 8 before any round trip is known. */
static void test_pace_window(void **state)
{
	(void)state;
	struct api_pace p;
	api_pace_init(&p, 190, 0);
	assert_int_equal(api_pace_window(&p, 64), API_PACE_FIRST_WINDOW);
	assert_int_equal(api_pace_window(&p, 4), 4);
	api_pace_answered(&p, 0, 50);
	assert_int_equal(api_pace_window(&p, 64), 13); /* 9.5 x 1.25 + 1 */
	assert_int_equal(api_pace_window(&p, 0), 13);
	assert_int_equal(api_pace_window(&p, 5), 5);
	api_pace_answered(&p, 0, 400); /* smoothed: 50 x 7/8 + 400 / 8 */
	assert_true(p.rtt_ms > 93.7 && p.rtt_ms < 93.8);
	api_pace_init(&p, 10000, 0);
	api_pace_answered(&p, 0, 1000);
	assert_int_equal(api_pace_window(&p, 0), API_PACE_MAX_WINDOW);
	api_pace_init(&p, 1, 0);
	api_pace_answered(&p, 0, 1);
	assert_int_equal(api_pace_window(&p, 64), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_read_live_pages),
	    cmocka_unit_test(test_read_set_side_by_side),
	    cmocka_unit_test(test_list_agents_pages),
	    cmocka_unit_test(test_request_details),
	    cmocka_unit_test(test_wrong_shape),
	    cmocka_unit_test(test_unusable_registration_id),
	    cmocka_unit_test(test_username_optional),
	    cmocka_unit_test(test_overlapping_pages),
	    cmocka_unit_test(test_next_refused),
	    cmocka_unit_test(test_next_relative),
	    cmocka_unit_test(test_base_url_path),
	    cmocka_unit_test(test_insecure_http),
	    cmocka_unit_test(test_cancel_in_flight),
	    cmocka_unit_test(test_cancel_during_backoff),
	    cmocka_unit_test(test_cancel_writes),
	    cmocka_unit_test(test_deadline_and_notice),
	    cmocka_unit_test(test_429_retry_after),
	    cmocka_unit_test(test_retry_after_beyond_backoff_cap),
	    cmocka_unit_test(test_503_burst),
	    cmocka_unit_test(test_500_not_retried),
	    cmocka_unit_test(test_max_attempts),
	    cmocka_unit_test(test_retry_budget),
	    cmocka_unit_test(test_auth_failure),
	    cmocka_unit_test(test_auth_failure_key_source),
	    cmocka_unit_test(test_connection_refused),
	    cmocka_unit_test(test_lost_post_not_duplicated),
	    cmocka_unit_test(test_lost_post_not_listed_not_resent),
	    cmocka_unit_test(test_post_504_not_resent),
	    cmocka_unit_test(test_post_timeout_after_send),
	    cmocka_unit_test(test_lost_idempotent_writes),
	    cmocka_unit_test(test_parallelism_bound),
	    cmocka_unit_test(test_drf_errors),
	    cmocka_unit_test(test_secrets_redacted),
	    cmocka_unit_test(test_redact_add),
	    cmocka_unit_test(test_agents_exist),
	    cmocka_unit_test(test_log_hook),
	    cmocka_unit_test(test_tls_verified),
	    cmocka_unit_test(test_bad_config),
	    cmocka_unit_test(test_redirect_not_followed),
	    cmocka_unit_test(test_parse_error_render),
	    cmocka_unit_test(test_secret_not_split_by_cut),
	    cmocka_unit_test(test_creates_reuse_connection),
	    cmocka_unit_test(test_pace_bucket),
	    cmocka_unit_test(test_pace_aimd),
	    cmocka_unit_test(test_pace_window),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
