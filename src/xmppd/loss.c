/*
 * loss.c: why a link ended, in words a person can act on, and what that
 * means for the daemon (the exit status of a first login, how long to
 * wait before the next attempt, whether the messages in flight are to
 * blame).  session.c feeds it what libstrophe says during an attempt:
 * its log lines (the only place some failures show), the stream error,
 * the error code of the disconnect; loss_describe() then tells the tale.
 *
 * libstrophe's disconnect code is an errno before TLS is up and one of
 * OpenSSL's SSL_ERROR_* codes after (or ECONNABORTED for a failed
 * write), so it is never printed as an errno once TLS was up.
 */
#include <errno.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "loss.h"

static struct {
	int	 connect_errno;	/* a refused connect, from the debug log */
	int	 auth_failed;	/* the server refused our credentials */
	int	 tls_failed;	/* the TLS handshake or certificate failed */
	int	 certfail;	/* ...because of the certificate */
	int	 starttls_refused;	/* <failure/> to our <starttls/> */
	int	 no_starttls;	/* TLS not offered at all */
	int	 tls_up;	/* TLS was established */
	int	 bind_failed;	/* the server refused our resource */
	char	 cond[48];	/* the stream error's condition, if any */
	char	 text[200];	/* ...and its text */
	char	 said[256];	/* libstrophe's last warning */
	char	 refused[1024];	/* our own check refused the server */
	char	 dropped[128];	/* we dropped the link: why */
} l;

void
loss_reset(void)
{
	memset(&l, 0, sizeof(l));
}

int
loss_note_log(int warn, const char *area, const char *msg)
{
	/* A refused connection is only reported at debug level. */
	if (strncmp(msg, "connection failed, error ", 25) == 0)
		l.connect_errno = atoi(msg + 25);
	/* libstrophe would try the next mechanism: one refusal is enough. */
	if (strncmp(msg, "SASL ", 5) == 0 && strstr(msg, " auth failed")) {
		l.auth_failed = 1;
		return LOSS_STOP;
	}
	/* Refused STARTTLS: the server would close, in its own time. */
	if (strcmp(msg, "handle proceedtls called for failure") == 0) {
		l.starttls_refused = 1;
		return LOSS_STOP;
	}
	if (strncmp(msg, "Couldn't start TLS", 18) == 0)
		l.tls_failed = 1;
	if (strcmp(msg, "Binding failed.") == 0)
		l.bind_failed = 1;
	if (!warn)
		return 0;
	if (strstr(msg, "authenticate") != NULL ||
	    strstr(msg, "not-authorized") != NULL)
		l.auth_failed = 1;
	else if (strstr(msg, "set as mandatory") != NULL)
		l.no_starttls = 1;
	else if (strcmp(area, "tls") == 0 || strstr(msg, "ertificate")) {
		l.tls_failed = 1;
		if (strstr(msg, "certfail") != NULL)
			l.certfail = 1;
	}
	snprintf(l.said, sizeof(l.said), "%s", msg);
	return 0;
}

void
loss_note_tls(void)
{
	l.tls_up = 1;
}

void
loss_note_dropped(const char *why)
{
	snprintf(l.dropped, sizeof(l.dropped), "%s", why);
}

void
loss_note_refused(const char *why)
{
	snprintf(l.refused, sizeof(l.refused), "%s", why);
}

void
loss_note_stream_error(const char *cond, const char *text)
{
	snprintf(l.cond, sizeof(l.cond), "%s", cond ? cond : "");
	snprintf(l.text, sizeof(l.text), "%s", text ? text : "");
}

/*
 * Stream errors a stanza of ours can provoke (RFC 6120 4.9.3): after one
 * of these, the messages in flight are suspects.  The others (the server
 * going down, a conflict, a timeout) say nothing about our messages.
 */
static int
blames_us(const char *cond)
{
	static const char *ours[] = { "not-well-formed", "invalid-xml",
		"bad-format", "policy-violation", "restricted-xml",
		"invalid-namespace", "bad-namespace-prefix",
		"unsupported-stanza-type", "improper-addressing",
		"unsupported-encoding", "invalid-from" };
	size_t i;

	for (i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
		if (strcmp(cond, ours[i]) == 0)
			return 1;
	return 0;
}

/* What an OpenSSL error code (as libstrophe gives it) means for a link. */
static const char *
tls_code(int code)
{
	switch (code) {
	case SSL_ERROR_ZERO_RETURN:
		return "the server closed the connection";
	case SSL_ERROR_SYSCALL:
		return "the connection was reset";
	case SSL_ERROR_SSL:
		/* OpenSSL 3 says this of a peer gone without close_notify. */
		return "the connection broke (closed without a TLS goodbye, "
		    "or a TLS error)";
	default:
		return "a TLS error";
	}
}

/* The stream error as "condition (text)". */
static void
stream_error(char *out, size_t len)
{
	snprintf(out, len, "%s%s%s%s", l.cond, l.text[0] ? " (" : "", l.text,
	    l.text[0] ? ")" : "");
}

/* A failure before the password could be sent: TLS and its certificate. */
static int
describe_tls(const struct loss_link *k, struct loss *o)
{
	if (l.refused[0] != '\0')
		snprintf(o->msg, sizeof(o->msg), "%s: %s", k->host, l.refused);
	else if (l.no_starttls)
		snprintf(o->msg, sizeof(o->msg), "%s does not offer TLS "
		    "(STARTTLS), which xmppd requires; no password was sent",
		    k->host);
	else if (l.starttls_refused)
		snprintf(o->msg, sizeof(o->msg), "%s refused STARTTLS "
		    "(<failure/>), which xmppd requires; no password was sent",
		    k->host);
	else if (l.certfail)
		snprintf(o->msg, sizeof(o->msg), "the server's certificate "
		    "could not be verified for %s (unknown CA, wrong name or "
		    "expired); trust its CA with cafile or capath", k->domain);
	else if (l.tls_failed && k->direct && !k->cert)
		snprintf(o->msg, sizeof(o->msg), "direct TLS with %s port %u "
		    "failed before any certificate came (is it a STARTTLS "
		    "port? then set directtls = no, or give the port of direct "
		    "TLS); no password was sent", k->host, k->port);
	else if (l.tls_failed)
		snprintf(o->msg, sizeof(o->msg), "TLS with %s failed%s%s",
		    k->domain, l.said[0] ? ": " : "", l.said);
	else
		return 0;
	o->kind = LOSS_TLS;
	o->status = EX_UNAVAILABLE;
	return 1;
}

/* We gave up on a server that did not answer in time. */
static void
no_answer(const struct loss_link *k, struct loss *o)
{
	snprintf(o->msg, sizeof(o->msg), "no answer from %s port %u: %s",
	    k->host, k->port, l.dropped);
}

void
loss_describe(const struct loss_link *k, int error, struct loss *o)
{
	char se[256];

	memset(o, 0, sizeof(*o));
	o->kind = LOSS_NETWORK;
	o->status = EX_TEMPFAIL;
	stream_error(se, sizeof(se));
	if (l.auth_failed) {
		o->kind = LOSS_AUTH;
		o->status = EX_NOPERM;
		snprintf(o->msg, sizeof(o->msg), "authentication failed for "
		    "%s: wrong password or unknown user", k->jid);
	} else if (strcmp(l.cond, "conflict") == 0) {
		o->kind = LOSS_CONFLICT;
		o->status = EX_CANTCREAT;
		snprintf(o->msg, sizeof(o->msg), "another client logged in as "
		    "%s, and the server closed our stream (conflict): is "
		    "Asterisk's res_xmpp still loaded, or another xmppd? give "
		    "one of them another resource", k->jid);
	} else if (l.bind_failed) {
		o->kind = LOSS_CONFLICT;
		o->status = EX_CANTCREAT;
		snprintf(o->msg, sizeof(o->msg), "the server refused to bind "
		    "%s: another client may be logged in with that resource "
		    "(is Asterisk's res_xmpp still loaded, or another xmppd?); "
		    "give one of them another resource", k->jid);
	} else if (l.dropped[0] != '\0' && l.tls_failed && !l.tls_up)
		/* Our deadline ended a handshake the server left unanswered. */
		no_answer(k, o);
	else if (describe_tls(k, o))
		;
	else if (l.cond[0] != '\0') {
		o->blame = blames_us(l.cond);
		snprintf(o->cond, sizeof(o->cond), "%s", l.cond);
		snprintf(o->msg, sizeof(o->msg), "%s ended the stream%s: %s",
		    k->host, k->up ? "" : " before login", se);
		/* A server that speaks but ends the stream before login: 76. */
		if (!k->up)
			o->status = EX_PROTOCOL;
	} else if (l.dropped[0] != '\0' && !k->up && !l.tls_up)
		/* Our own deadline, not what the socket said after it. */
		no_answer(k, o);
	else if (k->up || l.tls_up)
		snprintf(o->msg, sizeof(o->msg), "lost the connection to %s: "
		    "%s", k->host, l.tls_up && error > 0 && error < 64 ?
		    tls_code(error) : error != 0 ? strerror(error) :
		    "the server closed it");
	else if ((error != 0 ? error : l.connect_errno) != 0)
		snprintf(o->msg, sizeof(o->msg), "cannot reach %s port %u: %s%s",
		    k->host, k->port, strerror(error ? error : l.connect_errno),
		    error == ECONNRESET && !k->direct ? " (if that port "
		    "speaks TLS from the first byte, set directtls = yes)" : "");
	else
		snprintf(o->msg, sizeof(o->msg), "connection to %s closed%s%s",
		    k->host, l.said[0] ? ": " : "", l.said);
	o->early = o->kind == LOSS_NETWORK && !k->up && !l.tls_up &&
	    l.cond[0] == '\0';
}
