/*
 * list.c: xmpp-status --list, the equivalent of Asterisk's "xmpp show
 * connections" and "xmpp show buddies".  The daemon answers INFO with
 * tab-separated records (see xmppd(8)); this prints them as a table for
 * people, unchanged for scripts (tsv), or as JSON lines.
 */
#include "list.h"

#include "client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIELDS_MAX 8

static const char *status_names[] = { "?", "online", "chatty", "away",
	"extended away", "do not disturb", "offline", "not in roster" };

int
list_format(const char *name, enum list_format *out)
{
	if (strcmp(name, "table") == 0)
		*out = LIST_TABLE;
	else if (strcmp(name, "tsv") == 0)
		*out = LIST_TSV;
	else if (strcmp(name, "json") == 0)
		*out = LIST_JSON;
	else
		return -1;
	return 0;
}

/* Splits line at tabs, undoing the daemon's \t \n \r \\ escapes. */
static int
split(char *line, char **f)
{
	int n = 0;
	char *p, *r, *w;

	for (p = line; n < FIELDS_MAX; ) {
		f[n++] = p;
		if ((p = strchr(p, '\t')) == NULL)
			break;
		*p++ = '\0';
	}
	for (int i = 0; i < n; i++) {
		for (r = w = f[i]; *r; r++) {
			if (*r == '\\' && r[1] != '\0') {
				r++;
				*w++ = *r == 't' ? '\t' : *r == 'n' ? '\n' :
				    *r == 'r' ? '\r' : *r;
			} else
				*w++ = *r;
		}
		*w = '\0';
	}
	return n;
}

static const char *
status_name(const char *code)
{
	int c = atoi(code);

	return c >= 1 && c <= 7 ? status_names[c] : "?";
}

static void
json_string(const char *s)
{
	client_json_string(s, strlen(s));
}

/* {"type":TYPE and the record's string fields f[1].. under NAMES. */
static void
json_open(const char *type, const char *const *names, char **f)
{
	int i;

	printf("{\"type\":\"%s\"", type);
	for (i = 0; names[i] != NULL; i++) {
		printf(",\"%s\":", names[i]);
		json_string(f[i + 1]);
	}
}

static void
print_json(char **f, int n)
{
	static const char *const account[] = { "name", "state", "jid", NULL };
	static const char *const contact[] = { "jid", "origin",
	    "subscription", NULL };
	static const char *const room[] = { "jid", "nick", "state", "why",
	    NULL };
	static const char *const resource[] = { "jid", "resource", NULL };

	if (strcmp(f[0], "account") == 0 && n >= 8) {
		json_open(f[0], account, f);
		printf(",\"uptime\":%s,\"queued\":%s,\"kept\":%s,"
		    "\"waiting\":%s}\n", f[4], f[5], f[6], f[7]);
	} else if (strcmp(f[0], "contact") == 0 && n >= 5) {
		json_open(f[0], contact, f);
		printf(",\"status\":%d}\n", atoi(f[4]));
	} else if (strcmp(f[0], "room") == 0 && n >= 5) {
		json_open(f[0], room, f);
		fputs("}\n", stdout);
	} else if (strcmp(f[0], "resource") == 0 && n >= 6) {
		json_open(f[0], resource, f);
		printf(",\"status\":%d,\"priority\":%d,\"text\":", atoi(f[3]),
		    atoi(f[4]));
		json_string(n > 5 ? f[5] : "");
		fputs("}\n", stdout);
	}
}

/* Control characters in a field would break the table's lines. */
static void
flatten(char *s)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '\t' || *s == '\r')
			*s = ' ';
}

#define HEADER_ROOMS	1
#define HEADER_CONTACTS	2

static void
print_table(char **f, int n, int *header)
{
	long up;

	if (strcmp(f[0], "account") == 0 && n >= 8) {
		up = atol(f[4]);
		printf("account %s: %s as %s, up %ldh%02ldm%02lds, %s queued, "
		    "%s kept, %s waiting\n", f[1], f[2], f[3], up / 3600,
		    up / 60 % 60, up % 60, f[5], f[6], f[7]);
	} else if (strcmp(f[0], "room") == 0 && n >= 5) {
		if (!(*header & HEADER_ROOMS)) {
			printf("\n%-32s %-18s %s\n", "ROOM", "NICK", "STATE");
			*header |= HEADER_ROOMS;
		}
		flatten(f[2]);
		flatten(f[4]);
		printf("%-32s %-18s %s%s%s\n", f[1], f[2], f[3],
		    *f[4] ? ": " : "", f[4]);
	} else if (strcmp(f[0], "contact") == 0 && n >= 5) {
		if (!(*header & HEADER_CONTACTS)) {
			printf("\n%-32s %-18s %-12s %s\n", "CONTACT", "STATUS",
			    "SUBSCRIPTION", "ORIGIN");
			*header |= HEADER_CONTACTS;
		}
		printf("%-32s %s %-16s %-12s %s\n", f[1], f[4],
		    status_name(f[4]), f[3], f[2]);
	} else if (strcmp(f[0], "resource") == 0 && n >= 6) {
		flatten(f[5]);
		printf("  /%-29s %s %-16s priority %s%s%s%s\n", f[2], f[3],
		    status_name(f[3]), f[4], *f[5] ? " \"" : "", f[5],
		    *f[5] ? "\"" : "");
	}
}

void
list_print(char *info, size_t len, enum list_format fmt)
{
	char *line, *next, *f[FIELDS_MAX];
	int n, header = 0;

	if (fmt == LIST_TSV) {
		fwrite(info, 1, len, stdout);
		return;
	}
	for (line = info; line < info + len && *line; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		else
			next = line + strlen(line);
		n = split(line, f);
		if (fmt == LIST_JSON)
			print_json(f, n);
		else
			print_table(f, n, &header);
	}
}
