/*
 * session.c: the XMPP session, driven by libstrophe from our poll() loop.
 *
 * libstrophe is only ever called with a zero timeout: the main loop polls
 * its socket with everything else and calls session_io() when it is ready
 * and after every send.  session_io() keeps running libstrophe until the
 * socket has had nothing queued for a few turns, because OpenSSL may hold
 * a decrypted record that poll() cannot see (see the reference notes).
 * Our own timers (keepalive, reconnect, login deadline) live here and are
 * reported to the loop, since libstrophe's timed handlers are invisible to
 * poll().  The connection handler only records what happened; reconnects
 * are started from the loop, never from inside libstrophe.
 *
 * Where to connect is srv.c's: each attempt is a round over the servers
 * and addresses it finds, and one that fails before TLS is up (refused,
 * unreachable, timed out) makes the next be tried at once; the back-off
 * is for a round that failed whole.  tls.c sees the TLS session and
 * checks a pinned fingerprint.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <linux/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strophe.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "jid.h"
#include "log.h"
#include "loss.h"
#include "proto.h"
#include "srv.h"
#include "stanza.h"
#include "tls.h"
#include "util.h"
#include "xmppd.h"

#define NS_ROSTER	"jabber:iq:roster"
#define NS_PING		"urn:xmpp:ping"
#define NS_STANZAS	"urn:ietf:params:xml:ns:xmpp-stanzas"

#define LOGIN_DEADLINE_MS	30000	/* for each server tried */
#define CONNECT_CHECK_MS	5100	/* libstrophe's TCP timeout (5 s) */
#define BACKOFF_MIN_MS		1000	/* the link broke: soon */
#define BACKOFF_MAX_MS		60000
#define CONFLICT_MIN_MS		30000	/* another client took our JID */
#define CONFLICT_MAX_MS		900000
#define AUTH_MIN_MS		300000	/* the password was refused */
#define AUTH_MAX_MS		3600000
#define STABLE_MS		60000	/* online this long: back-off forgiven */
/*
 * At most this many bytes of messages on the wire before the server has
 * confirmed them: a server that reads slowly (ejabberd's stock shaper,
 * 3000 bytes/s) reads whatever is there and then pauses for as long as it
 * is worth, so our pings and presence must never queue behind more than
 * a few seconds of it.  An unshaped server's round trip is short enough
 * for this not to slow the queue down.
 */
#define SEND_WINDOW		8192
#define DRAIN_IDLE_TURNS	4	/* 4 x 4 KiB reads cover a TLS record */
#define DRAIN_MAX_TURNS		256	/* then let local clients have a turn */

static struct {
	xmpp_ctx_t	*ctx;
	xmpp_conn_t	*conn;
	int		 fd;		/* the XMPP socket, -1 if none */
	int		 active;	/* between connect and disconnect */
	int		 bound;		/* authenticated and bound */
	int		 online;	/* roster and presence in sync */
	int		 lost;		/* the handler saw a disconnect */
	int		 lost_errno;	/* its code (see loss.c) */
	unsigned long	 activity;	/* libstrophe said or did something */
	int		 login;		/* first attempt: LOGIN_*, or status */
	char		 login_msg[1024];
	int64_t		 login_deadline;
	int64_t		 connect_check;	/* run libstrophe's TCP timeout */
	struct srv_cand	 cand;		/* the server being tried */
	int		 tls_checked;	/* tls_secured() asked on this link */
	int		 replacing;	/* the round is over: no next server */
	char		 mech[32];	/* SASL mechanism that worked */
	int64_t		 reconnect_at;	/* 0: none scheduled */
	int64_t		 backoff;
	enum loss_kind	 backoff_kind;	/* what the back-off is about */
	int64_t		 online_since;
	char		 why[1100];	/* why we are not online, for STATUS */
	int64_t		 last_rx;
	int64_t		 ping_deadline;	/* 0: no keepalive ping out */
	int64_t		 ping_checked;	/* when life was last looked for */
	uint64_t	 acked;		/* bytes the server's TCP had taken */
	int		 ping_stuck;	/* ...and the ping had not left yet */
	unsigned long	 barrier_out;	/* the barrier ping out; 0: none */
	unsigned long	 seq;
	char		 id_prefix[24];
	char		 domain[JID_PART_MAX + 1];
	struct session_hooks hooks;	/* the parts above */
} s = { .fd = -1, .login = LOGIN_PENDING };

/* An IQ request of a part above (session_send_iq) awaiting its answer. */
struct pending_iq {
	struct pending_iq *next;
	char		 id[32];
	char		*to;		/* folded bare JID asked; NULL: server */
	session_iq_fn	 fn;
	void		*arg;
};
static struct pending_iq *pending;
static unsigned long iq_seq;

static void dial(void);

static void
send_release(xmpp_stanza_t *st)
{
	xmpp_send(s.conn, st);
	xmpp_stanza_release(st);
}

void
session_new_id(char *out, size_t len)
{
	snprintf(out, len, "%s-%lu", s.id_prefix, ++s.seq);
}

/* An id this daemon gave out: its prefix, and a number it has reached. */
int
session_issued_id(const char *id)
{
	size_t n = strlen(s.id_prefix);
	char *end;
	unsigned long seq;

	if (strncmp(id, s.id_prefix, n) != 0 || id[n] != '-' ||
	    id[n + 1] < '1' || id[n + 1] > '9')
		return 0;
	seq = strtoul(id + n + 1, &end, 10);
	return *end == '\0' && seq <= s.seq;
}

static void
send_ping(const char *id)
{
	xmpp_stanza_t *iq = xmpp_iq_new(s.ctx, "get", id);

	xmpp_stanza_set_to(iq, s.domain);
	stanza_child(iq, "ping", NS_PING);
	send_release(iq);
}

/*
 * One barrier for everything sent since the last one, and only one out at
 * a time: under load, what is sent while a barrier is out waits for the
 * next, so the server answers one ping per round trip, not one per batch.
 */
static void
send_barrier(void)
{
	char id[32];

	if (s.barrier_out != 0 ||
	    (s.barrier_out = outbox_barrier(&xd.outbox)) == 0)
		return;
	snprintf(id, sizeof(id), "b%lu", s.barrier_out);
	send_ping(id);
}

xmpp_ctx_t *
session_ctx(void)
{
	return s.ctx;
}

void
session_heard(void)
{
	s.last_rx = clock_ms();
}

int
session_bound(void)
{
	return s.bound;
}

void
session_send(xmpp_stanza_t *st)
{
	if (s.bound)
		xmpp_send(s.conn, st);
	xmpp_stanza_release(st);
}

/* Logging from libstrophe, with credentials cut out. */

static void
redact(const char *in, char *out, size_t len)
{
	static const char *tags[] = { "<auth", "<response", "<challenge",
		"<success", "<password" };
	size_t o = 0, i;
	const char *p = in;

	while (*p != '\0' && o + 16 < len) {
		i = sizeof(tags) / sizeof(tags[0]);
		if (*p == '<')	/* every tag starts so: look no further */
			for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
				if (strncmp(p, tags[i], strlen(tags[i])) == 0)
					break;
		if (i == sizeof(tags) / sizeof(tags[0])) {
			out[o++] = *p++;
			continue;
		}
		/* Copy the start tag, then replace its content. */
		while (*p != '\0' && *p != '>' && o + 16 < len)
			out[o++] = *p++;
		if (*p != '>' || p[-1] == '/')
			continue;
		out[o++] = *p++;
		if (*p != '<') {
			o += (size_t)snprintf(out + o, len - o, "[redacted]");
			while (*p != '\0' && *p != '<')
				p++;
		}
	}
	out[o] = '\0';
}

/* libstrophe names the SASL mechanism that worked only in its log. */
static void
note_mech(const char *msg)
{
	const char *end;

	if (strncmp(msg, "SASL ", 5) == 0 &&
	    (end = strstr(msg, " auth successful")) != NULL &&
	    end[16] == '\0')
		snprintf(s.mech, sizeof(s.mech), "%.*s", (int)(end - msg - 5),
		    msg + 5);
}

static void
strophe_log(void *ud, xmpp_log_level_t level, const char *area,
    const char *msg)
{
	char clean[2048];

	(void)ud;
	/*
	 * libstrophe logs whatever it queues or handles.  Its own stanzas
	 * (stream restart, bind, session) are not in xmpp_conn_send_queue_len,
	 * so this is how the drain loop learns that a turn did work.
	 */
	s.activity++;
	/*
	 * What is below a warning only has its first words looked at, and
	 * is logged only when debugging: copied and cut only then (every
	 * stanza in and out passes here).
	 */
	if (level < XMPP_LEVEL_WARN && !log_debugging()) {
		note_mech(msg);
		if (loss_note_log(0, area, msg) == LOSS_STOP && s.fd >= 0)
			shutdown(s.fd, SHUT_RDWR);
		return;
	}
	redact(msg, clean, sizeof(clean));
	note_mech(clean);
	/*
	 * Some failures show only here.  After a refused password or a
	 * refused STARTTLS the attempt ends at once: libstrophe would try
	 * every other SASL mechanism (each refusal counts against us with
	 * fail2ban), or wait for the server to close.  Nothing it queues
	 * after this line can leave a socket shut down now.
	 */
	if (loss_note_log(level >= XMPP_LEVEL_WARN, area, clean) ==
	    LOSS_STOP && s.fd >= 0)
		shutdown(s.fd, SHUT_RDWR);
	if (log_debugging()) {
		log_debug("%s: %s", area, clean);
	}
}

static void
send_error_reply(xmpp_stanza_t *st, const char *condition)
{
	const char *id = xmpp_stanza_get_id(st);
	const char *from = xmpp_stanza_get_from(st);
	xmpp_stanza_t *iq = xmpp_iq_new(s.ctx, "error", id ? id : "");
	xmpp_stanza_t *e;

	if (from != NULL)
		xmpp_stanza_set_to(iq, from);
	e = stanza_child(iq, "error", NULL);
	xmpp_stanza_set_type(e, "cancel");
	stanza_child(e, condition, NS_STANZAS);
	send_release(iq);
}

static void
send_result(xmpp_stanza_t *st)
{
	const char *id = xmpp_stanza_get_id(st);
	const char *from = xmpp_stanza_get_from(st);
	xmpp_stanza_t *iq = xmpp_iq_new(s.ctx, "result", id ? id : "");

	if (from != NULL)
		xmpp_stanza_set_to(iq, from);
	send_release(iq);
}

/* A roster push is only believable from our own server (RFC 6121 2.1.6). */
static int
from_own_account(xmpp_stanza_t *st)
{
	const char *from = xmpp_stanza_get_from(st);
	struct jid j, me;

	if (from == NULL)
		return 1;
	return jid_parse(from, 0, &j) == NULL &&
	    jid_parse(xd.acct.username, 0, &me) == NULL &&
	    strcmp(j.bare, me.bare) == 0;
}

static void
iq_answer(xmpp_stanza_t *st, const char *id)
{
	unsigned long n;

	if (strcmp(id, "roster") == 0) {
		xmpp_stanza_t *q = xmpp_stanza_get_child_by_name_and_ns(st,
		    "query", NS_ROSTER);
		s.hooks.roster_loaded(q);
		/* Its answer follows the presence the server sends back. */
		send_ping("sync");
	} else if (strcmp(id, "sync") == 0) {
		/*
		 * Roster, presence and rooms are back: now the queue may go,
		 * group chat included (a room we were not in would bounce).
		 */
		s.online = 1;
		s.online_since = clock_ms();
		s.why[0] = '\0';
		s.hooks.online();
		/* Queued only: we are inside libstrophe, whose drain goes on. */
		session_flush();
		if (s.login == LOGIN_PENDING)
			s.login = LOGIN_OK;
		log_info("online as %s", xmpp_conn_get_bound_jid(s.conn));
	} else if (strcmp(id, "keepalive") == 0)
		s.ping_deadline = 0;
	else if (id[0] == 'b' && id[1] >= '0' && id[1] <= '9') {
		n = strtoul(id + 1, NULL, 10);
		outbox_confirm(&xd.outbox, n);
		if (n == s.barrier_out) {
			s.barrier_out = 0;
			send_barrier();	/* for what went out meanwhile */
		}
	}
}

/* Answers to our roster and ping requests come from the server itself. */
static int
from_server(xmpp_stanza_t *st)
{
	const char *from = xmpp_stanza_get_from(st);
	struct jid j;

	if (from_own_account(st))
		return 1;
	return jid_parse(from, 0, &j) == NULL && !j.has_resource &&
	    strcmp(j.bare, s.domain) == 0;
}

int
session_send_iq(xmpp_stanza_t *iq, session_iq_fn fn, void *arg)
{
	struct pending_iq *p;
	const char *to = xmpp_stanza_get_to(iq);
	struct jid j;

	if (!s.bound) {
		xmpp_stanza_release(iq);
		return -1;
	}
	p = xcalloc(1, sizeof(*p));
	snprintf(p->id, sizeof(p->id), "q%lu", ++iq_seq);
	xmpp_stanza_set_id(iq, p->id);
	if (to != NULL && jid_parse(to, 0, &j) == NULL &&
	    strcmp(j.bare, s.domain) != 0)
		p->to = xstrdup(j.bare);
	p->fn = fn;
	p->arg = arg;
	p->next = pending;
	pending = p;
	/* Queued only: the loop polls for POLLOUT while anything waits. */
	session_send(iq);
	return 0;
}

void
session_cancel_iq(void *arg)
{
	struct pending_iq *p;

	for (p = pending; p != NULL; p = p->next)
		if (p->arg == arg)
			p->fn = NULL;
}

/* Takes p out of the list and hands answer (NULL: no answer) to its fn. */
static void
iq_done(struct pending_iq **pp, xmpp_stanza_t *answer)
{
	struct pending_iq *p = *pp;

	*pp = p->next;
	if (p->fn != NULL)
		p->fn(answer, p->arg);
	free(p->to);
	free(p);
}

/* An answer to session_send_iq(), from whom it was asked?  1 if taken. */
static int
iq_pending_answer(xmpp_stanza_t *st, const char *id)
{
	struct pending_iq **pp;
	const char *from = xmpp_stanza_get_from(st);
	struct jid j;

	for (pp = &pending; *pp != NULL; pp = &(*pp)->next) {
		if (strcmp((*pp)->id, id) != 0)
			continue;
		if ((*pp)->to == NULL ? !from_server(st) : from == NULL ||
		    jid_parse(from, 0, &j) != NULL ||
		    strcmp(j.bare, (*pp)->to) != 0)
			return 1;	/* forged: ignored */
		iq_done(pp, st);
		return 1;
	}
	return 0;
}

static int
iq_handler(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
	const char *type = xmpp_stanza_get_type(st);
	const char *id = xmpp_stanza_get_id(st);
	xmpp_stanza_t *q;

	(void)conn, (void)ud;
	s.last_rx = clock_ms();
	if (type == NULL)
		return 1;
	if (strcmp(type, "result") == 0 || strcmp(type, "error") == 0) {
		/* Others could forge an answer to our predictable ids. */
		if (id != NULL && !iq_pending_answer(st, id) &&
		    from_server(st))
			iq_answer(st, id);
		return 1;
	}
	if (strcmp(type, "get") != 0 && strcmp(type, "set") != 0)
		return 1;
	q = xmpp_stanza_get_child_by_name_and_ns(st, "query", NS_ROSTER);
	if (q != NULL && strcmp(type, "set") == 0 && from_own_account(st)) {
		s.hooks.roster_items(q);
		send_result(st);
	} else if (strcmp(type, "get") == 0 &&
	    xmpp_stanza_get_child_by_name_and_ns(st, "ping", NS_PING) != NULL)
		send_result(st);
	else
		send_error_reply(st, "service-unavailable");
	return 1;
}

/* The connection. */

/* The condition of a stream error is its first child that is no <text/>. */
static void
note_stream_error(xmpp_stream_error_t *se)
{
	xmpp_stanza_t *c;
	const char *name, *cond = "undefined-condition";

	for (c = se->stanza ? xmpp_stanza_get_children(se->stanza) : NULL;
	    c != NULL; c = xmpp_stanza_get_next(c))
		if ((name = xmpp_stanza_get_name(c)) != NULL &&
		    strcmp(name, "text") != 0) {
			cond = name;
			break;
		}
	loss_note_stream_error(cond, se->text);
}

/* One line says how this login was made. */
static void
log_login(void)
{
	const struct tls_info *ti = tls_info();

	log_info("logged in as %s via %s port %u (%s, %s %s, %s)",
	    xmpp_conn_get_bound_jid(s.conn), s.cand.label, s.cand.port,
	    s.cand.direct ? "direct TLS" : "STARTTLS", ti->seen ?
	    ti->version : "TLS", ti->seen ? ti->cipher : "(not seen)",
	    s.mech[0] ? s.mech : "SASL");
	srv_note("logged in");
}

static void
conn_handler(xmpp_conn_t *conn, xmpp_conn_event_t event, int error,
    xmpp_stream_error_t *se, void *ud)
{
	xmpp_stanza_t *iq;

	(void)ud;
	if (event == XMPP_CONN_CONNECT) {
		s.bound = 1;
		log_login();
		iq = xmpp_iq_new(s.ctx, "get", "roster");
		stanza_child(iq, "query", NS_ROSTER);
		send_release(iq);
		return;
	}
	if (event == XMPP_CONN_RAW_CONNECT)
		return;
	s.lost = 1;
	s.lost_errno = error;
	if (se != NULL)
		note_stream_error(se);
	(void)conn;
}

static int
sockopt_cb(xmpp_conn_t *conn, void *sock)
{
	int fd = *(int *)sock, on = 1, idle = 60, intvl = 10, cnt = 3;

	(void)conn;
	/* libstrophe select()s on it internally. */
	if (fd >= FD_SETSIZE) {
		log_error("XMPP socket fd %d is beyond FD_SETSIZE", fd);
		return -1;
	}
	s.fd = fd;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	return 0;
}

/* We end the link ourselves: said in the log and kept as the cause. */
static void
say_dropped(const char *why)
{
	log_warn("%s; dropping the connection", why);
	loss_note_dropped(why);
}

/*
 * Asked by tls.c at each turn of libstrophe's wait inside the TLS
 * handshake, which knows neither our deadline nor our signals.  Called
 * from inside libstrophe: it may note and log, never call it.
 */
static int
handshake_give_up(void)
{
	static const char why[] = "login did not complete in time (the TLS "
	    "handshake)";

	if (s.hooks.stopping != NULL && s.hooks.stopping())
		return 1;
	if (clock_ms() < s.login_deadline)
		return 0;
	say_dropped(why);
	return 1;
}

/* A connection object carrying the account's current settings. */
static void
conn_setup(void)
{
	struct jid me;

	/*
	 * With cafile or capath, those are the trusted CAs: OpenSSL's default
	 * store is pointed at them too, which also spares loading the whole
	 * system bundle at every login (about 80 ms here).
	 */
	if (xd.acct.cafile != NULL || xd.acct.capath != NULL) {
		setenv("SSL_CERT_FILE", xd.acct.cafile ? xd.acct.cafile :
		    "/nonexistent", 1);
		setenv("SSL_CERT_DIR", xd.acct.capath ? xd.acct.capath :
		    "/nonexistent", 1);
	}
	s.conn = xmpp_conn_new(s.ctx);
	/* Flags: at each connect (dial()). */
	xmpp_conn_set_jid(s.conn, xd.acct.username);
	xmpp_conn_set_pass(s.conn, xd.acct.secret);
	if (xd.acct.cafile != NULL)
		xmpp_conn_set_cafile(s.conn, xd.acct.cafile);
	if (xd.acct.capath != NULL)
		xmpp_conn_set_capath(s.conn, xd.acct.capath);
	xmpp_conn_set_sockopt_callback(s.conn, sockopt_cb);
	tls_configure(s.conn, &xd.acct, handshake_give_up);
	xmpp_handler_add(s.conn, s.hooks.message, NULL, "message", NULL,
	    NULL);
	xmpp_handler_add(s.conn, s.hooks.presence, NULL, "presence", NULL,
	    NULL);
	xmpp_handler_add(s.conn, iq_handler, NULL, "iq", NULL, NULL);
	jid_parse(xd.acct.username, 0, &me);
	snprintf(s.domain, sizeof(s.domain), "%s", strchr(me.bare, '@') + 1);
}

void
session_init(const struct session_hooks *hooks)
{
	static xmpp_log_t logger = { strophe_log, NULL };
	unsigned char rnd[6];
	size_t i;

	s.hooks = *hooks;
	xmpp_initialize();
	s.ctx = xmpp_ctx_new(NULL, &logger);
	conn_setup();
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		memset(rnd, 0, sizeof(rnd));
	strcpy(s.id_prefix, "xmppd-");
	for (i = 0; i < sizeof(rnd); i++)
		sprintf(s.id_prefix + 6 + 2 * i, "%02x", rnd[i]);
}

/* Seconds or minutes, for the log. */
static void
say_delay(int64_t ms, char *out, size_t len)
{
	if (ms < 60000)
		snprintf(out, len, "%.1f s", (double)ms / 1000);
	else
		snprintf(out, len, "%.0f min", (double)ms / 60000);
}

/*
 * The next attempt, after a back-off that doubles with every link that
 * did not last (STABLE_MS), from a floor and up to a ceiling set by how
 * the last one ended: a link cut or a server restarting may be back in a
 * second; another client using our JID, or a refused password, will not
 * change soon, and every attempt costs that client its session or counts
 * against us with fail2ban.
 */
static void
schedule_reconnect(const struct loss *lo)
{
	int64_t min = BACKOFF_MIN_MS, max = BACKOFF_MAX_MS, jitter;
	char delay[32];

	if (lo->kind == LOSS_CONFLICT)
		min = CONFLICT_MIN_MS, max = CONFLICT_MAX_MS;
	else if (lo->kind == LOSS_AUTH)
		min = AUTH_MIN_MS, max = AUTH_MAX_MS;
	/* A new kind of trouble starts from its own floor. */
	if (lo->kind != s.backoff_kind)
		s.backoff = 0;
	s.backoff_kind = lo->kind;
	s.backoff = s.backoff ? s.backoff * 2 : min;
	if (s.backoff < min)
		s.backoff = min;
	if (s.backoff > max)
		s.backoff = max;
	/* Up to a quarter either way, so many daemons do not stampede. */
	jitter = (int64_t)(random() % (s.backoff / 2 + 1)) - s.backoff / 4;
	s.reconnect_at = clock_ms() + s.backoff + jitter;
	say_delay(s.backoff + jitter, delay, sizeof(delay));
	if (lo->kind == LOSS_AUTH) {
		log_error("the server refused the password for %s, which it "
		    "took before (changed on the server?); next attempt in %s; "
		    "after fixing the secret, send SIGHUP (systemctl reload) "
		    "to try at once", xd.acct.username, delay);
		snprintf(s.why, sizeof(s.why), "the server refused the "
		    "password; next attempt in %s, or at SIGHUP", delay);
	} else {
		log_info("reconnecting in %s", delay);
		snprintf(s.why, sizeof(s.why), "%s; next attempt in %s",
		    lo->msg, delay);
	}
}

/* The round failed whole: the first login's result, or a new round later. */
static void
round_failed(const struct loss *lo)
{
	if (s.login == LOGIN_PENDING) {
		s.login = lo->status;
		snprintf(s.login_msg, sizeof(s.login_msg), "%s", lo->msg);
		return;
	}
	log_warn("%s", lo->msg);
	schedule_reconnect(lo);
}

/*
 * After a failure before TLS was up, the round's next server, at once
 * (1); none is left (0): the round failed.  Others end the round.
 */
static int
next_server(const struct loss *lo)
{
	srv_note(lo->msg);
	if (!lo->early || !srv_more() || s.replacing)
		return 0;
	log_warn("%s; trying the next server", lo->msg);
	if (!srv_next(&s.cand))
		return 0;
	dial();
	return 1;
}

static void
handle_loss(void)
{
	struct loss_link k = { s.cand.label, s.cand.port, s.domain,
	    xd.acct.username, s.bound, s.cand.direct, tls_info()->has_cert };
	struct loss lo;
	char why[1024];

	if (tls_refused(why, sizeof(why)))
		loss_note_refused(why);
	loss_describe(&k, s.lost_errno, &lo);
	/* A link that lasted is no evidence against the next one. */
	if (s.online && clock_ms() - s.online_since >= STABLE_MS)
		s.backoff = 0;
	s.lost = 0;
	s.active = s.bound = s.online = 0;
	s.fd = -1;
	s.ping_deadline = 0;
	s.barrier_out = 0;
	s.connect_check = 0;
	while (pending != NULL)
		iq_done(&pending, NULL);
	s.hooks.lost();
	outbox_requeue(&xd.outbox, lo.blame ? lo.cond : NULL);
	if (!next_server(&lo))
		round_failed(&lo);
}

/* Dials the round's current server (s.cand). */
static void
dial(void)
{
	s.lost = 0;
	loss_reset();
	tls_reset();
	s.tls_checked = 0;
	s.mech[0] = '\0';
	/* TLS always, verified; never plaintext; our own delivery barrier. */
	xmpp_conn_set_flags(s.conn, XMPP_CONN_FLAG_MANDATORY_TLS |
	    XMPP_CONN_FLAG_DISABLE_SM |
	    (s.cand.direct ? XMPP_CONN_FLAG_LEGACY_SSL : 0));
	log_info("connecting to %s port %u (%s)", s.cand.label, s.cand.port,
	    s.cand.direct ? "direct TLS" : "STARTTLS");
	s.active = 1;
	s.login_deadline = clock_ms() + LOGIN_DEADLINE_MS;
	s.connect_check = clock_ms() + CONNECT_CHECK_MS;
	errno = 0;
	if (xmpp_connect_client(s.conn, s.cand.addr,
	    (unsigned short)s.cand.port, conn_handler, NULL) != XMPP_EOK) {
		s.lost = 1;
		s.lost_errno = errno;
		loss_note_log(1, "xmppd", "cannot connect");
	}
	s.last_rx = clock_ms();
}

/*
 * A new round: where to connect (DNS SRV records, or the configured
 * server), then the first server.  A round with nothing to try at all
 * ends at once, as a failed one.
 */
void
session_connect(void)
{
	struct srv_plan plan = { s.domain, xd.acct.serverhost, xd.acct.port,
		xd.acct.directtls };
	struct loss lo;
	int final;

	s.reconnect_at = 0;
	srv_begin(&plan);
	if (srv_next(&s.cand)) {
		dial();
		return;
	}
	memset(&lo, 0, sizeof(lo));
	lo.kind = LOSS_NETWORK;
	snprintf(lo.msg, sizeof(lo.msg), "%s", srv_why_none(&final));
	lo.status = final ? EX_UNAVAILABLE : EX_TEMPFAIL;
	round_failed(&lo);
}

/*
 * TLS is up: before anything goes over it (libstrophe has only queued
 * the new stream's header in this turn), a pinned fingerprint must have
 * been checked.
 */
static void
tls_up(void)
{
	char why[1024];

	s.tls_checked = 1;
	if (tls_secured(why, sizeof(why)) == -1) {
		log_debug("%s", why);
		shutdown(s.fd, SHUT_RDWR);
	}
	loss_note_tls();
}

void
session_io(void)
{
	int turns, idle = 0, avail;
	unsigned long before;

	if (!s.active)
		return;
	/* Anything the server sends shows the link is alive. */
	if (s.fd >= 0 && ioctl(s.fd, FIONREAD, &avail) == 0 && avail > 0)
		s.last_rx = clock_ms();
	for (turns = 0; turns < DRAIN_MAX_TURNS && !s.lost; turns++) {
		before = s.activity;
		xmpp_run_once(s.ctx, 0);
		if (s.lost || s.fd < 0)
			break;
		if (xmpp_conn_is_secured(s.conn) && !s.tls_checked)
			tls_up();
		if (s.activity != before)
			idle = 0;	/* it may have queued more to write */
		else if (ioctl(s.fd, FIONREAD, &avail) == -1 || avail == 0) {
			/* Nothing left in OpenSSL's buffers either: done. */
			if (!tls_buffered(xmpp_conn_is_secured(s.conn)) ||
			    ++idle >= DRAIN_IDLE_TURNS)
				break;
		} else {
			idle = 0;
			s.last_rx = clock_ms();
		}
	}
	if (s.lost)
		handle_loss();
}

int
session_pollfd(struct pollfd *pfd)
{
	if (!s.active || s.fd < 0)
		return 0;
	pfd->fd = s.fd;
	pfd->events = POLLIN;
	if (xmpp_conn_is_connecting(s.conn) ||
	    xmpp_conn_send_queue_len(s.conn) > 0)
		pfd->events |= POLLOUT;
	return 1;
}

static void
drop_link(const char *why)
{
	say_dropped(why);
	if (s.fd >= 0)
		shutdown(s.fd, SHUT_RDWR);
	session_io();
	if (s.active && !s.lost) {
		/* libstrophe did not notice: tell it directly. */
		xmpp_disconnect(s.conn);
		session_io();
	}
}

/*
 * Our output as the kernel sees it: how many bytes the server's TCP has
 * acknowledged so far, and how many wait unsent (the server's window is
 * full, or nothing was sent yet) here or still in libstrophe's queue.
 */
static void
output_state(uint64_t *acked, int *stuck)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (s.fd >= 0)
		getsockopt(s.fd, IPPROTO_TCP, TCP_INFO, &ti, &len);
	*acked = ti.tcpi_bytes_acked;
	*stuck = ti.tcpi_notsent_bytes > 0 ||
	    xmpp_conn_send_queue_len(s.conn) > 0;
}

/*
 * The ping is out and its answer is due: is the link alive all the same?
 * A server that reads slowly (ejabberd's stock shaper takes 3000 bytes a
 * second) leaves our ping queued behind our own messages, and no answer
 * can come before the ping has even left: while our output is stuck, the
 * server's TCP acknowledging more of it is the proof of life, and the
 * ping's own wait starts only once it has left.  A hung server reads
 * nothing: once its buffers are full it acknowledges nothing either.
 * Anything received also shows life.
 */
static int
still_alive(int64_t now)
{
	uint64_t acked;
	int stuck, alive;

	output_state(&acked, &stuck);
	if (stuck)
		alive = acked > s.acked;
	else
		alive = s.ping_stuck;	/* it left since the last look */
	alive = alive || s.last_rx > s.ping_checked;
	s.acked = acked;
	s.ping_stuck = stuck;
	s.ping_checked = now;
	return alive;
}

/* The keepalive: a ping after ka seconds of silence, then its answer. */
static void
keepalive_check(int64_t now)
{
	unsigned ka = xd.acct.keepalive;
	int64_t wait = (ka < 5 ? 5 : ka > 30 ? 30 : ka) * 1000;

	if (!s.online || ka == 0)
		return;
	if (s.ping_deadline != 0 && now >= s.ping_deadline) {
		if (still_alive(now))
			s.ping_deadline = now + wait;
		else
			drop_link("the server did not answer a keepalive ping");
	} else if (s.ping_deadline == 0 && now >= s.last_rx + ka * 1000) {
		send_ping("keepalive");
		s.ping_deadline = now + wait;
		session_io();
		output_state(&s.acked, &s.ping_stuck);
		s.ping_checked = now;
	}
}

/* When the loop must call session_timers() again, given the state now. */
static int64_t
next_deadline(void)
{
	unsigned ka = xd.acct.keepalive;

	if (s.lost)
		return 0;	/* a connect that failed at once */
	if (!s.active)
		return s.reconnect_at != 0 ? s.reconnect_at : INT64_MAX;
	if (!s.online)
		return s.connect_check != 0 && s.connect_check <
		    s.login_deadline ? s.connect_check : s.login_deadline;
	if (ka == 0)
		return INT64_MAX;
	return s.ping_deadline != 0 ? s.ping_deadline :
	    s.last_rx + ka * 1000;
}

/*
 * Acts on what is due, then says when to come back.  The next deadline is
 * taken from the state after acting: a link dropped here has scheduled
 * its reconnect, which the loop must wake up for.
 */
int64_t
session_timers(int64_t now)
{
	/* libstrophe times a TCP connect out only when it is run. */
	if (s.active && s.connect_check != 0 && now >= s.connect_check) {
		s.connect_check = 0;
		session_io();
	}
	if (s.active && !s.online && now >= s.login_deadline)
		drop_link("login did not complete in time");
	keepalive_check(now);
	if (s.lost)
		handle_loss();
	if (!s.active && s.reconnect_at != 0 && now >= s.reconnect_at)
		session_connect();
	return next_deadline();
}

int
session_online(void)
{
	return s.online;
}

int
session_login_result(char *msg, size_t len)
{
	if (s.login > 0)
		snprintf(msg, len, "%s", s.login_msg);
	return s.login;
}

int
session_flush(void)
{
	struct outmsg *m;
	struct buf b = { 0 };
	int sent = 0;

	/*
	 * The messages of a turn go to libstrophe as one piece of text: one
	 * TLS write for all of them, no stanza object each.  A file's URL
	 * goes as XEP-0066 too, so that chat apps show it inline.
	 */
	while (s.online && xd.outbox.inflight < SEND_WINDOW &&
	    (m = outbox_next(&xd.outbox)) != NULL) {
		if (stanza_message_text(&b, m->groupchat ? "groupchat" : "chat",
		    m->to, m->id, m->body, m->receipt, m->oob) == -1) {
			log_error("out of memory");
			exit(EX_OSERR);
		}
		outbox_sent(&xd.outbox);
		sent = 1;
	}
	if (sent) {
		xmpp_send_raw(s.conn, b.data, b.len);
		send_barrier();
	}
	buf_free(&b);
	return sent;
}

/* Says goodbye on the current link, if any, and waits (briefly) for the end. */
static void
close_link(void)
{
	int64_t deadline = clock_ms() + 2000;
	struct pollfd pfd;

	if (!s.active)
		return;
	if (s.bound && !s.hooks.invisible) {
		xmpp_stanza_t *p = xmpp_presence_new(s.ctx);

		xmpp_stanza_set_type(p, "unavailable");
		send_release(p);
		session_io();
	}
	xmpp_disconnect(s.conn);
	while (s.active && !s.lost && clock_ms() < deadline) {
		if (session_pollfd(&pfd))
			poll(&pfd, 1, 50);
		xmpp_run_once(s.ctx, 0);
	}
}

void
session_retry_now(void)
{
	if (!s.active && s.reconnect_at != 0) {
		log_info("trying to log in again now");
		s.reconnect_at = clock_ms();
	}
}

void
session_restart(void)
{
	log_info("connection settings changed: logging in again");
	close_link();
	s.lost = 1;	/* whatever libstrophe said, this link is over */
	s.replacing = 1;
	handle_loss();
	s.replacing = 0;
	s.active = s.bound = s.online = 0;
	s.fd = -1;
	xmpp_conn_release(s.conn);
	conn_setup();
	s.backoff = 0;
	session_connect();
}

void
session_own_presence(xmpp_stanza_t *p)
{
	enum show show = xd.presence_set ? xd.presence_show : xd.acct.status;
	const char *text = xd.presence_set ? xd.presence_text :
	    xd.acct.statusmessage;
	char prio[8];

	if (show != SHOW_ONLINE)
		stanza_text_child(p, "show", show_name(show));
	if (text != NULL && *text != '\0')
		stanza_text_child(p, "status", text);
	snprintf(prio, sizeof(prio), "%d", xd.acct.priority);
	stanza_text_child(p, "priority", prio);
}

const char *
session_why_offline(void)
{
	static char buf[sizeof(s.why) + 64];

	if (s.online)
		return NULL;
	if (!s.active)
		return s.why[0] ? s.why : "not connected";
	snprintf(buf, sizeof(buf), "logging in%s%s", s.why[0] ?
	    "; the last attempt: " : "", s.why);
	return buf;
}

const char *
session_state(void)
{
	if (s.online)
		return "online";
	if (s.active)
		return "connecting";
	return "offline";
}

const struct srv_cand *
session_server(void)
{
	return &s.cand;
}

const char *
session_mechanism(void)
{
	return s.mech;
}

const char *
session_bound_jid(void)
{
	const char *j = s.bound ? xmpp_conn_get_bound_jid(s.conn) : NULL;

	return j ? j : "-";
}

void
session_stop(void)
{
	close_link();
	while (pending != NULL)
		iq_done(&pending, NULL);
	if (xd.outbox.count > 0)
		log_info("%zu message(s) not yet confirmed by the server stay "
		    "in the spool", xd.outbox.count);
	xmpp_conn_release(s.conn);
	xmpp_ctx_free(s.ctx);
	xmpp_shutdown();
}
