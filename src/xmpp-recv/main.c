/*
 * xmpp-recv: waits for the next message from a JID and prints its body,
 * like Asterisk's JABBER_RECEIVE(account,jid,timeout).  The daemon keeps
 * recent messages, so a reply that came before we started is not lost.
 */
#include <err.h>
#include <math.h>
#include <popt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

#include "client.h"
#include "proto.h"

#ifndef VERSION
#define VERSION "0.1"
#endif

#define TIMEOUT_MAX (7 * 86400.0)

int
main(int argc, const char **argv)
{
	char *sockdir = NULL, *timeout_arg = NULL, *text, *body, *end;
	char line[PROTO_LINE_MAX];
	int version = 0, no_newline = 0, rc;
	double timeout = 20;
	unsigned long len;
	const char *account, *jid;
	struct client c;
	struct poptOption opts[] = {
		{ "socket-dir", 'S', POPT_ARG_STRING, &sockdir, 0,
		    "socket folder", "DIR" },
		{ "timeout", 't', POPT_ARG_STRING, &timeout_arg, 0,
		    "seconds to wait (default 20)", "SECS" },
		{ "no-newline", 'n', POPT_ARG_NONE, &no_newline, 0,
		    "print the body without a newline (for SHELL())", NULL },
		{ "version", 'V', POPT_ARG_NONE, &version, 0,
		    "print the version and exit", NULL },
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	poptContext pc;

	pc = poptGetContext("xmpp-recv", argc, argv, opts,
	    POPT_CONTEXT_POSIXMEHARDER);
	poptSetOtherOptionHelp(pc,
	    "[-n] [-S DIR] [-t SECS] ACCOUNT JID[/RESOURCE]");
	if ((rc = poptGetNextOpt(pc)) < -1)
		errx(EX_USAGE, "%s: %s", poptBadOption(pc, 0), poptStrerror(rc));
	if (version) {
		printf("xmpp-recv %s (protocol %d)\n", VERSION, PROTO_VERSION);
		exit(0);
	}
	if (timeout_arg != NULL) {
		timeout = strtod(timeout_arg, &end);
		if (*timeout_arg == '\0' || *end != '\0' || !isfinite(timeout) ||
		    timeout < 0.001 || timeout > TIMEOUT_MAX)
			errx(EX_USAGE, "bad timeout '%s': give seconds, more "
			    "than 0 and at most %.0f", timeout_arg, TIMEOUT_MAX);
	}
	account = poptGetArg(pc);
	jid = poptGetArg(pc);
	if (account == NULL || jid == NULL || poptPeekArg(pc) != NULL) {
		poptPrintUsage(pc, stderr, 0);
		exit(EX_USAGE);
	}
	client_check_account(account);
	client_check_jid(jid, 0);

	/* The daemon keeps the deadline; ours only guards against a hang. */
	client_open(&c, sockdir, account, timeout + 30);
	snprintf(line, sizeof(line), "RECV %.0f %s", timeout * 1000, jid);
	client_request(&c, line, NULL, 0);
	rc = client_reply(&c, &text);
	if (rc == 1)
		exit(1);	/* nothing came: a plain negative answer */
	if (rc != 0)
		errx(rc, "account %s: %s", account, text);
	if (proto_number(text, PROTO_BODY_MAX * 64UL, &len) == -1)
		errx(EX_PROTOCOL, "account %s: malformed reply", account);
	body = client_body(&c, len);
	fwrite(body, 1, len, stdout);
	if (!no_newline)
		putchar('\n');
	free(body);
	client_close(&c);
	free(sockdir);
	free(timeout_arg);
	poptFreeContext(pc);
	return fflush(stdout) == 0 ? 0 : EX_IOERR;
}
