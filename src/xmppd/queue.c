/*
 * queue.c: accepted outgoing messages, on disk (journal.c) and in order
 * (outbox.c).  A message is in the journal before the client hears "OK",
 * and leaves it only when the server has confirmed it, when its lifetime
 * passes, or when it has been given up; each end is logged.
 *
 * The messages of one turn of the loop go into the journal in one write
 * and one fdatasync(), for all their senders.  At start the journal gives
 * back what is still to be sent; spool files of the older format (one
 * file per batch, NAME.msg), left by an older xmppd or written by
 * xmpp-send --queue while no daemon ran, are read once, put into the
 * journal and removed.
 *
 * What is read from the disk is checked record by record as xmpp-send
 * checks a message: a record that could never be sent (invalid text, a
 * bad recipient), and would make the server close the stream, is set
 * aside in a file NAME.msg.bad for a person to look at, and the others
 * are sent.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "jid.h"
#include "journal.h"
#include "log.h"
#include "proto.h"
#include "spool.h"
#include "text.h"
#include "util.h"
#include "xmppd.h"

static queue_accepted_fn accepted_fn;
static queue_ended_fn ended_fn;
static struct journal *journal;
#define FLUSH_MS	1000	/* tombstones reach the disk within this */
static int64_t flush_at;	/* 0: nothing to flush */

/*
 * Messages that bounced with an error of type "wait" (try again later:
 * ejabberd's offline store is full, say), out of the queue until their
 * retry_at, linked through next.  The bounce comes before the barrier
 * that would have confirmed them, the server handling one stream in
 * order.
 */
#define RETRY_MIN_MS	10000
#define RETRY_MAX_MS	600000
static struct outmsg *deferred;
static void queue_done(struct outbox *, struct outmsg *, enum outbox_end);

/* The last messages given up, so that a late WAIT is not told "OK". */
#define GIVEN_UP_KEPT 64
static char given_up[GIVEN_UP_KEPT][SPOOL_ID_MAX];
static unsigned given_up_next;

int
queue_given_up(const char *id)
{
	unsigned i;

	for (i = 0; i < GIVEN_UP_KEPT; i++)
		if (strcmp(given_up[i], id) == 0)
			return 1;
	return 0;
}

struct found {
	char		*name;
	time_t		 created;
	struct timespec	 mtime;
};

static int
found_cmp(const void *a, const void *b)
{
	const struct found *x = a, *y = b;

	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Makes what was renamed or created in the spool survive a power loss. */
static int
spool_sync(void)
{
	int fd, rc;

	if ((fd = open(xd.spooldir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Moves a file we cannot read aside, so it is looked at, not lost. */
static void
set_aside(const char *path, const char *why)
{
	char bad[PATH_MAX];

	snprintf(bad, sizeof(bad), "%s.bad", path);
	log_error("%s; kept as %s", why, bad);
	if (rename(path, bad) == 0)
		spool_sync();
}

/* s for a log line: controls, and bytes of invalid UTF-8, as '?'. */
static const char *
loggable(const char *s, char *out, size_t len)
{
	size_t i, at;
	int bad_utf8 = text_check(s, strlen(s), &at) != NULL;
	unsigned char c;

	for (i = 0; s[i] != '\0' && i + 1 < len; i++) {
		c = (unsigned char)s[i];
		out[i] = c < 0x20 || c == 0x7f || (bad_utf8 && c >= 0x80) ?
		    '?' : (char)c;
	}
	/* Cut short: not in the middle of a character. */
	if (s[i] != '\0')
		while (i > 0 && ((unsigned char)out[i - 1] & 0xc0) == 0x80)
			i--;
	if (s[i] != '\0' && i > 0 && (unsigned char)out[i - 1] >= 0xc0)
		i--;
	out[i] = '\0';
	return out;
}

/*
 * Why a record read from the spool cannot be sent, or NULL: the checks
 * xmpp-send and SEND make before a message is accepted.  A hand-edited
 * file, or one from an older or broken writer, may hold anything, and one
 * bad character makes the server close the stream.
 */
static const char *
record_check(const struct spooled *m, char *why, size_t len)
{
	const char *e;
	struct jid j;
	size_t at;

	if (text_check(m->id, strlen(m->id), &at) != NULL ||
	    strpbrk(m->id, " \t\r\n") != NULL)
		return "its id is not one word of text";
	if ((e = jid_parse(m->to, JID_NEED_NODE, &j)) != NULL) {
		snprintf(why, len, "bad recipient: %s", e);
		return why;
	}
	if (m->groupchat && j.has_resource)
		return "a group message to a JID with a resource";
	if (m->len == 0)
		return "empty body";
	if (m->len > PROTO_BODY_MAX) {
		snprintf(why, len, "body too long (%zu bytes, the limit is %d)",
		    m->len, PROTO_BODY_MAX);
		return why;
	}
	if ((e = text_check(m->body, m->len, &at)) != NULL) {
		snprintf(why, len, "%s at byte %zu of the body", e, at);
		return why;
	}
	return NULL;
}

/*
 * Writes b to path through tmp, with fsync()s: there whole, or not at all.
 * mtime, if not NULL, is the file's time (the spool's order).
 */
static int
write_durably(const char *path, const char *tmp, const struct buf *b,
    const struct timespec *mtime)
{
	struct timespec times[2];
	size_t done = 0;
	ssize_t w;
	int fd, saved;

	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600))
	    == -1)
		return -1;
	while (done < b->len)
		if ((w = write(fd, b->data + done, b->len - done)) > 0)
			done += (size_t)w;
		else if (w == -1 && errno != EINTR)
			break;
	if (mtime != NULL) {
		times[0] = times[1] = *mtime;
		futimens(fd, times);
	}
	if (done < b->len || fsync(fd) == -1 || close(fd) == -1) {
		saved = errno;
		close(fd);	/* EBADF if it was closed: harmless */
		unlink(tmp);
		errno = saved;
		return -1;
	}
	if (rename(tmp, path) == -1) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return spool_sync();
}

/*
 * Keeps the n records of spool file name that cannot be sent in
 * NAME.bad (the whole file renamed, if it holds nothing else), durably,
 * and logs each with what is wrong.  Returns -1 if that failed: the file
 * must then stay in the spool as it is.
 */
static int
bad_set_aside(const char *name, const struct spooled *bad, size_t n,
    int whole)
{
	char path[PATH_MAX], badpath[PATH_MAX], tmp[PATH_MAX];
	char why[256], id[SPOOL_ID_MAX + 8], to[256];
	struct buf b = { 0 };
	size_t i;
	int rc, saved;

	snprintf(path, sizeof(path), "%s/%s", xd.spooldir, name);
	snprintf(badpath, sizeof(badpath), "%s.bad", path);
	snprintf(tmp, sizeof(tmp), "%s/.%s.bad.tmp", xd.spooldir, name);
	if (whole)
		rc = rename(path, badpath) == 0 ? spool_sync() : -1;
	else if ((rc = spool_format(&b, bad, n)) == -1)
		errno = ENOMEM;
	else
		rc = write_durably(badpath, tmp, &b, NULL);
	saved = errno;
	buf_free(&b);
	for (i = 0; i < n; i++)
		log_error("spool file %s: message %s to %s %s %s.bad: %s",
		    name, loggable(bad[i].id, id, sizeof(id)),
		    loggable(bad[i].to, to, sizeof(to)),
		    rc == 0 ? "set aside in" : "not sent, and not set aside in",
		    name, record_check(&bad[i], why, sizeof(why)));
	if (rc == -1)
		log_error("cannot write %s: %s; %s stays in the spool as it is",
		    badpath, strerror(saved), name);
	return rc;
}

/*
 * Rewrites spool file name with its n good records only, once the others
 * are safe in NAME.bad: they are not found again at the next start.  The
 * file keeps its time, which orders it among the others.
 */
static void
file_rewrite(const char *name, const struct spooled *ms, size_t n,
    const struct timespec *mtime)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	struct buf b = { 0 };

	snprintf(path, sizeof(path), "%s/%s", xd.spooldir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", xd.spooldir, name);
	if (spool_format(&b, ms, n) == -1)
		errno = ENOMEM;
	else if (write_durably(path, tmp, &b, mtime) == 0) {
		buf_free(&b);
		return;
	}
	log_error("cannot rewrite %s without the messages set aside: %s; "
	    "they are found again at the next start", path, strerror(errno));
	buf_free(&b);
}

/*
 * Moves the records of ms that cannot be sent to bad (allocated n long),
 * keeping the order of the others; *n becomes their number.  Returns
 * the number of bad records.
 */
static size_t
records_sort(struct spooled *ms, size_t *n, struct spooled *bad)
{
	char why[256];
	size_t i, good = 0, nbad = 0;

	for (i = 0; i < *n; i++)
		if (record_check(&ms[i], why, sizeof(why)) != NULL)
			bad[nbad++] = ms[i];
		else
			ms[good++] = ms[i];
	*n = good;
	return nbad;
}

/*
 * Spool files of the older format whose messages are in the journal but
 * that could not be removed: not taken up again in this run.  Only
 * xmpp-send --queue's are looked for again (at every login), so only
 * theirs are listed.
 */
static char (*stuck)[SPOOL_ID_MAX];
static size_t nstuck;

static int
file_stuck(const char *name)
{
	size_t i;

	for (i = 0; i < nstuck; i++)
		if (strcmp(stuck[i], name) == 0)
			return 1;
	return 0;
}

/* Removes spool file name (no .msg): its messages are in the journal. */
static void
file_remove(const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s.msg", xd.spooldir, name);
	if (unlink(path) == 0) {
		spool_sync();
		return;
	}
	if (errno == ENOENT)
		return;
	log_error("cannot remove the spool file %s: %s; its messages are in "
	    "the journal, and will be sent again at the next start", path,
	    strerror(errno));
	if (strncmp(name, "xmppd-q", 7) == 0) {
		stuck = xreallocarray(stuck, nstuck + 1, sizeof(*stuck));
		snprintf(stuck[nstuck++], sizeof(*stuck), "%s", name);
	}
}

/*
 * The messages accepted in this turn of the loop: written as one file and
 * answered together by queue_commit(), so that any number of senders of
 * one turn share one fsync() pair.
 */
#define STAGED_BYTES_MAX	(1u << 20)
static struct {
	struct spooled	 msg[SPOOL_BATCH_MAX];
	void		*owner[SPOOL_BATCH_MAX];	/* client to answer */
	size_t		 n, bytes;
} staged;

static int
queue_add(const struct spooled *m, uint64_t segment)
{
	if (outbox_add(&xd.outbox, m->id, m->to, m->body, m->len,
	    m->created) == -1)
		return -1;
	xd.outbox.tail->groupchat = m->groupchat;
	xd.outbox.tail->receipt = m->receipt;
	xd.outbox.tail->oob = m->oob;
	xd.outbox.tail->segment = segment;
	return 0;
}

/* A message is held by the journal no longer. */
static void
journal_release(const struct outmsg *m)
{
	if (journal == NULL || m->segment == 0)
		return;
	journal_done(journal, m->segment, m->id);
	if (flush_at == 0)
		flush_at = clock_ms() + FLUSH_MS;
}

/*
 * Puts messages read from a spool file of the older format into the
 * journal, in batches of at most a megabyte, and queues them; those
 * already queued (the same id) are skipped.  Returns how many it queued,
 * or -1 if the journal could not take them: the file must then stay.
 */
static ssize_t
import(struct spooled *ms, size_t n)
{
	char err[PATH_MAX + 128];
	size_t i, first, bytes, added = 0;
	uint64_t seg;

	for (i = 0; i < n; ) {
		first = i;
		for (bytes = 0; i < n && (i == first || bytes + ms[i].len <
		    (1u << 20)); i++)
			bytes += ms[i].len;
		if (journal == NULL || journal_append(journal, ms + first,
		    i - first, &seg, err, sizeof(err)) == -1) {
			log_error("%s", journal ? err : "no journal");
			return -1;
		}
		for (; first < i; first++)
			if (outbox_find(&xd.outbox, ms[first].id) == NULL &&
			    queue_add(&ms[first], seg) == 0)
				added++;
			else	/* held elsewhere, or no room: its copy goes */
				journal_done(journal, seg, ms[first].id);
	}
	return (ssize_t)added;
}

/*
 * Queues the messages of one spool file of the older format through the
 * journal, and removes the file, unless keep says it holds more (bad
 * records that could not be set aside).  All of them or, if the queue is
 * full, none: the file then stays for the next start.
 */
static size_t
queue_file(const char *name, struct spooled *ms, size_t n, int keep)
{
	char base[SPOOL_ID_MAX];
	size_t i, bytes = 0;
	ssize_t added;

	for (i = 0; i < n; i++)
		bytes += ms[i].len;
	if (xd.outbox.count + n > OUTBOX_MAX_MESSAGES ||
	    xd.outbox.bytes + bytes > OUTBOX_MAX_BYTES) {
		log_warn("queue full: %s stays in the spool", name);
		return 0;
	}
	if ((added = import(ms, n)) == -1)
		return 0;
	if (added == 0)
		log_info("spool file %s: its %zu message(s) are queued from "
		    "another file already; removed", name, n);
	snprintf(base, sizeof(base), "%.*s", (int)(strlen(name) - 4), name);
	if (!keep)
		file_remove(base);
	return (size_t)added;
}

/*
 * Reads spool file name, sets aside what cannot be sent and queues the
 * rest; returns how many it queued.  again: it may have been read in
 * this run already.  mtime: the file's time.
 */
static size_t
load_file(const char *name, int again, const struct timespec *mtime)
{
	char path[PATH_MAX], err[PATH_MAX + 64], base[SPOOL_ID_MAX];
	struct spooled *ms, *bad;
	size_t n, nbad, added = 0;
	int keep = 0;

	snprintf(base, sizeof(base), "%.*s", (int)(strlen(name) - 4), name);
	if (again && file_stuck(base))
		return 0;
	snprintf(path, sizeof(path), "%s/%s", xd.spooldir, name);
	if (spool_read(path, &ms, &n, err, sizeof(err)) == -1) {
		set_aside(path, err);
		return 0;
	}
	bad = xcalloc(n, sizeof(*bad));
	if ((nbad = records_sort(ms, &n, bad)) > 0)
		keep = bad_set_aside(name, bad, nbad, n == 0) == -1;
	if (nbad > 0 && n > 0 && !keep)
		file_rewrite(name, ms, n, mtime);
	if (n > 0)
		added = queue_file(name, ms, n, keep);
	spooled_free_all(ms, n);
	spooled_free_all(bad, nbad);
	return added;
}

/* What the journal gives back at start: queued, or kept to set aside. */
struct replay {
	size_t		 queued;
	struct spooled	*bad;
	uint64_t	*bad_seg;
	size_t		 nbad;
};

static void
journal_found(void *arg, const struct spooled *m, uint64_t segment)
{
	struct replay *r = arg;
	char why[256], id[SPOOL_ID_MAX + 8];

	if (record_check(m, why, sizeof(why)) != NULL) {
		r->bad = xreallocarray(r->bad, r->nbad + 1, sizeof(*r->bad));
		r->bad_seg = xreallocarray(r->bad_seg, r->nbad + 1,
		    sizeof(*r->bad_seg));
		r->bad[r->nbad] = *m;
		r->bad[r->nbad].to = xstrdup(m->to);
		r->bad[r->nbad].body = xmemdup(m->body, m->len);
		r->bad_seg[r->nbad++] = segment;
	} else if (queue_add(m, segment) == -1)
		log_warn("queue full: %s stays in the journal until the next "
		    "start", loggable(m->id, id, sizeof(id)));
	else
		r->queued++;
}

/*
 * Opens the journal and queues what it holds.  A record that cannot be
 * sent is set aside in ID.msg.bad, as a bad spool file's would be, and
 * leaves the journal.
 */
static void
journal_start(void)
{
	char err[PATH_MAX + 128], name[SPOOL_ID_MAX + 8];
	struct replay r = { 0 };
	size_t i;

	journal = journal_open(xd.spooldir, 0, xd.acct.spoolsync,
	    journal_found, &r, err, sizeof(err));
	if (journal == NULL)
		log_error("%s; messages cannot be accepted", err);
	else if (r.queued > 0)
		log_info("%zu message(s) from the journal queued", r.queued);
	if (r.nbad > 0) {
		snprintf(name, sizeof(name), "%s.msg", r.bad[0].id);
		if (bad_set_aside(name, r.bad, r.nbad, 0) == 0 && journal)
			for (i = 0; i < r.nbad; i++)
				journal_done(journal, r.bad_seg[i],
				    r.bad[i].id);
	}
	spooled_free_all(r.bad, r.nbad);
	free(r.bad_seg);
}

void
queue_init(queue_accepted_fn accepted, queue_ended_fn ended)
{
	accepted_fn = accepted;
	ended_fn = ended;
	outbox_init(&xd.outbox, queue_done);
}

/*
 * Loads spooled messages that are not queued yet, oldest first.  At start
 * that is all of them; later only those that xmpp-send --queue wrote
 * while no daemon ran (their ids start with "xmppd-q").
 */
void
queue_load(int all)
{
	struct found *list = NULL;
	size_t n = 0, i, added = 0;
	struct dirent *de;
	struct stat st;
	char path[PATH_MAX];
	DIR *d;
	size_t nl;

	if (all)
		journal_start();
	if ((d = opendir(xd.spooldir)) == NULL) {
		log_error("cannot read the spool %s", xd.spooldir);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		nl = strlen(de->d_name);
		if (de->d_name[0] == '.' || nl < 5 ||
		    nl - 4 >= SPOOL_ID_MAX ||
		    strcmp(de->d_name + nl - 4, ".msg") != 0 ||
		    (!all && strncmp(de->d_name, "xmppd-q", 7) != 0))
			continue;
		snprintf(path, sizeof(path), "%s/%s", xd.spooldir, de->d_name);
		if (stat(path, &st) == -1)
			continue;
		list = xreallocarray(list, n + 1, sizeof(*list));
		list[n].name = xstrdup(de->d_name);
		list[n].mtime = st.st_mtim;
		list[n].created = st.st_mtim.tv_sec;
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(list, n, sizeof(*list), found_cmp);
	for (i = 0; i < n; i++) {
		added += load_file(list[i].name, !all, &list[i].mtime);
		free(list[i].name);
	}
	free(list);
	if (added > 0)
		log_info("%zu message(s) from %zu spool file(s) of the older "
		    "format queued%s", added, n, all ? " and moved into the "
		    "journal" : " (from xmpp-send --queue)");
}

int
queue_accept(void *owner, const char *to, int flags, const char *body,
    size_t len, char *err, size_t errlen)
{
	struct spooled *m;

	if (staged.n == SPOOL_BATCH_MAX || staged.bytes + len > STAGED_BYTES_MAX)
		queue_commit();
	if (xd.outbox.count + staged.n >= OUTBOX_MAX_MESSAGES ||
	    xd.outbox.bytes + staged.bytes + len > OUTBOX_MAX_BYTES) {
		snprintf(err, errlen, "the queue of unsent messages is full");
		return EX_TEMPFAIL;
	}
	m = &staged.msg[staged.n];
	memset(m, 0, sizeof(*m));
	session_new_id(m->id, sizeof(m->id));
	m->to = xstrdup(to);
	m->body = xmemdup(body, len);
	m->len = len;
	m->groupchat = (flags & QUEUE_GROUPCHAT) != 0;
	m->receipt = (flags & QUEUE_RECEIPT) != 0;
	m->oob = (flags & QUEUE_OOB) != 0;
	staged.owner[staged.n++] = owner;
	staged.bytes += len;
	return 0;
}

void
queue_forget(void *owner)
{
	size_t i;

	for (i = 0; i < staged.n; i++)
		if (staged.owner[i] == owner)
			staged.owner[i] = NULL;
}

int
queue_commit(void)
{
	char err[PATH_MAX + 128] = "the journal could not be opened";
	size_t i, n = staged.n;
	time_t now = clock_wall();
	uint64_t seg = 0;
	int status = 0;

	if (n == 0) {
		/* The turn's tombstones, if any, in one write. */
		if (journal != NULL)
			journal_write_done(journal);
		return 0;
	}
	for (i = 0; i < n; i++)
		staged.msg[i].created = now;
	if (journal == NULL || journal_append(journal, staged.msg, n, &seg,
	    err, sizeof(err)) == -1) {
		log_error("%s", err);
		status = EX_TEMPFAIL;
	}
	staged.n = staged.bytes = 0;
	for (i = 0; i < n; i++) {
		/*
		 * Room was checked when it was staged; should the queue have
		 * filled meanwhile, the message waits in the journal.
		 */
		if (status == 0 && queue_add(&staged.msg[i], seg) == -1)
			log_warn("queue full: %s stays in the journal until the "
			    "next start", staged.msg[i].id);
		if (staged.owner[i] != NULL)
			accepted_fn(staged.owner[i], staged.msg[i].id,
			    status, err);
		spooled_free(&staged.msg[i]);
	}
	return 1;
}

/* outbox_done_fn: the message's journey ends here. */
static void
queue_done(struct outbox *ob, struct outmsg *m, enum outbox_end why)
{
	journal_release(m);
	if (why != OUTBOX_CONFIRMED)
		snprintf(given_up[given_up_next++ % GIVEN_UP_KEPT],
		    SPOOL_ID_MAX, "%s", m->id);
	if (why == OUTBOX_EXPIRED)
		log_warn("message %s to %s dropped: not sent within its "
		    "lifetime of %u s", m->id, m->to, xd.acct.lifetime);
	else if (why == OUTBOX_GAVE_UP)
		log_error("message %s to %s dropped: the server ended the "
		    "stream (%s) right after it, when it was sent alone",
		    m->id, m->to, ob->blame);
	if (m->waiter != NULL)
		ended_fn(m->waiter, why);
}

/* One line of queue_list(): ID TO BYTES CREATED FLAGS WHERE. */
static void
list_one(const struct spooled *m, const char *where)
{
	char when[32], id[SPOOL_ID_MAX + 8], to[512], flags[32] = "";
	struct tm tm;

	if (gmtime_r(&m->created, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(when, sizeof(when), "-");
	snprintf(flags, sizeof(flags), "%s%s%s", m->groupchat ? ",groupchat" :
	    "", m->receipt ? ",receipt" : "", m->oob ? ",oob" : "");
	printf("%s %s %zu %s %s %s\n", loggable(m->id, id, sizeof(id)),
	    loggable(m->to, to, sizeof(to)), m->len, when,
	    flags[0] ? flags + 1 : "-", where);
}

static void
list_found(void *arg, const struct spooled *m, uint64_t segment)
{
	(void)arg, (void)segment;
	list_one(m, "journal");
}

int
queue_list(const char *dir)
{
	char err[PATH_MAX + 128], path[PATH_MAX];
	struct spooled *ms;
	struct dirent *de;
	size_t n, i, nl;
	DIR *d;

	if (journal_peek(dir, list_found, NULL, err, sizeof(err)) == -1) {
		fprintf(stderr, "xmppd: %s\n", err);
		return -1;
	}
	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		nl = strlen(de->d_name);
		if (de->d_name[0] == '.' || nl < 5 ||
		    strcmp(de->d_name + nl - 4, ".msg") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (spool_read(path, &ms, &n, err, sizeof(err)) == -1) {
			fprintf(stderr, "xmppd: %s\n", err);
			continue;
		}
		for (i = 0; i < n; i++)
			list_one(&ms[i], de->d_name);
		spooled_free_all(ms, n);
	}
	closedir(d);
	return 0;
}

int64_t
queue_bounced(const char *id, const char *type)
{
	struct outmsg *m;
	int64_t delay;

	if (type == NULL || strcmp(type, "wait") != 0 ||
	    (m = outbox_find(&xd.outbox, id)) == NULL || m->batch == 0)
		return 0;
	outbox_take(&xd.outbox, m);
	delay = (int64_t)RETRY_MIN_MS << (m->bounces < 6 ? m->bounces : 6);
	if (delay > RETRY_MAX_MS)
		delay = RETRY_MAX_MS;
	m->bounces++;
	m->retry_at = clock_ms() + delay;
	m->next = deferred;
	deferred = m;
	return delay;
}

struct outmsg *
queue_find(const char *id)
{
	struct outmsg *m;

	if ((m = outbox_find(&xd.outbox, id)) != NULL)
		return m;
	for (m = deferred; m != NULL; m = m->next)
		if (strcmp(m->id, id) == 0)
			return m;
	return NULL;
}

/* Deferred messages whose time has come go back; expired ones end. */
static int64_t
deferred_timers(int64_t now)
{
	struct outmsg **pp = &deferred, *m;
	int64_t soonest = INT64_MAX;
	time_t wall = clock_wall();

	while ((m = *pp) != NULL) {
		if (wall - m->created >= (time_t)xd.acct.lifetime) {
			*pp = m->next;
			outbox_end(&xd.outbox, m, OUTBOX_EXPIRED);
		} else if (now >= m->retry_at) {
			*pp = m->next;
			outbox_put_back(&xd.outbox, m);
		} else {
			if (m->retry_at < soonest)
				soonest = m->retry_at;
			pp = &m->next;
		}
	}
	return soonest;
}

void
queue_online(void)
{
	queue_load(0);
}

/* What the group commits of this run cost (scripts/bench reads it). */
static void
log_commits(void)
{
	struct journal_sync_stats st;

	if (journal == NULL)
		return;
	journal_sync_stats(journal, &st);
	if (st.commits == 0)
		return;
	log_info("journal: %lu group commit(s) of %lu message(s), %.1f a "
	    "commit; fdatasync %.3f ms a commit on average, %.3f ms at "
	    "most", st.commits, st.messages, (double)st.messages /
	    (double)st.commits, (double)st.sync_ns / (double)st.commits / 1e6,
	    (double)st.sync_max_ns / 1e6);
}

void
queue_stop(void)
{
	struct outmsg *m;

	queue_commit();
	while ((m = deferred) != NULL) {	/* they stay in the journal */
		deferred = m->next;
		outbox_discard(m);
	}
	log_commits();
	journal_close(journal);
	journal = NULL;
	free(stuck);
	stuck = NULL;
	nstuck = 0;
}

int64_t
queue_timers(int64_t now)
{
	time_t next;

	int64_t soonest = deferred_timers(now), t;

	if (flush_at != 0 && now >= flush_at) {
		journal_flush(journal);
		flush_at = 0;
	}
	next = outbox_expire(&xd.outbox, clock_wall(),
	    (time_t)xd.acct.lifetime);
	if (next != 0 && (t = now + ((int64_t)(next - clock_wall()) + 1) *
	    1000) < soonest)
		soonest = t;
	return flush_at != 0 && flush_at < soonest ? flush_at : soonest;
}
