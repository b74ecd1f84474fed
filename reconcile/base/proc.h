/*
 * proc: runs a helper program (ssh-keygen, gpgv) without a shell, with a
 * deadline, its output captured.
 *
 * argv[0] is looked up in PATH and started with posix_spawnp: no shell
 * ever parses an argument, so a file name or a principal from a signature
 * cannot become a command. Standard input comes from a file (or
 * /dev/null), standard output and standard error go to two pipes read in
 * full (the first PROC_OUTPUT_MAX bytes of each are kept, the rest read
 * and dropped so the child never blocks). Signal dispositions and the
 * signal mask are reset to the defaults for the child (the agent ignores
 * SIGPIPE, which exec would otherwise pass on). At the deadline the child
 * is killed (SIGKILL) and reaped: nothing is left running.
 */
#ifndef SIPSYNC_PROC_H
#define SIPSYNC_PROC_H

#include <stdbool.h>
#include <stddef.h>

#define PROC_OUTPUT_MAX (64u * 1024)

struct proc_result {
	int status;    /* exit status; -1 when ended by a signal */
	char *out;     /* standard output, NUL-terminated (never NULL
			  after proc_run returned 0) */
	char *err;     /* standard error, likewise */
	char why[256]; /* after -1: why it did not run to an end */
};

/* Runs argv (NULL-terminated; argv[0] the program) with stdin from
 * stdin_path (NULL: /dev/null), for at most timeout_ms (> 0). Returns 0
 * when the program ran and exited (any status, in r->status), or -1 with
 * r->why set: it could not be started ("cannot run ssh-keygen: No such
 * file or directory"), or it did not end in time ("no answer within 30 s
 * (killed)"). Release r with proc_result_release in both cases. */
int proc_run(const char *const argv[], const char *stdin_path, long timeout_ms,
	     struct proc_result *r);

/* Frees the captured output; r may be zeroed or released already. */
void proc_result_release(struct proc_result *r);

/* The first line of text (ended by LF or CR; at most size - 1 bytes,
 * other control characters shown as '?') into out: a helper's message
 * made fit for one log line. text may be NULL. */
void proc_first_line(const char *text, char *out, size_t size);

#endif
