/*
 * control.c: the local socket where xmpp-send, xmpp-status and xmpp-recv
 * talk to the daemon, as a transport (control.h): connections, who may
 * use them, buffers, the framing of request lines and bodies, and the
 * order of requests.  What a request means is up to the functions main.c
 * handed over (requests.c); this file knows nothing of SEND or JOIN.
 *
 * Every client socket is non-blocking and has bounded buffers, so a slow
 * or hostile client costs only its own connection: one that leaves
 * CONTROL_OUT_PAUSE of replies unread gets nothing more read or answered
 * until it reads, and long answers are made as it reads them.  A
 * connection that cannot be parsed any more (an overlong line, a NUL
 * byte in a line, a body too large to skip) is closed.  Client
 * descriptors from FD_SETSIZE / 2 up are moved above FD_SETSIZE when
 * possible, so that at least half of the low numbers stay free for the
 * XMPP socket, which libstrophe select()s on (the few clients of a
 * quiet daemon keep theirs: two system calls less for each).
 *
 * Clients may not take the last descriptors the daemon has (the spool,
 * the XMPP link and the hook need some): beyond that, and whenever
 * accept() finds no descriptor left, a new client is told "ERR 75" and
 * closed at once, since one left waiting would keep the listening socket
 * readable and the loop spinning.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sysexits.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "proto.h"
#include "util.h"
#include "xmppd.h"

#define CONTROL_MAX_CLIENTS	4096
#define CONTROL_FD_RESERVE	32	/* descriptors clients may not take */
#define CONTROL_PAUSE_MS	1000	/* listener unpolled, out of fds */

struct ctl {
	struct ctl	*next, *prev;
	int		 fd;
	uid_t		 uid;
	struct buf	 in, out;
	int64_t		 idle_deadline;
	void		*state;		/* the requests' own (ops->open) */
	int		 body_due;	/* a body is announced... */
	size_t		 body_len;	/* ...of this many bytes */
	size_t		 skip;		/* bytes of a refused body to discard */
	int		 closing;	/* no more requests: finish and close */
	int		 draining;	/* we half-closed; discarding input */
	int		 eof;		/* the client will send nothing more */
	int		 gone;		/* the connection failed: close now */
};

static struct {
	int		 fd;
	char		 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int		 group_set;
	gid_t		 gid;
	struct control_ops ops;
	struct ctl	*clients;
	int		 count;
	int		 released;	/* see control_must_look() */
	int		 spare;		/* /dev/null, given up to refuse */
	int		 full;		/* refusing clients; logged once */
	int64_t		 paused_until;	/* out of fds, no spare: wait */
	uid_t		 euid;		/* ours, for peer_allowed() */
	int		 max_clients;	/* this turn's; -1: not asked yet */
} ctl = { .fd = -1, .spare = -1, .max_clients = -1 };

void
control_send(struct ctl *c, const void *data, size_t len)
{
	buf_append(&c->out, data, len);
}

size_t
control_pending(const struct ctl *c)
{
	return c->out.len;
}

void
control_expect_body(struct ctl *c, size_t len)
{
	c->body_due = 1;
	c->body_len = len;
}

void
control_skip(struct ctl *c, size_t len)
{
	c->skip = len;
	if (c->skip > CONTROL_SKIP_MAX)
		c->closing = 1;
}

void
control_end(struct ctl *c)
{
	c->closing = 1;
}

int
control_init(const char *path, int group_set, gid_t gid,
    const struct control_ops *ops, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	mode_t old;

	ctl.ops = *ops;
	ctl.euid = geteuid();
	ctl.group_set = group_set;
	ctl.gid = gid;
	snprintf(ctl.path, sizeof(ctl.path), "%s", path);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	ctl.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctl.fd == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return EX_OSERR;
	}
	/* The caller holds the account's lock, so a leftover is stale. */
	unlink(path);
	old = umask(ctl.group_set ? 0117 : 0177);
	if (bind(ctl.fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		snprintf(err, errlen, "cannot bind %s: %s", path,
		    strerror(errno));
		return EX_CANTCREAT;
	}
	umask(old);
	if (ctl.group_set && chown(path, (uid_t)-1, ctl.gid) == -1) {
		snprintf(err, errlen, "chown %s: %s", path, strerror(errno));
		return EX_NOPERM;
	}
	if (listen(ctl.fd, 128) == -1) {
		snprintf(err, errlen, "listen %s: %s", path, strerror(errno));
		return EX_OSERR;
	}
	ctl.spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return 0;
}

/*
 * How many clients the open file limit leaves room for: asked once a
 * turn (control_io()), since the limit may be changed from outside
 * (prlimit).
 */
static int
control_max_clients(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur == RLIM_INFINITY
	    || rl.rlim_cur >= CONTROL_MAX_CLIENTS + CONTROL_FD_RESERVE)
		return CONTROL_MAX_CLIENTS;
	if (rl.rlim_cur <= CONTROL_FD_RESERVE)
		return 0;
	return (int)rl.rlim_cur - CONTROL_FD_RESERVE;
}

/* Tells a new client we cannot take it, and hangs up. */
static void
control_refuse(int fd, const char *why)
{
	dprintf(fd, "ERR %d too many clients (%s), try again later\n",
	    EX_TEMPFAIL, why);
	close(fd);
}

/*
 * accept() found no descriptor for a new client (maybe none waits: the
 * descriptor comes first).  Left in the queue, a client would keep the
 * listening socket readable: the spare descriptor is given up for a
 * moment to take it and refuse it.  Without a spare, the listener rests
 * for a while instead.  Logged once until a client is taken again.
 * Returns 0 if a client was refused, -1 if none is left to take.
 */
static int
control_starved(int err)
{
	int fd = -1, saved = err;

	if (ctl.spare != -1) {
		close(ctl.spare);
		fd = accept4(ctl.fd, NULL, NULL, SOCK_CLOEXEC);
		saved = errno;
		if (fd != -1)
			control_refuse(fd, "out of file descriptors");
		ctl.spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd == -1 && (saved == EAGAIN || saved == EINTR ||
		    saved == ECONNABORTED))
			return -1;	/* nobody was waiting */
	}
	if (!ctl.full)
		log_warn("out of file descriptors with %d clients (%s): new "
		    "clients are refused until some leave", ctl.count,
		    strerror(err));
	ctl.full = 1;
	if (fd != -1)
		return 0;
	ctl.paused_until = clock_ms() + CONTROL_PAUSE_MS;
	return -1;
}

/*
 * Is the peer allowed?  Our own uid, root, or a process in socketgroup:
 * as its primary group, or among its supplementary groups (as the kernel
 * reports them with SO_PEERGROUPS, else as the group database lists them).
 */
static int
peer_allowed(int fd, uid_t uid, gid_t gid)
{
	struct passwd *pw;
	gid_t groups[256];
	socklen_t len = sizeof(groups);
	int n = 256, i;

	if (uid == ctl.euid || uid == 0)
		return 1;
	if (!ctl.group_set)
		return 0;
	if (gid == ctl.gid)
		return 1;
#ifdef SO_PEERGROUPS
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == 0) {
		for (i = 0; i < (int)(len / sizeof(gid_t)); i++)
			if (groups[i] == ctl.gid)
				return 1;
		return 0;
	}
#endif
	(void)fd, (void)len;
	if ((pw = getpwuid(uid)) == NULL ||
	    getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) == -1)
		return 0;
	for (i = 0; i < n; i++)
		if (groups[i] == ctl.gid)
			return 1;
	return 0;
}

static void control_read(struct ctl *);
static void control_write(struct ctl *);

/* Returns 0 when a connection was taken (or refused), -1 when none waits. */
static int
control_accept(void)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct ctl *c;
	int fd, high;

	if ((fd = accept4(ctl.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC))
	    == -1) {
		if (errno == EMFILE || errno == ENFILE)
			return control_starved(errno);
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_warn("accept on %s: %s", ctl.path, strerror(errno));
		return -1;
	}
	if (fd >= FD_SETSIZE / 2 &&
	    (high = fcntl(fd, F_DUPFD_CLOEXEC, FD_SETSIZE)) != -1) {
		close(fd);
		fd = high;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1 ||
	    !peer_allowed(fd, cred.uid, cred.gid)) {
		dprintf(fd, "ERR %d permission denied: uid %ld may not use "
		    "account %s\n", EX_NOPERM, (long)cred.uid, xd.acct.name);
		log_warn("refused a client of uid %ld", (long)cred.uid);
		close(fd);
		return 0;
	}
	if (ctl.max_clients < 0)
		ctl.max_clients = control_max_clients();
	if (ctl.count >= ctl.max_clients) {
		if (!ctl.full)
			log_warn("%d clients, as many as the open file limit "
			    "leaves room for: new clients are refused until "
			    "some leave", ctl.count);
		ctl.full = 1;
		control_refuse(fd, "the daemon has as many as it can take");
		return 0;
	}
	if (ctl.full)
		log_info("taking new clients again (%d connected)", ctl.count);
	ctl.full = 0;
	c = xcalloc(1, sizeof(*c));
	c->fd = fd;
	c->uid = cred.uid;
	c->idle_deadline = clock_ms() + CONTROL_IDLE_MS;
	c->next = ctl.clients;
	if (ctl.clients)
		ctl.clients->prev = c;
	ctl.clients = c;
	ctl.count++;
	buf_printf(&c->out, "XMPPD %d %s\n", PROTO_VERSION, xd.acct.name);
	c->state = ctl.ops.open(c);
	/*
	 * The greeting goes out before anything of the client's is read: a
	 * client that got none knows that nothing it sent was taken (its
	 * status 69, "nothing sent", stays true).  Clients send their
	 * request without waiting for it: it is most often here already,
	 * and taken in this turn it shares the turn's commit.
	 */
	control_write(c);
	control_read(c);
	return 0;
}

/* A request in progress holds the connection: read nothing more. */
static int
held(const struct ctl *c)
{
	return ctl.ops.busy(c->state) == CONTROL_HELD;
}

/* A request is in progress: later ones wait their turn... */
static int
busy(const struct ctl *c)
{
	return ctl.ops.busy(c->state) != CONTROL_IDLE;
}

/* The client leaves many replies unread: take nothing more from it. */
static int
paused(const struct ctl *c)
{
	return c->out.len >= CONTROL_OUT_PAUSE;
}

/* ...unless the requests say the next one may join it. */
static int
may_take(const struct ctl *c)
{
	if (paused(c))
		return 0;
	switch (c->closing ? CONTROL_HELD : ctl.ops.busy(c->state)) {
	case CONTROL_IDLE:
		return 1;
	case CONTROL_BUSY:
		return c->body_due || c->skip > 0 ||
		    ctl.ops.ready(c->state, c->in.data, c->in.len);
	default:
		return 0;
	}
}

static void
control_close(struct ctl *c)
{
	ctl.ops.close(c->state);
	if (c->prev)
		c->prev->next = c->next;
	else
		ctl.clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	close(c->fd);
	buf_free(&c->in);
	buf_free(&c->out);
	free(c);
	ctl.count--;
}

/* Works through whatever complete requests the input holds. */
static void
process(struct ctl *c)
{
	size_t used, take;
	ssize_t n;

	while (may_take(c) && (c->in.len > 0 ||
	    c->body_due)) {
		if (c->skip > 0) {
			take = c->skip < c->in.len ? c->skip : c->in.len;
			buf_consume(&c->in, take);
			c->skip -= take;
			continue;
		}
		if (c->body_due) {
			/* An empty body may meet an empty (freed) buffer. */
			const char *data = c->in.data ? c->in.data : "";

			if (c->in.len < c->body_len)
				return;
			c->body_due = 0;
			ctl.ops.body(c->state, data, c->body_len);
			buf_consume(&c->in, c->body_len);
			continue;
		}
		n = proto_line(&c->in, &used);
		if (n == PROTO_MORE)
			return;
		if (n == PROTO_TOOLONG) {
			ctl.ops.error(c->state, EX_USAGE,
			    "request line too long");
			c->closing = 1;
			return;
		}
		if (memchr(c->in.data, '\0', (size_t)n) != NULL) {
			/*
			 * What the line announced (a body, its length) is
			 * unknown: what follows cannot be framed.
			 */
			ctl.ops.error(c->state, EX_USAGE,
			    "NUL byte in the request");
			c->closing = 1;
			return;
		}
		ctl.ops.line(c->state, c->in.data);
		buf_consume(&c->in, used);
		c->idle_deadline = clock_ms() + CONTROL_IDLE_MS;
	}
}

static void
control_read(struct ctl *c)
{
	char tmp[16384];
	ssize_t n;
	size_t limit = PROTO_LINE_MAX + PROTO_BODY_MAX + 2, room;

	/*
	 * Stop reading while a request waits, the buffer is full, or the
	 * client does not read its replies.
	 */
	room = c->closing ? sizeof(tmp) : limit - c->in.len;
	if (held(c) || room == 0 || (!c->closing && paused(c)))
		return;
	n = read(c->fd, tmp, room < sizeof(tmp) ? room : sizeof(tmp));
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == -1)
		c->gone = 1;
	else if (n == 0)
		c->eof = 1;	/* answer what came, then close */
	else if (!c->closing) {
		buf_append(&c->in, tmp, (size_t)n);
		process(c);
	}
}

static void
control_write(struct ctl *c)
{
	ssize_t n;

	if (c->out.len == 0)
		return;
	n = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL);
	if (n == -1 && errno != EAGAIN && errno != EINTR)
		c->gone = 1;
	if (n <= 0)
		return;
	buf_consume(&c->out, (size_t)n);
	/* A client reading its replies is not idle. */
	c->idle_deadline = clock_ms() + CONTROL_IDLE_MS;
	if (paused(c))
		return;
	ctl.ops.drained(c->state);
	/* Requests held back while it was paused: look before sleeping. */
	if (!busy(c) && !c->closing && c->in.len > 0)
		ctl.released = 1;
}

/*
 * A client with no request in progress is idle; so is one that leaves
 * its replies unread (its deadline moves on as it reads them).
 */
static int
idle_counts(const struct ctl *c)
{
	return !busy(c) || c->out.len > 0;
}

/*
 * Closes a client we are done with and returns 1.  Ending on our side,
 * we half-close and read what the client still sends until it hangs up,
 * so that it reads our last reply instead of a connection reset.
 */
static int
control_settle(struct ctl *c, int64_t now)
{
	if (c->gone || c->out.len > CONTROL_OUT_MAX ||
	    (idle_counts(c) && now >= c->idle_deadline) ||
	    (c->eof && !busy(c) && c->out.len == 0)) {
		control_close(c);
		return 1;
	}
	if (c->closing && !c->draining && !busy(c) && c->out.len == 0) {
		shutdown(c->fd, SHUT_WR);
		c->draining = 1;
		c->idle_deadline = now + 2000;
	}
	return 0;
}

int
control_pollfds(struct pollfd *pfd, int max)
{
	struct ctl *c;
	int n = 0;

	if (ctl.fd < 0 || max < 1)
		return 0;
	pfd[n].fd = ctl.fd;
	pfd[n++].events = clock_ms() < ctl.paused_until ? 0 : POLLIN;
	for (c = ctl.clients; c != NULL && n < max; c = c->next) {
		/* A waiting client still tells us when it hangs up. */
		pfd[n].fd = c->fd;
		pfd[n].events = !held(c) && !c->eof &&
		    (c->closing || !paused(c)) ? POLLIN : 0;
		if (c->out.len > 0)
			pfd[n].events |= POLLOUT;
		n++;
	}
	return n;
}

void
control_io(const struct pollfd *pfd, int n)
{
	struct ctl *c, *next;
	int64_t now = clock_ms();
	int i;

	if (n == 0)
		return;
	/* Clients were listed in list order after the listening socket. */
	for (i = 1, c = ctl.clients; c != NULL && i < n; c = next, i++) {
		next = c->next;
		if (pfd[i].revents & (POLLERR | POLLNVAL) ||
		    (pfd[i].revents & POLLHUP && !(pfd[i].revents & POLLIN)))
			c->gone = 1;
		else if (pfd[i].revents & POLLIN)
			control_read(c);
		/* Requests held back by one that has ended meanwhile. */
		if (!c->gone && !busy(c) && c->in.len > 0)
			process(c);
		if (c->out.len > 0 && !c->gone)
			control_write(c);
		control_settle(c, now);
	}
	/* Take every waiting connection, a bounded number per turn. */
	ctl.max_clients = -1;
	if (pfd[0].revents & POLLIN)
		for (i = 0; i < 64 && control_accept() == 0; i++)
			;
}

int64_t
control_timers(int64_t now)
{
	struct ctl *c, *next;
	int64_t soonest = ctl.paused_until > now ? ctl.paused_until : INT64_MAX;

	for (c = ctl.clients; c != NULL; c = next) {
		next = c->next;
		/* Requests queued behind one that has now ended. */
		if (!busy(c) && !c->closing && c->in.len > 0)
			process(c);
		if (c->out.len > 0)
			control_write(c);
		if (control_settle(c, now))
			continue;
		if (idle_counts(c) && c->idle_deadline < soonest)
			soonest = c->idle_deadline;
	}
	return soonest;
}

int
control_answered(struct ctl *c)
{
	c->idle_deadline = clock_ms() + CONTROL_IDLE_MS;
	if (!busy(c) && c->in.len > 0)
		ctl.released = 1;	/* see control_must_look() */
	control_write(c);
	return c->gone ? -1 : 0;
}

int
control_must_look(void)
{
	int r = ctl.released;

	ctl.released = 0;
	return r;
}

int
control_count(void)
{
	return ctl.count;
}

void
control_stop(void)
{
	while (ctl.clients != NULL)
		control_close(ctl.clients);
	if (ctl.fd != -1) {
		close(ctl.fd);
		unlink(ctl.path);
		ctl.fd = -1;
	}
	if (ctl.spare != -1) {
		close(ctl.spare);
		ctl.spare = -1;
	}
}
