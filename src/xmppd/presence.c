/*
 * presence.c: presence and the roster on the wire: our own presence, our
 * contacts' presence and subscription requests, the roster as the server
 * sends it, and what autoregister and autoprune do with it.  The state
 * itself is kept in roster.c; the link in session.c.
 *
 * Subscription requests (subscribe; subscribed when we approve) leave at
 * a pace the server's anti-flood takes, and are sent again until
 * answered.  ejabberd's stock mod_pres_counter (count 5, interval 60 s)
 * counts a session's subscribe, subscribed, unsubscribe and unsubscribed
 * presences, out and in apart: one more than 5, each within 60 s of the
 * last one let through, is dropped, until 60 s pass after that one.  Out
 * counts what we send; a drop comes back as a not-acceptable error.  In
 * counts what reaches us, and also, as ejabberd routes it in our own
 * session, what we send to a contact of our own domain; a drop there is
 * silent, our request lost although the roster shows ask="subscribe".
 * So we count both as the server does, from what we send and what
 * reaches us, and send only while both stay at 4 or less; a request not
 * answered yet goes again later, less and less often.  Prosody has no
 * such limit: a server that names itself Prosody (disco#info) is not
 * paced.  XMPPD_PRES_COUNTER=COUNT/SECONDS paces for another setting,
 * 0 not at all.  With the stock setting that is one new contact a minute
 * (our request, their answer and their own request, our approval).  A
 * contact who answers "unsubscribed" is not asked again, also after a
 * restart (REFUSED_FILE in the state folder), until a buddy= line for
 * them is added again.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <strophe.h>
#include <unistd.h>

#include "jid.h"
#include "log.h"
#include "stanza.h"
#include "util.h"
#include "xmppd.h"

#define NS_ROSTER	"jabber:iq:roster"
#define NS_DISCO_INFO	"http://jabber.org/protocol/disco#info"

/* Contacts no buddy= line names, beyond which autoregister stops. */
#define PRESENCE_OTHERS_MAX	1000

/* mod_pres_counter's stock setting, unless XMPPD_PRES_COUNTER says. */
#define PACE_COUNT	5
#define PACE_INTERVAL	60
#define PACE_MARGIN_MS	2000	/* our clock against the server's */
/* A request unanswered goes again after this many intervals, doubling. */
#define RETRY_INTERVALS	5
#define RETRY_MAX_MS	(6 * 3600 * 1000)
#define REFUSED_FILE	"refused"

/*
 * A subscription request of ours, until the roster shows it answered.
 * Approvals go first: they answer someone waiting, and cost less.
 */
enum sub_kind { SUB_APPROVE, SUB_ASK };
struct sub {
	struct sub	*next;
	char		*bare;
	enum sub_kind	 kind;
	int64_t		 due;		/* when it may go (again) */
	int64_t		 retry_ms;	/* the wait after the next time */
};

/* One direction of the server's count, as we can follow it. */
struct chain {
	int64_t		 start;		/* the last one let through */
	int		 count;
	int		 reserved;	/* answers that may still come */
};

static struct {
	struct sub	*subs;		/* in the order they go */
	int		 limit;		/* the server's count, 0: none */
	int		 budget;	/* we go up to this */
	int64_t		 interval_ms;
	struct chain	 out, in;
	int		 set;		/* by XMPPD_PRES_COUNTER */
	int64_t		 wake;		/* nothing to do before */
	int		 slowed;	/* a request bounced: logged */
	char		**refused;	/* contacts who said unsubscribed */
	size_t		 nrefused;
} pace;

/* Sends a bare <presence/> of type (NULL: available) to to (NULL: all). */
static void
presence_send(const char *type, const char *to)
{
	xmpp_stanza_t *p = xmpp_presence_new(session_ctx());

	if (type != NULL)
		xmpp_stanza_set_type(p, type);
	if (to != NULL)
		xmpp_stanza_set_to(p, to);
	session_send(p);
}

/* Sends our own presence, with its show, status and priority. */
static void
presence_send_own(void)
{
	xmpp_stanza_t *p = xmpp_presence_new(session_ctx());

	session_own_presence(p);
	session_send(p);
}

static enum show
parse_show(xmpp_stanza_t *st)
{
	xmpp_stanza_t *c = xmpp_stanza_get_child_by_name(st, "show");
	char *t = c ? xmpp_stanza_get_text(c) : NULL;
	enum show show = SHOW_ONLINE;	/* unknown values count as online */

	if (t != NULL) {
		if (strcmp(t, "chat") == 0)
			show = SHOW_CHAT;
		else if (strcmp(t, "away") == 0)
			show = SHOW_AWAY;
		else if (strcmp(t, "xa") == 0)
			show = SHOW_XA;
		else if (strcmp(t, "dnd") == 0)
			show = SHOW_DND;
		xmpp_free(session_ctx(), t);
	}
	return show;
}

/* The pace for a server counting limit per interval (limit 0: none). */
static void
pace_set(int limit, int interval)
{
	pace.limit = limit;
	pace.budget = limit > 1 ? limit - 1 : limit;
	pace.wake = 0;
	pace.interval_ms = (int64_t)interval * 1000;
}

/* XMPPD_PRES_COUNTER (COUNT/SECONDS, 0: no pacing), or the stock pace. */
static void
pace_setting(int complain)
{
	const char *env = getenv("XMPPD_PRES_COUNTER");
	int count, interval;

	pace_set(PACE_COUNT, PACE_INTERVAL);
	pace.set = env != NULL;
	if (env == NULL)
		return;
	if (strcmp(env, "0") == 0)
		pace_set(0, PACE_INTERVAL);
	else if (sscanf(env, "%d/%d", &count, &interval) == 2 &&
	    count >= 1 && count <= 1000 && interval >= 1 && interval <= 86400)
		pace_set(count, interval);
	else {
		pace.set = 0;
		if (complain)
			log_warn("XMPPD_PRES_COUNTER=%.40s: give COUNT/SECONDS "
			    "(as the server's mod_pres_counter) or 0; using "
			    "%d/%d", env, PACE_COUNT, PACE_INTERVAL);
	}
}

/* A subscription presence at t, as the server counts it. */
static void
chain_note(struct chain *ch, int64_t t)
{
	if ((ch->count == 0 && ch->reserved == 0) ||
	    t - ch->start > pace.interval_ms) {
		ch->start = t;
		ch->count = 1;
		ch->reserved = 0;
	} else if (ch->count < pace.limit) {
		ch->start = t;
		ch->count++;
	}	/* else dropped by the server: it changes nothing */
}

/* How many more this direction takes at t, staying within our budget. */
static int
chain_room(const struct chain *ch, int64_t t)
{
	if ((ch->count == 0 && ch->reserved == 0) ||
	    t - ch->start > pace.interval_ms + PACE_MARGIN_MS)
		return pace.budget;
	return pace.budget - ch->count - ch->reserved;
}

/* When the count of this direction starts again from zero. */
static int64_t
chain_end(const struct chain *ch)
{
	return ch->start + pace.interval_ms + PACE_MARGIN_MS + 1;
}

/* Is bare on our own server (what we send it counts in, too)? */
static int
sub_local(const char *bare)
{
	struct jid me;
	const char *at = strchr(bare, '@'), *mine;

	if (jid_parse(xd.acct.username, 0, &me) != NULL)
		return 1;	/* cannot tell: count it */
	mine = strchr(me.bare, '@');
	return strcasecmp(at ? at + 1 : bare, mine ? mine + 1 : me.bare) == 0;
}

static int
refused_find(const char *bare)
{
	size_t i;

	for (i = 0; i < pace.nrefused; i++)
		if (strcmp(pace.refused[i], bare) == 0)
			return (int)i;
	return -1;
}

/* Writes the refusals atomically, one bare JID a line. */
static void
refused_save(void)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	FILE *fp = NULL;
	size_t i;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", xd.spooldir, REFUSED_FILE);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", xd.spooldir, REFUSED_FILE);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600))
	    == -1 || (fp = fdopen(fd, "w")) == NULL) {
		log_error("cannot save %s: %s", tmp, strerror(errno));
		if (fd != -1)
			close(fd);
		return;
	}
	for (i = 0; i < pace.nrefused; i++)
		fprintf(fp, "%s\n", pace.refused[i]);
	if (fflush(fp) != 0 || fsync(fd) != 0 || fclose(fp) != 0 ||
	    rename(tmp, path) == -1)
		log_error("cannot save %s: %s", path, strerror(errno));
}

static void
refused_add(const char *bare, int save)
{
	if (refused_find(bare) != -1)
		return;
	pace.refused = xreallocarray(pace.refused, pace.nrefused + 1,
	    sizeof(*pace.refused));
	pace.refused[pace.nrefused++] = xstrdup(bare);
	if (save)
		refused_save();
}

static void
refused_drop(const char *bare)
{
	int i = refused_find(bare);

	if (i == -1)
		return;
	free(pace.refused[i]);
	pace.refused[i] = pace.refused[--pace.nrefused];
	refused_save();
}

void
presence_init(void)
{
	char path[PATH_MAX], *line = NULL;
	size_t cap = 0;
	FILE *fp;
	struct jid j;

	pace_setting(1);
	snprintf(path, sizeof(path), "%s/%s", xd.spooldir, REFUSED_FILE);
	if ((fp = fopen(path, "r")) == NULL)
		return;
	while (getline(&line, &cap, fp) > 0) {
		line[strcspn(line, "\n")] = '\0';
		if (jid_parse(line, 0, &j) == NULL)
			refused_add(j.bare, 0);
	}
	free(line);
	fclose(fp);
}

static struct sub **
sub_find(const char *bare, enum sub_kind kind)
{
	struct sub **pp;

	for (pp = &pace.subs; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->kind == kind && strcmp((*pp)->bare, bare) == 0)
			break;
	return pp;
}

/* Queues a request of ours to bare, unless one is queued already. */
static void
sub_add(const char *bare, enum sub_kind kind)
{
	struct sub **pp = sub_find(bare, kind), *s;

	if (*pp != NULL)
		return;
	s = xcalloc(1, sizeof(*s));
	s->bare = xstrdup(bare);
	s->kind = kind;
	s->retry_ms = RETRY_INTERVALS * (pace.interval_ms + PACE_MARGIN_MS);
	*pp = s;	/* sub_find() ended at the end of the list */
	pace.wake = 0;
}

static void
sub_drop(const char *bare, enum sub_kind kind)
{
	struct sub **pp = sub_find(bare, kind), *s;

	if ((s = *pp) == NULL)
		return;
	*pp = s->next;
	free(s->bare);
	free(s);
}

/* We want to see bare's presence, unless the roster shows we may. */
static void
sub_want(const char *bare)
{
	struct contact *c = roster_find(&xd.roster, bare);

	if ((c == NULL || !roster_sees_them(c)) && refused_find(bare) == -1)
		sub_add(bare, SUB_ASK);
}

/* A roster push: what it shows done is no longer asked. */
static void
sub_answered(const char *bare)
{
	struct contact *c = roster_find(&xd.roster, bare);

	if (c == NULL || roster_sees_them(c)) {
		sub_drop(bare, SUB_ASK);
		if (c != NULL)
			refused_drop(bare);	/* they changed their mind */
	}
	if (c == NULL || roster_sees_us(c))
		sub_drop(bare, SUB_APPROVE);
}

/*
 * What s costs the server's count of what comes in: itself if the
 * contact is on our server, and for a subscribe the contact's answer and
 * its own request (when it approves at once, as many clients do).
 */
static int
sub_in_cost(const struct sub *s)
{
	return (sub_local(s->bare) ? 1 : 0) + (s->kind == SUB_ASK ? 2 : 0);
}

/*
 * Sends s if both directions of the server's count have room, else
 * returns when they will have.
 */
static int64_t
sub_send(struct sub *s, int64_t now)
{
	int local = sub_local(s->bare), cost = sub_in_cost(s);

	if (pace.limit != 0 && chain_room(&pace.out, now) < 1)
		return chain_end(&pace.out);
	if (pace.limit != 0 && chain_room(&pace.in, now) < cost)
		return chain_end(&pace.in);
	if (s->kind == SUB_ASK)
		log_info("asking %s to let us see their presence", s->bare);
	else
		log_info("letting %s see our presence (approved)", s->bare);
	presence_send(s->kind == SUB_ASK ? "subscribe" : "subscribed",
	    s->bare);
	chain_note(&pace.out, now);
	if (chain_room(&pace.in, now) == pace.budget)
		memset(&pace.in, 0, sizeof(pace.in));	/* a new count */
	if (local)
		chain_note(&pace.in, now);
	if (pace.in.count == 0)
		pace.in.start = now;	/* the answers' count starts now */
	pace.in.reserved += cost - (local ? 1 : 0);
	/* Not answered by then: again. */
	s->due = now + s->retry_ms;
	if ((s->retry_ms *= 2) > RETRY_MAX_MS)
		s->retry_ms = RETRY_MAX_MS;
	return 0;
}

/*
 * Sends the requests that are due, as far as the pace allows, approvals
 * first.  Returns the next deadline.  (What goes is only queued: the loop
 * polls to write it.)
 */
int64_t
presence_timers(int64_t now)
{
	struct sub *s;
	int64_t next = INT64_MAX, t;
	int pass;

	if (!session_bound())
		return INT64_MAX;
	if (now < pace.wake)
		return pace.wake;	/* nothing changed, nothing due */
	for (pass = SUB_APPROVE; pass <= SUB_ASK; pass++)
		for (s = pace.subs; s != NULL; s = s->next) {
			if (s->kind != (enum sub_kind)pass)
				continue;
			/* No room: its turn comes when the count ends. */
			t = s->due <= now ? sub_send(s, now) : 0;
			if (t == 0)
				t = s->due;
			if (t < next)
				next = t;
		}
	pace.wake = next;
	return next;
}

/*
 * An error presence from bare.  A request of ours bounced for flooding
 * (ejabberd's mod_pres_counter says not-acceptable) goes again after a
 * pause, and we stay further below the server's count from now on.
 */
static void
sub_bounced(const char *bare, xmpp_stanza_t *st)
{
	const char *why = stanza_error(st);
	struct sub *s;
	int64_t now = clock_ms();

	for (s = pace.subs; s != NULL; s = s->next)
		if (strcmp(s->bare, bare) == 0 && s->due > now)
			break;
	if (s == NULL)
		return;		/* not ours, or nothing to do again */
	if (strcmp(why, "not-acceptable") != 0 &&
	    strcmp(why, "policy-violation") != 0 &&
	    strcmp(why, "resource-constraint") != 0) {
		log_warn("%s: the server refused our subscription request "
		    "(%s); it goes again later", bare, why);
		return;
	}
	if (!pace.slowed)
		log_warn("the server drops our subscription requests (%s: "
		    "its anti-flood limit?); sending them more slowly", why);
	pace.slowed = 1;
	if (pace.limit == 0)
		pace_set(PACE_COUNT, PACE_INTERVAL);
	else if (pace.budget > 1)
		pace.budget--;
	pace.out.count = pace.limit;	/* a full pause from now */
	pace.out.start = now;
	s->due = now;
	pace.wake = 0;
}

/* A subscription presence reached us: the server counted it. */
static void
sub_came_in(void)
{
	chain_note(&pace.in, clock_ms());
	if (pace.in.reserved > 0)
		pace.in.reserved--;
	pace.wake = 0;	/* room for what waited, maybe */
}

/* A contact's answer to a subscription request of ours. */
static void
sub_reply(const char *bare, const char *type)
{
	struct contact *c = roster_find(&xd.roster, bare);

	if (strcmp(type, "subscribed") != 0 &&
	    strcmp(type, "unsubscribed") != 0 &&
	    strcmp(type, "unsubscribe") != 0)
		return;
	sub_came_in();
	if (c == NULL || (!c->in_roster && !c->is_buddy))
		return;		/* strangers cannot fill REFUSED_FILE */
	if (strcmp(type, "subscribed") == 0)
		log_info("%s lets us see their presence", bare);
	else if (strcmp(type, "unsubscribed") == 0 &&
	    refused_find(bare) == -1) {
		log_info("%s does not let us see their presence; not asking "
		    "again", bare);
		sub_drop(bare, SUB_ASK);
		refused_add(bare, 1);
	}
}

/* The server's disco#info: a server named Prosody has no such limit. */
static void
sub_server_info(xmpp_stanza_t *answer, void *arg)
{
	xmpp_stanza_t *q, *id;
	const char *cat, *name;

	(void)arg;
	if (answer == NULL || pace.set || (q =
	    xmpp_stanza_get_child_by_name_and_ns(answer, "query",
	    NS_DISCO_INFO)) == NULL)
		return;
	for (id = xmpp_stanza_get_children(q); id != NULL;
	    id = xmpp_stanza_get_next(id)) {
		cat = xmpp_stanza_get_attribute(id, "category");
		name = xmpp_stanza_get_attribute(id, "name");
		if (cat != NULL && strcmp(cat, "server") == 0 &&
		    name != NULL && strcasecmp(name, "Prosody") == 0 &&
		    !pace.slowed) {
			log_debug("the server is Prosody: subscription "
			    "requests need no pacing");
			pace_set(0, PACE_INTERVAL);
		}
	}
}

/* Asks the server what it is (see sub_server_info()). */
static void
sub_ask_server(void)
{
	xmpp_stanza_t *iq;
	struct jid me;
	const char *at;

	if (pace.set || jid_parse(xd.acct.username, 0, &me) != NULL)
		return;
	at = strchr(me.bare, '@');
	iq = xmpp_iq_new(session_ctx(), "get", "disco");
	xmpp_stanza_set_to(iq, at ? at + 1 : me.bare);
	stanza_child(iq, "query", NS_DISCO_INFO);
	session_send_iq(iq, sub_server_info, NULL);
}

/*
 * Someone asks to see our presence.  autoregister approves them, but only
 * while fewer than PRESENCE_OTHERS_MAX contacts of the roster are named
 * by no buddy= line: strangers cannot make the roster (and this daemon)
 * grow without bound.
 */
static void
subscribe_request(const char *bare)
{
	static int full_logged;
	struct contact *c = roster_find(&xd.roster, bare);
	int known = c != NULL && (c->in_roster || c->is_buddy);

	if (!xd.acct.autoregister) {
		log_info("%s asks to see our presence; not answered "
		    "(autoregister = no)", bare);
		return;
	}
	if (!known && xd.roster.others >= PRESENCE_OTHERS_MAX) {
		if (!full_logged)
			log_warn("%s asks to see our presence; not answered: "
			    "the roster has %zu contacts that are no buddy, "
			    "autoregister approves no more (further requests "
			    "are not logged)", bare, xd.roster.others);
		full_logged = 1;
		return;
	}
	full_logged = 0;
	log_info("%s asks to see our presence; approved (autoregister)", bare);
	sub_add(bare, SUB_APPROVE);
	(*sub_find(bare, SUB_APPROVE))->due = 0;	/* asked: now */
	pace.wake = 0;
	sub_want(bare);
	presence_timers(clock_ms());
}

int
presence_handler(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
	const char *type = xmpp_stanza_get_type(st);
	const char *from = xmpp_stanza_get_from(st);
	struct jid j;
	char *prio, *text;
	int priority = 0;

	(void)conn, (void)ud;
	session_heard();
	if (from == NULL || jid_parse(from, 0, &j) != NULL)
		return 1;
	if (muc_presence(st, j.bare, j.has_resource ? j.resource : NULL, type))
		return 1;
	if (type == NULL || strcmp(type, "unavailable") == 0) {
		if ((prio = stanza_text(st, "priority")) != NULL) {
			priority = atoi(prio);
			xmpp_free(session_ctx(), prio);
		}
		text = stanza_text(st, "status");
		if (roster_presence(&xd.roster, j.bare,
		    j.has_resource ? j.resource : NULL, type == NULL, priority,
		    parse_show(st), text))
			log_warn("%s has more than %d resources online; the "
			    "lowest priority ones are not kept (logged once)",
			    j.bare, ROSTER_RESOURCES_MAX);
		if (text != NULL)
			xmpp_free(session_ctx(), text);
	} else if (strcmp(type, "subscribe") == 0) {
		sub_came_in();
		subscribe_request(j.bare);
	}
	else if (strcmp(type, "error") == 0)
		sub_bounced(j.bare, st);
	else
		sub_reply(j.bare, type);
	return 1;
}

static void
prune_one(struct contact *c, void *arg)
{
	xmpp_stanza_t *iq, *q, *item;

	(void)arg;
	if (!c->in_roster || c->is_buddy)
		return;
	log_info("autoprune: removing %s from the roster", c->bare);
	iq = xmpp_iq_new(session_ctx(), "set", "prune");
	q = stanza_child(iq, "query", NS_ROSTER);
	item = stanza_child(q, "item", NULL);
	xmpp_stanza_set_attribute(item, "jid", c->bare);
	xmpp_stanza_set_attribute(item, "subscription", "remove");
	session_send(iq);
}

void
presence_roster_items(xmpp_stanza_t *query)
{
	xmpp_stanza_t *item;
	const char *jid;
	struct jid j;

	for (item = xmpp_stanza_get_children(query); item != NULL;
	    item = xmpp_stanza_get_next(item)) {
		if (xmpp_stanza_get_name(item) == NULL ||
		    strcmp(xmpp_stanza_get_name(item), "item") != 0)
			continue;
		jid = xmpp_stanza_get_attribute(item, "jid");
		if (jid == NULL || jid_parse(jid, 0, &j) != NULL)
			continue;
		roster_set_item(&xd.roster, j.bare,
		    xmpp_stanza_get_attribute(item, "subscription"));
		sub_answered(j.bare);
	}
}

void
presence_roster_loaded(xmpp_stanza_t *query)
{
	size_t i;

	roster_begin_reload(&xd.roster);
	if (query != NULL)
		presence_roster_items(query);
	presence_send_own();
	muc_rejoin();
	sub_ask_server();
	if (xd.acct.autoregister)
		for (i = 0; i < xd.acct.nbuddies; i++)
			sub_want(xd.acct.buddies[i]);
	if (xd.acct.autoprune)
		roster_foreach(&xd.roster, prune_one, NULL);
	presence_timers(clock_ms());
}

/* Forgets the requests of this link: the next login asks what it must. */
static void
sub_clear(void)
{
	struct sub *s;

	while ((s = pace.subs) != NULL) {
		pace.subs = s->next;
		free(s->bare);
		free(s);
	}
	/* A new session: the server counts from zero again. */
	memset(&pace.out, 0, sizeof(pace.out));
	memset(&pace.in, 0, sizeof(pace.in));
	pace.slowed = 0;
	pace_setting(0);
}

void
presence_link_lost(void)
{
	roster_clear_presence(&xd.roster);
	muc_link_lost();
	sub_clear();
}

void
presence_free(void)
{
	sub_clear();
	while (pace.nrefused > 0)
		free(pace.refused[--pace.nrefused]);
	free(pace.refused);
}

void
presence_changed(void)
{
	if (session_bound()) {
		presence_send_own();
		muc_presence_changed();
	}
	session_io();
}

void
presence_buddy_added(const char *bare)
{
	if (refused_find(bare) != -1) {
		log_info("buddy %s added again: asking them again", bare);
		refused_drop(bare);
	}
	if (session_bound() && xd.acct.autoregister) {
		sub_want(bare);
		presence_timers(clock_ms());
	}
}
