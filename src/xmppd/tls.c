/*
 * tls.c: what xmppd sees of the TLS session libstrophe opens, and the
 * pinned fingerprints (fingerprint =, trust =) checked on it.
 *
 * libstrophe 0.12 shows nothing of its TLS session: no SSL object, no
 * version or cipher, no hook once the handshake is done.  So xmppd
 * defines SSL_connect() itself.  libstrophe's library refers to
 * SSL_connect as an undefined symbol, and the dynamic linker binds such a
 * reference to the first definition in the process's search order, which
 * begins with the executable: libstrophe's call comes here, and the real
 * one is reached through dlsym(RTLD_NEXT).  (The executable exports the
 * symbol because a library it links refers to it; t0185 checks both
 * that and a refused pin.)  Only the SSL objects of our own connection
 * are looked at: libstrophe marks them with the connection
 * (SSL_set_app_data); any other caller passes straight through.
 *
 * When the handshake completes, the certificate's two SHA-256 digests
 * (of the DER certificate and of its SubjectPublicKeyInfo, as msmtp's
 * tls_fingerprint and HPKP pins) are compared with the pins; on a
 * mismatch the socket is shut down and SSL_connect() fails, so libstrophe
 * drops the connection before a byte of XMPP, let alone the password,
 * goes over it.  With trust = fingerprint the certificate need not be
 * verified by a CA: libstrophe's certfail handler then accepts the CA's
 * refusal (and a name that does not match), but only from inside
 * SSL_connect(), where the pin is checked next.  Whatever happens, a pin
 * that was never checked refuses the link (tls_secured()): a libstrophe
 * built with another TLS library would never call this SSL_connect().
 *
 * libstrophe runs the handshake to its end in one call, calling
 * SSL_connect() again every 0.1 s while the server is silent, with no
 * timeout and through signals.  Each of those calls asks session.c's
 * give_up(); when it says so (the login deadline, a signal to stop), the
 * socket is shut down and the handshake fails.
 */
#include "tls.h"

#include <dlfcn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "log.h"

static struct {
	xmpp_conn_t	*conn;		/* whose SSL objects we look at */
	enum trust	 trust;
	unsigned char	 pins[PINS_MAX][PIN_LEN];
	size_t		 npins;
	int		 in_connect;	/* inside libstrophe's SSL_connect() */
	int		(*give_up)(void);	/* the handshake waits too long */
	SSL		*ssl;		/* the link's, once seen; reset per link */
	struct tls_info	 info;
	char		 refused[1024];
} t;

/* "CN=localhost" */
static void
name_text(const X509_NAME *name, char *out, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	int n;

	out[0] = '\0';
	if (b == NULL)
		return;
	X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253);
	n = BIO_read(b, out, (int)len - 1);
	out[n > 0 ? n : 0] = '\0';
	BIO_free(b);
}

static void
time_text(const ASN1_TIME *at, char *out, size_t len)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (ASN1_TIME_to_tm(at, &tm) != 1 ||
	    strftime(out, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(out, len, "?");
}

/* "DNS:localhost, DNS:conference.localhost" */
static void
names_text(X509 *cert, char *out, size_t len)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(cert, NID_subject_alt_name,
	    NULL, NULL);
	const GENERAL_NAME *g;
	const unsigned char *ip;
	char a[64];
	size_t o = 0;
	int i;

	out[0] = '\0';
	for (i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens) &&
	    o < len; i++) {
		g = sk_GENERAL_NAME_value(gens, i);
		if (g->type == GEN_DNS)
			o += (size_t)snprintf(out + o, len - o, "%sDNS:%.*s",
			    o ? ", " : "", ASN1_STRING_length(g->d.dNSName),
			    (const char *)ASN1_STRING_get0_data(g->d.dNSName));
		else if (g->type == GEN_IPADD &&
		    ASN1_STRING_length(g->d.iPAddress) == 4) {
			ip = ASN1_STRING_get0_data(g->d.iPAddress);
			snprintf(a, sizeof(a), "%u.%u.%u.%u", ip[0], ip[1],
			    ip[2], ip[3]);
			o += (size_t)snprintf(out + o, len - o, "%sIP:%s",
			    o ? ", " : "", a);
		} else if (g->type == GEN_OTHERNAME)
			o += (size_t)snprintf(out + o, len - o, "%sothername",
			    o ? ", " : "");
	}
	GENERAL_NAMES_free(gens);
}

/* The two digests a pin may name. */
static void
digests(X509 *cert)
{
	unsigned char *der = NULL;
	unsigned int n = PIN_LEN;
	int len;

	X509_digest(cert, EVP_sha256(), t.info.cert_sha256, &n);
	len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
	if (len > 0)
		EVP_Digest(der, (size_t)len, t.info.key_sha256, NULL,
		    EVP_sha256(), NULL);
	OPENSSL_free(der);
}

/* The server's certificate, even from a handshake that failed. */
static void
note_cert(SSL *ssl)
{
	STACK_OF(X509) *chain;
	X509 *cert = SSL_get0_peer_certificate(ssl);

	/* A certificate the CAs refused is only in the chain received. */
	if (cert == NULL && (chain = SSL_get_peer_cert_chain(ssl)) != NULL &&
	    sk_X509_num(chain) > 0)
		cert = sk_X509_value(chain, 0);
	if (cert == NULL)
		return;
	t.info.has_cert = 1;
	name_text(X509_get_subject_name(cert), t.info.subject,
	    sizeof(t.info.subject));
	name_text(X509_get_issuer_name(cert), t.info.issuer,
	    sizeof(t.info.issuer));
	names_text(cert, t.info.names, sizeof(t.info.names));
	time_text(X509_get0_notBefore(cert), t.info.not_before,
	    sizeof(t.info.not_before));
	time_text(X509_get0_notAfter(cert), t.info.not_after,
	    sizeof(t.info.not_after));
	digests(cert);
}

static int
pin_matches(void)
{
	size_t i;

	for (i = 0; i < t.npins; i++)
		if (memcmp(t.pins[i], t.info.cert_sha256, PIN_LEN) == 0 ||
		    memcmp(t.pins[i], t.info.key_sha256, PIN_LEN) == 0)
			return 1;
	return 0;
}

/* A pin that does not match: both sides, in the form the option takes. */
static void
refuse(SSL *ssl)
{
	char pin[PIN_TEXT_LEN], cert[PIN_TEXT_LEN], key[PIN_TEXT_LEN];
	size_t i, o;

	o = (size_t)snprintf(t.refused, sizeof(t.refused), "the server's "
	    "certificate does not match the pinned fingerprint: expected ");
	for (i = 0; i < t.npins && o < sizeof(t.refused); i++) {
		config_pin_format(t.pins[i], pin, sizeof(pin));
		o += (size_t)snprintf(t.refused + o, sizeof(t.refused) - o,
		    "%s%s", i ? " or " : "", pin);
	}
	config_pin_format(t.info.cert_sha256, cert, sizeof(cert));
	config_pin_format(t.info.key_sha256, key, sizeof(key));
	if (o < sizeof(t.refused))
		snprintf(t.refused + o, sizeof(t.refused) - o, ", the server "
		    "presented certificate %s (public key %s); no password was "
		    "sent", cert, key);
	/* Not even libstrophe's goodbye may go out now. */
	shutdown(SSL_get_fd(ssl), SHUT_RDWR);
	ERR_raise(ERR_LIB_SSL, SSL_R_CERTIFICATE_VERIFY_FAILED);
}

/*
 * The server is silent, and libstrophe would call us again after 0.1 s,
 * for as long as it is: the handshake ends here.
 */
static int
end_handshake(SSL *ssl)
{
	shutdown(SSL_get_fd(ssl), SHUT_RDWR);
	ERR_raise(ERR_LIB_SSL, ERR_R_OPERATION_FAIL);
	return -1;
}

/*
 * After each call of the real SSL_connect(): is the handshake done, or
 * to be given up?
 */
static int
handshake_step(SSL *ssl, int rc)
{
	const SSL_CIPHER *c;
	int e = rc == 1 ? SSL_ERROR_NONE : SSL_get_error(ssl, rc);

	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return t.give_up != NULL && t.give_up() ? end_handshake(ssl) : rc;
	if (!t.info.has_cert)
		note_cert(ssl);
	t.info.verify = SSL_get_verify_result(ssl);
	if (t.info.verify != X509_V_OK)
		snprintf(t.info.verify_why, sizeof(t.info.verify_why), "%s",
		    X509_verify_cert_error_string(t.info.verify));
	if (rc != 1)
		return rc;
	t.info.seen = 1;
	snprintf(t.info.version, sizeof(t.info.version), "%s",
	    SSL_get_version(ssl));
	c = SSL_get_current_cipher(ssl);
	snprintf(t.info.cipher, sizeof(t.info.cipher), "%s",
	    c ? SSL_CIPHER_get_name(c) : "?");
	if (t.npins == 0)
		return 1;
	if (t.info.has_cert && pin_matches()) {
		t.info.pinned = 1;
		return 1;
	}
	refuse(ssl);
	return -1;
}

typedef int (*ssl_connect_fn)(SSL *);

/* libstrophe's call of OpenSSL's SSL_connect() (see the top). */
int
SSL_connect(SSL *ssl)
{
	static ssl_connect_fn real;
	int rc;

	if (real == NULL)
		real = (ssl_connect_fn)dlsym(RTLD_NEXT, "SSL_connect");
	if (real == NULL) {
		ERR_raise(ERR_LIB_SSL, ERR_R_INTERNAL_ERROR);
		return -1;
	}
	if (t.conn == NULL || SSL_get_app_data(ssl) != (void *)t.conn)
		return real(ssl);
	t.ssl = ssl;
	t.in_connect++;
	rc = real(ssl);
	t.in_connect--;
	return handshake_step(ssl, rc);
}

/*
 * trust = fingerprint: the CAs did not vouch for the certificate (or its
 * name is not the domain's); the pin will decide, right after.
 */
static int
certfail(const xmpp_tlscert_t *cert, const char *errormsg)
{
	(void)cert;
	if (t.in_connect) {
		log_debug("the server's certificate is not verified by a CA "
		    "(%s): its fingerprint decides", errormsg);
		return 1;
	}
	snprintf(t.refused, sizeof(t.refused), "trust = fingerprint, but "
	    "xmppd cannot see the TLS handshake to check the fingerprint (is "
	    "libstrophe built with a TLS library other than OpenSSL?); no "
	    "password was sent");
	return 0;
}

void
tls_configure(xmpp_conn_t *conn, const struct account *a,
    int (*give_up)(void))
{
	t.conn = conn;
	t.give_up = give_up;
	t.trust = a->trust;
	t.npins = a->npins;
	memcpy(t.pins, a->pins, sizeof(t.pins));
	if (a->trust == TRUST_FINGERPRINT)
		xmpp_conn_set_certfail_handler(conn, certfail);
}

void
tls_reset(void)
{
	memset(&t.info, 0, sizeof(t.info));
	t.refused[0] = '\0';
	t.in_connect = 0;
	t.ssl = NULL;
}

int
tls_buffered(int secured)
{
	if (t.ssl == NULL)
		return secured;	/* not seen: it may */
	return SSL_has_pending(t.ssl);
}

const struct tls_info *
tls_info(void)
{
	return &t.info;
}

int
tls_secured(char *why, size_t len)
{
	if (t.npins == 0 || (t.info.seen && t.info.pinned))
		return 0;
	snprintf(why, len, "a fingerprint is pinned, but xmppd did not see "
	    "the TLS handshake to check it (is libstrophe built with a TLS "
	    "library other than OpenSSL?); no password was sent");
	snprintf(t.refused, sizeof(t.refused), "%s", why);
	return -1;
}

int
tls_refused(char *why, size_t len)
{
	if (t.refused[0] == '\0')
		return 0;
	snprintf(why, len, "%s", t.refused);
	return 1;
}
