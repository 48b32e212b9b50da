/*
 * control.c: the local socket where xmpp-send, xmpp-status and xmpp-recv
 * talk to the daemon (protocol in proto.h and xmppd(8)).
 *
 * Every client socket is non-blocking and has bounded buffers, so a slow
 * or hostile client costs only its own connection.  A malformed request
 * gets an ERR reply; a connection that cannot be parsed any more (an
 * overlong line, a body too large to skip) is closed.  Client descriptors
 * are moved above FD_SETSIZE when possible, leaving the low numbers to the
 * XMPP socket, which libstrophe select()s on.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sysexits.h>
#include <unistd.h>

#include "jid.h"
#include "log.h"
#include "proto.h"
#include "text.h"
#include "util.h"
#include "xmppd.h"

#define CONTROL_MAX_CLIENTS	4096
#define CONTROL_IDLE_MS		30000	/* a client with no request pending */
#define CONTROL_OUT_MAX		(4u << 20)	/* an unread INFO or body */
#define CONTROL_SKIP_MAX	(1u << 20)	/* refused bodies we read past */

struct ctl {
	struct ctl	*next, *prev;
	int		 fd;
	uid_t		 uid;
	struct buf	 in, out;
	int64_t		 idle_deadline;
	struct waiter	*waiting;	/* a RECV in progress */
	struct outmsg	*wait_msg;	/* a WAIT in progress */
	int64_t		 wait_deadline;
	int		 joining;	/* a JOIN in progress */
	int		 accepting;	/* messages waiting for the spool */
	char		*receipt;	/* a RECEIPT in progress: its id */
	int64_t		 receipt_deadline;
	/* A SEND whose body is still arriving. */
	char		*send_to;
	int		 send_flags;	/* QUEUE_GROUPCHAT, QUEUE_RECEIPT */
	int		 send_join;	/* the body is a room password */
	size_t		 body_len;
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
	struct ctl	*clients;
	int		 count;
} ctl = { .fd = -1 };

static void control_write(struct ctl *);
static void reply(struct ctl *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
reply(struct ctl *c, const char *fmt, ...)
{
	char line[PROTO_LINE_MAX];
	va_list ap;
	int n;

	/* No answer overtakes the "OK" of a message sent before it. */
	if (c->accepting > 0)
		queue_commit();
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 1)
		n = (int)sizeof(line) - 2;
	/* Keep replies on one line whatever an error text held. */
	for (char *p = line; p < line + n; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	line[n++] = '\n';
	buf_append(&c->out, line, (size_t)n);
}

static void
reply_body(struct ctl *c, const char *body, size_t len, const char *tag)
{
	if (tag != NULL)
		reply(c, "OK %zu %s", len, tag);
	else
		reply(c, "OK %zu", len);
	buf_append(&c->out, body, len);
	buf_append(&c->out, "\n", 1);
}

int
control_init(const char *path, int group_set, gid_t gid, char *err,
    size_t errlen)
{
	struct sockaddr_un sun;
	mode_t old;

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
	return 0;
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

	if (uid == geteuid() || uid == 0)
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
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_warn("accept on %s: %s", ctl.path, strerror(errno));
		return -1;
	}
	if ((high = fcntl(fd, F_DUPFD_CLOEXEC, FD_SETSIZE)) != -1) {
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
	if (ctl.count >= CONTROL_MAX_CLIENTS) {
		dprintf(fd, "ERR %d too many clients, try again\n",
		    EX_TEMPFAIL);
		close(fd);
		return 0;
	}
	c = xcalloc(1, sizeof(*c));
	c->fd = fd;
	c->uid = cred.uid;
	c->idle_deadline = clock_ms() + CONTROL_IDLE_MS;
	c->next = ctl.clients;
	if (ctl.clients)
		ctl.clients->prev = c;
	ctl.clients = c;
	ctl.count++;
	reply(c, "XMPPD %d %s", PROTO_VERSION, xd.acct.name);
	return 0;
}

/* A request that holds the connection is in progress. */
static int
held(const struct ctl *c)
{
	return c->waiting != NULL || c->wait_msg != NULL || c->joining ||
	    c->receipt != NULL;
}

/* A request is in progress: later ones wait their turn... */
static int
busy(const struct ctl *c)
{
	return held(c) || c->accepting > 0;
}

/*
 * ...except that more messages may follow messages waiting for the spool
 * into the same turn, so that a client sending many shares one fsync().
 */
static int
may_take(const struct ctl *c)
{
	static const char *sends[] = { "SEND ", "GSEND ", "RSEND " };
	const char *p = c->in.data, *end = p + c->in.len;
	size_t i, n;

	if (c->closing || held(c))
		return 0;
	if (c->accepting == 0 || c->send_to != NULL || c->skip > 0)
		return 1;
	while (p < end && (*p == '\n' || *p == '\r'))
		p++;	/* blank lines, as after a body */
	for (i = 0; i < sizeof(sends) / sizeof(sends[0]); i++) {
		n = strlen(sends[i]);
		if ((size_t)(end - p) >= n && memcmp(p, sends[i], n) == 0)
			return 1;
	}
	return 0;
}

static void
control_close(struct ctl *c)
{
	if (c->waiting)
		inbox_cancel(&xd.inbox, c->waiting);
	if (c->wait_msg)
		c->wait_msg->waiter = NULL;
	if (c->joining)
		muc_cancel(c);
	if (c->accepting)
		queue_forget(c);	/* accepted all the same */
	free(c->receipt);
	if (c->prev)
		c->prev->next = c->next;
	else
		ctl.clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	close(c->fd);
	buf_free(&c->in);
	buf_free(&c->out);
	free(c->send_to);
	free(c);
	ctl.count--;
}

/* inbox_deliver_fn: a RECV is answered (body) or timed out (NULL). */
void
control_deliver(void *owner, const char *body, size_t len, const char *tag)
{
	struct ctl *c = owner;

	c->waiting = NULL;
	c->idle_deadline = clock_ms() + CONTROL_IDLE_MS;
	if (body == NULL)
		reply(c, "ERR 1 no message before the timeout");
	else
		reply_body(c, body, len, tag);
	control_write(c);	/* the waiter is blocked on it: no detour */
}

/* A WAIT is answered: the message left the queue (see queue.c). */
void
control_message_done(void *owner, enum outbox_end why)
{
	struct ctl *c = owner;

	c->wait_msg = NULL;
	c->idle_deadline = clock_ms() + CONTROL_IDLE_MS;
	if (why == OUTBOX_CONFIRMED)
		reply(c, "OK confirmed");
	else
		reply(c, "ERR %d the message was given up (see the log)",
		    EX_TEMPFAIL);
	control_write(c);
}

/* The spool has this turn's messages (status 0), or failed. */
void
control_accepted(void *owner, const char *id, int status, const char *err)
{
	struct ctl *c = owner;

	c->accepting--;
	c->idle_deadline = clock_ms() + CONTROL_IDLE_MS;
	if (status == 0)
		reply(c, "OK %s", id);
	else
		reply(c, "ERR %d cannot accept the message: %s", status, err);
	control_write(c);
}

/* Validates a JID operand, replying with an error if it is bad. */
static int
want_jid(struct ctl *c, const char *s, int need_node, struct jid *j)
{
	const char *why;

	if ((why = jid_parse(s, need_node ? JID_NEED_NODE : 0, j)) != NULL) {
		reply(c, "ERR %d bad JID '%.200s': %s", EX_DATAERR, s, why);
		return -1;
	}
	return 0;
}

/*
 * SEND LEN JID (chat), GSEND LEN ROOM (group chat, in a room we joined),
 * RSEND LEN JID (chat asking for a receipt): the body follows.
 */
static void
cmd_send(struct ctl *c, char *args, int flags)
{
	char *w[2];
	unsigned long len;
	struct jid j;

	if (proto_split(args, w, 2) != 2 ||
	    proto_number(w[0], ULONG_MAX / 2, &len) == -1) {
		reply(c, "ERR %d usage: SEND LENGTH JID", EX_USAGE);
		c->closing = 1;	/* we cannot know where a body would end */
		return;
	}
	if (len > PROTO_BODY_MAX) {
		reply(c, "ERR %d message body too long (%lu bytes, the limit "
		    "is %d)", EX_DATAERR, len, PROTO_BODY_MAX);
		c->skip = len;
	} else if (want_jid(c, w[1], 1, &j) == -1)
		c->skip = len;
	else if ((flags & QUEUE_GROUPCHAT) && (j.has_resource ||
	    !muc_is_room(j.bare))) {
		reply(c, "ERR %d not in room %.200s (xmpp-join it first)",
		    EX_DATAERR, w[1]);
		c->skip = len;
	} else {
		c->send_to = xstrdup(w[1]);
		c->send_flags = flags;
		c->body_len = len;
	}
	if (c->skip > CONTROL_SKIP_MAX)
		c->closing = 1;
}

/* JOIN MS PWLEN ROOM[/NICK]: the room password (PWLEN bytes) follows. */
static void
cmd_join(struct ctl *c, char *args)
{
	char *w[3];
	unsigned long ms, len;
	struct jid j;

	if (proto_split(args, w, 3) != 3 ||
	    proto_number(w[0], 86400000UL, &ms) == -1 || ms == 0 ||
	    proto_number(w[1], 1024, &len) == -1) {
		reply(c, "ERR %d usage: JOIN MILLISECONDS PWLENGTH ROOM[/NICK]",
		    EX_USAGE);
		c->closing = 1;
		return;
	}
	if (want_jid(c, w[2], 1, &j) == -1) {
		c->skip = len;
		return;
	}
	c->send_to = xstrdup(w[2]);
	c->send_join = 1;
	c->body_len = len;
	c->wait_deadline = clock_ms() + (int64_t)ms;
}

/* The password of a JOIN has arrived: ask the room to let us in. */
static void
join_body(struct ctl *c, const char *password, size_t len)
{
	char pw[1025], nick[JID_PART_MAX + 1];
	struct jid j, me;
	int status;

	memcpy(pw, password, len);
	pw[len] = '\0';
	if (strpbrk(pw, "\t\r\n") != NULL ||
	    text_check(pw, len, &(size_t){ 0 }) != NULL) {
		reply(c, "ERR %d the room password must be one line of text",
		    EX_DATAERR);
		explicit_bzero(pw, sizeof(pw));
		return;
	}
	jid_parse(c->send_to, 0, &j);
	jid_parse(xd.acct.username, 0, &me);
	/* Asterisk's default nickname: the account's local part. */
	if (j.has_resource)
		snprintf(nick, sizeof(nick), "%s", j.resource);
	else
		snprintf(nick, sizeof(nick), "%.*s",
		    (int)strcspn(xd.acct.username, "@"), xd.acct.username);
	if ((status = muc_join(j.bare, nick, pw, c, c->wait_deadline)) != 0)
		reply(c, "ERR %d not connected to the server; try again later",
		    status);
	else
		c->joining = 1;
	explicit_bzero(pw, sizeof(pw));
}

/* A JOIN is answered: status 0, or the room's refusal. */
void
control_join_done(void *owner, int status, const char *why)
{
	struct ctl *c = owner;

	c->joining = 0;
	c->idle_deadline = clock_ms() + CONTROL_IDLE_MS;
	if (status == 0)
		reply(c, "OK joined");
	else
		reply(c, "ERR %d the room refused: %s", status, why);
	control_write(c);
}

static void
cmd_leave(struct ctl *c, char *args)
{
	struct jid j;

	if (args == NULL) {
		reply(c, "ERR %d usage: LEAVE ROOM", EX_USAGE);
		return;
	}
	if (want_jid(c, args, 1, &j) == -1)
		return;
	if (j.has_resource || muc_leave(j.bare) == -1)
		reply(c, "ERR %d not in room %.200s", EX_DATAERR, args);
	else
		reply(c, "OK left");
}

/* PRESENCE SHOW [TEXT]: our own presence, kept until changed. */
static void
cmd_presence(struct ctl *c, char *args)
{
	static const char *names[] = { NULL, "available", "chat", "away",
		"xa", "dnd" };
	char *w[2];
	int n, i;

	if (args == NULL || (n = proto_split(args, w, 2)) < 1) {
		reply(c, "ERR %d usage: PRESENCE SHOW [TEXT]", EX_USAGE);
		return;
	}
	for (i = 1; i <= SHOW_DND; i++)
		if (strcmp(w[0], names[i]) == 0)
			break;
	if (i > SHOW_DND) {
		reply(c, "ERR %d unknown show '%.20s': give available, chat, "
		    "away, xa or dnd", EX_DATAERR, w[0]);
		return;
	}
	if (n == 2 && text_check(w[1], strlen(w[1]), &(size_t){ 0 })) {
		reply(c, "ERR %d the status text is not valid UTF-8 text",
		    EX_DATAERR);
		return;
	}
	xd.presence_set = 1;
	xd.presence_show = (enum show)i;
	free(xd.presence_text);
	xd.presence_text = n == 2 ? xstrdup(w[1]) : NULL;
	session_presence_changed();
	reply(c, "OK");
}

/*
 * Receipts seen lately, so that one arriving before its RECEIPT request
 * is not missed.
 */
#define RECEIPTS_KEPT 128
static char receipts[RECEIPTS_KEPT][64];
static unsigned receipts_next;

void
control_receipt(const char *id)
{
	struct ctl *c;

	snprintf(receipts[receipts_next++ % RECEIPTS_KEPT], 64, "%s", id);
	for (c = ctl.clients; c != NULL; c = c->next)
		if (c->receipt != NULL && strcmp(c->receipt, id) == 0) {
			free(c->receipt);
			c->receipt = NULL;
			c->idle_deadline = clock_ms() + CONTROL_IDLE_MS;
			reply(c, "OK received");
			control_write(c);
		}
}

/* RECEIPT MS ID: answers once the recipient's client confirmed ID. */
static void
cmd_receipt(struct ctl *c, char *args)
{
	char *w[2];
	unsigned long ms;
	int i;

	if (args == NULL || proto_split(args, w, 2) != 2 ||
	    proto_number(w[0], 86400000UL * 7, &ms) == -1) {
		reply(c, "ERR %d usage: RECEIPT MILLISECONDS ID", EX_USAGE);
		return;
	}
	for (i = 0; i < RECEIPTS_KEPT; i++)
		if (strcmp(receipts[i], w[1]) == 0) {
			reply(c, "OK received");
			return;
		}
	c->receipt = xstrdup(w[1]);
	c->receipt_deadline = clock_ms() + (int64_t)ms;
}

/* The body of a SEND has arrived in full. */
static void
send_body(struct ctl *c, const char *body, size_t len)
{
	const char *why;
	char err[512];
	size_t where;
	int status;

	if (len == 0)
		reply(c, "ERR %d empty message", EX_DATAERR);
	else if ((why = text_check(body, len, &where)) != NULL)
		reply(c, "ERR %d %s at byte %zu of the message", EX_DATAERR,
		    why, where);
	else if ((status = queue_accept(c, c->send_to, c->send_flags, body,
	    len, err, sizeof(err))) != 0)
		reply(c, "ERR %d cannot accept the message: %s", status, err);
	else
		c->accepting++;	/* answered once it is on disk */
}

/* WAIT MS ID: answers once the server has confirmed message ID. */
static void
cmd_wait(struct ctl *c, char *args)
{
	char *w[2];
	unsigned long ms;
	struct outmsg *m;

	if (proto_split(args, w, 2) != 2 ||
	    proto_number(w[0], 86400000UL * 7, &ms) == -1) {
		reply(c, "ERR %d usage: WAIT MILLISECONDS ID", EX_USAGE);
		return;
	}
	if ((m = outbox_find(&xd.outbox, w[1])) == NULL) {
		/* Ours but no longer queued: the server has it, or not. */
		if (queue_given_up(w[1]))
			reply(c, "ERR %d the message was given up (see the log)",
			    EX_TEMPFAIL);
		else if (session_issued_id(w[1]))
			reply(c, "OK confirmed");
		else
			reply(c, "ERR %d unknown message id '%.64s'",
			    EX_DATAERR, w[1]);
		return;
	}
	if (m->waiter != NULL) {
		reply(c, "ERR %d another client waits for %s", EX_USAGE, m->id);
		return;
	}
	m->waiter = c;
	c->wait_msg = m;
	c->wait_deadline = clock_ms() + (int64_t)ms;
}

static void
cmd_status(struct ctl *c, char *args)
{
	struct jid j;

	if (args == NULL) {
		if (session_online())
			reply(c, "OK %d", (int)(xd.presence_set ?
			    xd.presence_show : xd.acct.status));
		else
			reply(c, "ERR 1 not connected to the server");
		return;
	}
	if (want_jid(c, args, 0, &j) == -1)
		return;
	if (!session_online())
		reply(c, "ERR %d not connected to the server (reconnecting); "
		    "try again later", EX_TEMPFAIL);
	else
		reply(c, "OK %d", roster_status(&xd.roster, j.bare,
		    j.has_resource ? j.resource : NULL));
}

/* RECV MS [JID]: the oldest message from JID (from anyone without it). */
static void
cmd_recv(struct ctl *c, char *args)
{
	char *w[2];
	unsigned long ms;
	struct jid j;
	int64_t now = clock_ms();
	int n = proto_split(args, w, 2);

	if (n < 1 || proto_number(w[0], 86400000UL * 7, &ms) == -1 ||
	    ms == 0) {
		reply(c, "ERR %d usage: RECV MILLISECONDS [JID]", EX_USAGE);
		return;
	}
	if (n == 2 && want_jid(c, w[1], 0, &j) == -1)
		return;
	c->waiting = inbox_wait(&xd.inbox, n == 2 ? j.bare : NULL,
	    n == 2 && j.has_resource ? j.resource : NULL, now + (int64_t)ms,
	    c, now);
	if (c->waiting != NULL)
		log_debug("a client waits %lu ms for %s", ms,
		    n == 2 ? w[1] : "anyone");
}

/* Appends s with tab, newline, CR and backslash escaped (one field). */
static void
tsv_field(struct buf *b, const char *s)
{
	for (; s != NULL && *s; s++) {
		if (*s == '\t')
			buf_append(b, "\\t", 2);
		else if (*s == '\n')
			buf_append(b, "\\n", 2);
		else if (*s == '\r')
			buf_append(b, "\\r", 2);
		else if (*s == '\\')
			buf_append(b, "\\\\", 2);
		else
			buf_append(b, s, 1);
	}
}

static void
info_contact(struct contact *ct, void *arg)
{
	struct buf *b = arg;
	struct resource *r;

	buf_printf(b, "contact\t%s\t%s\t%s\t%d\n", ct->bare,
	    ct->in_roster && ct->is_buddy ? "both" :
	    ct->is_buddy ? "buddy" : "roster",
	    ct->subscription ? ct->subscription : "none",
	    roster_status(&xd.roster, ct->bare, NULL));
	for (r = ct->resources; r != NULL; r = r->next) {
		buf_printf(b, "resource\t%s\t", ct->bare);
		tsv_field(b, r->name);
		buf_printf(b, "\t%d\t%d\t", (int)r->show, r->priority);
		tsv_field(b, r->text);
		buf_append(b, "\n", 1);
	}
}

/* INFO: the account and its contacts, tab-separated (see xmppd(8)). */
static void
cmd_info(struct ctl *c)
{
	struct buf b = { 0 };
	struct waiter *w;
	size_t waiting = 0;

	for (w = xd.inbox.waiters; w != NULL; w = w->next)
		waiting++;
	buf_printf(&b, "account\t%s\t%s\t%s\t%lld\t%zu\t%zu\t%zu\n",
	    xd.acct.name, session_state(), session_bound_jid(),
	    (long long)((clock_ms() - xd.started) / 1000), xd.outbox.count,
	    xd.inbox.count, waiting);
	roster_foreach(&xd.roster, info_contact, &b);
	reply_body(c, b.data ? b.data : "", b.len, NULL);
	buf_free(&b);
}

static void
dispatch(struct ctl *c, char *line)
{
	char *args = strchr(line, ' ');

	if (*line == '\0')
		return;		/* blank lines are harmless, e.g. after a body */
	if (args != NULL)
		*args++ = '\0';
	if (strcmp(line, "SEND") == 0)
		cmd_send(c, args ? args : "", 0);
	else if (strcmp(line, "GSEND") == 0)
		cmd_send(c, args ? args : "", QUEUE_GROUPCHAT);
	else if (strcmp(line, "RSEND") == 0)
		cmd_send(c, args ? args : "", QUEUE_RECEIPT);
	else if (strcmp(line, "JOIN") == 0)
		cmd_join(c, args ? args : "");
	else if (strcmp(line, "LEAVE") == 0)
		cmd_leave(c, args);
	else if (strcmp(line, "PRESENCE") == 0)
		cmd_presence(c, args);
	else if (strcmp(line, "RECEIPT") == 0)
		cmd_receipt(c, args);
	else if (strcmp(line, "STATUS") == 0)
		cmd_status(c, args);
	else if (strcmp(line, "RECV") == 0)
		cmd_recv(c, args ? args : "");
	else if (strcmp(line, "WAIT") == 0)
		cmd_wait(c, args ? args : "");
	else if (strcmp(line, "PING") == 0 && args == NULL)
		reply(c, "OK");
	else if (strcmp(line, "INFO") == 0 && args == NULL)
		cmd_info(c);
	else if (strcmp(line, "QUIT") == 0 && args == NULL) {
		reply(c, "OK bye");
		c->closing = 1;
	} else
		reply(c, "ERR %d unknown request '%.40s'", EX_USAGE, line);
}

/* Works through whatever complete requests the input holds. */
static void
process(struct ctl *c)
{
	size_t used, take;
	ssize_t n;

	while (may_take(c) && (c->in.len > 0 ||
	    (c->send_to != NULL && c->body_len == 0))) {
		if (c->skip > 0) {
			take = c->skip < c->in.len ? c->skip : c->in.len;
			buf_consume(&c->in, take);
			c->skip -= take;
			continue;
		}
		if (c->send_to != NULL) {
			/* An empty body may meet an empty (freed) buffer. */
			const char *data = c->in.data ? c->in.data : "";

			if (c->in.len < c->body_len)
				return;
			if (c->send_join)
				join_body(c, data, c->body_len);
			else
				send_body(c, data, c->body_len);
			free(c->send_to);
			c->send_to = NULL;
			c->send_join = 0;
			buf_consume(&c->in, c->body_len);
			continue;
		}
		n = proto_line(&c->in, &used);
		if (n == PROTO_MORE)
			return;
		if (n == PROTO_TOOLONG) {
			reply(c, "ERR %d request line too long", EX_USAGE);
			c->closing = 1;
			return;
		}
		if (memchr(c->in.data, '\0', (size_t)n) != NULL)
			reply(c, "ERR %d NUL byte in the request", EX_USAGE);
		else
			dispatch(c, c->in.data);
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

	/* Stop reading while a request waits, or the buffer is full. */
	room = c->closing ? sizeof(tmp) : limit - c->in.len;
	if (held(c) || room == 0)
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
	if (n > 0)
		buf_consume(&c->out, (size_t)n);
	else if (n == -1 && errno != EAGAIN && errno != EINTR)
		c->gone = 1;
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
	    (!busy(c) && now >= c->idle_deadline) ||
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
	pfd[n++].events = POLLIN;
	for (c = ctl.clients; c != NULL && n < max; c = c->next) {
		/* A waiting client still tells us when it hangs up. */
		pfd[n].fd = c->fd;
		pfd[n].events = (!held(c) && !c->eof) ? POLLIN : 0;
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
	if (pfd[0].revents & POLLIN)
		for (i = 0; i < 64 && control_accept() == 0; i++)
			;
}

int64_t
control_timers(int64_t now)
{
	struct ctl *c, *next;
	int64_t soonest = inbox_expire(&xd.inbox, now);

	for (c = ctl.clients; c != NULL; c = next) {
		next = c->next;
		if (c->wait_msg != NULL && now >= c->wait_deadline) {
			c->wait_msg->waiter = NULL;
			c->wait_msg = NULL;
			reply(c, "ERR %d not confirmed by the server in time; "
			    "the message stays queued", EX_TEMPFAIL);
			c->idle_deadline = now + CONTROL_IDLE_MS;
		}
		if (c->receipt != NULL && now >= c->receipt_deadline) {
			free(c->receipt);
			c->receipt = NULL;
			reply(c, "ERR 1 no receipt before the deadline");
			c->idle_deadline = now + CONTROL_IDLE_MS;
		}
		/* Requests queued behind one that has now ended. */
		if (!busy(c) && !c->closing && c->in.len > 0)
			process(c);
		if (c->out.len > 0)
			control_write(c);
		if (control_settle(c, now))
			continue;
		if (c->wait_msg != NULL && c->wait_deadline < soonest)
			soonest = c->wait_deadline;
		else if (c->receipt != NULL && c->receipt_deadline < soonest)
			soonest = c->receipt_deadline;
		else if (!busy(c) && c->idle_deadline < soonest)
			soonest = c->idle_deadline;
	}
	return soonest;
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
}
