/*
 * session.h: what session.c lends to the other parts that speak XMPP
 * (muc.c): building and sending stanzas on the current link.
 */
#ifndef SESSION_H
#define SESSION_H

#include <strophe.h>

xmpp_ctx_t	*session_ctx(void);
int		 session_bound(void);

/* The server said something: the link is alive (for the keepalive). */
void		 session_heard(void);

/* The text of st's child name (free with xmpp_free), or NULL. */
char		*stanza_text(xmpp_stanza_t *st, const char *name);

/* message.c: libstrophe's handler for <message/>. */
int		 message_handler(xmpp_conn_t *, xmpp_stanza_t *, void *);

/* Sends st (and releases it); a no-op without a link. */
void		 session_send(xmpp_stanza_t *st);

xmpp_stanza_t	*stanza_child(xmpp_stanza_t *parent, const char *name,
		    const char *ns);
void		 stanza_text_child(xmpp_stanza_t *parent, const char *name,
		    const char *text);

/* Adds <show/>, <status/> and <priority/> of our own presence. */
void		 session_own_presence(xmpp_stanza_t *presence);

/* muc.c's part in handling stanzas (it needs libstrophe's types). */
int		 muc_presence(xmpp_stanza_t *st, const char *bare,
		    const char *resource, const char *type);
int		 muc_skip_message(xmpp_stanza_t *st, const char *bare,
		    const char *resource);

/* The defined condition of an error stanza ("unknown error" if none). */
const char	*stanza_error(xmpp_stanza_t *st);

#endif
