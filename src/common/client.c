/*
 * client.c: connecting to xmppd and speaking its protocol, for the clients.
 *
 * A client does one request and exits, so every failure here ends the
 * process with the sysexits status that xmppd(8) documents.
 */
#include "client.h"

#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sysexits.h>
#include <unistd.h>

#include "jid.h"
#include "sockdir.h"

void
client_check_account(const char *account)
{
	const char *why;

	if ((why = account_check(account)) != NULL)
		errx(EX_USAGE, "bad account name '%s': %s", account, why);
}

void
client_check_jid(const char *s, int need_node)
{
	struct jid j;
	const char *why;

	if ((why = jid_parse(s, need_node ? JID_NEED_NODE : 0, &j)) != NULL)
		errx(EX_DATAERR, "bad JID '%s': %s", s, why);
}

#ifndef VERSION
#define VERSION "0.1"
#endif

static int reply_parse(struct client *, char *, char **);

char *client_sockdir;
static int client_version;
/* Kept here so that it stays reachable when a client exits early. */
poptContext client_pc;

struct poptOption client_options[] = {
	{ "socket-dir", 'S', POPT_ARG_STRING, &client_sockdir, 0,
	    "socket folder", "DIR" },
	{ "version", 'V', POPT_ARG_NONE, &client_version, 0,
	    "print the version and exit", NULL },
	POPT_TABLEEND
};

poptContext
client_popt(const char *name, int argc, const char **argv,
    struct poptOption *opts, const char *operands)
{
	poptContext pc;
	int rc;

	/* Options end at the first operand: message words may start with -. */
	pc = client_pc = poptGetContext(name, argc, argv, opts,
	    POPT_CONTEXT_POSIXMEHARDER);
	poptSetOtherOptionHelp(pc, operands);
	if ((rc = poptGetNextOpt(pc)) < -1)
		errx(EX_USAGE, "%s: %s", poptBadOption(pc, 0), poptStrerror(rc));
	if (client_version) {
		printf("%s %s (protocol %d)\n", name, VERSION, PROTO_VERSION);
		exit(0);
	}
	return pc;
}

void
client_usage(poptContext pc)
{
	poptPrintUsage(pc, stderr, 0);
	exit(EX_USAGE);
}

void
client_json_string(const char *s, size_t len)
{
	size_t i;

	putchar('"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\r')
			fputs("\\r", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void
client_fill(struct client *c)
{
	char tmp[8192];
	ssize_t n;

	do
		n = read(c->fd, tmp, sizeof(tmp));
	while (n == -1 && errno == EINTR);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		errx(EX_TEMPFAIL, "account %s: the daemon did not answer in time "
		    "(socket %s)", c->account, c->path);
	if (n == -1)
		err(EX_UNAVAILABLE, "account %s: reading from %s", c->account,
		    c->path);
	if (n == 0)
		errx(EX_UNAVAILABLE, "account %s: the daemon closed the "
		    "connection (socket %s)", c->account, c->path);
	if (buf_append(&c->in, tmp, (size_t)n) == -1)
		err(EX_OSERR, "reading reply");
}

/* Returns the next line from the daemon, NUL-terminated, consumed. */
static char *
client_line(struct client *c)
{
	static char line[PROTO_LINE_MAX];
	size_t used;
	ssize_t n;

	while ((n = proto_line(&c->in, &used)) == PROTO_MORE)
		client_fill(c);
	if (n == PROTO_TOOLONG)
		errx(EX_PROTOCOL, "account %s: overlong line from the daemon",
		    c->account);
	memcpy(line, c->in.data, (size_t)n + 1);
	buf_consume(&c->in, used);
	return line;
}

void
client_open(struct client *c, const char *sockdir, const char *account,
    double wait_secs)
{
	if (client_try_open(c, sockdir, account, wait_secs) == -1)
		errx(EX_UNAVAILABLE, "account %s: no daemon running (%s: %s)",
		    account, c->path, strerror(errno));
}

int
client_try_open(struct client *c, const char *sockdir, const char *account,
    double wait_secs)
{
	struct sockaddr_un sun;
	struct timeval tv;
	char *greet, *words[4];
	unsigned long version;
	int status;

	memset(c, 0, sizeof(*c));
	c->account = account;
	/* A daemon that went away is an error message, not a silent death. */
	signal(SIGPIPE, SIG_IGN);
	if (sockdir_client(sockdir, account, c->path, sizeof(c->path)) == -1)
		errx(EX_USAGE, "account %s: socket path too long", account);
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		err(EX_OSERR, "socket");
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, c->path, strlen(c->path) + 1);
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		if (errno == EACCES || errno == EPERM)
			errx(EX_NOPERM, "account %s: permission denied on %s",
			    account, c->path);
		if (errno == ENOENT || errno == ECONNREFUSED) {
			int saved = errno;
			close(c->fd);
			errno = saved;
			return -1;
		}
		err(EX_UNAVAILABLE, "account %s: %s", account, c->path);
	}
	tv.tv_sec = (time_t)wait_secs;
	tv.tv_usec = (suseconds_t)((wait_secs - (double)tv.tv_sec) * 1e6);
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

	greet = client_line(c);
	if (strncmp(greet, "ERR ", 4) == 0) {
		status = reply_parse(c, greet, &greet);
		errx(status, "account %s: %s", account, greet);
	}
	if (proto_split(greet, words, 4) != 3 || strcmp(words[0], "XMPPD") ||
	    proto_number(words[1], 1000000, &version) == -1)
		errx(EX_PROTOCOL, "account %s: %s does not look like an xmppd "
		    "socket", account, c->path);
	if (version != PROTO_VERSION)
		errx(EX_PROTOCOL, "account %s: protocol mismatch: the daemon "
		    "speaks version %lu, this client version %d", account,
		    version, PROTO_VERSION);
	return 0;
}

/* Writes all of iov, in as few system calls as the socket allows. */
static void
client_writev(struct client *c, struct iovec *iov, int n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = writev(c->fd, iov, n)) == -1) {
			if (errno == EINTR)
				continue;
			err(EX_UNAVAILABLE, "account %s: writing to %s",
			    c->account, c->path);
		}
		for (; n > 0 && (size_t)w >= iov->iov_len; iov++, n--)
			w -= (ssize_t)iov->iov_len;
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
}

void
client_write(struct client *c, const char *p, size_t len)
{
	struct iovec iov = { (void *)p, len };

	client_writev(c, &iov, 1);
}

/* The line, its newline and the body go out in one write. */
void
client_request(struct client *c, const char *line, const char *body,
    size_t bodylen)
{
	struct iovec iov[3] = {
		{ (void *)line, strlen(line) },
		{ "\n", 1 },
		{ (void *)body, bodylen },
	};

	client_writev(c, iov, 3);
}

/* Parses "OK [text]" (returns 0) or "ERR <status> <text>" (returns status). */
static int
reply_parse(struct client *c, char *line, char **text)
{
	char *sp;
	unsigned long status;

	if (strcmp(line, "OK") == 0 || strncmp(line, "OK ", 3) == 0) {
		*text = line[2] ? line + 3 : line + 2;
		return 0;
	}
	if (strncmp(line, "ERR ", 4) == 0 && (sp = strchr(line + 4, ' ')) != NULL) {
		*sp = '\0';
		if (proto_number(line + 4, 255, &status) == 0 && status != 0) {
			*text = sp + 1;
			return (int)status;
		}
	}
	errx(EX_PROTOCOL, "account %s: unexpected reply from the daemon",
	    c->account);
}

int
client_reply(struct client *c, char **text)
{
	return reply_parse(c, client_line(c), text);
}

char *
client_call(struct client *c, const char *line, const char *body,
    size_t bodylen)
{
	char *text;
	int rc;

	client_request(c, line, body, bodylen);
	if ((rc = client_reply(c, &text)) != 0)
		errx(rc, "account %s: %s", c->account, text);
	return text;
}

char *
client_body(struct client *c, size_t len)
{
	char *body;

	while (c->in.len < len + 1)
		client_fill(c);
	if (c->in.data[len] != '\n')
		errx(EX_PROTOCOL, "account %s: malformed body from the daemon",
		    c->account);
	if ((body = malloc(len + 1)) == NULL)
		err(EX_OSERR, "malloc");
	memcpy(body, c->in.data, len);
	body[len] = '\0';
	buf_consume(&c->in, len + 1);
	return body;
}

void
client_close(struct client *c)
{
	close(c->fd);
	c->fd = -1;
	buf_free(&c->in);
}
