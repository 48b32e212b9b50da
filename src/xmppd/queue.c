/*
 * queue.c: accepted outgoing messages, on disk (spool.c) and in order
 * (outbox.c).  A message is written to the spool before the client hears
 * "OK", and leaves the spool only when the server has confirmed it, when
 * its lifetime passes, or when it has been given up; each end is logged.
 *
 * The messages of one turn of the loop share a spool file (one fsync()
 * pair for all their senders).  They are sent in one batch behind one
 * barrier, so they are confirmed, expired or given up together; the file
 * goes when the last of them does.
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "spool.h"
#include "util.h"
#include "xmppd.h"

static queue_accepted_fn accepted_fn;
static queue_ended_fn ended_fn;
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

/* Moves a file we cannot read aside, so it is looked at, not lost. */
static void
set_aside(const char *path, const char *why)
{
	char bad[PATH_MAX];

	snprintf(bad, sizeof(bad), "%s.bad", path);
	log_error("%s; kept as %s", why, bad);
	rename(path, bad);
}

/* A spool file, and how many of its messages are still queued. */
struct spoolfile {
	size_t	live;
	char	name[SPOOL_ID_MAX];
};

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

static void
file_put(struct outmsg *m, struct spoolfile *f)
{
	m->file = f;
	f->live++;
}

/* One message less holds f; the last one takes the file with it. */
static void
file_release(struct spoolfile *f, int remove)
{
	if (f == NULL || --f->live > 0)
		return;
	if (remove)
		spool_remove(xd.spooldir, f->name);
	free(f);
}

static int
queue_add(const struct spooled *m, struct spoolfile *f)
{
	if (outbox_add(&xd.outbox, m->id, m->to, m->body, m->len,
	    m->created) == -1)
		return -1;
	xd.outbox.tail->groupchat = m->groupchat;
	xd.outbox.tail->receipt = m->receipt;
	file_put(xd.outbox.tail, f);
	return 0;
}

/* Queues the messages of one spool file: all of them or, if full, none. */
static size_t
queue_file(const char *name, struct spooled *ms, size_t n)
{
	struct spoolfile *f;
	size_t i, bytes = 0, added = 0;

	for (i = 0; i < n; i++)
		bytes += ms[i].len;
	if (xd.outbox.count + n > OUTBOX_MAX_MESSAGES ||
	    xd.outbox.bytes + bytes > OUTBOX_MAX_BYTES) {
		log_warn("queue full: %s stays in the spool", name);
		return 0;
	}
	f = xcalloc(1, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%.*s", (int)(strlen(name) - 4),
	    name);
	f->live = 1;	/* ours until the loop is done */
	for (i = 0; i < n; i++)
		if (outbox_find(&xd.outbox, ms[i].id) == NULL &&
		    queue_add(&ms[i], f) == 0)
			added++;
	file_release(f, 0);
	return added;
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
	size_t n = 0, i, nm, added = 0;
	struct dirent *de;
	struct spooled *ms;
	struct stat st;
	char path[PATH_MAX], err[PATH_MAX + 64];
	DIR *d;
	size_t nl;

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
		snprintf(path, sizeof(path), "%s/%s", xd.spooldir, list[i].name);
		if (spool_read(path, &ms, &nm, err, sizeof(err)) == -1)
			set_aside(path, err);
		else {
			added += queue_file(list[i].name, ms, nm);
			spooled_free_all(ms, nm);
		}
		free(list[i].name);
	}
	free(list);
	if (added > 0)
		log_info("%zu message(s) from the spool queued", added);
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
	struct spoolfile *f = NULL;
	char err[PATH_MAX + 128] = "";
	size_t i, n = staged.n;
	time_t now = clock_wall();
	int status = 0;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		staged.msg[i].created = now;
	if (spool_write_many(xd.spooldir, staged.msg, n, xd.acct.spoolsync,
	    err, sizeof(err)) == -1) {
		log_error("%s", err);
		status = EX_TEMPFAIL;
	} else {
		f = xcalloc(1, sizeof(*f));
		snprintf(f->name, sizeof(f->name), "%s", staged.msg[0].id);
		f->live = 1;	/* ours until the loop is done */
	}
	staged.n = staged.bytes = 0;
	for (i = 0; i < n; i++) {
		/*
		 * Room was checked when it was staged; should the queue have
		 * filled meanwhile, the file must not go with the others.
		 */
		if (status == 0 && queue_add(&staged.msg[i], f) == -1) {
			log_warn("queue full: %s stays in the spool until the "
			    "next start", staged.msg[i].id);
			f->live++;	/* never released in this run */
		}
		if (staged.owner[i] != NULL)
			accepted_fn(staged.owner[i], staged.msg[i].id,
			    status, err);
		spooled_free(&staged.msg[i]);
	}
	if (f != NULL)
		file_release(f, 0);
	return 1;
}

/* outbox_done_fn: the message's journey ends here. */
static void
queue_done(struct outbox *ob, struct outmsg *m, enum outbox_end why)
{
	file_release(m->file, 1);
	m->file = NULL;
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

void
queue_online(void)
{
	queue_load(0);
}

void
queue_stop(void)
{
	struct outmsg *m;

	queue_commit();
	for (m = xd.outbox.head; m != NULL; m = m->next) {
		file_release(m->file, 0);
		m->file = NULL;
	}
}

int64_t
queue_timers(int64_t now)
{
	time_t next;

	next = outbox_expire(&xd.outbox, clock_wall(),
	    (time_t)xd.acct.lifetime);
	if (next == 0)
		return INT64_MAX;
	return now + ((int64_t)(next - clock_wall()) + 1) * 1000;
}
