/*
 * stanza.c: small helpers for building and reading stanzas (stanza.h).
 * New stanzas take the libstrophe context of the one they join.
 */
#include <stdio.h>
#include <string.h>
#include <strophe.h>

#include "proto.h"
#include "stanza.h"

xmpp_stanza_t *
stanza_child(xmpp_stanza_t *parent, const char *name, const char *ns)
{
	xmpp_stanza_t *c = xmpp_stanza_new(xmpp_stanza_get_context(parent));

	xmpp_stanza_set_name(c, name);
	if (ns != NULL)
		xmpp_stanza_set_ns(c, ns);
	xmpp_stanza_add_child(parent, c);
	xmpp_stanza_release(c);		/* the parent holds it now */
	return c;
}

void
stanza_text_child(xmpp_stanza_t *parent, const char *name, const char *text)
{
	xmpp_stanza_t *c = stanza_child(parent, name, NULL);
	xmpp_stanza_t *t = xmpp_stanza_new(xmpp_stanza_get_context(parent));

	xmpp_stanza_set_text(t, text);
	xmpp_stanza_add_child(c, t);
	xmpp_stanza_release(t);
}

char *
stanza_text(xmpp_stanza_t *st, const char *name)
{
	xmpp_stanza_t *c = xmpp_stanza_get_child_by_name(st, name);

	return c ? xmpp_stanza_get_text(c) : NULL;
}

const char *
stanza_error(xmpp_stanza_t *st)
{
	xmpp_stanza_t *e = xmpp_stanza_get_child_by_name(st, "error"), *c;
	const char *name;

	for (c = e ? xmpp_stanza_get_children(e) : NULL; c != NULL;
	    c = xmpp_stanza_get_next(c))
		if ((name = xmpp_stanza_get_name(c)) != NULL &&
		    strcmp(name, "text") != 0)
			return name;
	return "unknown error";
}

const char *
stanza_error_text(xmpp_stanza_t *st, char *out, size_t len)
{
	xmpp_stanza_t *e = xmpp_stanza_get_child_by_name(st, "error");
	char *text = e ? stanza_text(e, "text") : NULL;

	if (text == NULL || *text == '\0') {
		if (text != NULL)
			xmpp_free(xmpp_stanza_get_context(st), text);
		return NULL;
	}
	snprintf(out, len, "%s", text);
	xmpp_free(xmpp_stanza_get_context(st), text);
	return out;
}

const char *
stanza_error_type(xmpp_stanza_t *st)
{
	xmpp_stanza_t *e = xmpp_stanza_get_child_by_name(st, "error");

	return e ? xmpp_stanza_get_attribute(e, "type") : NULL;
}

/* Appends the string s as it is. */
static int
put(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

/* Appends s with &, ", < and > escaped (in text and attribute values). */
static int
put_escaped(struct buf *b, const char *s)
{
	const char *run = s, *rep;
	int rc = 0;

	for (; *s != '\0' && rc == 0; s++) {
		switch (*s) {
		case '&':
			rep = "&amp;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		default:
			continue;
		}
		rc = buf_append(b, run, (size_t)(s - run)) |
		    buf_append(b, rep, strlen(rep));
		run = s + 1;
	}
	return rc | put(b, run);
}

int
stanza_message_text(struct buf *b, const char *type, const char *to,
    const char *id, const char *body, int receipt, int oob)
{
	int rc;

	rc = put(b, "<message type=\"") | put(b, type) | put(b, "\" to=\"") |
	    put_escaped(b, to) | put(b, "\" id=\"") | put_escaped(b, id) |
	    put(b, "\"><body>") | put_escaped(b, body) | put(b, "</body>");
	if (receipt)
		rc |= put(b, "<request xmlns=\"urn:xmpp:receipts\"/>");
	if (oob)
		rc |= put(b, "<x xmlns=\"jabber:x:oob\"><url>") |
		    put_escaped(b, body) | put(b, "</url></x>");
	return rc | put(b, "</message>");
}
