/* xmppd.h: the daemon's shared state and the interfaces between its parts. */
#ifndef XMPPD_H
#define XMPPD_H

#include <poll.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "inbox.h"
#include "outbox.h"
#include "roster.h"

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

/* Outcome of a login attempt, as xmppd's exit status (0: logged in). */
enum login_state { LOGIN_PENDING = -1, LOGIN_OK = 0 };

/* session.c: the XMPP side. */
void	session_init(void);
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
void	session_presence_changed(void);
void	session_buddy_added(const char *bare);
const char *session_state(void);		/* online, connecting, offline */
const char *session_bound_jid(void);

/* muc.c: group chat rooms, remembered across reconnects and restarts. */
void	muc_load(void);
int	muc_join(const char *room, const char *nick, const char *password,
	    void *waiter, int64_t deadline);
int	muc_leave(const char *room);
int	muc_is_room(const char *bare);
void	muc_rejoin(void);
void	muc_presence_changed(void);
void	muc_link_lost(void);
int64_t	muc_timers(int64_t now);
void	muc_cancel(void *waiter);
void	muc_free(void);

/* hook.c: a program run for each incoming message. */
void	hook_message(const char *from, const char *type, const char *id,
	    const char *body, size_t len);
int64_t	hook_timers(int64_t now);
void	hook_stop(void);

/* reload.c: SIGHUP. */
void	reload(const char *conf_opt, const char *account, int debug_opt);

/* queue.c: accepted messages, spooled until the server confirms them. */
void	queue_load(int all);
#define QUEUE_GROUPCHAT	0x1
#define QUEUE_RECEIPT	0x2
/*
 * Takes a message for owner (a client): 0, or an exit status and err.
 * The answer comes with control_accepted() when queue_commit() has the
 * turn's messages on disk; queue_forget() if the owner goes first.
 */
int	queue_accept(void *owner, const char *to, int flags, const char *body,
	    size_t len, char *err, size_t errlen);
void	queue_forget(void *owner);
/* Spools and queues what this turn accepted; 1 if there was any. */
int	queue_commit(void);
void	queue_done(struct outbox *, struct outmsg *, enum outbox_end);
/* Commits what is staged and lets go of the spool files (at exit). */
void	queue_stop(void);
int	queue_given_up(const char *id);
int64_t	queue_timers(int64_t now);

/* control.c: the local socket side. */
int	control_init(const char *path, int group_set, gid_t gid, char *err,
	    size_t errlen);
void	control_deliver(void *owner, const char *body, size_t len,
	    const char *tag);
void	control_message_done(void *owner, enum outbox_end);
void	control_accepted(void *owner, const char *id, int status,
	    const char *err);
void	control_join_done(void *owner, int status, const char *why);
void	control_receipt(const char *id);
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
