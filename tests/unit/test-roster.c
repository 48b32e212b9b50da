/*
 * test-roster: contacts, presence and JABBER_STATUS codes (roster.c); the
 * bounds on what one contact may cost; cursors over a changing roster.
 */
#include <stdio.h>
#include <string.h>

#include "roster.h"
#include "tap.h"

#define BOB	"bob@example.com"
#define CAROL	"carol@example.com"

static void
count_contacts(struct contact *c, void *arg)
{
	(void)c;
	(*(size_t *)arg)++;
}

static size_t
contacts(struct roster *r)
{
	size_t n = 0;

	roster_foreach(r, count_contacts, &n);
	return n;
}

static void
test_basic(void)
{
	struct roster r;
	enum show s;

	roster_init(&r);
	is_int(roster_status(&r, BOB, NULL), STATUS_NOT_IN_ROSTER,
	    "unknown contact: 7");
	is_int(STATUS_NOT_IN_ROSTER, 7, "STATUS_NOT_IN_ROSTER is 7");
	is_int(STATUS_OFFLINE, 6, "STATUS_OFFLINE is 6");

	roster_add_buddy(&r, BOB);
	is_int(roster_status(&r, BOB, NULL), STATUS_OFFLINE,
	    "buddy without resources: 6");
	is_int(roster_status(&r, "bob@example.co", NULL), STATUS_NOT_IN_ROSTER,
	    "a prefix of a buddy is not in the roster");
	is_int(roster_status(&r, "bob@example.com.au", NULL),
	    STATUS_NOT_IN_ROSTER, "a longer JID is not in the roster");
	roster_set_item(&r, CAROL, "both");
	is_int(roster_status(&r, CAROL, NULL), STATUS_OFFLINE,
	    "server roster item without presence: 6");
	ok(roster_find(&r, CAROL) != NULL &&
	    strcmp(roster_find(&r, CAROL)->subscription, "both") == 0,
	    "the subscription is recorded");
	roster_set_item(&r, CAROL, NULL);
	ok(strcmp(roster_find(&r, CAROL)->subscription, "none") == 0,
	    "no subscription attribute means none");

	/* One available resource: its show is the status code. */
	is_int(SHOW_ONLINE, 1, "SHOW_ONLINE is 1");
	for (s = SHOW_ONLINE; s <= SHOW_DND; s++) {
		roster_presence(&r, BOB, "phone", 1, 0, s, "text");
		is_int(roster_status(&r, BOB, NULL), s, "show %s gives %d",
		    show_name(s), (int)s);
		is_int(roster_status(&r, BOB, "phone"), s,
		    "show %s for the resource itself", show_name(s));
	}
	is_int(SHOW_CHAT, 2, "SHOW_CHAT is 2");
	is_int(SHOW_AWAY, 3, "SHOW_AWAY is 3");
	is_int(SHOW_XA, 4, "SHOW_XA is 4");
	is_int(SHOW_DND, 5, "SHOW_DND is 5");
	ok(roster_find(&r, BOB)->resources != NULL &&
	    strcmp(roster_find(&r, BOB)->resources->text, "text") == 0,
	    "the status text is kept");
	roster_presence(&r, BOB, "phone", 0, 0, SHOW_ONLINE, NULL);
	is_int(roster_status(&r, BOB, NULL), STATUS_OFFLINE,
	    "unavailable from the only resource: 6");
	ok(roster_find(&r, BOB)->resources == NULL, "the resource is gone");
	roster_presence(&r, BOB, "phone", 0, 0, SHOW_ONLINE, NULL);
	is_int(roster_status(&r, BOB, NULL), STATUS_OFFLINE,
	    "unavailable for an unknown resource is harmless");
	roster_presence(&r, BOB, NULL, 1, 0, SHOW_AWAY, NULL);
	is_int(roster_status(&r, BOB, NULL), STATUS_OFFLINE,
	    "presence without a resource is ignored");
	roster_free(&r);
}

static void
test_priorities(void)
{
	struct roster r;

	roster_init(&r);
	roster_set_item(&r, BOB, "both");
	roster_presence(&r, BOB, "desk", 1, 5, SHOW_AWAY, NULL);
	roster_presence(&r, BOB, "phone", 1, 10, SHOW_DND, NULL);
	roster_presence(&r, BOB, "laptop", 1, -1, SHOW_CHAT, NULL);
	is_int(roster_status(&r, BOB, NULL), SHOW_DND,
	    "the highest priority answers");
	roster_presence(&r, BOB, "desk", 1, 20, SHOW_XA, NULL);
	is_int(roster_status(&r, BOB, NULL), SHOW_XA,
	    "a resource raising its priority takes over");
	roster_presence(&r, BOB, "desk", 0, 0, SHOW_ONLINE, NULL);
	is_int(roster_status(&r, BOB, NULL), SHOW_DND,
	    "when it goes unavailable the next best answers");
	roster_presence(&r, BOB, "phone", 0, 0, SHOW_ONLINE, NULL);
	is_int(roster_status(&r, BOB, NULL), SHOW_CHAT,
	    "then a negative priority one");
	roster_presence(&r, BOB, "laptop", 0, 0, SHOW_ONLINE, NULL);
	is_int(roster_status(&r, BOB, NULL), STATUS_OFFLINE,
	    "all gone: offline");

	/* Equal priorities: the most recent presence answers. */
	roster_presence(&r, BOB, "a", 1, 3, SHOW_AWAY, NULL);
	roster_presence(&r, BOB, "b", 1, 3, SHOW_DND, NULL);
	is_int(roster_status(&r, BOB, NULL), SHOW_DND,
	    "equal priority: the newest (b) answers");
	roster_presence(&r, BOB, "a", 1, 3, SHOW_CHAT, NULL);
	is_int(roster_status(&r, BOB, NULL), SHOW_CHAT,
	    "equal priority: a changes and is now newest");
	roster_presence(&r, BOB, "c", 1, 3, SHOW_XA, NULL);
	roster_presence(&r, BOB, "c", 0, 3, SHOW_XA, NULL);
	is_int(roster_status(&r, BOB, NULL), SHOW_CHAT,
	    "after the newest leaves, the next newest answers");
	roster_presence(&r, BOB, "b", 1, 2, SHOW_AWAY, NULL);
	is_int(roster_status(&r, BOB, NULL), SHOW_CHAT,
	    "a newer presence of lower priority does not answer");

	/* A specific resource: exact, case-sensitive match, else 6. */
	is_int(roster_status(&r, BOB, "b"), SHOW_AWAY, "resource b exactly");
	is_int(roster_status(&r, BOB, "a"), SHOW_CHAT, "resource a exactly");
	is_int(roster_status(&r, BOB, "A"), STATUS_OFFLINE,
	    "resource match is case-sensitive");
	is_int(roster_status(&r, BOB, "ab"), STATUS_OFFLINE,
	    "unknown resource: 6");
	is_int(roster_status(&r, BOB, ""), STATUS_OFFLINE, "empty resource: 6");
	is_int(roster_status(&r, CAROL, "a"), STATUS_NOT_IN_ROSTER,
	    "a resource of someone not in the roster: 7");
	roster_presence(&r, BOB, "My Phone", 1, 0, SHOW_AWAY, NULL);
	is_int(roster_status(&r, BOB, "My Phone"), SHOW_AWAY,
	    "a resource with a space");
	roster_free(&r);
}

static void
test_membership(void)
{
	struct roster r;

	roster_init(&r);
	roster_add_buddy(&r, BOB);
	roster_set_item(&r, CAROL, "to");
	roster_presence(&r, "eve@evil.example", "x", 1, 0, SHOW_CHAT, "spam");
	is_int(roster_status(&r, "eve@evil.example", NULL),
	    STATUS_NOT_IN_ROSTER, "presence from a stranger is ignored");
	ok(roster_find(&r, "eve@evil.example") == NULL,
	    "the stranger is not added");
	is_int(r.count, 2, "the table did not grow");
	is_int(contacts(&r), 2, "roster_foreach sees two contacts");

	roster_presence(&r, CAROL, "home", 1, 0, SHOW_AWAY, NULL);
	roster_presence(&r, BOB, "home", 1, 0, SHOW_XA, NULL);
	roster_set_item(&r, CAROL, "remove");
	is_int(roster_status(&r, CAROL, NULL), STATUS_NOT_IN_ROSTER,
	    "subscription remove drops a non-buddy contact");
	ok(roster_find(&r, CAROL) == NULL, "and frees it");
	roster_set_item(&r, BOB, "both");
	roster_set_item(&r, BOB, "remove");
	ok(roster_find(&r, BOB) != NULL, "a buddy stays after remove");
	is_int(roster_status(&r, BOB, NULL), SHOW_XA,
	    "and keeps its presence");
	is_int(roster_find(&r, BOB)->in_roster, 0,
	    "without the server's flag");
	roster_set_item(&r, "nobody@example.com", "remove");
	is_int(r.count, 1, "removing an unknown contact adds nothing");

	/* Reload: server items go, buddies stay. */
	roster_set_item(&r, CAROL, "both");
	roster_set_item(&r, "dave@example.com", "from");
	roster_set_item(&r, BOB, "both");
	roster_presence(&r, CAROL, "home", 1, 0, SHOW_AWAY, NULL);
	roster_begin_reload(&r);
	is_int(roster_status(&r, CAROL, NULL), STATUS_NOT_IN_ROSTER,
	    "reload forgets server items");
	is_int(roster_status(&r, "dave@example.com", NULL),
	    STATUS_NOT_IN_ROSTER, "all of them");
	is_int(roster_status(&r, BOB, NULL), SHOW_XA, "buddies stay");
	is_int(roster_find(&r, BOB)->in_roster, 0,
	    "without the server's flag until the new roster names them");
	is_int(r.count, 1, "only the buddy is left");
	roster_set_item(&r, CAROL, "both");
	is_int(roster_status(&r, CAROL, NULL), STATUS_OFFLINE,
	    "a reloaded item is back, offline until presence comes");

	roster_presence(&r, CAROL, "home", 1, 0, SHOW_AWAY, NULL);
	roster_clear_presence(&r);
	is_int(roster_status(&r, BOB, NULL), STATUS_OFFLINE,
	    "clear_presence: buddy offline");
	is_int(roster_status(&r, CAROL, NULL), STATUS_OFFLINE,
	    "clear_presence: item offline");
	is_int(roster_status(&r, BOB, "home"), STATUS_OFFLINE,
	    "clear_presence: resource offline");
	is_int(roster_status(&r, "eve@evil.example", NULL),
	    STATUS_NOT_IN_ROSTER, "strangers still 7");
	roster_free(&r);
}

static void
test_growth(void)
{
	struct roster r;
	char bare[64];
	int i, bad_status = 0, bad_find = 0, bad_res = 0;

	roster_init(&r);
	for (i = 0; i < 5000; i++) {
		snprintf(bare, sizeof(bare), "user%d@example.com", i);
		if (i % 2)
			roster_add_buddy(&r, bare);
		else
			roster_set_item(&r, bare, "both");
		if (i % 3 == 0)
			roster_presence(&r, bare, "r", 1, 0,
			    (enum show)(SHOW_ONLINE + i % 5), NULL);
	}
	is_int(r.count, 5000, "5000 contacts");
	ok(r.nbuckets > 64, "the hash table grew (%zu buckets)", r.nbuckets);
	for (i = 0; i < 5000; i++) {
		int want = i % 3 == 0 ? SHOW_ONLINE + i % 5 : STATUS_OFFLINE;

		snprintf(bare, sizeof(bare), "user%d@example.com", i);
		if (roster_status(&r, bare, NULL) != want)
			bad_status++;
		if (roster_find(&r, bare) == NULL ||
		    strcmp(roster_find(&r, bare)->bare, bare) != 0)
			bad_find++;
		if (i % 3 == 0 && roster_status(&r, bare, "r") != want)
			bad_res++;
	}
	is_int(bad_status, 0, "every status right after growth");
	is_int(bad_find, 0, "every contact found after growth");
	is_int(bad_res, 0, "every resource found after growth");
	is_int(roster_status(&r, "user5000@example.com", NULL),
	    STATUS_NOT_IN_ROSTER, "one past the last is not in the roster");
	is_int(contacts(&r), 5000, "roster_foreach visits all 5000");
	roster_begin_reload(&r);
	is_int(r.count, 2500, "reload keeps the 2500 buddies");
	is_int(roster_status(&r, "user2@example.com", NULL),
	    STATUS_NOT_IN_ROSTER, "an even (server) contact is gone");
	is_int(roster_status(&r, "user3@example.com", NULL), SHOW_ONLINE + 3,
	    "an odd (buddy) contact keeps its presence");
	roster_free(&r);
}

/* A resource name with a long shared prefix, as a flood would use. */
static const char *
flood_name(char *buf, size_t len, long i)
{
	snprintf(buf, len, "%0200d%ld", 0, i);
	return buf;
}

static void
test_resource_cap(void)
{
	struct roster r;
	struct contact *c;
	char name[256];
	long i;
	int logged = 0;

	roster_init(&r);
	roster_set_item(&r, BOB, "both");
	roster_presence(&r, BOB, "phone", 1, 10, SHOW_DND, NULL);
	for (i = 0; i < 50000; i++)
		logged += roster_presence(&r, BOB, flood_name(name,
		    sizeof(name), i), 1, 0, SHOW_ONLINE, NULL);
	c = roster_find(&r, BOB);
	is_int(c->nresources, ROSTER_RESOURCES_MAX, "50,000 resources: %d "
	    "kept", ROSTER_RESOURCES_MAX);
	is_int(logged, 1, "the cap is reported once for the contact");
	is_int(roster_status(&r, BOB, "phone"), SHOW_DND,
	    "the highest priority resource stays");
	is_int(roster_status(&r, BOB, NULL), SHOW_DND, "and answers");
	is_int(roster_status(&r, BOB, flood_name(name, sizeof(name), 49999)),
	    SHOW_ONLINE, "the newest flood resource is kept");
	is_int(roster_status(&r, BOB, flood_name(name, sizeof(name), 0)),
	    STATUS_OFFLINE, "the oldest is gone");
	roster_presence(&r, BOB, "low", 1, -5, SHOW_AWAY, NULL);
	is_int(roster_status(&r, BOB, "low"), STATUS_OFFLINE,
	    "a newcomer below all the others is not kept");
	is_int(c->nresources, ROSTER_RESOURCES_MAX, "still full");
	roster_presence(&r, BOB, "phone", 0, 0, SHOW_ONLINE, NULL);
	is_int(c->nresources, ROSTER_RESOURCES_MAX - 1,
	    "unavailable makes room");
	roster_presence(&r, BOB, "low", 1, -5, SHOW_AWAY, NULL);
	is_int(roster_status(&r, BOB, "low"), SHOW_AWAY,
	    "which the next newcomer takes");
	roster_clear_presence(&r);
	is_int(c->nresources, 0, "clear_presence empties it");
	for (i = 0; i < 100; i++)
		logged += roster_presence(&r, BOB, flood_name(name,
		    sizeof(name), i), 1, 0, SHOW_ONLINE, NULL);
	is_int(logged, 1, "a second flood is not reported again");
	roster_free(&r);
}

static void
test_text_cap(void)
{
	struct roster r;
	char text[3000];
	const char *kept;
	size_t i;

	roster_init(&r);
	roster_set_item(&r, BOB, "both");
	memset(text, 'a', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	roster_presence(&r, BOB, "a", 1, 0, SHOW_AWAY, text);
	is_int(strlen(roster_find(&r, BOB)->resources->text), ROSTER_TEXT_MAX,
	    "a long status text is cut to %d bytes", ROSTER_TEXT_MAX);
	/* "b" then two-byte characters: the cut falls inside one. */
	text[0] = 'b';
	for (i = 1; i + 1 < sizeof(text) - 1; i += 2)
		memcpy(text + i, "\xc3\xa9", 2);
	text[i] = '\0';
	roster_presence(&r, BOB, "a", 1, 0, SHOW_AWAY, text);
	kept = roster_find(&r, BOB)->resources->text;
	is_int(strlen(kept), ROSTER_TEXT_MAX - 1,
	    "not inside a UTF-8 sequence");
	ok(((unsigned char)kept[strlen(kept) - 1] & 0xc0) == 0x80,
	    "it ends with a whole character");
	roster_free(&r);
}

static void
test_others(void)
{
	struct roster r;

	roster_init(&r);
	roster_add_buddy(&r, BOB);
	roster_set_item(&r, BOB, "both");
	roster_set_item(&r, CAROL, "from");
	roster_set_item(&r, "dave@example.com", "none");
	is_int(r.others, 2, "two contacts no buddy line names");
	ok(!roster_sees_them(roster_find(&r, CAROL)) &&
	    roster_sees_us(roster_find(&r, CAROL)), "from: carol sees us");
	roster_set_item(&r, CAROL, "both");
	ok(roster_sees_them(roster_find(&r, CAROL)) &&
	    roster_sees_us(roster_find(&r, CAROL)), "both: either way");
	ok(roster_sees_them(roster_find(&r, BOB)) &&
	    !roster_sees_us(roster_find(&r, "dave@example.com")),
	    "both and none");
	is_int(r.others, 2, "changing an item counts it once");
	roster_add_buddy(&r, CAROL);
	is_int(r.others, 1, "a buddy line for carol: one");
	roster_drop_buddy(&r, roster_find(&r, CAROL));
	is_int(r.others, 2, "its line gone, carol counts again");
	roster_set_item(&r, "dave@example.com", "remove");
	is_int(r.others, 1, "removed from the roster: one");
	roster_drop_buddy(&r, roster_find(&r, BOB));
	is_int(r.others, 2, "bob's line gone: he is in the roster, two");
	roster_add_buddy(&r, "erin@example.com");
	roster_drop_buddy(&r, roster_find(&r, "erin@example.com"));
	ok(roster_find(&r, "erin@example.com") == NULL,
	    "a buddy only a line named is forgotten with its line");
	roster_begin_reload(&r);
	is_int(r.others, 0, "a reload forgets them all");
	roster_free(&r);
}

static void
test_cursor(void)
{
	struct roster r;
	struct roster_cursor cur, other;
	struct contact *c;
	char seen[256] = "";

	roster_init(&r);
	roster_set_item(&r, "a@x", "both");
	roster_set_item(&r, "b@x", "both");
	roster_set_item(&r, "c@x", "both");
	roster_cursor_start(&r, &cur);
	roster_cursor_start(&r, &other);
	c = roster_cursor_next(&r, &cur);
	strcat(seen, c->bare);
	roster_set_item(&r, "b@x", "remove");	/* the next one */
	roster_set_item(&r, "d@x", "both");	/* a newcomer */
	while ((c = roster_cursor_next(&r, &cur)) != NULL)
		strcat(seen, c->bare);
	is_str(seen, "a@xc@xd@x", "a cursor skips a contact removed before "
	    "it and visits one added after it, oldest first");
	ok(r.cursors == &other, "a cursor at the end stops by itself");
	roster_begin_reload(&r);
	ok(roster_cursor_next(&r, &other) == NULL,
	    "a reload leaves a cursor at the end");
	ok(r.cursors == NULL, "no cursor left");
	/* Growth rehashes the table but keeps the order. */
	{
		char bare[32];
		int i, inorder = 1;

		for (i = 0; i < 1000; i++) {
			snprintf(bare, sizeof(bare), "u%04d@x", i);
			roster_set_item(&r, bare, "to");
		}
		roster_cursor_start(&r, &cur);
		for (i = 0; (c = roster_cursor_next(&r, &cur)) != NULL; i++) {
			snprintf(bare, sizeof(bare), "u%04d@x", i);
			inorder &= strcmp(c->bare, bare) == 0;
		}
		ok(inorder && i == 1000, "1000 contacts visited in order after "
		    "the table grew");
	}
	roster_free(&r);
}

int
main(void)
{
	test_basic();
	test_priorities();
	test_membership();
	test_growth();
	test_resource_cap();
	test_text_cap();
	test_others();
	test_cursor();
	return done_testing();
}
