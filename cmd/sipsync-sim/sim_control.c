/*
 * sim_control: request log, faults and the /_sim/ endpoints.
 */
#include "sim_control.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim_valid.h"

/* The log keeps the most recent entries only, so a long fuzz or load run
 * cannot grow it without bound. */
#define LOG_MAX 20000
#define REDACTED "<redacted>"

struct sim_control {
	pthread_mutex_t lock;
	json_t *log; /* array of entries */
	long base_latency_ms;
	long n429, retry_after, n503, latency_ms;
	char drop_method[16];
	long drop_count;
	long rate_limit, window_n; /* "ratePerSecond": 429 over it */
	long long window_ms;
};

long long sim_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int sim_control_new(struct sim_control **out, long base_latency_ms)
{
	struct sim_control *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c)
		return -1;
	if (pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c);
		return -1;
	}
	c->log = json_array();
	c->base_latency_ms = base_latency_ms;
	c->retry_after = 1;
	*out = c;
	return 0;
}

void sim_control_free(struct sim_control *c)
{
	if (!c)
		return;
	json_decref(c->log);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* A per-key rate limit as the API documents one: at most rate_limit
 * requests in each second (fixed windows); the lock is held. */
static bool over_rate(struct sim_control *c)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	long long now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (now - c->window_ms >= 1000) {
		c->window_ms = now;
		c->window_n = 0;
	}
	return ++c->window_n > c->rate_limit;
}

void sim_control_faults(struct sim_control *c, const char *method,
			struct sim_fault_hit *hit)
{
	memset(hit, 0, sizeof(*hit));
	pthread_mutex_lock(&c->lock);
	hit->latency_ms = c->base_latency_ms + c->latency_ms;
	if (c->n429 > 0) {
		c->n429--;
		hit->status = 429;
		hit->retry_after = (unsigned)c->retry_after;
	} else if (c->n503 > 0) {
		c->n503--;
		hit->status = 503;
		hit->retry_after = (unsigned)c->retry_after;
	} else if (c->rate_limit > 0 && over_rate(c)) {
		hit->status = 429;
		hit->retry_after = (unsigned)c->retry_after;
	} else if (c->drop_count > 0 && strcmp(method, c->drop_method) == 0) {
		c->drop_count--;
		hit->drop = true;
	}
	pthread_mutex_unlock(&c->lock);
}

static bool secret_key(const char *k)
{
	return strcmp(k, "password") == 0 || strcmp(k, "secrets") == 0 ||
	       strcmp(k, "apiKey") == 0;
}

/* Replaces every secret-bearing value (at any depth) by "<redacted>". */
static void redact(json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach(v, k, x)
		{
			if (secret_key(k))
				json_object_set_new(v, k,
						    json_string(REDACTED));
			else
				redact(x);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
		{
			redact(x);
		}
	}
}

static json_t *logged_body(const struct sim_request *rq)
{
	json_t *v;

	if (!rq->body || rq->body_len == 0)
		return json_null();
	v = json_loadb(rq->body, rq->body_len, JSON_DECODE_ANY, NULL);
	if (!v) /* not JSON: its bytes might hold anything, keep none */
		return json_sprintf("<%zu bytes, not JSON>", rq->body_len);
	redact(v);
	return v;
}

void sim_control_log(struct sim_control *c, const struct sim_request *rq,
		     unsigned status, bool dropped, const char *account)
{
	json_t *e =
	    json_pack("{s:s,s:s,s:s,s:i,s:o}", "method", rq->method, "path",
		      rq->path, "query", rq->query ? rq->query : "", "status",
		      (int)status, "body", logged_body(rq));

	if (!e)
		return;
	if (dropped)
		json_object_set_new(e, "dropped", json_true());
	/* when the request arrived and when its answer was ready (monotonic
	   ms, the simulator's clock): requests whose spans overlap were in
	   flight together */
	json_object_set_new(e, "startMs", json_integer(rq->start_ms));
	json_object_set_new(e, "endMs", json_integer(sim_now_ms()));
	if (account && *account)
		json_object_set_new(e, "account", json_string(account));
	pthread_mutex_lock(&c->lock);
	if (json_array_size(c->log) >= LOG_MAX)
		json_array_remove(c->log, 0);
	json_array_append_new(c->log, e);
	pthread_mutex_unlock(&c->lock);
}

static int count_field(const json_t *body, const char *name, long *out,
		       char *why, size_t len)
{
	const json_t *v = json_object_get(body, name);

	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > 1000000) {
		snprintf(why, len, "%s: expected an integer 0..1000000", name);
		return -1;
	}
	*out = (long)json_integer_value(v);
	return 0;
}

/* Arms the faults from {"status429","retryAfter","status503","latencyMs",
 * "dropAfterApply": {"method","count"},"ratePerSecond"}; what is not
 * given is cleared. */
static int faults_set(struct sim_control *c, const json_t *body, char *why,
		      size_t len)
{
	long n429 = 0, retry = 1, n503 = 0, lat = 0, drop = 0, rate = 0;
	const json_t *d, *m;
	const char *method = "";

	if (!json_is_object(body)) {
		snprintf(why, len, "expected an object");
		return -1;
	}
	if (count_field(body, "status429", &n429, why, len) ||
	    count_field(body, "retryAfter", &retry, why, len) ||
	    count_field(body, "status503", &n503, why, len) ||
	    count_field(body, "latencyMs", &lat, why, len) ||
	    count_field(body, "ratePerSecond", &rate, why, len))
		return -1;
	d = json_object_get(body, "dropAfterApply");
	if (d && !json_is_null(d)) {
		m = json_object_get(d, "method");
		if (!json_is_object(d) || !json_is_string(m) ||
		    json_string_length(m) >= sizeof(c->drop_method) ||
		    count_field(d, "count", &drop, why, len)) {
			snprintf(why, len,
				 "dropAfterApply: expected {\"method\": "
				 "\"POST\", \"count\": N}");
			return -1;
		}
		method = json_string_value(m);
		if (!json_object_get(d, "count"))
			drop = 1;
	}
	pthread_mutex_lock(&c->lock);
	c->n429 = n429;
	c->retry_after = retry;
	c->n503 = n503;
	c->latency_ms = lat;
	snprintf(c->drop_method, sizeof(c->drop_method), "%s", method);
	c->drop_count = drop;
	c->rate_limit = rate;
	pthread_mutex_unlock(&c->lock);
	return 0;
}

static json_t *faults_get(struct sim_control *c)
{
	json_t *v;

	pthread_mutex_lock(&c->lock);
	v = json_pack("{s:i,s:i,s:i,s:i,s:{s:s,s:i}}", "status429",
		      (int)c->n429, "retryAfter", (int)c->retry_after,
		      "status503", (int)c->n503, "latencyMs",
		      (int)c->latency_ms, "dropAfterApply", "method",
		      c->drop_method, "count", (int)c->drop_count);
	pthread_mutex_unlock(&c->lock);
	return v;
}

static void ok(struct sim_response *rsp, unsigned status, json_t *body)
{
	json_decref(rsp->body);
	rsp->status = status;
	rsp->body = body;
}

static void handle_log(struct sim_control *c, const struct sim_request *rq,
		       struct sim_response *rsp)
{
	if (strcmp(rq->method, "GET") == 0) {
		pthread_mutex_lock(&c->lock);
		ok(rsp, 200,
		   json_pack("{s:o}", "requests", json_deep_copy(c->log)));
		pthread_mutex_unlock(&c->lock);
	} else if (strcmp(rq->method, "DELETE") == 0) {
		pthread_mutex_lock(&c->lock);
		json_array_clear(c->log);
		pthread_mutex_unlock(&c->lock);
		ok(rsp, 200, json_pack("{s:[]}", "requests"));
	} else {
		sim_api_not_allowed(rsp, rq->method, "GET, DELETE");
	}
}

static void handle_state(struct sim_state *st, const struct sim_request *rq,
			 struct sim_response *rsp)
{
	json_t *body;
	char err[512];

	if (strcmp(rq->method, "PUT") == 0) {
		body = sim_api_parse_body(rq, rsp);
		if (!body)
			return;
		sim_state_lock(st);
		if (sim_state_replace(st, body, err, sizeof(err)) != 0) {
			sim_api_detail(rsp, 400, err);
		} else {
			sim_state_save(st);
			ok(rsp, 200, json_deep_copy(st->doc));
		}
		sim_state_unlock(st);
		json_decref(body);
	} else if (strcmp(rq->method, "GET") == 0) {
		sim_state_lock(st);
		ok(rsp, 200, json_deep_copy(st->doc));
		sim_state_unlock(st);
	} else {
		sim_api_not_allowed(rsp, rq->method, "GET, PUT");
	}
}

static void handle_faults(struct sim_control *c, const struct sim_request *rq,
			  struct sim_response *rsp)
{
	json_t *body;
	char why[160];

	if (strcmp(rq->method, "GET") == 0) {
		ok(rsp, 200, faults_get(c));
		return;
	}
	if (strcmp(rq->method, "POST") != 0) {
		sim_api_not_allowed(rsp, rq->method, "GET, POST");
		return;
	}
	body = sim_api_parse_body(rq, rsp);
	if (!body)
		return;
	if (faults_set(c, body, why, sizeof(why)) != 0)
		sim_api_detail(rsp, 400, why);
	else
		ok(rsp, 200, faults_get(c));
	json_decref(body);
}

void sim_control_handle(struct sim_control *c, struct sim_state *st,
			const struct sim_request *rq, struct sim_response *rsp)
{
	if (strcmp(rq->path, "/_sim/log") == 0)
		handle_log(c, rq, rsp);
	else if (strcmp(rq->path, "/_sim/state") == 0)
		handle_state(st, rq, rsp);
	else if (strcmp(rq->path, "/_sim/faults") == 0)
		handle_faults(c, rq, rsp);
	else
		sim_api_detail(rsp, 404, "Not found.");
}
