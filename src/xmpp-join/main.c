/*
 * xmpp-join: joins a group chat room, like Asterisk's JabberJoin.  The
 * daemon remembers the room and joins it again after every reconnect and
 * restart, until xmpp-leave.
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

/* Reads the room password from the first line of stdin. */
static char *
password_from_stdin(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if ((n = getline(&line, &cap, stdin)) < 0)
		errx(EX_USAGE, "--password-stdin: nothing on stdin");
	line[strcspn(line, "\r\n")] = '\0';
	return line;
}

int
main(int argc, const char **argv)
{
	char *password = NULL, *timeout_arg = NULL, *text;
	char *end, line[PROTO_LINE_MAX], target[PROTO_LINE_MAX];
	int pw_stdin = 0, rc;
	double timeout = 20;
	const char *account, *room, *nick;
	struct client c;
	struct poptOption opts[] = {
		{ "password", 'p', POPT_ARG_STRING, &password, 0,
		    "the room's password (visible in ps: see the man page)",
		    "PASSWORD" },
		{ "password-stdin", 0, POPT_ARG_NONE, &pw_stdin, 0,
		    "read the room's password from stdin", NULL },
		{ "timeout", 't', POPT_ARG_STRING, &timeout_arg, 0,
		    "seconds to wait for the room (default 20)", "SECS" },
		{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, client_options, 0, NULL,
		    NULL },
		POPT_TABLEEND
	};
	poptContext pc;

	pc = client_popt("xmpp-join", argc, argv, opts,
	    "[-S DIR] [-p PASSWORD | --password-stdin] "
	    "[-t SECS] [ACCOUNT] ROOM [NICK]");
	account = client_account(pc, client_not_account);
	room = poptGetArg(pc);
	nick = poptGetArg(pc);
	if (room == NULL || poptPeekArg(pc) != NULL)
		client_usage(pc);
	if (timeout_arg != NULL) {
		timeout = strtod(timeout_arg, &end);
		if (*end != '\0' || !(timeout >= 0.001 && timeout <= 86400))
			errx(EX_USAGE, "bad timeout '%s'", timeout_arg);
	}
	if (strchr(room, '/') != NULL)
		errx(EX_DATAERR, "bad room '%s': give ROOM and NICK apart",
		    room);
	client_check_jid(room, 1);
	snprintf(target, sizeof(target), "%s%s%s", room, nick ? "/" : "",
	    nick ? nick : "");
	client_check_jid(target, 1);
	if (pw_stdin)
		password = password_from_stdin();

	client_open(&c, client_sockdir, account, timeout + 30);
	c.lost_what = "the account may have entered the room, and then the "
	    "daemon remembers it";
	snprintf(line, sizeof(line), "JOIN %.0f %zu %s", timeout * 1000,
	    password ? strlen(password) : 0, target);
	client_request(&c, line, password, password ? strlen(password) : 0);
	if ((rc = client_reply(&c, &text)) != 0)
		errx(rc, "account %s: room %s: %s", account, room, text);
	client_close(&c);
	free(password);
	free(client_sockdir);
	free(timeout_arg);
	poptFreeContext(pc);
	return 0;
}
