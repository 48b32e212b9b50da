/*
 * journal.c: the spool as an append-only journal (see journal.h).
 *
 * A segment file is written full of zeros once, when it is made, and
 * synced: afterwards a record is written over those zeros, and
 * fdatasync() has only data to flush (no size or extent to change), which
 * is what makes a group commit cheap.  Layout, all numbers little-endian:
 *
 *   segment header (32 bytes): "XMPPDJ01", u64 seq, u64 first record's
 *     sequence number (0: the segment holds none), u32 CRC-32 of the 24
 *     bytes before it, u32 0
 *   record (24-byte header, then the payload): u32 "JREC", u32 CRC-32 of
 *     everything after it, u64 sequence number, u32 payload length, u8
 *     type ('M' message, 'D' done), 3 zero bytes
 *   'M' payload: u64 created, u8 flags, u8 id length, u16 recipient
 *     length, u32 body length, id, recipient, body
 *   'D' payload: u8 id length, id
 *
 * Segments are ordered by their seq (a reused one gets a new one), the
 * records of a segment by their sequence numbers, which follow each other
 * without a gap: the first record that breaks the rule, or whose length
 * or CRC is wrong, ends the segment.  Names (journal.HEX) only need to be
 * unique.  Only the oldest segment is ever reused, and only once every
 * message in it is done: a tombstone always lies in its message's segment
 * or a later one, so no live message loses its tombstone that way.
 */
#include "journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proto.h"
#include "util.h"

#define SEG_MAGIC	"XMPPDJ01"
#define SEG_HDR		32
#define REC_MAGIC	0x4345524au	/* "JREC" */
#define REC_HDR		24
#define MSG_FIXED	16
#define FLAG_GROUPCHAT	0x1
#define FLAG_RECEIPT	0x2
#define FLAG_OOB	0x4
#define SPARES_KEPT	2
#define ZERO_TAIL	(2u << 20)	/* a torn write is no longer than this */

struct segment {
	uint64_t	 seq;
	int		 fd;
	size_t		 used;		/* where the next record goes; 0: unused */
	size_t		 live;		/* messages not yet done */
	int		 dirty;		/* written since the last fdatasync() */
	char		 name[32];
};

struct journal {
	char		 dir[PATH_MAX];
	size_t		 segsize;
	int		 sync;
	struct segment	*segs;		/* in use, oldest first; the last is current */
	size_t		 nsegs;
	struct segment	 spare[SPARES_KEPT];
	size_t		 nspare;
	uint64_t	 max_seq;
	uint64_t	 next_rseq;
	int		 rdonly;	/* journal_peek(): look, write nothing */
};

/* Little-endian numbers and a CRC-32 (IEEE), as written. */

static void
put16(unsigned char *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

static void
put32(unsigned char *p, uint32_t v)
{
	put16(p, v & 0xffff);
	put16(p + 2, v >> 16);
}

static void
put64(unsigned char *p, uint64_t v)
{
	put32(p, v & 0xffffffffu);
	put32(p + 4, v >> 32);
}

static uint16_t
get16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
get32(const unsigned char *p)
{
	return get16(p) | (uint32_t)get16(p + 2) << 16;
}

static uint64_t
get64(const unsigned char *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static uint32_t
crc32(const unsigned char *p, size_t n)
{
	static uint32_t table[256];
	uint32_t c = 0xffffffffu, k;
	size_t i;
	int j;

	if (table[1] == 0)
		for (i = 0; i < 256; i++) {
			for (k = (uint32_t)i, j = 0; j < 8; j++)
				k = k & 1 ? 0xedb88320u ^ (k >> 1) : k >> 1;
			table[i] = k;
		}
	for (i = 0; i < n; i++)
		c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

/* Records. */

static void
put_header(unsigned char *h, uint64_t seq, uint64_t first)
{
	memset(h, 0, SEG_HDR);
	memcpy(h, SEG_MAGIC, 8);
	put64(h + 8, seq);
	put64(h + 16, first);
	put32(h + 24, crc32(h, 24));
}

/* Appends one record; its payload is the concatenation of parts. */
static void
put_record(struct buf *b, uint64_t rseq, int type, const void *fixed,
    size_t flen, const char *a, size_t alen, const char *c, size_t clen,
    const char *d, size_t dlen)
{
	unsigned char h[REC_HDR];
	size_t at = b->len, len = flen + alen + clen + dlen;

	memset(h, 0, sizeof(h));
	put32(h, REC_MAGIC);
	put64(h + 8, rseq);
	put32(h + 16, (uint32_t)len);
	h[20] = (unsigned char)type;
	buf_append(b, h, sizeof(h));
	buf_append(b, fixed, flen);
	buf_append(b, a, alen);
	buf_append(b, c, clen);
	buf_append(b, d, dlen);
	put32((unsigned char *)b->data + at + 4,
	    crc32((unsigned char *)b->data + at + 8, REC_HDR - 8 + len));
}

static void
put_message(struct buf *b, uint64_t rseq, const struct spooled *m)
{
	unsigned char f[MSG_FIXED];

	put64(f, (uint64_t)m->created);
	f[8] = (m->groupchat ? FLAG_GROUPCHAT : 0) |
	    (m->receipt ? FLAG_RECEIPT : 0) | (m->oob ? FLAG_OOB : 0);
	f[9] = (unsigned char)strlen(m->id);
	put16(f + 10, (uint16_t)strlen(m->to));
	put32(f + 12, (uint32_t)m->len);
	put_record(b, rseq, 'M', f, sizeof(f), m->id, strlen(m->id), m->to,
	    strlen(m->to), m->body, m->len);
}

static void
put_done(struct buf *b, uint64_t rseq, const char *id)
{
	unsigned char n = (unsigned char)strlen(id);

	put_record(b, rseq, 'D', &n, 1, id, n, NULL, 0, NULL, 0);
}

/* Reads a record's payload into m (strings copied); -1 if malformed. */
static int
get_payload(int type, const unsigned char *p, size_t len, struct spooled *m)
{
	size_t idlen, tolen, bodylen;

	memset(m, 0, sizeof(*m));
	if (type == 'D') {
		if (len < 1 || (idlen = p[0]) == 0 || idlen >= SPOOL_ID_MAX ||
		    len != 1 + idlen)
			return -1;
		memcpy(m->id, p + 1, idlen);
		return memchr(m->id, '\0', idlen) ? -1 : 0;
	}
	if (type != 'M' || len < MSG_FIXED)
		return -1;
	idlen = p[9];
	tolen = get16(p + 10);
	bodylen = get32(p + 12);
	if (idlen == 0 || idlen >= SPOOL_ID_MAX || tolen == 0 ||
	    len != MSG_FIXED + idlen + tolen + bodylen)
		return -1;
	memcpy(m->id, p + MSG_FIXED, idlen);
	if (memchr(m->id, '\0', idlen) != NULL ||
	    memchr(p + MSG_FIXED + idlen, '\0', tolen) != NULL)
		return -1;
	m->created = (time_t)get64(p);
	m->groupchat = (p[8] & FLAG_GROUPCHAT) != 0;
	m->receipt = (p[8] & FLAG_RECEIPT) != 0;
	m->oob = (p[8] & FLAG_OOB) != 0;
	m->to = xmemdup(p + MSG_FIXED + idlen, tolen);
	m->body = xmemdup(p + MSG_FIXED + idlen + tolen, bodylen);
	m->len = bodylen;
	return 0;
}

/*
 * Scans a segment's records: each valid one goes to fn; returns where
 * they end (0 for a bad header) and the last sequence number in *last.
 */
static size_t
scan(const unsigned char *data, size_t size, journal_record_fn fn,
    void *arg, uint64_t *seq, uint64_t *last)
{
	uint64_t want;
	size_t off = SEG_HDR, len;
	struct spooled m;
	int type;

	*last = 0;
	if (size < SEG_HDR || memcmp(data, SEG_MAGIC, 8) != 0 ||
	    get32(data + 24) != crc32(data, 24))
		return 0;
	*seq = get64(data + 8);
	if ((want = get64(data + 16)) == 0)
		return SEG_HDR;		/* a spare: no records */
	while (size - off >= REC_HDR && get32(data + off) == REC_MAGIC &&
	    get64(data + off + 8) == want &&
	    (len = get32(data + off + 16)) <= JOURNAL_RECORD_MAX &&
	    len <= size - off - REC_HDR &&
	    get32(data + off + 4) == crc32(data + off + 8, REC_HDR - 8 + len)) {
		type = data[off + 20];
		if (get_payload(type, data + off + REC_HDR, len, &m) == -1)
			break;
		if (fn != NULL)
			fn(arg, type, &m);
		spooled_free(&m);
		*last = want++;
		off += REC_HDR + len;
	}
	return off;
}

size_t
journal_scan(const unsigned char *data, size_t size, journal_record_fn fn,
    void *arg)
{
	uint64_t seq, last;

	return scan(data, size, fn, arg, &seq, &last);
}

/* Segments on disk. */

static int
sync_fd(const struct journal *j, int fd)
{
	return j->sync ? fdatasync(fd) : 0;
}

static int
sync_dir(const struct journal *j)
{
	int fd, rc = 0;

	if (!j->sync)
		return 0;
	if ((fd = open(j->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Writes zeros over [from, to) of fd. */
static int
zero(int fd, size_t from, size_t to)
{
	static const unsigned char zeros[65536];
	size_t n;
	ssize_t w;

	while (from < to) {
		n = to - from < sizeof(zeros) ? to - from : sizeof(zeros);
		if ((w = pwrite(fd, zeros, n, (off_t)from)) <= 0)
			return -1;
		from += (size_t)w;
	}
	return 0;
}

/* A new segment file, full of zeros and synced, as a spare. */
static int
make_segment(struct journal *j, struct segment *s, char *err, size_t errlen)
{
	char path[PATH_MAX + 32];
	unsigned char h[SEG_HDR];

	memset(s, 0, sizeof(*s));
	s->seq = ++j->max_seq;
	snprintf(s->name, sizeof(s->name), "journal.%016llx",
	    (unsigned long long)s->seq);
	snprintf(path, sizeof(path), "%s/%s", j->dir, s->name);
	put_header(h, s->seq, 0);
	if ((s->fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600))
	    == -1 || zero(s->fd, 0, j->segsize) == -1 ||
	    pwrite(s->fd, h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    (j->sync && fsync(s->fd) == -1) || sync_dir(j) == -1) {
		snprintf(err, errlen, "cannot make journal segment %s: %s",
		    path, strerror(errno));
		if (s->fd != -1) {
			close(s->fd);
			unlink(path);
		}
		return -1;
	}
	return 0;
}

static struct segment *
find_segment(struct journal *j, uint64_t seq)
{
	size_t i;

	for (i = 0; i < j->nsegs; i++)
		if (j->segs[i].seq == seq)
			return &j->segs[i];
	return NULL;
}

static struct segment *
current(struct journal *j)
{
	return j->nsegs ? &j->segs[j->nsegs - 1] : NULL;
}

/* Makes a spare (or a new segment) the current one. */
static int
roll(struct journal *j, char *err, size_t errlen)
{
	struct segment *cur = current(j);

	if (cur != NULL && cur->dirty && sync_fd(j, cur->fd) == 0)
		cur->dirty = 0;
	if (j->nspare == 0 && make_segment(j, &j->spare[j->nspare++], err,
	    errlen) == -1) {
		j->nspare--;
		return -1;
	}
	j->segs = xreallocarray(j->segs, j->nsegs + 1, sizeof(*j->segs));
	j->segs[j->nsegs++] = j->spare[--j->nspare];
	current(j)->used = 0;
	current(j)->live = 0;
	return 0;
}

/*
 * Writes b at the current segment's end (its header first if it has no
 * record yet), then syncs.  b's first record has sequence number first.
 */
static int
commit(struct journal *j, struct buf *b, uint64_t first, int sync,
    char *err, size_t errlen)
{
	struct segment *cur;
	unsigned char h[SEG_HDR];
	size_t at;

	if (b->len > j->segsize - SEG_HDR) {
		snprintf(err, errlen, "a batch of %zu bytes does not fit in a "
		    "journal segment", b->len);
		return -1;
	}
	if ((cur = current(j)) == NULL || (cur->used ? cur->used :
	    SEG_HDR) + b->len > j->segsize) {
		if (roll(j, err, errlen) == -1)
			return -1;
		cur = current(j);
	}
	at = cur->used ? cur->used : SEG_HDR;
	if (cur->used == 0) {
		cur->seq = ++j->max_seq;	/* a reused spare starts anew */
		put_header(h, cur->seq, first);
		if (pwrite(cur->fd, h, sizeof(h), 0) != (ssize_t)sizeof(h))
			goto fail;
	}
	if (pwrite(cur->fd, b->data, b->len, (off_t)at) != (ssize_t)b->len ||
	    (sync && sync_fd(j, cur->fd) == -1))
		goto fail;
	cur->used = at + b->len;
	cur->dirty = !sync;
	return 0;
fail:
	snprintf(err, errlen, "cannot write the journal in %s: %s", j->dir,
	    strerror(errno));
	/* What was written must not be found at the next start. */
	zero(cur->fd, at, at + b->len);
	sync_fd(j, cur->fd);
	return -1;
}

int
journal_append(struct journal *j, const struct spooled *ms, size_t n,
    uint64_t *segment, char *err, size_t errlen)
{
	struct buf b = { 0 };
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		put_message(&b, j->next_rseq + i, &ms[i]);
	if ((rc = commit(j, &b, j->next_rseq, 1, err, errlen)) == 0) {
		j->next_rseq += n;
		current(j)->live += n;
		*segment = current(j)->seq;
	}
	buf_free(&b);
	return rc;
}

/* The oldest segments whose messages are all done become spares. */
static void
recycle(struct journal *j)
{
	struct segment *s;
	unsigned char h[SEG_HDR];
	char path[PATH_MAX + 32];

	while (j->nsegs > 1 && j->segs[0].live == 0) {
		s = &j->segs[0];
		put_header(h, s->seq, 0);
		if (pwrite(s->fd, h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
		    sync_fd(j, s->fd) == -1)
			return;		/* tried again at the next done */
		if (j->nspare < SPARES_KEPT)
			j->spare[j->nspare++] = *s;
		else {
			snprintf(path, sizeof(path), "%s/%s", j->dir, s->name);
			close(s->fd);
			unlink(path);
		}
		memmove(&j->segs[0], &j->segs[1],
		    (j->nsegs - 1) * sizeof(*j->segs));
		j->nsegs--;
	}
}

void
journal_done(struct journal *j, uint64_t segment, const char *id)
{
	struct segment *s;
	struct buf b = { 0 };
	char err[256];

	put_done(&b, j->next_rseq, id);
	/* Not synced now: lost in a crash, the message is only sent again. */
	if (commit(j, &b, j->next_rseq, 0, err, sizeof(err)) == 0)
		j->next_rseq++;
	buf_free(&b);
	/* Looked up only now: the commit may have moved the segments. */
	if ((s = find_segment(j, segment)) != NULL && s->live > 0)
		s->live--;
	recycle(j);
}

void
journal_flush(struct journal *j)
{
	size_t i;

	for (i = 0; i < j->nsegs; i++)
		if (j->segs[i].dirty && fdatasync(j->segs[i].fd) == 0)
			j->segs[i].dirty = 0;
}

void
journal_stats(const struct journal *j, size_t *segments, size_t *live)
{
	size_t i;

	*segments = j->nsegs + j->nspare;
	*live = 0;
	for (i = 0; i < j->nsegs; i++)
		if (j->segs[i].live > 0)
			(*live)++;
}

void
journal_close(struct journal *j)
{
	size_t i;

	if (j == NULL)
		return;
	if (!j->rdonly)
		journal_flush(j);
	for (i = 0; i < j->nsegs; i++)
		close(j->segs[i].fd);
	for (i = 0; i < j->nspare; i++)
		close(j->spare[i].fd);
	free(j->segs);
	free(j);
}

/* Start-up: reading what is there. */

struct found {
	char		 id[SPOOL_ID_MAX];
	uint64_t	 rseq;
	size_t		 seg;		/* index into the segments */
	int		 done;
	struct spooled	 msg;
};

struct recovery {
	struct found	*found;		/* messages, in the order read */
	size_t		 nfound;
	char		(*dead)[SPOOL_ID_MAX];	/* tombstones */
	size_t		 ndead;
	size_t		 seg;
};

static void
recover_record(void *arg, int type, const struct spooled *m)
{
	struct recovery *r = arg;
	struct found *f;

	if (type == 'D') {
		r->dead = xreallocarray(r->dead, r->ndead + 1,
		    sizeof(*r->dead));
		memcpy(r->dead[r->ndead++], m->id, SPOOL_ID_MAX);
		return;
	}
	r->found = xreallocarray(r->found, r->nfound + 1, sizeof(*r->found));
	f = &r->found[r->nfound];
	memset(f, 0, sizeof(*f));
	memcpy(f->id, m->id, SPOOL_ID_MAX);
	f->rseq = r->nfound++;
	f->seg = r->seg;
	f->msg = *m;
	f->msg.to = xstrdup(m->to);
	f->msg.body = xmemdup(m->body, m->len);
}

static int
by_id(const void *a, const void *b)
{
	const struct found *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	return c ? c : x->rseq < y->rseq ? -1 : x->rseq > y->rseq;
}

static int
by_id_only(const void *a, const void *b)
{
	return strcmp(((const struct found *)a)->id,
	    ((const struct found *)b)->id);
}

static int
by_rseq(const void *a, const void *b)
{
	const struct found *x = a, *y = b;

	return x->rseq < y->rseq ? -1 : x->rseq > y->rseq;
}

/*
 * Marks what tombstones name, and every copy of a message but its first,
 * as done; counts the live ones into their segments.
 */
static void
settle(struct journal *j, struct recovery *r)
{
	struct found key, *f;
	size_t i;

	if (r->nfound > 1)
		qsort(r->found, r->nfound, sizeof(*r->found), by_id);
	for (i = 1; i < r->nfound; i++)
		if (strcmp(r->found[i].id, r->found[i - 1].id) == 0)
			r->found[i].done = 1;
	for (i = 0; i < r->ndead && r->nfound > 0; i++) {
		memcpy(key.id, r->dead[i], SPOOL_ID_MAX);
		f = bsearch(&key, r->found, r->nfound, sizeof(*f), by_id_only);
		/* bsearch finds one copy: a tombstone ends them all. */
		for (; f != NULL && f > r->found && strcmp(f[-1].id, key.id)
		    == 0; f--)
			;
		for (; f != NULL && f < r->found + r->nfound &&
		    strcmp(f->id, key.id) == 0; f++)
			f->done = 1;
	}
	if (r->nfound > 1)
		qsort(r->found, r->nfound, sizeof(*r->found), by_rseq);
	for (i = 0; i < r->nfound; i++)
		if (!r->found[i].done)
			j->segs[r->found[i].seg].live++;
}

/*
 * Opens one segment file and reads its header into s; -1 if it is no
 * segment of ours.
 */
static int
open_segment(struct journal *j, const char *name, struct segment *s)
{
	char path[PATH_MAX + 64];
	unsigned char h[SEG_HDR];
	struct stat st;

	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(path, sizeof(path), "%s/%s", j->dir, name);
	if ((s->fd = open(path, (j->rdonly ? O_RDONLY : O_RDWR) | O_CLOEXEC |
	    O_NOFOLLOW)) == -1)
		return -1;
	if (fstat(s->fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size < SEG_HDR || st.st_size > (off_t)(64u << 20) ||
	    pread(s->fd, h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    memcmp(h, SEG_MAGIC, 8) != 0 || get32(h + 24) != crc32(h, 24)) {
		close(s->fd);
		return -1;
	}
	s->seq = get64(h + 8);
	s->used = get64(h + 16) != 0;	/* for now: holds records or not */
	return 0;
}

static int
by_seq(const void *a, const void *b)
{
	const struct segment *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Finds the segments in dir: in use (in order) and spares. */
static int
find_segments(struct journal *j, char *err, size_t errlen)
{
	struct dirent *de;
	struct segment s;
	DIR *d;

	if ((d = opendir(j->dir)) == NULL) {
		snprintf(err, errlen, "cannot read %s: %s", j->dir,
		    strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "journal.", 8) != 0 ||
		    strlen(de->d_name) != 24)
			continue;
		if (open_segment(j, de->d_name, &s) == -1)
			continue;	/* not ours: left alone */
		if (s.seq > j->max_seq)
			j->max_seq = s.seq;
		if (!s.used && j->nspare < SPARES_KEPT)
			j->spare[j->nspare++] = s;
		else if (!s.used)
			close(s.fd);
		else {
			j->segs = xreallocarray(j->segs, j->nsegs + 1,
			    sizeof(*j->segs));
			j->segs[j->nsegs++] = s;
		}
	}
	closedir(d);
	if (j->nsegs > 1)
		qsort(j->segs, j->nsegs, sizeof(*j->segs), by_seq);
	return 0;
}

/* Reads the records of every segment in use, in order, into r. */
static void
read_segments(struct journal *j, struct recovery *r)
{
	unsigned char *data;
	struct stat st;
	uint64_t seq, last;
	size_t i, end;
	ssize_t n;

	for (i = 0; i < j->nsegs; i++) {
		struct segment *s = &j->segs[i];

		if (fstat(s->fd, &st) == -1)
			continue;
		data = xmalloc((size_t)st.st_size + 1);
		n = pread(s->fd, data, (size_t)st.st_size, 0);
		r->seg = i;
		end = n > 0 ? scan(data, (size_t)n, recover_record, r, &seq,
		    &last) : 0;
		free(data);
		/* Without a valid record, its header is written anew. */
		s->used = end > SEG_HDR ? end : 0;
		if (last >= j->next_rseq)
			j->next_rseq = last + 1;
	}
}

/*
 * After a crash, the current segment may hold a torn record past its
 * valid end: overwrite with zeros what a torn write may have reached, so
 * that nothing of it lingers behind the records that will follow.
 */
static int
cut_tail(struct journal *j, char *err, size_t errlen)
{
	struct segment *cur = current(j);
	size_t from, to;

	if (cur == NULL)
		return 0;
	from = cur->used > SEG_HDR ? cur->used : SEG_HDR;
	to = from + ZERO_TAIL < j->segsize ? from + ZERO_TAIL : j->segsize;
	if (to > from && (zero(cur->fd, from, to) == -1 ||
	    sync_fd(j, cur->fd) == -1)) {
		snprintf(err, errlen, "cannot write the journal in %s: %s",
		    j->dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* Finds and reads the segments of dir, handing live messages to fn. */
static struct journal *
load(const char *dir, size_t segsize, int sync, int rdonly,
    journal_found_fn fn, void *arg, char *err, size_t errlen)
{
	struct journal *j = xcalloc(1, sizeof(*j));
	struct recovery r = { 0 };
	size_t i;

	snprintf(j->dir, sizeof(j->dir), "%s", dir);
	j->segsize = segsize ? segsize : JOURNAL_SEGMENT;
	j->sync = sync;
	j->rdonly = rdonly;
	j->next_rseq = 1;	/* 0 in a header means "no records" */
	if (find_segments(j, err, errlen) == -1) {
		journal_close(j);
		return NULL;
	}
	read_segments(j, &r);
	settle(j, &r);
	for (i = 0; i < r.nfound; i++) {
		if (!r.found[i].done && fn != NULL)
			fn(arg, &r.found[i].msg, j->segs[r.found[i].seg].seq);
		spooled_free(&r.found[i].msg);
	}
	free(r.found);
	free(r.dead);
	return j;
}

struct journal *
journal_open(const char *dir, size_t segsize, int sync, journal_found_fn fn,
    void *arg, char *err, size_t errlen)
{
	struct journal *j;

	if ((j = load(dir, segsize, sync, 0, fn, arg, err, errlen)) == NULL)
		return NULL;
	if (cut_tail(j, err, errlen) == -1) {
		journal_close(j);
		return NULL;
	}
	recycle(j);
	return j;
}

int
journal_peek(const char *dir, journal_found_fn fn, void *arg, char *err,
    size_t errlen)
{
	struct journal *j;

	if ((j = load(dir, 0, 0, 1, fn, arg, err, errlen)) == NULL)
		return -1;
	journal_close(j);
	return 0;
}
