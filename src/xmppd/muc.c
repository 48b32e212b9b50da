/*
 * muc.c: group chat rooms (XEP-0045), as JabberJoin and JabberLeave gave
 * them to the dialplan, without forgetting them on reconnect: the rooms
 * joined are written to ROOMS_FILE in the spool folder and joined again
 * after every login, also after a restart.  History sent on join and our
 * own echoes never reach xmpp-recv.  A room that put us out (a kick, a
 * ban) or refused to let us back in takes no group message until we try
 * to enter it again: the sender is told why at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "jid.h"
#include "log.h"
#include "stanza.h"
#include "util.h"
#include "xmppd.h"

#define NS_MUC		"http://jabber.org/protocol/muc"
#define NS_MUC_USER	"http://jabber.org/protocol/muc#user"
#define NS_DELAY	"urn:xmpp:delay"
#define ROOMS_FILE	"rooms"

struct room {
	struct room	*next;
	char		*jid;		/* folded bare room JID */
	char		*nick;		/* NULL until the room first let us in */
	char		*password;	/* NULL: none */
	char		*want_nick;	/* a JOIN in progress asks for these */
	char		*want_password;
	int		 joined;	/* our own presence came back */
	void		*waiter;	/* a JOIN in progress */
	int64_t		 deadline;
	int		 out_status;	/* put out or refused: exit status */
	char		 out_why[512];	/* ...and why, for the sender */
};

static struct room *rooms;
static muc_joined_fn joined_fn;	/* tells a JOIN its outcome */

void
muc_init(muc_joined_fn fn)
{
	joined_fn = fn;
}

static struct room *
room_find(const char *bare)
{
	struct room *r;

	for (r = rooms; r != NULL; r = r->next)
		if (strcmp(r->jid, bare) == 0)
			return r;
	return NULL;
}

static void
room_forget_wish(struct room *r)
{
	free(r->want_nick);
	free(r->want_password);
	r->want_nick = r->want_password = NULL;
}

static void
room_free(struct room *r)
{
	room_forget_wish(r);
	free(r->jid);
	free(r->nick);
	free(r->password);
	free(r);
}

static void
room_remove(struct room *victim)
{
	struct room **pp;

	for (pp = &rooms; *pp != NULL; pp = &(*pp)->next)
		if (*pp == victim) {
			*pp = victim->next;
			room_free(victim);
			return;
		}
}

/* Writes the list of rooms atomically: ROOM TAB NICK [TAB PASSWORD]. */
static void
rooms_save(void)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	struct room *r;
	FILE *fp;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", xd.spooldir, ROOMS_FILE);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", xd.spooldir, ROOMS_FILE);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600))
	    == -1 || (fp = fdopen(fd, "w")) == NULL) {
		log_error("cannot save the rooms to %s: %s", tmp,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return;
	}
	for (r = rooms; r != NULL; r = r->next)
		if (r->nick != NULL)
			fprintf(fp, "%s\t%s%s%s\n", r->jid, r->nick,
			    r->password ? "\t" : "",
			    r->password ? r->password : "");
	if (fflush(fp) != 0 || fsync(fd) != 0 || fclose(fp) != 0 ||
	    rename(tmp, path) == -1)
		log_error("cannot save the rooms to %s: %s", path,
		    strerror(errno));
}

/*
 * Finds or makes the room's entry and records the nick and password a
 * JOIN asks for; they replace the current ones only once the room lets
 * us in, so a refused nick change leaves us where we were.
 */
static struct room *
room_want(const char *bare, const char *nick, const char *password)
{
	struct room *r = room_find(bare);

	if (r == NULL) {
		r = xcalloc(1, sizeof(*r));
		r->jid = xstrdup(bare);
		r->next = rooms;
		rooms = r;
	}
	room_forget_wish(r);
	r->want_nick = xstrdup(nick);
	r->want_password = password && *password ? xstrdup(password) : NULL;
	return r;
}

/* The room let us in: what we asked for is what we have. */
static void
room_commit(struct room *r)
{
	if (r->want_nick == NULL)
		return;
	free(r->nick);
	free(r->password);
	r->nick = r->want_nick;
	r->password = r->want_password;
	r->want_nick = r->want_password = NULL;
}

void
muc_load(void)
{
	char path[PATH_MAX], *line = NULL, *nick, *pw;
	size_t cap = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", xd.spooldir, ROOMS_FILE);
	if ((fp = fopen(path, "r")) == NULL)
		return;
	while (getline(&line, &cap, fp) > 0) {
		line[strcspn(line, "\n")] = '\0';
		if ((nick = strchr(line, '\t')) == NULL)
			continue;
		*nick++ = '\0';
		if ((pw = strchr(nick, '\t')) != NULL)
			*pw++ = '\0';
		room_commit(room_want(line, nick, pw));
	}
	free(line);
	fclose(fp);
}

/* A new attempt to enter: whatever kept us out may be over. */
static void
send_join(struct room *r)
{
	xmpp_stanza_t *p = xmpp_presence_new(session_ctx()), *x, *h;
	const char *nick = r->want_nick ? r->want_nick : r->nick;
	const char *pw = r->want_nick ? r->want_password : r->password;
	char to[JID_MAX + 1];

	r->out_status = 0;
	snprintf(to, sizeof(to), "%s/%s", r->jid, nick);
	xmpp_stanza_set_to(p, to);
	x = stanza_child(p, "x", NS_MUC);
	/* No history: old lines are not replies to anything. */
	h = stanza_child(x, "history", NULL);
	xmpp_stanza_set_attribute(h, "maxstanzas", "0");
	if (pw != NULL)
		stanza_text_child(x, "password", pw);
	session_own_presence(p);
	session_send(p);
}

int
muc_join(const char *room, const char *nick, const char *password,
    void *waiter, int64_t deadline)
{
	struct room *r;

	if (!session_online())
		return EX_TEMPFAIL;
	r = room_want(room, nick, password);
	/* A newer JOIN of the same room wins; the older one is told. */
	if (r->waiter != NULL)
		joined_fn(r->waiter, EX_TEMPFAIL, "another xmpp-join "
		    "of this room came after this one");
	r->waiter = waiter;
	r->deadline = deadline;
	send_join(r);
	session_io();
	return 0;
}

int
muc_leave(const char *room)
{
	struct room *r = room_find(room);
	xmpp_stanza_t *p;
	char to[JID_MAX + 1];

	if (r == NULL || r->nick == NULL)
		return -1;
	snprintf(to, sizeof(to), "%s/%s", r->jid, r->nick);
	p = xmpp_presence_new(session_ctx());
	xmpp_stanza_set_type(p, "unavailable");
	xmpp_stanza_set_to(p, to);
	session_send(p);
	session_io();
	if (r->waiter != NULL)
		joined_fn(r->waiter, EX_TEMPFAIL, "left before joining");
	room_remove(r);
	rooms_save();
	log_info("left room %s", room);
	return 0;
}

int
muc_is_room(const char *bare)
{
	return room_find(bare) != NULL;
}

void
muc_foreach(muc_room_fn fn, void *arg)
{
	struct room *r;
	const char *nick, *state;

	for (r = rooms; r != NULL; r = r->next) {
		nick = r->nick != NULL ? r->nick :
		    r->want_nick != NULL ? r->want_nick : "";
		state = r->out_status != 0 ? "out" : r->joined ? "joined" :
		    "joining";
		fn(r->jid, nick, state, r->out_status != 0 ? r->out_why : "",
		    arg);
	}
}

int
muc_shut_out(const char *bare, const char **why)
{
	struct room *r = room_find(bare);

	/* Offline, messages wait for the rejoin at the next login. */
	if (r == NULL || r->out_status == 0 || !session_online())
		return 0;
	*why = r->out_why;
	return r->out_status;
}

void
muc_rejoin(void)
{
	struct room *r;

	for (r = rooms; r != NULL; r = r->next) {
		r->joined = 0;
		if (r->nick != NULL)
			send_join(r);
	}
}

void
muc_presence_changed(void)
{
	struct room *r;

	for (r = rooms; r != NULL; r = r->next)
		if (r->joined)
			send_join(r);
}

/*
 * Maps the room's refusal to a status and words for the client, with the
 * server's own text.  "forbidden" is a ban, or the server's policy (a
 * domain without a group chat service): the condition and the server's
 * words say which.
 */
static int
join_error(xmpp_stanza_t *st, char *why, size_t len)
{
	static const struct {
		const char	*cond, *words;
		int		 status;
	} known[] = {
		{ "not-authorized", "a password is needed, or it is wrong",
		    EX_NOPERM },
		{ "registration-required", "the room is for members only",
		    EX_NOPERM },
		{ "forbidden", "forbidden", EX_NOPERM },
		{ "conflict", "the nickname is taken", EX_DATAERR },
		{ "service-unavailable", "the room is full or closed",
		    EX_TEMPFAIL },
	};
	const char *cond = stanza_error(st), *words = cond;
	char text[256];
	int status = EX_UNAVAILABLE;
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(cond, known[i].cond) == 0) {
			words = known[i].words;
			status = known[i].status;
		}
	if (stanza_error_text(st, text, sizeof(text)) != NULL)
		snprintf(why, len, "%s: %s", words, text);
	else if (strcmp(cond, "forbidden") == 0)
		snprintf(why, len, "forbidden (no reason given: a ban, or "
		    "the server's policy)");
	else
		snprintf(why, len, "%s", words);
	return status;
}

/*
 * What the status codes of our own unavailable presence say (XEP-0045
 * 9.x, 10.9): the strongest one, as words for the sender.
 */
static const char *
put_out_how(xmpp_stanza_t *x, int *ban)
{
	static const struct {
		const char *code, *how;
	} codes[] = {	/* strongest first */
		{ "301", "we were banned from" },
		{ "307", "we were kicked from" },
		{ "321", "we were removed (no longer a member) from" },
		{ "322", "we were removed (now for members only) from" },
		{ "332", "the service shut down" },
	};
	xmpp_stanza_t *c;
	const char *code;
	size_t i, best = sizeof(codes) / sizeof(codes[0]);

	for (c = x ? xmpp_stanza_get_children(x) : NULL; c != NULL;
	    c = xmpp_stanza_get_next(c))
		if (xmpp_stanza_is_tag(c) && (code =
		    xmpp_stanza_get_attribute(c, "code")) != NULL)
			for (i = 0; i < best; i++)
				if (strcmp(code, codes[i].code) == 0)
					best = i;
	*ban = best == 0;
	if (best < sizeof(codes) / sizeof(codes[0]))
		return codes[best].how;
	if (x != NULL && xmpp_stanza_get_child_by_name(x, "destroy") != NULL)
		return "the owner destroyed";
	return NULL;
}

/*
 * Why the room put us out, from our own unavailable presence: fills
 * r->out_why and returns the status a group message gets until we try
 * to enter again: 77 for a ban, 75 otherwise.
 */
static int
room_put_out(struct room *r, xmpp_stanza_t *st)
{
	xmpp_stanza_t *x = xmpp_stanza_get_child_by_name_and_ns(st, "x",
	    NS_MUC_USER), *item, *actor;
	const char *how, *by = NULL;
	char *reason = NULL;
	int ban;

	how = put_out_how(x, &ban);
	if ((item = x ? xmpp_stanza_get_child_by_name(x, "destroy") : NULL)
	    == NULL && x != NULL)
		item = xmpp_stanza_get_child_by_name(x, "item");
	if (item != NULL) {
		reason = stanza_text(item, "reason");
		if ((actor = xmpp_stanza_get_child_by_name(item, "actor")))
			by = xmpp_stanza_get_attribute(actor, "nick");
	}
	snprintf(r->out_why, sizeof(r->out_why), "%s room %s%s%s: %.200s%s",
	    how ? how : "we are no longer in", r->jid, by ? " by " : "",
	    by ? by : "", reason && *reason ? reason : "no reason given",
	    ban ? "" : "; xmpp-join it again");
	if (reason != NULL)
		xmpp_free(session_ctx(), reason);
	return ban ? EX_NOPERM : EX_TEMPFAIL;
}

/* Is this presence our own, echoed by the room (status code 110)? */
static int
is_self(xmpp_stanza_t *st, const char *resource, const struct room *r)
{
	xmpp_stanza_t *x = xmpp_stanza_get_child_by_name_and_ns(st, "x",
	    NS_MUC_USER), *c;
	const char *code;

	for (c = x ? xmpp_stanza_get_children(x) : NULL; c != NULL;
	    c = xmpp_stanza_get_next(c))
		if ((code = xmpp_stanza_get_attribute(c, "code")) != NULL &&
		    strcmp(code, "110") == 0)
			return 1;
	return resource != NULL && ((r->nick && strcmp(resource, r->nick) == 0)
	    || (r->want_nick && strcmp(resource, r->want_nick) == 0));
}

int
muc_presence(xmpp_stanza_t *st, const char *bare, const char *resource,
    const char *type)
{
	struct room *r = room_find(bare);
	char why[512];
	int status;

	if (r == NULL)
		return 0;
	if (type != NULL && strcmp(type, "error") == 0) {
		status = join_error(st, why, sizeof(why));
		log_warn("room %s refused us: %s", r->jid, why);
		if (r->waiter != NULL) {
			joined_fn(r->waiter, status, why);
			r->waiter = NULL;
		}
		room_forget_wish(r);
		/* A room that never let us in is forgotten. */
		if (r->nick == NULL)
			room_remove(r);
		else if (!r->joined) {
			/* Not let back in (a refused new nick leaves us in). */
			r->out_status = status == EX_NOPERM ? EX_NOPERM :
			    EX_TEMPFAIL;
			snprintf(r->out_why, sizeof(r->out_why), "room %s "
			    "refused us: %s; xmpp-join it again", r->jid, why);
		}
		return 1;
	}
	if (!is_self(st, resource, r))
		return 1;	/* other occupants are not contacts */
	if (type != NULL && strcmp(type, "unavailable") == 0) {
		/* Leaving under the old nick is part of a nick change. */
		if (r->want_nick == NULL) {
			r->joined = 0;
			r->out_status = room_put_out(r, st);
			log_warn("%s", r->out_why);
		}
		return 1;
	}
	room_commit(r);
	if (!r->joined)
		log_info("joined room %s as %s", r->jid, r->nick);
	r->joined = 1;
	if (r->waiter != NULL) {
		rooms_save();
		joined_fn(r->waiter, 0, NULL);
		r->waiter = NULL;
	}
	return 1;
}

int
muc_skip_message(xmpp_stanza_t *st, const char *bare, const char *resource)
{
	struct room *r = room_find(bare);
	const char *type = xmpp_stanza_get_type(st);

	if (r == NULL || type == NULL || strcmp(type, "groupchat") != 0)
		return 0;
	/* The room itself (subject, notices), our echo, or old history. */
	return resource == NULL || (r->nick && strcmp(resource, r->nick) == 0) ||
	    xmpp_stanza_get_child_by_name_and_ns(st, "delay", NS_DELAY) != NULL;
}

void
muc_link_lost(void)
{
	struct room *r;

	for (r = rooms; r != NULL; r = r->next)
		r->joined = 0;
}

int64_t
muc_timers(int64_t now)
{
	struct room *r, *next;
	int64_t soonest = INT64_MAX;

	for (r = rooms; r != NULL; r = next) {
		next = r->next;
		if (r->waiter == NULL)
			continue;
		if (now >= r->deadline) {
			joined_fn(r->waiter, EX_TEMPFAIL,
			    "the room did not answer in time");
			r->waiter = NULL;
			room_forget_wish(r);
			if (r->nick == NULL)
				room_remove(r);
		} else if (r->deadline < soonest)
			soonest = r->deadline;
	}
	return soonest;
}

void
muc_cancel(void *waiter)
{
	struct room *r;

	for (r = rooms; r != NULL; r = r->next)
		if (r->waiter == waiter)
			r->waiter = NULL;
}

void
muc_free(void)
{
	while (rooms != NULL)
		room_remove(rooms);
}
