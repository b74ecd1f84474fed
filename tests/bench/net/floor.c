/*
 * The floor of tests/bench/net/bench_net.sh: a minimal client making the
 * same requests as sipsync over ONE kept-alive TLS connection (HTTP/2
 * streams, libcurl multi), with up to PARALLEL in flight and nothing else
 * (no validation, no plan, no retries).
 *
 *   floor BASE_URL [--parallel N] [--read] [--writes FILE]
 *   env FLOOR_API_KEY (the key), FLOOR_CA (the CA file)
 *
 * --read: GET /api/sip beside the first registration page, then every
 * `next` page in turn (each needs the previous one's link). Then each line
 * "METHOD PATH [JSON BODY]" of FILE, PARALLEL at a time. Prints
 * "requests N" and exits 1 when any answer was not 2xx.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct req {
	char method[16], *url, *body;
	char *resp;
	size_t resp_len;
	int is_page;
	struct curl_slist *hdrs;
};

struct floor {
	CURLM *multi;
	const char *base, *key, *ca;
	char **lines;
	size_t nlines, next_line;
	long parallel, inflight, requests, failures;
};

static char *dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

static size_t on_data(char *p, size_t sz, size_t n, void *ud)
{
	struct req *r = ud;
	char *grown = realloc(r->resp, r->resp_len + sz * n + 1);

	if (!grown)
		return 0;
	memcpy(grown + r->resp_len, p, sz * n);
	r->resp = grown;
	r->resp_len += sz * n;
	r->resp[r->resp_len] = '\0';
	return sz * n;
}

static void req_free(struct req *r)
{
	if (!r)
		return;
	free(r->url);
	free(r->body);
	free(r->resp);
	curl_slist_free_all(r->hdrs);
	free(r);
}

/* Starts METHOD URL (absolute, or a path under the base) with BODY. */
static int start(struct floor *f, const char *method, const char *url,
		 const char *body, int is_page)
{
	struct req *r = calloc(1, sizeof(*r));
	CURL *e = curl_easy_init();
	char hdr[512];

	if (!r || !e)
		goto fail;
	snprintf(r->method, sizeof(r->method), "%s", method);
	size_t n = strlen(f->base) + strlen(url) + 1;
	r->url = malloc(n);
	if (!r->url)
		goto fail;
	snprintf(r->url, n, "%s%s", strstr(url, "://") ? "" : f->base, url);
	r->is_page = is_page;
	snprintf(hdr, sizeof(hdr), "X-API-Key: %s", f->key);
	r->hdrs = curl_slist_append(NULL, hdr);
	r->hdrs = curl_slist_append(r->hdrs, "Content-Type: application/json");
	curl_easy_setopt(e, CURLOPT_URL, r->url);
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->hdrs);
	curl_easy_setopt(e, CURLOPT_CAINFO, f->ca);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	if (body) {
		r->body = dup_str(body);
		if (!r->body)
			goto fail;
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
	}
	if (curl_multi_add_handle(f->multi, e) != CURLM_OK)
		goto fail;
	f->inflight++;
	return 0;
fail:
	req_free(r);
	curl_easy_cleanup(e);
	return -1;
}

/* Starts writes from the file's lines while fewer than PARALLEL fly. */
static int start_writes(struct floor *f)
{
	while (f->inflight < f->parallel && f->next_line < f->nlines) {
		char *line = f->lines[f->next_line++];
		char *path = strchr(line, ' '), *body;
		if (!path)
			return -1;
		*path++ = '\0';
		body = strchr(path, ' ');
		if (body)
			*body++ = '\0';
		if (start(f, line, path, body, 0) != 0)
			return -1;
	}
	return 0;
}

/* A finished page names the next one (or null: the list is done). */
static int follow_next(struct floor *f, const struct req *r)
{
	json_error_t err;
	json_t *doc = json_loads(r->resp ? r->resp : "", 0, &err);
	const char *next = json_string_value(json_object_get(doc, "next"));
	int rc = 0;

	if (!doc)
		rc = -1;
	else if (next)
		rc = start(f, "GET", next, NULL, 1);
	json_decref(doc);
	return rc;
}

static int finish(struct floor *f, CURLMsg *m)
{
	struct req *r = NULL;
	long status = 0;
	int rc = 0;

	curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
	curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
	f->requests++;
	f->inflight--;
	if (m->data.result != CURLE_OK || status < 200 || status > 299) {
		fprintf(stderr, "floor: %s %s: %s %ld\n", r->method, r->url,
			curl_easy_strerror(m->data.result), status);
		f->failures++;
	} else if (r->is_page) {
		rc = follow_next(f, r);
	}
	curl_multi_remove_handle(f->multi, m->easy_handle);
	curl_easy_cleanup(m->easy_handle);
	req_free(r);
	return rc;
}

static int loop(struct floor *f, int reading)
{
	for (;;) {
		CURLMsg *m;
		int running, left;

		if (!reading && start_writes(f) != 0)
			return -1;
		if (curl_multi_perform(f->multi, &running) != CURLM_OK)
			return -1;
		while ((m = curl_multi_info_read(f->multi, &left)))
			if (m->msg == CURLMSG_DONE && finish(f, m) != 0)
				return -1;
		if (!reading && start_writes(f) != 0)
			return -1;
		if (f->inflight == 0)
			return 0;
		/* a handle just added has a zero timeout: no wait for it */
		if (curl_multi_poll(f->multi, NULL, 0, 1000, NULL) != CURLM_OK)
			return -1;
	}
}

static int read_lines(struct floor *f, const char *path)
{
	FILE *in = fopen(path, "r");
	char buf[8192];

	if (!in)
		return -1;
	while (fgets(buf, sizeof(buf), in)) {
		buf[strcspn(buf, "\n")] = '\0';
		if (!buf[0])
			continue;
		char **grown =
		    realloc(f->lines, (f->nlines + 1) * sizeof(*f->lines));
		if (!grown || !(grown[f->nlines] = dup_str(buf))) {
			f->lines = grown ? grown : f->lines;
			fclose(in);
			return -1;
		}
		f->lines = grown;
		f->nlines++;
	}
	fclose(in);
	return 0;
}

int main(int argc, char **argv)
{
	struct floor f = {.parallel = 8};
	int reading = 0, rc = 1;

	if (argc < 2)
		return 64;
	f.base = argv[1];
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--read"))
			reading = 1;
		else if (!strcmp(argv[i], "--parallel") && i + 1 < argc)
			f.parallel = strtol(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--writes") && i + 1 < argc) {
			if (read_lines(&f, argv[++i]) != 0)
				return 1;
		} else
			return 64;
	}
	f.key = getenv("FLOOR_API_KEY");
	f.ca = getenv("FLOOR_CA");
	if (!f.key || !f.ca || f.parallel < 1)
		return 64;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	f.multi = curl_multi_init();
	curl_multi_setopt(f.multi, CURLMOPT_MAX_HOST_CONNECTIONS, 1L);
	curl_multi_setopt(f.multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	if (reading && (start(&f, "GET", "/api/sip", NULL, 0) != 0 ||
			start(&f, "GET", "/api/sip/registrations?pageSize=100",
			      NULL, 1) != 0 ||
			loop(&f, 1) != 0))
		goto out;
	if (loop(&f, 0) != 0)
		goto out;
	printf("requests %ld\n", f.requests);
	rc = f.failures ? 1 : 0;
out:
	curl_multi_cleanup(f.multi);
	for (size_t i = 0; i < f.nlines; i++)
		free(f.lines[i]);
	free(f.lines);
	curl_global_cleanup();
	return rc;
}
