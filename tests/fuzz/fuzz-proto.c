/*
 * fuzz-proto: the client protocol parser (src/common/proto.c) driven the
 * way src/xmppd/control.c drives it.
 *
 * The input is the byte stream a client writes to the daemon's socket.
 * A model of one connection (struct conn below mirrors struct ctl) reads
 * it the way control_read() does, with at most PROTO_LINE_MAX +
 * PROTO_BODY_MAX + 2 bytes buffered, and works through it like process():
 * a skip count for refused bodies, a SEND/JOIN body when one is due,
 * otherwise proto_line() and a dispatch() of SEND, GSEND, RSEND, JOIN,
 * LEAVE, PRESENCE, RECEIPT, STATUS, RECV, WAIT, PING, INFO and QUIT with
 * proto_split() and proto_number() as in the cmd_* functions.  Replies go
 * through buf_printf()/buf_consume() like reply().  A request that would
 * wait (RECV, WAIT, RECEIPT, JOIN) is answered at once, as if its timer
 * had run out, and the requests behind it go on as in control_timers().
 * The model follows control.c and requests.c (split from it) as of commit
 * bff52a1; keep them in step.
 *
 * The stream is fed twice: in reads of up to 16 KiB (what control_read()
 * asks for) and in reads of pseudo-random sizes, mostly 1..16 bytes
 * (derived from the input, so runs are reproducible).  The replies must
 * be the same.
 *
 * Checked on every call: proto_line() never accepts a line of
 * PROTO_LINE_MAX bytes or more, returns the bytes up to the first newline
 * (less a CR), and says PROTO_MORE / PROTO_TOOLONG only when right;
 * proto_split() agrees with a reference splitter and gives non-empty words;
 * proto_number() agrees with a reference and stays in range; buffers stay
 * NUL-terminated; the model never stalls with a full buffer; every request
 * gets exactly one reply line (proto.h), and nothing complete is left
 * unanswered when the input ends.
 */
#include <limits.h>
#include <sysexits.h>

#include "fuzz.h"
#include "jid.h"
#include "proto.h"
#include "text.h"

#define READ_MAX	16384	/* control_read()'s tmp[] */
#define IN_LIMIT	(PROTO_LINE_MAX + PROTO_BODY_MAX + 2)
#define SKIP_MAX	(1u << 20)	/* CONTROL_SKIP_MAX */
#define RECV_MS_MAX	(86400000UL * 7)

#define JOIN_MS_MAX	86400000UL
#define PWLEN_MAX	1024
#define ROOMS_MAX	8

enum pending { P_NONE, P_RECV, P_WAIT, P_RECEIPT, P_JOIN };

struct conn {
	struct buf	 in, out;
	char		*send_to;
	int		 send_join;	/* the body is a JOIN's password */
	size_t		 body_len;
	size_t		 skip;
	int		 closing;
	enum pending	 busy;		/* a request waits (see busy()) */
	unsigned	 sent;		/* message ids handed out: "m<n>" */
	char		 rooms[ROOMS_MAX][2 * JID_PART_MAX + 2];
	int		 nrooms;	/* rooms joined (muc_is_room) */
	/* What the client was told: a hash and a count of reply lines. */
	uint64_t	 hash;
	unsigned	 replies;
};

static void
hash_bytes(uint64_t *h, const void *p, size_t n)
{
	const unsigned char *s = p;

	while (n-- > 0) {
		*h ^= *s++;
		*h *= 0x100000001b3ULL;		/* FNV-1a */
	}
}

static void
check_buf(const struct buf *b)
{
	CHECK(b->len <= b->cap, "len %zu > cap %zu", b->len, b->cap);
	/* buf_consume() of everything leaves the old bytes (no NUL). */
	if (b->data != NULL)
		CHECK(b->len < b->cap && (b->len == 0 ||
		    b->data[b->len] == '\0'),
		    "buffer not NUL-terminated (len %zu cap %zu)", b->len,
		    b->cap);
	else
		CHECK(b->len == 0 && b->cap == 0, "no data, len %zu", b->len);
}

/* What the client reads: every reply is taken off c->out at once. */
static void
flush_out(struct conn *c)
{
	check_buf(&c->out);
	hash_bytes(&c->hash, c->out.data ? c->out.data : "", c->out.len);
	buf_consume(&c->out, c->out.len);
	check_buf(&c->out);
}

static void reply(struct conn *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
reply(struct conn *c, const char *fmt, ...)
{
	static char line[PROTO_LINE_MAX];
	va_list ap;
	size_t before = c->out.len;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 1)
		n = (int)sizeof(line) - 2;
	line[n] = '\0';
	for (char *p = line; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	CHECK(buf_printf(&c->out, "%s\n", line) == 0, "buf_printf failed");
	CHECK(c->out.len == before + strlen(line) + 1, "buf_printf length");
	check_buf(&c->out);
	c->replies++;
}

/* ---- references ---------------------------------------------------- */

/* proto_number(): a non-empty string of digits whose value is <= max. */
static int
ref_number(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (ULONG_MAX - (unsigned long)(*s - '0')) / 10)
			return -1;	/* overflows, so > max anyway */
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

static int
number(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long got = 0, want = 0;
	int rc = proto_number(s, max, &got), rrc = ref_number(s, max, &want);

	CHECK(rc == rrc, "proto_number('%.60s', %lu) = %d, reference %d", s,
	    max, rc, rrc);
	if (rc == 0) {
		CHECK(got == want && got <= max, "proto_number('%.60s') = %lu, "
		    "reference %lu", s, got, want);
		*out = got;
	}
	return rc;
}

/*
 * proto_split() on line, checked against a reference computed on a copy:
 * the line cut at every space gives fields f0..fk; the words are the first
 * max-1 fields and the rest of the line, and all of them (the last one up
 * to its first space) must be non-empty.
 */
static int
split(char *line, char **w, int max)
{
	static char copy[PROTO_LINE_MAX + 1];
	size_t len = strlen(line), starts[PROTO_WORDS_MAX], pos = 0;
	int n, want = 0, i;
	char *sp;

	CHECK(len <= PROTO_LINE_MAX && max >= 1 && max <= PROTO_WORDS_MAX,
	    "split arguments");
	memcpy(copy, line, len + 1);
	if (len > 0) {
		for (;;) {
			sp = strchr(copy + pos, ' ');
			if (copy[pos] == '\0' || copy[pos] == ' ') {
				want = -1;
				break;
			}
			starts[want++] = pos;
			if (want == max || sp == NULL)
				break;
			pos = (size_t)(sp - copy) + 1;
		}
	}
	n = proto_split(line, w, max);
	CHECK(n == want, "proto_split('%.80s', %d) = %d, reference %d", copy,
	    max, n, want);
	for (i = 0; i < n; i++) {
		size_t wl = strlen(w[i]);
		size_t end = i + 1 < n ? starts[i + 1] - 1 : len;

		CHECK(w[i] == line + starts[i], "word %d does not start at %zu",
		    i, starts[i]);
		CHECK(wl > 0 && w[i][0] != ' ', "word %d is empty", i);
		CHECK(wl == end - starts[i] &&
		    memcmp(w[i], copy + starts[i], wl) == 0,
		    "word %d is not the input's bytes", i);
		if (i + 1 < n)
			CHECK(strchr(w[i], ' ') == NULL, "space in word %d", i);
	}
	return n;
}

/* Any line: proto_split() at several widths, on a scratch copy. */
static void
split_all_widths(const char *line)
{
	static char tmp[PROTO_LINE_MAX + 1];
	char *w[PROTO_WORDS_MAX];
	static const int widths[] = { 1, 2, 3, PROTO_WORDS_MAX };
	static const unsigned long maxes[] = { 0, 1, 9, 65535, RECV_MS_MAX,
		ULONG_MAX / 2, ULONG_MAX };
	unsigned long v;
	size_t len = strlen(line), i;
	int max, n, k, m;

	for (m = 0; m < (int)(sizeof(widths) / sizeof(widths[0])); m++) {
		max = widths[m];
		memcpy(tmp, line, len + 1);
		n = split(tmp, w, max);
		if (max == PROTO_WORDS_MAX)
			for (k = 0; k < n; k++)
				for (i = 0; i < sizeof(maxes) / sizeof(maxes[0]);
				    i++)
					number(w[k], maxes[i], &v);
	}
}

/* ---- the model of control.c --------------------------------------- */

static int
want_jid(struct conn *c, const char *s, int need_node, struct jid *j)
{
	const char *why;

	if ((why = jid_parse(s, need_node ? JID_NEED_NODE : 0, j)) != NULL) {
		reply(c, "ERR %d bad JID '%.200s': %s", EX_DATAERR, s, why);
		return -1;
	}
	return 0;
}

#define QUEUE_GROUPCHAT	1
#define QUEUE_RECEIPT	2

static int
is_room(const struct conn *c, const char *bare)
{
	int i;

	for (i = 0; i < c->nrooms; i++)
		if (strcmp(c->rooms[i], bare) == 0)
			return 1;
	return 0;
}

static void
cmd_send(struct conn *c, char *args, int flags)
{
	char *w[2];
	unsigned long len;
	struct jid j;

	if (split(args, w, 2) != 2 || number(w[0], ULONG_MAX / 2, &len) == -1) {
		reply(c, "ERR %d usage: SEND LENGTH JID", EX_USAGE);
		c->closing = 1;
		return;
	}
	if (len > PROTO_BODY_MAX) {
		reply(c, "ERR %d message body too long (%lu bytes, the limit "
		    "is %d)", EX_DATAERR, len, PROTO_BODY_MAX);
		c->skip = len;
	} else if (want_jid(c, w[1], 1, &j) == -1)
		c->skip = len;
	else if ((flags & QUEUE_GROUPCHAT) && (j.has_resource ||
	    !is_room(c, j.bare))) {
		reply(c, "ERR %d not in room %.200s (xmpp-join it first)",
		    EX_DATAERR, w[1]);
		c->skip = len;
	} else {
		c->send_to = strdup(w[1]);
		CHECK(c->send_to != NULL, "strdup");
		c->body_len = len;
	}
	if (c->skip > SKIP_MAX)
		c->closing = 1;
}

static void
cmd_join(struct conn *c, char *args)
{
	char *w[3];
	unsigned long ms, len;
	struct jid j;

	if (split(args, w, 3) != 3 || number(w[0], JOIN_MS_MAX, &ms) == -1 ||
	    ms == 0 || number(w[1], PWLEN_MAX, &len) == -1) {
		reply(c, "ERR %d usage: JOIN MILLISECONDS PWLENGTH ROOM[/NICK]",
		    EX_USAGE);
		c->closing = 1;
		return;
	}
	if (want_jid(c, w[2], 1, &j) == -1) {
		c->skip = len;
		return;
	}
	c->send_to = strdup(w[2]);
	CHECK(c->send_to != NULL, "strdup");
	c->send_join = 1;
	c->body_len = len;
}

static void
send_body(struct conn *c, const char *body, size_t len)
{
	const char *why;
	size_t where;

	if (len == 0)
		reply(c, "ERR %d empty message", EX_DATAERR);
	else if ((why = text_check(body, len, &where)) != NULL) {
		CHECK(where < len, "text_check offset %zu of %zu", where, len);
		reply(c, "ERR %d %s at byte %zu of the message", EX_DATAERR,
		    why, where);
	} else {
		uint64_t h = 0xcbf29ce484222325ULL;

		hash_bytes(&h, body, len);
		/* Stand-in for the queue: the body, addressee included. */
		reply(c, "OK m%u %s %zu %016llx", ++c->sent, c->send_to, len,
		    (unsigned long long)h);
	}
}

static void
join_body(struct conn *c, const char *password, size_t len)
{
	char pw[PWLEN_MAX + 1];
	struct jid j;
	size_t where;

	CHECK(len <= PWLEN_MAX, "password of %zu bytes", len);
	CHECK(password != NULL, "a NULL body (JOIN, PWLEN 0)");
	if (len > 0)
		memcpy(pw, password, len);
	pw[len] = '\0';
	if (strpbrk(pw, "\t\r\n") != NULL || text_check(pw, len, &where)
	    != NULL) {
		reply(c, "ERR %d the room password must be one line of text",
		    EX_DATAERR);
		explicit_bzero(pw, sizeof(pw));
		return;
	}
	CHECK(jid_parse(c->send_to, 0, &j) == NULL, "JOIN room reparsed");
	c->busy = P_JOIN;
	if (!is_room(c, j.bare) && c->nrooms < ROOMS_MAX)
		strcpy(c->rooms[c->nrooms++], j.bare);
	explicit_bzero(pw, sizeof(pw));
}

static void
cmd_leave(struct conn *c, char *args)
{
	struct jid j;
	int i;

	if (args == NULL) {
		reply(c, "ERR %d usage: LEAVE ROOM", EX_USAGE);
		return;
	}
	if (want_jid(c, args, 1, &j) == -1)
		return;
	for (i = 0; i < c->nrooms; i++)
		if (strcmp(c->rooms[i], j.bare) == 0)
			break;
	if (j.has_resource || i == c->nrooms)
		reply(c, "ERR %d not in room %.200s", EX_DATAERR, args);
	else {
		memmove(c->rooms[i], c->rooms[i + 1],
		    (size_t)(c->nrooms - i - 1) * sizeof(c->rooms[0]));
		c->nrooms--;
		reply(c, "OK left");
	}
}

static void
cmd_presence(struct conn *c, char *args)
{
	static const char *names[] = { NULL, "available", "chat", "away",
		"xa", "dnd" };
	char *w[2];
	int n, i;
	size_t where;

	if (args == NULL || (n = split(args, w, 2)) < 1) {
		reply(c, "ERR %d usage: PRESENCE SHOW [TEXT]", EX_USAGE);
		return;
	}
	for (i = 1; i <= 5; i++)
		if (strcmp(w[0], names[i]) == 0)
			break;
	if (i > 5) {
		reply(c, "ERR %d unknown show '%.20s'", EX_DATAERR, w[0]);
		return;
	}
	if (n == 2 && text_check(w[1], strlen(w[1]), &where)) {
		reply(c, "ERR %d the status text is not valid UTF-8 text",
		    EX_DATAERR);
		return;
	}
	reply(c, "OK %s %s", names[i], n == 2 ? w[1] : "");
}

static void
cmd_receipt(struct conn *c, char *args)
{
	char *w[2];
	unsigned long ms;

	if (args == NULL || split(args, w, 2) != 2 ||
	    number(w[0], RECV_MS_MAX, &ms) == -1) {
		reply(c, "ERR %d usage: RECEIPT MILLISECONDS ID", EX_USAGE);
		return;
	}
	c->busy = P_RECEIPT;
}

static void
cmd_status(struct conn *c, char *args)
{
	struct jid j;

	if (args == NULL) {
		reply(c, "OK 1");
		return;
	}
	if (want_jid(c, args, 1, &j) == -1)
		return;
	reply(c, "OK %s%s%s", j.bare, j.has_resource ? "/" : "",
	    j.has_resource ? j.resource : "");
}

static void
cmd_recv(struct conn *c, char *args)
{
	char *w[2];
	unsigned long ms;
	struct jid j;
	int n = split(args, w, 2);

	if (n < 1 || number(w[0], RECV_MS_MAX, &ms) == -1 || ms == 0) {
		reply(c, "ERR %d usage: RECV MILLISECONDS [JID]", EX_USAGE);
		return;
	}
	CHECK(ms >= 1 && ms <= RECV_MS_MAX, "RECV %lu ms", ms);
	if (n == 2 && want_jid(c, w[1], 0, &j) == -1)
		return;
	c->busy = P_RECV;
}

static void
cmd_wait(struct conn *c, char *args)
{
	char *w[2];
	unsigned long ms, id;

	if (split(args, w, 2) != 2 || number(w[0], RECV_MS_MAX, &ms) == -1) {
		reply(c, "ERR %d usage: WAIT MILLISECONDS ID", EX_USAGE);
		return;
	}
	CHECK(ms <= RECV_MS_MAX, "WAIT %lu ms", ms);
	if (w[1][0] != 'm' || number(w[1] + 1, c->sent, &id) == -1 || id == 0)
		reply(c, "ERR %d unknown message id '%.64s'", EX_DATAERR, w[1]);
	else
		c->busy = P_WAIT;
}

static void
dispatch(struct conn *c, char *line)
{
	char *args = strchr(line, ' ');

	if (*line == '\0')
		return;
	if (args != NULL)
		*args++ = '\0';
	if (strcmp(line, "SEND") == 0)
		cmd_send(c, args ? args : "", 0);
	else if (strcmp(line, "GSEND") == 0)
		cmd_send(c, args ? args : "", QUEUE_GROUPCHAT);
	else if (strcmp(line, "RSEND") == 0)
		cmd_send(c, args ? args : "", QUEUE_RECEIPT);
	else if (strcmp(line, "JOIN") == 0)
		cmd_join(c, args ? args : "");
	else if (strcmp(line, "LEAVE") == 0)
		cmd_leave(c, args);
	else if (strcmp(line, "PRESENCE") == 0)
		cmd_presence(c, args);
	else if (strcmp(line, "RECEIPT") == 0)
		cmd_receipt(c, args);
	else if (strcmp(line, "STATUS") == 0)
		cmd_status(c, args);
	else if (strcmp(line, "RECV") == 0)
		cmd_recv(c, args ? args : "");
	else if (strcmp(line, "WAIT") == 0)
		cmd_wait(c, args ? args : "");
	else if (strcmp(line, "PING") == 0 && args == NULL)
		reply(c, "OK");
	else if (strcmp(line, "INFO") == 0 && args == NULL)
		reply(c, "OK 0");
	else if (strcmp(line, "QUIT") == 0 && args == NULL) {
		reply(c, "OK bye");
		c->closing = 1;
	} else
		reply(c, "ERR %d unknown request '%.40s'", EX_USAGE, line);
}

/* A request is finished unless it waits or its body is still to come. */
static void
check_one_reply(const struct conn *c, unsigned before, const char *what)
{
	if (c->busy == P_NONE && c->send_to == NULL)
		CHECK(c->replies == before + 1, "%s got %u replies", what,
		    c->replies - before);
	else
		CHECK(c->replies == before, "%s replied before it ended", what);
}

/* The answer to a request that waited (its timer ran out). */
static void
answer_pending(struct conn *c)
{
	static const char *answers[] = { NULL,
		"ERR 1 no message before the timeout",
		"OK confirmed",
		"ERR 75 no receipt in time",
		"OK joined" };

	reply(c, "%s", answers[c->busy]);
	c->busy = P_NONE;
}

/* proto_line() with its contract checked against a copy of the buffer. */
static ssize_t
line(struct buf *b, size_t *used)
{
	/* A copy of what proto_line() may look at, and a byte more. */
	static char before[PROTO_LINE_MAX + 1];
	size_t len = b->len, scan = len < PROTO_LINE_MAX ? len : PROTO_LINE_MAX;
	size_t copied = len < sizeof(before) ? len : sizeof(before);
	const char *nl;
	ssize_t n;

	check_buf(b);
	if (len > 0)
		memcpy(before, b->data, copied);
	nl = len > 0 ? memchr(before, '\n', scan) : NULL;
	*used = (size_t)-1;
	n = proto_line(b, used);
	if (nl == NULL) {
		CHECK(n == (len >= PROTO_LINE_MAX ? PROTO_TOOLONG : PROTO_MORE),
		    "proto_line = %zd with no newline in %zu bytes", n, len);
		CHECK(len == 0 || memcmp(before, b->data, copied) == 0,
		    "proto_line changed the buffer without a line");
		return n;
	}
	CHECK(n >= 0, "proto_line = %zd, but a newline is at %zu", n,
	    (size_t)(nl - before));
	CHECK((size_t)n < PROTO_LINE_MAX, "line of %zd bytes accepted", n);
	CHECK(*used == (size_t)(nl - before) + 1, "used %zu, newline at %zu",
	    *used, (size_t)(nl - before));
	CHECK(*used <= PROTO_LINE_MAX && *used <= len, "used %zu of %zu",
	    *used, len);
	CHECK((size_t)n == *used - 1 || ((size_t)n == *used - 2 &&
	    before[n] == '\r'), "length %zd for used %zu", n, *used);
	CHECK(b->data[n] == '\0', "line not terminated");
	CHECK(memcmp(b->data, before, (size_t)n) == 0, "line bytes changed");
	CHECK(memchr(b->data, '\n', (size_t)n) == NULL, "newline in line");
	CHECK(copied == *used || memcmp(b->data + *used, before + *used,
	    copied - *used) == 0, "bytes after the line changed");
	return n;
}

static void
process(struct conn *c)
{
	size_t used, take, before;
	unsigned r0;
	ssize_t n;

	/* As in control.c: a body of 0 bytes is due with nothing buffered. */
	while (!c->closing && !c->busy && (c->in.len > 0 ||
	    (c->send_to != NULL && c->body_len == 0))) {
		check_buf(&c->in);
		if (c->skip > 0) {
			take = c->skip < c->in.len ? c->skip : c->in.len;
			before = c->in.len;
			buf_consume(&c->in, take);
			CHECK(c->in.len == before - take, "buf_consume");
			c->skip -= take;
			continue;
		}
		if (c->send_to != NULL) {
			CHECK(c->body_len <= PROTO_BODY_MAX, "body of %zu",
			    c->body_len);
			if (c->in.len < c->body_len)
				return;
			r0 = c->replies;
			/* As control.c: an empty body may meet a freed buffer. */
			if (c->send_join)
				join_body(c, c->in.data ? c->in.data : "",
				    c->body_len);
			else
				send_body(c, c->in.data ? c->in.data : "",
				    c->body_len);
			free(c->send_to);
			c->send_to = NULL;
			c->send_join = 0;
			check_one_reply(c, r0, "a body");
			buf_consume(&c->in, c->body_len);
			continue;
		}
		n = line(&c->in, &used);
		if (n == PROTO_MORE)
			return;
		if (n == PROTO_TOOLONG) {
			reply(c, "ERR %d request line too long", EX_USAGE);
			c->closing = 1;
			return;
		}
		split_all_widths(c->in.data);
		r0 = c->replies;
		if (c->in.data[0] != '\0') {
			dispatch(c, c->in.data);
			check_one_reply(c, r0, "a request");
		}
		buf_consume(&c->in, used);
	}
}

/* xorshift64*, for the sizes of the small reads. */
static uint64_t
next_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

/*
 * One connection: data arrives in reads of at most chunk bytes (random
 * sizes up to chunk if seed != 0); replies are hashed into *hash.
 */
static void
run(const uint8_t *data, size_t size, size_t chunk, uint64_t seed,
    uint64_t *hash, unsigned *replies)
{
	struct conn c;
	size_t off = 0, room, n;

	memset(&c, 0, sizeof(c));
	c.hash = 0xcbf29ce484222325ULL;
	while (off < size && !c.closing) {
		room = IN_LIMIT - c.in.len;
		CHECK(room > 0 || c.busy, "stalled: %zu bytes buffered and "
		    "nothing to do", c.in.len);
		n = chunk;
		if (seed != 0) {
			/* Mostly tiny reads; every fourth up to 4 KiB, which
			 * keeps large inputs from taking quadratic time. */
			uint64_t r = next_rand(&seed);
			n = 1 + (size_t)((r >> 2) % ((r & 3) == 0 ? 4096 : chunk));
		}
		if (n > room)
			n = room;
		if (n > size - off)
			n = size - off;
		CHECK(buf_append(&c.in, data + off, n) == 0, "buf_append");
		check_buf(&c.in);
		off += n;
		process(&c);
		/* A waiting request ends (its timer), then the requests
		 * behind it go on, as in control_timers(). */
		while (c.busy && !c.closing) {
			answer_pending(&c);
			process(&c);
		}
		flush_out(&c);
	}
	/* The client hung up: everything complete has been answered. */
	CHECK(c.closing || c.busy == P_NONE, "a request waits at the end");
	CHECK(c.closing || c.send_to == NULL || c.in.len < c.body_len,
	    "a complete body of %zu bytes was not handled", c.body_len);
	if (!c.closing && c.skip == 0 && c.send_to == NULL && c.in.len > 0) {
		size_t used;
		CHECK(proto_line(&c.in, &used) == PROTO_MORE,
		    "a complete line was left unanswered");
	}
	*hash = c.hash;
	*replies = c.replies;
	buf_free(&c.in);
	buf_free(&c.out);
	check_buf(&c.in);
	free(c.send_to);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t h1, h2, seed = 0x9e3779b97f4a7c15ULL;
	unsigned r1, r2;

	hash_bytes(&seed, data, size);
	seed |= 1;
	run(data, size, READ_MAX, 0, &h1, &r1);
	run(data, size, 16, seed, &h2, &r2);
	CHECK(r1 == r2 && h1 == h2, "the replies depend on how the input was "
	    "split into reads (%u vs %u replies)", r1, r2);
	return 0;
}
