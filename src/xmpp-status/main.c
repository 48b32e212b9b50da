/*
 * xmpp-status: prints a buddy's status code 1-7, like Asterisk's
 * JABBER_STATUS(account,jid), or without a JID the account's own state.
 */
#include <err.h>
#include <popt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

#include "client.h"
#include "proto.h"

#ifndef VERSION
#define VERSION "0.1"
#endif

int
main(int argc, const char **argv)
{
	char *sockdir = NULL, *text, line[PROTO_LINE_MAX];
	int version = 0, no_newline = 0, rc;
	const char *account, *jid;
	struct client c;
	struct poptOption opts[] = {
		{ "socket-dir", 'S', POPT_ARG_STRING, &sockdir, 0,
		    "socket folder", "DIR" },
		{ "no-newline", 'n', POPT_ARG_NONE, &no_newline, 0,
		    "print the digit without a newline (for SHELL())", NULL },
		{ "version", 'V', POPT_ARG_NONE, &version, 0,
		    "print the version and exit", NULL },
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	poptContext pc;

	pc = poptGetContext("xmpp-status", argc, argv, opts,
	    POPT_CONTEXT_POSIXMEHARDER);
	poptSetOtherOptionHelp(pc, "[-n] [-S DIR] ACCOUNT [JID[/RESOURCE]]");
	if ((rc = poptGetNextOpt(pc)) < -1)
		errx(EX_USAGE, "%s: %s", poptBadOption(pc, 0), poptStrerror(rc));
	if (version) {
		printf("xmpp-status %s (protocol %d)\n", VERSION, PROTO_VERSION);
		exit(0);
	}
	account = poptGetArg(pc);
	jid = poptGetArg(pc);
	if (account == NULL || poptPeekArg(pc) != NULL) {
		poptPrintUsage(pc, stderr, 0);
		exit(EX_USAGE);
	}
	client_check_account(account);
	if (jid != NULL)
		client_check_jid(jid, 0);

	client_open(&c, sockdir, account, 30);
	if (jid != NULL)
		snprintf(line, sizeof(line), "STATUS %s", jid);
	else
		snprintf(line, sizeof(line), "STATUS");
	client_request(&c, line, NULL, 0);
	if ((rc = client_reply(&c, &text)) != 0)
		errx(rc, "account %s: %s", account, text);
	printf(no_newline ? "%s" : "%s\n", text);
	client_close(&c);
	free(sockdir);
	poptFreeContext(pc);
	return fflush(stdout) == 0 ? 0 : EX_IOERR;
}
