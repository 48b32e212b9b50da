/*
 * xmpp-status: prints a buddy's status code 1-7, like Asterisk's
 * JABBER_STATUS(account,jid), or without a JID the account's own state,
 * or with --list the account and every contact.
 */
#include <err.h>
#include <popt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

#include "client.h"
#include "list.h"
#include "proto.h"

#ifndef VERSION
#define VERSION "0.1"
#endif

/* INFO, printed in the format asked for. */
static void
print_list(struct client *c, enum list_format format)
{
	unsigned long len;
	char *text, *info;

	text = client_call(c, "INFO", NULL, 0);
	if (proto_number(text, 1UL << 30, &len) == -1)
		errx(EX_PROTOCOL, "account %s: malformed reply", c->account);
	info = client_body(c, len);
	list_print(info, len, format);
	free(info);
}

int
main(int argc, const char **argv)
{
	char *format_arg = NULL, *text;
	char line[PROTO_LINE_MAX];
	int no_newline = 0, list = 0, json = 0;
	enum list_format format = LIST_TABLE;
	const char *account, *jid;
	struct client c;
	struct poptOption opts[] = {
		{ "no-newline", 'n', POPT_ARG_NONE, &no_newline, 0,
		    "print the digit without a newline (for SHELL())", NULL },
		{ "list", 'L', POPT_ARG_NONE, &list, 0,
		    "show the account's state and every contact", NULL },
		/* -l: the first spelling of --list, kept for scripts. */
		{ NULL, 'l', POPT_ARG_NONE | POPT_ARGFLAG_DOC_HIDDEN, &list, 0,
		    NULL, NULL },
		{ "json", 'j', POPT_ARG_NONE, &json, 0,
		    "the list as JSON (the same as --format=json)", NULL },
		{ "format", '\0', POPT_ARG_STRING, &format_arg, 0,
		    "the list as table (the default), tsv or json", "FORMAT" },
		{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, client_options, 0, NULL,
		    NULL },
		POPT_TABLEEND
	};
	poptContext pc;

	pc = client_popt("xmpp-status", argc, argv, opts,
	    "[-n] [-S DIR] [ACCOUNT] [JID[/RESOURCE]]\n"
	    "       xmpp-status -L [-j | --format=table|tsv|json] [-S DIR] "
	    "[ACCOUNT]");
	account = client_account(pc, client_not_account);
	jid = poptGetArg(pc);
	if (poptPeekArg(pc) != NULL)
		client_usage(pc);
	if (format_arg != NULL && list_format(format_arg, &format) == -1)
		errx(EX_USAGE, "bad --format '%s': give table, tsv or json",
		    format_arg);
	if (json)
		format = LIST_JSON;
	/* A format is only for the list: asking for one asks for it. */
	list = list || json || format_arg != NULL;
	if (list && jid != NULL)
		errx(EX_USAGE, "--list, -j and --format list the whole "
		    "account: they take no JID");
	if (jid != NULL)
		client_check_jid(jid, 0);

	client_open(&c, client_sockdir, account, 30);
	if (list)
		print_list(&c, format);
	else {
		if (jid != NULL)
			snprintf(line, sizeof(line), "STATUS %s", jid);
		else
			snprintf(line, sizeof(line), "STATUS");
		text = client_call(&c, line, NULL, 0);
		printf(no_newline ? "%s" : "%s\n", text);
	}
	client_close(&c);
	free(client_sockdir);
	free(format_arg);
	poptFreeContext(pc);
	return fflush(stdout) == 0 ? 0 : EX_IOERR;
}
