/*
 * xmpp-send: sends a chat message through the account's xmppd, like
 * Asterisk's JabberSend(account,jid,message).  Exit 0 means the daemon
 * has accepted the message and will deliver it (see xmpp-send(1)).
 */
#include <err.h>
#include <errno.h>
#include <poll.h>
#include <popt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "proto.h"
#include "sockdir.h"
#include "spool.h"
#include "text.h"
#include "upload.h"

#ifndef VERSION
#define VERSION "0.1"
#endif

/* The message, at file scope so that it stays reachable at an early exit. */
static char *message;

/* Joins the words with single spaces, as JabberSend keeps its commas. */
static char *
join_words(const char **words, size_t *len)
{
	size_t n = 0, i;
	char *body;

	for (i = 0; words[i] != NULL; i++)
		n += strlen(words[i]) + 1;
	if ((body = malloc(n + 1)) == NULL)
		err(EX_OSERR, "malloc");
	body[0] = '\0';
	for (i = 0, n = 0; words[i] != NULL; i++) {
		if (i > 0)
			body[n++] = ' ';
		memcpy(body + n, words[i], strlen(words[i]));
		n += strlen(words[i]);
	}
	body[n] = '\0';
	*len = n;
	return body;
}

/*
 * Reads the body from stdin, without its trailing newlines.  Input far
 * beyond the limit is not read to the end: it is refused anyway.
 */
static char *
read_stdin(size_t *len)
{
	size_t cap = 4096, n = 0, max = 4 * (size_t)PROTO_BODY_MAX;
	char *body = NULL;
	ssize_t r;

	for (;;) {
		if (n + 1 >= cap || body == NULL) {
			cap = body ? cap * 2 : cap;
			if ((body = realloc(body, cap)) == NULL)
				err(EX_OSERR, "malloc");
		}
		if (n > max)
			errx(EX_DATAERR, "message too long: over %d bytes",
			    PROTO_BODY_MAX);
		r = read(STDIN_FILENO, body + n, cap - 1 - n);
		if (r == 0)
			break;
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			err(EX_IOERR, "reading the message from stdin");
		n += (size_t)r;
	}
	while (n > 0 && body[n - 1] == '\n')
		n--;
	body[n] = '\0';
	*len = n;
	return body;
}

/* Why body cannot be sent (in why, and 65), or 0. */
static int
body_problem(const char *body, size_t len, char *why, size_t whylen)
{
	const char *what;
	size_t where;

	if (len == 0)
		snprintf(why, whylen, "empty message: nothing to send");
	else if (len > PROTO_BODY_MAX)
		snprintf(why, whylen, "message too long: over %d bytes",
		    PROTO_BODY_MAX);
	else if ((what = text_check(body, len, &where)) != NULL)
		snprintf(why, whylen, "cannot send this message: %s at byte %zu",
		    what, where);
	else
		return 0;
	return EX_DATAERR;
}

static void
check_body(const char *body, size_t len)
{
	char why[128];

	if (body_problem(body, len, why, sizeof(why)) != 0)
		errx(EX_DATAERR, "%s", why);
}

/* No daemon, and --queue: leave the message in the spool for xmppd. */
static void
queue_for_daemon(const char *account, const char *jid, const char *body,
    size_t len)
{
	struct spooled m;
	char dir[4096], err[4200];

	memset(&m, 0, sizeof(m));
	spool_new_id(m.id, sizeof(m.id));
	m.to = (char *)jid;
	m.body = (char *)body;
	m.len = len;
	m.created = time(NULL);
	if (spool_dir(account, dir, sizeof(dir)) == -1)
		errx(EX_USAGE, "account %s: spool folder name too long",
		    account);
	if (spool_prepare(dir, err, sizeof(err)) == -1 ||
	    spool_write(dir, &m, 1, err, sizeof(err)) == -1)
		errx(EX_TEMPFAIL, "account %s: no daemon running, and %s",
		    account, err);
}

/* WAIT or RECEIPT for message id, ms at the most: the reply's status. */
static int
ask_wait(struct client *c, const char *request, double ms, const char *id,
    char **text)
{
	char line[PROTO_LINE_MAX];

	snprintf(line, sizeof(line), "%s %.0f %s", request, ms, id);
	client_request(c, line, NULL, 0);
	return client_reply(c, text);
}

/*
 * After the SEND: WAIT (--wait: the server has the message) or RECEIPT
 * (--receipt: the recipient's client confirmed it) for message id.  A
 * receipt that does not come is a negative answer, exit 1.
 */
static void
wait_for(struct client *c, const char *account, const char *request,
    const char *id, double secs)
{
	char *text;
	int rc;

	if ((rc = ask_wait(c, request, secs * 1000, id, &text)) == 1)
		exit(1);
	if (rc != 0)
		errx(rc, "account %s: %s", account, text);
}

static double
parse_seconds(const char *opt, const char *arg)
{
	char *end;
	double v = strtod(arg, &end);

	if (*arg == '\0' || *end != '\0' || !(v >= 0.001 && v <= 604800))
		errx(EX_USAGE, "bad %s '%s': give seconds, more than 0 "
		    "and at most 604800", opt, arg);
	return v;
}

/*
 * --lines: every line of stdin is a message of its own.  Requests go out
 * ahead of their answers, up to LINES_AHEAD at a time, so that the daemon
 * takes many in one turn and spools them with one fsync().  A line that
 * cannot be sent is reported with its number and the rest go on; the exit
 * status is that of the first failure.
 */
#define LINES_AHEAD	64
#define LINES_IDLE_MS	20000	/* the daemon drops idle clients at 30 s */
static struct {
	struct client	*c;
	const char	*verb, *jid;
	struct buf	 out;		/* requests not yet written */
	unsigned long	 n;		/* lines read */
	unsigned long	 due[LINES_AHEAD];	/* answers due, oldest first */
	size_t		 head, count;
	unsigned long	 answered;	/* every line up to this one */
	int		 keep_ids;	/* --wait */
	struct accepted {
		char		*id;
		unsigned long	 line;
	}		*ids;
	size_t		 nids;
	int		 status;
} lines;

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
lines_failed(unsigned long n, int status, const char *why)
{
	warnx("line %lu: %s", n, why);
	if (lines.status == 0)
		lines.status = status;
}

/* Writes the requests put together so far. */
static void
lines_flush(void)
{
	client_write(lines.c, lines.out.data, lines.out.len);
	lines.out.len = 0;
}

/* Reads the answer to the oldest request in flight. */
static void
lines_answer(void)
{
	unsigned long n = lines.due[lines.head];
	char *text;
	int rc;

	rc = client_reply(lines.c, &text);
	lines.head = (lines.head + 1) % LINES_AHEAD;
	lines.count--;
	lines.answered = n;
	if (rc != 0)
		lines_failed(n, rc, text);
	else if (lines.keep_ids) {
		lines.ids = realloc(lines.ids, (lines.nids + 1) *
		    sizeof(*lines.ids));
		if (lines.ids == NULL ||
		    (lines.ids[lines.nids].id = strdup(text)) == NULL)
			err(EX_OSERR, "malloc");
		lines.ids[lines.nids++].line = n;
	}
}

/* When the daemon goes away mid-way, say how far it got. */
static void
lines_report(void)
{
	if (lines.count > 0)
		warnx("the lines after line %lu were not answered: "
		    "send them again", lines.answered);
}

static void
lines_take(const char *line, size_t len)
{
	char why[128], req[PROTO_LINE_MAX];
	int rc;

	lines.n++;
	if (len > 0 && line[len - 1] == '\r')
		len--;		/* CRLF text */
	if (len == 0)
		return;
	if ((rc = body_problem(line, len, why, sizeof(why))) != 0) {
		lines_failed(lines.n, rc, why);
		return;
	}
	if (lines.count == LINES_AHEAD) {
		lines_flush();
		while (lines.count > LINES_AHEAD / 2)
			lines_answer();
	}
	snprintf(req, sizeof(req), "%s %zu %s\n", lines.verb, len, lines.jid);
	if (buf_append(&lines.out, req, strlen(req)) == -1 ||
	    buf_append(&lines.out, line, len) == -1)
		err(EX_OSERR, "malloc");
	lines.due[(lines.head + lines.count++) % LINES_AHEAD] = lines.n;
}

/* The daemon dropped our idle connection by now: a new one. */
static void
lines_reconnect(const char *account, double wait)
{
	client_close(lines.c);
	if (client_try_open(lines.c, client_sockdir, account, 30 + wait) == -1)
		errx(EX_UNAVAILABLE, "account %s: no daemon running any more "
		    "(%s: %s); lines up to line %lu were answered, the rest "
		    "not sent", account, lines.c->path, strerror(errno),
		    lines.n);
}

/*
 * --wait: until the server has confirmed every accepted line, one
 * deadline for them all.  The first that is not confirmed ends it.
 */
static void
lines_wait(double wait)
{
	int64_t deadline = now_ms() + (int64_t)(wait * 1000), left;
	char *text;
	size_t i;
	int rc = 0;

	for (i = 0; i < lines.nids && rc == 0; i++) {
		left = deadline - now_ms();
		rc = ask_wait(lines.c, "WAIT", (double)(left > 1 ? left : 1),
		    lines.ids[i].id, &text);
		if (rc != 0) {
			lines_failed(lines.ids[i].line, rc, text);
			if (i + 1 < lines.nids)
				warnx("lines after line %lu: not waited for",
				    lines.ids[i].line);
		}
	}
	for (i = 0; i < lines.nids; i++)
		free(lines.ids[i].id);
	free(lines.ids);
}

static int
send_lines(struct client *c, const char *account, const char *verb,
    const char *jid, double wait)
{
	struct buf in = { 0 };
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	char tmp[65536], *nl;
	int64_t last = now_ms();
	size_t len, skip = 0;
	ssize_t r;

	lines.c = c;
	lines.verb = verb;
	lines.jid = jid;
	lines.keep_ids = wait > 0;
	atexit(lines_report);
	for (;;) {
		/* Before waiting for input, hear the answers; idle, reconnect. */
		if (poll(&pfd, 1, 0) == 0) {
			lines_flush();
			while (lines.count > 0)
				lines_answer();
		}
		r = read(STDIN_FILENO, tmp, sizeof(tmp));
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			err(EX_IOERR, "reading messages from stdin");
		if (lines.count == 0 && now_ms() - last > LINES_IDLE_MS)
			lines_reconnect(account, wait);
		if (buf_append(&in, tmp, (size_t)r) == -1)
			err(EX_OSERR, "malloc");
		while (in.len > 0) {
			nl = memchr(in.data, '\n', in.len);
			if (nl == NULL && r != 0 && in.len <= PROTO_BODY_MAX + 1)
				break;	/* the rest of the line is to come */
			len = nl ? (size_t)(nl - in.data) : in.len;
			if (!skip)
				lines_take(in.data, len);
			/* A line too long is refused whole: skip its rest. */
			skip = nl == NULL && r != 0;
			buf_consume(&in, nl ? len + 1 : len);
		}
		last = now_ms();
		if (r == 0)
			break;
	}
	lines_flush();
	while (lines.count > 0)
		lines_answer();
	if (wait > 0)
		lines_wait(wait);
	buf_free(&lines.out);
	buf_free(&in);
	return lines.status;
}

int
main(int argc, const char **argv)
{
	char *wait_arg = NULL, *receipt_arg = NULL;
	char line[PROTO_LINE_MAX], id[PROTO_LINE_MAX];
	int queue = 0, group = 0, by_line = 0, rc;
	double wait = 0, receipt = 0;
	const char *account, *jid, **words;
	struct client c;
	size_t len;
	struct poptOption opts[] = {
		{ "wait", 'w', POPT_ARG_STRING, &wait_arg, 0,
		    "return only once the server has the message", "SECS" },
		{ "queue", 'Q', POPT_ARG_NONE, &queue, 0,
		    "no daemon running: queue it for xmppd's next start",
		    NULL },
		{ "group", 'g', POPT_ARG_NONE, &group, 0,
		    "JID is a room joined with xmpp-join", NULL },
		{ "receipt", 'r', POPT_ARG_STRING, &receipt_arg, 0,
		    "wait for the recipient's delivery receipt", "SECS" },
		{ "lines", 'l', POPT_ARG_NONE, &by_line, 0,
		    "send every line of stdin as a message of its own", NULL },
		{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, upload_options, 0, NULL,
		    NULL },
		{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, client_options, 0, NULL,
		    NULL },
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	poptContext pc;

	pc = client_popt("xmpp-send", argc, argv, opts,
	    "[-glQ] [-F FILE]... [-r SECS] [-S DIR] [-w SECS] "
	    "ACCOUNT JID [MESSAGE...]");
	account = poptGetArg(pc);
	jid = poptGetArg(pc);
	if (account == NULL || jid == NULL)
		client_usage(pc);
	client_check_account(account);
	client_check_jid(jid, 1);
	if (wait_arg != NULL)
		wait = parse_seconds("--wait", wait_arg);
	if (receipt_arg != NULL)
		receipt = parse_seconds("--receipt", receipt_arg);
	if (group && (receipt_arg != NULL || queue))
		errx(EX_USAGE, "-g goes with neither --receipt nor --queue");
	if (queue && receipt_arg != NULL)
		errx(EX_USAGE, "--receipt needs a running daemon: not with "
		    "--queue");
	if (upload_wanted() && (queue || by_line || receipt_arg != NULL))
		errx(EX_USAGE, "--file goes with neither --queue, --lines nor "
		    "--receipt");
	words = poptGetArgs(pc);
	if (by_line && (words != NULL || queue || receipt_arg != NULL))
		errx(EX_USAGE, "--lines reads the messages from stdin: it goes "
		    "with no MESSAGE, --queue or --receipt");
	if (by_line) {
		client_open(&c, client_sockdir, account, 30 + wait);
		rc = send_lines(&c, account, group ? "GSEND" : "SEND", jid,
		    wait);
		client_close(&c);
		free(wait_arg);
		free(client_sockdir);
		poptFreeContext(pc);
		return rc;
	}
	/* "--" before the message guards words that start with '-'. */
	if (words != NULL && strcmp(words[0], "--") == 0)
		words = words[1] ? words + 1 : NULL;
	if (upload_wanted()) {
		/* With files, the text is the words only: stdin stays. */
		if ((message = words ? join_words(words, &len) : NULL))
			check_body(message, len);
		rc = upload_send(account, jid, group, message, len, wait);
		free(message);
		free(wait_arg);
		free(client_sockdir);
		poptFreeContext(pc);
		return rc;
	}
	message = words ? join_words(words, &len) : read_stdin(&len);
	check_body(message, len);

	if (client_try_open(&c, client_sockdir, account, 30 + wait + receipt) == -1) {
		if (!queue)
			errx(EX_UNAVAILABLE, "account %s: no daemon running "
			    "(%s: %s)", account, c.path, strerror(errno));
		queue_for_daemon(account, jid, message, len);
		exit(0);
	}
	snprintf(line, sizeof(line), "%s %zu %s", group ? "GSEND" :
	    receipt_arg ? "RSEND" : "SEND", len, jid);
	snprintf(id, sizeof(id), "%s", client_call(&c, line, message, len));
	if (wait_arg != NULL)
		wait_for(&c, account, "WAIT", id, wait);
	if (receipt_arg != NULL)
		wait_for(&c, account, "RECEIPT", id, receipt);
	free(message);
	free(wait_arg);
	free(receipt_arg);
	client_close(&c);
	free(client_sockdir);
	poptFreeContext(pc);
	return 0;
}
