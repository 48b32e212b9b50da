/*
 * secret.c: fetches an account's password from its secretfile or by
 * running its secretcmd (config.c's config_secret() chooses).
 *
 * secretcmd runs through /bin/sh in a process group of its own, under a
 * deadline and with its first line bounded, so a hanging or endless
 * command cannot hold the daemon: past either limit the whole group is
 * killed.  While it waits, the fd and stop() handed over by main.c (its
 * wake pipe and SIGTERM flag) are watched, so a SIGTERM still ends the
 * daemon at once.  Neither the command nor what it printed is ever shown
 * in a message: both may hold a passphrase.
 */
#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "filecheck.h"
#include "util.h"

static int (*secret_stop)(void);
static int secret_stop_fd = -1;

/* The first line of a password source, as its bytes come in. */
struct firstline {
	char	 buf[CONFIG_SECRET_MAX + 1];
	size_t	 len;
	int	 done;		/* its newline came */
	int	 toolong;
};

static void
firstline_add(struct firstline *l, const char *data, size_t n)
{
	const char *nl;
	size_t take;

	if (l->done || l->toolong)
		return;
	nl = memchr(data, '\n', n);
	take = nl != NULL ? (size_t)(nl - data) : n;
	if (take > CONFIG_SECRET_MAX - l->len) {
		l->toolong = 1;
		return;
	}
	memcpy(l->buf + l->len, data, take);
	l->len += take;
	l->done = nl != NULL;
}

/* The password from l (CR cut), or NULL with the reason in why. */
static char *
firstline_take(struct firstline *l, char *why, size_t len)
{
	char *s = NULL;

	if (l->len > 0 && l->buf[l->len - 1] == '\r')
		l->len--;
	l->buf[l->len] = '\0';
	if (l->toolong)
		snprintf(why, len, "its first line is longer than %d bytes",
		    CONFIG_SECRET_MAX);
	else if (l->len == 0)
		snprintf(why, len, "its first line is empty");
	else if (strlen(l->buf) != l->len)
		snprintf(why, len, "its first line holds a NUL byte");
	else
		s = xstrdup(l->buf);
	explicit_bzero(l->buf, sizeof(l->buf));
	return s;
}

static int
secret_fail(const struct account *a, char *err, size_t errlen,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* "file:line: " of the secret's source, then the message. */
static int
secret_fail(const struct account *a, char *err, size_t errlen,
    const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(err, errlen, "%s%s", a->secret_at ? a->secret_at : "",
	    a->secret_at ? ": " : "");
	if (n < 0 || (size_t)n >= errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

int
secret_from_file(struct account *a, char *err, size_t errlen)
{
	struct firstline *l = xcalloc(1, sizeof(*l));
	char why[PATH_MAX + 1024], buf[1024];
	ssize_t n;
	int fd;

	if ((fd = filecheck_secretfile_open(a->secretfile, why, sizeof(why))) == -1) {
		free(l);
		return secret_fail(a, err, errlen, "secretfile %s: %s",
		    a->secretfile, why);
	}
	while (!l->done && !l->toolong && (n = read(fd, buf, sizeof(buf))) > 0)
		firstline_add(l, buf, (size_t)n);
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	a->secret = firstline_take(l, why, sizeof(why));
	free(l);
	if (a->secret == NULL)
		return secret_fail(a, err, errlen, "secretfile %s: %s",
		    a->secretfile, why);
	return 0;
}

void
secret_stop_on(int fd, int (*stop)(void))
{
	secret_stop_fd = fd;
	secret_stop = stop;
}

/* Whether to give up waiting for secretcmd: the caller's stop() says. */
static int
secret_must_stop(void)
{
	char buf[64];

	if (secret_stop_fd >= 0)
		while (read(secret_stop_fd, buf, sizeof(buf)) > 0)
			;
	return secret_stop != NULL && secret_stop();
}

/* Waits at most ms for fd (if >= 0) or for the stop fd. */
static void
secret_poll(int fd, int64_t ms)
{
	struct pollfd pfd[2];
	nfds_t n = 0;

	if (fd >= 0)
		pfd[n++] = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (secret_stop_fd >= 0)
		pfd[n++] = (struct pollfd){ .fd = secret_stop_fd,
		    .events = POLLIN };
	poll(pfd, n, ms > INT_MAX ? INT_MAX : (int)ms);
}

/* secretcmd as it runs: one shell in a process group of its own. */
struct secretrun {
	pid_t		 pid;
	int		 fd;		/* its standard output */
	int		 tty;		/* the terminal it was given, or -1 */
	int64_t		 deadline;
	struct firstline line;
};

enum { RUN_DONE, RUN_LATE, RUN_LONG, RUN_STOPPED };

static void
secretcmd_child(const char *cmd, int out, int tty)
{
	struct sigaction sa;
	sigset_t set;

	/* Our own group, so that a deadline can kill all it started. */
	setpgid(0, 0);
	if (tty >= 0) {
		sigemptyset(&set);
		sigaddset(&set, SIGTTOU);
		sigprocmask(SIG_BLOCK, &set, NULL);
		tcsetpgrp(tty, getpid());
	}
	if (out == STDOUT_FILENO)
		fcntl(out, F_SETFD, 0);
	else
		dup2(out, STDOUT_FILENO);
	close_range(3, ~0U, 0);
	/* The daemon ignores SIGPIPE; the command should not inherit that. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGTTOU, &sa, NULL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

/* Gives the terminal back to our own process group. */
static void
secretcmd_tty_back(int tty)
{
	sigset_t set, old;

	if (tty < 0)
		return;
	sigemptyset(&set);
	sigaddset(&set, SIGTTOU);
	sigprocmask(SIG_BLOCK, &set, &old);
	tcsetpgrp(tty, getpgrp());
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/*
 * Starts secretcmd.  In the foreground of a terminal the command gets the
 * terminal (it may ask for a passphrase) and a longer deadline.
 */
static int
secretcmd_start(const char *cmd, struct secretrun *r)
{
	int p[2];

	r->tty = isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp()
	    ? STDIN_FILENO : -1;
	r->deadline = clock_ms() + 1000 * (int64_t)(r->tty >= 0 ?
	    CONFIG_SECRET_WAIT_TTY : CONFIG_SECRET_WAIT);
	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	fflush(NULL);
	if ((r->pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (r->pid == 0)
		secretcmd_child(cmd, p[1], r->tty);
	setpgid(r->pid, r->pid);	/* whichever of us comes first */
	if (r->tty >= 0)
		tcsetpgrp(r->tty, r->pid);
	close(p[1]);
	r->fd = p[0];
	/* Only poll() waits: a wake-up from the stop fd must not block. */
	fcntl(r->fd, F_SETFL, O_NONBLOCK);
	return 0;
}

/* Reads the command's output to its end: the first line is kept. */
static int
secretcmd_read(struct secretrun *r)
{
	char buf[1024];
	ssize_t n;
	int64_t left;

	for (;;) {
		if ((left = r->deadline - clock_ms()) <= 0)
			return RUN_LATE;
		secret_poll(r->fd, left);
		if (secret_must_stop())
			return RUN_STOPPED;
		n = read(r->fd, buf, sizeof(buf));
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return RUN_DONE;
		firstline_add(&r->line, buf, (size_t)n);
		explicit_bzero(buf, sizeof(buf));
		if (r->line.toolong)
			return RUN_LONG;
	}
}

/* Waits for the command to exit, within the deadline. */
static int
secretcmd_reap(struct secretrun *r, int *status)
{
	int64_t left;
	pid_t w;

	for (;;) {
		if ((w = waitpid(r->pid, status, WNOHANG)) == r->pid)
			return RUN_DONE;
		if (w == -1 && errno != EINTR) {
			*status = -1;
			return RUN_DONE;
		}
		if ((left = r->deadline - clock_ms()) <= 0)
			return RUN_LATE;
		secret_poll(-1, left < 20 ? left : 20);
		if (secret_must_stop())
			return RUN_STOPPED;
	}
}

/* Ends a command that is late, too long or no longer wanted. */
static void
secretcmd_kill(struct secretrun *r, int *status)
{
	kill(-r->pid, SIGKILL);
	kill(r->pid, SIGKILL);
	while (waitpid(r->pid, status, 0) == -1 && errno == EINTR)
		;
}

/* Why a secretcmd that ran to its end gave no password. */
static int
secret_fail_exit(const struct account *a, char *err, size_t errlen,
    int status, const char *why)
{
	int code;

	if (status == -1)
		return secret_fail(a, err, errlen, "secretcmd failed: its exit "
		    "status was lost");
	if (WIFSIGNALED(status))
		return secret_fail(a, err, errlen, "secretcmd failed: killed by "
		    "signal %d", WTERMSIG(status));
	if ((code = WEXITSTATUS(status)) != 0)
		return secret_fail(a, err, errlen, "secretcmd failed: exit "
		    "status %d%s", code, code == 127 ? " (the shell found no "
		    "such command)" : code == 126 ? " (the command could not "
		    "be run)" : "");
	return secret_fail(a, err, errlen, "secretcmd printed no password: "
	    "%s", why);
}

/*
 * Runs secretcmd: the first line it prints is the password.  It never
 * holds the daemon longer than its deadline, nor reads more than a line
 * of CONFIG_SECRET_MAX bytes, and the command itself is never repeated in
 * a message: its arguments may hold a passphrase.
 */
int
secret_from_cmd(struct account *a, char *err, size_t errlen)
{
	struct secretrun *r = xcalloc(1, sizeof(*r));
	char why[256];
	int how, status = -1, wait_s;

	if (secretcmd_start(a->secretcmd, r) == -1) {
		free(r);
		return secret_fail(a, err, errlen, "secretcmd cannot be "
		    "started: %s", strerror(errno));
	}
	wait_s = r->tty >= 0 ? CONFIG_SECRET_WAIT_TTY : CONFIG_SECRET_WAIT;
	if ((how = secretcmd_read(r)) == RUN_DONE)
		how = secretcmd_reap(r, &status);
	if (how != RUN_DONE)
		secretcmd_kill(r, &status);
	secretcmd_tty_back(r->tty);
	close(r->fd);
	a->secret = firstline_take(&r->line, why, sizeof(why));
	free(r);
	if (how == RUN_DONE && status == 0 && a->secret != NULL)
		return 0;
	if (a->secret != NULL)
		explicit_bzero(a->secret, strlen(a->secret));
	free(a->secret);
	a->secret = NULL;
	if (how == RUN_LATE)
		return secret_fail(a, err, errlen, "secretcmd gave no password "
		    "within %d seconds, and was killed", wait_s);
	if (how == RUN_LONG)
		return secret_fail(a, err, errlen, "secretcmd printed a first "
		    "line longer than %d bytes, and was killed",
		    CONFIG_SECRET_MAX);
	if (how == RUN_STOPPED)
		return secret_fail(a, err, errlen, "secretcmd was killed: "
		    "xmppd is stopping");
	return secret_fail_exit(a, err, errlen, status, why);
}

