/* test-outbox: messages awaiting the server's confirmation (outbox.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outbox.h"
#include "tap.h"

static void
add(struct outbox *ob, const char *id)
{
	char body[64];

	snprintf(body, sizeof(body), "body of %s", id);
	if (outbox_add(ob, id, "bob@x.com/phone", body, strlen(body), 0) != 0)
		ok(0, "outbox_add %s", id);
}

/* Sends the next message and returns its id (NULL if none). */
static const char *
send_one(struct outbox *ob)
{
	struct outmsg *m = outbox_next(ob);

	if (m == NULL)
		return NULL;
	outbox_sent(ob);
	return m->id;
}

/* Sends up to n messages, writing their ids joined by spaces into out. */
static const char *
send_n(struct outbox *ob, int n, char *out, size_t len)
{
	const char *id;

	out[0] = '\0';
	while (n-- > 0 && (id = send_one(ob)) != NULL)
		snprintf(out + strlen(out), len - strlen(out), "%s%s",
		    out[0] ? " " : "", id);
	return out;
}

/* The ids still queued, in order. */
static const char *
queued(struct outbox *ob, char *out, size_t len)
{
	struct outmsg *m;

	out[0] = '\0';
	for (m = ob->head; m != NULL; m = m->next)
		snprintf(out + strlen(out), len - strlen(out), "%s%s",
		    out[0] ? " " : "", m->id);
	return out;
}

static void
test_basic(void)
{
	struct outbox ob;
	struct outmsg *m;
	char s[256];
	unsigned long b1, b2;

	outbox_init(&ob, NULL);
	ok(outbox_next(&ob) == NULL, "empty outbox: nothing to send");
	is_int(outbox_barrier(&ob), 0, "nothing sent: no barrier");

	is_int(outbox_add(&ob, "id1", "bob@x.com", "hello", 5, 0), 0, "add");
	add(&ob, "id2");
	add(&ob, "id3");
	is_int(ob.count, 3, "three queued");
	is_int(ob.bytes, 5 + 2 * strlen("body of id2"), "bytes counted");
	m = outbox_next(&ob);
	ok(m != NULL && strcmp(m->id, "id1") == 0, "next is the first added");
	ok(m != NULL && strcmp(m->to, "bob@x.com") == 0 && m->len == 5 &&
	    memcmp(m->body, "hello", 6) == 0, "with its recipient and body");
	ok(outbox_next(&ob) == m, "next without sent: the same message again");
	is_int(outbox_barrier(&ob), 0, "no barrier before anything is sent");

	is_str(send_n(&ob, 2, s, sizeof(s)), "id1 id2", "send two");
	b1 = outbox_barrier(&ob);
	ok(b1 != 0, "a barrier after sending (%lu)", b1);
	is_int(outbox_barrier(&ob), 0, "no second barrier without new sends");

	is_str(send_n(&ob, 5, s, sizeof(s)), "id3", "send the third");
	ok(outbox_next(&ob) == NULL, "then nothing is left to send");
	add(&ob, "id4");
	is_str(send_n(&ob, 5, s, sizeof(s)), "id4",
	    "a message added after all were sent goes next");
	b2 = outbox_barrier(&ob);
	ok(b2 > b1, "the next barrier has a higher number");
	add(&ob, "id5");
	is_str(send_n(&ob, 1, s, sizeof(s)), "id5", "send a fifth");

	is_int(outbox_confirm(&ob, b1), 2, "barrier 1 confirms two");
	is_str(queued(&ob, s, sizeof(s)), "id3 id4 id5",
	    "exactly those sent before it are dropped");
	is_int(ob.count, 3, "count follows");
	is_int(ob.bytes, 3 * strlen("body of id3"), "bytes follow");
	is_int(outbox_confirm(&ob, b1), 0, "confirming it again drops nothing");
	is_int(outbox_confirm(&ob, b2), 2, "barrier 2 confirms two more");
	is_str(queued(&ob, s, sizeof(s)), "id5",
	    "the message sent after barrier 2 stays");
	is_int(outbox_confirm(&ob, 0), 0, "barrier 0 confirms nothing");
	is_int(outbox_barrier(&ob), b2 + 1, "its barrier comes next");
	is_int(outbox_confirm(&ob, b2 + 1), 1, "and confirms it");
	ok(ob.head == NULL && ob.tail == NULL && ob.count == 0 &&
	    ob.bytes == 0, "the outbox is empty");
	add(&ob, "id6");
	ok(outbox_next(&ob) != NULL && strcmp(outbox_next(&ob)->id, "id6") == 0,
	    "the outbox works once emptied");
	ok(ob.head == ob.tail, "head and tail agree");

	/*
	 * Only an issued barrier proves anything: an answer naming a barrier
	 * not sent yet (a stray or forged iq "b<N>") must not drop messages
	 * that no barrier has followed.
	 */
	send_one(&ob);
	is_int((int)outbox_confirm(&ob, ob.next_batch + 5), 0,
	    "a barrier never issued confirms nothing");
	is_str(queued(&ob, s, sizeof(s)), "id6", "id6 stays queued");

	outbox_free(&ob);
}

static void
test_requeue(void)
{
	struct outbox ob;
	struct outmsg *before[5];
	char s[256];
	unsigned long b1, b2, b3;
	int i;

	outbox_init(&ob, NULL);
	add(&ob, "a");
	add(&ob, "b");
	add(&ob, "c");
	add(&ob, "d");
	add(&ob, "e");
	for (i = 0; i < 5; i++) {
		char id[2] = { (char)('a' + i), '\0' };

		before[i] = outbox_find(&ob, id);
	}

	is_str(send_n(&ob, 2, s, sizeof(s)), "a b", "send a b");
	b1 = outbox_barrier(&ob);
	is_str(send_n(&ob, 2, s, sizeof(s)), "c d", "send c d");
	b2 = outbox_barrier(&ob);
	is_int(outbox_confirm(&ob, b1), 2, "a b confirmed");

	/* The link drops before b2's answer, and before e went out. */
	outbox_requeue(&ob, NULL);
	is_int(outbox_barrier(&ob), 0, "no barrier owed after requeue");
	is_str(send_n(&ob, 10, s, sizeof(s)), "c d e",
	    "after requeue every unconfirmed message comes back, in order");
	ok(outbox_find(&ob, "c") == before[2] && outbox_find(&ob, "e") ==
	    before[4], "the same messages, with the same ids");
	b3 = outbox_barrier(&ob);
	ok(b3 > b2, "the new link's barrier is numbered after the old ones");

	/* A late answer to the old link's barrier must not drop the resent. */
	is_int(outbox_confirm(&ob, b2), 0,
	    "confirming an old barrier after requeue drops nothing resent");
	is_str(queued(&ob, s, sizeof(s)), "c d e", "all three still queued");
	is_int(outbox_confirm(&ob, b3), 3, "the new barrier confirms them");
	ok(ob.head == NULL && ob.count == 0, "empty");

	/* Requeue with some resent and some not yet. */
	add(&ob, "f");
	add(&ob, "g");
	add(&ob, "h");
	send_n(&ob, 3, s, sizeof(s));
	b1 = outbox_barrier(&ob);
	outbox_requeue(&ob, NULL);
	is_str(send_n(&ob, 1, s, sizeof(s)), "f", "resend only f");
	is_int(outbox_confirm(&ob, b1), 0,
	    "the old barrier drops neither the resent f nor unsent g h");
	is_str(queued(&ob, s, sizeof(s)), "f g h", "f g h queued");
	outbox_requeue(&ob, NULL);
	is_str(send_n(&ob, 10, s, sizeof(s)), "f g h",
	    "a second requeue starts again from f");
	b2 = outbox_barrier(&ob);
	ok(b2 > b1, "barrier numbers keep growing");
	is_int(outbox_confirm(&ob, b2), 3, "confirmed");

	/* Requeue with nothing sent: nothing changes. */
	add(&ob, "i");
	outbox_requeue(&ob, NULL);
	is_str(send_n(&ob, 10, s, sizeof(s)), "i",
	    "requeue before anything was sent");
	outbox_requeue(&ob, NULL);
	outbox_requeue(&ob, NULL);
	is_str(send_n(&ob, 10, s, sizeof(s)), "i", "requeue twice in a row");
	outbox_free(&ob);
}

static void
test_limits(void)
{
	struct outbox ob;
	char id[32], *big;
	int i, fails = 0;

	outbox_init(&ob, NULL);
	for (i = 0; i < OUTBOX_MAX_MESSAGES; i++) {
		snprintf(id, sizeof(id), "m%d", i);
		if (outbox_add(&ob, id, "bob@x.com", "x", 1, 0) != 0)
			fails++;
	}
	is_int(fails, 0, "OUTBOX_MAX_MESSAGES messages fit");
	is_int(ob.count, OUTBOX_MAX_MESSAGES, "count at the cap");
	is_int(outbox_add(&ob, "over", "bob@x.com", "x", 1, 0), -1,
	    "one more: queue full (-1)");
	is_int(ob.count, OUTBOX_MAX_MESSAGES, "count unchanged");
	ok(outbox_find(&ob, "over") == NULL, "the refused message is not there");

	ok(outbox_find(&ob, "m0") == ob.head, "outbox_find the first");
	ok(outbox_find(&ob, "m9999") == ob.tail, "outbox_find the last");
	ok(outbox_find(&ob, "m5000") != NULL &&
	    strcmp(outbox_find(&ob, "m5000")->id, "m5000") == 0,
	    "outbox_find one in the middle");
	ok(outbox_find(&ob, "m") == NULL, "outbox_find needs the whole id");
	ok(outbox_find(&ob, "M0") == NULL, "outbox_find is case-sensitive");

	outbox_sent(&ob);
	outbox_confirm(&ob, outbox_barrier(&ob));
	is_int(ob.count, OUTBOX_MAX_MESSAGES - 1, "one confirmed");
	ok(outbox_find(&ob, "m0") == NULL, "a confirmed id is not found");
	is_int(outbox_add(&ob, "again", "bob@x.com", "x", 1, 0), 0,
	    "a confirmation makes room");
	outbox_free(&ob);

	outbox_init(&ob, NULL);
	big = calloc(1, OUTBOX_MAX_BYTES + 1);
	is_int(outbox_add(&ob, "big", "bob@x.com", big, OUTBOX_MAX_BYTES + 1, 0),
	    -1, "a message over OUTBOX_MAX_BYTES is refused");
	is_int(outbox_add(&ob, "half", "bob@x.com", big, OUTBOX_MAX_BYTES / 2, 0),
	    0, "half of OUTBOX_MAX_BYTES fits");
	is_int(outbox_add(&ob, "half2", "bob@x.com", big,
	    OUTBOX_MAX_BYTES / 2 + 1, 0), -1, "bytes are capped in total");
	is_int(ob.count, 1, "one message queued");
	free(big);
	outbox_free(&ob);
	ok(ob.head == NULL && ob.count == 0 && ob.bytes == 0,
	    "outbox_free leaves an empty outbox");
}

static int ends[3];
static char last_end[32];

static void
record_end(struct outbox *ob, struct outmsg *m, enum outbox_end why)
{
	(void)ob;
	ends[why]++;
	snprintf(last_end, sizeof(last_end), "%s", m->id);
}

/* Lifetime and giving up: each message ends exactly once, and says how. */
static void
test_ends(void)
{
	struct outbox ob;
	int i;

	memset(ends, 0, sizeof(ends));
	outbox_init(&ob, record_end);
	outbox_add(&ob, "old", "bob@x.com", "x", 1, 100);
	outbox_add(&ob, "new", "bob@x.com", "y", 1, 1000);
	is_int((int)outbox_expire(&ob, 1050, 600), 1600,
	    "the next expiry is the new one's");
	is_int(ends[OUTBOX_EXPIRED], 1, "the old one expired");
	is_str(last_end, "old", "named");
	is_int((int)ob.count, 1, "one left");
	outbox_add(&ob, "future", "bob@x.com", "z", 1, 5000);
	is_int((int)outbox_expire(&ob, 1100, 600), 1600,
	    "one from the future (the clock went back) counts from now...");
	is_int((int)ob.count, 2, "...and is kept");
	outbox_expire(&ob, 1700, 600);
	is_int((int)ob.count, 0, "both expire a lifetime after");
	outbox_add(&ob, "new", "bob@x.com", "y", 1, 1000);
	/* Sent: on the wire, it no longer expires. */
	outbox_next(&ob);
	outbox_sent(&ob);
	is_int((int)outbox_expire(&ob, 99999, 600), 0,
	    "a message on the wire is not expired");
	is_int((int)ob.count, 1, "still queued");
	for (i = 1; i <= 50; i++) {
		outbox_requeue(&ob, NULL);
		outbox_next(&ob);
		outbox_sent(&ob);
	}
	is_int(ends[OUTBOX_GAVE_UP], 0, "50 broken links are no evidence "
	    "against a message: never given up for them");
	is_int((int)ob.count, 1, "still queued");
	outbox_confirm(&ob, outbox_barrier(&ob));
	is_int((int)ob.count, 0, "and confirmed on a link that lasts");
	ok(outbox_next(&ob) == NULL, "nothing to send");
	outbox_add(&ob, "c", "bob@x.com", "z", 1, 5);
	outbox_next(&ob);
	outbox_sent(&ob);
	is_int((int)outbox_confirm(&ob, outbox_barrier(&ob)), 1, "confirmed");
	is_int(ends[OUTBOX_CONFIRMED], 2, "and ended as confirmed");
	outbox_free(&ob);
}

static const char *blamed;

static void
record_blame(struct outbox *ob, struct outmsg *m, enum outbox_end why)
{
	blamed = ob->blame;
	record_end(ob, m, why);
}

/*
 * A stream error a stanza can cause: the messages in flight become
 * suspects, go out one by one, and only the one alone on the wire when
 * it happens again is given up.
 */
static void
test_suspects(void)
{
	struct outbox ob;
	char s[128];
	unsigned long b;

	memset(ends, 0, sizeof(ends));
	outbox_init(&ob, record_blame);
	add(&ob, "a");
	add(&ob, "b");
	add(&ob, "c");
	add(&ob, "d");
	is_str(send_n(&ob, 3, s, sizeof(s)), "a b c", "a b c in flight");
	outbox_requeue(&ob, "not-well-formed");
	is_int(ends[OUTBOX_GAVE_UP], 0, "three in flight: nobody is given up");
	add(&ob, "e");
	is_str(send_n(&ob, 10, s, sizeof(s)), "a", "the first suspect goes "
	    "alone");
	b = outbox_barrier(&ob);
	is_str(send_n(&ob, 10, s, sizeof(s)), "", "nothing follows it before "
	    "its barrier is answered");
	is_int((int)outbox_confirm(&ob, b), 1, "a is innocent");
	is_str(send_n(&ob, 10, s, sizeof(s)), "b", "then b, alone");
	outbox_requeue(&ob, NULL);
	is_int(ends[OUTBOX_GAVE_UP], 0, "a link cut under b proves nothing");
	is_str(send_n(&ob, 10, s, sizeof(s)), "b", "b again, alone");
	outbox_requeue(&ob, "not-well-formed");
	is_int(ends[OUTBOX_GAVE_UP], 1, "the stream broke again with b alone "
	    "on the wire: b is given up");
	is_str(last_end, "b", "b, and only b");
	is_str(blamed, "not-well-formed", "with the stream error as the why");
	is_str(send_n(&ob, 10, s, sizeof(s)), "c", "c, the last suspect, "
	    "alone");
	is_int((int)outbox_confirm(&ob, outbox_barrier(&ob)), 1, "innocent");
	is_str(send_n(&ob, 10, s, sizeof(s)), "d e", "then the others "
	    "together again, in order");
	outbox_requeue(&ob, "policy-violation");
	is_str(send_n(&ob, 10, s, sizeof(s)), "d", "two in flight: both "
	    "suspects, d first");
	outbox_free(&ob);
}

int
main(void)
{
	test_suspects();
	test_ends();
	test_basic();
	test_requeue();
	test_limits();
	return done_testing();
}
