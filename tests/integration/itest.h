/* tests/integration/itest.h - shell helpers the integration tests share. */
#ifndef CF_TEST_ITEST_H
#define CF_TEST_ITEST_H

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <time.h>

static inline void msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* system() of a formatted command; returns its status (0: success). */
static inline int __attribute__((format(printf, 1, 2))) run(const char *fmt, ...)
{
	char cmd[16384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* The command's stdout without trailing newlines (its first size - 1 bytes; the rest is read
 * and dropped, so that a long output does not end the command with SIGPIPE); 0 if it exited 0. */
static inline int __attribute__((format(printf, 3, 4))) capture(char *out, size_t size, const char *fmt, ...)
{
	char cmd[8192], rest[4096];
	va_list ap;
	FILE *p;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if ((p = popen(cmd, "r")) == NULL)
		return -1;
	n = fread(out, 1, size - 1, p);
	out[n] = '\0';
	while (fread(rest, 1, sizeof(rest), p) > 0)
		;
	while (n && out[n - 1] == '\n')
		out[--n] = '\0';
	return pclose(p) == 0 ? 0 : -1;
}

/* Starts bin with args (NULL-terminated) in the background, its stderr appended to log; it is
 * killed if the test dies. */
static inline pid_t start_logged(const char *bin, const char *const *args, const char *log)
{
	const char *argv[40];
	size_t n = 0;
	pid_t p;

	argv[n++] = bin;
	for (; *args && n < 38; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	p = fork();
	if (p == 0) {
		FILE *f = freopen(log, "a", stderr);
		(void)f;
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	return p;
}

/* start_logged with the log at dir/<bin's file name>.log. */
static inline pid_t start_in(const char *dir, const char *bin, const char *const *args)
{
	char log[1024];
	const char *base = strrchr(bin, '/');

	snprintf(log, sizeof(log), "%s/%s.log", dir, base ? base + 1 : bin);
	return start_logged(bin, args, log);
}

/* sig to *p and waits for it; *p becomes 0. Nothing when *p is 0. */
static inline void stop_pid(pid_t *p, int sig)
{
	int st;

	if (*p > 0) {
		kill(*p, sig);
		waitpid(*p, &st, 0);
		*p = 0;
	}
}

/* SIGTERM to *pid: 1 if it exited with status 0 (a controller finishing cleanly). */
static inline int sigterm_exits_zero(pid_t *pid)
{
	int st = -1;
	pid_t p = *pid;

	kill(p, SIGTERM);
	waitpid(p, &st, 0);
	*pid = 0;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* Deleting `kind` ns/name (kubectl, waiting) removes its storage dir (which must exist first). */
static inline int deletion_removes_dir(const char *dir, const char *ns, const char *kind, const char *name)
{
	struct stat st;

	if (stat(dir, &st) != 0)
		return 0;
	if (run("kubectl -n %s delete %s %s --wait=true --timeout=30s >/dev/null", ns, kind, name) != 0)
		return 0;
	return stat(dir, &st) != 0;
}

#endif
