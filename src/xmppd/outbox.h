/*
 * outbox.h: accepted messages that the server has not yet confirmed.
 *
 * A message is sent, then a ping (the "barrier") follows the batch; the
 * server handles one stream in order, so the ping's answer proves it has
 * taken every message sent before it.  Only then is a message dropped.
 * After a reconnect, whatever is unconfirmed goes out again, same id.
 */
#ifndef OUTBOX_H
#define OUTBOX_H

#include <stddef.h>

#define OUTBOX_MAX_MESSAGES	10000
#define OUTBOX_MAX_BYTES	(32u << 20)

struct outmsg {
	struct outmsg	*next;
	char		*id;		/* stanza id, stable across resends */
	char		*to;
	char		*body;
	size_t		 len;
	unsigned long	 batch;		/* barrier that confirms it; 0: unsent */
};

struct outbox {
	struct outmsg	*head, *tail;
	struct outmsg	*cursor;	/* first message not sent on this link */
	size_t		 count, bytes;
	unsigned long	 next_batch;
	int		 need_barrier;
};

void	outbox_init(struct outbox *);
void	outbox_free(struct outbox *);

/* Queues a message; -1 if the queue is full (the caller answers 75). */
int	outbox_add(struct outbox *, const char *id, const char *to,
	    const char *body, size_t len);

/* The next message to put on the wire, or NULL; then outbox_sent(). */
struct outmsg *outbox_next(struct outbox *);
void	outbox_sent(struct outbox *);

/* If messages went out since the last barrier, returns its number, else 0. */
unsigned long outbox_barrier(struct outbox *);

/* The answer to barrier n arrived: drops what it confirms; returns count. */
size_t	outbox_confirm(struct outbox *, unsigned long n);

/* The link is gone: everything unconfirmed must be sent again. */
void	outbox_requeue(struct outbox *);

/* Finds a queued message by stanza id (for bounces), or NULL. */
struct outmsg *outbox_find(struct outbox *, const char *id);

#endif
