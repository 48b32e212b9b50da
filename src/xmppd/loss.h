/*
 * loss.h: why a link ended (loss.c), from what libstrophe said during the
 * attempt.  A tool of session.c's; it knows nothing of the daemon.
 */
#ifndef LOSS_H
#define LOSS_H

#include <stddef.h>

/* How a link ended, as far as what to do next is concerned. */
enum loss_kind {
	LOSS_NETWORK,	/* unreachable, cut, timed out, server down... */
	LOSS_AUTH,	/* the server refused our credentials */
	LOSS_CONFLICT,	/* another client took our full JID */
	LOSS_TLS	/* no TLS, refused TLS, certificate not trusted */
};

/* What loss_describe() needs to know of the link. */
struct loss_link {
	const char	*host;		/* as we dialled it */
	unsigned	 port;
	const char	*domain;	/* the JID's */
	const char	*jid;		/* ours, in full */
	int		 up;		/* we were logged in */
	int		 direct;	/* direct TLS, else STARTTLS */
	int		 cert;		/* a certificate was received */
};

struct loss {
	enum loss_kind	 kind;
	int		 status;	/* exit status, were it the first login */
	int		 blame;		/* a stream error our stanzas can cause */
	int		 early;		/* nothing answered before TLS: another
					   server of the domain may do */
	char		 cond[48];	/* ...its condition */
	char		 msg[1024];	/* one line for the log */
};

/* A new attempt: forget what the last one said. */
void	loss_reset(void);

/*
 * A libstrophe log line (warn: level WARN or above).  Returns LOSS_STOP
 * when the attempt must end now: after a refused password (libstrophe
 * would try every other mechanism, and each refusal counts with
 * fail2ban) and after a refused STARTTLS.
 */
#define LOSS_STOP	1
int	loss_note_log(int warn, const char *area, const char *msg);
/* TLS is up on this link. */
void	loss_note_tls(void);
/* We dropped the link ourselves (a deadline passed): why. */
void	loss_note_dropped(const char *why);
/* Our own check refused the server (a pinned fingerprint): why. */
void	loss_note_refused(const char *why);
/* The server sent a stream error. */
void	loss_note_stream_error(const char *cond, const char *text);

/* How the link ended, given libstrophe's disconnect code. */
void	loss_describe(const struct loss_link *, int error, struct loss *);

#endif
