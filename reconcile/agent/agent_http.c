#include "reconcile/agent/agent_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "reconcile/base/buf.h"
#include "reconcile/base/crypto.h"
#include "reconcile/base/str.h"
#include "reconcile/base/netaddr.h"

#define HOOK_MAX_BODY (1024 * 1024)
/* Slow clients (a byte every few seconds) never trip an inactivity
 * timeout, so the endpoint holds: a cap on connections in all and per
 * client address (slots left for the health probes), an inactivity
 * timeout, a bound on the memory of one request head, and a deadline for
 * each whole request (head and body) enforced by a watchdog thread. */
#define HTTP_MAX_CONNECTIONS 64u
#define HTTP_MAX_PER_IP 8u
#define HTTP_IDLE_TIMEOUT_S 10u
#define HTTP_CONN_MEMORY (32u * 1024)
#define HTTP_REQUEST_DEADLINE_MS 10000L
#define HTTP_WATCHDOG_TICK_MS 100L

/* A connection the watchdog looks after: from its start (or the end of its
 * last request) to the end of the next request. */
struct conn_track {
	int fd;
	long start_ms;
	bool cut;
	struct conn_track *prev, *next;
};

struct agent_http {
	struct MHD_Daemon *daemon;
	int port;
	agent_http_snapshot_fn snapshot;
	agent_http_snapshots_fn snapshots;
	agent_http_hook_fn hook;
	void *ctx;
	pthread_mutex_t lock; /* guards secret */
	char *secret;

	long deadline_ms;
	pthread_mutex_t conns_lock; /* guards conns, stopping */
	pthread_cond_t wake;
	struct conn_track *conns;
	bool stopping, watchdog_started;
	pthread_t watchdog;
};

/* Per-request state for POST bodies. */
struct request {
	struct buf body; /* the webhook's body, at most HOOK_MAX_BODY */
	bool too_large;
};

static const char *method_label[4] = {"GET", "POST", "PATCH", "DELETE"};

/* Every sample line of text with the label account="NAME" (account
 * names are [a-z0-9-]+: nothing to escape). */
static int label_account(const char *text, const char *account, char **out)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *fp = open_memstream(&buf, &size);
	if (!fp)
		return -1;
	for (const char *line = text; *line;) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) + 1 : strlen(line);
		size_t name = strcspn(line, "{ \n");
		if (line[0] == '#' || name >= n || line[name] == '\n')
			fwrite(line, 1, n, fp);
		else if (line[name] == '{')
			fprintf(fp, "%.*saccount=\"%s\",%.*s", (int)name + 1,
				line, account, (int)(n - name - 1),
				line + name + 1);
		else
			fprintf(fp, "%.*s{account=\"%s\"}%.*s", (int)name, line,
				account, (int)(n - name), line + name);
		line += n;
	}
	if (fclose(fp) != 0) {
		free(buf);
		return -1;
	}
	*out = buf;
	return 0;
}

static int metrics_plain(const struct agent_metrics *m, char **out);

int agent_http_metrics_text(const struct agent_metrics *m, char **out)
{
	char *plain = NULL;
	if (metrics_plain(m, &plain) != 0)
		return -1;
	if (!m->account[0]) {
		*out = plain;
		return 0;
	}
	int rc = label_account(plain, m->account, out);
	free(plain);
	return rc;
}

/* The end of the family block starting at s: the next "# HELP" line or
 * the end of the text. */
static const char *family_end(const char *s)
{
	const char *p = s;
	while ((p = strchr(p, '\n'))) {
		p++;
		if (!strncmp(p, "# HELP ", 7))
			return p;
	}
	return s + strlen(s);
}

/* texts[0]'s family blocks in order, each followed by the sample lines of
 * the same block of every other text (all rendered by metrics_plain, so
 * their families line up). */
static int merge_families(char **texts, size_t n, FILE *fp)
{
	const char **at = calloc(n, sizeof(*at));
	if (!at)
		return -1;
	for (size_t i = 0; i < n; i++)
		at[i] = texts[i];
	while (*at[0]) {
		for (size_t i = 0; i < n; i++) {
			const char *end = family_end(at[i]);
			for (const char *l = at[i]; l < end;) {
				const char *nl = memchr(l, '\n', end - l);
				size_t len = nl ? (size_t)(nl - l) + 1
						: (size_t)(end - l);
				if (i == 0 || l[0] != '#')
					fwrite(l, 1, len, fp);
				l += len;
			}
			at[i] = end;
		}
	}
	free(at);
	return 0;
}

int agent_http_metrics_text_n(const struct agent_metrics *m, size_t n,
			      char **out)
{
	char **texts = calloc(n ? n : 1, sizeof(*texts));
	char *buf = NULL;
	size_t size = 0, done = 0;
	int rc = -1;
	if (!texts)
		return -1;
	if (n == 1) {
		free(texts);
		return agent_http_metrics_text(m, out);
	}
	while (done < n && agent_http_metrics_text(&m[done], &texts[done]) == 0)
		done++;
	FILE *fp = done == n ? open_memstream(&buf, &size) : NULL;
	if (fp) {
		rc = n ? merge_families(texts, n, fp) : 0;
		if (fclose(fp) != 0)
			rc = -1;
	}
	for (size_t i = 0; i < done; i++)
		free(texts[i]);
	free(texts);
	if (rc != 0) {
		free(buf);
		return -1;
	}
	*out = buf;
	return 0;
}

static int metrics_plain(const struct agent_metrics *m, char **out)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *fp = open_memstream(&buf, &size);
	if (!fp)
		return -1;
	fprintf(fp,
		"# HELP sipsync_up The agent is running.\n"
		"# TYPE sipsync_up gauge\nsipsync_up 1\n"
		"# HELP sipsync_ready Last fetch and reconcile succeeded.\n"
		"# TYPE sipsync_ready gauge\nsipsync_ready %d\n",
		m->ready ? 1 : 0);
	fprintf(fp,
		"# HELP sipsync_last_reconcile_timestamp_seconds End of the "
		"last reconcile (unix time).\n"
		"# TYPE sipsync_last_reconcile_timestamp_seconds gauge\n"
		"sipsync_last_reconcile_timestamp_seconds %.3f\n"
		"# HELP sipsync_last_reconcile_success 1 when the last "
		"reconcile succeeded.\n"
		"# TYPE sipsync_last_reconcile_success gauge\n"
		"sipsync_last_reconcile_success %d\n"
		"# HELP sipsync_drift 1 when the live account differed from "
		"the desired state at the last plan.\n"
		"# TYPE sipsync_drift gauge\nsipsync_drift %d\n",
		m->reconciled ? m->last_reconcile_ts : 0.0,
		m->last_success ? 1 : 0, m->drift ? 1 : 0);
	fprintf(fp, "# HELP sipsync_applied_commit_info Commit the live "
		    "account is known to match.\n"
		    "# TYPE sipsync_applied_commit_info gauge\n");
	if (m->commit[0])
		fprintf(fp, "sipsync_applied_commit_info{commit=\"%s\"} 1\n",
			m->commit);
	fprintf(fp, "# HELP sipsync_fetched_commit_info Commit the ref "
		    "resolved to at the last fetch.\n"
		    "# TYPE sipsync_fetched_commit_info gauge\n");
	if (m->fetched_commit[0])
		fprintf(fp, "sipsync_fetched_commit_info{commit=\"%s\"} 1\n",
			m->fetched_commit);
	fprintf(fp,
		"# HELP sipsync_reconcile_cycles_total Reconcile cycles run.\n"
		"# TYPE sipsync_reconcile_cycles_total counter\n"
		"sipsync_reconcile_cycles_total %lu\n"
		"# HELP sipsync_changes_applied_total Changes applied to the "
		"account.\n"
		"# TYPE sipsync_changes_applied_total counter\n"
		"sipsync_changes_applied_total %lu\n"
		"# HELP sipsync_errors_total Failed fetches, loads and "
		"reconciles.\n"
		"# TYPE sipsync_errors_total counter\n"
		"sipsync_errors_total %lu\n",
		m->cycles, m->changes_applied, m->errors);
	fprintf(fp, "# HELP sipsync_api_requests_total Ultravox API requests "
		    "sent, retries included.\n"
		    "# TYPE sipsync_api_requests_total counter\n");
	for (int i = 0; i < 4; i++)
		fprintf(fp, "sipsync_api_requests_total{method=\"%s\"} %lu\n",
			method_label[i], m->api_by_method[i]);
	fprintf(fp,
		"# HELP sipsync_api_request_duration_seconds Latency of the "
		"Ultravox API requests.\n"
		"# TYPE sipsync_api_request_duration_seconds summary\n"
		"sipsync_api_request_duration_seconds_sum %.6f\n"
		"sipsync_api_request_duration_seconds_count %lu\n"
		"# HELP sipsync_git_fetch_duration_seconds Duration of the "
		"last git fetch.\n"
		"# TYPE sipsync_git_fetch_duration_seconds gauge\n"
		"sipsync_git_fetch_duration_seconds %.6f\n",
		m->api_seconds, m->api_requests, m->git_fetch_seconds);
	fprintf(fp,
		"# HELP sipsync_api_connections_total Ultravox API requests by "
		"connection: opened for it, or reused.\n"
		"# TYPE sipsync_api_connections_total counter\n"
		"sipsync_api_connections_total{reused=\"false\"} %lu\n"
		"sipsync_api_connections_total{reused=\"true\"} %lu\n",
		m->api_conns, m->api_reused);
	fprintf(fp,
		"# HELP sipsync_unknown_write_only_values Write-only values "
		"with no recorded fingerprint at the last plan (never sent "
		"without --sync-secrets).\n"
		"# TYPE sipsync_unknown_write_only_values gauge\n"
		"sipsync_unknown_write_only_values %lu\n"
		"# HELP sipsync_registration_up 1 when the registration "
		"reported successful true at the last plan, 0 for false "
		"(absent while not known).\n"
		"# TYPE sipsync_registration_up gauge\n%s",
		m->unknown_secrets,
		m->registrations_up ? m->registrations_up : "");
	fprintf(fp,
		"# HELP sipsync_suspended 1 while the desired state says "
		"suspend (plan only).\n"
		"# TYPE sipsync_suspended gauge\nsipsync_suspended %d\n"
		"# HELP sipsync_notifications_failed_total Notifications "
		"given up (every try failed) per receiver.\n"
		"# TYPE sipsync_notifications_failed_total counter\n"
		"sipsync_notifications_failed_total %lu\n",
		m->suspended ? 1 : 0, m->notifications_failed);
	if (m->verify_commits)
		fprintf(
		    fp,
		    "# HELP sipsync_commit_verified 1 when the last commit "
		    "loaded is signed by a trusted key (--verify-commits).\n"
		    "# TYPE sipsync_commit_verified gauge\n"
		    "sipsync_commit_verified %d\n",
		    m->commit_verified ? 1 : 0);
	if (fclose(fp) != 0) {
		free(buf);
		return -1;
	}
	*out = buf;
	return 0;
}

bool agent_http_verify_signature(const char *secret, const void *body,
				 size_t len, const char *header)
{
	char want[CRYPTO_SHA256_HEX_LEN + 1], got[CRYPTO_SHA256_HEX_LEN + 1];
	if (!secret || !*secret || !header ||
	    strncmp(header, "sha256=", 7) != 0)
		return false;
	const char *hex = header + 7;
	if (strlen(hex) != CRYPTO_SHA256_HEX_LEN)
		return false;
	for (size_t i = 0; i < CRYPTO_SHA256_HEX_LEN; i++) {
		char ch = hex[i];
		if (ch >= 'A' && ch <= 'F')
			ch = (char)(ch - 'A' + 'a');
		else if (!((ch >= '0' && ch <= '9') ||
			   (ch >= 'a' && ch <= 'f')))
			return false;
		got[i] = ch;
	}
	got[CRYPTO_SHA256_HEX_LEN] = '\0';
	if (crypto_hmac_sha256_hex(secret, strlen(secret), body, len, want) !=
	    0)
		return false;
	return crypto_equal(want, got);
}

static enum MHD_Result respond(struct MHD_Connection *conn, unsigned status,
			       const char *type, const char *text)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
	    strlen(text), (void *)(uintptr_t)text, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	enum MHD_Result rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

/* /readyz: 200 when every account of m is ready, or with ?account=NAME
 * when NAME is (404 when no account of m is NAME). */
static enum MHD_Result serve_ready(struct MHD_Connection *conn,
				   const struct agent_metrics *m, size_t n)
{
	const char *which =
	    MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "account");
	bool ready = n > 0, found = !which;
	for (size_t i = 0; i < n; i++) {
		if (which && strcmp(which, m[i].account) == 0) {
			found = true;
			ready = m[i].ready;
			break;
		}
		ready &= m[i].ready;
	}
	if (!found)
		return respond(conn, MHD_HTTP_NOT_FOUND, "text/plain",
			       "no such account\n");
	return ready ? respond(conn, MHD_HTTP_OK, "text/plain", "ready\n")
		     : respond(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain",
			       "not ready\n");
}

static int take_snapshots(struct agent_http *h, struct agent_metrics **m,
			  size_t *n)
{
	if (h->snapshots)
		return h->snapshots(h->ctx, m, n);
	if (!(*m = calloc(1, sizeof(**m))))
		return -1;
	*n = 1;
	h->snapshot(h->ctx, *m);
	return 0;
}

static enum MHD_Result serve_get(struct agent_http *h,
				 struct MHD_Connection *conn, const char *url)
{
	struct agent_metrics *m = NULL;
	size_t n = 0;
	if (strcmp(url, "/healthz") == 0)
		return respond(conn, MHD_HTTP_OK, "text/plain", "ok\n");
	if (take_snapshots(h, &m, &n) != 0)
		return MHD_NO;
	enum MHD_Result rc;
	if (strcmp(url, "/readyz") == 0) {
		rc = serve_ready(conn, m, n);
	} else if (strcmp(url, "/metrics") == 0) {
		char *text = NULL;
		rc = agent_http_metrics_text_n(m, n, &text) != 0
			 ? MHD_NO
			 : respond(conn, MHD_HTTP_OK,
				   "text/plain; version=0.0.4", text);
		free(text);
	} else {
		rc = respond(conn, MHD_HTTP_NOT_FOUND, "text/plain",
			     "not found\n");
	}
	for (size_t i = 0; i < n; i++)
		free(m[i].registrations_up); /* the snapshot's own copies */
	free(m);
	return rc;
}

static enum MHD_Result serve_hook(struct agent_http *h,
				  struct MHD_Connection *conn,
				  struct request *req)
{
	if (req->too_large)
		return respond(conn, MHD_HTTP_CONTENT_TOO_LARGE, "text/plain",
			       "body too large\n");
	const char *sig = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						      "X-Hub-Signature-256");
	pthread_mutex_lock(&h->lock);
	bool ok = agent_http_verify_signature(h->secret, buf_str(&req->body),
					      buf_len(&req->body), sig);
	pthread_mutex_unlock(&h->lock);
	if (!ok)
		return respond(conn, MHD_HTTP_UNAUTHORIZED, "text/plain",
			       "bad or missing signature\n");
	if (h->hook)
		h->hook(h->ctx);
	return respond(conn, MHD_HTTP_ACCEPTED, "text/plain",
		       "reconcile triggered\n");
}

static int buffer_body(struct request *req, const char *data, size_t n)
{
	if (req->too_large || buf_len(&req->body) + n > HOOK_MAX_BODY) {
		req->too_large = true;
		buf_reset(&req->body);
		return 0;
	}
	return buf_add(&req->body, data, n);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn,
			       const char *url, const char *method,
			       const char *version, const char *upload_data,
			       size_t *upload_data_size, void **con_cls)
{
	struct agent_http *h = cls;
	(void)version;
	bool is_hook = strcmp(url, "/hooks/git") == 0;
	if (is_hook && strcmp(method, "POST") == 0) {
		struct request *req = *con_cls;
		if (!req) {
			if (!(req = calloc(1, sizeof(*req))))
				return MHD_NO;
			buf_init(&req->body, HOOK_MAX_BODY);
			*con_cls = req;
			return MHD_YES;
		}
		if (*upload_data_size) {
			if (buffer_body(req, upload_data, *upload_data_size) !=
			    0)
				return MHD_NO;
			*upload_data_size = 0;
			return MHD_YES;
		}
		return serve_hook(h, conn, req);
	}
	if (is_hook)
		return respond(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
			       "use POST\n");
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return respond(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
			       "method not allowed\n");
	return serve_get(h, conn, url);
}

static long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* MHD calls this on its thread when a connection opens and closes (the
 * close before the socket is closed, so the watchdog never shuts down a
 * descriptor that was reused). */
static void on_connection(void *cls, struct MHD_Connection *conn,
			  void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct agent_http *h = cls;
	struct conn_track *t = *socket_context;
	pthread_mutex_lock(&h->conns_lock);
	if (code == MHD_CONNECTION_NOTIFY_STARTED && !t) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
		    conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (ci && (t = calloc(1, sizeof(*t)))) {
			t->fd = ci->connect_fd;
			t->start_ms = mono_ms();
			t->next = h->conns;
			if (h->conns)
				h->conns->prev = t;
			h->conns = t;
			*socket_context = t;
		}
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED && t) {
		if (t->prev)
			t->prev->next = t->next;
		else
			h->conns = t->next;
		if (t->next)
			t->next->prev = t->prev;
		free(t);
		*socket_context = NULL;
	}
	pthread_mutex_unlock(&h->conns_lock);
}

/* A request answered: the next one on this connection gets a full
 * deadline. */
static void restart_deadline(struct agent_http *h, struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	if (!ci || !ci->socket_context)
		return;
	pthread_mutex_lock(&h->conns_lock);
	((struct conn_track *)ci->socket_context)->start_ms = mono_ms();
	pthread_mutex_unlock(&h->conns_lock);
}

/* Shuts down (never closes: MHD owns the descriptor) every connection
 * whose request is past its deadline; MHD then sees the end of the stream
 * and frees the slot. */
static void *watchdog_main(void *arg)
{
	struct agent_http *h = arg;
	pthread_mutex_lock(&h->conns_lock);
	while (!h->stopping) {
		long now = mono_ms();
		for (struct conn_track *t = h->conns; t; t = t->next)
			if (!t->cut && now - t->start_ms > h->deadline_ms) {
				shutdown(t->fd, SHUT_RDWR);
				t->cut = true;
			}
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += HTTP_WATCHDOG_TICK_MS * 1000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&h->wake, &h->conns_lock, &ts);
	}
	pthread_mutex_unlock(&h->conns_lock);
	return NULL;
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	(void)toe;
	restart_deadline(cls, conn);
	struct request *req = *con_cls;
	if (req) {
		buf_free(&req->body);
		free(req);
		*con_cls = NULL;
	}
}

/* "HOST:PORT" or "[V6]:PORT" into a socket address; an empty HOST is
 * loopback, never every interface. */
static int parse_listen(const char *s, struct sockaddr_storage *ss, bool *v6)
{
	char host[128];
	unsigned port;
	if (netaddr_split(s, host, sizeof(host), &port) != 0)
		return -1;
	return netaddr_from(host[0] ? host : "127.0.0.1", port, ss, v6);
}

int agent_http_start(struct agent_http **out,
		     const struct agent_http_config *cfg,
		     struct diag_list *diags)
{
	struct sockaddr_storage ss;
	bool v6 = false;
	*out = NULL;
	if (parse_listen(cfg->listen, &ss, &v6) != 0) {
		diag_add(diags, DIAG_ERROR, NULL, NULL,
			 "--listen %s: expected HOST:PORT with a numeric "
			 "address (e.g. 127.0.0.1:9479)",
			 cfg->listen);
		return -1;
	}
	struct agent_http *h = calloc(1, sizeof(*h));
	if (!h)
		return -1;
	h->snapshot = cfg->snapshot;
	h->snapshots = cfg->snapshots;
	h->hook = cfg->hook;
	h->ctx = cfg->ctx;
	pthread_mutex_init(&h->lock, NULL);
	pthread_mutex_init(&h->conns_lock, NULL);
	pthread_cond_init(&h->wake, NULL);
	h->deadline_ms = cfg->request_timeout_ms > 0 ? cfg->request_timeout_ms
						     : HTTP_REQUEST_DEADLINE_MS;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
	if (v6)
		flags |= MHD_USE_IPv6;
	h->daemon = MHD_start_daemon(
	    flags, 0, NULL, NULL, handler, h, MHD_OPTION_SOCK_ADDR,
	    (struct sockaddr *)&ss, MHD_OPTION_NOTIFY_COMPLETED, completed, h,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
	    MHD_OPTION_CONNECTION_LIMIT, HTTP_MAX_CONNECTIONS,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, HTTP_MAX_PER_IP,
	    MHD_OPTION_CONNECTION_TIMEOUT, HTTP_IDLE_TIMEOUT_S,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY,
	    MHD_OPTION_END);
	if (!h->daemon) {
		diag_add(diags, DIAG_ERROR, NULL, NULL,
			 "--listen %s: cannot listen (address in use or not "
			 "available)",
			 cfg->listen);
		agent_http_stop(h);
		return -1;
	}
	const union MHD_DaemonInfo *info =
	    MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info ? (int)info->port : 0;
	if (pthread_create(&h->watchdog, NULL, watchdog_main, h) != 0) {
		diag_add(diags, DIAG_ERROR, NULL, NULL,
			 "--listen %s: cannot start a thread", cfg->listen);
		agent_http_stop(h);
		return -1;
	}
	h->watchdog_started = true;
	*out = h;
	return 0;
}

int agent_http_port(const struct agent_http *h)
{
	return h->port;
}

int agent_http_set_secret(struct agent_http *h, const char *secret)
{
	char *copy = NULL;
	if (secret && !(copy = strdup(secret)))
		return -1;
	pthread_mutex_lock(&h->lock);
	char *old = h->secret;
	h->secret = copy;
	pthread_mutex_unlock(&h->lock);
	str_wipe_free(old);
	return 0;
}

void agent_http_stop(struct agent_http *h)
{
	if (!h)
		return;
	if (h->watchdog_started) {
		pthread_mutex_lock(&h->conns_lock);
		h->stopping = true;
		pthread_cond_signal(&h->wake);
		pthread_mutex_unlock(&h->conns_lock);
		pthread_join(h->watchdog, NULL);
	}
	if (h->daemon) /* closes every connection: on_connection frees each */
		MHD_stop_daemon(h->daemon);
	str_wipe_free(h->secret);
	pthread_mutex_destroy(&h->lock);
	pthread_cond_destroy(&h->wake);
	pthread_mutex_destroy(&h->conns_lock);
	free(h);
}

const char *agent_http_libmicrohttpd_version(void)
{
	return MHD_get_version();
}
