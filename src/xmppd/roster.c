/*
 * roster.c: contacts and presence, as JABBER_STATUS needs them.
 *
 * A hash table keyed by the folded bare JID.  Each contact keeps a short
 * list of its available resources; unavailable presence removes one.
 * Lookups answer the highest priority, ties going to the newest presence.
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
}

void
roster_free(struct roster *r)
{
	struct contact *c, *next;
	size_t i;

	for (i = 0; i < r->nbuckets; i++)
		for (c = r->buckets[i]; c != NULL; c = next) {
			next = c->next;
			contact_clear(c);
			free(c->bare);
			free(c->subscription);
			free(c);
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

static void
roster_grow(struct roster *r)
{
	struct contact **nb, *c, *next;
	size_t i, n = r->nbuckets * 4;

	nb = xcalloc(n, sizeof(*nb));
	for (i = 0; i < r->nbuckets; i++)
		for (c = r->buckets[i]; c != NULL; c = next) {
			next = c->next;
			c->next = nb[hash(c->bare) % n];
			nb[hash(c->bare) % n] = c;
		}
	free(r->buckets);
	r->buckets = nb;
	r->nbuckets = n;
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
	r->count++;
	return c;
}

static void
roster_remove(struct roster *r, struct contact *victim)
{
	struct contact **pp;

	for (pp = &r->buckets[hash(victim->bare) % r->nbuckets]; *pp;
	    pp = &(*pp)->next)
		if (*pp == victim) {
			*pp = victim->next;
			contact_clear(victim);
			free(victim->bare);
			free(victim->subscription);
			free(victim);
			r->count--;
			return;
		}
}

void
roster_add_buddy(struct roster *r, const char *bare)
{
	roster_get(r, bare)->is_buddy = 1;
}

void
roster_set_item(struct roster *r, const char *bare, const char *subscription)
{
	struct contact *c;

	if (subscription != NULL && strcmp(subscription, "remove") == 0) {
		if ((c = roster_find(r, bare)) == NULL)
			return;
		if (c->is_buddy)
			c->in_roster = 0;
		else
			roster_remove(r, c);
		return;
	}
	c = roster_get(r, bare);
	c->in_roster = 1;
	free(c->subscription);
	c->subscription = xstrdup(subscription ? subscription : "none");
}

void
roster_begin_reload(struct roster *r)
{
	struct contact *c, *next;
	size_t i;

	for (i = 0; i < r->nbuckets; i++)
		for (c = r->buckets[i]; c != NULL; c = next) {
			next = c->next;
			if (c->is_buddy)
				c->in_roster = 0;
			else
				roster_remove(r, c);
		}
}

void
roster_presence(struct roster *r, const char *bare, const char *resource,
    int available, int priority, enum show show, const char *text)
{
	struct contact *c = roster_find(r, bare);
	struct resource **pp, *res;

	if (c == NULL || resource == NULL)
		return;
	for (pp = &c->resources; *pp != NULL; pp = &(*pp)->next)
		if (strcmp((*pp)->name, resource) == 0)
			break;
	if (!available) {
		if ((res = *pp) != NULL) {
			*pp = res->next;
			resource_free(res);
		}
		return;
	}
	if ((res = *pp) == NULL) {
		res = xcalloc(1, sizeof(*res));
		res->name = xstrdup(resource);
		*pp = res;
	}
	res->priority = priority;
	res->show = show;
	free(res->text);
	res->text = text ? xstrdup(text) : NULL;
	res->seq = ++r->seq;
}

void
roster_clear_presence(struct roster *r)
{
	struct contact *c;
	size_t i;

	for (i = 0; i < r->nbuckets; i++)
		for (c = r->buckets[i]; c != NULL; c = c->next)
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
	size_t i;

	for (i = 0; i < r->nbuckets; i++)
		for (c = r->buckets[i]; c != NULL; c = next) {
			next = c->next;
			fn(c, arg);
		}
}
