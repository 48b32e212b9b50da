/*
 * xmpp-presence: sets the account's own presence (for example
 * do-not-disturb while the user is on a call).  The daemon keeps it across
 * reconnects until it is changed again (or the daemon restarts, when the
 * configured status applies again).
 */
#include <err.h>
#include <popt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "client.h"
#include "proto.h"
#include "text.h"

#ifndef VERSION
#define VERSION "0.1"
#endif

static const char *shows[] = { "available", "chat", "away", "xa", "dnd",
	NULL };

int
main(int argc, const char **argv)
{
	char line[PROTO_LINE_MAX];
	int i;
	size_t n, where;
	const char *account, *show, **words;
	struct client c;
	struct poptOption opts[] = {
		{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, client_options, 0, NULL,
		    NULL },
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	poptContext pc;

	pc = client_popt("xmpp-presence", argc, argv, opts,
	    "[-S DIR] ACCOUNT "
	    "available|chat|away|xa|dnd [TEXT...]");
	account = poptGetArg(pc);
	show = poptGetArg(pc);
	if (account == NULL || show == NULL)
		client_usage(pc);
	client_check_account(account);
	for (i = 0; shows[i] != NULL && strcmp(shows[i], show) != 0; i++)
		;
	if (shows[i] == NULL)
		errx(EX_USAGE, "unknown presence '%s': give available, chat, "
		    "away, xa or dnd", show);
	n = (size_t)snprintf(line, sizeof(line), "PRESENCE %s", show);
	/* The text: the words joined by single spaces, empty ones skipped. */
	for (words = poptGetArgs(pc); words && *words; words++) {
		const char *w = *words + strspn(*words, " ");
		if (*w == '\0')
			continue;
		n += (size_t)snprintf(line + n, sizeof(line) - n, " %s", w);
		if (n >= sizeof(line) - 1)
			errx(EX_DATAERR, "status text too long");
	}
	while (n > 0 && line[n - 1] == ' ')
		line[--n] = '\0';
	if (strchr(line, '\n') != NULL || text_check(line, n, &where) != NULL)
		errx(EX_DATAERR, "the status text must be one line of UTF-8 "
		    "text");

	client_open(&c, client_sockdir, account, 30);
	client_call(&c, line, NULL, 0);
	client_close(&c);
	free(client_sockdir);
	poptFreeContext(pc);
	return 0;
}
