/*
 * xmppd.h: the daemon's shared state and the interfaces between its
 * parts, listed bottom-up.  The layers, from the top:
 *
 *   main.c         wires the parts: hands each lower part the functions
 *                  of the upper ones it must tell news to
 *   requests.c     what a client's request does; its answers
 *   reload.c       SIGHUP
 *   presence.c     presence and the roster on the wire
 *   message.c      incoming messages
 *   muc.c          group chat rooms
 *   upload.c       HTTP upload slots (XEP-0363) for xmpp-send --file
 *   queue.c        accepted messages, spooled until confirmed
 *   probe.c        xmppd -t: one login, and what the server offers
 *   session.c      the XMPP link (libstrophe)
 *   control.c      the local socket, as a transport (control.h)
 *   inbox.c outbox.c roster.c hook.c journal.c xmppd.c
 *                  state and jobs
 *   config.c secret.c filecheck.c loss.c srv.c tls.c stanza.c util.c
 *   log.c,
 *   src/common/    tools
 *
 * A file calls only files below it (or beside it, where the list shows
 * no circle: message.c and presence.c call muc.c).  News goes up through
 * function types a lower part declares and main.c hands over at start:
 * inbox_deliver_fn, outbox_done_fn, queue_accepted_fn, queue_ended_fn,
 * muc_joined_fn, upload_slot_fn, message_receipt_fn, struct
 * session_hooks and struct control_ops.  `make lint` checks that no
 * circle of calls appears between the object files (tests/layers.sh).
 */
#ifndef XMPPD_H
#define XMPPD_H

#include <poll.h>
#include <stdint.h>
#include <strophe.h>
#include <sys/types.h>

#include "config.h"
#include "inbox.h"
#include "outbox.h"
#include "roster.h"

/* xmppd.c: the daemon's state, one account's. */
struct xmppd {
	struct account	 acct;
	struct roster	 roster;
	struct inbox	 inbox;
	struct outbox	 outbox;
	int64_t		 started;	/* clock_ms() at start */
	char		 spooldir[4096];
	/* Own presence set by xmpp-presence, kept until changed. */
	int		 presence_set;
	enum show	 presence_show;
	char		*presence_text;
};

extern struct xmppd xd;

/* hook.c: a program run for each incoming message. */
void	hook_message(const char *from, const char *type, const char *id,
	    const char *body, size_t len);
int64_t	hook_timers(int64_t now);
void	hook_stop(void);

/* session.c: the XMPP link. */

/* Outcome of a login attempt, as xmppd's exit status (0: logged in). */
enum login_state { LOGIN_PENDING = -1, LOGIN_OK = 0 };

/* What the link tells the parts above it (main.c fills it in). */
struct session_hooks {
	xmpp_handler	 message;	/* every <message/> */
	xmpp_handler	 presence;	/* every <presence/> */
	/* The roster at login (query may be NULL): send presence etc. */
	void		(*roster_loaded)(xmpp_stanza_t *query);
	/* A roster push from our server. */
	void		(*roster_items)(xmpp_stanza_t *query);
	/* Logged in, roster, presence and rooms in sync: about to send. */
	void		(*online)(void);
	/* The link is gone (presence of others is unknown now). */
	void		(*lost)(void);
	/*
	 * The parts above never send our presence (xmppd -t): none is sent
	 * when the link closes either, or the server would tell buddies.
	 */
	int		 invisible;
	/*
	 * Whether the process is to stop (may be NULL): a wait inside
	 * libstrophe that has no end of its own, the TLS handshake, gives
	 * up when it says so.
	 */
	int		(*stopping)(void);
};

void	session_init(const struct session_hooks *);
void	session_connect(void);
int	session_pollfd(struct pollfd *);	/* 0 if no connection */
void	session_io(void);			/* run libstrophe */
int64_t	session_timers(int64_t now);		/* next deadline */
int	session_online(void);
int	session_login_result(char *msg, size_t len);
int	session_flush(void);			/* send queued messages */
void	session_new_id(char *out, size_t len);
int	session_issued_id(const char *id);
void	session_stop(void);
void	session_restart(void);			/* new connection settings */
void	session_retry_now(void);		/* if waiting to reconnect */
const char *session_state(void);		/* online, connecting, offline */
/* Why we are not online (and when we try next); NULL when online. */
const char *session_why_offline(void);
const char *session_bound_jid(void);
/* How the link was made: the server dialled (srv.h), SASL's mechanism. */
struct srv_cand;
const struct srv_cand *session_server(void);
const char *session_mechanism(void);
/* For the parts that build stanzas: */
xmpp_ctx_t *session_ctx(void);
int	session_bound(void);
/* Sends st (and releases it); a no-op without a link. */
void	session_send(xmpp_stanza_t *st);
/* The server said something: the link is alive (for the keepalive). */
void	session_heard(void);
/* Adds <show/>, <status/> and <priority/> of our own presence. */
void	session_own_presence(xmpp_stanza_t *presence);
/* The answer (type result or error) to an IQ request; NULL: link lost. */
typedef void (*session_iq_fn)(xmpp_stanza_t *answer, void *arg);
/*
 * Sends an IQ request (its id is set here; released) and hands the answer
 * to fn, once, if it comes from the JID asked (the server if no "to");
 * -1 without a link (nothing sent, fn never called).
 */
int	session_send_iq(xmpp_stanza_t *iq, session_iq_fn fn, void *arg);
/* arg's owner is gone: its answers are dropped. */
void	session_cancel_iq(void *arg);

/*
 * probe.c: xmppd -t.  Logs in once (xd.acct set up, with the test
 * resource), prints what a person checking the account wants to know,
 * logs out; returns the exit status.  wakefd and stop as for
 * config_secret_stop(): a signal ends it.
 */
int	probe_run(int wakefd, int (*stop)(void));

/* queue.c: accepted messages, spooled until the server confirms them. */
#define QUEUE_GROUPCHAT	0x1
#define QUEUE_RECEIPT	0x2
#define QUEUE_OOB	0x4	/* the body is a URL: XEP-0066 too */
/* The spool has the owner's message (status 0 and its id), or failed. */
typedef void (*queue_accepted_fn)(void *owner, const char *id, int status,
    const char *err);
/* A message a client waits for (outmsg.waiter) left the queue. */
typedef void (*queue_ended_fn)(void *waiter, enum outbox_end);
void	queue_init(queue_accepted_fn, queue_ended_fn);
void	queue_load(int all);
/*
 * Prints the messages waiting in spool folder dir, one a line, without
 * changing anything (a daemon may be running): ID TO BYTES CREATED FLAGS
 * WHERE (journal, or the name of a spool file of the older format).
 */
int	queue_list(const char *dir);
/* session_hooks.online: what xmpp-send --queue left meanwhile. */
void	queue_online(void);
/*
 * Takes a message for owner (a client): 0, or an exit status and err.
 * The answer comes with queue_accepted_fn when queue_commit() has the
 * turn's messages on disk; queue_forget() if the owner goes first.
 */
int	queue_accept(void *owner, const char *to, int flags, const char *body,
	    size_t len, char *err, size_t errlen);
void	queue_forget(void *owner);
/* Spools and queues what this turn accepted; 1 if there was any. */
int	queue_commit(void);
/* Commits what is staged and lets go of the spool files (at exit). */
void	queue_stop(void);
int	queue_given_up(const char *id);
/*
 * Message id bounced with an error of this type: for "wait", while it is
 * still unconfirmed, it is sent again later; returns in how many ms (0:
 * not retried).
 */
int64_t	queue_bounced(const char *id, const char *type);
/* A message still to be confirmed (queued, or waiting to be retried). */
struct outmsg *queue_find(const char *id);
int64_t	queue_timers(int64_t now);

/* upload.c: HTTP File Upload slots (XEP-0363) for xmpp-send --file. */
/*
 * A SLOT's outcome: status 0 and the records of xmppd(8) (put, get,
 * header, cafile, capath lines) in text, or an exit status and why.
 */
typedef void (*upload_slot_fn)(void *owner, int status, const char *text,
    size_t len);
void	upload_init(upload_slot_fn);
/*
 * Asks the server's upload service (found first if need be) for a slot
 * for owner: 0 (the answer comes through upload_slot_fn, never from
 * within this call), or an exit status and err at once.
 */
int	upload_slot(void *owner, const char *name, unsigned long long size,
	    const char *type, int64_t deadline, char *err, size_t errlen);
void	upload_cancel(void *owner);
/* session_hooks.lost: the service is looked for again on the next link. */
void	upload_link_lost(void);
int64_t	upload_timers(int64_t now);
void	upload_stop(void);

/* muc.c: group chat rooms, remembered across reconnects and restarts. */
/* A JOIN's outcome: status 0, or an exit status and the room's why. */
typedef void (*muc_joined_fn)(void *waiter, int status, const char *why);
void	muc_init(muc_joined_fn);
void	muc_load(void);
int	muc_join(const char *room, const char *nick, const char *password,
	    void *waiter, int64_t deadline);
int	muc_leave(const char *room);
int	muc_is_room(const char *bare);
/*
 * Each room we are in or entering, for INFO: its JID, our nick (the one
 * asked for until the room lets us in), "joined", "joining" or "out",
 * and for "out" why (else "").
 */
typedef void (*muc_room_fn)(const char *jid, const char *nick,
	    const char *state, const char *why, void *arg);
void	muc_foreach(muc_room_fn, void *arg);
/*
 * 0 if group messages to room bare are taken now, else the exit status
 * and why: we were put out of it (a kick, a ban) or it refused to let us
 * back in, and we have not tried to enter since.  Always 0 offline: the
 * messages then wait for the rejoin at the next login.
 */
int	muc_shut_out(const char *bare, const char **why);
void	muc_rejoin(void);
void	muc_presence_changed(void);
void	muc_link_lost(void);
int64_t	muc_timers(int64_t now);
void	muc_cancel(void *waiter);
void	muc_free(void);
/* A presence from a room (1), handled; or not from a room (0). */
int	muc_presence(xmpp_stanza_t *st, const char *bare,
	    const char *resource, const char *type);
/* Room history, our own echo or the room itself: not for xmpp-recv. */
int	muc_skip_message(xmpp_stanza_t *st, const char *bare,
	    const char *resource);

/* message.c: incoming messages. */
/* A delivery receipt (XEP-0184) for our message id arrived. */
typedef void (*message_receipt_fn)(const char *id);
void	message_init(message_receipt_fn);
int	message_handler(xmpp_conn_t *, xmpp_stanza_t *, void *);

/* presence.c: presence and the roster on the wire. */
/* The pace of subscription requests, and the contacts who refused. */
void	presence_init(void);
void	presence_free(void);
int64_t	presence_timers(int64_t now);
int	presence_handler(xmpp_conn_t *, xmpp_stanza_t *, void *);
/* session_hooks.roster_loaded: presence, rooms, autoregister, autoprune. */
void	presence_roster_loaded(xmpp_stanza_t *query);
/* session_hooks.roster_items: items of a roster push, into the roster. */
void	presence_roster_items(xmpp_stanza_t *query);
/* session_hooks.lost: nobody's presence is known any more. */
void	presence_link_lost(void);
/* Our own presence changed: tell the server and the rooms. */
void	presence_changed(void);
/* A buddy= line was added (SIGHUP): subscribe if autoregister. */
void	presence_buddy_added(const char *bare);

/* reload.c: SIGHUP. */
void	reload(const char *conf_opt, const char *account, int debug_opt);

/* requests.c: the local socket's requests (see control.h). */
extern const struct control_ops request_ops;
int64_t	request_timers(int64_t now);
/* The answers to requests that wait, handed to the parts below. */
int	request_delivered(void *owner, const char *body, size_t len,
	    const char *tag);			/* inbox_deliver_fn */
void	request_accepted(void *owner, const char *id, int status,
	    const char *err);			/* queue_accepted_fn */
void	request_message_ended(void *owner, enum outbox_end);
						/* queue_ended_fn */
void	request_joined(void *owner, int status, const char *why);
						/* muc_joined_fn */
void	request_slotted(void *owner, int status, const char *text,
	    size_t len);			/* upload_slot_fn */
void	request_receipt(const char *id);	/* message_receipt_fn */

#endif
