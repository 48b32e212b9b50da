/*
 * message.c: incoming messages.  A message with a body that is no bounce,
 * no stale offline message, no room history and no echo of our own is
 * kept for xmpp-recv (or handed to a waiting one) and to the hook; receipt
 * requests from contacts are answered, receipts for us are noted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jid.h"
#include "log.h"
#include "stanza.h"
#include "util.h"
#include "xmppd.h"

#define NS_DELAY	"urn:xmpp:delay"
#define NS_RECEIPTS	"urn:xmpp:receipts"

static message_receipt_fn receipt_fn;

void
message_init(message_receipt_fn fn)
{
	receipt_fn = fn;
}

/* Parses an XEP-0082 timestamp (UTC or with an offset); -1 if bad. */
static time_t
parse_stamp(const char *stamp)
{
	struct tm tm;
	const char *p;
	int sign, hh, mm;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if ((p = strptime(stamp, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return -1;
	if (*p == '.')
		while (*++p >= '0' && *p <= '9')
			;
	t = timegm(&tm);
	if (*p == 'Z' && p[1] == '\0')
		return t;
	if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d", &hh, &mm) == 2) {
		sign = *p == '+' ? 1 : -1;
		return t - sign * (hh * 3600 + mm * 60);
	}
	return -1;
}

/* Offline messages older than the keep time are not replies to anything. */
static int
is_stale(xmpp_stanza_t *st)
{
	xmpp_stanza_t *d = xmpp_stanza_get_child_by_name_and_ns(st, "delay",
	    NS_DELAY);
	const char *stamp = d ? xmpp_stanza_get_attribute(d, "stamp") : NULL;
	time_t t;

	if (stamp == NULL)
		return 0;
	t = parse_stamp(stamp);
	return t == -1 || time(NULL) - t > (time_t)xd.acct.timeout;
}

/*
 * Answers a delivery receipt request (XEP-0184), but only to contacts:
 * strangers do not learn that we are here.
 */
static void
send_receipt(xmpp_stanza_t *st, const struct jid *from)
{
	const char *id = xmpp_stanza_get_id(st), *type = xmpp_stanza_get_type(st);
	xmpp_stanza_t *m, *r;
	char newid[64];

	if (id == NULL || xmpp_stanza_get_child_by_name_and_ns(st, "request",
	    NS_RECEIPTS) == NULL || (type && strcmp(type, "groupchat") == 0) ||
	    roster_status(&xd.roster, from->bare, NULL) == STATUS_NOT_IN_ROSTER)
		return;
	session_new_id(newid, sizeof(newid));
	m = xmpp_message_new(session_ctx(), NULL, xmpp_stanza_get_from(st), newid);
	r = stanza_child(m, "received", NS_RECEIPTS);
	xmpp_stanza_set_attribute(r, "id", id);
	session_send(m);
}

/*
 * The message's type as xmpp-recv and the hook are told it: one of the
 * four RFC 6121 defines for a message with a body; anything else (absent,
 * unknown, or a word with a space that would pass for part of the
 * sender) is "normal", as the RFC says to treat an unknown type.
 */
static const char *
message_type(const char *type)
{
	static const char *known[] = { "chat", "groupchat", "headline",
	    "normal" };
	size_t i;

	for (i = 0; type != NULL && i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(type, known[i]) == 0)
			return known[i];
	return "normal";
}

int
message_handler(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
	const char *type = xmpp_stanza_get_type(st);
	const char *from = xmpp_stanza_get_from(st);
	const char *id = xmpp_stanza_get_id(st);
	struct jid j;
	char *body, tag[JID_MAX + 32];
	xmpp_stanza_t *r;
	int64_t retry;

	(void)conn, (void)ud;
	session_heard();
	if (type != NULL && strcmp(type, "error") == 0) {
		/* A bounce carries our own words back: never a reply. */
		if (id != NULL && session_issued_id(id) &&
		    (retry = queue_bounced(id, stanza_error_type(st))) > 0)
			log_warn("message %s to %s bounced: %s, for now; sent "
			    "again in %lld s", id, from ? from : "?",
			    stanza_error(st), (long long)(retry / 1000));
		else if (id != NULL && session_issued_id(id))
			log_warn("message %s to %s bounced: %s; not retried",
			    id, from ? from : "?", stanza_error(st));
		else
			log_info("error message from %s ignored",
			    from ? from : "?");
		return 1;
	}
	if (from == NULL || jid_parse(from, 0, &j) != NULL)
		return 1;
	if ((r = xmpp_stanza_get_child_by_name_and_ns(st, "received",
	    NS_RECEIPTS)) != NULL && xmpp_stanza_get_id(r) != NULL)
		receipt_fn(xmpp_stanza_get_id(r));
	if (muc_skip_message(st, j.bare, j.has_resource ? j.resource : NULL))
		return 1;
	if ((body = stanza_text(st, "body")) == NULL)
		return 1;
	send_receipt(st, &j);
	type = message_type(type);
	/* "TYPE FROM": the sender last, so a resource may hold spaces. */
	snprintf(tag, sizeof(tag), "%s %s", type, from);
	if (is_stale(st))
		log_info("stale offline message from %s dropped", j.bare);
	else {
		if (inbox_add(&xd.inbox, j.bare, j.has_resource ? j.resource :
		    NULL, tag, body, strlen(body), clock_ms()))
			log_debug("message from %s handed to a waiting client",
			    from);
		else
			log_debug("message from %s kept for %u s", from,
			    xd.acct.timeout);
		hook_message(from, type, id, body,
		    strlen(body));
	}
	xmpp_free(session_ctx(), body);
	return 1;
}
