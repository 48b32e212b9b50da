/*
 * queue.c: accepted outgoing messages, on disk (spool.c) and in order
 * (outbox.c).  A message is written to the spool before the client hears
 * "OK", and leaves the spool only when the server has confirmed it, when
 * its lifetime passes, or when it has been given up; each end is logged.
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
	struct spooled m;
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
		free(list[i].name);
		if (spool_read(path, &m, err, sizeof(err)) == -1) {
			set_aside(path, err);
			continue;
		}
		if (outbox_find(&xd.outbox, m.id) != NULL)
			;	/* already queued */
		else if (outbox_add(&xd.outbox, m.id, m.to, m.body, m.len,
		    m.created) == -1)
			log_warn("queue full: %s stays in the spool", m.id);
		else {
			xd.outbox.tail->groupchat = m.groupchat;
			xd.outbox.tail->receipt = m.receipt;
			added++;
		}
		spooled_free(&m);
	}
	free(list);
	if (added > 0)
		log_info("%zu message(s) from the spool queued", added);
}

int
queue_accept(const char *to, int flags, const char *body, size_t len,
    char *id, size_t idlen, char *err, size_t errlen)
{
	struct spooled m;

	if (xd.outbox.count >= OUTBOX_MAX_MESSAGES ||
	    xd.outbox.bytes + len > OUTBOX_MAX_BYTES) {
		snprintf(err, errlen, "the queue of unsent messages is full");
		return EX_TEMPFAIL;
	}
	session_new_id(id, idlen);
	memset(&m, 0, sizeof(m));
	snprintf(m.id, sizeof(m.id), "%s", id);
	m.to = (char *)to;
	m.body = (char *)body;
	m.len = len;
	m.created = time(NULL);
	m.groupchat = (flags & QUEUE_GROUPCHAT) != 0;
	m.receipt = (flags & QUEUE_RECEIPT) != 0;
	if (spool_write(xd.spooldir, &m, xd.acct.spoolsync, err, errlen) == -1) {
		log_error("%s", err);
		return EX_TEMPFAIL;
	}
	if (outbox_add(&xd.outbox, id, to, body, len, m.created) == -1) {
		spool_remove(xd.spooldir, id);
		snprintf(err, errlen, "the queue of unsent messages is full");
		return EX_TEMPFAIL;
	}
	xd.outbox.tail->groupchat = m.groupchat;
	xd.outbox.tail->receipt = m.receipt;
	return 0;
}

/* outbox_done_fn: the message's journey ends here. */
void
queue_done(struct outbox *ob, struct outmsg *m, enum outbox_end why)
{
	(void)ob;
	spool_remove(xd.spooldir, m->id);
	if (why != OUTBOX_CONFIRMED)
		snprintf(given_up[given_up_next++ % GIVEN_UP_KEPT],
		    SPOOL_ID_MAX, "%s", m->id);
	if (why == OUTBOX_EXPIRED)
		log_warn("message %s to %s dropped: not sent within its "
		    "lifetime of %u s", m->id, m->to, xd.acct.lifetime);
	else if (why == OUTBOX_GAVE_UP)
		log_warn("message %s to %s dropped: the link failed %d times "
		    "while it was unconfirmed", m->id, m->to, m->attempts);
	if (m->waiter != NULL)
		control_message_done(m->waiter, why);
}

int64_t
queue_timers(int64_t now)
{
	time_t next;

	next = outbox_expire(&xd.outbox, time(NULL),
	    (time_t)xd.acct.lifetime);
	if (next == 0)
		return INT64_MAX;
	return now + ((int64_t)(next - time(NULL)) + 1) * 1000;
}
