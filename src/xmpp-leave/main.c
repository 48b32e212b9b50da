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
	char line[PROTO_LINE_MAX];
	const char *account, *room;
	struct client c;
	struct poptOption opts[] = {
		{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, client_options, 0, NULL,
		    NULL },
		POPT_TABLEEND
	};
	poptContext pc;

	pc = client_popt("xmpp-leave", argc, argv, opts,
	    "[-S DIR] [ACCOUNT] ROOM");
	account = client_account(pc, client_not_account);
	room = poptGetArg(pc);
	if (room == NULL || poptPeekArg(pc) != NULL)
		client_usage(pc);
	client_check_jid(room, 1);

	client_open(&c, client_sockdir, account, 30);
	c.lost_what = "the room may have been left";
	snprintf(line, sizeof(line), "LEAVE %s", room);
	client_call(&c, line, NULL, 0);
	client_close(&c);
	free(client_sockdir);
	poptFreeContext(pc);
	return 0;
}
