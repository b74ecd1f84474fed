/* gitsrc: repositories made on the fly with the git command line, read
 * back through the cache (local path and file://), refs, paths, errors,
 * and URL redaction (known_hosts: test_known_hosts.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "reconcile/git/gitsrc.h"

static char scratch[256];
static char repo[512], state[512];

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

#define GIT "git -c user.name=t -c user.email=t@e -c init.defaultBranch=main "

static void write_file(const char *rel, const char *text)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", repo, rel);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void commit(const char *msg)
{
	assert_int_equal(
	    sh("cd %s && " GIT "add -A && " GIT "commit -q -m '%s'", repo, msg),
	    0);
}

static void head_id(char out[41])
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "git -C %s rev-parse HEAD", repo);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(out, 41, p));
	pclose(p);
}

static int setup(void **state_)
{
	(void)state_;
	snprintf(scratch, sizeof(scratch), "/tmp/test_gitsrc.XXXXXX");
	if (!mkdtemp(scratch))
		return -1;
	snprintf(repo, sizeof(repo), "%s/repo", scratch);
	snprintf(state, sizeof(state), "%s/state", scratch);
	if (sh(GIT "init -q %s && mkdir -p %s/prod/sub", repo, repo) != 0)
		return -1;
	write_file("prod/sip.yaml",
		   "version: 1\nsip:\n  allowAllAgents: true\n");
	write_file("prod/regs.yml", "version: 1\n");
	write_file("prod/README.md", "not yaml\n");
	write_file("prod/.hidden.yaml", "x: 1\n");
	write_file("prod/sub/deep.yaml", "version: 1\n");
	write_file("top.yaml", "version: 1\n");
	commit("one");
	return sh("cd %s && git tag v1", repo);
}

static int teardown(void **state_)
{
	(void)state_;
	return sh("rm -rf %s", scratch);
}

static struct gitsrc_opts opts(const char *url, const char *ref,
			       const char *path)
{
	struct gitsrc_opts o = {
	    .url = url, .ref = ref, .path = path, .cache_root = state};
	return o;
}

static void expect_error(const struct gitsrc_opts *o, const char *needle)
{
	struct diag_list d = {0};
	struct source *src = NULL;
	assert_int_equal(gitsrc_load(&src, o, &d), -1);
	assert_null(src);
	assert_int_equal(d.len, 1);
	if (!strstr(d.items[0].message, needle))
		fail_msg("message '%s' lacks '%s'", d.items[0].message, needle);
	diag_list_clear(&d);
}

static void test_local_path_dir(void **state_)
{
	(void)state_;
	char id[41], name[64];
	head_id(id);
	struct gitsrc_opts o = opts(repo, "main", "prod");
	struct diag_list d = {0};
	struct source *src = NULL;
	assert_int_equal(gitsrc_load(&src, &o, &d), 0);
	assert_int_equal(d.len, 0);
	/* only *.yaml / *.yml directly in prod/, sorted, no dotfiles */
	assert_int_equal(src->n_files, 2);
	snprintf(name, sizeof(name), "prod/regs.yml@%.7s", id);
	assert_string_equal(src->files[0].name, name);
	snprintf(name, sizeof(name), "prod/sip.yaml@%.7s", id);
	assert_string_equal(src->files[1].name, name);
	assert_string_equal(src->files[1].data,
			    "version: 1\nsip:\n  allowAllAgents: true\n");
	assert_string_equal(src->info.commit, id);
	assert_string_equal(src->info.ref, "main");
	assert_string_equal(src->info.path, "prod");
	assert_string_equal(src->info.repo, repo);
	source_free(src);
}

static void test_file_url_single_file_and_refs(void **state_)
{
	(void)state_;
	char url[600], id[41], short_id[8], name[64];
	head_id(id);
	snprintf(url, sizeof(url), "file://%s", repo);
	snprintf(short_id, sizeof(short_id), "%.7s", id);
	const char *refs[] = {"main", "v1", "refs/heads/main", id, short_id};
	for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		struct gitsrc_opts o = opts(url, refs[i], "./prod/sip.yaml");
		struct diag_list d = {0};
		struct source *src = NULL;
		assert_int_equal(gitsrc_load(&src, &o, &d), 0);
		assert_int_equal(src->n_files, 1);
		snprintf(name, sizeof(name), "prod/sip.yaml@%s", short_id);
		assert_string_equal(src->files[0].name, name);
		assert_string_equal(src->info.commit, id);
		source_free(src);
	}
	/* root of the tree */
	struct gitsrc_opts o = opts(url, NULL, NULL);
	struct diag_list d = {0};
	struct source *src = NULL;
	assert_int_equal(gitsrc_load(&src, &o, &d), 0);
	assert_int_equal(src->n_files, 1);
	snprintf(name, sizeof(name), "top.yaml@%s", short_id);
	assert_string_equal(src->files[0].name, name);
	source_free(src);
}

static int count_caches(void)
{
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "ls %s/git | wc -l", state);
	FILE *p = popen(cmd, "r");
	int n = -1;
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

static void test_incremental_fetch_sees_new_commit(void **state_)
{
	(void)state_;
	struct gitsrc_opts o = opts(repo, "main", "prod");
	struct diag_list d = {0};
	struct gitsrc *g = NULL;
	char before[41], after[41], id[41];
	int n_before = count_caches();
	assert_int_equal(gitsrc_open(&g, &o, &d), 0);
	assert_int_equal(gitsrc_fetch(g, NULL, &d), 0);
	assert_int_equal(gitsrc_resolve(g, before, &d), 0);

	write_file("prod/sip.yaml",
		   "version: 1\nsip:\n  allowAllAgents: false\n");
	commit("two");
	head_id(id);
	double secs = -1;
	assert_int_equal(gitsrc_fetch(g, &secs, &d), 0);
	assert_true(secs >= 0);
	assert_int_equal(gitsrc_resolve(g, after, &d), 0);
	assert_string_equal(after, id);
	assert_string_not_equal(before, after);

	struct source *src = NULL;
	assert_int_equal(gitsrc_read(g, after, &src, &d), 0);
	assert_non_null(strstr(src->files[1].data, "false"));
	source_free(src);
	/* the old commit is still readable from the cache */
	assert_int_equal(gitsrc_read(g, before, &src, &d), 0);
	assert_non_null(strstr(src->files[1].data, "true"));
	source_free(src);
	assert_int_equal(d.len, 0);
	gitsrc_free(g);

	/* a branch deleted upstream is pruned from the cache */
	assert_int_equal(sh("git -C %s branch gone", repo), 0);
	struct gitsrc_opts og = opts(repo, "gone", "prod");
	struct gitsrc *g2 = NULL;
	char gone[41];
	assert_int_equal(gitsrc_open(&g2, &og, &d), 0);
	assert_int_equal(gitsrc_fetch(g2, NULL, &d), 0);
	assert_int_equal(gitsrc_resolve(g2, gone, &d), 0);
	assert_int_equal(sh("git -C %s branch -q -D gone", repo), 0);
	assert_int_equal(gitsrc_fetch(g2, NULL, &d), 0);
	assert_int_equal(gitsrc_resolve(g2, gone, &d), -1);
	assert_int_equal(d.len, 1);
	diag_list_clear(&d);
	gitsrc_free(g2);

	/* the earlier test made this repo's cache: it was reused */
	assert_true(n_before >= 1);
	assert_int_equal(count_caches(), n_before);
}

static void test_errors_name_repo_and_failure(void **state_)
{
	(void)state_;
	struct gitsrc_opts o = opts(repo, "no-such-branch", "prod");
	expect_error(&o, "ref 'no-such-branch' not found");
	o = opts(repo, "main", "nope/dir");
	expect_error(&o, "path 'nope/dir' not found");
	o = opts("/nonexistent/repo/x", "main", NULL);
	expect_error(&o, "git: /nonexistent/repo/x: fetch failed:");
	o = opts("file:///nonexistent/repo", "main", NULL);
	expect_error(&o, "file:///nonexistent/repo: fetch failed:");
}

static void test_resolve_ref_and_pins(void **state_)
{
	(void)state_;
	char id[41], got[41];
	struct diag_list d = {0};
	head_id(id);
	struct gitsrc_opts o = opts(repo, "main", NULL);
	assert_int_equal(gitsrc_resolve_ref(&o, got, &d), 0);
	assert_string_equal(got, id);
	o = opts(repo, "nope", NULL);
	assert_int_equal(gitsrc_resolve_ref(&o, got, &d), -1);
	assert_int_equal(d.len, 1);
	diag_list_clear(&d);

	assert_true(gitsrc_ref_pins(id, id));
	char short_id[8];
	snprintf(short_id, sizeof(short_id), "%.7s", id);
	assert_true(gitsrc_ref_pins(short_id, id));
	assert_false(gitsrc_ref_pins("main", id));
	assert_false(gitsrc_ref_pins("abc", id));
	assert_false(gitsrc_ref_pins("0000000", id[0] == '0' ? "1111111" : id));
	assert_false(gitsrc_ref_pins(NULL, id));
}

static void test_empty_cache_dir_is_initialised(void **state_)
{
	(void)state_;
	char root[600], dir[700];
	snprintf(root, sizeof(root), "%s/state2", scratch);
	struct gitsrc_opts o = opts(repo, "main", "prod");
	o.cache_root = root;
	struct diag_list d = {0};
	struct source *src = NULL;
	assert_int_equal(gitsrc_load(&src, &o, &d), 0);
	source_free(src);
	/* empty the cache directory, as if a first run had been cut short */
	snprintf(dir, sizeof(dir), "%s/git", root);
	assert_int_equal(sh("for d in %s/*; do rm -rf \"$d\" && mkdir "
			    "\"$d\"; done",
			    dir),
			 0);
	assert_int_equal(gitsrc_load(&src, &o, &d), 0);
	assert_int_equal(src->n_files, 2);
	source_free(src);
	/* a cache that is a file cannot be used: one clear error */
	assert_int_equal(sh("for d in %s/*; do rm -rf \"$d\" && echo x > "
			    "\"$d\"; done",
			    dir),
			 0);
	expect_error(&o, "cannot open cache");
}

static void test_display_url_hides_userinfo(void **state_)
{
	(void)state_;
	char *s = gitsrc_display_url(
	    "https://x-access-token:SECRET@git.example.com/a.git");
	assert_string_equal(s, "https://***@git.example.com/a.git");
	free(s);
	s = gitsrc_display_url("https://git.example.com/a@b.git");
	assert_string_equal(s, "https://git.example.com/a@b.git");
	free(s);
	s = gitsrc_display_url("https://TOKEN@git.example.com/a.git");
	assert_string_equal(s, "https://***@git.example.com/a.git");
	free(s);
	s = gitsrc_display_url("ssh://git@git.example.com:2222/a.git");
	assert_string_equal(s, "ssh://git@git.example.com:2222/a.git");
	free(s);
	s = gitsrc_display_url("ssh://git:pw@git.example.com/a.git");
	assert_string_equal(s, "ssh://***@git.example.com/a.git");
	free(s);
	s = gitsrc_display_url("/srv/repo");
	assert_string_equal(s, "/srv/repo");
	free(s);
}

/* ---- a loopback listener that records what fetches send ---- */

struct listener {
	int fd, port;
	int n_conns; /* connections to take */
	bool answer; /* false: hold each connection open, never reply */
	unsigned char hello[2][64]; /* first bytes of each connection */
	size_t hello_len[2];
	int accepted;
	int stop[2]; /* pipe: the test ends the listener */
};

static void *listener_main(void *arg)
{
	struct listener *l = arg;
	for (int i = 0; i < l->n_conns; i++) {
		struct pollfd p[2] = {{.fd = l->fd, .events = POLLIN},
				      {.fd = l->stop[0], .events = POLLIN}};
		if (poll(p, 2, 30000) <= 0 || p[1].revents)
			break;
		int c = accept(l->fd, NULL, NULL);
		if (c < 0)
			break;
		__atomic_store_n(&l->accepted, i + 1, __ATOMIC_SEQ_CST);
		/* a TLS ClientHello: record header (5), handshake header (4),
		 * version (2), then the 32-byte client random */
		size_t len = 0;
		while (len < 43) {
			struct pollfd q = {.fd = c, .events = POLLIN};
			if (poll(&q, 1, 10000) <= 0)
				break;
			ssize_t n = read(c, l->hello[i] + len, 43 - len);
			if (n <= 0)
				break;
			len += (size_t)n;
		}
		l->hello_len[i] = len;
		if (!l->answer) { /* stall until the test is done */
			struct pollfd q = {.fd = l->stop[0], .events = POLLIN};
			poll(&q, 1, 30000);
		}
		close(c);
	}
	return NULL;
}

static void listener_start(struct listener *l, pthread_t *t, int n_conns,
			   bool answer)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);
	memset(l, 0, sizeof(*l));
	l->n_conns = n_conns;
	l->answer = answer;
	assert_int_equal(pipe(l->stop), 0);
	l->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(l->fd >= 0);
	assert_int_equal(bind(l->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(l->fd, 4), 0);
	assert_int_equal(getsockname(l->fd, (struct sockaddr *)&a, &alen), 0);
	l->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(t, NULL, listener_main, l), 0);
}

static void listener_stop(struct listener *l, pthread_t t)
{
	ssize_t n = write(l->stop[1], "x", 1);
	(void)n;
	pthread_join(t, NULL);
	close(l->fd);
	close(l->stop[0]);
	close(l->stop[1]);
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Every fetch over https draws fresh TLS randoms: the fetch child must not
 * reuse the random generator state it inherited from its parent. Two
 * fetches to a loopback listener; the 32-byte ClientHello randoms differ. */
static void test_fetch_children_draw_fresh_tls_randoms(void **state_)
{
	(void)state_;
	struct listener l;
	pthread_t t;
	listener_start(&l, &t, 2, true);
	char url[128];
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/r.git", l.port);
	struct gitsrc_opts o = opts(url, NULL, NULL);
	o.timeout_ms = 20000;
	struct gitsrc *g = NULL;
	struct diag_list d = {0};
	assert_int_equal(gitsrc_open(&g, &o, &d), 0);
	assert_int_equal(gitsrc_fetch(g, NULL, &d), -1); /* no TLS server */
	assert_int_equal(gitsrc_fetch(g, NULL, &d), -1);
	diag_list_clear(&d);
	gitsrc_free(g);
	listener_stop(&l, t);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(l.hello_len[i], 43);
		assert_int_equal(l.hello[i][0], 0x16); /* handshake record */
		assert_int_equal(l.hello[i][5], 0x01); /* ClientHello */
	}
	if (memcmp(l.hello[0] + 11, l.hello[1] + 11, 32) == 0)
		fail_msg("two fetches sent the same TLS client random");
}

struct canceller {
	struct listener *l;
	int fd;
};

/* Writes the cancel byte once the fetch has connected. */
static void *canceller_main(void *arg)
{
	struct canceller *c = arg;
	for (int i = 0;
	     i < 500 && !__atomic_load_n(&c->l->accepted, __ATOMIC_SEQ_CST);
	     i++)
		usleep(20000);
	usleep(200000);
	ssize_t n = write(c->fd, "t", 1);
	(void)n;
	return NULL;
}

/* A fetch stalled on a silent server ends as soon as the cancel fd is
 * readable, long before its timeout. */
static void test_fetch_cancel_fd(void **state_)
{
	(void)state_;
	struct listener l;
	pthread_t t;
	int cancel[2];
	listener_start(&l, &t, 1, false);
	assert_int_equal(pipe(cancel), 0);
	char url[128];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/r.git", l.port);
	struct gitsrc_opts o = opts(url, NULL, NULL);
	o.timeout_ms = 60000;
	struct gitsrc *g = NULL;
	struct diag_list d = {0};
	assert_int_equal(gitsrc_open(&g, &o, &d), 0);
	gitsrc_set_cancel_fd(g, cancel[0]);
	struct canceller cc = {.l = &l, .fd = cancel[1]};
	pthread_t ct;
	assert_int_equal(pthread_create(&ct, NULL, canceller_main, &cc), 0);
	double t0 = mono();
	assert_int_equal(gitsrc_fetch(g, NULL, &d), -1);
	double took = mono() - t0;
	pthread_join(ct, NULL);
	assert_int_equal(d.len, 1);
	assert_non_null(strstr(d.items[0].message, "fetch cancelled"));
	if (took > 10)
		fail_msg("cancelled fetch took %.1f s", took);
	diag_list_clear(&d);
	gitsrc_free(g);
	listener_stop(&l, t);
	close(cancel[0]);
	close(cancel[1]);
}

static void test_url_credentials(void **state_)
{
	(void)state_;
	const char *refused[] = {
	    "https://user:tok123@github.com/o/r.git",
	    "https://tok123@github.com/o/r.git",
	    "http://x-access-token:t@127.0.0.1:8080/r.git",
	    "HTTPS://a@h/r",
	    "ssh://git:pw@host/r.git",
	    "git://u:p@host/r.git",
	};
	const char *fine[] = {
	    "https://github.com/o/r.git",
	    "https://github.com/o/r@v1.git",
	    "ssh://git@github.com/o/r.git",
	    "git@github.com:o/r.git",
	    "/srv/git/r",
	    "file:///srv/r@x",
	    "https://host/r?u=a@b",
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (!gitsrc_url_has_credentials(refused[i]))
			fail_msg("'%s' accepted", refused[i]);
	for (size_t i = 0; i < sizeof(fine) / sizeof(fine[0]); i++)
		if (gitsrc_url_has_credentials(fine[i]))
			fail_msg("'%s' refused", fine[i]);
}

static void clear_proxy_env(void)
{
	const char *names[] = {"http_proxy",  "HTTP_PROXY", "https_proxy",
			       "HTTPS_PROXY", "all_proxy",  "ALL_PROXY",
			       "no_proxy",    "NO_PROXY"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unsetenv(names[i]);
}

/* url's proxy by the environment, "" for none. */
static void expect_proxy(const char *url, const char *want)
{
	char *got = NULL;
	assert_int_equal(gitsrc_proxy_for(url, &got), 0);
	if (strcmp(got ? got : "", want) != 0)
		fail_msg("%s: proxy '%s', want '%s'", url, got ? got : "",
			 want);
	free(got);
}

static void test_proxy_rules(void **state_)
{
	(void)state_;
	clear_proxy_env();
	expect_proxy("https://h/r", "");
	setenv("HTTPS_PROXY", "http://p:3128", 1);
	setenv("HTTP_PROXY", "http://upper:1", 1); /* ignored, as curl */
	expect_proxy("https://git.example.com/r", "http://p:3128");
	expect_proxy("http://git.example.com/r", "");
	expect_proxy("ssh://git@git.example.com/r", "");
	expect_proxy("git@git.example.com:r", "");
	expect_proxy("/srv/r", "");
	setenv("https_proxy", "lower:8080", 1); /* wins; scheme added */
	setenv("http_proxy", "http://plain:80", 1);
	expect_proxy("https://h/r", "http://lower:8080");
	expect_proxy("http://h/r", ""); /* libgit2: CONNECT only */
	setenv("NO_PROXY",
	       " .corp.example, 10.0.0.0/8,[::1], LOCALHOST,192.0.2.7", 1);
	expect_proxy("https://corp.example/r", "");
	expect_proxy("https://git.Corp.Example:8443/r", "");
	expect_proxy("https://xcorp.example/r", "http://lower:8080");
	expect_proxy("https://10.1.2.3/r", "");
	expect_proxy("https://11.1.2.3/r", "http://lower:8080");
	expect_proxy("https://[::1]:8443/r", "");
	expect_proxy("https://localhost/r", "");
	expect_proxy("https://u@192.0.2.7/r", "");
	expect_proxy("https://192.0.2.70/r", "http://lower:8080");
	setenv("no_proxy", "*", 1); /* lower case wins */
	expect_proxy("https://anything/r", "");
	clear_proxy_env();
	setenv("ALL_PROXY", "socks5://s:1080", 1);
	expect_proxy("https://h/r", "socks5://s:1080");
	clear_proxy_env();
}

/* A fetch of an https URL goes to the proxy of the environment: the
 * listener (standing in for the proxy) sees a CONNECT; NO_PROXY sends it
 * direct (nothing listens there, so it fails, but the listener sees no
 * second connection). */
static void fetch_via(const char *url, const char *env, const char *want)
{
	struct listener l;
	pthread_t t;
	char proxy[64];
	struct diag_list d = {0};
	struct gitsrc *g = NULL;
	listener_start(&l, &t, 1, true);
	snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%d", l.port);
	clear_proxy_env();
	setenv(env, proxy, 1);
	struct gitsrc_opts o = opts(url, "main", NULL);
	o.timeout_ms = 10000;
	assert_int_equal(gitsrc_open(&g, &o, &d), 0);
	assert_int_equal(gitsrc_fetch(g, NULL, &d), -1);
	diag_list_clear(&d);
	if (want) {
		assert_int_equal(__atomic_load_n(&l.accepted, __ATOMIC_SEQ_CST),
				 1);
		l.hello[0][l.hello_len[0] < 43 ? l.hello_len[0] : 42] = 0;
		if (strncmp((char *)l.hello[0], want, strlen(want)) != 0)
			fail_msg("proxy saw '%s', want '%s'", l.hello[0], want);
	}
	setenv("NO_PROXY", "127.0.0.1", 1);
	assert_int_equal(gitsrc_fetch(g, NULL, &d), -1);
	diag_list_clear(&d);
	assert_int_equal(__atomic_load_n(&l.accepted, __ATOMIC_SEQ_CST), 1);
	gitsrc_free(g);
	listener_stop(&l, t);
	clear_proxy_env();
}

static void test_fetch_goes_through_proxy(void **state_)
{
	(void)state_;
	fetch_via("https://127.0.0.1:1/r.git", "HTTPS_PROXY",
		  "CONNECT 127.0.0.1:1");
	fetch_via("https://127.0.0.1:1/r.git", "https_proxy",
		  "CONNECT 127.0.0.1:1");
}

static void test_descends(void **state_)
{
	(void)state_;
	char c1[41], c2[41], c3[41];
	struct gitsrc_opts o = opts(repo, "main", NULL);
	struct diag_list d = {0};
	struct gitsrc *g = NULL;
	write_file("top.yaml", "version: 1 # a\n");
	commit("d1");
	head_id(c1);
	write_file("top.yaml", "version: 1 # b\n");
	commit("d2");
	head_id(c2);
	/* rewrite d2: c3 is a sibling of c2, both children of c1 */
	write_file("top.yaml", "version: 1 # c\n");
	assert_int_equal(sh("cd %s && " GIT "commit -q -a --amend -m d3", repo),
			 0);
	head_id(c3);
	assert_int_equal(gitsrc_open(&g, &o, &d), 0);
	assert_int_equal(gitsrc_fetch(g, NULL, &d), 0);
	assert_int_equal(gitsrc_descends(g, c3, c1), 1);
	assert_int_equal(gitsrc_descends(g, c3, c3), 1);
	assert_int_equal(gitsrc_descends(g, c1, c3), 0);
	/* c2 was never fetched: cannot tell */
	assert_int_equal(gitsrc_descends(g, c3, c2), -1);
	assert_int_equal(d.len, 0);
	gitsrc_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_local_path_dir),
	    cmocka_unit_test(test_file_url_single_file_and_refs),
	    cmocka_unit_test(test_incremental_fetch_sees_new_commit),
	    cmocka_unit_test(test_errors_name_repo_and_failure),
	    cmocka_unit_test(test_resolve_ref_and_pins),
	    cmocka_unit_test(test_empty_cache_dir_is_initialised),
	    cmocka_unit_test(test_display_url_hides_userinfo),
	    cmocka_unit_test(test_fetch_children_draw_fresh_tls_randoms),
	    cmocka_unit_test(test_fetch_cancel_fd),
	    cmocka_unit_test(test_url_credentials),
	    cmocka_unit_test(test_proxy_rules),
	    cmocka_unit_test(test_fetch_goes_through_proxy),
	    cmocka_unit_test(test_descends),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
