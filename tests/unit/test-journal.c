/*
 * test-journal: the spool's journal (journal.c): what is appended comes
 * back after a reopen, in order, whole; what is done does not; segments
 * are reused; and a last record cut short or damaged at any byte is cut,
 * never misread, with everything before it intact.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal.h"
#include "tap.h"

static char found[256][128];	/* "id to body flags" of each message found */
static uint64_t found_seg[256];
static int nfound;

static void
record(void *arg, const struct spooled *m, uint64_t seg)
{
	(void)arg;
	if (nfound < 256) {
		snprintf(found[nfound], sizeof(found[0]), "%s %s %.*s %d%d%d %lld",
		    m->id, m->to, (int)m->len, m->body, m->groupchat, m->receipt,
		    m->oob, (long long)m->created);
		found_seg[nfound] = seg;
	}
	nfound++;
}

static struct journal *
reopen(const char *dir, size_t segsize)
{
	char err[512];
	struct journal *j;

	nfound = 0;
	if ((j = journal_open(dir, segsize, 1, record, NULL, err,
	    sizeof(err))) == NULL)
		diag("journal_open: %s", err);
	return j;
}

static struct spooled
msg(const char *id, const char *body)
{
	struct spooled m;

	memset(&m, 0, sizeof(m));
	snprintf(m.id, sizeof(m.id), "%s", id);
	m.to = (char *)"bob@example.org";
	m.body = (char *)body;
	m.len = strlen(body);
	m.created = 1700000000;
	return m;
}

static int
append(struct journal *j, const char *id, const char *body, uint64_t *seg)
{
	struct spooled m = msg(id, body);
	char err[256];

	return journal_append(j, &m, 1, seg, err, sizeof(err));
}

/* The one segment file in dir that holds records, read whole. */
static char *
segment_path(const char *dir, char *out, size_t len)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	out[0] = '\0';
	while (d != NULL && (de = readdir(d)) != NULL)
		if (strncmp(de->d_name, "journal.", 8) == 0)
			snprintf(out, len, "%s/%s", dir, de->d_name);
	if (d != NULL)
		closedir(d);
	return out;
}

static void
test_round_trip(const char *dir)
{
	struct spooled ms[3];
	struct journal *j = reopen(dir, 0);
	uint64_t seg;
	char err[256];

	ok(j != NULL, "a new journal opens in an empty folder");
	is_int(nfound, 0, "and holds nothing");
	ms[0] = msg("id-1", "one");
	ms[1] = msg("id-2", "two\nlines");
	ms[1].groupchat = 1;
	ms[2] = msg("id-3", "");
	ms[2].receipt = 1;
	ms[2].created = -5;
	ms[0].oob = 1;
	is_int(journal_append(j, ms, 3, &seg, err, sizeof(err)), 0,
	    "three messages in one append");
	is_int(append(j, "id-4", "four", &seg), 0, "and one more");
	journal_close(j);
	j = reopen(dir, 0);
	is_int(nfound, 4, "after a reopen all four are there");
	is_str(found[0], "id-1 bob@example.org one 001 1700000000", "whole, with the out-of-band flag");
	is_str(found[1], "id-2 bob@example.org two\nlines 100 1700000000",
	    "newlines and the group chat flag kept");
	is_str(found[2], "id-3 bob@example.org  010 -5", "an empty body, the "
	    "receipt flag and the time kept");
	is_str(found[3], "id-4 bob@example.org four 000 1700000000",
	    "in the order appended");
	journal_done(j, found_seg[1], "id-2");
	journal_done(j, found_seg[3], "id-4");
	journal_close(j);
	j = reopen(dir, 0);
	is_int(nfound, 2, "what was done is not found again");
	ok(strncmp(found[0], "id-1 ", 5) == 0 && strncmp(found[1], "id-3 ", 5)
	    == 0, "the others are, in order");
	journal_done(j, found_seg[0], "id-1");
	journal_done(j, found_seg[1], "id-3");
	journal_close(j);
	j = reopen(dir, 0);
	is_int(nfound, 0, "all done: empty");
	journal_close(j);
}

/* With small segments: rolling over, and reusing the oldest. */
static void
test_segments(const char *dir)
{
	struct journal *j = reopen(dir, 4096);
	uint64_t segs[200];
	size_t nseg, live;
	char id[32], body[200];
	int i, fails = 0;

	memset(body, 'x', sizeof(body) - 1);
	body[sizeof(body) - 1] = '\0';
	for (i = 0; i < 200; i++) {
		snprintf(id, sizeof(id), "m%d", i);
		fails += append(j, id, body, &segs[i]) != 0;
	}
	is_int(fails, 0, "200 messages of 200 bytes in 4 KiB segments");
	journal_stats(j, &nseg, &live);
	ok(nseg >= 10, "they fill many segments (%zu)", nseg);
	for (i = 0; i < 190; i++) {
		snprintf(id, sizeof(id), "m%d", i);
		journal_done(j, segs[i], id);
	}
	journal_stats(j, &nseg, &live);
	ok(live <= 2, "once the oldest are done, only the last segments hold "
	    "live messages (%zu)", live);
	ok(nseg <= live + 4, "and the others were reused or removed (%zu "
	    "files)", nseg);
	journal_close(j);
	j = reopen(dir, 4096);
	is_int(nfound, 10, "the last 10 come back");

	ok(strncmp(found[0], "m190 ", 5) == 0 && strncmp(found[9], "m199 ", 5)
	    == 0, "in order, m190 to m199");
	/* Messages leave in order (the queue is first in, first out). */
	for (i = 0; i < 10; i++) {
		snprintf(id, sizeof(id), "m%d", 190 + i);
		journal_done(j, found_seg[i], id);
	}
	for (i = 0; i < 300; i++) {
		snprintf(id, sizeof(id), "n%d", i);
		append(j, id, body, &segs[0]);
		journal_done(j, segs[0], id);
	}
	journal_stats(j, &nseg, &live);
	ok(nseg <= 4, "a long run of messages sent and done keeps reusing the "
	    "same few files (%zu)", nseg);
	append(j, "last", "kept", &segs[0]);
	journal_close(j);
	j = reopen(dir, 4096);
	is_int(nfound, 1, "only the one left live comes back");
	journal_close(j);
}

/*
 * Tombstones wait for the next write: with the next batch, or alone;
 * too many to share a segment with the batch, they go first.
 */
static void
test_tombs(const char *dir)
{
	struct journal *j = reopen(dir, 4096);
	uint64_t segs[60], seg;
	char id[32], big[3000];
	int i, fails = 0;

	for (i = 0; i < 60; i++) {
		snprintf(id, sizeof(id), "t%d", i);
		fails += append(j, id, "short", &segs[i]) != 0;
	}
	for (i = 0; i < 59; i++) {
		snprintf(id, sizeof(id), "t%d", i);
		journal_done(j, segs[i], id);
	}
	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	fails += append(j, "big", big, &seg) != 0;
	is_int(fails, 0, "a batch after 59 tombstones too many to share a "
	    "4 KiB segment with it");
	journal_close(j);
	j = reopen(dir, 4096);
	is_int(nfound, 2, "after a reopen the done are gone");
	ok(strncmp(found[0], "t59 ", 4) == 0 && strncmp(found[1], "big ", 4)
	    == 0, "the live two are there, in order");
	journal_done(j, found_seg[0], "t59");
	journal_write_done(j);
	journal_done(j, found_seg[1], "big");
	journal_close(j);
	j = reopen(dir, 4096);
	is_int(nfound, 0, "tombstones written alone, and at close, count");
	journal_close(j);
}

/* Copies file a over b. */
static void
copy(const char *a, const char *b)
{
	char buf[65536];
	int in = open(a, O_RDONLY), out = open(b, O_WRONLY | O_CREAT | O_TRUNC,
	    0600);
	ssize_t n;

	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			break;
	close(in);
	close(out);
}

/*
 * A crash in the middle of the last write: that record cut at every
 * byte (the rest zeros, or the file ending there), or with any one byte
 * changed.  Each time the first two messages come back as they were, the
 * third not at all, and a message appended afterwards is found too.
 */
static void
test_torn(const char *dir)
{
	struct journal *j = reopen(dir, 4096);
	char path[1024], saved[1100];
	struct stat st;
	size_t start, end, k;
	uint64_t seg;
	int bad = 0, cuts = 0, fd;
	unsigned char c;

	append(j, "t1", "first", &seg);
	append(j, "t2", "second", &seg);
	journal_close(j);
	segment_path(dir, path, sizeof(path));
	j = reopen(dir, 4096);
	journal_close(j);
	/* Where the third record will go: after the first two. */
	{
		unsigned char data[4096];

		fd = open(path, O_RDONLY);
		start = (size_t)pread(fd, data, sizeof(data), 0);
		close(fd);
		start = journal_scan(data, start, NULL, NULL);
	}
	j = reopen(dir, 4096);
	append(j, "t3", "the third message, torn by a crash", &seg);
	journal_close(j);
	end = start + 24 + 16 + 2 + 15 + 34;
	snprintf(saved, sizeof(saved), "%s.saved", path);
	copy(path, saved);
	for (k = start; k < end; k++) {
		for (int mode = 0; mode < 3; mode++) {
			copy(saved, path);
			fd = open(path, O_RDWR);
			if (mode == 0)
				bad += ftruncate(fd, (off_t)k) != 0;
			else if (mode == 1) {
				unsigned char zeros[256] = { 0 };

				bad += pwrite(fd, zeros, end - k, (off_t)k) !=
				    (ssize_t)(end - k);
			} else {
				bad += pread(fd, &c, 1, (off_t)k) != 1;
				c ^= 0x5a;
				bad += pwrite(fd, &c, 1, (off_t)k) != 1;
			}
			close(fd);
			cuts++;
			j = reopen(dir, 4096);
			if (j == NULL || nfound != 2 ||
			    strcmp(found[0], "t1 bob@example.org first 000 "
			    "1700000000") != 0 || strncmp(found[1], "t2 ", 3)) {
				bad++;
				diag("byte %zu, mode %d: %d found", k, mode,
				    nfound);
			}
			append(j, "t4", "after", &seg);
			journal_close(j);
			j = reopen(dir, 4096);
			if (nfound != 3 || strncmp(found[2], "t4 ", 3) != 0) {
				bad++;
				diag("byte %zu, mode %d: the next append is "
				    "not found (%d)", k, mode, nfound);
			}
			journal_close(j);
		}
	}
	stat(path, &st);
	is_int(bad, 0, "%d cuts and changes of the last record: recovered "
	    "each time, and the journal goes on", cuts);
	unlink(saved);
}

static void
test_duplicates(const char *dir)
{
	struct journal *j = reopen(dir, 0);
	uint64_t s1, s2;

	append(j, "dup", "first copy", &s1);
	append(j, "dup", "second copy", &s2);
	append(j, "other", "x", &s2);
	journal_close(j);
	j = reopen(dir, 0);
	is_int(nfound, 2, "a message written twice is found once");
	journal_done(j, found_seg[0], "dup");
	journal_close(j);
	j = reopen(dir, 0);
	is_int(nfound, 1, "and one tombstone ends both copies");
	journal_close(j);
}

/* A fresh folder for each test. */
static char *
fresh(char *tmpl)
{
	strcpy(tmpl, "/tmp/test-journal.XXXXXX");
	return mkdtemp(tmpl);
}

static void
rmdir_all(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("cannot remove %s", dir);
}

int
main(void)
{
	char d[64];

	test_round_trip(fresh(d));
	rmdir_all(d);
	test_segments(fresh(d));
	rmdir_all(d);
	test_torn(fresh(d));
	rmdir_all(d);
	test_duplicates(fresh(d));
	rmdir_all(d);
	test_tombs(fresh(d));
	rmdir_all(d);
	return done_testing();
}
