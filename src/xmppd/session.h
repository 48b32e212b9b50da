/*
 * session.h: what session.c lends to the other parts that speak XMPP
 * (message.c, presence.c, muc.c): building and sending stanzas on the
 * current link.
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

/* presence.c: presence and the roster on the wire. */
int		 presence_handler(xmpp_conn_t *, xmpp_stanza_t *, void *);
/* Sends a bare <presence/> of type (NULL: available) to to (NULL: all). */
void		 presence_send(const char *type, const char *to);
/* Sends our own presence, with its show, status and priority. */
void		 presence_send_own(void);
/* The roster arrived at login (query may be NULL): presence, rooms... */
void		 presence_roster_loaded(xmpp_stanza_t *query);
/* Items of a roster result or push, into the roster. */
void		 presence_roster_items(xmpp_stanza_t *query);

/* Sends st (and releases it); a no-op without a link. */
void		 session_send(xmpp_stanza_t *st);

/* stanza.c: a new child of parent (returned), with ns if not NULL. */
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
