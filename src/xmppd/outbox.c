/* outbox.c: the queue of messages waiting for the server's confirmation. */
#include "outbox.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

void
outbox_init(struct outbox *ob)
{
	memset(ob, 0, sizeof(*ob));
	ob->next_batch = 1;
}

static void
outmsg_free(struct outmsg *m)
{
	free(m->id);
	free(m->to);
	free(m->body);
	free(m);
}

void
outbox_free(struct outbox *ob)
{
	struct outmsg *m, *next;

	for (m = ob->head; m != NULL; m = next) {
		next = m->next;
		outmsg_free(m);
	}
	outbox_init(ob);
}

int
outbox_add(struct outbox *ob, const char *id, const char *to,
    const char *body, size_t len)
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
	return ob->cursor;
}

void
outbox_sent(struct outbox *ob)
{
	ob->cursor->batch = ob->next_batch;
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
		ob->head = m->next;
		if (ob->tail == m)
			ob->tail = NULL;
		ob->count--;
		ob->bytes -= m->len;
		outmsg_free(m);
		dropped++;
	}
	return dropped;
}

void
outbox_requeue(struct outbox *ob)
{
	struct outmsg *m;

	for (m = ob->head; m != NULL; m = m->next)
		m->batch = 0;
	ob->cursor = ob->head;
	ob->need_barrier = 0;
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
