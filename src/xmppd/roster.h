/* roster.h: the account's contacts and the presence of their resources. */
#ifndef ROSTER_H
#define ROSTER_H

#include <stddef.h>

#include "config.h"

#define STATUS_OFFLINE		6
#define STATUS_NOT_IN_ROSTER	7

/*
 * What one contact may cost: at most this many available resources (a
 * contact, or a hostile server speaking for it, can claim any number),
 * and status texts cut to this many bytes.
 */
#define ROSTER_RESOURCES_MAX	32
#define ROSTER_TEXT_MAX		1024

struct resource {
	struct resource	*next;
	char		*name;
	int		 priority;
	enum show	 show;
	char		*text;		/* <status/>, may be NULL */
	unsigned long	 seq;		/* when it last changed */
};

struct contact {
	struct contact	*next;		/* hash chain */
	struct contact	*older, *newer;	/* all contacts, oldest first */
	char		*bare;		/* folded key, see jid.h */
	int		 in_roster;	/* the server's roster has it */
	int		 is_buddy;	/* a buddy= line names it */
	char		*subscription;	/* none, to, from, both */
	struct resource	*resources;	/* available ones only */
	size_t		 nresources;	/* at most ROSTER_RESOURCES_MAX */
	int		 capped;	/* a resource was dropped for room */
};

/*
 * A place in the list of contacts that survives contacts coming and
 * going (INFO answers in pieces): it moves on from a contact removed.
 */
struct roster_cursor {
	struct roster_cursor	*next;
	struct contact		*at;	/* the next contact to visit */
};

struct roster {
	struct contact	**buckets;
	size_t		  nbuckets;
	size_t		  count;
	unsigned long	  seq;
	struct contact	 *oldest, *newest;
	struct roster_cursor *cursors;
	size_t		  others;	/* in the roster, named by no buddy= */
};

void		 roster_init(struct roster *);
void		 roster_free(struct roster *);
struct contact	*roster_find(struct roster *, const char *bare);

/* Marks bare as a buddy= entry (always counted as in the roster). */
void		 roster_add_buddy(struct roster *, const char *bare);
/* A buddy= line is gone: c is a contact only if the server's roster has it. */
void		 roster_drop_buddy(struct roster *, struct contact *c);

/*
 * Records a roster item from the server; subscription "remove" takes it
 * out (a buddy= entry stays, without the server's flag).  (Its ask=
 * "subscribe" says nothing we can use: ejabberd shows it also for a
 * request its anti-flood dropped.)
 */
void		 roster_set_item(struct roster *, const char *bare,
		    const char *subscription);

/* Does the subscription let us see c's presence (to, both)?  c's see ours? */
int		 roster_sees_them(const struct contact *c);
int		 roster_sees_us(const struct contact *c);

/* A full roster is about to be loaded: forget the server's old items. */
void		 roster_begin_reload(struct roster *);

/*
 * Presence from bare/resource.  Presence from contacts not in the roster is
 * ignored, so remote senders cannot make the table grow.  A contact with
 * ROSTER_RESOURCES_MAX resources loses its lowest priority, least recently
 * changed one for a new one (or the new one, if lower still).  Returns 1
 * the first time that happens to the contact (to be logged), else 0.
 */
int		 roster_presence(struct roster *, const char *bare,
		    const char *resource, int available, int priority,
		    enum show show, const char *text);

/* Forgets every resource (the session ended: presence is unknown). */
void		 roster_clear_presence(struct roster *);

/* Status code 1-7 for bare, or for exactly bare/resource. */
int		 roster_status(struct roster *, const char *bare,
		    const char *resource);

/* Calls fn for each contact, oldest first. */
void		 roster_foreach(struct roster *,
		    void (*fn)(struct contact *, void *), void *);

/* A cursor at the oldest contact; roster_cursor_next() walks on. */
void		 roster_cursor_start(struct roster *, struct roster_cursor *);
/* The next contact (NULL at the end, which also stops the cursor). */
struct contact	*roster_cursor_next(struct roster *, struct roster_cursor *);
void		 roster_cursor_stop(struct roster *, struct roster_cursor *);

#endif
