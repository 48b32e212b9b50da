/*
 * xmpp-send: sends a chat message through the account's xmppd, like
 * Asterisk's JabberSend(account,jid,message).  Exit 0 means the daemon
 * has accepted the message and will deliver it (see xmpp-send(1)).
 */
#include <err.h>
#include <errno.h>
#include <popt.h>
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

static void
check_body(const char *body, size_t len)
{
	const char *why;
	size_t where;

	if (len == 0)
		errx(EX_DATAERR, "empty message: nothing to send");
	if (len > PROTO_BODY_MAX)
		errx(EX_DATAERR, "message too long: over %d bytes",
		    PROTO_BODY_MAX);
	if ((why = text_check(body, len, &where)) != NULL)
		errx(EX_DATAERR, "cannot send this message: %s at byte %zu",
		    why, where);
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

/*
 * After the SEND: WAIT (--wait: the server has the message) or RECEIPT
 * (--receipt: the recipient's client confirmed it) for message id.  A
 * receipt that does not come is a negative answer, exit 1.
 */
static void
wait_for(struct client *c, const char *account, const char *request,
    const char *id, double secs)
{
	char line[PROTO_LINE_MAX], *text;
	int rc;

	snprintf(line, sizeof(line), "%s %.0f %s", request, secs * 1000, id);
	client_request(c, line, NULL, 0);
	if ((rc = client_reply(c, &text)) == 1)
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

int
main(int argc, const char **argv)
{
	char *wait_arg = NULL, *receipt_arg = NULL;
	char line[PROTO_LINE_MAX], id[PROTO_LINE_MAX], *text;
	int queue = 0, group = 0, rc;
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
		{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, client_options, 0, NULL,
		    NULL },
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	poptContext pc;

	pc = client_popt("xmpp-send", argc, argv, opts,
	    "[-gQ] [-r SECS] [-S DIR] [-w SECS] "
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
	words = poptGetArgs(pc);
	/* "--" before the message guards words that start with '-'. */
	if (words != NULL && strcmp(words[0], "--") == 0)
		words = words[1] ? words + 1 : NULL;
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
	client_request(&c, line, message, len);
	if ((rc = client_reply(&c, &text)) != 0)
		errx(rc, "account %s: %s", account, text);
	snprintf(id, sizeof(id), "%s", text);
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
