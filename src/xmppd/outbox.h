/*
 * outbox.h: accepted messages that the server has not yet confirmed.
 *
 * A message is sent, then a ping (the "barrier") follows the batch; the
 * server handles one stream in order, so the ping's answer proves it has
 * taken every message sent before it.  Only then is a message dropped.
 * After a reconnect, whatever is unconfirmed goes out again, same id.
 *
 * A link that breaks is no evidence against the messages on it, unless
 * the server ended the stream with an error a stanza can cause (e.g.
 * not-well-formed): then the messages in flight become suspects, and are
 * sent one at a time, each behind its own barrier, before anything else.
 * A suspect that was alone on the wire when such an error came again is
 * the culprit, and the only message given up.
 */
#ifndef OUTBOX_H
#define OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include <time.h>

#define OUTBOX_MAX_MESSAGES	10000
#define OUTBOX_MAX_BYTES	(32u << 20)

enum outbox_end { OUTBOX_CONFIRMED, OUTBOX_EXPIRED, OUTBOX_GAVE_UP };

struct outmsg {
	struct outmsg	*next;
	char		*id;		/* stanza id, stable across resends */
	char		*to;
	char		*body;
	size_t		 len;
	unsigned long	 batch;		/* barrier that confirms it; 0: unsent */
	time_t		 created;	/* wall clock, for the lifetime */
	int		 groupchat;	/* to a room */
	int		 receipt;	/* ask for a receipt */
	int		 oob;		/* the body is a URL, sent as XEP-0066 */
	int		 attempts;	/* times sent */
	int		 suspect;	/* in flight when a stream error came */
	int		 bounces;	/* "wait" bounces so far (queue.c) */
	int64_t		 retry_at;	/* taken out until then (queue.c) */
	void		*waiter;	/* a client waiting for its end */
	uint64_t	 segment;	/* the journal's, holding it (queue.c) */
};

struct outbox;
/* Called once for every message leaving the queue, before it is freed. */
typedef void (*outbox_done_fn)(struct outbox *, struct outmsg *,
    enum outbox_end);

struct outbox {
	struct outmsg	*head, *tail;
	struct outmsg	*cursor;	/* first message not sent on this link */
	size_t		 count, bytes;
	size_t		 inflight;	/* bytes sent on this link, unconfirmed */
	unsigned long	 next_batch;
	int		 need_barrier;
	const char	*blame;		/* why a message is given up, for done */
	outbox_done_fn	 done;
};

void	outbox_init(struct outbox *, outbox_done_fn);
void	outbox_free(struct outbox *);

/* Queues a message; -1 if the queue is full (the caller answers 75). */
int	outbox_add(struct outbox *, const char *id, const char *to,
	    const char *body, size_t len, time_t created);

/* About what a message costs on the wire, for outbox.inflight. */
#define OUTBOX_WIRE(m)	((m)->len + strlen((m)->to) + strlen((m)->id) + 64)

/* The next message to put on the wire, or NULL; then outbox_sent(). */
struct outmsg *outbox_next(struct outbox *);
void	outbox_sent(struct outbox *);

/* If messages went out since the last barrier, returns its number, else 0. */
unsigned long outbox_barrier(struct outbox *);

/* The answer to barrier n arrived: drops what it confirms; returns count. */
size_t	outbox_confirm(struct outbox *, unsigned long n);

/*
 * The link is gone: everything unconfirmed must be sent again.  blame is
 * the stream error that ended it if a stanza of ours can cause it, else
 * NULL (see above): a lone suspect then is given up, with ob->blame set
 * for the done function.
 */
void	outbox_requeue(struct outbox *, const char *blame);

/*
 * Gives up messages not yet sent on this link that are older than
 * lifetime seconds; returns when the next one would expire (0: none).
 */
time_t	outbox_expire(struct outbox *, time_t now, time_t lifetime);

/*
 * Takes m out of the queue without ending it (its next is then free for
 * the caller's use), and puts it back at the end, to be sent again; or
 * ends a taken message (the done function is called) or frees it quietly.
 */
void	outbox_take(struct outbox *, struct outmsg *);
void	outbox_put_back(struct outbox *, struct outmsg *);
void	outbox_end(struct outbox *, struct outmsg *, enum outbox_end);
void	outbox_discard(struct outmsg *);

/* Finds a queued message by stanza id (for bounces), or NULL. */
struct outmsg *outbox_find(struct outbox *, const char *id);

#endif
