/*
 * sim_http: libmicrohttpd glue.
 */
#include "sim_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sim_api.h"
#include "reconcile/base/buf.h"
#include "reconcile/base/netaddr.h"

#define CONNECTION_TIMEOUT_S 30
#define QUERY_MAX 2048

struct sim_http {
	struct MHD_Daemon *daemon;
	struct sim_http_config cfg;
	struct sim_api_config api;
	struct sim_state *st;
	struct sim_control *ctl;
	char url[80];
};

/* One request's upload, kept between the access handler's calls. */
struct upload {
	struct buf body;    /* at most cfg.max_body */
	bool too_big;	    /* over the limit (or out of memory) */
	bool answered;	    /* a response is queued; ignore the rest */
	long long start_ms; /* monotonic ms the headers arrived */
};

static void upload_add(struct upload *u, const char *data, size_t n)
{
	/* a failed add leaves the buffer empty: the body is dropped and 413
	 * answered, never a truncated body served */
	if (!u->too_big && buf_add(&u->body, data, n) != 0)
		u->too_big = true;
}

static bool declared_too_big(struct MHD_Connection *con, size_t max)
{
	const char *cl = MHD_lookup_connection_value(
	    con, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	unsigned long long n;
	char *end;

	if (!cl)
		return false;
	errno = 0;
	n = strtoull(cl, &end, 10);
	return errno == ERANGE || (end != cl && !*end && n > max);
}

static void on_completed(void *cls, struct MHD_Connection *con, void **req_cls,
			 enum MHD_RequestTerminationCode why)
{
	struct upload *u = *req_cls;

	(void)cls;
	(void)con;
	(void)why;
	if (u) {
		buf_free(&u->body);
		free(u);
		*req_cls = NULL;
	}
}

struct query {
	char buf[QUERY_MAX];
	size_t len;
};

static enum MHD_Result query_add(void *cls, enum MHD_ValueKind kind,
				 const char *key, const char *value)
{
	struct query *q = cls;
	int n;

	(void)kind;
	if (q->len >= sizeof(q->buf) - 1)
		return MHD_NO;
	n = snprintf(q->buf + q->len, sizeof(q->buf) - q->len, "%s%s%s%s",
		     q->len ? "&" : "", key, value ? "=" : "",
		     value ? value : "");
	if (n < 0 || (size_t)n >= sizeof(q->buf) - q->len)
		q->len = sizeof(q->buf) - 1;
	else
		q->len += (size_t)n;
	return MHD_YES;
}

/* The Host header when it looks like a host[:port], else our own address:
 * pagination links are absolute and must never carry junk. */
static void base_url(const struct sim_http *srv, struct MHD_Connection *con,
		     char *buf, size_t len)
{
	const char *host = MHD_lookup_connection_value(con, MHD_HEADER_KIND,
						       MHD_HTTP_HEADER_HOST);
	size_t n = host ? strlen(host) : 0;

	if (n == 0 || n > 255 ||
	    strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789.-:[]") != n) {
		snprintf(buf, len, "%s", srv->url);
		return;
	}
	snprintf(buf, len, "http://%s", host);
}

static void sleep_ms(long ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static enum MHD_Result send_reply(struct MHD_Connection *con,
				  struct sim_response *rsp)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char *text = NULL, num[24];

	if (!rsp->body &&
	    rsp->status != 204) /* a handler failed to build one */
		sim_api_detail(rsp, 500, "Internal error.");
	if (rsp->body) {
		text = json_dumps(rsp->body, JSON_COMPACT | JSON_ENCODE_ANY);
		if (!text)
			return MHD_NO;
		r = MHD_create_response_from_buffer(strlen(text), text,
						    MHD_RESPMEM_MUST_FREE);
	} else {
		r = MHD_create_response_from_buffer(0, NULL,
						    MHD_RESPMEM_PERSISTENT);
	}
	if (!r) {
		free(text);
		return MHD_NO;
	}
	if (text)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
					"application/json");
	if (rsp->allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, rsp->allow);
	if (rsp->retry_after) {
		snprintf(num, sizeof(num), "%u", rsp->retry_after);
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, num);
	}
	ret = MHD_queue_response(con, rsp->status, r);
	MHD_destroy_response(r);
	return ret;
}

static void fill_request(struct MHD_Connection *con, const char *url,
			 const char *method, const struct upload *u,
			 struct sim_request *rq)
{
	memset(rq, 0, sizeof(*rq));
	rq->method = method;
	rq->path = url;
	rq->api_key =
	    MHD_lookup_connection_value(con, MHD_HEADER_KIND, "X-API-Key");
	rq->content_type = MHD_lookup_connection_value(
	    con, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	rq->cursor =
	    MHD_lookup_connection_value(con, MHD_GET_ARGUMENT_KIND, "cursor");
	rq->page_size =
	    MHD_lookup_connection_value(con, MHD_GET_ARGUMENT_KIND, "pageSize");
	rq->search =
	    MHD_lookup_connection_value(con, MHD_GET_ARGUMENT_KIND, "search");
	rq->body = buf_str(&u->body);
	rq->body_len = buf_len(&u->body);
	rq->start_ms = u->start_ms;
}

/* The /api part: 413, 404, faults, then the API itself. */
static enum MHD_Result serve_api(struct sim_http *srv,
				 struct MHD_Connection *con,
				 const struct sim_request *rq, bool too_big)
{
	struct sim_response rsp = {0};
	struct sim_fault_hit hit = {0};
	enum MHD_Result ret;
	char retry[64];

	if (too_big) {
		sim_api_detail(&rsp, 413, "Request body is too large.");
	} else if (!sim_api_known_path(rq->path)) {
		sim_api_detail(&rsp, 404, "Not found.");
	} else {
		sim_control_faults(srv->ctl, rq->method, &hit);
		sleep_ms(hit.latency_ms);
		if (hit.status) {
			snprintf(retry, sizeof(retry),
				 hit.status == 429
				     ? "Request was throttled. Expected "
				       "available in %u seconds."
				     : "Service unavailable, retry in %u "
				       "seconds.",
				 hit.retry_after);
			sim_api_detail(&rsp, hit.status, retry);
			rsp.retry_after = hit.retry_after ? hit.retry_after : 1;
		} else {
			sim_api_handle(&srv->api, srv->st, rq, &rsp);
		}
	}
	if (srv->cfg.control)
		sim_control_log(srv->ctl, rq, rsp.status, hit.drop,
				rsp.account);
	if (hit.drop) {
		/* applied; now lose the answer: MHD_NO closes the socket */
		json_decref(rsp.body);
		return MHD_NO;
	}
	ret = send_reply(con, &rsp);
	json_decref(rsp.body);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *con,
				  const char *url, const char *method,
				  const char *version, const char *data,
				  size_t *data_size, void **req_cls)
{
	struct sim_http *srv = cls;
	struct upload *u = *req_cls;
	struct sim_request rq;
	struct sim_response rsp = {0};
	struct query q = {{0}, 0};
	char base[300];
	enum MHD_Result ret;

	(void)version;
	if (!u) {
		u = calloc(1, sizeof(*u));
		if (!u)
			return MHD_NO;
		*req_cls = u;
		buf_init(&u->body, srv->cfg.max_body);
		u->start_ms = sim_now_ms();
		u->too_big = declared_too_big(con, srv->cfg.max_body);
		if (!u->too_big)
			return MHD_YES;
		/* answer 413 now, without reading a body we would drop */
	} else if (u->answered) {
		*data_size = 0;
		return MHD_YES;
	} else if (*data_size) {
		upload_add(u, data, *data_size);
		*data_size = 0;
		return MHD_YES;
	}
	u->answered = true;
	fill_request(con, url, method, u, &rq);
	MHD_get_connection_values(con, MHD_GET_ARGUMENT_KIND, query_add, &q);
	rq.query = q.buf;
	base_url(srv, con, base, sizeof(base));
	rq.base_url = base;
	if (srv->cfg.control &&
	    strncmp(url, SIM_CONTROL_PREFIX, strlen(SIM_CONTROL_PREFIX)) == 0) {
		if (u->too_big)
			sim_api_detail(&rsp, 413, "Request body is too large.");
		else
			sim_control_handle(srv->ctl, srv->st, &rq, &rsp);
		ret = send_reply(con, &rsp);
		json_decref(rsp.body);
		return ret;
	}
	return serve_api(srv, con, &rq, u->too_big);
}

/* Binds and listens ourselves, so the port (and the URL the handlers use)
 * is known before the first request can arrive. Returns the socket or -1
 * with a message in err. */
static int listen_socket(const struct sim_http_config *cfg, bool *v6,
			 unsigned *port, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd, one = 1;

	if (netaddr_from(cfg->host, cfg->port, &ss, v6) != 0) {
		snprintf(err, errlen, "'%s': not a numeric IP address",
			 cfg->host);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&ss,
		 *v6 ? sizeof(struct sockaddr_in6)
		     : sizeof(struct sockaddr_in)) != 0 ||
	    listen(fd, 128) != 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
		snprintf(err, errlen, "cannot listen on %s port %u: %s",
			 cfg->host, cfg->port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*port = ntohs(*v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
			  : ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

int sim_http_start(struct sim_http **out, const struct sim_http_config *cfg,
		   struct sim_state *st, struct sim_control *ctl, char *err,
		   size_t errlen)
{
	struct sim_http *srv;
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION |
			 MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
	unsigned port = 0;
	bool v6 = false;
	int fd;

	*out = NULL;
	srv = calloc(1, sizeof(*srv));
	if (!srv) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	fd = listen_socket(cfg, &v6, &port, err, errlen);
	if (fd < 0) {
		free(srv);
		return -1;
	}
	srv->cfg = *cfg;
	srv->api.api_key = cfg->api_key;
	srv->api.page_size = cfg->page_size;
	srv->st = st;
	srv->ctl = ctl;
	snprintf(srv->url, sizeof(srv->url),
		 v6 ? "http://[%s]:%u" : "http://%s:%u", cfg->host, port);
	if (v6)
		flags |= MHD_USE_IPv6;
	srv->daemon = MHD_start_daemon(
	    flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S,
	    MHD_OPTION_END);
	if (!srv->daemon) {
		snprintf(err, errlen, "cannot start the HTTP server on %s",
			 srv->url);
		close(fd);
		free(srv);
		return -1;
	}
	*out = srv;
	return 0;
}

const char *sim_http_url(const struct sim_http *srv)
{
	return srv->url;
}

void sim_http_stop(struct sim_http *srv)
{
	if (!srv)
		return;
	MHD_stop_daemon(srv->daemon);
	free(srv);
}
