/*
 * upload.c: HTTP File Upload (XEP-0363) slots for xmpp-send --file.  It
 * finds the server's upload service (disco#items of the account's domain,
 * then disco#info of each item, the first whose form or features name
 * urn:xmpp:http:upload:0 being taken), keeps what it found, and its size
 * limit, for the life of the link, and asks that service for a slot per
 * request.  The file itself is never read here: the client does the PUT
 * (xmpp-put), since the daemon may run as a user who cannot read it.
 * Each request is answered through the upload_slot_fn main.c handed in;
 * it sits above session.c, whose session_send_iq() carries the queries.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "jid.h"
#include "log.h"
#include "proto.h"
#include "stanza.h"
#include "util.h"
#include "xmppd.h"

#define NS_UPLOAD	"urn:xmpp:http:upload:0"
#define NS_ITEMS	"http://jabber.org/protocol/disco#items"
#define NS_INFO		"http://jabber.org/protocol/disco#info"
#define NS_DATA		"jabber:x:data"
#define NS_STANZAS	"urn:ietf:params:xml:ns:xmpp-stanzas"

#define ITEMS_MAX	32	/* disco#info queries per discovery */
#define LOOK_MS		30000	/* a discovery that takes longer is over */
#define URL_MAX		2048

/* What the link's server offers; found once per link. */
enum svc_state { SVC_UNKNOWN, SVC_LOOKING, SVC_FOUND, SVC_NONE };

/*
 * One discovery: its answers carry it as their argument, so that answers
 * to a discovery given up (timed out) are told from the current one's.
 * It is freed when the last of its answers is in (the link's loss brings
 * them all, as NULL).
 */
struct round {
	int	 live;		/* still the current discovery */
	int	 pending;	/* answers still to come */
	int	 infos;		/* disco#info answers still to come */
};

static struct {
	enum svc_state	 state;
	char		*jid;		/* the service */
	unsigned long long max;		/* its limit in bytes; 0: none given */
	struct round	*round;		/* while SVC_LOOKING */
	int64_t		 deadline;	/* of the round */
} svc;

/* A client's request for a slot. */
struct job {
	struct job	*next;
	void		*owner;
	char		*name, *type;
	unsigned long long size;
	int64_t		 deadline;
	int		 asked;		/* the slot request is out */
};

static struct job *jobs;
static upload_slot_fn slot_fn;

void
upload_init(upload_slot_fn fn)
{
	slot_fn = fn;
}

static void
job_free(struct job *j)
{
	free(j->name);
	free(j->type);
	free(j);
}

/* Takes j out of the list and gives its owner the outcome. */
static void
job_end(struct job *j, int status, const char *text, size_t len)
{
	struct job **pp;

	for (pp = &jobs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	session_cancel_iq(j);
	slot_fn(j->owner, status, text, len);
	job_free(j);
}

static void __attribute__((format(printf, 3, 4)))
job_fail(struct job *j, int status, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	job_end(j, status, why, strlen(why));
}

/* Fails every job not yet asked for (the discovery failed). */
static void __attribute__((format(printf, 2, 3)))
fail_waiting(int status, const char *fmt, ...)
{
	char why[512];
	struct job *j, *next;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	for (j = jobs; j != NULL; j = next) {
		next = j->next;
		if (!j->asked)
			job_end(j, status, why, strlen(why));
	}
}

/* The round is over: its late answers will be ignored, then freed. */
static void
round_drop(void)
{
	struct round *r = svc.round;

	svc.round = NULL;
	if (r == NULL)
		return;
	r->live = 0;
	if (r->pending == 0)
		free(r);
}

/* Its answer is in: 1 if it still counts. */
static int
round_answered(struct round *r)
{
	r->pending--;
	if (r->live)
		return 1;
	if (r->pending == 0)
		free(r);
	return 0;
}

static const char *
account_domain(void)
{
	static struct jid me;

	if (jid_parse(xd.acct.username, 0, &me) != NULL)
		return "";
	return strchr(me.bare, '@') + 1;
}

/* An IQ get with an empty child query in ns, to jid. */
static xmpp_stanza_t *
query_new(const char *to, const char *name, const char *ns)
{
	xmpp_stanza_t *iq = xmpp_iq_new(session_ctx(), "get", NULL);

	xmpp_stanza_set_to(iq, to);
	stanza_child(iq, name, ns);
	return iq;
}

static int slot_send(struct job *, char *, size_t);

/* Discovery is over: the service, or none. */
static void
found(const char *jid, unsigned long long max)
{
	struct job *j, *next;
	char why[512];
	int status;

	round_drop();
	if (jid == NULL) {
		svc.state = SVC_NONE;
		log_info("the server %s offers no HTTP upload service",
		    account_domain());
		fail_waiting(EX_UNAVAILABLE, "the server %s offers no HTTP "
		    "upload service (XEP-0363): files cannot be sent through "
		    "it", account_domain());
		return;
	}
	svc.state = SVC_FOUND;
	svc.jid = xstrdup(jid);
	svc.max = max;
	if (max > 0)
		log_info("HTTP upload service %s, files up to %llu bytes", jid,
		    max);
	else
		log_info("HTTP upload service %s, no size limit given", jid);
	for (j = jobs; j != NULL; j = next) {
		next = j->next;
		if (!j->asked && (status = slot_send(j, why, sizeof(why))) != 0)
			job_end(j, status, why, strlen(why));
	}
}

/* The value of field var in a data form (free with xmpp_free), or NULL. */
static char *
form_value(xmpp_stanza_t *x, const char *var)
{
	xmpp_stanza_t *f;
	const char *v;

	for (f = xmpp_stanza_get_children(x); f != NULL;
	    f = xmpp_stanza_get_next(f))
		if ((v = xmpp_stanza_get_attribute(f, "var")) != NULL &&
		    strcmp(v, var) == 0)
			return stanza_text(f, "value");
	return NULL;
}

/*
 * Does a disco#info answer describe an upload service?  1, with its
 * limit in *max (0: none given), or 0.  ejabberd gives forms for both
 * the old and the current namespace: only FORM_TYPE NS_UPLOAD counts.
 */
static int
is_upload(xmpp_stanza_t *query, unsigned long long *max)
{
	xmpp_stanza_t *c;
	const char *name, *v;
	char *type, *limit, *end;
	int yes = 0;

	*max = 0;
	for (c = xmpp_stanza_get_children(query); c != NULL;
	    c = xmpp_stanza_get_next(c)) {
		if ((name = xmpp_stanza_get_name(c)) == NULL)
			continue;
		if (strcmp(name, "feature") == 0 &&
		    (v = xmpp_stanza_get_attribute(c, "var")) != NULL &&
		    strcmp(v, NS_UPLOAD) == 0)
			yes = 1;
		if (strcmp(name, "x") != 0 || xmpp_stanza_get_ns(c) == NULL ||
		    strcmp(xmpp_stanza_get_ns(c), NS_DATA) != 0 ||
		    (type = form_value(c, "FORM_TYPE")) == NULL)
			continue;
		if (strcmp(type, NS_UPLOAD) == 0) {
			yes = 1;
			if ((limit = form_value(c, "max-file-size")) != NULL) {
				*max = strtoull(limit, &end, 10);
				if (*end != '\0')
					*max = 0;
				xmpp_free(session_ctx(), limit);
			}
		}
		xmpp_free(session_ctx(), type);
	}
	return yes;
}

/* session_iq_fn: an item's disco#info. */
static void
info_answer(xmpp_stanza_t *answer, void *arg)
{
	struct round *r = arg;
	xmpp_stanza_t *q;
	unsigned long long max;

	if (!round_answered(r))
		return;
	if (answer == NULL) {
		round_drop();
		svc.state = SVC_UNKNOWN;
		fail_waiting(EX_TEMPFAIL, "the link to the server was lost; "
		    "try again later");
		return;
	}
	r->infos--;
	q = xmpp_stanza_get_child_by_name_and_ns(answer, "query", NS_INFO);
	if (strcmp(xmpp_stanza_get_type(answer), "result") == 0 &&
	    q != NULL && is_upload(q, &max))
		found(xmpp_stanza_get_from(answer), max);
	else if (r->infos == 0)
		found(NULL, 0);
}

/* session_iq_fn: the domain's disco#items: ask each item what it is. */
static void
items_answer(xmpp_stanza_t *answer, void *arg)
{
	struct round *r = arg;
	xmpp_stanza_t *q, *it;
	const char *jid;
	int n = 0;

	if (!round_answered(r))
		return;
	if (answer == NULL) {
		round_drop();
		svc.state = SVC_UNKNOWN;
		fail_waiting(EX_TEMPFAIL, "the link to the server was lost; "
		    "try again later");
		return;
	}
	q = xmpp_stanza_get_child_by_name_and_ns(answer, "query", NS_ITEMS);
	for (it = q ? xmpp_stanza_get_children(q) : NULL;
	    it != NULL && n < ITEMS_MAX; it = xmpp_stanza_get_next(it)) {
		/* An item with a node is a page of something, not a service. */
		if (xmpp_stanza_get_name(it) == NULL ||
		    strcmp(xmpp_stanza_get_name(it), "item") != 0 ||
		    (jid = xmpp_stanza_get_attribute(it, "jid")) == NULL ||
		    xmpp_stanza_get_attribute(it, "node") != NULL)
			continue;
		if (session_send_iq(query_new(jid, "query", NS_INFO),
		    info_answer, r) == 0) {
			r->pending++;
			r->infos++;
			n++;
		}
	}
	if (n == 0)
		found(NULL, 0);
}

/* Starts finding the service (disco#items of our domain): 0, or 75. */
static int
discover(char *why, size_t len)
{
	struct round *r = xcalloc(1, sizeof(*r));

	r->live = 1;
	if (session_send_iq(query_new(account_domain(), "query", NS_ITEMS),
	    items_answer, r) == -1) {
		free(r);
		snprintf(why, len, "not connected to the server; try again "
		    "later");
		return EX_TEMPFAIL;
	}
	r->pending = 1;
	svc.round = r;
	svc.state = SVC_LOOKING;
	svc.deadline = clock_ms() + LOOK_MS;
	return 0;
}

/* A URL we can hand on: https, one line, no blanks or controls. */
static int
url_ok(const char *url)
{
	const unsigned char *p;

	if (url == NULL || strncmp(url, "https://", 8) != 0 ||
	    strlen(url) > URL_MAX)
		return 0;
	for (p = (const unsigned char *)url; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return 0;
	return 1;
}

/*
 * The headers of the PUT (XEP-0363 allows these three), as records; -1 if
 * a value cannot go on one header line.
 */
static int
slot_headers(xmpp_stanza_t *put, struct buf *b)
{
	static const char *allowed[] = { "Authorization", "Cookie", "Expires" };
	xmpp_stanza_t *h;
	const char *name;
	char *value;
	size_t i;
	int bad;

	for (h = xmpp_stanza_get_children(put); h != NULL;
	    h = xmpp_stanza_get_next(h)) {
		if (xmpp_stanza_get_name(h) == NULL ||
		    strcmp(xmpp_stanza_get_name(h), "header") != 0 ||
		    (name = xmpp_stanza_get_attribute(h, "name")) == NULL)
			continue;
		for (i = 0; i < 3 && strcasecmp(name, allowed[i]) != 0; i++)
			;
		if (i == 3) {
			log_debug("slot header %s ignored (not allowed)", name);
			continue;
		}
		value = xmpp_stanza_get_text(h);
		bad = value == NULL || strpbrk(value, "\t\r\n") != NULL;
		if (!bad)
			buf_printf(b, "header\t%s\t%s\n", allowed[i], value);
		if (value != NULL)
			xmpp_free(session_ctx(), value);
		if (bad)
			return -1;
	}
	return 0;
}

/* The records a client needs for its PUT (see xmppd(8), SLOT). */
static int
slot_records(xmpp_stanza_t *slot, struct buf *b)
{
	xmpp_stanza_t *put = xmpp_stanza_get_child_by_name(slot, "put");
	xmpp_stanza_t *get = xmpp_stanza_get_child_by_name(slot, "get");
	const char *pu = put ? xmpp_stanza_get_attribute(put, "url") : NULL;
	const char *gu = get ? xmpp_stanza_get_attribute(get, "url") : NULL;

	if (!url_ok(pu) || !url_ok(gu))
		return -1;
	buf_printf(b, "put\t%s\nget\t%s\n", pu, gu);
	if (slot_headers(put, b) == -1)
		return -1;
	/*
	 * The client checks the server's certificate as the link does: the
	 * account's CAs if set, else the system's.  A fingerprint pin
	 * (issue 12) would be one more record here, "pin\tsha256//...",
	 * which xmpp-put hands to libcurl.
	 */
	if (xd.acct.cafile != NULL)
		buf_printf(b, "cafile\t%s\n", xd.acct.cafile);
	if (xd.acct.capath != NULL)
		buf_printf(b, "capath\t%s\n", xd.acct.capath);
	return 0;
}

/* The exit status for an error of this type (a stanza error's). */
static int
refusal_status(const char *type)
{
	if (type != NULL && strcmp(type, "wait") == 0)
		return EX_TEMPFAIL;	/* a quota reached: later */
	if (type != NULL && strcmp(type, "modify") == 0)
		return EX_DATAERR;
	if (type != NULL && strcmp(type, "auth") == 0)
		return EX_NOPERM;
	return EX_UNAVAILABLE;
}

/*
 * Why the service refused (its condition, found by namespace since
 * ejabberd puts its own element first, and its text), and the exit
 * status that fits: a file too large is 65 whatever the type.
 */
static int
refusal(xmpp_stanza_t *answer, char *why, size_t len)
{
	xmpp_stanza_t *e = xmpp_stanza_get_child_by_name(answer, "error"), *c;
	const char *cond = "unknown-error", *n, *ns;
	char *text = e ? stanza_text(e, "text") : NULL, *max = NULL;
	int status = refusal_status(e ? xmpp_stanza_get_type(e) : NULL);

	for (c = e ? xmpp_stanza_get_children(e) : NULL; c != NULL;
	    c = xmpp_stanza_get_next(c)) {
		if ((n = xmpp_stanza_get_name(c)) == NULL ||
		    (ns = xmpp_stanza_get_ns(c)) == NULL)
			continue;
		if (strcmp(ns, NS_UPLOAD) == 0 &&
		    strcmp(n, "file-too-large") == 0 && max == NULL)
			max = stanza_text(c, "max-file-size");
		else if (strcmp(ns, NS_STANZAS) == 0 && strcmp(n, "text") != 0)
			cond = n;
	}
	if (max != NULL) {
		status = EX_DATAERR;
		snprintf(why, len, "the file is too large for the upload "
		    "service %s (at most %s bytes)", svc.jid, max);
	} else
		snprintf(why, len, "the upload service %s refused: %s%s%s%s",
		    svc.jid, cond, text ? " (" : "", text ? text : "",
		    text ? ")" : "");
	if (text != NULL)
		xmpp_free(session_ctx(), text);
	if (max != NULL)
		xmpp_free(session_ctx(), max);
	return status;
}

/* session_iq_fn: the service's answer to a slot request. */
static void
slot_answer(xmpp_stanza_t *answer, void *arg)
{
	struct job *j = arg;
	xmpp_stanza_t *slot;
	struct buf b = { 0 };
	char why[768];
	int status;

	if (answer == NULL) {
		job_fail(j, EX_TEMPFAIL, "the link to the server was lost; try "
		    "again later");
		return;
	}
	if (strcmp(xmpp_stanza_get_type(answer), "error") == 0) {
		status = refusal(answer, why, sizeof(why));
		job_end(j, status, why, strlen(why));
		return;
	}
	slot = xmpp_stanza_get_child_by_name_and_ns(answer, "slot", NS_UPLOAD);
	if (slot == NULL || slot_records(slot, &b) == -1)
		job_fail(j, EX_UNAVAILABLE, "the upload service %s gave a slot "
		    "that cannot be used (no https URL, or a bad header)",
		    svc.jid);
	else {
		log_debug("slot for %s (%llu bytes) from %s", j->name, j->size,
		    svc.jid);
		job_end(j, 0, b.data, b.len);
	}
	buf_free(&b);
}

/* Sends j's slot request: 0, or an exit status and why. */
static int
slot_send(struct job *j, char *why, size_t len)
{
	xmpp_stanza_t *iq, *rq;
	char size[32];

	if (svc.max > 0 && j->size > svc.max) {
		snprintf(why, len, "the file is too large for the upload "
		    "service %s (%llu bytes, at most %llu)", svc.jid, j->size,
		    svc.max);
		return EX_DATAERR;
	}
	iq = xmpp_iq_new(session_ctx(), "get", NULL);
	xmpp_stanza_set_to(iq, svc.jid);
	rq = stanza_child(iq, "request", NS_UPLOAD);
	snprintf(size, sizeof(size), "%llu", j->size);
	xmpp_stanza_set_attribute(rq, "filename", j->name);
	xmpp_stanza_set_attribute(rq, "size", size);
	xmpp_stanza_set_attribute(rq, "content-type", j->type);
	if (session_send_iq(iq, slot_answer, j) == -1) {
		snprintf(why, len, "not connected to the server; try again "
		    "later");
		return EX_TEMPFAIL;
	}
	j->asked = 1;
	return 0;
}

int
upload_slot(void *owner, const char *name, unsigned long long size,
    const char *type, int64_t deadline, char *err, size_t errlen)
{
	struct job *j, **pp;
	int status = 0;

	if (!session_online()) {
		snprintf(err, errlen, "not connected to the server; try again "
		    "later");
		return EX_TEMPFAIL;
	}
	if (svc.state == SVC_NONE) {
		snprintf(err, errlen, "the server %s offers no HTTP upload "
		    "service (XEP-0363): files cannot be sent through it",
		    account_domain());
		return EX_UNAVAILABLE;
	}
	j = xcalloc(1, sizeof(*j));
	j->owner = owner;
	j->name = xstrdup(name);
	j->type = xstrdup(type);
	j->size = size;
	j->deadline = deadline;
	if (svc.state == SVC_FOUND)
		status = slot_send(j, err, errlen);
	else if (svc.state == SVC_UNKNOWN)
		status = discover(err, errlen);
	if (status != 0) {
		job_free(j);
		return status;
	}
	for (pp = &jobs; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = j;	/* in order, so that slots are asked for in order */
	return 0;
}

/* owner went away: its job goes, its answer will be dropped. */
void
upload_cancel(void *owner)
{
	struct job **pp, *j;

	for (pp = &jobs; *pp != NULL; ) {
		j = *pp;
		if (j->owner != owner) {
			pp = &j->next;
			continue;
		}
		*pp = j->next;
		session_cancel_iq(j);
		job_free(j);
	}
}

/* session_hooks.lost (through main.c): the next link may differ. */
void
upload_link_lost(void)
{
	round_drop();
	svc.state = SVC_UNKNOWN;
	free(svc.jid);
	svc.jid = NULL;
	svc.max = 0;
	fail_waiting(EX_TEMPFAIL, "the link to the server was lost; try again "
	    "later");
}

int64_t
upload_timers(int64_t now)
{
	struct job *j, *next;
	int64_t soonest = INT64_MAX;

	if (svc.state == SVC_LOOKING && now >= svc.deadline) {
		round_drop();
		svc.state = SVC_UNKNOWN;
		fail_waiting(EX_TEMPFAIL, "the server did not say whether it "
		    "has an upload service in time; try again later");
	}
	for (j = jobs; j != NULL; j = next) {
		next = j->next;
		if (now >= j->deadline)
			job_fail(j, EX_TEMPFAIL, "no slot from the upload "
			    "service in time; try again later");
		else if (j->deadline < soonest)
			soonest = j->deadline;
	}
	if (svc.state == SVC_LOOKING && svc.deadline < soonest)
		soonest = svc.deadline;
	return soonest;
}

void
upload_stop(void)
{
	struct job *j;

	while ((j = jobs) != NULL) {
		jobs = j->next;
		session_cancel_iq(j);
		job_free(j);
	}
	round_drop();
	free(svc.jid);
	svc.jid = NULL;
}
