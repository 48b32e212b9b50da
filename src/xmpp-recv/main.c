/*
 * xmpp-recv: waits for the next message from a JID and prints its body,
 * like Asterisk's JABBER_RECEIVE(account,jid,timeout).  The daemon keeps
 * recent messages, so a reply that came before we started is not lost.
 * Without a JID it takes the next message from anyone; with --follow it
 * goes on printing messages as they come, one record each.
 */
#include <err.h>
#include <math.h>
#include <popt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "client.h"
#include "proto.h"

#ifndef VERSION
#define VERSION "0.1"
#endif

#define TIMEOUT_MAX (7 * 86400.0)

enum style { BODY, RECORD, JSON };

struct opts {
	char	*timeout_arg;
	int	 no_newline;
	int	 follow;
	int	 json;
	double	 timeout;
};

/*
 * Prints one message.  BODY: the body and a newline (none with -n).
 * RECORD: "FROM TYPE LENGTH", a newline, the body, a newline.  JSON: an
 * object on one line.
 */
static void
print_message(enum style style, const char *from, const char *type,
    const char *body, size_t len, int no_newline)
{
	switch (style) {
	case BODY:
		fwrite(body, 1, len, stdout);
		if (!no_newline)
			putchar('\n');
		break;
	case RECORD:
		printf("%s %s %zu\n", from, type, len);
		fwrite(body, 1, len, stdout);
		putchar('\n');
		break;
	case JSON:
		fputs("{\"from\":", stdout);
		client_json_string(from, strlen(from));
		fputs(",\"type\":", stdout);
		client_json_string(type, strlen(type));
		fputs(",\"body\":", stdout);
		client_json_string(body, len);
		fputs("}\n", stdout);
		break;
	}
}

/* One RECV; returns 0 and prints, 1 at the timeout; exits on errors. */
static int
receive(struct client *c, const char *account, const char *jid,
    double timeout, enum style style, int no_newline)
{
	char line[PROTO_LINE_MAX], *text, *words[3], *body;
	unsigned long len;
	int rc, n;

	if (jid != NULL)
		snprintf(line, sizeof(line), "RECV %.0f %s", timeout * 1000,
		    jid);
	else
		snprintf(line, sizeof(line), "RECV %.0f", timeout * 1000);
	client_request(c, line, NULL, 0);
	rc = client_reply(c, &text);
	if (rc == 1)
		return 1;	/* nothing came: a plain negative answer */
	if (rc != 0)
		errx(rc, "account %s: %s", account, text);
	/* "LENGTH TYPE FROM" */
	n = proto_split(text, words, 3);
	if (n < 1 || proto_number(words[0], PROTO_BODY_MAX * 64UL, &len) == -1)
		errx(EX_PROTOCOL, "account %s: malformed reply", account);
	snprintf(line, sizeof(line), "%s", n == 3 ? words[2] : "?");
	body = client_body(c, len);
	print_message(style, line, n >= 2 ? words[1] : "normal", body, len,
	    no_newline);
	free(body);
	if (fflush(stdout) != 0)
		err(EX_IOERR, "stdout");
	return 0;
}

static poptContext
parse_options(int argc, const char **argv, struct opts *o)
{
	char *end;
	struct poptOption opts[] = {
		{ "timeout", 't', POPT_ARG_STRING, &o->timeout_arg, 0,
		    "seconds to wait (default 20; with --follow: a week)",
		    "SECS" },
		{ "no-newline", 'n', POPT_ARG_NONE, &o->no_newline, 0,
		    "print the body without a newline (for SHELL())", NULL },
		{ "follow", 'F', POPT_ARG_NONE, &o->follow, 0,
		    "go on printing messages as they come", NULL },
		{ "json", 'j', POPT_ARG_NONE, &o->json, 0,
		    "print each message as a JSON object on one line", NULL },
		{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, client_options, 0, NULL,
		    NULL },
		POPT_TABLEEND
	};
	poptContext pc;

	memset(o, 0, sizeof(*o));
	pc = client_popt("xmpp-recv", argc, argv, opts,
	    "[-Fjn] [-S DIR] [-t SECS] [ACCOUNT] [JID[/RESOURCE]]");
	o->timeout = o->follow ? TIMEOUT_MAX : 20;
	if (o->timeout_arg != NULL) {
		o->timeout = strtod(o->timeout_arg, &end);
		if (*o->timeout_arg == '\0' || *end != '\0' ||
		    !isfinite(o->timeout) || o->timeout < 0.001 ||
		    o->timeout > TIMEOUT_MAX)
			errx(EX_USAGE, "bad timeout '%s': give seconds, more "
			    "than 0 and at most %.0f", o->timeout_arg,
			    TIMEOUT_MAX);
	}
	return pc;
}

int
main(int argc, const char **argv)
{
	struct opts o;
	const char *account, *jid;
	struct client c;
	enum style style;
	poptContext pc;
	int rc;

	pc = parse_options(argc, argv, &o);
	account = client_account(pc, client_not_account);
	jid = poptGetArg(pc);
	if (poptPeekArg(pc) != NULL)
		client_usage(pc);
	if (jid != NULL)
		client_check_jid(jid, 0);
	style = o.json ? JSON : (jid == NULL || o.follow) ? RECORD : BODY;

	/* The daemon keeps the deadline; ours only guards against a hang. */
	client_open(&c, client_sockdir, account, o.timeout + 30);
	do
		rc = receive(&c, account, jid, o.timeout, style, o.no_newline);
	while (o.follow && rc == 0);
	client_close(&c);
	free(client_sockdir);
	free(o.timeout_arg);
	poptFreeContext(pc);
	return rc;
}
