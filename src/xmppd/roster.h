/* roster.h: the account's contacts and the presence of their resources. */
#ifndef ROSTER_H
#define ROSTER_H

#include <stddef.h>

#include "config.h"

#define STATUS_OFFLINE		6
#define STATUS_NOT_IN_ROSTER	7

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
	char		*bare;		/* folded key, see jid.h */
	int		 in_roster;	/* the server's roster has it */
	int		 is_buddy;	/* a buddy= line names it */
	char		*subscription;	/* none, to, from, both */
	struct resource	*resources;	/* available ones only */
};

struct roster {
	struct contact	**buckets;
	size_t		  nbuckets;
	size_t		  count;
	unsigned long	  seq;
};

void		 roster_init(struct roster *);
void		 roster_free(struct roster *);
struct contact	*roster_find(struct roster *, const char *bare);

/* Marks bare as a buddy= entry (always counted as in the roster). */
void		 roster_add_buddy(struct roster *, const char *bare);

/*
 * Records a roster item from the server; subscription "remove" takes it
 * out (a buddy= entry stays, without the server's flag).
 */
void		 roster_set_item(struct roster *, const char *bare,
		    const char *subscription);

/* A full roster is about to be loaded: forget the server's old items. */
void		 roster_begin_reload(struct roster *);

/*
 * Presence from bare/resource.  Presence from contacts not in the roster is
 * ignored, so remote senders cannot make the table grow.
 */
void		 roster_presence(struct roster *, const char *bare,
		    const char *resource, int available, int priority,
		    enum show show, const char *text);

/* Forgets every resource (the session ended: presence is unknown). */
void		 roster_clear_presence(struct roster *);

/* Status code 1-7 for bare, or for exactly bare/resource. */
int		 roster_status(struct roster *, const char *bare,
		    const char *resource);

/* Calls fn for each contact. */
void		 roster_foreach(struct roster *,
		    void (*fn)(struct contact *, void *), void *);

#endif
