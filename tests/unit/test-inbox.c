/* test-inbox: kept messages and the clients waiting for them (inbox.c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inbox.h"
#include "tap.h"

#define BOB	"bob@x.com"
#define KEEP	5000

/* What the deliver callback saw, in order. */
struct delivery {
	void	*owner;
	char	*body;		/* NULL: timed out */
	size_t	 len;
};

static struct delivery got[64];
static int ngot;
static void *gone;	/* an owner whose client has gone: takes nothing */

static int
record(void *owner, const char *body, size_t len, const char *tag)
{
	(void)tag;
	if (owner == gone && body != NULL)
		return 0;
	if (ngot == 64)
		return 1;
	got[ngot].owner = owner;
	got[ngot].body = NULL;
	if (body != NULL) {
		got[ngot].body = malloc(len + 1);
		memcpy(got[ngot].body, body, len);
		got[ngot].body[len] = '\0';
	}
	got[ngot].len = len;
	ngot++;
	return 1;
}

static void
reset(void)
{
	int i;

	for (i = 0; i < ngot; i++)
		free(got[i].body);
	ngot = 0;
}

/* Returns inbox_add's answer: 1 if a waiter took the body, 0 if kept. */
static int
add(struct inbox *ib, const char *bare, const char *res, const char *body,
    int64_t now)
{
	return inbox_add(ib, bare, res, NULL, body, strlen(body), now);
}

/* inbox_cancel, unless an earlier failure left no waiter. */
static void
cancel(struct inbox *ib, struct waiter *w)
{
	if (w != NULL)
		inbox_cancel(ib, w);
}

/* Owners are just distinct addresses. */
static int A, B, C;

static void
test_keep(void)
{
	struct inbox ib;
	struct waiter *w;

	inbox_init(&ib, KEEP, record);
	is_int(add(&ib, BOB, "phone", "one", 1000), 0,
	    "inbox_add without a waiter returns 0 (kept)");
	add(&ib, BOB, "desk", "two", 1001);
	add(&ib, BOB, NULL, "three", 1002);
	is_int(ngot, 0, "no waiter: nothing delivered");
	is_int(ib.count, 3, "three messages kept");
	is_int(ib.bytes, 11, "their bytes counted");

	w = inbox_wait(&ib, BOB, NULL, 9000, &A, 2000);
	ok(w == NULL, "a kept message is delivered at once (no waiter)");
	is_int(ngot, 1, "one delivery");
	is_str(got[0].body, "one", "the oldest first");
	ok(got[0].owner == &A, "to the asking owner");
	inbox_wait(&ib, BOB, NULL, 9000, &A, 2001);
	inbox_wait(&ib, BOB, NULL, 9000, &A, 2002);
	is_int(ngot, 3, "three deliveries");
	is_str(got[1].body, "two", "then the second");
	is_str(got[2].body, "three", "then the third");
	is_int(got[2].len, 5, "with its length");
	is_int(ib.count, 0, "all consumed");
	is_int(ib.bytes, 0, "no bytes left");
	ok(ib.head == NULL && ib.tail == NULL, "the list is empty");
	reset();

	/* Each message is consumed once. */
	w = inbox_wait(&ib, BOB, NULL, 9000, &B, 2003);
	ok(w != NULL, "nothing kept: the client waits");
	is_int(ngot, 0, "and gets nothing yet");
	cancel(&ib, w);

	/* Binary-safe bodies. */
	inbox_add(&ib, BOB, NULL, NULL, "a\0b", 3, 3000);
	inbox_wait(&ib, BOB, NULL, 9000, &A, 3001);
	ok(ngot == 1 && got[0].len == 3 && memcmp(got[0].body, "a\0b", 3) == 0,
	    "a body with a NUL byte comes back whole");
	reset();
	inbox_free(&ib);
}

static void
test_match(void)
{
	struct inbox ib;
	struct waiter *w;

	inbox_init(&ib, KEEP, record);
	add(&ib, "bob@x.community", NULL, "community", 1000);
	add(&ib, "bob@x.co", NULL, "co", 1000);
	add(&ib, "x.com", NULL, "domain", 1000);
	w = inbox_wait(&ib, BOB, NULL, 9000, &A, 1001);
	ok(w != NULL, "bob@x.com does not match bob@x.community, bob@x.co "
	    "or x.com");
	is_int(ngot, 0, "nothing delivered");
	cancel(&ib, w);
	inbox_wait(&ib, "bob@x.co", NULL, 9000, &A, 1002);
	ok(ngot == 1 && strcmp(got[0].body, "co") == 0,
	    "bob@x.co gets exactly its own message");
	is_int(ib.count, 2, "the others stay");
	reset();
	inbox_free(&ib);

	/* Resource filter. */
	inbox_init(&ib, KEEP, record);
	add(&ib, BOB, "desk", "from desk", 1000);
	add(&ib, BOB, NULL, "no resource", 1001);
	add(&ib, BOB, "phone", "from phone", 1002);
	add(&ib, BOB, "Phone", "from Phone", 1003);
	inbox_wait(&ib, BOB, "phone", 9000, &A, 1100);
	ok(ngot == 1 && strcmp(got[0].body, "from phone") == 0,
	    "a waiter with a resource gets only that resource's message");
	w = inbox_wait(&ib, BOB, "phone", 9000, &A, 1101);
	ok(w != NULL, "no other message from resource phone (case matters)");
	cancel(&ib, w);
	inbox_wait(&ib, BOB, NULL, 9000, &B, 1102);
	ok(ngot == 2 && strcmp(got[1].body, "from desk") == 0,
	    "a waiter without resource takes any, oldest first");
	inbox_wait(&ib, BOB, NULL, 9000, &B, 1103);
	ok(ngot == 3 && strcmp(got[2].body, "no resource") == 0,
	    "including one without a resource");
	reset();

	/* The same rules for messages arriving while a client waits. */
	w = inbox_wait(&ib, BOB, "desk", 9000, &A, 1200);
	ok(w != NULL, "waiting for bob/desk");
	add(&ib, BOB, "phone", "phone again", 1201);
	add(&ib, BOB, NULL, "bare again", 1202);
	add(&ib, "bob@x.community", "desk", "wrong domain", 1203);
	is_int(ngot, 0, "other resources and senders do not end the wait");
	is_int(add(&ib, BOB, "desk", "desk again", 1204), 1,
	    "inbox_add handing the body to a waiter returns 1");
	ok(ngot == 1 && got[0].owner == &A &&
	    strcmp(got[0].body, "desk again") == 0,
	    "the matching resource ends it");
	ok(ib.waiters == NULL, "the waiter is gone");
	is_int(ib.count, 4, "the others are kept");
	reset();
	inbox_free(&ib);
}

static void
test_waiters(void)
{
	struct inbox ib;
	struct waiter *wa, *wb, *wc;

	inbox_init(&ib, KEEP, record);
	wa = inbox_wait(&ib, BOB, NULL, 5000, &A, 1000);
	wb = inbox_wait(&ib, BOB, NULL, 6000, &B, 1001);
	ok(wa != NULL && wb != NULL, "two clients wait for bob");
	is_int(add(&ib, "carol@x.com", NULL, "from carol", 1100), 0,
	    "a message for nobody waiting returns 0");
	is_int(ngot, 0, "a message from another sender does not end a wait");
	is_int(ib.count, 1, "it is kept");
	add(&ib, BOB, NULL, "first", 1200);
	ok(ngot == 1 && got[0].owner == &A && strcmp(got[0].body, "first") == 0,
	    "the first waiter gets the message");
	is_int(ib.count, 1, "a delivered message is not kept");
	add(&ib, BOB, NULL, "second", 1300);
	ok(ngot == 2 && got[1].owner == &B &&
	    strcmp(got[1].body, "second") == 0,
	    "the second waiter gets the next one");
	add(&ib, BOB, NULL, "third", 1400);
	is_int(ngot, 2, "with nobody waiting, the third is kept");
	is_int(ib.count, 2, "beside carol's");
	reset();

	/* Timeouts. */
	wa = inbox_wait(&ib, "dave@x.com", NULL, 3000, &A, 1500);
	wb = inbox_wait(&ib, "erin@x.com", NULL, 2000, &B, 1500);
	wc = inbox_wait(&ib, "frank@x.com", NULL, 4000, &C, 1500);
	ok(wa && wb && wc, "three waiters");
	is_int(inbox_expire(&ib, 1999), 2000,
	    "inbox_expire returns the next deadline");
	is_int(ngot, 0, "before the deadline nothing times out");
	is_int(inbox_expire(&ib, 2000), 3000,
	    "at the deadline: one timed out, the next deadline returned");
	ok(ngot == 1 && got[0].owner == &B && got[0].body == NULL &&
	    got[0].len == 0, "the timed-out waiter gets NULL");
	cancel(&ib, wc);
	is_int(add(&ib, "frank@x.com", NULL, "for frank", 2100), 0,
	    "a message for a cancelled waiter returns 0");
	is_int(ngot, 1, "a cancelled waiter gets nothing");
	is_int(ib.count, 3, "the message is kept instead");
	is_int(inbox_expire(&ib, 2200), 3000, "the cancelled deadline is gone");
	is_int(inbox_expire(&ib, 10000), INT64_MAX,
	    "no waiters left: INT64_MAX");
	ok(ngot == 2 && got[1].owner == &A && got[1].body == NULL,
	    "a late expire times out the remaining waiter");
	ok(ib.waiters == NULL && ib.last_waiter == NULL, "no waiters left");
	reset();

	/* Cancelling in the middle keeps the order of the others. */
	wa = inbox_wait(&ib, "gina@x.com", NULL, 20000, &A, 11000);
	wb = inbox_wait(&ib, "gina@x.com", NULL, 20000, &B, 11000);
	wc = inbox_wait(&ib, "gina@x.com", NULL, 20000, &C, 11000);
	cancel(&ib, wb);
	add(&ib, "gina@x.com", NULL, "g1", 11001);
	add(&ib, "gina@x.com", NULL, "g2", 11002);
	add(&ib, "gina@x.com", NULL, "g3", 11003);
	ok(ngot == 2 && got[0].owner == &A && got[1].owner == &C,
	    "after cancelling the middle waiter, first and last are served");
	is_int(ib.count, 1, "the third message is kept");
	cancel(&ib, inbox_wait(&ib, "hal@x.com", NULL, 1, &A, 11004));
	ok(ib.waiters == NULL && ib.last_waiter == NULL,
	    "cancelling the only waiter empties the line");
	reset();
	inbox_free(&ib);
}

static void
test_expiry(void)
{
	struct inbox ib;
	struct waiter *w;

	inbox_init(&ib, KEEP, record);
	add(&ib, BOB, NULL, "old", 1000);
	w = inbox_wait(&ib, BOB, NULL, 99999, &A, 1000 + KEEP - 1);
	ok(w == NULL && ngot == 1, "just before keep_ms the message is there");
	reset();

	add(&ib, BOB, NULL, "old", 1000);
	add(&ib, BOB, NULL, "newer", 3000);
	w = inbox_wait(&ib, BOB, NULL, 99999, &A, 1000 + KEEP);
	ok(w == NULL && ngot == 1 && strcmp(got[0].body, "newer") == 0,
	    "at keep_ms the old message is gone, the newer one comes");
	reset();

	add(&ib, BOB, NULL, "stale", 10000);
	w = inbox_wait(&ib, BOB, NULL, 99999, &A, 10000 + KEEP + 1);
	ok(w != NULL, "an expired message is not delivered: the client waits");
	is_int(ngot, 0, "nothing delivered");
	is_int(ib.count, 0, "the expired message is dropped");
	cancel(&ib, w);

	add(&ib, BOB, NULL, "x", 20000);
	add(&ib, "carol@x.com", NULL, "y", 21000);
	inbox_expire(&ib, 20000 + KEEP);
	is_int(ib.count, 1, "inbox_expire drops what expired");
	is_int(ib.bytes, 1, "and its bytes");
	ok(ib.head != NULL && strcmp(ib.head->body, "y") == 0,
	    "the younger message stays");
	inbox_expire(&ib, 21000 + KEEP);
	ok(ib.count == 0 && ib.head == NULL && ib.tail == NULL,
	    "then it expires too");
	add(&ib, BOB, NULL, "after", 30000);
	ok(ib.head != NULL && ib.head == ib.tail, "the list works after that");
	reset();
	inbox_free(&ib);
}

static void
test_bounds(void)
{
	struct inbox ib;
	char body[32], *big;
	size_t i, mib = 1u << 20;
	int64_t now = 1000;

	inbox_init(&ib, 1000000, record);
	for (i = 0; i < INBOX_MAX_MESSAGES + 10; i++) {
		snprintf(body, sizeof(body), "m%zu", i);
		add(&ib, BOB, NULL, body, now);
	}
	is_int(ib.count, INBOX_MAX_MESSAGES, "count stays at the cap");
	inbox_wait(&ib, BOB, NULL, 0, &A, now);
	ok(ngot == 1 && strcmp(got[0].body, "m10") == 0,
	    "the oldest ten were dropped");
	reset();
	inbox_free(&ib);

	inbox_init(&ib, 1000000, record);
	big = malloc(INBOX_MAX_BYTES + 1);
	memset(big, 'b', INBOX_MAX_BYTES + 1);
	for (i = 0; i < 20; i++) {
		big[0] = (char)('a' + i);
		inbox_add(&ib, BOB, NULL, NULL, big, mib, now);
		if (ib.bytes > INBOX_MAX_BYTES)
			break;
	}
	ok(ib.bytes <= INBOX_MAX_BYTES, "bytes stay within INBOX_MAX_BYTES");
	is_int(ib.count, INBOX_MAX_BYTES / mib, "as many 1 MiB messages as fit");
	is_int(ib.bytes, ib.count * mib, "bytes match the messages kept");
	inbox_wait(&ib, BOB, NULL, 0, &A, now);
	ok(ngot == 1 &&
	    got[0].body[0] == 'a' + 20 - (int)(INBOX_MAX_BYTES / mib),
	    "the oldest were dropped to make room");
	reset();
	inbox_add(&ib, BOB, NULL, NULL, big, INBOX_MAX_BYTES, now);
	is_int(ib.count, 1, "a message of exactly INBOX_MAX_BYTES fits alone");
	is_int(ib.bytes, INBOX_MAX_BYTES, "and fills the inbox");
	inbox_free(&ib);

	/* A message too big to keep at all must not flush the others. */
	inbox_init(&ib, 1000000, record);
	add(&ib, BOB, NULL, "keep me", now);
	inbox_add(&ib, BOB, NULL, NULL, big, INBOX_MAX_BYTES + 1, now);
	ok(ib.bytes <= INBOX_MAX_BYTES, "an oversized message is not kept");
	is_int(ib.count, 1, "the messages kept before it are still there");
	free(big);
	reset();
	inbox_free(&ib);
}

static char last_tag[64];

/* The tag is only valid during the call: keep a copy. */
static int
record_tag(void *owner, const char *body, size_t len, const char *tag)
{
	(void)owner, (void)body, (void)len;
	snprintf(last_tag, sizeof(last_tag), "%s", tag ? tag : "(null)");
	return 1;
}

/* A waiter for anyone takes the oldest message, and the tag comes along. */
static void
test_anyone(void)
{
	struct inbox ib;

	inbox_init(&ib, KEEP, record_tag);
	inbox_add(&ib, "carol@x.com", "pc", "chat carol@x.com/pc", "c", 1, 1000);
	inbox_add(&ib, BOB, NULL, "chat bob@x.com", "b", 1, 1001);
	ok(inbox_wait(&ib, NULL, NULL, 9000, &A, 1002) == NULL,
	    "a waiter for anyone is served at once");
	is_str(last_tag, "chat carol@x.com/pc", "the oldest message, with its tag");
	ok(inbox_wait(&ib, NULL, NULL, 9000, &A, 1003) == NULL,
	    "and the next one");
	is_str(last_tag, "chat bob@x.com", "from bob");
	ok(inbox_wait(&ib, NULL, NULL, 9000, &A, 1004) != NULL,
	    "nothing left: it waits");
	is_int(inbox_add(&ib, "dave@x.com", NULL, "normal dave@x.com", "d", 1,
	    1005), 1, "anyone's message goes to it");
	is_str(last_tag, "normal dave@x.com", "with its tag");
	inbox_free(&ib);
}

/*
 * A waiter whose client has gone (the reply could not be written) does
 * not take a message: it goes to the next waiter, or is kept in its
 * place for the next client (issue 14 D5).
 */
static void
test_gone(void)
{
	struct inbox ib;
	struct waiter *wa, *wb;

	inbox_init(&ib, KEEP, record);
	gone = &A;
	wa = inbox_wait(&ib, BOB, NULL, 9000, &A, 1000);
	wb = inbox_wait(&ib, BOB, NULL, 9000, &B, 1001);
	ok(wa != NULL && wb != NULL, "two clients wait, the first one gone");
	is_int(add(&ib, BOB, NULL, "for the living", 1100), 1,
	    "a message for them is taken...");
	ok(ngot == 1 && got[0].owner == &B &&
	    strcmp(got[0].body, "for the living") == 0,
	    "...by the second, as the first did not take it");
	ok(ib.waiters == NULL, "both waiters are done");
	reset();

	wa = inbox_wait(&ib, BOB, NULL, 9000, &A, 1200);
	is_int(add(&ib, BOB, NULL, "kept 1", 1201), 0,
	    "a message for a gone waiter alone is kept");
	ok(ib.waiters == NULL, "and the waiter is dropped");
	add(&ib, BOB, NULL, "kept 2", 1202);
	ok(inbox_wait(&ib, BOB, NULL, 9000, &A, 1203) == NULL,
	    "a gone client asking for a kept message does not wait...");
	is_int(ib.count, 2, "...and takes nothing");
	gone = NULL;
	inbox_wait(&ib, BOB, NULL, 9000, &B, 1204);
	inbox_wait(&ib, BOB, NULL, 9000, &B, 1205);
	ok(ngot == 2 && strcmp(got[0].body, "kept 1") == 0 &&
	    strcmp(got[1].body, "kept 2") == 0,
	    "the next client gets them, in order");
	is_int(ib.count, 0, "all consumed");
	reset();
	inbox_free(&ib);
}

int
main(void)
{
	test_gone();
	test_anyone();
	test_keep();
	test_match();
	test_waiters();
	test_expiry();
	test_bounds();
	return done_testing();
}
