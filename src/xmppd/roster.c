/*
 * roster.c: contacts and presence, as JABBER_STATUS needs them.
 *
 * A hash table keyed by the folded bare JID, and a list of all contacts
 * oldest first, which cursors walk (an INFO answer read slowly).  Each
 * contact keeps a short list of its available resources, never more than
 * ROSTER_RESOURCES_MAX, so that whatever a contact sends, a presence costs
 * a hash lookup and a walk of a bounded list; unavailable presence
 * removes one.  Lookups answer the highest priority, ties going to the
 * newest presence.
 */
#include "roster.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static size_t
hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

void
roster_init(struct roster *r)
{
	memset(r, 0, sizeof(*r));
	r->nbuckets = 64;
	r->buckets = xcalloc(r->nbuckets, sizeof(*r->buckets));
}

static void
resource_free(struct resource *res)
{
	free(res->name);
	free(res->text);
	free(res);
}

static void
contact_clear(struct contact *c)
{
	struct resource *res, *next;

	for (res = c->resources; res != NULL; res = next) {
		next = res->next;
		resource_free(res);
	}
	c->resources = NULL;
	c->nresources = 0;
}

static void
contact_free(struct contact *c)
{
	contact_clear(c);
	free(c->bare);
	free(c->subscription);
	free(c);
}

void
roster_free(struct roster *r)
{
	struct contact *c, *next;

	for (c = r->oldest; c != NULL; c = next) {
		next = c->newer;
		contact_free(c);
	}
	free(r->buckets);
	memset(r, 0, sizeof(*r));
}

struct contact *
roster_find(struct roster *r, const char *bare)
{
	struct contact *c;

	for (c = r->buckets[hash(bare) % r->nbuckets]; c; c = c->next)
		if (strcmp(c->bare, bare) == 0)
			return c;
	return NULL;
}

/* Keeps the table's chains short: four times the buckets when full. */
static void
roster_grow(struct roster *r)
{
	struct contact **nb, *c;
	size_t n = r->nbuckets * 4;

	nb = xcalloc(n, sizeof(*nb));
	for (c = r->oldest; c != NULL; c = c->newer) {
		c->next = nb[hash(c->bare) % n];
		nb[hash(c->bare) % n] = c;
	}
	free(r->buckets);
	r->buckets = nb;
	r->nbuckets = n;
}

/* Counts c among r->others (sign 1) or takes it out (-1). */
static void
count_other(struct roster *r, const struct contact *c, int sign)
{
	if (c->in_roster && !c->is_buddy)
		r->others += (size_t)sign;
}

static struct contact *
roster_get(struct roster *r, const char *bare)
{
	struct contact *c;
	size_t b;

	if ((c = roster_find(r, bare)) != NULL)
		return c;
	if (r->count >= r->nbuckets)
		roster_grow(r);
	c = xcalloc(1, sizeof(*c));
	c->bare = xstrdup(bare);
	b = hash(bare) % r->nbuckets;
	c->next = r->buckets[b];
	r->buckets[b] = c;
	c->older = r->newest;
	if (r->newest != NULL)
		r->newest->newer = c;
	else
		r->oldest = c;
	r->newest = c;
	r->count++;
	return c;
}

static void
roster_remove(struct roster *r, struct contact *victim)
{
	struct contact **pp;
	struct roster_cursor *cur;

	for (pp = &r->buckets[hash(victim->bare) % r->nbuckets]; *pp != victim;
	    pp = &(*pp)->next)
		;
	*pp = victim->next;
	if (victim->older != NULL)
		victim->older->newer = victim->newer;
	else
		r->oldest = victim->newer;
	if (victim->newer != NULL)
		victim->newer->older = victim->older;
	else
		r->newest = victim->older;
	for (cur = r->cursors; cur != NULL; cur = cur->next)
		if (cur->at == victim)
			cur->at = victim->newer;
	count_other(r, victim, -1);
	contact_free(victim);
	r->count--;
}

void
roster_add_buddy(struct roster *r, const char *bare)
{
	struct contact *c = roster_get(r, bare);

	count_other(r, c, -1);
	c->is_buddy = 1;
}

void
roster_drop_buddy(struct roster *r, struct contact *c)
{
	if (!c->is_buddy)
		return;
	c->is_buddy = 0;
	if (c->in_roster)
		count_other(r, c, 1);
	else
		roster_remove(r, c);
}

/* A buddy the server's roster no longer has: what it said is gone. */
static void
contact_unlist(struct contact *c)
{
	c->in_roster = 0;
	free(c->subscription);
	c->subscription = NULL;
}

void
roster_set_item(struct roster *r, const char *bare, const char *subscription)
{
	struct contact *c;

	if (subscription != NULL && strcmp(subscription, "remove") == 0) {
		if ((c = roster_find(r, bare)) == NULL)
			return;
		if (c->is_buddy)
			contact_unlist(c);
		else
			roster_remove(r, c);
		return;
	}
	c = roster_get(r, bare);
	count_other(r, c, -1);
	c->in_roster = 1;
	count_other(r, c, 1);
	free(c->subscription);
	c->subscription = xstrdup(subscription ? subscription : "none");
}

void
roster_begin_reload(struct roster *r)
{
	struct contact *c, *next;

	for (c = r->oldest; c != NULL; c = next) {
		next = c->newer;
		if (c->is_buddy)
			contact_unlist(c);
		else
			roster_remove(r, c);
	}
}

int
roster_sees_them(const struct contact *c)
{
	return c->subscription != NULL &&
	    (strcmp(c->subscription, "to") == 0 ||
	    strcmp(c->subscription, "both") == 0);
}

int
roster_sees_us(const struct contact *c)
{
	return c->subscription != NULL &&
	    (strcmp(c->subscription, "from") == 0 ||
	    strcmp(c->subscription, "both") == 0);
}

/* text cut to ROSTER_TEXT_MAX bytes, not inside a UTF-8 sequence. */
static char *
text_copy(const char *text)
{
	size_t n;

	if (text == NULL)
		return NULL;
	if ((n = strlen(text)) > ROSTER_TEXT_MAX) {
		n = ROSTER_TEXT_MAX;
		while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
			n--;
	}
	return xmemdup(text, n);
}

/*
 * The resource to give up for a newcomer of this priority: the lowest
 * priority, least recently changed one; NULL when the newcomer itself
 * is lower than all of them.
 */
static struct resource **
resource_victim(struct contact *c, int priority)
{
	struct resource **pp, **worst = &c->resources;

	for (pp = &c->resources; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->priority < (*worst)->priority ||
		    ((*pp)->priority == (*worst)->priority &&
		    (*pp)->seq < (*worst)->seq))
			worst = pp;
	return priority < (*worst)->priority ? NULL : worst;
}

/* Makes room for a new resource: 1 if there is (now), 0 if not. */
static int
resource_room(struct contact *c, int priority)
{
	struct resource **victim, *res;

	if (c->nresources < ROSTER_RESOURCES_MAX)
		return 1;
	if ((victim = resource_victim(c, priority)) == NULL)
		return 0;
	res = *victim;
	*victim = res->next;
	resource_free(res);
	c->nresources--;
	return 1;
}

int
roster_presence(struct roster *r, const char *bare, const char *resource,
    int available, int priority, enum show show, const char *text)
{
	struct contact *c = roster_find(r, bare);
	struct resource **pp, *res;
	int first_cap = 0;

	if (c == NULL || resource == NULL)
		return 0;
	for (pp = &c->resources; *pp != NULL; pp = &(*pp)->next)
		if (strcmp((*pp)->name, resource) == 0)
			break;
	if (!available) {
		if ((res = *pp) != NULL) {
			*pp = res->next;
			resource_free(res);
			c->nresources--;
		}
		return 0;
	}
	if ((res = *pp) == NULL) {
		first_cap = c->nresources >= ROSTER_RESOURCES_MAX && !c->capped;
		if (first_cap)
			c->capped = 1;
		if (!resource_room(c, priority))
			return first_cap;
		res = xcalloc(1, sizeof(*res));
		res->name = xstrdup(resource);
		res->next = c->resources;
		c->resources = res;
		c->nresources++;
	}
	res->priority = priority;
	res->show = show;
	free(res->text);
	res->text = text_copy(text);
	res->seq = ++r->seq;
	return first_cap;
}

void
roster_clear_presence(struct roster *r)
{
	struct contact *c;

	for (c = r->oldest; c != NULL; c = c->newer)
		contact_clear(c);
}

int
roster_status(struct roster *r, const char *bare, const char *resource)
{
	struct contact *c = roster_find(r, bare);
	struct resource *res, *best = NULL;

	if (c == NULL || (!c->in_roster && !c->is_buddy))
		return STATUS_NOT_IN_ROSTER;
	for (res = c->resources; res != NULL; res = res->next) {
		if (resource != NULL) {
			if (strcmp(res->name, resource) == 0)
				return (int)res->show;
			continue;
		}
		if (best == NULL || res->priority > best->priority ||
		    (res->priority == best->priority && res->seq > best->seq))
			best = res;
	}
	return best ? (int)best->show : STATUS_OFFLINE;
}

void
roster_foreach(struct roster *r, void (*fn)(struct contact *, void *),
    void *arg)
{
	struct contact *c, *next;

	for (c = r->oldest; c != NULL; c = next) {
		next = c->newer;
		fn(c, arg);
	}
}

void
roster_cursor_start(struct roster *r, struct roster_cursor *cur)
{
	cur->at = r->oldest;
	cur->next = r->cursors;
	r->cursors = cur;
}

struct contact *
roster_cursor_next(struct roster *r, struct roster_cursor *cur)
{
	struct contact *c = cur->at;

	if (c == NULL)
		roster_cursor_stop(r, cur);
	else
		cur->at = c->newer;
	return c;
}

void
roster_cursor_stop(struct roster *r, struct roster_cursor *cur)
{
	struct roster_cursor **pp;

	for (pp = &r->cursors; *pp != NULL; pp = &(*pp)->next)
		if (*pp == cur) {
			*pp = cur->next;
			break;
		}
	cur->at = NULL;
}
