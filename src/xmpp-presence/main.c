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
#include <strings.h>
#include <sysexits.h>

#include "client.h"
#include "proto.h"
#include "text.h"

#ifndef VERSION
#define VERSION "0.1"
#endif

static const char *shows[] = { "available", "chat", "away", "xa", "dnd",
	NULL };

/* The availability word, in any case, as the daemon wants it; or NULL. */
static const char *
show_word(const char *word)
{
	int i;

	for (i = 0; word != NULL && shows[i] != NULL; i++)
		if (strcasecmp(shows[i], word) == 0)
			return shows[i];
	return NULL;
}

/*
 * With XMPP_ACCOUNT set, an availability in front means the account was
 * left out (an account named like one is then given with XMPP_ACCOUNT
 * empty); without it, the first operand is always the account.
 */
static int
account_omitted(const char *operand)
{
	const char *env = getenv(CLIENT_ACCOUNT_ENV);

	return env != NULL && *env != '\0' && show_word(operand) != NULL;
}

int
main(int argc, const char **argv)
{
	char line[PROTO_LINE_MAX];
	size_t n, where;
	const char *account, *show, **words;
	struct client c;
	struct poptOption opts[] = {
		{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, client_options, 0, NULL,
		    NULL },
		POPT_TABLEEND
	};
	poptContext pc;

	pc = client_popt("xmpp-presence", argc, argv, opts,
	    "[-S DIR] [ACCOUNT] available|chat|away|xa|dnd [TEXT...]");
	account = client_account(pc, account_omitted);
	if ((show = poptGetArg(pc)) == NULL) {
		if (show_word(account) != NULL)
			warnx("no ACCOUNT before '%s': give it first, or set %s",
			    account, CLIENT_ACCOUNT_ENV);
		client_usage(pc);
	}
	if (show_word(show) == NULL)
		errx(EX_USAGE, "unknown presence '%s': give available, chat, "
		    "away, xa or dnd", show);
	n = (size_t)snprintf(line, sizeof(line), "PRESENCE %s",
	    show_word(show));
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
	c.lost_what = "the presence may have been set";
	client_call(&c, line, NULL, 0);
	client_close(&c);
	free(client_sockdir);
	poptFreeContext(pc);
	return 0;
}
