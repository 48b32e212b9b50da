/*
 * buddy - a scripted XMPP client (libstrophe) that plays a human contact
 * in the integration tests.
 *
 * It logs in, optionally sends initial presence, prints "ready", then
 * reads one command per line on stdin and prints one event per line on
 * stdout.  See usage() and tests/lib/test-lib.sh (buddy_start, buddy_cmd).
 *
 * Event loop: our own poll() over stdin and the XMPP socket (50 ms at
 * most); libstrophe is only ever run with a zero timeout, in a drain loop
 * that keeps going until several turns in a row found nothing to do (TLS
 * can hold decrypted bytes that poll() cannot see).  See drain().
 *
 * Test-only shortcuts: with --cafile, only that CA is trusted (the system
 * store is not loaded: faster).  Stanza ids are "buddy<pid>-<n>".
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <strophe.h>

#define NS_PING "urn:xmpp:ping"
#define NS_ROSTER "jabber:iq:roster"
#define NS_STANZAS "urn:ietf:params:xml:ns:xmpp-stanzas"
#define NS_RECEIPTS "urn:xmpp:receipts"
#define NS_DELAY "urn:xmpp:delay"
#define NS_OOB "jabber:x:oob"

#define POLL_MS 50          /* longest poll() sleep */
#define QUIET_TURNS 4       /* drain until this many idle turns in a row */
#define DRAIN_CAP 10000     /* safety cap on turns per drain */
#define QUIT_TIMEOUT_MS 3000
#define MAX_ASKED 256       /* contacts whose presence we asked to see */

struct buddy {
    xmpp_ctx_t *ctx;
    xmpp_conn_t *conn;
    const char *jid;
    char *bare;             /* our bare JID */
    char *domain;           /* our domain, target of pings */
    int fd;                 /* XMPP socket, -1 when none */
    int online;             /* CONNECT seen (logged in) */
    int ready;              /* "ready" printed */
    int gone;               /* DISCONNECT seen */
    int quitting;           /* asked to quit */
    int auth_failed;        /* log said authentication failed */
    char last_error[512];   /* last WARN/ERROR log line from libstrophe */
    char tls_error[256];    /* why the server certificate was rejected */
    int verbose;
    int send_presence;
    int accept;
    int receipts;           /* answer XEP-0184 receipt requests */
    int priority;
    const char *show;
    unsigned long seq;      /* stanza id counter */
    long t0;                /* start time, for log lines */
    int activity;           /* libstrophe logged something this turn */
};

static struct buddy B;

/*
 * Bare JIDs whose presence we have asked to see (our "subscribe" sent,
 * or the roster says subscription to/both or ask=subscribe).  A
 * subscribe from one of them is approved without asking back: the
 * request would be redundant, and ejabberd's stock mod_pres_counter
 * counts every subscription stanza (5 a minute per session), so a
 * redundant one can make the server drop a later one.
 */
static char *asked[MAX_ASKED];
static int nasked;

static int asked_has(const char *bare)
{
    int i;

    for (i = 0; i < nasked; i++)
        if (strcmp(asked[i], bare) == 0)
            return 1;
    return 0;
}

static void asked_add(const char *bare)
{
    if (!bare || asked_has(bare) || nasked == MAX_ASKED)
        return;
    asked[nasked] = strdup(bare);
    if (asked[nasked])
        nasked++;
}

/* Note the roster items of a roster result or push that we asked for. */
static void asked_from_roster(xmpp_stanza_t *query)
{
    xmpp_stanza_t *it;
    const char *jid, *sub, *ask;

    for (it = xmpp_stanza_get_children(query); it;
         it = xmpp_stanza_get_next(it)) {
        if (!xmpp_stanza_is_tag(it) ||
            strcmp(xmpp_stanza_get_name(it), "item") != 0)
            continue;
        jid = xmpp_stanza_get_attribute(it, "jid");
        sub = xmpp_stanza_get_attribute(it, "subscription");
        ask = xmpp_stanza_get_attribute(it, "ask");
        if (jid && ((sub && (strcmp(sub, "to") == 0 ||
                             strcmp(sub, "both") == 0)) ||
                    (ask && strcmp(ask, "subscribe") == 0)))
            asked_add(jid);
    }
}

static long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Print one event line on stdout and flush it. */
static void out(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    fflush(stdout);
}

/* Print text with \ newline tab CR escaped, so that it stays on one line. */
static void put_escaped(const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '\\': fputs("\\\\", stdout); break;
        case '\n': fputs("\\n", stdout); break;
        case '\t': fputs("\\t", stdout); break;
        case '\r': fputs("\\r", stdout); break;
        default: fputc(*s, stdout); break;
        }
    }
}

/* Decode \n, \t and \\ in place; other backslashes stay as they are. */
static void unescape(char *s)
{
    char *w = s;

    for (; *s; s++) {
        if (*s == '\\' && (s[1] == 'n' || s[1] == 't' || s[1] == '\\')) {
            s++;
            *w++ = *s == 'n' ? '\n' : *s == 't' ? '\t' : '\\';
        } else {
            *w++ = *s;
        }
    }
    *w = '\0';
}


/* A fresh stanza id. */
static const char *next_id(char *buf, size_t len)
{
    snprintf(buf, len, "buddy%ld-%lu", (long)getpid(), ++B.seq);
    return buf;
}

/*
 * libstrophe log handler: warnings and errors go to stderr (and are kept
 * for the final error message); with --verbose everything goes, except
 * the lines that carry SASL payloads (password, proofs).
 */
static void log_handler(void *ud, xmpp_log_level_t level, const char *area,
                        const char *msg)
{
    static const char *const names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

    (void)ud;
    B.activity = 1; /* libstrophe did something: the drain goes on */
    if (strstr(msg, "Cannot authenticate") || strstr(msg, "<failure"))
        B.auth_failed = 1;
    if (level >= XMPP_LEVEL_WARN)
        snprintf(B.last_error, sizeof B.last_error, "%s: %s", area, msg);
    if (level < XMPP_LEVEL_WARN && !B.verbose)
        return;
    if (strstr(msg, "<auth") || strstr(msg, "<response") ||
        strstr(msg, "<challenge") || strstr(msg, "<success"))
        msg = "[SASL payload redacted]";
    fprintf(stderr, "buddy %s %ld.%03ld %s %s: %s\n", B.jid,
            (now_ms() - B.t0) / 1000, (now_ms() - B.t0) % 1000,
            names[level & 3], area, msg);
}

/* Certificate rejected: remember why, and refuse (never accept). */
static int certfail_cb(const xmpp_tlscert_t *cert, const char *const errormsg)
{
    (void)cert;
    snprintf(B.tls_error, sizeof B.tls_error, "%s",
             errormsg ? errormsg : "unknown reason");
    return 0;
}

/* Learn the socket fd; no Nagle delay; keep libstrophe's keepalive. */
static int sockopt_cb(xmpp_conn_t *conn, void *sock)
{
    int one = 1;

    B.fd = *(int *)sock;
    (void)setsockopt(B.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return xmpp_sockopt_cb_keepalive(conn, sock);
}

/*
 * Drive libstrophe until it has been idle for a few turns in a row.  A
 * turn is idle when the socket has no bytes queued (FIONREAD), nothing of
 * ours waits to be sent, and libstrophe logged nothing.  The log check
 * matters: libstrophe logs every stanza it reads or writes at DEBUG level
 * (our handler sees all levels), and its own stanzas (bind, session)
 * are not counted by xmpp_conn_send_queue_len(); without it a stanza that
 * libstrophe queued while handling the last bytes would wait for the
 * next poll() timeout.
 */
static void drain(void)
{
    int quiet = 0, turns = 0, avail;

    while (quiet < QUIET_TURNS && turns++ < DRAIN_CAP && !B.gone) {
        B.activity = 0;
        xmpp_run_once(B.ctx, 0);
        avail = 0;
        if (B.fd < 0 || ioctl(B.fd, FIONREAD, &avail) < 0)
            avail = 0;
        if (avail > 0 || B.activity || xmpp_conn_send_queue_len(B.conn) > 0)
            quiet = 0;
        else
            quiet++;
    }
}

/* Text of the named child element, or NULL. Caller frees with xmpp_free. */
static char *child_text(xmpp_stanza_t *st, const char *name)
{
    xmpp_stanza_t *c = xmpp_stanza_get_child_by_name(st, name);

    return c ? xmpp_stanza_get_text(c) : NULL;
}

/* First element child, or NULL. */
static xmpp_stanza_t *first_tag(xmpp_stanza_t *st)
{
    xmpp_stanza_t *c;

    for (c = xmpp_stanza_get_children(st); c; c = xmpp_stanza_get_next(c))
        if (xmpp_stanza_is_tag(c))
            return c;
    return NULL;
}

/* Name of the defined condition inside a stanza's <error/>, or "unknown". */
static const char *error_condition(xmpp_stanza_t *st)
{
    xmpp_stanza_t *e = xmpp_stanza_get_child_by_name(st, "error"), *c;
    const char *ns;

    if (!e)
        return "unknown";
    for (c = xmpp_stanza_get_children(e); c; c = xmpp_stanza_get_next(c)) {
        ns = xmpp_stanza_get_ns(c);
        if (xmpp_stanza_is_tag(c) && ns && strcmp(ns, NS_STANZAS) == 0 &&
            strcmp(xmpp_stanza_get_name(c), "text") != 0)
            return xmpp_stanza_get_name(c);
    }
    return "unknown";
}

/* Append <name>text</name> to st. */
static void add_text_child(xmpp_stanza_t *st, const char *name,
                           const char *text)
{
    xmpp_stanza_t *c = xmpp_stanza_new(B.ctx), *t = xmpp_stanza_new(B.ctx);

    xmpp_stanza_set_name(c, name);
    xmpp_stanza_set_text(t, text);
    xmpp_stanza_add_child(c, t);
    xmpp_stanza_release(t);
    xmpp_stanza_add_child(st, c);
    xmpp_stanza_release(c);
}

/* Send a presence; type, to, show, status may be NULL; prio < -128: none. */
static void send_presence(const char *type, const char *to, const char *show,
                          int prio, const char *status)
{
    xmpp_stanza_t *p = xmpp_presence_new(B.ctx);
    char buf[32];

    if (type)
        xmpp_stanza_set_type(p, type);
    if (to)
        xmpp_stanza_set_to(p, to);
    if (show && strcmp(show, "available") != 0)
        add_text_child(p, "show", show);
    if (prio >= -128) {
        snprintf(buf, sizeof buf, "%d", prio);
        add_text_child(p, "priority", buf);
    }
    if (status && *status)
        add_text_child(p, "status", status);
    xmpp_send(B.conn, p);
    xmpp_stanza_release(p);
}

/* Answer an IQ get/set: result, or an error with the given condition. */
static void iq_reply(xmpp_stanza_t *iq, const char *condition)
{
    xmpp_stanza_t *r, *e, *c;
    const char *id = xmpp_stanza_get_id(iq), *from = xmpp_stanza_get_from(iq);

    r = xmpp_iq_new(B.ctx, condition ? "error" : "result", id ? id : "");
    if (from)
        xmpp_stanza_set_to(r, from);
    if (condition) {
        e = xmpp_stanza_new(B.ctx);
        xmpp_stanza_set_name(e, "error");
        xmpp_stanza_set_type(e, "cancel");
        c = xmpp_stanza_new(B.ctx);
        xmpp_stanza_set_name(c, condition);
        xmpp_stanza_set_ns(c, NS_STANZAS);
        xmpp_stanza_add_child(e, c);
        xmpp_stanza_release(c);
        xmpp_stanza_add_child(r, e);
        xmpp_stanza_release(e);
    }
    xmpp_send(B.conn, r);
    xmpp_stanza_release(r);
}

/* After its msg line: "oob FROM ID URL" for out-of-band data (XEP-0066). */
static void print_oob(xmpp_stanza_t *st, const char *from, const char *id)
{
    xmpp_stanza_t *x = xmpp_stanza_get_child_by_name_and_ns(st, "x", NS_OOB);
    char *url = x ? child_text(x, "url") : NULL;

    if (!url)
        return;
    fprintf(stdout, "oob %s %s ", from ? from : "-", id && *id ? id : "-");
    put_escaped(url);
    out("%s", "");
    xmpp_free(B.ctx, url);
}

static int on_message(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
    const char *type = xmpp_stanza_get_type(st);
    const char *from = xmpp_stanza_get_from(st);
    const char *id = xmpp_stanza_get_id(st);
    char *body;
    xmpp_stanza_t *rcv;

    (void)conn;
    (void)ud;
    rcv = xmpp_stanza_get_child_by_name_and_ns(st, "received", NS_RECEIPTS);
    if (rcv && xmpp_stanza_get_id(rcv))
        out("received %s %s", from ? from : "-", xmpp_stanza_get_id(rcv));
    if (!xmpp_stanza_get_child_by_name(st, "body"))
        return 1;
    if (B.receipts && from && id && xmpp_stanza_get_child_by_name_and_ns(st,
            "request", NS_RECEIPTS)) {
        xmpp_stanza_t *m = xmpp_message_new(B.ctx, NULL, from, NULL);
        xmpp_stanza_t *r = xmpp_stanza_new(B.ctx);

        xmpp_stanza_set_name(r, "received");
        xmpp_stanza_set_ns(r, NS_RECEIPTS);
        xmpp_stanza_set_attribute(r, "id", id);
        xmpp_stanza_add_child(m, r);
        xmpp_stanza_release(r);
        xmpp_send(B.conn, m);
        xmpp_stanza_release(m);
    }
    body = child_text(st, "body");
    fprintf(stdout, "msg %s %s %s ", type ? type : "normal",
            from ? from : "-", id && *id ? id : "-");
    put_escaped(body ? body : "");
    out("%s", "");
    if (body)
        xmpp_free(B.ctx, body);
    print_oob(st, from, id);
    return 1;
}

static int on_presence(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
    const char *type = xmpp_stanza_get_type(st);
    const char *from = xmpp_stanza_get_from(st);
    char *show = child_text(st, "show"), *prio = child_text(st, "priority");
    char *bare;

    (void)conn;
    (void)ud;
    out("presence %s %s %s %s", from ? from : "-", type ? type : "available",
        show && *show ? show : "-", prio && *prio ? prio : "0");
    if (show)
        xmpp_free(B.ctx, show);
    if (prio)
        xmpp_free(B.ctx, prio);
    if (type && from && strcmp(type, "subscribe") == 0) {
        out("subscribe %s", from);
        if (B.accept) {
            bare = xmpp_jid_bare(B.ctx, from);
            /* Approve, and ask back unless we already did. */
            send_presence("subscribed", bare, NULL, -1000, NULL);
            if (!asked_has(bare)) {
                send_presence("subscribe", bare, NULL, -1000, NULL);
                asked_add(bare);
            }
            xmpp_free(B.ctx, bare);
        }
    }
    return 1;
}

/* IQ requests addressed to us: ping and roster pushes get a result. */
static int on_iq(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
    const char *type = xmpp_stanza_get_type(st);
    const char *from = xmpp_stanza_get_from(st);
    xmpp_stanza_t *q;
    const char *ns;
    int ours;

    (void)conn;
    (void)ud;
    if (type && (strcmp(type, "result") == 0 || strcmp(type, "error") == 0)) {
        /* Printed for the tests; id handlers also act on our own. */
        out("iq %s %s %s %s", type, from ? from : "-",
            xmpp_stanza_get_id(st) ? xmpp_stanza_get_id(st) : "-",
            strcmp(type, "error") == 0 ? error_condition(st) : "-");
        return 1;
    }
    if (!type)
        return 1;
    q = first_tag(st);
    ns = q ? xmpp_stanza_get_ns(q) : NULL;
    ours = !from || strcmp(from, B.bare) == 0 || strcmp(from, B.jid) == 0;
    if (ns && strcmp(type, "get") == 0 && strcmp(ns, NS_PING) == 0)
        iq_reply(st, NULL);
    else if (ns && ours && strcmp(type, "set") == 0 &&
             strcmp(ns, NS_ROSTER) == 0) {
        asked_from_roster(q);
        iq_reply(st, NULL);
    }
    else
        iq_reply(st, "service-unavailable");
    return 1;
}

/* Result of the ping sent at login: everything before it is processed. */
static int on_ready_pong(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
    (void)conn;
    (void)ud;
    (void)st;
    if (!B.ready) {
        B.ready = 1;
        out("ready");
    }
    return 0;
}

static int on_pong(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
    const char *type = xmpp_stanza_get_type(st);

    (void)conn;
    (void)ud;
    if (type && strcmp(type, "result") == 0)
        out("pong");
    else
        out("error ping %s", error_condition(st));
    return 0;
}

/* Errors returned for our other IQs (roster set) are reported; the
 * roster we get at login tells whom we asked already. */
static int on_iq_result(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
    const char *type = xmpp_stanza_get_type(st);
    xmpp_stanza_t *q;

    (void)conn;
    if (type && strcmp(type, "error") == 0)
        out("error %s %s", (const char *)ud, error_condition(st));
    else if (type && strcmp(type, "result") == 0 &&
             (q = xmpp_stanza_get_child_by_name_and_ns(st, "query",
                                                       NS_ROSTER)))
        asked_from_roster(q);
    return 0;
}

static void send_ping(xmpp_handler h)
{
    char id[64];
    xmpp_stanza_t *iq = xmpp_iq_new(B.ctx, "get", next_id(id, sizeof id));
    xmpp_stanza_t *p = xmpp_stanza_new(B.ctx);

    xmpp_stanza_set_to(iq, B.domain);
    xmpp_stanza_set_name(p, "ping");
    xmpp_stanza_set_ns(p, NS_PING);
    xmpp_stanza_add_child(iq, p);
    xmpp_stanza_release(p);
    xmpp_id_handler_add(B.conn, h, id, NULL);
    xmpp_send(B.conn, iq);
    xmpp_stanza_release(iq);
}

/* Roster get (at login) or set (add/remove). */
static void send_roster(const char *type, const char *jid, int remove)
{
    char id[64];
    xmpp_stanza_t *iq = xmpp_iq_new(B.ctx, type, next_id(id, sizeof id));
    xmpp_stanza_t *q = xmpp_stanza_new(B.ctx), *item;

    xmpp_stanza_set_name(q, "query");
    xmpp_stanza_set_ns(q, NS_ROSTER);
    if (jid) {
        item = xmpp_stanza_new(B.ctx);
        xmpp_stanza_set_name(item, "item");
        xmpp_stanza_set_attribute(item, "jid", jid);
        if (remove)
            xmpp_stanza_set_attribute(item, "subscription", "remove");
        xmpp_stanza_add_child(q, item);
        xmpp_stanza_release(item);
    }
    xmpp_stanza_add_child(iq, q);
    xmpp_stanza_release(q);
    xmpp_id_handler_add(B.conn, on_iq_result, id,
                        (void *)(jid ? (remove ? "roster-remove"
                                               : "roster-add")
                                     : "roster-get"));
    xmpp_send(B.conn, iq);
    xmpp_stanza_release(iq);
}

/* Name of a stream error's condition element, e.g. "not-authorized". */
static const char *stream_condition(xmpp_stream_error_t *se)
{
    xmpp_stanza_t *c;
    const char *name;

    for (c = se->stanza ? xmpp_stanza_get_children(se->stanza) : NULL; c;
         c = xmpp_stanza_get_next(c)) {
        name = xmpp_stanza_is_tag(c) ? xmpp_stanza_get_name(c) : NULL;
        if (name && strcmp(name, "text") != 0)
            return name;
    }
    return "unknown";
}

static void conn_handler(xmpp_conn_t *conn, xmpp_conn_event_t event,
                         int error, xmpp_stream_error_t *se, void *ud)
{
    (void)ud;
    if (event == XMPP_CONN_CONNECT) {
        B.online = 1;
        xmpp_handler_add(conn, on_message, NULL, "message", NULL, NULL);
        xmpp_handler_add(conn, on_presence, NULL, "presence", NULL, NULL);
        xmpp_handler_add(conn, on_iq, NULL, "iq", NULL, NULL);
        send_roster("get", NULL, 0);
        if (B.send_presence)
            send_presence(NULL, NULL, B.show, B.priority, NULL);
        send_ping(on_ready_pong);
        return;
    }
    if (event != XMPP_CONN_DISCONNECT && event != XMPP_CONN_FAIL)
        return;
    if (B.gone)
        return;
    B.gone = 1;
    B.fd = -1;
    if (se)
        fprintf(stderr, "buddy %s: stream error: %s %s\n", B.jid,
                stream_condition(se), se->text ? se->text : "");
    if (!B.online) {
        if (B.tls_error[0])
            out("error tls certificate rejected: %s", B.tls_error);
        else if (B.auth_failed)
            out("error authentication failed");
        else if (se)
            out("error stream error: %s %s", stream_condition(se),
                se->text ? se->text : "");
        else if (B.last_error[0])
            out("error connection failed: %s", B.last_error);
        else
            out("error connection failed (error %d)", error);
        return;
    }
    out("disconnected");
}

/*
 * Split off the next word (words are separated by spaces).  Afterwards *p
 * points just past the single space that ended the word, so that the
 * rest of a line (a message body) keeps any further spaces.  NULL when no
 * word is left.
 */
static char *word(char **p)
{
    char *s = *p, *w;

    while (*s == ' ')
        s++;
    if (!*s) {
        *p = s;
        return NULL;
    }
    w = s;
    while (*s && *s != ' ')
        s++;
    if (*s)
        *s++ = '\0';
    *p = s;
    return w;
}

static int valid_show(const char *s)
{
    return strcmp(s, "available") == 0 || strcmp(s, "chat") == 0 ||
           strcmp(s, "away") == 0 || strcmp(s, "xa") == 0 ||
           strcmp(s, "dnd") == 0;
}

static void send_message(const char *type, const char *to, char *body,
                         const char *stamp, int receipt)
{
    char id[64];
    xmpp_stanza_t *m, *d;

    unescape(body);
    m = xmpp_message_new(B.ctx, type, to, next_id(id, sizeof id));
    xmpp_message_set_body(m, body);
    if (stamp) {
        d = xmpp_stanza_new(B.ctx);
        xmpp_stanza_set_name(d, "delay");
        xmpp_stanza_set_ns(d, NS_DELAY);
        xmpp_stanza_set_attribute(d, "stamp", stamp);
        xmpp_stanza_add_child(m, d);
        xmpp_stanza_release(d);
    }
    if (receipt) {
        d = xmpp_stanza_new(B.ctx);
        xmpp_stanza_set_name(d, "request");
        xmpp_stanza_set_ns(d, NS_RECEIPTS);
        xmpp_stanza_add_child(m, d);
        xmpp_stanza_release(d);
    }
    xmpp_send(B.conn, m);
    xmpp_stanza_release(m);
}

static void start_quit(void)
{
    if (B.quitting)
        return;
    B.quitting = 1;
    send_presence("unavailable", NULL, NULL, -1000, NULL);
    xmpp_disconnect(B.conn);
}

/* Execute one stdin command line. */
static void command(char *line)
{
    char *p = line, *cmd = word(&p), *a;

    if (!cmd)
        return;
    if (strcmp(cmd, "presence") == 0) {
        char *show = word(&p), *prio = word(&p);
        int n = prio ? atoi(prio) : B.priority;

        if (!show)
            show = "available";
        if (strcmp(show, "unavailable") == 0)
            send_presence("unavailable", NULL, NULL, -1000, p);
        else if (valid_show(show))
            send_presence(NULL, NULL, show, n, p);
        else
            out("error bad show %s", show);
    } else if (strcmp(cmd, "send") == 0 || strcmp(cmd, "sendtype") == 0 ||
               strcmp(cmd, "senddelayed") == 0 ||
               strcmp(cmd, "sendreceipt") == 0) {
        const char *type = "chat", *stamp = NULL;

        if (strcmp(cmd, "sendtype") == 0 && !(type = word(&p))) {
            out("error usage: sendtype TYPE JID BODY");
            return;
        }
        a = word(&p);
        if (a && strcmp(cmd, "senddelayed") == 0)
            stamp = word(&p);
        if (!a || (strcmp(cmd, "senddelayed") == 0 && !stamp)) {
            out("error usage: %s%s JID%s BODY", cmd,
                strcmp(cmd, "sendtype") == 0 ? " TYPE" : "",
                strcmp(cmd, "senddelayed") == 0 ? " STAMP" : "");
            return;
        }
        /* the rest of the line */
        send_message(type, a, p, stamp, strcmp(cmd, "sendreceipt") == 0);
    } else if (strcmp(cmd, "raw") == 0) {
        xmpp_send_raw_string(B.conn, "%s", p);
    } else if (strcmp(cmd, "subscribe") == 0 ||
               strcmp(cmd, "subscribed") == 0 ||
               strcmp(cmd, "unsubscribe") == 0 ||
               strcmp(cmd, "unsubscribed") == 0) {
        if (!(a = word(&p))) {
            out("error usage: %s JID", cmd);
            return;
        }
        send_presence(cmd, a, NULL, -1000, NULL);
        if (strcmp(cmd, "subscribe") == 0)
            asked_add(a);
    } else if (strcmp(cmd, "roster-add") == 0 ||
               strcmp(cmd, "roster-remove") == 0) {
        if (!(a = word(&p))) {
            out("error usage: %s JID", cmd);
            return;
        }
        send_roster("set", a, strcmp(cmd, "roster-remove") == 0);
    } else if (strcmp(cmd, "ping") == 0) {
        send_ping(on_pong);
    } else if (strcmp(cmd, "quit") == 0) {
        start_quit();
    } else {
        out("error unknown command");
    }
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: buddy --jid JID/RES --password PASS [--host H] "
            "[--port N]\n"
            "             [--cafile FILE] [--priority N] [--show SHOW]\n"
            "             [--no-presence] [--no-accept] [--verbose]\n"
            "stdin: presence [SHOW [PRIO [STATUS]]] | send JID BODY |\n"
            "       sendtype TYPE JID BODY | senddelayed JID STAMP BODY |\n"
            "       raw XML | subscribe|subscribed|unsubscribe|unsubscribed "
            "JID |\n"
            "       roster-add JID | roster-remove JID | ping | quit\n"
            "stdout: ready | msg TYPE FROM ID BODY | oob FROM ID URL |\n"
            "        presence FROM TYPE SHOW PRIO |\n"
            "        subscribe FROM | pong | error TEXT | disconnected\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"jid", required_argument, NULL, 'j'},
        {"password", required_argument, NULL, 'p'},
        {"host", required_argument, NULL, 'H'},
        {"port", required_argument, NULL, 'P'},
        {"cafile", required_argument, NULL, 'c'},
        {"priority", required_argument, NULL, 'r'},
        {"show", required_argument, NULL, 's'},
        {"no-presence", no_argument, NULL, 'n'},
        {"no-accept", no_argument, NULL, 'a'},
        {"receipts", no_argument, NULL, 'R'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *pass = NULL, *host = "127.0.0.1", *cafile = NULL;
    unsigned short port = 5222;
    char inbuf[65536];
    size_t inlen = 0;
    int stdin_open = 1, opt, fd;
    long quit_deadline = 0;
    xmpp_log_t log = {log_handler, NULL};

    B.t0 = now_ms();
    B.fd = -1;
    B.send_presence = 1;
    B.accept = 1;
    B.show = "available";
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 'j': B.jid = optarg; break;
        case 'p': pass = optarg; break;
        case 'H': host = optarg; break;
        case 'P': port = (unsigned short)atoi(optarg); break;
        case 'c': cafile = optarg; break;
        case 'R': B.receipts = 1; break;
        case 'r': B.priority = atoi(optarg); break;
        case 's': B.show = optarg; break;
        case 'n': B.send_presence = 0; break;
        case 'a': B.accept = 0; break;
        case 'v': B.verbose = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!B.jid || !pass || optind != argc || !valid_show(B.show)) {
        usage(stderr);
        return 2;
    }

    /* Keep fds 0-2 open so that the XMPP socket never lands on them. */
    while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
        ;
    if (fd > 2)
        close(fd);
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);

    /*
     * With --cafile, trust that CA only: point OpenSSL's default store at
     * it, so that libstrophe does not parse the whole system store (it
     * does so twice per connection, ~25 ms each here).
     */
    if (cafile) {
        setenv("SSL_CERT_FILE", cafile, 1);
        setenv("SSL_CERT_DIR", "/nonexistent", 1);
    }
    xmpp_initialize();
    B.ctx = xmpp_ctx_new(NULL, &log);
    B.conn = xmpp_conn_new(B.ctx);
    B.bare = xmpp_jid_bare(B.ctx, B.jid);
    B.domain = xmpp_jid_domain(B.ctx, B.jid);
    if (!B.bare || !B.domain) {
        out("error bad jid %s", B.jid);
        return 1;
    }
    xmpp_conn_set_flags(B.conn, XMPP_CONN_FLAG_MANDATORY_TLS |
                                    XMPP_CONN_FLAG_DISABLE_SM);
    xmpp_conn_set_jid(B.conn, B.jid);
    xmpp_conn_set_pass(B.conn, pass);
    if (cafile)
        xmpp_conn_set_cafile(B.conn, cafile);
    xmpp_conn_set_sockopt_callback(B.conn, sockopt_cb);
    xmpp_conn_set_certfail_handler(B.conn, certfail_cb);
    if (xmpp_connect_client(B.conn, host, port, conn_handler, NULL) !=
        XMPP_EOK) {
        out("error cannot connect to %s:%u", host, (unsigned)port);
        return 1;
    }

    while (!B.gone) {
        struct pollfd pfd[2];
        int n = 0, in_idx = -1, timeout = POLL_MS;

        if (B.ready && stdin_open && !B.quitting) {
            pfd[n].fd = 0;
            pfd[n].events = POLLIN;
            in_idx = n++;
        }
        if (B.fd >= 0) {
            pfd[n].fd = B.fd;
            pfd[n].events = POLLIN;
            /* TCP connect still pending, or output waiting for room */
            if ((xmpp_conn_is_connecting(B.conn) &&
                 !xmpp_conn_is_connected(B.conn)) ||
                xmpp_conn_send_queue_len(B.conn) > 0)
                pfd[n].events |= POLLOUT;
            n++;
        }
        if (B.quitting) {
            long left = quit_deadline - now_ms();

            if (left <= 0)
                break; /* server never closed its side: give up */
            if (left < timeout)
                timeout = (int)left;
        }
        if (poll(pfd, (nfds_t)n, timeout) < 0 && errno != EINTR) {
            out("error poll: %s", strerror(errno));
            return 1;
        }
        if (in_idx >= 0 && pfd[in_idx].revents) {
            ssize_t r = read(0, inbuf + inlen, sizeof inbuf - 1 - inlen);
            char *nl, *start = inbuf;

            if (r <= 0) {
                if (r < 0 && (errno == EINTR || errno == EAGAIN))
                    continue;
                stdin_open = 0;
                start_quit();
            } else {
                inlen += (size_t)r;
                inbuf[inlen] = '\0';
                while ((nl = memchr(start, '\n',
                                    inlen - (size_t)(start - inbuf)))) {
                    *nl = '\0';
                    command(start);
                    start = nl + 1;
                    drain();
                    if (B.quitting || B.gone)
                        break;
                }
                inlen -= (size_t)(start - inbuf);
                memmove(inbuf, start, inlen);
                if (inlen == sizeof inbuf - 1) {
                    out("error line too long");
                    inlen = 0;
                }
            }
            if (B.quitting && !quit_deadline)
                quit_deadline = now_ms() + QUIT_TIMEOUT_MS;
        }
        drain();
    }

    xmpp_conn_release(B.conn);
    xmpp_free(B.ctx, B.bare);
    xmpp_free(B.ctx, B.domain);
    while (nasked > 0)
        free(asked[--nasked]);
    xmpp_ctx_free(B.ctx);
    xmpp_shutdown();
    if (!B.online)
        return 1;
    return B.quitting ? 0 : 1;
}
