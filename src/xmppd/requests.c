/*
 * requests.c: what each request on the local socket does (the protocol
 * is in proto.h and xmppd(8)), and the answers to those that wait: a
 * RECV's message, a WAIT's confirmation, a JOIN's outcome, a receipt, an
 * upload slot, a message on disk.  control.c owns the connections and hands requests
 * over one at a time, in order, with the state kept here for each
 * client (struct req); the parts below answer through the functions
 * main.c handed them, which are the request_*() ones at the end.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "control.h"
#include "jid.h"
#include "log.h"
#include "proto.h"
#include "text.h"
#include "util.h"
#include "xmppd.h"

/*
 * An INFO answer made as the client reads it: its length was announced
 * from the roster as it was; contacts that change meanwhile are written
 * as they are now, within that length (see info_piece()).
 */
struct info {
	struct roster_cursor cur;	/* the next contact */
	size_t		 left;		/* bytes of the body still due */
	int		 padding;	/* no more contacts: fill up */
};

/* What one client has asked for and not yet been answered. */
struct req {
	struct req	*next, *prev;
	struct ctl	*ctl;
	struct waiter	*waiting;	/* a RECV in progress */
	struct outmsg	*wait_msg;	/* a WAIT in progress */
	int64_t		 wait_deadline;
	int		 joining;	/* a JOIN in progress */
	int		 slotting;	/* a SLOT in progress */
	int		 accepting;	/* messages waiting for the spool */
	char		*receipt;	/* a RECEIPT in progress: its id */
	int64_t		 receipt_deadline;
	/* A SEND or JOIN whose body is still arriving. */
	char		*send_to;
	int		 send_flags;	/* QUEUE_GROUPCHAT, _RECEIPT, _OOB */
	int		 send_join;	/* the body is a room password */
	struct info	*info;		/* an INFO answer in progress */
};

static struct req *reqs;

/* Appends a reply line; none overtakes an "OK" still due (see queue.c). */
static void __attribute__((format(printf, 2, 3)))
reply(struct req *c, const char *fmt, ...)
{
	char line[PROTO_LINE_MAX];
	va_list ap;
	int n;

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
	control_send(c->ctl, line, (size_t)n);
}

/* Appends "OK LEN [TAG]", the body and a newline. */
static void
reply_body(struct req *c, const char *body, size_t len, const char *tag)
{
	if (tag != NULL)
		reply(c, "OK %zu %s", len, tag);
	else
		reply(c, "OK %zu", len);
	control_send(c->ctl, body, len);
	control_send(c->ctl, "\n", 1);
}

/*
 * inbox_deliver_fn: a RECV is answered (body) or timed out (NULL).  The
 * answer is written at once: a client that has gone (killed while we were
 * busy or stopped) does not take the message, which stays in the inbox.
 * A client that only shut down its side for writing still reads.
 */
int
request_delivered(void *owner, const char *body, size_t len,
    const char *tag)
{
	struct req *c = owner;

	c->waiting = NULL;
	if (body == NULL)
		reply(c, "ERR 1 no message before the timeout");
	else
		reply_body(c, body, len, tag);
	return control_answered(c->ctl) == 0;
}

/* queue_ended_fn: a WAIT is answered, the message left the queue. */
void
request_message_ended(void *owner, enum outbox_end why)
{
	struct req *c = owner;

	c->wait_msg = NULL;
	if (why == OUTBOX_CONFIRMED)
		reply(c, "OK confirmed");
	else
		reply(c, "ERR %d the message was given up (see the log)",
		    EX_TEMPFAIL);
	control_answered(c->ctl);
}

/* queue_accepted_fn: the spool has the message (status 0), or failed. */
void
request_accepted(void *owner, const char *id, int status, const char *err)
{
	struct req *c = owner;

	c->accepting--;
	if (status == 0)
		reply(c, "OK %s", id);
	else
		reply(c, "ERR %d cannot accept the message: %s", status, err);
	control_answered(c->ctl);
}

/* Validates a JID operand, replying with an error if it is bad. */
static int
want_jid(struct req *c, const char *s, int need_node, struct jid *j)
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
 * RSEND LEN JID (chat asking for a receipt), OSEND LEN JID and OGSEND LEN
 * ROOM (the body is a URL, sent as out-of-band data too): the body
 * follows.
 */
static void
cmd_send(struct req *c, char *args, int flags)
{
	char *w[2];
	unsigned long len;
	const char *why;
	struct jid j;
	int status;

	if (proto_split(args, w, 2) != 2 ||
	    proto_number(w[0], ULONG_MAX / 2, &len) == -1) {
		reply(c, "ERR %d usage: SEND LENGTH JID", EX_USAGE);
		control_end(c->ctl);	/* we cannot know where a body ends */
		return;
	}
	if (len > PROTO_BODY_MAX) {
		reply(c, "ERR %d message body too long (%lu bytes, the limit "
		    "is %d)", EX_DATAERR, len, PROTO_BODY_MAX);
		control_skip(c->ctl, len);
	} else if (want_jid(c, w[1], 1, &j) == -1)
		control_skip(c->ctl, len);
	else if ((flags & QUEUE_GROUPCHAT) && (j.has_resource ||
	    !muc_is_room(j.bare))) {
		reply(c, "ERR %d not in room %.200s (xmpp-join it first)",
		    EX_DATAERR, w[1]);
		control_skip(c->ctl, len);
	} else if (!(flags & QUEUE_GROUPCHAT) && !j.has_resource &&
	    muc_is_room(j.bare)) {
		/* A chat message to a room bounces: say so now. */
		reply(c, "ERR %d %.200s is a group chat room: send to it with "
		    "xmpp-send -g", EX_DATAERR, w[1]);
		control_skip(c->ctl, len);
	} else if ((flags & QUEUE_GROUPCHAT) &&
	    (status = muc_shut_out(j.bare, &why)) != 0) {
		reply(c, "ERR %d %s", status, why);
		control_skip(c->ctl, len);
	} else {
		c->send_to = xstrdup(w[1]);
		c->send_flags = flags;
		control_expect_body(c->ctl, len);
	}
}

/* JOIN MS PWLEN ROOM[/NICK]: the room password (PWLEN bytes) follows. */
static void
cmd_join(struct req *c, char *args)
{
	char *w[3];
	unsigned long ms, len;
	struct jid j;

	if (proto_split(args, w, 3) != 3 ||
	    proto_number(w[0], 86400000UL, &ms) == -1 || ms == 0 ||
	    proto_number(w[1], 1024, &len) == -1) {
		reply(c, "ERR %d usage: JOIN MILLISECONDS PWLENGTH ROOM[/NICK]",
		    EX_USAGE);
		control_end(c->ctl);
		return;
	}
	if (want_jid(c, w[2], 1, &j) == -1) {
		control_skip(c->ctl, len);
		return;
	}
	c->send_to = xstrdup(w[2]);
	c->send_join = 1;
	control_expect_body(c->ctl, len);
	c->wait_deadline = clock_ms() + (int64_t)ms;
}

/* The password of a JOIN has arrived: ask the room to let us in. */
static void
join_body(struct req *c, const char *password, size_t len)
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

/* muc_joined_fn: a JOIN is answered: status 0, or the room's refusal. */
void
request_joined(void *owner, int status, const char *why)
{
	struct req *c = owner;

	c->joining = 0;
	if (status == 0)
		reply(c, "OK joined");
	else
		reply(c, "ERR %d the room refused: %s", status, why);
	control_answered(c->ctl);
}

static void
cmd_leave(struct req *c, char *args)
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
cmd_presence(struct req *c, char *args)
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
	presence_changed();
	reply(c, "OK");
}

/*
 * Receipts seen lately, so that one arriving before its RECEIPT request
 * is not missed.
 */
#define RECEIPTS_KEPT 128
static char receipts[RECEIPTS_KEPT][64];
static unsigned receipts_next;

/* message_receipt_fn: the recipient's client confirmed message id. */
void
request_receipt(const char *id)
{
	struct req *c;

	snprintf(receipts[receipts_next++ % RECEIPTS_KEPT], 64, "%s", id);
	for (c = reqs; c != NULL; c = c->next)
		if (c->receipt != NULL && strcmp(c->receipt, id) == 0) {
			free(c->receipt);
			c->receipt = NULL;
			reply(c, "OK received");
			control_answered(c->ctl);
		}
}

/* RECEIPT MS ID: answers once the recipient's client confirmed ID. */
static void
cmd_receipt(struct req *c, char *args)
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

/* One http(s) URL, without blanks or controls: what OSEND sends. */
static int
is_url(const char *s, size_t len)
{
	size_t i;

	if (!(len > 8 && memcmp(s, "https://", 8) == 0) &&
	    !(len > 7 && memcmp(s, "http://", 7) == 0))
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return 0;
	return 1;
}

/* upload_slot_fn: a SLOT is answered: the records, or why not. */
void
request_slotted(void *owner, int status, const char *text, size_t len)
{
	struct req *c = owner;

	c->slotting = 0;
	if (status == 0)
		reply_body(c, text, len, NULL);
	else
		reply(c, "ERR %d %.*s", status, (int)len, text);
	control_answered(c->ctl);
}

/* A MIME type, as HTTP writes one: TYPE/SUBTYPE of token characters. */
static int
is_mime_type(const char *s)
{
	const char *tchar = "!#$&^_.+-";
	int slashes = 0;

	if (*s == '/' || strlen(s) > 255)
		return 0;
	for (; *s; s++)
		if (*s == '/' && s[1] != '\0')
			slashes++;
		else if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' &&
		    *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		    strchr(tchar, *s) != NULL))
			return 0;
	return slashes == 1;
}

/*
 * SLOT MS SIZE TYPE NAME: an HTTP upload slot for a file of SIZE bytes
 * called NAME (a file name, no folder), within MS milliseconds.
 */
static void
cmd_slot(struct req *c, char *args)
{
	char *w[4], err[512];
	unsigned long ms, size;
	int status;

	if (args == NULL || proto_split(args, w, 4) != 4 ||
	    proto_number(w[0], 86400000UL, &ms) == -1 || ms == 0 ||
	    proto_number(w[1], ULONG_MAX, &size) == -1) {
		reply(c, "ERR %d usage: SLOT MILLISECONDS SIZE TYPE NAME",
		    EX_USAGE);
		return;
	}
	if (size == 0)
		reply(c, "ERR %d the file is empty: nothing to upload",
		    EX_DATAERR);
	else if (!is_mime_type(w[2]))
		reply(c, "ERR %d bad content type '%.100s' (give TYPE/SUBTYPE)",
		    EX_DATAERR, w[2]);
	else if (strchr(w[3], '/') != NULL || strlen(w[3]) > 255 ||
	    text_check(w[3], strlen(w[3]), &(size_t){ 0 }) != NULL ||
	    strpbrk(w[3], "\t\r") != NULL)
		reply(c, "ERR %d bad file name '%.100s' (at most 255 bytes of "
		    "text, no '/')", EX_DATAERR, w[3]);
	else if ((status = upload_slot(c, w[3], size, w[2], clock_ms() +
	    (int64_t)ms, err, sizeof(err))) != 0)
		reply(c, "ERR %d %s", status, err);
	else
		c->slotting = 1;
}

/* The body of a SEND has arrived in full. */
static void
send_body(struct req *c, const char *body, size_t len)
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
	else if ((c->send_flags & QUEUE_OOB) && !is_url(body, len))
		reply(c, "ERR %d an out-of-band message must be one URL "
		    "(http:// or https://, no blanks)", EX_DATAERR);
	else if ((status = queue_accept(c, c->send_to, c->send_flags, body,
	    len, err, sizeof(err))) != 0)
		reply(c, "ERR %d cannot accept the message: %s", status, err);
	else
		c->accepting++;	/* answered once it is on disk */
}

/* WAIT MS ID: answers once the server has confirmed message ID. */
static void
cmd_wait(struct req *c, char *args)
{
	char *w[2];
	unsigned long ms;
	struct outmsg *m;

	if (proto_split(args, w, 2) != 2 ||
	    proto_number(w[0], 86400000UL * 7, &ms) == -1) {
		reply(c, "ERR %d usage: WAIT MILLISECONDS ID", EX_USAGE);
		return;
	}
	if ((m = queue_find(w[1])) == NULL) {
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
cmd_status(struct req *c, char *args)
{
	struct jid j;

	if (args == NULL) {
		if (session_online())
			reply(c, "OK %d", (int)(xd.presence_set ?
			    xd.presence_show : xd.acct.status));
		else
			reply(c, "ERR 1 not connected to the server: %s",
			    session_why_offline());
		return;
	}
	if (want_jid(c, args, 1, &j) == -1)	/* a contact has a node */
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
cmd_recv(struct req *c, char *args)
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

/* Appends the contact's record and those of its resources. */
static void
info_contact(struct buf *b, struct contact *ct)
{
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

/* A room's record, after the account's (see Listing in xmpp-status(1)). */
static void
info_room(const char *jid, const char *nick, const char *state,
    const char *why, void *arg)
{
	struct buf *b = arg;

	buf_printf(b, "room\t%s\t", jid);
	tsv_field(b, nick);
	buf_printf(b, "\t%s\t", state);
	tsv_field(b, why);
	buf_append(b, "\n", 1);
}

/* One contact's records at a time, in a buffer kept for the purpose. */
static struct buf scratch;

static void
info_measure(struct contact *ct, void *arg)
{
	scratch.len = 0;
	info_contact(&scratch, ct);
	*(size_t *)arg += scratch.len;
}

/* The end of an INFO answer: it is complete. */
static void
info_done(struct req *c)
{
	roster_cursor_stop(&xd.roster, &c->info->cur);
	free(c->info);
	c->info = NULL;
	control_send(c->ctl, "\n", 1);
}

/*
 * Sends the next contact's records, if they fit in what is left of the
 * announced length; else what whole records fit, and the rest of the
 * length is filled with a line of spaces (contacts come and go while a
 * client reads a long answer).
 */
static void
info_piece(struct req *c, struct contact *ct)
{
	struct info *in = c->info;
	size_t n;

	scratch.len = 0;
	info_contact(&scratch, ct);
	if ((n = scratch.len) > in->left) {
		for (n = in->left; n > 0 && scratch.data[n - 1] != '\n'; n--)
			;
		in->padding = 1;
		roster_cursor_stop(&xd.roster, &in->cur);
	}
	control_send(c->ctl, scratch.data, n);
	in->left -= n;
}

/*
 * Goes on with an INFO answer while the client's unread replies stay
 * under CONTROL_OUT_PAUSE: whatever the roster's size, an answer costs
 * little memory, and only as fast as the client reads it.
 */
static void
info_fill(struct req *c)
{
	static char spaces[4096];
	struct contact *ct;
	size_t n;

	if (spaces[0] != ' ')
		memset(spaces, ' ', sizeof(spaces));
	while (c->info != NULL &&
	    control_pending(c->ctl) < CONTROL_OUT_PAUSE) {
		if (!c->info->padding && (ct =
		    roster_cursor_next(&xd.roster, &c->info->cur)) != NULL) {
			info_piece(c, ct);
			continue;
		}
		c->info->padding = 1;
		if ((n = c->info->left) > 1) {
			n = n - 1 < sizeof(spaces) ? n - 1 : sizeof(spaces);
			control_send(c->ctl, spaces, n);
		} else if (n == 1)
			control_send(c->ctl, "\n", 1);
		if ((c->info->left -= n) == 0)
			info_done(c);
	}
}

/* INFO: the account, its rooms and contacts, tab-separated (see xmppd(8)). */
static void
cmd_info(struct req *c)
{
	struct buf account = { 0 };
	struct waiter *w;
	size_t waiting = 0, len;

	for (w = xd.inbox.waiters; w != NULL; w = w->next)
		waiting++;
	buf_printf(&account, "account\t%s\t%s\t%s\t%lld\t%zu\t%zu\t%zu\n",
	    xd.acct.name, session_state(), session_bound_jid(),
	    (long long)((clock_ms() - xd.started) / 1000), xd.outbox.count,
	    xd.inbox.count, waiting);
	muc_foreach(info_room, &account);
	len = account.len;
	roster_foreach(&xd.roster, info_measure, &len);
	reply(c, "OK %zu", len);
	control_send(c->ctl, account.data, account.len);
	c->info = xcalloc(1, sizeof(*c->info));
	c->info->left = len - account.len;
	roster_cursor_start(&xd.roster, &c->info->cur);
	buf_free(&account);
	info_fill(c);
}

/* control_ops: a request line. */
static void
request_line(void *state, char *line)
{
	struct req *c = state;
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
	else if (strcmp(line, "OSEND") == 0)
		cmd_send(c, args ? args : "", QUEUE_OOB);
	else if (strcmp(line, "OGSEND") == 0)
		cmd_send(c, args ? args : "", QUEUE_OOB | QUEUE_GROUPCHAT);
	else if (strcmp(line, "SLOT") == 0)
		cmd_slot(c, args);
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
		control_end(c->ctl);
	} else
		reply(c, "ERR %d unknown request '%.40s'", EX_USAGE, line);
}

/* control_ops: the body of a SEND or JOIN has arrived in full. */
static void
request_body(void *state, const char *body, size_t len)
{
	struct req *c = state;

	if (c->send_join)
		join_body(c, body, len);
	else
		send_body(c, body, len);
	free(c->send_to);
	c->send_to = NULL;
	c->send_join = 0;
}

/* control_ops: input that is no request. */
static void
request_error(void *state, int status, const char *why)
{
	reply(state, "ERR %d %s", status, why);
}

/* A request in progress holds the connection. */
static int
held(const struct req *c)
{
	return c->waiting != NULL || c->wait_msg != NULL || c->joining ||
	    c->slotting || c->receipt != NULL || c->info != NULL;
}

/* control_ops: may control.c go on with this client's input? */
static enum control_busy
request_busy(void *state)
{
	struct req *c = state;

	if (held(c))
		return CONTROL_HELD;
	return c->accepting > 0 ? CONTROL_BUSY : CONTROL_IDLE;
}

/*
 * control_ops: while messages wait for the spool, more messages may join
 * them in the same turn, so that a client sending many shares one
 * fsync(); any other request waits for their answers.
 */
static int
request_ready(void *state, const char *p, size_t len)
{
	static const char *sends[] = { "SEND ", "GSEND ", "RSEND ", "OSEND ",
		"OGSEND " };
	const char *end = p + len;
	size_t i, n;

	(void)state;
	while (p < end && (*p == '\n' || *p == '\r'))
		p++;	/* blank lines, as after a body */
	for (i = 0; i < sizeof(sends) / sizeof(sends[0]); i++) {
		n = strlen(sends[i]);
		if ((size_t)(end - p) >= n && memcmp(p, sends[i], n) == 0)
			return 1;
	}
	return 0;
}

/* control_ops: a client connected. */
static void *
request_open(struct ctl *ctl)
{
	struct req *c = xcalloc(1, sizeof(*c));

	c->ctl = ctl;
	c->next = reqs;
	if (reqs)
		reqs->prev = c;
	reqs = c;
	return c;
}

/* control_ops: the client is gone; what it waited for forgets it. */
static void
request_close(void *state)
{
	struct req *c = state;

	if (c->waiting)
		inbox_cancel(&xd.inbox, c->waiting);
	if (c->wait_msg)
		c->wait_msg->waiter = NULL;
	if (c->joining)
		muc_cancel(c);
	if (c->slotting)
		upload_cancel(c);
	if (c->accepting)
		queue_forget(c);	/* accepted all the same */
	if (c->info) {
		roster_cursor_stop(&xd.roster, &c->info->cur);
		free(c->info);
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		reqs = c->next;
	if (c->next)
		c->next->prev = c->prev;
	free(c->receipt);
	free(c->send_to);
	free(c);
}

/* control_ops: the client read some replies: an INFO answer goes on. */
static void
request_drained(void *state)
{
	struct req *c = state;

	if (c->info != NULL)
		info_fill(c);
}

const struct control_ops request_ops = {
	.open = request_open,
	.line = request_line,
	.error = request_error,
	.body = request_body,
	.busy = request_busy,
	.ready = request_ready,
	.close = request_close,
	.drained = request_drained,
};

/* Deadlines of WAIT and RECEIPT, and of the messages kept for RECV. */
int64_t
request_timers(int64_t now)
{
	struct req *c;
	int64_t soonest = inbox_expire(&xd.inbox, now);

	for (c = reqs; c != NULL; c = c->next) {
		if (c->wait_msg != NULL && now >= c->wait_deadline) {
			c->wait_msg->waiter = NULL;
			c->wait_msg = NULL;
			reply(c, "ERR %d not confirmed by the server in time; "
			    "the message stays queued", EX_TEMPFAIL);
			control_answered(c->ctl);
		}
		if (c->receipt != NULL && now >= c->receipt_deadline) {
			free(c->receipt);
			c->receipt = NULL;
			reply(c, "ERR 1 no receipt before the deadline");
			control_answered(c->ctl);
		}
		if (c->wait_msg != NULL && c->wait_deadline < soonest)
			soonest = c->wait_deadline;
		else if (c->receipt != NULL && c->receipt_deadline < soonest)
			soonest = c->receipt_deadline;
	}
	return soonest;
}
