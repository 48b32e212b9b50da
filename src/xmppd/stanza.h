/*
 * stanza.h: small helpers for building and reading libstrophe stanzas.
 * A leaf: it needs nothing of the daemon but the stanza it is given.
 */
#ifndef STANZA_H
#define STANZA_H

#include <stddef.h>
#include <strophe.h>

struct buf;

/* A new child of parent (returned), with ns if not NULL. */
xmpp_stanza_t	*stanza_child(xmpp_stanza_t *parent, const char *name,
		    const char *ns);
/* A new child of parent holding text. */
void		 stanza_text_child(xmpp_stanza_t *parent, const char *name,
		    const char *text);
/* The text of st's child name (free with xmpp_free), or NULL. */
char		*stanza_text(xmpp_stanza_t *st, const char *name);
/* The type of an error stanza's <error/> (cancel, wait...), or NULL. */
const char	*stanza_error_type(xmpp_stanza_t *st);
/* The defined condition of an error stanza ("unknown error" if none). */
const char	*stanza_error(xmpp_stanza_t *st);
/* The error's human-readable <text/>, into out; NULL if it has none. */
const char	*stanza_error_text(xmpp_stanza_t *st, char *out, size_t len);

/*
 * Appends a <message/> of type (chat, groupchat) to b as XML text, as
 * xmpp_stanza_to_text() would write it (the same characters escaped),
 * with a receipt request and the body again as an XEP-0066 URL if asked:
 * messages sent in a batch go out in one write, without a libstrophe
 * stanza each.  -1 if out of memory.
 */
int		 stanza_message_text(struct buf *b, const char *type,
		    const char *to, const char *id, const char *body,
		    int receipt, int oob);

#endif
