/*
 * In-process timing of load_desired (read, parse, validate, resolve) on
 * one source, without process start-up: bench_load PATH [RUNS].
 * Built and run by tests/bench/bench_validate.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "schema/load.h"
#include "schema/source.h"

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 64;
	int runs = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 100;
	if (runs < 1)
		runs = 1;
	double start = now_ms();
	for (int i = 0; i < runs; i++) {
		struct diag_list d = {0};
		struct source *src = NULL;
		struct desired_state *ds = NULL;
		struct load_opts o = {0};
		if (source_from_path(&src, argv[1], &d) != 0 ||
		    load_desired(&ds, src, &o, &d) != 0) {
			fprintf(stderr, "bench_load: %s does not load\n",
				argv[1]);
			return 1;
		}
		model_desired_free(ds);
		source_free(src);
		diag_list_clear(&d);
	}
	printf("%.3f\n", (now_ms() - start) / runs);
	return 0;
}
