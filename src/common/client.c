/*
 * client.c: connecting to xmppd and speaking its protocol, for the clients.
 *
 * A client does one request and exits, so every failure here ends the
 * process with the sysexits status that xmppd(8) documents.  What a
 * client sends may be secret (a message, a room's password), so it talks
 * only through a socket folder that no stranger can have made, and only
 * to a daemon that runs as itself, root or the owner of that folder.
 */
#include "client.h"

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sysexits.h>
#include <unistd.h>

#include "jid.h"
#include "sockdir.h"

#ifndef VERSION
#define VERSION "0.1"
#endif

static int reply_parse(struct client *, char *, char **);
static void client_greeting(struct client *);

char *client_sockdir;
static int client_version, client_help, client_usage_only;
static const char *client_name = "xmpp", *client_synopsis = "";
/* Kept here so that it stays reachable when a client exits early. */
poptContext client_pc;

struct poptOption client_options[] = {
	{ "socket-dir", 'S', POPT_ARG_STRING, &client_sockdir, 0,
	    "socket folder", "DIR" },
	{ "version", 'V', POPT_ARG_NONE, &client_version, 0,
	    "print the version and exit", NULL },
	{ "help", 'h', POPT_ARG_NONE, &client_help, 0,
	    "print this help and exit (also -?)", NULL },
	{ NULL, '?', POPT_ARG_NONE | POPT_ARGFLAG_DOC_HIDDEN, &client_help, 0,
	    NULL, NULL },
	{ "usage", '\0', POPT_ARG_NONE, &client_usage_only, 0,
	    "print the usage line and exit", NULL },
	POPT_TABLEEND
};

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

/*
 * A descriptor 0-2 left closed by whoever started us would be taken by
 * the socket, and what we print would go to the daemon as requests.
 */
static void
open_std_fds(void)
{
	int fd;

	for (fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF &&
		    open("/dev/null", O_RDWR) != fd)
			_exit(EX_OSERR);
}

poptContext
client_popt(const char *name, int argc, const char **argv,
    struct poptOption *opts, const char *synopsis)
{
	poptContext pc;
	int rc;

	open_std_fds();
	client_name = name;
	client_synopsis = synopsis;
	/* Options end at the first operand: message words may start with -. */
	pc = client_pc = poptGetContext(name, argc, argv, opts,
	    POPT_CONTEXT_POSIXMEHARDER);
	poptSetOtherOptionHelp(pc, synopsis);
	if ((rc = poptGetNextOpt(pc)) < -1) {
		warnx("%s: %s", poptBadOption(pc, 0), poptStrerror(rc));
		client_usage(pc);
	}
	if (client_version) {
		printf("%s %s (protocol %d)\n", name, VERSION, PROTO_VERSION);
		exit(0);
	}
	if (client_help) {
		poptPrintHelp(pc, stdout, 0);
		exit(0);
	}
	if (client_usage_only) {
		printf("Usage: %s %s\n", name, client_synopsis);
		exit(0);
	}
	return pc;
}

void
client_usage(poptContext pc)
{
	(void)pc;
	fprintf(stderr, "Usage: %s %s\n(%s --help says more)\n", client_name,
	    client_synopsis, client_name);
	exit(EX_USAGE);
}

int
client_not_account(const char *operand)
{
	return operand == NULL || strchr(operand, '@') != NULL;
}

const char *
client_account(poptContext pc, int (*omitted)(const char *))
{
	const char *account, *env = getenv(CLIENT_ACCOUNT_ENV);
	const char *why;

	if (!omitted(poptPeekArg(pc))) {
		if ((account = poptGetArg(pc)) == NULL)
			client_usage(pc);
		client_check_account(account);
		return account;
	}
	if (env == NULL || *env == '\0') {
		if (poptPeekArg(pc) != NULL)
			warnx("no ACCOUNT before '%s': give it first, or set "
			    "%s", poptPeekArg(pc), CLIENT_ACCOUNT_ENV);
		client_usage(pc);
	}
	if ((why = account_check(env)) != NULL)
		errx(EX_USAGE, "bad account name '%s' in %s: %s", env,
		    CLIENT_ACCOUNT_ENV, why);
	return env;
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

/*
 * The daemon went away (closed is 1) or fell silent: with requests
 * unanswered, their fate is unknown, and the client said what that means.
 */
static void
client_lost(struct client *c, int closed)
{
	const char *how = closed ? "closed the connection" :
	    "did not answer in time";

	/* Before the greeting, the daemon has taken nothing of ours. */
	if (c->unanswered > 0 && c->lost_what != NULL && c->greeting_ok)
		errx(c->lost_status ? c->lost_status : EX_IOERR,
		    "account %s: the daemon %s before answering (socket %s): "
		    "%s", c->account, how, c->path, c->lost_what);
	errx(closed ? EX_UNAVAILABLE : EX_TEMPFAIL, "account %s: the daemon %s "
	    "(socket %s)", c->account, how, c->path);
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
		client_lost(c, 0);
	if (n == 0 || (n == -1 && errno == ECONNRESET))
		client_lost(c, 1);
	if (n == -1)
		err(EX_UNAVAILABLE, "account %s: reading from %s", c->account,
		    c->path);
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

	if (!c->greeted) {
		c->greeted = 1;
		client_greeting(c);
	}
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
		errx(EX_UNAVAILABLE, "account %s: no daemon running (%s)",
		    account, c->why);
}

/* Appends "; text" (or text, first) to c->why. */
static void
why_add(struct client *c, const char *fmt, const char *a, const char *b)
{
	size_t n = strlen(c->why);

	if (n > 0 && n + 2 < sizeof(c->why))
		n += (size_t)snprintf(c->why + n, sizeof(c->why) - n, "; ");
	if (n < sizeof(c->why))
		snprintf(c->why + n, sizeof(c->why) - n, fmt, a, b);
}

/* Adds the accounts whose sockets are in dir, to help with a wrong name. */
static void
why_add_others(struct client *c, const char *dir)
{
	char names[512] = "", *dot;
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL && n + 80 < sizeof(names)) {
		if ((dot = strrchr(de->d_name, '.')) == NULL ||
		    strcmp(dot, ".sock") != 0 || dot == de->d_name ||
		    de->d_type != DT_SOCK)
			continue;
		n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%.*s",
		    n ? ", " : "", (int)(dot - de->d_name), de->d_name);
	}
	closedir(d);
	if (n > 0)
		why_add(c, "%s has sockets for: %s", dir, names);
}

/* Sets how long a read (SO_RCVTIMEO) or write or connect may block. */
static void
set_timeout(int fd, int which, double secs)
{
	struct timeval tv;

	tv.tv_sec = (time_t)secs;
	tv.tv_usec = (suseconds_t)((secs - (double)tv.tv_sec) * 1e6);
	setsockopt(fd, SOL_SOCKET, which, &tv, sizeof(tv));
}

/*
 * Connects to c->path.  A daemon that is stopped and whose backlog is full
 * would keep a plain connect() waiting forever: for a Unix socket Linux
 * bounds it with the send timeout (a non-blocking one fails at once and
 * cannot be waited for).  Returns 0, or -1 with errno.
 */
static int
client_connect(struct client *c)
{
	struct sockaddr_un sun;
	int saved;

	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		err(EX_OSERR, "socket");
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, c->path, strlen(c->path) + 1);
	set_timeout(c->fd, SO_SNDTIMEO, CLIENT_CONNECT_SECS);
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return 0;
	if (errno == EAGAIN || errno == EINPROGRESS)
		errx(EX_TEMPFAIL, "account %s: the daemon did not accept the "
		    "connection within %d s (socket %s): it is stopped or "
		    "overloaded; try again later", c->account,
		    CLIENT_CONNECT_SECS, c->path);
	if (errno != ENOENT && errno != ECONNREFUSED && errno != EACCES &&
	    errno != EPERM)
		err(EX_UNAVAILABLE, "account %s: %s", c->account, c->path);
	saved = errno;
	close(c->fd);
	c->fd = -1;
	errno = saved;
	return -1;
}

/* The process at the other end must be us, root or the folder's owner. */
static void
client_check_peer(struct client *c, uid_t owner)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		err(EX_OSERR, "account %s: who serves %s", c->account, c->path);
	if (cred.uid == geteuid() || cred.uid == 0 || cred.uid == owner)
		return;
	errx(EX_NOPERM, "account %s: refusing %s: it is served by uid %lu, "
	    "which is neither you (uid %lu), root nor the owner of its folder "
	    "(uid %lu)", c->account, c->path, (unsigned long)cred.uid,
	    (unsigned long)geteuid(), (unsigned long)owner);
}

/*
 * Tries the account's socket in the folder dir: 1 when connected, 0 when
 * there is none to connect to (c->why says so).  An untrusted folder is
 * noted in untrusted, or refused at once when it was given (-S); a socket
 * we may not use is noted in denied.
 */
static int
client_try_dir(struct client *c, const char *dir, int own_only, int given,
    char *untrusted, char *denied, size_t len)
{
	char why[512];
	uid_t owner;
	int trust;

	trust = sockdir_trust(dir, own_only, !given, &owner, why, sizeof(why));
	if (trust == -2 && (errno == EACCES || errno == EPERM)) {
		if (*denied == '\0')
			snprintf(denied, len, "permission denied on %s", dir);
		why_add(c, "%s: %s", dir, "permission denied");
		return 0;
	}
	if (trust == -2)
		errx(EX_UNAVAILABLE, "account %s: socket folder %s: %s",
		    c->account, dir, why);
	if (trust == 1) {
		why_add(c, "%s: %s", dir, "no such folder");
		return 0;
	}
	if (trust == -1) {
		if (given)
			errx(EX_NOPERM, "account %s: refusing socket folder "
			    "%s: %s", c->account, dir, why);
		if (*untrusted == '\0')
			snprintf(untrusted, len, "refusing socket folder %s: "
			    "%s", dir, why);
		why_add(c, "%s: %s", dir, "not trusted");
		return 0;
	}
	if (sock_path(dir, c->account, c->path, sizeof(c->path)) == -1)
		errx(EX_USAGE, "account %s: socket path %s/... too long",
		    c->account, dir);
	if (client_connect(c) == -1 && (errno == EACCES || errno == EPERM)) {
		if (*denied == '\0')
			snprintf(denied, len, "permission denied on %s",
			    c->path);
		why_add(c, "%s: %s", c->path, "permission denied");
		return 0;
	}
	if (c->fd == -1) {
		why_add(c, "%s: %s", c->path, errno == ENOENT ?
		    "no such socket" : "nobody accepts on it (a daemon that "
		    "was killed?)");
		why_add_others(c, dir);
		return 0;
	}
	client_check_peer(c, owner);
	return 1;
}

/* Reads and checks the daemon's greeting. */
static void
client_greeting(struct client *c)
{
	char *greet, *words[4];
	unsigned long version;
	int status;

	greet = client_line(c);
	if (strncmp(greet, "ERR ", 4) == 0) {
		status = reply_parse(c, greet, &greet);
		errx(status, "account %s: %s", c->account, greet);
	}
	if (proto_split(greet, words, 4) != 3 || strcmp(words[0], "XMPPD") ||
	    proto_number(words[1], 1000000, &version) == -1)
		errx(EX_PROTOCOL, "account %s: %s does not look like an xmppd "
		    "socket", c->account, c->path);
	if (version != PROTO_VERSION)
		errx(EX_PROTOCOL, "account %s: protocol mismatch: the daemon "
		    "speaks version %lu, this client version %d", c->account,
		    version, PROTO_VERSION);
	c->greeting_ok = 1;
}

int
client_try_open(struct client *c, const char *sockdir, const char *account,
    double wait_secs)
{
	struct sockdir_places pl;
	char untrusted[768] = "", denied[768] = "";
	int i, found = 0;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->account = account;
	/* A daemon that went away is an error message, not a silent death. */
	signal(SIGPIPE, SIG_IGN);
	sockdir_places(sockdir, &pl);
	for (i = 0; i < pl.n && !found; i++)
		found = client_try_dir(c, pl.dir[i], pl.own_only[i], pl.given,
		    untrusted, denied, sizeof(denied));
	if (!found && *untrusted != '\0')
		errx(EX_NOPERM, "account %s: %s (and no daemon elsewhere: %s)",
		    account, untrusted, c->why);
	if (!found && *denied != '\0')
		errx(EX_NOPERM, "account %s: %s", account, denied);
	if (!found)
		return -1;
	set_timeout(c->fd, SO_RCVTIMEO, wait_secs);
	if (wait_secs != CLIENT_CONNECT_SECS)	/* else set for connect() */
		set_timeout(c->fd, SO_SNDTIMEO, wait_secs);
	/* The greeting is read with the first reply (client_line). */
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
			if (errno == EPIPE || errno == ECONNRESET) {
				/* A daemon refusing us said why instead. */
				if (!c->greeted) {
					c->greeted = 1;
					client_greeting(c);
				}
				client_lost(c, 1);
			}
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				client_lost(c, 0);
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

/* Some of the n requests may be whole at the daemon if the write breaks. */
void
client_write(struct client *c, const char *p, size_t len, unsigned long n)
{
	struct iovec iov = { (void *)p, len };

	c->unanswered += n;
	client_writev(c, &iov, 1);
}

/*
 * The line, its newline and the body go out in one write; if it fails,
 * the daemon has not got the request whole.
 */
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
	c->unanswered++;
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
	char *line = client_line(c);

	if (c->unanswered > 0)
		c->unanswered--;
	return reply_parse(c, line, text);
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
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	buf_free(&c->in);
}

/* Reads dir/account.lock if dir is trusted: 1 with spool, else 0. */
static int
lock_in_dir(const char *dir, int own_only, int given, const char *account,
    char *spool, size_t len, char *lock, size_t locklen)
{
	char why[512], data[PATH_MAX + 64];
	struct stat st;
	uid_t owner;
	ssize_t n;
	long pid;
	int fd, rc;

	if (sockdir_trust(dir, own_only, !given, &owner, why, sizeof(why)) != 0)
		return 0;
	if (sock_path(dir, account, lock, locklen) == -1)
		return 0;
	memcpy(lock + strlen(lock) - 4, "lock", 4);	/* .sock -> .lock */
	if ((fd = open(lock, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		errx(EX_NOPERM, "account %s: no daemon running, and its lock "
		    "file %s, which names its spool, cannot be read (%s): run "
		    "xmpp-send --queue as the daemon's user or root", account,
		    lock, strerror(errno));
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (st.st_uid != owner && st.st_uid != geteuid() && st.st_uid != 0))
		errx(EX_NOPERM, "account %s: refusing lock file %s: not a file "
		    "of the folder's owner", account, lock);
	n = read(fd, data, sizeof(data));
	close(fd);
	rc = n < 0 ? -1 : lock_parse(data, (size_t)n, &pid, spool, len);
	if (rc == -1)
		errx(EX_NOPERM, "account %s: %s is not a lock file of xmppd",
		    account, lock);
	return rc == 0;
}

int
client_daemon_spool(const char *sockdir, const char *account, char *spool,
    size_t len, char *lock, size_t locklen, char *where, size_t wherelen)
{
	struct sockdir_places pl;
	size_t n = 0;
	int i;

	sockdir_places(sockdir, &pl);
	*where = '\0';
	for (i = 0; i < pl.n; i++) {
		if (lock_in_dir(pl.dir[i], pl.own_only[i], pl.given, account,
		    spool, len, lock, locklen))
			return 1;
		if (n < wherelen)
			n += (size_t)snprintf(where + n, wherelen - n, "%s%s",
			    i ? " nor in " : "", pl.dir[i]);
	}
	return 0;
}
