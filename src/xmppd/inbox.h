/*
 * inbox.h: received messages kept for xmpp-recv, and the clients waiting
 * for them.
 */
#ifndef INBOX_H
#define INBOX_H

#include <stddef.h>
#include <stdint.h>

#define INBOX_MAX_MESSAGES	4096
#define INBOX_MAX_BYTES		(8u << 20)

struct inmsg {
	struct inmsg	*next;
	char		*bare;		/* folded sender */
	char		*resource;	/* may be NULL */
	char		*tag;		/* opaque, handed to the waiter */
	char		*body;
	size_t		 len;
	int64_t		 expires;	/* clock_ms() */
};

struct waiter {
	struct waiter	*next, *prev;
	char		*bare;		/* NULL: anyone */
	char		*resource;	/* NULL: any resource */
	int64_t		 deadline;
	void		*owner;
};

/*
 * Hands a body (and the tag it was added with) to a waiter's owner:
 * returns 1 if the owner took it, 0 if the owner turned out to be gone
 * (the message then stays in the inbox).  Body NULL means the wait timed
 * out (the return value does not matter).
 */
typedef int (*inbox_deliver_fn)(void *owner, const char *body, size_t len,
    const char *tag);

struct inbox {
	struct inmsg	*head, *tail;	/* oldest first */
	size_t		 count, bytes;
	struct waiter	*waiters, *last_waiter;	/* first come, first served */
	int64_t		 keep_ms;
	inbox_deliver_fn deliver;
};

void	inbox_init(struct inbox *, int64_t keep_ms, inbox_deliver_fn);
void	inbox_free(struct inbox *);

/*
 * A message arrived: the first matching waiter that takes it gets it
 * (returns 1; waiters whose owner is gone are dropped on the way), or it
 * is kept (returns 0).
 */
int	inbox_add(struct inbox *, const char *bare, const char *resource,
	    const char *tag, const char *body, size_t len, int64_t now);

/*
 * A client asks for the oldest message from bare (and resource if not
 * NULL; from anyone if bare is NULL).  If one is kept, it is delivered at
 * once and NULL is returned (if the owner did not take it, the message
 * stays where it was); otherwise the returned waiter stands in line until
 * inbox_expire() or inbox_cancel().
 */
struct waiter *inbox_wait(struct inbox *, const char *bare,
	    const char *resource, int64_t deadline, void *owner, int64_t now);

/* The waiting client went away. */
void	inbox_cancel(struct inbox *, struct waiter *);

/*
 * Drops expired messages, times out waiters whose deadline passed, and
 * returns the next waiter deadline (INT64_MAX if none).
 */
int64_t	inbox_expire(struct inbox *, int64_t now);

#endif
