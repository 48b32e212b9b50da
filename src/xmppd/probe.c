/*
 * probe.c: xmppd -t ACCOUNT, the connection test, as msmtp --serverinfo.
 *
 * It logs in once, in the foreground, as the account's JID with the
 * resource RESOURCE-test, so a daemon running for the account keeps its
 * session; it sends no presence, so buddies see nothing and the server
 * keeps the offline messages for the daemon.  It touches neither the
 * account's socket, lock, spool nor rooms.  It prints to the standard
 * output where it connected and how (srv.c's candidates), the TLS session
 * and the certificate with the line to pin it (tls.c), the SASL
 * mechanism, the server's software (XEP-0092) and what it offers
 * (XEP-0030 disco#info and disco#items, and the disco#info of each item:
 * an HTTP upload service shows there); then it logs out.  Its status is a
 * start's: 0 logged in, else what the first login would have exited with.
 *
 * It sits above session.c and uses it as the daemon does, with hooks of
 * its own that do nothing with messages, presence or the roster.
 */
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "srv.h"
#include "stanza.h"
#include "tls.h"
#include "util.h"
#include "xmppd.h"

#define PROBE_WAIT_MS	10000	/* for the answers after login */
#define ITEMS_MAX	16	/* items whose disco#info we ask */
#define NS_VERSION	"jabber:iq:version"
#define NS_INFO		"http://jabber.org/protocol/disco#info"
#define NS_ITEMS	"http://jabber.org/protocol/disco#items"
#define NS_UPLOAD	"urn:xmpp:http:upload:0"
#define NS_DATA		"jabber:x:data"

struct answer {
	xmpp_stanza_t	*st;		/* a copy; NULL: none (yet) */
	int		 asked;
	int		 done;
};

static struct {
	struct answer	 version, info, items;
	struct answer	 item[ITEMS_MAX];
	char		*item_jid[ITEMS_MAX];
	size_t		 nitems;
	int		 waiting;	/* answers still due */
	int		 wakefd;
	int		 (*stop)(void);
	char		 domain[300];
} p;

/* Text from the server, without what could steer a terminal. */
static void
put(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

static int
ignore(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
	(void)conn, (void)st, (void)ud;
	return 1;
}

static void
no_roster(xmpp_stanza_t *query)
{
	(void)query;
}

static void
nothing(void)
{
}

static void ask(struct answer *, const char *to, const char *ns);

static void
answered(xmpp_stanza_t *st, void *arg)
{
	struct answer *a = arg;
	xmpp_stanza_t *q, *c;
	const char *jid;

	a->done = 1;
	p.waiting--;
	if (st == NULL || strcmp(xmpp_stanza_get_type(st), "result") != 0) {
		a->st = st ? xmpp_stanza_copy(st) : NULL;
		return;
	}
	a->st = xmpp_stanza_copy(st);
	if (a != &p.items || (q = xmpp_stanza_get_child_by_ns(st,
	    NS_ITEMS)) == NULL)
		return;
	/* Each service's own disco#info says what it is. */
	for (c = xmpp_stanza_get_children(q); c != NULL && p.nitems <
	    ITEMS_MAX; c = xmpp_stanza_get_next(c))
		if ((jid = xmpp_stanza_get_attribute(c, "jid")) != NULL &&
		    xmpp_stanza_get_attribute(c, "node") == NULL) {
			p.item_jid[p.nitems] = xstrdup(jid);
			ask(&p.item[p.nitems], jid, NS_INFO);
			p.nitems++;
		}
}

static void
ask(struct answer *a, const char *to, const char *ns)
{
	xmpp_stanza_t *iq = xmpp_iq_new(session_ctx(), "get", "probe");

	xmpp_stanza_set_to(iq, to);
	stanza_child(iq, "query", ns);
	a->asked = 1;
	if (session_send_iq(iq, answered, a) == 0)
		p.waiting++;
	else
		a->done = 1;
}

static int
logged_in(void)
{
	char msg[8];

	return session_login_result(msg, sizeof(msg)) != LOGIN_PENDING;
}

static int
all_answered(void)
{
	return p.waiting == 0;
}

/* Runs the link until done() or the deadline (or a signal). */
static void
run_until(int (*done)(void), int64_t deadline)
{
	struct pollfd pfd[2];
	int64_t now, next;
	char buf[64];
	int n, timeout;

	while (!done() && !p.stop()) {
		now = clock_ms();
		next = session_timers(now);
		if (done() || now >= deadline)
			break;
		if (next > deadline)
			next = deadline;
		pfd[0].fd = p.wakefd;
		pfd[0].events = POLLIN;
		n = 1 + session_pollfd(&pfd[1]);
		timeout = next - now > INT_MAX ? INT_MAX : next < now ? 0 :
		    (int)(next - now);
		if (poll(pfd, (nfds_t)n, timeout) <= 0)
			continue;
		if (pfd[0].revents & POLLIN)
			while (read(p.wakefd, buf, sizeof(buf)) > 0)
				;
		if (n > 1 && pfd[1].revents != 0)
			session_io();
	}
}

static void
print_cert(const struct tls_info *ti)
{
	char cert[PIN_TEXT_LEN], key[PIN_TEXT_LEN];

	config_pin_format(ti->cert_sha256, cert, sizeof(cert));
	config_pin_format(ti->key_sha256, key, sizeof(key));
	printf("certificate:\n  subject: ");
	put(ti->subject);
	printf("\n  names: ");
	put(ti->names[0] ? ti->names : "(none)");
	printf("\n  issuer: ");
	put(ti->issuer);
	printf("\n  valid: from %s to %s\n", ti->not_before, ti->not_after);
	printf("  verified by a trusted CA: %s%s%s\n", ti->verify == 0 ?
	    "yes" : "no (", ti->verify == 0 ? "" : ti->verify_why,
	    ti->verify == 0 ? "" : ")");
	if (ti->pinned)
		printf("  pinned fingerprint: matches\n");
	else if (xd.acct.npins > 0 && ti->seen)
		printf("  pinned fingerprint: DOES NOT MATCH (if the server's "
		    "certificate did not change on purpose, someone may be in "
		    "between)\n");
	printf("  SHA-256 of the certificate: %s\n", cert);
	printf("  SHA-256 of the public key: %s\n", key);
	printf("  to pin it, in xmppd.conf (the public key's fingerprint "
	    "outlives renewals that keep the key):\n");
	printf("    fingerprint = %s\n", key);
}

/* Where and how the link was made, or as far as it got. */
static void
print_link(int ok)
{
	const struct tls_info *ti = tls_info();
	const struct srv_cand *c = session_server();

	printf("account %s: %s\n", xd.acct.name, xd.acct.username);
	srv_report(stdout);
	if (!ok && !ti->has_cert)
		return;
	printf("server: %s port %u, %s\n", c->label, c->port, c->direct ?
	    "direct TLS" : "STARTTLS");
	if (ti->seen)
		printf("TLS: %s, cipher %s\n", ti->version, ti->cipher);
	if (ti->has_cert)
		print_cert(ti);
	if (ok)
		printf("SASL mechanism: %s\nlogged in as %s\n",
		    *session_mechanism() ? session_mechanism() : "?",
		    session_bound_jid());
}

static void
print_text_child(xmpp_stanza_t *q, const char *name, const char *before)
{
	char *t = stanza_text(q, name);

	if (t != NULL && *t != '\0') {
		printf("%s", before);
		put(t);
	}
	if (t != NULL)
		xmpp_free(session_ctx(), t);
}

static void
print_version(void)
{
	xmpp_stanza_t *q = p.version.st ? xmpp_stanza_get_child_by_ns(
	    p.version.st, NS_VERSION) : NULL;

	printf("server software: ");
	if (q == NULL || strcmp(xmpp_stanza_get_type(p.version.st),
	    "result") != 0) {
		printf("not said (%s)\n", p.version.st ?
		    stanza_error(p.version.st) : "no answer");
		return;
	}
	print_text_child(q, "name", "");
	print_text_child(q, "version", " ");
	print_text_child(q, "os", " on ");
	printf("\n");
}

/* The max-file-size of an upload service's form, or NULL. */
static char *
upload_limit(xmpp_stanza_t *q)
{
	xmpp_stanza_t *x, *f;
	char *form, *v;
	const char *var;

	for (x = xmpp_stanza_get_children(q); x != NULL;
	    x = xmpp_stanza_get_next(x)) {
		if (xmpp_stanza_get_ns(x) == NULL ||
		    strcmp(xmpp_stanza_get_ns(x), NS_DATA) != 0)
			continue;
		form = NULL;
		v = NULL;
		for (f = xmpp_stanza_get_children(x); f != NULL;
		    f = xmpp_stanza_get_next(f)) {
			if ((var = xmpp_stanza_get_attribute(f, "var")) == NULL)
				continue;
			if (strcmp(var, "FORM_TYPE") == 0 && form == NULL)
				form = stanza_text(f, "value");
			else if (strcmp(var, "max-file-size") == 0 && v == NULL)
				v = stanza_text(f, "value");
		}
		if (form != NULL && strcmp(form, NS_UPLOAD) == 0 && v) {
			xmpp_free(session_ctx(), form);
			return v;
		}
		if (form != NULL)
			xmpp_free(session_ctx(), form);
		if (v != NULL)
			xmpp_free(session_ctx(), v);
	}
	return NULL;
}

/* Identities and features of a disco#info answer, indented. */
static void
print_info(xmpp_stanza_t *st, const char *indent, int features)
{
	xmpp_stanza_t *q = st ? xmpp_stanza_get_child_by_ns(st, NS_INFO) :
	    NULL, *c;
	const char *n, *v;
	char *limit;
	int upload = 0;

	if (q == NULL || strcmp(xmpp_stanza_get_type(st), "result") != 0) {
		printf("%snot said (%s)\n", indent, st ? stanza_error(st) :
		    "no answer");
		return;
	}
	for (c = xmpp_stanza_get_children(q); c != NULL;
	    c = xmpp_stanza_get_next(c)) {
		if ((n = xmpp_stanza_get_name(c)) == NULL)
			continue;
		if (strcmp(n, "identity") == 0) {
			printf("%sidentity: ", indent);
			put(xmpp_stanza_get_attribute(c, "category"));
			printf("/");
			put(xmpp_stanza_get_attribute(c, "type"));
			if ((v = xmpp_stanza_get_attribute(c, "name"))) {
				printf(" ");
				put(v);
			}
			printf("\n");
		} else if (strcmp(n, "feature") == 0 &&
		    (v = xmpp_stanza_get_attribute(c, "var")) != NULL) {
			upload |= strcmp(v, NS_UPLOAD) == 0;
			if (features) {
				printf("%sfeature: ", indent);
				put(v);
				printf("\n");
			}
		}
	}
	if (!upload)
		return;
	printf("%sHTTP file upload (XEP-0363)", indent);
	if ((limit = upload_limit(q)) != NULL) {
		printf(", files up to ");
		put(limit);
		printf(" bytes");
		xmpp_free(session_ctx(), limit);
	}
	printf("\n");
}

static void
print_offer(void)
{
	size_t i;

	print_version();
	printf("server features (disco#info of ");
	put(p.domain);
	printf("):\n");
	print_info(p.info.st, "  ", 1);
	printf("services (disco#items):\n");
	if (p.items.st == NULL ||
	    strcmp(xmpp_stanza_get_type(p.items.st), "result") != 0)
		printf("  not said (%s)\n", p.items.st ?
		    stanza_error(p.items.st) : "no answer");
	else if (p.nitems == 0)
		printf("  none\n");
	for (i = 0; i < p.nitems; i++) {
		printf("  ");
		put(p.item_jid[i]);
		printf(":\n");
		print_info(p.item[i].st, "    ", 0);
	}
}

static void
probe_free(void)
{
	size_t i;

	if (p.version.st)
		xmpp_stanza_release(p.version.st);
	if (p.info.st)
		xmpp_stanza_release(p.info.st);
	if (p.items.st)
		xmpp_stanza_release(p.items.st);
	for (i = 0; i < p.nitems; i++) {
		if (p.item[i].st)
			xmpp_stanza_release(p.item[i].st);
		free(p.item_jid[i]);
	}
	memset(&p.version, 0, sizeof(p.version));
	memset(&p.info, 0, sizeof(p.info));
	memset(&p.items, 0, sizeof(p.items));
	p.nitems = 0;
}

/* RESOURCE-test: the daemon's own session stays where it is. */
static void
test_resource(void)
{
	char *u = xmalloc(strlen(xd.acct.username) + sizeof("-test"));

	sprintf(u, "%s-test", xd.acct.username);
	free(xd.acct.username);
	xd.acct.username = u;
}

static int
stopping(void)
{
	return p.stop();
}

int
probe_run(int wakefd, int (*stop)(void))
{
	static const struct session_hooks hooks = {
		.message = ignore,
		.presence = ignore,
		.roster_loaded = no_roster,
		.roster_items = no_roster,
		.online = nothing,
		.lost = nothing,
		.invisible = 1,
		.stopping = stopping,
	};
	const char *d;
	char msg[1100];
	int status;

	p.wakefd = wakefd;
	p.stop = stop;
	test_resource();
	d = strchr(xd.acct.username, '@') + 1;
	snprintf(p.domain, sizeof(p.domain), "%.*s", (int)strcspn(d, "/"), d);
	session_init(&hooks);
	session_connect();
	run_until(logged_in, INT64_MAX);
	status = stop() ? EX_TEMPFAIL : session_login_result(msg, sizeof(msg));
	fflush(stdout);
	print_link(status == LOGIN_OK);
	if (status == LOGIN_OK) {
		ask(&p.version, p.domain, NS_VERSION);
		ask(&p.info, p.domain, NS_INFO);
		ask(&p.items, p.domain, NS_ITEMS);
		run_until(all_answered, clock_ms() + PROBE_WAIT_MS);
		print_offer();
	} else
		fprintf(stderr, "xmppd: %s\n", stop() ? "stopped by a signal" :
		    msg);
	fflush(stdout);
	probe_free();	/* its stanzas belong to libstrophe's context */
	session_stop();
	return status;
}
