/*
 * hook.c: the incoming-message hook, what Asterisk's sendtodialplan was
 * for scripts.  For each message that xmpp-recv could return, the program
 * named by the `hook` option runs without a shell: the sender and the
 * message type as arguments, the body on stdin, details in XMPP_*
 * variables.  At most `hookmax` run at once (more wait their turn, up to
 * HOOK_QUEUE_MAX); each gets `hooktimeout` seconds, then SIGTERM and, two
 * seconds later, SIGKILL.  How each one ended is logged.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "xmppd.h"

#define HOOK_QUEUE_MAX	256
#define HOOK_KILL_GRACE	2000	/* ms between SIGTERM and SIGKILL */

struct hookmsg {
	struct hookmsg	*next;
	char		*from, *type, *id, *body;
	size_t		 len;
};

struct job {
	struct job	*next;
	pid_t		 pid;
	char		*from;
	int64_t		 deadline;
	int		 terminated;	/* SIGTERM sent */
};

static struct job *jobs;
static int njobs;
static struct hookmsg *queue, *queue_tail;
static int nqueued;

static void
hookmsg_free(struct hookmsg *m)
{
	free(m->from);
	free(m->type);
	free(m->id);
	free(m->body);
	free(m);
}

/* The body travels in an anonymous file, so writing it never blocks. */
static int
body_fd(const char *body, size_t len)
{
	int fd = memfd_create("xmppd-hook-body", MFD_CLOEXEC);
	size_t off = 0;
	ssize_t n;

	if (fd == -1)
		return -1;
	while (off < len) {
		if ((n = write(fd, body + off, len - off)) <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static void
child(const struct hookmsg *m, int in)
{
	struct sigaction sa;
	char *argv[4];

	dup2(in, 0);
	close_range(3, ~0U, 0);
	/* We ignore SIGPIPE; the hook should not inherit that. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGPIPE, &sa, NULL);
	/* The CA settings are the daemon's own business (see session.c). */
	if (xd.acct.cafile != NULL || xd.acct.capath != NULL) {
		unsetenv("SSL_CERT_FILE");
		unsetenv("SSL_CERT_DIR");
	}
	setenv("XMPP_ACCOUNT", xd.acct.name, 1);
	setenv("XMPP_FROM", m->from, 1);
	setenv("XMPP_TYPE", m->type, 1);
	setenv("XMPP_ID", m->id, 1);
	argv[0] = xd.acct.hook;
	argv[1] = m->from;
	argv[2] = m->type;
	argv[3] = NULL;
	execv(xd.acct.hook, argv);
	fprintf(stderr, "xmppd: hook %s: %s\n", xd.acct.hook, strerror(errno));
	_exit(127);
}

static void
start(struct hookmsg *m)
{
	struct job *j;
	pid_t pid;
	int fd;

	if ((fd = body_fd(m->body, m->len)) == -1 || (pid = fork()) == -1) {
		log_error("hook %s not run for the message from %s: %s",
		    xd.acct.hook, m->from, strerror(errno));
		if (fd != -1)
			close(fd);
		return;
	}
	if (pid == 0)
		child(m, fd);
	close(fd);
	j = xcalloc(1, sizeof(*j));
	j->pid = pid;
	j->from = xstrdup(m->from);
	j->deadline = clock_ms() + (int64_t)xd.acct.hooktimeout * 1000;
	j->next = jobs;
	jobs = j;
	njobs++;
}

void
hook_message(const char *from, const char *type, const char *id,
    const char *body, size_t len)
{
	struct hookmsg *m;

	if (xd.acct.hook == NULL)
		return;
	if (nqueued >= HOOK_QUEUE_MAX) {
		log_warn("hook queue full: message from %s not handed to %s",
		    from, xd.acct.hook);
		return;
	}
	m = xcalloc(1, sizeof(*m));
	m->from = xstrdup(from);
	m->type = xstrdup(type);
	m->id = xstrdup(id ? id : "");
	m->body = xmemdup(body, len);
	m->len = len;
	if (njobs < (int)xd.acct.hookmax) {
		start(m);
		hookmsg_free(m);
		return;
	}
	if (queue_tail)
		queue_tail->next = m;
	else
		queue = m;
	queue_tail = m;
	nqueued++;
}

static void
log_end(const struct job *j, int status)
{
	if (j->terminated)
		log_warn("hook for the message from %s stopped after %u s",
		    j->from, xd.acct.hooktimeout);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		log_info("hook for the message from %s exited with status 0",
		    j->from);
	else if (WIFEXITED(status))
		log_warn("hook for the message from %s exited with status %d",
		    j->from, WEXITSTATUS(status));
	else
		log_warn("hook for the message from %s killed by signal %d",
		    j->from, WTERMSIG(status));
}

int64_t
hook_timers(int64_t now)
{
	struct job **pp, *j;
	struct hookmsg *m;
	int64_t soonest = INT64_MAX;
	int status;

	for (pp = &jobs; (j = *pp) != NULL; ) {
		if (waitpid(j->pid, &status, WNOHANG) == j->pid) {
			log_end(j, status);
			*pp = j->next;
			free(j->from);
			free(j);
			njobs--;
			continue;
		}
		if (now >= j->deadline) {
			kill(j->pid, j->terminated ? SIGKILL : SIGTERM);
			j->terminated = 1;
			j->deadline = now + HOOK_KILL_GRACE;
		}
		if (j->deadline < soonest)
			soonest = j->deadline;
		pp = &j->next;
	}
	while (queue != NULL && njobs < (int)xd.acct.hookmax) {
		m = queue;
		if ((queue = m->next) == NULL)
			queue_tail = NULL;
		nqueued--;
		start(m);
		hookmsg_free(m);
		if (soonest > now + (int64_t)xd.acct.hooktimeout * 1000)
			soonest = now + (int64_t)xd.acct.hooktimeout * 1000;
	}
	return soonest;
}

void
hook_stop(void)
{
	struct job *j;
	struct hookmsg *m;

	while ((j = jobs) != NULL) {
		jobs = j->next;
		free(j->from);
		free(j);
	}
	while ((m = queue) != NULL) {
		queue = m->next;
		hookmsg_free(m);
	}
}
