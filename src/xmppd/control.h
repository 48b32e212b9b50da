/*
 * control.h: the local socket as a transport (control.c).  It accepts
 * clients, checks who they are, frames their input into request lines and
 * the bodies a request announces, keeps their replies in order and closes
 * them; what a request means is up to the functions main.c hands to
 * control_init() (requests.c), which it calls with each client's own
 * state.
 */
#ifndef CONTROL_H
#define CONTROL_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CONTROL_IDLE_MS		30000	/* a client with no request pending */
#define CONTROL_OUT_MAX		(4u << 20)	/* an unread INFO or body */
#define CONTROL_SKIP_MAX	(1u << 20)	/* refused bodies we read past */

struct ctl;

/* How far a client's requests let control.c go on with its input. */
enum control_busy {
	CONTROL_IDLE,		/* nothing in progress: take the next request */
	CONTROL_BUSY,		/* in progress: the next only if ready() says */
	CONTROL_HELD		/* in progress: read nothing more for now */
};

struct control_ops {
	/* A client connected: returns the state its requests keep. */
	void	*(*open)(struct ctl *);
	/* One request line (no newline, no NUL inside). */
	void	 (*line)(void *state, char *line);
	/* Input that is no request (why, with its exit status): answer it. */
	void	 (*error)(void *state, int status, const char *why);
	/* The body announced with control_expect_body(), in full. */
	void	 (*body)(void *state, const char *body, size_t len);
	enum control_busy (*busy)(void *state);
	/* While CONTROL_BUSY: may the request starting at next be taken? */
	int	 (*ready)(void *state, const char *next, size_t len);
	/* The client is gone: forget its state and anything it waits for. */
	void	 (*close)(void *state);
};

int	control_init(const char *path, int group_set, gid_t gid,
	    const struct control_ops *, char *err, size_t errlen);

/* Appends bytes to the client's replies, in order. */
void	control_send(struct ctl *, const void *, size_t);
/* The next len bytes of input are a body for ops->body(). */
void	control_expect_body(struct ctl *, size_t len);
/* The next len bytes of input are a refused body: read past them. */
void	control_skip(struct ctl *, size_t len);
/* No more requests from this client: answer what is due, then close. */
void	control_end(struct ctl *);
/*
 * A request that held the connection has its answer: the idle clock
 * restarts, the answer goes out now (the client is blocked on it), and
 * requests queued behind it get their turn before the loop sleeps.
 * Returns -1 if the connection turned out to be gone (the answer was
 * not delivered), else 0.
 */
int	control_answered(struct ctl *);

int	control_pollfds(struct pollfd *, int max);
/*
 * 1 if requests held back behind one that was answered may go on now
 * (the answer came after the loop had passed their client, e.g. a commit
 * forced by another client): the loop must take another turn before it
 * sleeps.  Resets.
 */
int	control_must_look(void);
void	control_io(const struct pollfd *, int n);
int64_t	control_timers(int64_t now);
int	control_count(void);
void	control_stop(void);

#endif
