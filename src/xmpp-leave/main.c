/* xmpp-leave: leaves a group chat room, like Asterisk's JabberLeave. */
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
	int version = 0, rc;
	const char *account, *room;
	struct client c;
	struct poptOption opts[] = {
		{ "socket-dir", 'S', POPT_ARG_STRING, &sockdir, 0,
		    "socket folder", "DIR" },
		{ "version", 'V', POPT_ARG_NONE, &version, 0,
		    "print the version and exit", NULL },
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	poptContext pc;

	pc = poptGetContext("xmpp-leave", argc, argv, opts,
	    POPT_CONTEXT_POSIXMEHARDER);
	poptSetOtherOptionHelp(pc, "[-S DIR] ACCOUNT ROOM");
	if ((rc = poptGetNextOpt(pc)) < -1)
		errx(EX_USAGE, "%s: %s", poptBadOption(pc, 0), poptStrerror(rc));
	if (version) {
		printf("xmpp-leave %s (protocol %d)\n", VERSION, PROTO_VERSION);
		exit(0);
	}
	account = poptGetArg(pc);
	room = poptGetArg(pc);
	if (account == NULL || room == NULL || poptPeekArg(pc) != NULL) {
		poptPrintUsage(pc, stderr, 0);
		exit(EX_USAGE);
	}
	client_check_account(account);
	client_check_jid(room, 1);

	client_open(&c, sockdir, account, 30);
	snprintf(line, sizeof(line), "LEAVE %s", room);
	client_request(&c, line, NULL, 0);
	if ((rc = client_reply(&c, &text)) != 0)
		errx(rc, "account %s: %s", account, text);
	client_close(&c);
	free(sockdir);
	poptFreeContext(pc);
	return 0;
}
