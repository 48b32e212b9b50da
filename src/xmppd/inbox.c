/*
 * inbox.c: what JABBER_RECEIVE meant, without its bugs.
 *
 * Messages are kept oldest first for keep_ms, matched on the exact folded
 * bare JID (and the exact resource when one is asked for), and consumed by
 * exactly one waiter, the first in arrival order that takes it: a waiter
 * whose client has gone does not, and the message goes to the next one,
 * or is kept.  The number
 * and total size of kept messages are capped; the oldest go first.
 */
#include "inbox.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

void
inbox_init(struct inbox *ib, int64_t keep_ms, inbox_deliver_fn deliver)
{
	memset(ib, 0, sizeof(*ib));
	ib->keep_ms = keep_ms;
	ib->deliver = deliver;
}

static void
inmsg_free(struct inmsg *m)
{
	free(m->bare);
	free(m->resource);
	free(m->tag);
	free(m->body);
	free(m);
}

static void
waiter_free(struct waiter *w)
{
	free(w->bare);
	free(w->resource);
	free(w);
}

static void
drop_oldest(struct inbox *ib)
{
	struct inmsg *m = ib->head;

	ib->head = m->next;
	if (ib->head == NULL)
		ib->tail = NULL;
	ib->count--;
	ib->bytes -= m->len;
	inmsg_free(m);
}

void
inbox_free(struct inbox *ib)
{
	struct waiter *w, *next;

	while (ib->head != NULL)
		drop_oldest(ib);
	for (w = ib->waiters; w != NULL; w = next) {
		next = w->next;
		waiter_free(w);
	}
	ib->waiters = ib->last_waiter = NULL;
}

static int
matches(const char *bare, const char *resource, const char *want_bare,
    const char *want_resource)
{
	if (want_bare == NULL)
		return 1;
	if (strcmp(bare, want_bare) != 0)
		return 0;
	if (want_resource == NULL)
		return 1;
	return resource != NULL && strcmp(resource, want_resource) == 0;
}

static void
waiter_unlink(struct inbox *ib, struct waiter *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		ib->waiters = w->next;
	if (w->next)
		w->next->prev = w->prev;
	else
		ib->last_waiter = w->prev;
}

static void
prune(struct inbox *ib, int64_t now)
{
	while (ib->head != NULL && ib->head->expires <= now)
		drop_oldest(ib);
}

int
inbox_add(struct inbox *ib, const char *bare, const char *resource,
    const char *tag, const char *body, size_t len, int64_t now)
{
	struct waiter *w, *next;
	struct inmsg *m;
	int taken;

	for (w = ib->waiters; w != NULL; w = next) {
		next = w->next;
		if (!matches(bare, resource, w->bare, w->resource))
			continue;
		waiter_unlink(ib, w);
		taken = ib->deliver(w->owner, body, len, tag);
		waiter_free(w);
		if (taken)
			return 1;
	}
	prune(ib, now);
	if (len > INBOX_MAX_BYTES)
		return 0;
	while (ib->head != NULL && (ib->count >= INBOX_MAX_MESSAGES ||
	    ib->bytes + len > INBOX_MAX_BYTES))
		drop_oldest(ib);
	m = xcalloc(1, sizeof(*m));
	m->bare = xstrdup(bare);
	m->resource = resource ? xstrdup(resource) : NULL;
	m->tag = tag ? xstrdup(tag) : NULL;
	m->body = xmemdup(body, len);
	m->len = len;
	m->expires = now + ib->keep_ms;
	if (ib->tail)
		ib->tail->next = m;
	else
		ib->head = m;
	ib->tail = m;
	ib->count++;
	ib->bytes += len;
	return 0;
}

struct waiter *
inbox_wait(struct inbox *ib, const char *bare, const char *resource,
    int64_t deadline, void *owner, int64_t now)
{
	struct inmsg *prev = NULL, *m;
	struct waiter *w;

	prune(ib, now);
	for (m = ib->head; m != NULL; prev = m, m = m->next)
		if (matches(m->bare, m->resource, bare, resource)) {
			if (!ib->deliver(owner, m->body, m->len, m->tag))
				return NULL;	/* gone: the message stays */
			if (prev)
				prev->next = m->next;
			else
				ib->head = m->next;
			if (ib->tail == m)
				ib->tail = prev;
			ib->count--;
			ib->bytes -= m->len;
			inmsg_free(m);
			return NULL;
		}
	w = xcalloc(1, sizeof(*w));
	w->bare = bare ? xstrdup(bare) : NULL;
	w->resource = resource ? xstrdup(resource) : NULL;
	w->deadline = deadline;
	w->owner = owner;
	w->prev = ib->last_waiter;
	if (ib->last_waiter)
		ib->last_waiter->next = w;
	else
		ib->waiters = w;
	ib->last_waiter = w;
	return w;
}

void
inbox_cancel(struct inbox *ib, struct waiter *w)
{
	waiter_unlink(ib, w);
	waiter_free(w);
}

int64_t
inbox_expire(struct inbox *ib, int64_t now)
{
	struct waiter *w, *next;
	int64_t soonest = INT64_MAX;

	prune(ib, now);
	for (w = ib->waiters; w != NULL; w = next) {
		next = w->next;
		if (w->deadline <= now) {
			waiter_unlink(ib, w);
			ib->deliver(w->owner, NULL, 0, NULL);
			waiter_free(w);
		} else if (w->deadline < soonest)
			soonest = w->deadline;
	}
	return soonest;
}
