/*
 * srv.c: where to connect.  Without serverhost (and on the default port)
 * the JID's domain says, in DNS SRV records: _xmpp-client._tcp for
 * servers that speak STARTTLS (RFC 6120 3.2) and _xmpps-client._tcp for
 * those that speak TLS from the first byte (XEP-0368).  Both are mixed
 * into one order, by priority and then at random by weight (RFC 2782),
 * unless directtls asks for one kind only.  A target of "." says the
 * service is not offered; a domain that publishes records is never
 * dialled directly; one that publishes none is (port 5222, or 5223 for
 * direct TLS).  With serverhost, or another port, there is one server.
 *
 * Each server's name is resolved when its turn comes, and each of its
 * addresses is a candidate of its own: libstrophe tries only the first
 * address of a name, so an unreachable IPv6 address would hide a working
 * IPv4 one.  libstrophe is then given a numeric address, and still checks
 * the certificate against the JID's domain, whatever it dials.
 *
 * DNS blocks the daemon's loop (as libstrophe's own lookup did): lookups
 * are bounded by SRV_DNS_TIMEOUT and SRV_DNS_TRIES.  session.c asks for a
 * new round, with a fresh lookup, at every reconnect.
 */
#include "srv.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"

#define TARGETS_MAX	32	/* servers of a domain we consider */
#define ADDRS_MAX	8	/* addresses of a server we try */
#define TRIED_MAX	64

struct target {
	char		 host[SRV_NAME_MAX];
	unsigned	 port, prio, weight;
	int		 direct;
};

struct tried {
	char		 label[SRV_NAME_MAX + 64];
	unsigned	 port;
	int		 direct;
	char		 outcome[1100];
};

static struct {
	struct target	 t[TARGETS_MAX];
	size_t		 n, next;	/* servers; the next to resolve */
	size_t		 cur;		/* the server of addrs */
	char		 addrs[ADDRS_MAX][64];
	size_t		 naddrs, nextaddr;
	char		 why[512];	/* the round had nothing to try */
	int		 final;		/* ...because DNS said so (".") */
	int		 fallback;	/* no records: the domain itself */
	char		 dns[2048];	/* what DNS said, for the report */
	struct tried	 tried[TRIED_MAX];
	size_t		 ntried;
} r;

static void
dns_note(const char *fmt, const char *a, const char *b)
{
	size_t o = strlen(r.dns);

	snprintf(r.dns + o, sizeof(r.dns) - o, fmt, a, b);
}

/* Reads the SRV records of an answer into r.t; 1 if "." is among them. */
static int
parse_answer(const unsigned char *ans, int len, int direct, const char *name)
{
	ns_msg msg;
	ns_rr rr;
	const unsigned char *rd;
	struct target *t;
	char line[SRV_NAME_MAX + 64];
	int i, count, dot = 0;

	if (ns_initparse(ans, len, &msg) == -1)
		return 0;
	count = ns_msg_count(msg, ns_s_an);
	for (i = 0; i < count && r.n < TARGETS_MAX; i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) == -1 ||
		    ns_rr_type(rr) != ns_t_srv || ns_rr_rdlen(rr) < 7)
			continue;
		rd = ns_rr_rdata(rr);
		t = &r.t[r.n];
		memset(t, 0, sizeof(*t));
		t->prio = ns_get16(rd);
		t->weight = ns_get16(rd + 2);
		t->port = ns_get16(rd + 4);
		t->direct = direct;
		if (dn_expand(ns_msg_base(msg), ns_msg_end(msg), rd + 6,
		    t->host, sizeof(t->host)) == -1)
			continue;
		snprintf(line, sizeof(line), "%u %u %u %s", t->prio,
		    t->weight, t->port, t->host[0] ? t->host : ".");
		dns_note("  %s: %s\n", name, line);
		if (t->host[0] == '\0' || strcmp(t->host, ".") == 0)
			dot = 1;
		else if (t->port != 0)
			r.n++;
	}
	return dot;
}

/*
 * Looks up one service's records into r.t.  Returns 1 if there were any
 * (or "." was published, *dot then set), 0 if none, -1 if the lookup
 * failed (the name servers did not answer).
 */
static int
lookup(res_state rs, const char *service, const char *domain, int direct,
    int *dot)
{
	unsigned char ans[4096];
	char name[SRV_NAME_MAX + 32];
	size_t before = r.n;
	int len;

	snprintf(name, sizeof(name), "_%s._tcp.%s", service, domain);
	len = res_nquery(rs, name, ns_c_in, ns_t_srv, ans, sizeof(ans));
	if (len < 0) {
		if (rs->res_h_errno == HOST_NOT_FOUND ||
		    rs->res_h_errno == NO_DATA) {
			dns_note("  %s: no records%s\n", name, "");
			return 0;
		}
		dns_note("  %s: the lookup failed (%s)\n", name,
		    hstrerror(rs->res_h_errno));
		log_warn("DNS lookup of %s failed: %s", name,
		    hstrerror(rs->res_h_errno));
		return -1;
	}
	*dot = parse_answer(ans, len, direct, name);
	if (r.n == before && !*dot)
		dns_note("  %s: no records%s\n", name, "");
	return r.n > before || *dot;
}

/*
 * RFC 2782's order: by priority, and within one priority at random, each
 * server's chance as its weight (those of weight 0 first, with a small
 * chance of coming first).
 */
static void
order(void)
{
	struct target tmp;
	size_t i, j, k, m, end;
	unsigned long sum, pick, run;

	for (i = 1; i < r.n; i++)	/* stable: insertion */
		for (j = i; j > 0 && (r.t[j - 1].prio > r.t[j].prio ||
		    (r.t[j - 1].prio == r.t[j].prio && r.t[j - 1].weight > 0 &&
		    r.t[j].weight == 0)); j--) {
			tmp = r.t[j], r.t[j] = r.t[j - 1], r.t[j - 1] = tmp;
		}
	for (i = 0; i < r.n; i = end) {
		for (end = i; end < r.n && r.t[end].prio == r.t[i].prio; end++)
			;
		for (k = i; k + 1 < end; k++) {
			for (sum = 0, m = k; m < end; m++)
				sum += r.t[m].weight;
			pick = (unsigned long)random() % (sum + 1);
			for (run = 0, m = k; m < end - 1; m++)
				if ((run += r.t[m].weight) >= pick)
					break;
			tmp = r.t[k], r.t[k] = r.t[m], r.t[m] = tmp;
		}
	}
}

/* The one server of the plan, or the domain when DNS has none. */
static void
single(const char *host, unsigned port, int direct)
{
	r.n = 1;
	memset(&r.t[0], 0, sizeof(r.t[0]));
	snprintf(r.t[0].host, sizeof(r.t[0].host), "%s", host);
	r.t[0].port = port;
	r.t[0].direct = direct;
}

/* The SRV lookups of the plan's domain, as directtls asks. */
static void
lookup_domain(const struct srv_plan *p)
{
	struct __res_state rs;
	int tls = 0, plain = 0, dot_tls = 0, dot_plain = 0;

	memset(&rs, 0, sizeof(rs));
	if (res_ninit(&rs) == -1) {
		log_warn("cannot read the resolver's configuration");
		single(p->domain, p->port, p->directtls == 1);
		return;
	}
	if (rs.retrans > SRV_DNS_TIMEOUT)
		rs.retrans = SRV_DNS_TIMEOUT;
	if (rs.retry > SRV_DNS_TRIES)
		rs.retry = SRV_DNS_TRIES;
	if (p->directtls != 0)
		tls = lookup(&rs, "xmpps-client", p->domain, 1, &dot_tls);
	if (p->directtls != 1)
		plain = lookup(&rs, "xmpp-client", p->domain, 0, &dot_plain);
	res_nclose(&rs);
	if (r.n > 0)
		order();
	else if (tls == 1 || plain == 1) {
		/* "." (and nothing else usable): no fallback to the domain. */
		r.final = 1;
		snprintf(r.why, sizeof(r.why), "%s publishes in DNS that it "
		    "offers no %s (SRV target \".\")%s", p->domain,
		    p->directtls == 1 ? "direct TLS" : "XMPP service",
		    p->directtls == 1 ? "; set directtls = no, or remove it" :
		    "");
	} else {
		single(p->domain, p->port, p->directtls == 1);
		r.fallback = 1;
	}
}

/* getaddrinfo() honours the resolver's options of _res: bound it too. */
static void
bound_resolver(void)
{
	if (res_init() == 0) {
		if (_res.retrans > SRV_DNS_TIMEOUT)
			_res.retrans = SRV_DNS_TIMEOUT;
		if (_res.retry > SRV_DNS_TRIES)
			_res.retry = SRV_DNS_TRIES;
	}
}

static void
log_servers(const char *domain)
{
	char line[1024];
	size_t i, o = 0;

	for (i = 0; i < r.n && o < sizeof(line); i++)
		o += (size_t)snprintf(line + o, sizeof(line) - o, "%s%s port "
		    "%u%s", i ? ", " : "", r.t[i].host, r.t[i].port,
		    r.t[i].direct ? " (direct TLS)" : "");
	if (r.n > 0)
		log_info("servers of %s in DNS SRV records, in order: %s",
		    domain, line);
}

void
srv_begin(const struct srv_plan *p)
{
	unsigned def = p->directtls == 1 ? 5223 : 5222;

	memset(&r, 0, sizeof(r));
	bound_resolver();
	if (p->serverhost != NULL)
		single(p->serverhost, p->port, p->directtls == 1);
	else if (p->port != def)
		single(p->domain, p->port, p->directtls == 1);
	else {
		lookup_domain(p);
		if (r.fallback)
			dns_note("  no SRV records: %s itself is dialled%s\n",
			    p->domain, "");
		else
			log_servers(p->domain);
	}
}

/* Resolves r.t[r.cur] into r.addrs; -1 with why in r.why. */
static int
resolve(void)
{
	const struct target *t = &r.t[r.cur];
	struct addrinfo hints, *res, *ai;
	char a[64];
	size_t i;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(t->host, NULL, &hints, &res)) != 0) {
		snprintf(r.why, sizeof(r.why), "cannot resolve %s: %s",
		    t->host, rc == EAI_SYSTEM ? strerror(errno) :
		    gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL && r.naddrs < ADDRS_MAX; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)
			    (void *)ai->ai_addr)->sin_addr, a, sizeof(a));
		else if (ai->ai_family == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)
			    (void *)ai->ai_addr)->sin6_addr, a, sizeof(a));
		else
			continue;
		for (i = 0; i < r.naddrs && strcmp(r.addrs[i], a) != 0; i++)
			;
		if (i == r.naddrs)
			memcpy(r.addrs[r.naddrs++], a, sizeof(a));
	}
	freeaddrinfo(res);
	return 0;
}

static struct tried *
tried_add(const char *label, unsigned port, int direct)
{
	struct tried *t;
	size_t n = strnlen(label, sizeof(t->label) - 1);

	if (r.ntried == TRIED_MAX)
		return NULL;
	t = &r.tried[r.ntried++];
	memmove(t->label, label, n);	/* label may be r's own */
	t->label[n] = '\0';
	t->port = port;
	t->direct = direct;
	t->outcome[0] = '\0';
	return t;
}

int
srv_next(struct srv_cand *c)
{
	const struct target *t;
	struct tried *tr;

	while (r.nextaddr == r.naddrs) {
		if (r.next >= r.n)
			return 0;
		r.cur = r.next++;
		r.naddrs = r.nextaddr = 0;
		if (resolve() == -1) {
			log_warn("%s%s", r.why, r.next < r.n ?
			    "; trying the next server" : "");
			t = &r.t[r.cur];
			if ((tr = tried_add(t->host, t->port, t->direct)))
				snprintf(tr->outcome, sizeof(tr->outcome),
				    "%s", r.why);
		}
	}
	t = &r.t[r.cur];
	memset(c, 0, sizeof(*c));
	snprintf(c->addr, sizeof(c->addr), "%s", r.addrs[r.nextaddr++]);
	if (strcmp(c->addr, t->host) == 0)
		snprintf(c->label, sizeof(c->label), "%s", t->host);
	else
		snprintf(c->label, sizeof(c->label), "%s (%s)", t->host,
		    c->addr);
	c->port = t->port;
	c->direct = t->direct;
	tried_add(c->label, c->port, c->direct);
	r.why[0] = '\0';
	return 1;
}

int
srv_more(void)
{
	return r.nextaddr < r.naddrs || r.next < r.n;
}

const char *
srv_why_none(int *final)
{
	*final = r.final;
	return r.why[0] ? r.why : "no server to connect to";
}

void
srv_note(const char *outcome)
{
	if (r.ntried > 0)
		snprintf(r.tried[r.ntried - 1].outcome,
		    sizeof(r.tried[0].outcome), "%s", outcome);
}

void
srv_report(FILE *fp)
{
	size_t i;

	if (r.dns[0] != '\0')
		fprintf(fp, "DNS:\n%s", r.dns);
	fprintf(fp, "tried:\n");
	for (i = 0; i < r.ntried; i++)
		fprintf(fp, "  %zu. %s port %u, %s: %s\n", i + 1,
		    r.tried[i].label, r.tried[i].port, r.tried[i].direct ?
		    "direct TLS" : "STARTTLS", r.tried[i].outcome[0] ?
		    r.tried[i].outcome : "?");
	if (r.ntried == 0)
		fprintf(fp, "  nothing: %s\n", r.why[0] ? r.why : "?");
}
