/*
 * tls.h: what xmppd sees of the TLS session libstrophe opens (tls.c):
 * the version, cipher and certificate, and the pinned fingerprints
 * (fingerprint =, trust =) checked before anything is sent over it.
 * A tool of session.c's.
 */
#ifndef TLS_H
#define TLS_H

#include <stddef.h>
#include <strophe.h>

#include "config.h"

/* The handshake of the current connection, as far as it got. */
struct tls_info {
	int		 seen;		/* the handshake completed */
	int		 has_cert;	/* the server's certificate is known */
	char		 version[16];	/* TLSv1.3 */
	char		 cipher[64];
	char		 subject[256];
	char		 issuer[256];
	char		 names[512];	/* subject alternative names */
	char		 not_before[32];
	char		 not_after[32];
	unsigned char	 cert_sha256[PIN_LEN];	/* of the certificate (DER) */
	unsigned char	 key_sha256[PIN_LEN];	/* of its SubjectPublicKeyInfo */
	long		 verify;	/* X509_V_OK, or why the CAs did not */
	char		 verify_why[128];
	int		 pinned;	/* a pin matched */
};

/*
 * The connection conn carries the account a's trust settings.  libstrophe
 * waits for the server's side of the handshake without a timeout (and
 * through signals); give_up is asked at each turn of that wait and ends
 * it when it says so: the socket is shut down and the handshake fails.
 */
void	tls_configure(xmpp_conn_t *conn, const struct account *a,
	    int (*give_up)(void));
/* A new connection attempt: forget the last one. */
void	tls_reset(void);
/*
 * Whether OpenSSL holds bytes of the link that the socket no longer
 * shows (read ahead, or decrypted and not yet taken); when its SSL object
 * was not seen, whether the link is secured (it may).  Only while the
 * link is up: its SSL object goes with it.
 */
int	tls_buffered(int secured);
const struct tls_info *tls_info(void);
/*
 * libstrophe says TLS is up: 0, or -1 and why when a fingerprint is to be
 * checked but no handshake was seen (fail closed: nothing may be sent).
 */
int	tls_secured(char *why, size_t len);
/* Our check refused the server (a fingerprint that does not match). */
int	tls_refused(char *why, size_t len);

#endif
