/* outbox.c: the queue of messages waiting for the server's confirmation. */
#include "outbox.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

void
outbox_init(struct outbox *ob, outbox_done_fn done)
{
	memset(ob, 0, sizeof(*ob));
	ob->next_batch = 1;
	ob->done = done;
}

static void
outmsg_free(struct outmsg *m)
{
	free(m->id);
	free(m->to);
	free(m->body);
	free(m);
}

/* Takes m (whose predecessor is prev) out of the queue and its counts. */
static void
detach(struct outbox *ob, struct outmsg *prev, struct outmsg *m)
{
	if (prev)
		prev->next = m->next;
	else
		ob->head = m->next;
	if (ob->tail == m)
		ob->tail = prev;
	if (ob->cursor == m)
		ob->cursor = m->next;
	else if (m->batch != 0)
		ob->inflight -= OUTBOX_WIRE(m);
	ob->count--;
	ob->bytes -= m->len;
}

/* Takes m (whose predecessor is prev) out of the queue and ends it. */
static void
unlink_msg(struct outbox *ob, struct outmsg *prev, struct outmsg *m,
    enum outbox_end why)
{
	detach(ob, prev, m);
	if (ob->done)
		ob->done(ob, m, why);
	outmsg_free(m);
}

void
outbox_free(struct outbox *ob)
{
	struct outmsg *m, *next;

	for (m = ob->head; m != NULL; m = next) {
		next = m->next;
		outmsg_free(m);
	}
	outbox_init(ob, ob->done);
}

int
outbox_add(struct outbox *ob, const char *id, const char *to,
    const char *body, size_t len, time_t created)
{
	struct outmsg *m;

	if (ob->count >= OUTBOX_MAX_MESSAGES ||
	    ob->bytes + len > OUTBOX_MAX_BYTES)
		return -1;
	m = xcalloc(1, sizeof(*m));
	m->id = xstrdup(id);
	m->to = xstrdup(to);
	m->body = xmemdup(body, len);
	m->len = len;
	m->created = created;
	if (ob->tail)
		ob->tail->next = m;
	else
		ob->head = m;
	ob->tail = m;
	if (ob->cursor == NULL)
		ob->cursor = m;
	ob->count++;
	ob->bytes += len;
	return 0;
}

struct outmsg *
outbox_next(struct outbox *ob)
{
	/* Suspects lead the queue, and each goes out alone. */
	if (ob->head != NULL && ob->head->suspect && ob->head != ob->cursor)
		return NULL;
	return ob->cursor;
}

void
outbox_sent(struct outbox *ob)
{
	ob->cursor->batch = ob->next_batch;
	ob->cursor->attempts++;
	ob->inflight += OUTBOX_WIRE(ob->cursor);
	ob->cursor = ob->cursor->next;
	ob->need_barrier = 1;
}

unsigned long
outbox_barrier(struct outbox *ob)
{
	if (!ob->need_barrier)
		return 0;
	ob->need_barrier = 0;
	return ob->next_batch++;
}

size_t
outbox_confirm(struct outbox *ob, unsigned long n)
{
	struct outmsg *m;
	size_t dropped = 0;

	if (n == 0 || n >= ob->next_batch)
		return 0;	/* never issued: not a confirmation of anything */
	while ((m = ob->head) != NULL && m != ob->cursor && m->batch <= n) {
		unlink_msg(ob, NULL, m, OUTBOX_CONFIRMED);
		dropped++;
	}
	return dropped;
}

void
outbox_requeue(struct outbox *ob, const char *blame)
{
	struct outmsg *m;
	size_t in_flight = 0;

	for (m = ob->head; m != NULL && m != ob->cursor; m = m->next)
		in_flight++;
	if (blame != NULL && in_flight == 1) {
		/* It was alone on the wire when the stream broke. */
		ob->blame = blame;
		unlink_msg(ob, NULL, ob->head, OUTBOX_GAVE_UP);
		ob->blame = NULL;
		in_flight = 0;
	}
	for (m = ob->head; m != NULL; m = m->next) {
		if (blame != NULL && in_flight > 0) {
			m->suspect = 1;
			in_flight--;
		}
		m->batch = 0;
	}
	ob->cursor = ob->head;
	ob->need_barrier = 0;
	ob->inflight = 0;
}

time_t
outbox_expire(struct outbox *ob, time_t now, time_t lifetime)
{
	struct outmsg *m, *prev = NULL, *next;
	time_t soonest = 0;

	/* Only messages not on the wire: the others may be delivered. */
	for (m = ob->head; m != NULL && m != ob->cursor; m = m->next)
		prev = m;
	for (; m != NULL; m = next) {
		next = m->next;
		/* From the future: a clock that went back; count from now. */
		if (m->created > now)
			m->created = now;
		if (now - m->created >= lifetime) {
			unlink_msg(ob, prev, m, OUTBOX_EXPIRED);
			continue;
		}
		if (soonest == 0 || m->created + lifetime < soonest)
			soonest = m->created + lifetime;
		prev = m;
	}
	return soonest;
}

void
outbox_take(struct outbox *ob, struct outmsg *m)
{
	struct outmsg *prev = NULL, *p;

	for (p = ob->head; p != NULL && p != m; p = p->next)
		prev = p;
	if (p == NULL)
		return;
	detach(ob, prev, m);
	m->next = NULL;
	m->batch = 0;
}

void
outbox_put_back(struct outbox *ob, struct outmsg *m)
{
	m->next = NULL;
	if (ob->tail)
		ob->tail->next = m;
	else
		ob->head = m;
	ob->tail = m;
	if (ob->cursor == NULL)
		ob->cursor = m;
	ob->count++;
	ob->bytes += m->len;
}

void
outbox_end(struct outbox *ob, struct outmsg *m, enum outbox_end why)
{
	if (ob->done)
		ob->done(ob, m, why);
	outmsg_free(m);
}

void
outbox_discard(struct outmsg *m)
{
	outmsg_free(m);
}

struct outmsg *
outbox_find(struct outbox *ob, const char *id)
{
	struct outmsg *m;

	for (m = ob->head; m != NULL; m = m->next)
		if (strcmp(m->id, id) == 0)
			return m;
	return NULL;
}
