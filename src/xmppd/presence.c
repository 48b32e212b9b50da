/*
 * presence.c: presence and the roster on the wire: our own presence, our
 * contacts' presence and subscription requests, the roster as the server
 * sends it, and what autoregister and autoprune do with it.  The state
 * itself is kept in roster.c; the link in session.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strophe.h>

#include "jid.h"
#include "log.h"
#include "stanza.h"
#include "xmppd.h"

#define NS_ROSTER	"jabber:iq:roster"

/* Contacts no buddy= line names, beyond which autoregister stops. */
#define PRESENCE_OTHERS_MAX	1000

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

/* Asks to see c's presence unless we already may. */
static void
subscribe_unless_allowed(const char *bare)
{
	struct contact *c = roster_find(&xd.roster, bare);

	if (c == NULL || c->subscription == NULL ||
	    (strcmp(c->subscription, "to") != 0 &&
	    strcmp(c->subscription, "both") != 0))
		presence_send("subscribe", bare);
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
	presence_send("subscribed", bare);
	subscribe_unless_allowed(bare);
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
	} else if (strcmp(type, "subscribe") == 0)
		subscribe_request(j.bare);
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
	const char *jid, *ask;
	struct jid j;

	for (item = xmpp_stanza_get_children(query); item != NULL;
	    item = xmpp_stanza_get_next(item)) {
		if (xmpp_stanza_get_name(item) == NULL ||
		    strcmp(xmpp_stanza_get_name(item), "item") != 0)
			continue;
		jid = xmpp_stanza_get_attribute(item, "jid");
		ask = xmpp_stanza_get_attribute(item, "ask");
		if (jid != NULL && jid_parse(jid, 0, &j) == NULL)
			roster_set_item(&xd.roster, j.bare,
			    xmpp_stanza_get_attribute(item, "subscription"),
			    ask != NULL && strcmp(ask, "subscribe") == 0);
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
	if (xd.acct.autoregister)
		for (i = 0; i < xd.acct.nbuddies; i++)
			subscribe_unless_allowed(xd.acct.buddies[i]);
	if (xd.acct.autoprune)
		roster_foreach(&xd.roster, prune_one, NULL);
}

void
presence_link_lost(void)
{
	roster_clear_presence(&xd.roster);
	muc_link_lost();
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
	if (session_bound() && xd.acct.autoregister) {
		presence_send("subscribe", bare);
		session_io();
	}
}
