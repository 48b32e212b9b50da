/*
 * srv.h: where to connect (srv.c): the servers a domain publishes in DNS
 * SRV records (RFC 6120, XEP-0368), or the one configured, and their
 * addresses.  A tool of session.c's; it knows nothing of the daemon.
 */
#ifndef SRV_H
#define SRV_H

#include <stdio.h>

#define SRV_NAME_MAX	256

/* What the account says of its server. */
struct srv_plan {
	const char	*domain;	/* the JID's */
	const char	*serverhost;	/* NULL: none */
	unsigned	 port;		/* the effective port (config.c) */
	int		 directtls;	/* 1 yes, 0 no, -1 not set */
};

/* One address of one server: what to dial next. */
struct srv_cand {
	char		 label[SRV_NAME_MAX + 64];	/* "host (address)" */
	char		 addr[64];	/* numeric */
	unsigned	 port;
	int		 direct;	/* direct TLS, else STARTTLS */
};

/*
 * A new round: looks up the SRV records when the plan asks for them (DNS
 * blocks, at most SRV_DNS_TIMEOUT seconds per try and SRV_DNS_TRIES tries
 * per name server, for each of the two names), and orders the servers.
 */
#define SRV_DNS_TIMEOUT	2
#define SRV_DNS_TRIES	2
void	srv_begin(const struct srv_plan *);

/*
 * The next candidate of the round (1), resolving its server's name when
 * it comes to it (a name that does not resolve is passed over, and said
 * why); or 0 when none is left: then srv_why_none() says why, when the
 * round had no candidate at all.
 */
int	srv_next(struct srv_cand *);
/* 1 if the round may have another candidate after this one. */
int	srv_more(void);
/* Why the round had nothing to try (NULL if it had); *final: "." said so. */
const char *srv_why_none(int *final);

/* What became of the current candidate (for srv_report). */
void	srv_note(const char *outcome);

/* For xmppd -t: the records found, and each candidate tried and how. */
void	srv_report(FILE *fp);

#endif
