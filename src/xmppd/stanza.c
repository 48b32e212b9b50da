/*
 * stanza.c: small helpers for building and reading stanzas (stanza.h).
 * New stanzas take the libstrophe context of the one they join.
 */
#include <stdio.h>
#include <string.h>
#include <strophe.h>

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
