/*
 * control.h: between control.c (the socket, connections, buffers, the
 * order of requests) and requests.c (what each request does).
 */
#ifndef CONTROL_H
#define CONTROL_H

#include <stdint.h>
#include <sys/types.h>

#include "proto.h"

#define CONTROL_IDLE_MS		30000	/* a client with no request pending */
#define CONTROL_OUT_MAX		(4u << 20)	/* an unread INFO or body */
#define CONTROL_SKIP_MAX	(1u << 20)	/* refused bodies we read past */

struct ctl {
	struct ctl	*next, *prev;
	int		 fd;
	uid_t		 uid;
	struct buf	 in, out;
	int64_t		 idle_deadline;
	struct waiter	*waiting;	/* a RECV in progress */
	struct outmsg	*wait_msg;	/* a WAIT in progress */
	int64_t		 wait_deadline;
	int		 joining;	/* a JOIN in progress */
	int		 accepting;	/* messages waiting for the spool */
	char		*receipt;	/* a RECEIPT in progress: its id */
	int64_t		 receipt_deadline;
	/* A SEND whose body is still arriving. */
	char		*send_to;
	int		 send_flags;	/* QUEUE_GROUPCHAT, QUEUE_RECEIPT */
	int		 send_join;	/* the body is a room password */
	size_t		 body_len;
	size_t		 skip;		/* bytes of a refused body to discard */
	int		 closing;	/* no more requests: finish and close */
	int		 draining;	/* we half-closed; discarding input */
	int		 eof;		/* the client will send nothing more */
	int		 gone;		/* the connection failed: close now */
};

/* Appends a reply line; none overtakes an "OK" still due (see queue.c). */
void	reply(struct ctl *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Appends "OK LEN [TAG]", the body and a newline. */
void	reply_body(struct ctl *, const char *body, size_t len,
	    const char *tag);
/* Writes what is pending now, for a client blocked on it. */
void	control_write(struct ctl *);
/* The connected clients, for requests that look for one. */
struct ctl *control_clients(void);
/*
 * A request that held the connection has its answer: the idle clock
 * restarts, the answer goes out now (the client is blocked on it), and
 * requests queued behind it get their turn before the loop sleeps.
 */
void	control_answered(struct ctl *);

/* requests.c: one request line, and the body a SEND or JOIN announced. */
void	request_dispatch(struct ctl *, char *line);
void	request_body(struct ctl *, const char *body, size_t len);

#endif
