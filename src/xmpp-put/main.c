/*
 * xmpp-put: the HTTP PUT of xmpp-send --file (XEP-0363), with libcurl.
 *
 * It is a program of its own so that xmpp-send links neither libcurl nor
 * the libraries libcurl pulls in, and starts as fast as ever when it
 * sends text: xmpp-send runs it only for files, once per file.  Its
 * input, as xmpp-send gives it: the file open on descriptor 3, and on
 * the standard input the records of the daemon's answer to SLOT (see
 * xmppd(8)), one per line, fields separated by tabs:
 *
 *	put URL		where to PUT the file (https only)
 *	header NAME VALUE	a header the upload service asks for
 *	cafile PATH, capath PATH	the CAs to trust instead of the system's
 *	size BYTES	the size the slot was asked for (Content-Length)
 *	type MIME	the slot's content type
 *	name NAME	the file's name, for messages
 *
 * and others, which it skips.  The server's certificate is checked the
 * way xmppd checks its XMPP link: against the account's cafile or capath
 * when given (they replace the system's store), else the system's store,
 * and its name against the URL's host.  It exits 0 once the server has
 * answered 2xx, else with the status of xmpp-send(1) and one line on the
 * standard error.  It is not meant to be run by hand.
 */
#include <curl/curl.h>
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#ifndef VERSION
#define VERSION "0.1"
#endif

#define FILE_FD		3
#define SPEC_MAX	65536
#define CONNECT_SECS	30L
#define STALL_SECS	60L	/* no progress for this long: given up */

struct spec {
	char		*put, *cafile, *capath, *type, *name;
	unsigned long long size;
	struct curl_slist *headers;
};

/* What the read callback has sent so far, against the size asked for. */
static struct {
	unsigned long long sent, size;
	int		 failed;	/* errno of a read that failed */
	int		 shrank;	/* the file ended before size */
} in;

/* Adds "NAME: VALUE" to the headers of the PUT. */
static void
add_header(struct spec *s, const char *name, const char *value)
{
	char line[8192];
	struct curl_slist *l;

	if ((size_t)snprintf(line, sizeof(line), "%s: %s", name, value) >=
	    sizeof(line))
		errx(EX_PROTOCOL, "a header of the upload slot is too long");
	if ((l = curl_slist_append(s->headers, line)) == NULL)
		err(EX_OSERR, "malloc");
	s->headers = l;
}

static char *
copy(const char *s)
{
	char *c = strdup(s);

	if (c == NULL)
		err(EX_OSERR, "malloc");
	return c;
}

/* One record of the input. */
static void
take_record(struct spec *s, char *line)
{
	char *f[3] = { line, NULL, NULL }, *p, *end;
	int n;

	for (n = 1; n < 3 && (p = strchr(f[n - 1], '\t')) != NULL; n++) {
		*p = '\0';
		f[n] = p + 1;
	}
	if (n < 2)
		return;
	if (strcmp(f[0], "put") == 0)
		s->put = copy(f[1]);
	else if (strcmp(f[0], "header") == 0 && n == 3)
		add_header(s, f[1], f[2]);
	else if (strcmp(f[0], "cafile") == 0)
		s->cafile = copy(f[1]);
	else if (strcmp(f[0], "capath") == 0)
		s->capath = copy(f[1]);
	else if (strcmp(f[0], "type") == 0)
		s->type = copy(f[1]);
	else if (strcmp(f[0], "name") == 0)
		s->name = copy(f[1]);
	else if (strcmp(f[0], "size") == 0) {
		errno = 0;
		s->size = strtoull(f[1], &end, 10);
		if (errno != 0 || *end != '\0' || s->size == 0)
			errx(EX_PROTOCOL, "bad size record '%s'", f[1]);
	}
	/*
	 * A fingerprint pin (issue 12) would come as "pin sha256//BASE64"
	 * and go to CURLOPT_PINNEDPUBLICKEY in put_setup().
	 */
}

static void
read_spec(struct spec *s)
{
	static char data[SPEC_MAX + 1];
	size_t len = 0;
	ssize_t r;
	char *line, *nl;

	memset(s, 0, sizeof(*s));
	while ((r = read(STDIN_FILENO, data + len, SPEC_MAX - len)) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			err(EX_IOERR, "reading the slot");
		if ((len += (size_t)r) == SPEC_MAX)
			errx(EX_PROTOCOL, "the slot is too long");
	}
	data[len] = '\0';
	for (line = data; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		*nl = '\0';
		take_record(s, line);
	}
	if (s->put == NULL || s->size == 0 || s->name == NULL)
		errx(EX_PROTOCOL, "the slot lacks its put, size or name record");
	if (s->type != NULL)
		add_header(s, "Content-Type", s->type);
	/* The body is sent at once: no wait for "100 Continue". */
	add_header(s, "Expect", "");
}

/* CURLOPT_READFUNCTION: the file, never more than the size asked for. */
static size_t
read_file(char *buf, size_t size, size_t n, void *arg)
{
	unsigned long long left = in.size - in.sent;
	size_t want = size * n;
	ssize_t r;

	(void)arg;
	if (want > left)
		want = (size_t)left;
	if (want == 0)
		return 0;
	do
		r = read(FILE_FD, buf, want);
	while (r == -1 && errno == EINTR);
	if (r == -1) {
		in.failed = errno;
		return CURL_READFUNC_ABORT;
	}
	if (r == 0) {
		in.shrank = 1;
		return CURL_READFUNC_ABORT;
	}
	in.sent += (unsigned long long)r;
	return (size_t)r;
}

/* CURLOPT_WRITEFUNCTION: the answer's body ("Upload successful.") is
 * not for the user's stdout. */
static size_t
discard(char *buf, size_t size, size_t n, void *arg)
{
	(void)buf, (void)arg;
	return size * n;
}

static void
put_setup(CURL *h, struct spec *s, char *errbuf)
{
	static char agent[] = "xmpp-send/" VERSION;

	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_URL, s->put);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, agent);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	/* A known size: Content-Length, never chunked (Prosody refuses it). */
	curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)s->size);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_file);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, s->headers);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, CONNECT_SECS);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, STALL_SECS);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	/* The account's CAs replace the system's, as for the XMPP link. */
	if (s->cafile != NULL || s->capath != NULL) {
		curl_easy_setopt(h, CURLOPT_CAINFO, s->cafile);
		curl_easy_setopt(h, CURLOPT_CAPATH, s->capath);
	}
}

/* The exit status for a transfer that failed, as xmpp-send(1) says. */
static int
curl_status(CURLcode rc)
{
	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		return EX_UNAVAILABLE;
	case CURLE_READ_ERROR:
	case CURLE_ABORTED_BY_CALLBACK:
		return EX_IOERR;
	case CURLE_OUT_OF_MEMORY:
		return EX_OSERR;
	default:		/* refused, reset, cut short, timed out */
		return EX_TEMPFAIL;
	}
}

/* The exit status for an HTTP answer that is not 2xx. */
static int
http_status(long code)
{
	if (code == 413)
		return EX_DATAERR;	/* not the size the slot was for */
	if (code == 401 || code == 403)
		return EX_NOPERM;
	if (code == 408 || code == 410 || code == 429 || code >= 500)
		return EX_TEMPFAIL;	/* try again, with a new slot */
	return EX_UNAVAILABLE;
}

int
main(int argc, char **argv)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct spec s;
	struct stat st;
	CURLcode rc;
	CURL *h;
	long code = 0;
	int status = 0;

	(void)argc;
	if (fstat(FILE_FD, &st) == -1)
		errx(EX_USAGE, "not meant to be run by hand: %s is run by "
		    "xmpp-send --file", argv[0]);
	read_spec(&s);
	in.size = s.size;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 ||
	    (h = curl_easy_init()) == NULL)
		errx(EX_OSERR, "cannot start libcurl");
	put_setup(h, &s, errbuf);
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	if (in.failed != 0) {
		status = EX_IOERR;
		warnx("%s: reading it failed: %s", s.name, strerror(in.failed));
	} else if (in.shrank) {
		status = EX_IOERR;
		warnx("%s: the file shrank while it was sent", s.name);
	} else if (rc != CURLE_OK) {
		status = curl_status(rc);
		warnx("%s: upload failed: %s", s.name,
		    *errbuf ? errbuf : curl_easy_strerror(rc));
	} else if (code < 200 || code > 299) {
		status = http_status(code);
		warnx("%s: the upload service answered HTTP %ld", s.name, code);
	}
	curl_easy_cleanup(h);
	curl_slist_free_all(s.headers);
	curl_global_cleanup();
	free(s.put);
	free(s.cafile);
	free(s.capath);
	free(s.type);
	free(s.name);
	return status;
}
