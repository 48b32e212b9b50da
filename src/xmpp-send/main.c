/*
 * xmpp-send: sends a chat message through the account's xmppd, like
 * Asterisk's JabberSend(account,jid,message).  Exit 0 means the daemon
 * has accepted the message and will deliver it (see xmpp-send(1)).
 */
#include <err.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <popt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "proto.h"
#include "sockdir.h"
#include "spool.h"
#include "text.h"
#include "upload.h"

#ifndef VERSION
#define VERSION "0.1"
#endif

#define LINES_CLEAN_MAX	(1 << 20)	/* --clean --lines: longest line */

/* What the user typed or piped, at file scope to stay reachable at exit. */
static char *message;
/* The message as sent: one part, or several with --clean. */
static struct parts {
	char	**body;
	size_t	 *len;
	size_t	  n;
} parts;
static int clean;		/* --clean */

/* Joins the words with single spaces, as JabberSend keeps its commas. */
static char *
join_words(const char **words, size_t *len)
{
	size_t n = 0, i;
	char *body;

	for (i = 0; words[i] != NULL; i++)
		n += strlen(words[i]) + 1;
	if ((body = malloc(n + 1)) == NULL)
		err(EX_OSERR, "malloc");
	body[0] = '\0';
	for (i = 0, n = 0; words[i] != NULL; i++) {
		if (i > 0)
			body[n++] = ' ';
		memcpy(body + n, words[i], strlen(words[i]));
		n += strlen(words[i]);
	}
	body[n] = '\0';
	*len = n;
	return body;
}

/*
 * Reads the body from stdin, without its trailing newlines.  Input far
 * beyond the limit is not read to the end, since it is refused anyway,
 * unless --clean will split it.
 */
static char *
read_stdin(size_t *len)
{
	size_t cap = 4096, n = 0, max = 4 * (size_t)PROTO_BODY_MAX;
	char *body = NULL;
	ssize_t r;

	for (;;) {
		if (n + 1 >= cap || body == NULL) {
			cap = body ? cap * 2 : cap;
			if ((body = realloc(body, cap)) == NULL)
				err(EX_OSERR, "malloc");
		}
		if (n > max && !clean)
			errx(EX_DATAERR, "message too long: over %d bytes "
			    "(--clean sends it in parts)", PROTO_BODY_MAX);
		r = read(STDIN_FILENO, body + n, cap - 1 - n);
		if (r == 0)
			break;
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			err(EX_NOINPUT, "reading the message from stdin");
		n += (size_t)r;
	}
	while (n > 0 && body[n - 1] == '\n')
		n--;
	body[n] = '\0';
	*len = n;
	return body;
}

/* Why body cannot be sent (in why, and 65), or 0. */
static int
body_problem(const char *body, size_t len, char *why, size_t whylen)
{
	const char *what;
	size_t where;

	if (len == 0)
		snprintf(why, whylen, "empty message: nothing to send");
	else if (len > PROTO_BODY_MAX)
		snprintf(why, whylen, "message too long: over %d bytes "
		    "(--clean sends it in parts)", PROTO_BODY_MAX);
	else if ((what = text_check(body, len, &where)) != NULL)
		snprintf(why, whylen, "cannot send this message: %s at byte "
		    "%zu (--clean removes terminal codes and control "
		    "characters and replaces invalid UTF-8)", what, where);
	else
		return 0;
	return EX_DATAERR;
}

static void
parts_add(char *body, size_t len)
{
	parts.body = realloc(parts.body, (parts.n + 1) * sizeof(*parts.body));
	parts.len = realloc(parts.len, (parts.n + 1) * sizeof(*parts.len));
	if (parts.body == NULL || parts.len == NULL)
		err(EX_OSERR, "malloc");
	parts.body[parts.n] = body;
	parts.len[parts.n++] = len;
}

static void
parts_free(void)
{
	size_t i;

	for (i = 0; i < parts.n; i++)
		free(parts.body[i]);
	free(parts.body);
	free(parts.len);
	memset(&parts, 0, sizeof(parts));
}

static int
digits(size_t n)
{
	int d = 1;

	while ((n /= 10) > 0)
		d++;
	return d;
}

/* How many parts of at most max bytes s[0..len) takes. */
static size_t
count_parts(const char *s, size_t len, size_t max)
{
	size_t n = 0, cut, skip;

	while (len > 0) {
		cut = text_cut(s, len, max, &skip);
		s += cut + skip;
		len -= cut + skip;
		n++;
	}
	return n;
}

/*
 * Cuts clean text into parts that fit a message, each saying "(part K of
 * N)" on a first line of its own; text that fits is one part as it is.
 */
static void
split_into_parts(const char *s, size_t len)
{
	size_t n, k, cut, skip, max;
	char *p;
	int d;

	if (len <= PROTO_BODY_MAX) {
		if ((p = malloc(len + 1)) == NULL)
			err(EX_OSERR, "malloc");
		memcpy(p, s, len);
		parts_add(p, len);
		return;
	}
	/* The marker's width depends on N: widen until N fits it. */
	for (d = 1; ; d++) {
		max = PROTO_BODY_MAX - (sizeof("(part  of )\n") - 1) -
		    2 * (size_t)d;
		if (digits(n = count_parts(s, len, max)) <= d)
			break;
	}
	for (k = 1; len > 0; k++) {
		cut = text_cut(s, len, max, &skip);
		if ((p = malloc(max + 64)) == NULL)
			err(EX_OSERR, "malloc");
		d = snprintf(p, 64, "(part %zu of %zu)\n", k, n);
		memcpy(p + d, s, cut);
		parts_add(p, (size_t)d + cut);
		s += cut + skip;
		len -= cut + skip;
	}
}

/*
 * --clean: the text cleaned and, when it is too long, cut into parts;
 * returns the number of parts, 0 when nothing is left to send.
 */
static size_t
clean_into_parts(const char *body, size_t len)
{
	char *out;
	size_t n;

	if ((out = malloc(3 * len + 1)) == NULL)
		err(EX_OSERR, "malloc");
	n = text_clean(body, len, out);
	while (n > 0 && out[n - 1] == '\n')
		n--;
	if (n > 0)
		split_into_parts(out, n);
	free(out);
	return parts.n;
}

/*
 * The message as it will be sent: refused (65) when it is not sendable,
 * or with --clean cleaned and cut into parts.
 */
static void
make_parts(const char *body, size_t len)
{
	char why[256];

	if (clean && clean_into_parts(body, len) == 0)
		errx(EX_DATAERR, "empty message: nothing to send%s", len > 0 ?
		    " once terminal codes and control characters are gone" : "");
	if (clean)
		return;
	if (body_problem(body, len, why, sizeof(why)) != 0)
		errx(EX_DATAERR, "%s", why);
	split_into_parts(body, len);
}

/*
 * The daemon's spool: the folder its lock file names when one is found
 * where the socket would be.  Without one (no daemon since the last
 * boot: /run is emptied), and without $XMPPD_STATE_DIR, the service's
 * spool when the account has one there and none where we would write,
 * else the one a daemon run by us would use.  Says which on stderr
 * later; returns 1 for a daemon's own, 2 for the service's, else 0.
 */
static int
find_spool(const char *account, char *dir, size_t len, char *lock,
    size_t locklen, char *where, size_t wherelen)
{
	const char *env = getenv("XMPPD_STATE_DIR");
	struct stat st;
	char service[PATH_MAX];
	int n;

	if (client_daemon_spool(client_sockdir, account, dir, len, lock,
	    locklen, where, wherelen))
		return 1;
	if (spool_dir(account, dir, len) == -1)
		errx(EX_USAGE, "account %s: spool folder name too long",
		    account);
	if (env != NULL && *env != '\0')
		return 0;
	n = snprintf(service, sizeof(service), "%s/%s", SPOOL_SERVICE_DIR,
	    account);
	if (n < 0 || (size_t)n >= sizeof(service))
		return 0;
	account_fold(service + n - strlen(account));
	if (strcmp(service, dir) == 0 || lstat(dir, &st) == 0 ||
	    lstat(service, &st) == -1 || !S_ISDIR(st.st_mode))
		return 0;
	snprintf(dir, len, "%s", service);
	snprintf(lock, locklen, "the unit xmppd@%s.service", account);
	return 2;
}

/*
 * The daemon's spool belongs to its user.  Root writes there as that
 * user, so that the daemon can read what it finds; anyone else is
 * refused (77) rather than leave a message where it cannot be read.
 */
static void
become_spool_owner(const char *account, const char *dir, const char *whose)
{
	struct stat st;

	if (lstat(dir, &st) == -1 || !S_ISDIR(st.st_mode))
		errx(EX_TEMPFAIL, "account %s: no daemon running, and the "
		    "spool %s (%s) is not a folder", account, dir, whose);
	if (st.st_uid == geteuid())
		return;
	if (geteuid() != 0)
		errx(EX_NOPERM, "account %s: no daemon running, and its spool "
		    "%s (%s) belongs to uid %lu: run xmpp-send --queue "
		    "as that user or as root", account, dir, whose,
		    (unsigned long)st.st_uid);
	if (setgroups(0, NULL) == -1 || setresgid(st.st_gid, st.st_gid,
	    st.st_gid) == -1 || setresuid(st.st_uid, st.st_uid,
	    st.st_uid) == -1)
		err(EX_OSERR, "account %s: becoming uid %lu, the owner of %s",
		    account, (unsigned long)st.st_uid, dir);
}

/* No daemon, and --queue: leave the parts in the spool for xmppd. */
static void
queue_for_daemon(const char *account, const char *jid)
{
	struct spooled m[SPOOL_BATCH_MAX];
	char dir[PATH_MAX], lock[PATH_MAX], where[600], err[PATH_MAX + 200];
	char whose[PATH_MAX + 32];
	size_t i, k, n;
	int daemons;

	lock[0] = '\0';
	daemons = find_spool(account, dir, sizeof(dir), lock, sizeof(lock),
	    where, sizeof(where));
	snprintf(whose, sizeof(whose), "%s%s", daemons == 1 ?
	    "named by the lock file " : "", lock);
	if (daemons)
		become_spool_owner(account, dir, whose);
	for (i = 0; i < parts.n; i += n) {
		n = parts.n - i < SPOOL_BATCH_MAX ? parts.n - i :
		    SPOOL_BATCH_MAX;
		memset(m, 0, sizeof(m));
		for (k = 0; k < n; k++) {
			spool_new_id(m[k].id, sizeof(m[k].id));
			m[k].to = (char *)jid;
			m[k].body = parts.body[i + k];
			m[k].len = parts.len[i + k];
			m[k].created = time(NULL);
		}
		if (spool_prepare(dir, err, sizeof(err)) == -1 ||
		    spool_write_many(dir, m, n, 1, err, sizeof(err)) == -1)
			errx(EX_TEMPFAIL, "account %s: no daemon running, and "
			    "%s%s", account, err, i > 0 ?
			    " (the first parts were queued)" : "");
	}
	if (daemons == 1)
		warnx("account %s: no daemon running: queued in %s, the spool "
		    "its lock file %s names, for its next start", account, dir,
		    lock);
	else if (daemons == 2)
		warnx("account %s: no daemon running since the last boot: "
		    "queued in %s, the spool of %s, for its next start",
		    account, dir, lock);
	else
		warnx("account %s: no daemon running, and no lock file of one "
		    "in %s: queued in %s, which a daemon run as uid %lu with the "
		    "same XMPPD_STATE_DIR reads", account, where, dir,
		    (unsigned long)geteuid());
}

/* WAIT or RECEIPT for message id, ms at the most: the reply's status. */
static int
ask_wait(struct client *c, const char *request, double ms, const char *id,
    char **text)
{
	char line[PROTO_LINE_MAX];

	snprintf(line, sizeof(line), "%s %.0f %s", request, ms, id);
	client_request(c, line, NULL, 0);
	return client_reply(c, text);
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * After the SENDs: WAIT (--wait: the server has the messages) or RECEIPT
 * (--receipt: the recipient's client confirmed them) for every id, one
 * deadline for all.  A receipt that does not come is a negative answer,
 * exit 1.
 */
static void
wait_for(struct client *c, const char *request, char **ids, size_t n,
    double secs)
{
	int64_t deadline = now_ms() + (int64_t)(secs * 1000), left;
	char *text;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		left = deadline - now_ms();
		rc = ask_wait(c, request, (double)(left > 1 ? left : 1), ids[i],
		    &text);
		if (rc == 1)
			exit(1);
		if (rc != 0)
			errx(rc, "account %s: %s", c->account, text);
	}
}

static double
parse_seconds(const char *opt, const char *arg)
{
	char *end;
	double v = strtod(arg, &end);

	if (*arg == '\0' || *end != '\0' || !(v >= 0.001 && v <= 604800))
		errx(EX_USAGE, "bad %s '%s': give seconds, more than 0 "
		    "and at most 604800", opt, arg);
	return v;
}

/*
 * --lines: every line of stdin is a message of its own.  Requests go out
 * ahead of their answers, up to LINES_AHEAD at a time, so that the daemon
 * takes many in one turn and spools them with one fsync().  A line that
 * cannot be sent is reported with its number and the rest go on; the exit
 * status is that of the first failure.
 */
#define LINES_AHEAD	64
#define LINES_IDLE_MS	20000	/* the daemon drops idle clients at 30 s */
static struct {
	struct client	*c;
	const char	*verb, *jid;
	struct buf	 out;		/* requests not yet written */
	unsigned long	 nout;		/* how many */
	unsigned long	 n;		/* lines read */
	unsigned long	 due[LINES_AHEAD];	/* answers due, oldest first */
	size_t		 head, count;
	unsigned long	 answered;	/* every line up to this one */
	unsigned long	 written;	/* the last line written */
	int		 keep_ids;	/* --wait */
	struct accepted {
		char		*id;
		unsigned long	 line;
	}		*ids;
	size_t		 nids;
	int		 status;
} lines;

static void
lines_failed(unsigned long n, int status, const char *why)
{
	warnx("line %lu: %s", n, why);
	if (lines.status == 0)
		lines.status = status;
}

/* What an answer that never comes means for the lines sent. */
static void
lines_set_lost(struct client *c)
{
	c->lost_status = EX_IOERR;
	c->lost_what = "the lines sent but not answered may have been "
	    "accepted";
}

/* Writes the requests put together so far. */
static void
lines_flush(void)
{
	if (lines.nout == 0)
		return;
	/* Set first: a write that breaks may have carried some of them. */
	lines.written = lines.due[(lines.head + lines.count - 1) % LINES_AHEAD];
	client_write(lines.c, lines.out.data, lines.out.len, lines.nout);
	lines.out.len = 0;
	lines.nout = 0;
}

/* Reads the answer to the oldest request in flight. */
static void
lines_answer(void)
{
	unsigned long n = lines.due[lines.head];
	char *text;
	int rc;

	rc = client_reply(lines.c, &text);
	lines.head = (lines.head + 1) % LINES_AHEAD;
	lines.count--;
	lines.answered = n;
	if (rc != 0)
		lines_failed(n, rc, text);
	else if (lines.keep_ids) {
		lines.ids = realloc(lines.ids, (lines.nids + 1) *
		    sizeof(*lines.ids));
		if (lines.ids == NULL ||
		    (lines.ids[lines.nids].id = strdup(text)) == NULL)
			err(EX_OSERR, "malloc");
		lines.ids[lines.nids++].line = n;
	}
}

/*
 * When the daemon goes away mid-way, say exactly how far it got: lines
 * answered, lines whose requests went out unanswered (the daemon may have
 * accepted them before it went), lines never sent.
 */
static void
lines_report(void)
{
	unsigned long first;

	if (lines.count == 0)
		return;
	first = lines.due[lines.head];
	if (lines.written >= first)
		warnx("lines %lu to %lu were sent but not answered: they may "
		    "have been accepted, and sending them again may deliver "
		    "them twice", first, lines.written);
	warnx("the lines after line %lu were not sent",
	    lines.written >= first ? lines.written : first - 1);
}

/* Queues one request for line lines.n, after making room for it. */
static void
lines_queue(const char *body, size_t len)
{
	char req[PROTO_LINE_MAX];

	if (lines.count == LINES_AHEAD) {
		lines_flush();
		while (lines.count > LINES_AHEAD / 2)
			lines_answer();
	}
	snprintf(req, sizeof(req), "%s %zu %s\n", lines.verb, len, lines.jid);
	if (buf_append(&lines.out, req, strlen(req)) == -1 ||
	    buf_append(&lines.out, body, len) == -1)
		err(EX_OSERR, "malloc");
	lines.nout++;
	lines.due[(lines.head + lines.count++) % LINES_AHEAD] = lines.n;
}

static void
lines_take(const char *line, size_t len)
{
	char why[256];
	size_t i;
	int rc;

	lines.n++;
	if (len > 0 && line[len - 1] == '\r')
		len--;		/* CRLF text */
	if (len == 0)
		return;
	if (!clean) {
		if ((rc = body_problem(line, len, why, sizeof(why))) != 0)
			lines_failed(lines.n, rc, why);
		else
			lines_queue(line, len);
		return;
	}
	/* A line with nothing left once cleaned is skipped, as an empty one. */
	clean_into_parts(line, len);
	for (i = 0; i < parts.n; i++)
		lines_queue(parts.body[i], parts.len[i]);
	parts_free();
}

/* The daemon dropped our idle connection by now: a new one. */
static void
lines_reconnect(const char *account, double wait)
{
	client_close(lines.c);
	if (client_try_open(lines.c, client_sockdir, account, 30 + wait) == -1)
		errx(EX_UNAVAILABLE, "account %s: no daemon running any more "
		    "(%s); lines up to line %lu were answered, the rest not "
		    "sent", account, lines.c->why, lines.n);
	lines_set_lost(lines.c);
}

/*
 * --wait: until the server has confirmed every accepted line, one
 * deadline for them all.  The first that is not confirmed ends it.
 */
static void
lines_wait(double wait)
{
	int64_t deadline = now_ms() + (int64_t)(wait * 1000), left;
	char *text;
	size_t i;
	int rc = 0;

	lines.c->lost_status = EX_TEMPFAIL;
	lines.c->lost_what = "the lines accepted stay queued; do not send "
	    "them again";
	for (i = 0; i < lines.nids && rc == 0; i++) {
		left = deadline - now_ms();
		rc = ask_wait(lines.c, "WAIT", (double)(left > 1 ? left : 1),
		    lines.ids[i].id, &text);
		if (rc != 0) {
			lines_failed(lines.ids[i].line, rc, text);
			if (i + 1 < lines.nids)
				warnx("lines after line %lu: not waited for",
				    lines.ids[i].line);
		}
	}
	for (i = 0; i < lines.nids; i++)
		free(lines.ids[i].id);
	free(lines.ids);
}

/*
 * Takes the complete lines in `in`; at the end of the input (eof) the
 * rest too.  A line too long to send is refused whole (its rest skipped),
 * or with --clean cut where it reaches LINES_CLEAN_MAX.
 */
static void
lines_split(struct buf *in, int eof, int *skip)
{
	size_t len, max = clean ? LINES_CLEAN_MAX : PROTO_BODY_MAX + 1;
	char *nl;

	while (in->len > 0) {
		nl = memchr(in->data, '\n', in->len);
		if (nl == NULL && !eof && in->len <= max)
			break;	/* the rest of the line is to come */
		len = nl ? (size_t)(nl - in->data) : in->len;
		if (!*skip)
			lines_take(in->data, len);
		*skip = nl == NULL && !eof && !clean;
		buf_consume(in, nl ? len + 1 : len);
	}
}

static int
send_lines(struct client *c, const char *account, const char *verb,
    const char *jid, double wait)
{
	struct buf in = { 0 };
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	char tmp[65536];
	int64_t last = now_ms();
	int skip = 0;
	ssize_t r;

	lines.c = c;
	lines.verb = verb;
	lines.jid = jid;
	lines.keep_ids = wait > 0;
	lines_set_lost(c);
	atexit(lines_report);
	for (;;) {
		/* Before waiting for input, hear the answers; idle, reconnect. */
		if (poll(&pfd, 1, 0) == 0) {
			lines_flush();
			while (lines.count > 0)
				lines_answer();
		}
		r = read(STDIN_FILENO, tmp, sizeof(tmp));
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			err(EX_NOINPUT, "reading messages from stdin");
		if (lines.count == 0 && now_ms() - last > LINES_IDLE_MS)
			lines_reconnect(account, wait);
		if (buf_append(&in, tmp, (size_t)r) == -1)
			err(EX_OSERR, "malloc");
		lines_split(&in, r == 0, &skip);
		last = now_ms();
		if (r == 0)
			break;
	}
	lines_flush();
	while (lines.count > 0)
		lines_answer();
	if (wait > 0)
		lines_wait(wait);
	buf_free(&lines.out);
	buf_free(&in);
	return lines.status;
}

/* Sends every part; returns their ids (free them with the array). */
static char **
send_parts(struct client *c, const char *verb, const char *jid)
{
	static char what[160];
	char line[PROTO_LINE_MAX], **ids, *text;
	size_t i;
	int rc;

	if ((ids = calloc(parts.n, sizeof(*ids))) == NULL)
		err(EX_OSERR, "malloc");
	c->lost_status = EX_IOERR;
	c->lost_what = what;
	for (i = 0; i < parts.n; i++) {
		snprintf(what, sizeof(what), "the message%s may have been "
		    "accepted, and sending it again may deliver it twice",
		    parts.n > 1 ? " (this part; the parts before it were)" :
		    "");
		snprintf(line, sizeof(line), "%s %zu %s", verb, parts.len[i],
		    jid);
		client_request(c, line, parts.body[i], parts.len[i]);
		if ((rc = client_reply(c, &text)) != 0 && parts.n > 1)
			errx(rc, "account %s: part %zu of %zu: %s (the parts "
			    "before it were accepted, the rest not sent)",
			    c->account, i + 1, parts.n, text);
		if (rc != 0)
			errx(rc, "account %s: %s", c->account, text);
		if ((ids[i] = strdup(text)) == NULL)
			err(EX_OSERR, "malloc");
	}
	/* From now on the message is in the spool, whatever happens. */
	c->lost_status = EX_TEMPFAIL;
	c->lost_what = "the message was accepted and stays queued; do not "
	    "send it again";
	return ids;
}

int
main(int argc, const char **argv)
{
	char *wait_arg = NULL, *receipt_arg = NULL, **ids;
	int queue = 0, group = 0, by_line = 0, rc;
	double wait = 0, receipt = 0;
	const char *account, *jid, **words;
	struct client c;
	size_t len, i;
	struct poptOption opts[] = {
		{ "wait", 'w', POPT_ARG_STRING, &wait_arg, 0,
		    "return only once the server has the message", "SECS" },
		{ "queue", 'Q', POPT_ARG_NONE, &queue, 0,
		    "no daemon running: queue it for xmppd's next start",
		    NULL },
		{ "group", 'g', POPT_ARG_NONE, &group, 0,
		    "JID is a room joined with xmpp-join", NULL },
		{ "receipt", 'r', POPT_ARG_STRING, &receipt_arg, 0,
		    "wait for the recipient's delivery receipt", "SECS" },
		{ "lines", 'l', POPT_ARG_NONE, &by_line, 0,
		    "send every line of stdin as a message of its own", NULL },
		{ "clean", 'C', POPT_ARG_NONE, &clean, 0,
		    "remove terminal codes and controls, replace invalid "
		    "UTF-8, send long text in parts: never refuse text", NULL },
		{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, upload_options, 0, NULL,
		    NULL },
		{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, client_options, 0, NULL,
		    NULL },
		POPT_TABLEEND
	};
	poptContext pc;

	pc = client_popt("xmpp-send", argc, argv, opts,
	    "[-CglQ] [-A FILE]... [-r SECS] [-S DIR] [-w SECS] "
	    "[ACCOUNT] JID [MESSAGE...]");
	account = client_account(pc, client_not_account);
	if ((jid = poptGetArg(pc)) == NULL)
		client_usage(pc);
	client_check_jid(jid, 1);
	if (wait_arg != NULL)
		wait = parse_seconds("--wait", wait_arg);
	if (receipt_arg != NULL)
		receipt = parse_seconds("--receipt", receipt_arg);
	if (group && (receipt_arg != NULL || queue))
		errx(EX_USAGE, "-g goes with neither --receipt nor --queue");
	if (queue && receipt_arg != NULL)
		errx(EX_USAGE, "--receipt needs a running daemon: not with "
		    "--queue");
	if (upload_wanted() && (queue || by_line || receipt_arg != NULL))
		errx(EX_USAGE, "--file goes with neither --queue, --lines nor "
		    "--receipt");
	words = poptGetArgs(pc);
	if (by_line && (words != NULL || queue || receipt_arg != NULL))
		errx(EX_USAGE, "--lines reads the messages from stdin: it goes "
		    "with no MESSAGE, --queue or --receipt");
	if (by_line) {
		client_open(&c, client_sockdir, account, 30 + wait);
		rc = send_lines(&c, account, group ? "GSEND" : "SEND", jid,
		    wait);
		client_close(&c);
		free(wait_arg);
		free(client_sockdir);
		poptFreeContext(pc);
		return rc;
	}
	/* "--" before the message guards words that start with '-'. */
	if (words != NULL && strcmp(words[0], "--") == 0)
		words = words[1] ? words + 1 : NULL;
	if (upload_wanted()) {
		/* With files, the text is the words only: stdin stays. */
		if (words != NULL) {
			message = join_words(words, &len);
			make_parts(message, len);
		}
		rc = upload_send(account, jid, group, parts.body, parts.len,
		    parts.n, wait);
		parts_free();
		free(message);
		free(wait_arg);
		free(client_sockdir);
		poptFreeContext(pc);
		return rc;
	}
	message = words ? join_words(words, &len) : read_stdin(&len);
	make_parts(message, len);

	if (client_try_open(&c, client_sockdir, account, 30 + wait +
	    receipt) == -1) {
		if (!queue)
			errx(EX_UNAVAILABLE, "account %s: no daemon running "
			    "(%s)", account, c.why);
		queue_for_daemon(account, jid);
		exit(0);
	}
	ids = send_parts(&c, group ? "GSEND" : receipt_arg ? "RSEND" : "SEND",
	    jid);
	if (wait_arg != NULL)
		wait_for(&c, "WAIT", ids, parts.n, wait);
	if (receipt_arg != NULL)
		wait_for(&c, "RECEIPT", ids, parts.n, receipt);
	for (i = 0; i < parts.n; i++)
		free(ids[i]);
	free(ids);
	parts_free();
	free(message);
	free(wait_arg);
	free(receipt_arg);
	client_close(&c);
	free(client_sockdir);
	poptFreeContext(pc);
	return 0;
}
