/*
 * requests.c: what each request on the local socket does (the protocol
 * is in proto.h and xmppd(8)), and the answers to those that wait: a
 * RECV's message, a WAIT's confirmation, a JOIN's outcome, a receipt, a
 * message on disk.  control.c owns the connections and hands requests
 * over one at a time, in order.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "control.h"
#include "jid.h"
#include "log.h"
#include "text.h"
#include "util.h"
#include "xmppd.h"

/* inbox_deliver_fn: a RECV is answered (body) or timed out (NULL). */
void
control_deliver(void *owner, const char *body, size_t len, const char *tag)
{
	struct ctl *c = owner;

	c->waiting = NULL;
	if (body == NULL)
		reply(c, "ERR 1 no message before the timeout");
	else
		reply_body(c, body, len, tag);
	control_answered(c);
}

/* A WAIT is answered: the message left the queue (see queue.c). */
void
control_message_done(void *owner, enum outbox_end why)
{
	struct ctl *c = owner;

	c->wait_msg = NULL;
	if (why == OUTBOX_CONFIRMED)
		reply(c, "OK confirmed");
	else
		reply(c, "ERR %d the message was given up (see the log)",
		    EX_TEMPFAIL);
	control_answered(c);
}

/* The spool has this turn's messages (status 0), or failed. */
void
control_accepted(void *owner, const char *id, int status, const char *err)
{
	struct ctl *c = owner;

	c->accepting--;
	if (status == 0)
		reply(c, "OK %s", id);
	else
		reply(c, "ERR %d cannot accept the message: %s", status, err);
	control_answered(c);
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
	if (status == 0)
		reply(c, "OK joined");
	else
		reply(c, "ERR %d the room refused: %s", status, why);
	control_answered(c);
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
	for (c = control_clients(); c != NULL; c = c->next)
		if (c->receipt != NULL && strcmp(c->receipt, id) == 0) {
			free(c->receipt);
			c->receipt = NULL;
			reply(c, "OK received");
			control_answered(c);
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

void
request_dispatch(struct ctl *c, char *line)
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

void
request_body(struct ctl *c, const char *body, size_t len)
{
	if (c->send_join)
		join_body(c, body, len);
	else
		send_body(c, body, len);
}
