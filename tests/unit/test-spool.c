/* test-spool.c: the on-disk spool: what is written is read back whole,
 * anything cut short or foreign is refused, and the folder is checked. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spool.h"
#include "tap.h"

static char dir[] = "/tmp/test-spool-XXXXXX";

static void
write_read(int sync, int groupchat, int receipt, int oob)
{
	struct spooled m = { 0 }, *r;
	char err[512], path[600];
	const char body[] = "line one\n  line two\nEND\n";
	size_t n;

	snprintf(m.id, sizeof(m.id), "xmppd-test-%d%d%d%d", sync, groupchat,
	    receipt, oob);
	m.to = "bob@example.org/desk";
	m.body = (char *)body;
	m.len = sizeof(body) - 1;
	m.created = 1700000000;
	m.groupchat = groupchat;
	m.receipt = receipt;
	m.oob = oob;
	is_int(spool_write(dir, &m, sync, err, sizeof(err)), 0, "write %s",
	    m.id);
	snprintf(path, sizeof(path), "%s/%s.msg", dir, m.id);
	is_int(spool_read(path, &r, &n, err, sizeof(err)), 0, "read it back");
	is_int((int)n, 1, "one message in the file");
	is_str(r->id, m.id, "same id");
	is_str(r->to, m.to, "same recipient");
	ok(r->len == m.len && memcmp(r->body, body, r->len) == 0,
	    "the body, byte for byte, even with an END line inside");
	is_int((int)r->created, 1700000000, "same creation time");
	is_int(r->groupchat, groupchat, "type kept");
	is_int(r->receipt, receipt, "receipt request kept");
	is_int(r->oob, oob, "out-of-band flag kept");
	spooled_free_all(r, n);
	/* Every cut is refused. */
	for (off_t cut = 1; cut < 40; cut += 7) {
		struct stat st;
		if (stat(path, &st) == -1 || truncate(path, st.st_size - 1) == -1)
			diag("cannot cut %s: %s", path, strerror(errno));
		ok(spool_read(path, &r, &n, err, sizeof(err)) == -1 &&
		    strstr(err, "truncated") != NULL && r == NULL && n == 0,
		    "a file cut short is refused (%lld bytes left)",
		    (long long)st.st_size - 1);
	}
	spool_remove(dir, m.id);
	ok(access(path, F_OK) == -1, "spool_remove removes it");
}

/* Several messages in one file: all read back, in order; any cut refused. */
static void
many(void)
{
	struct spooled m[3], *r;
	char err[512], path[600], *data;
	const char *bodies[3] = { "first", "", "third\nEND\n" };
	size_t n, i, size, rec[3];
	struct stat st;
	FILE *fp;

	memset(m, 0, sizeof(m));
	for (i = 0; i < 3; i++) {
		snprintf(m[i].id, sizeof(m[i].id), "xmppd-many-%zu", i);
		m[i].to = i == 1 ? "room@conference.example.org" : "bob@x.org";
		m[i].body = (char *)bodies[i];
		m[i].len = strlen(bodies[i]);
		m[i].created = 1700000000 + (time_t)i;
		m[i].groupchat = i == 1;
	}
	is_int(spool_write_many(dir, m, 3, 1, err, sizeof(err)), 0,
	    "write three messages as one file");
	snprintf(path, sizeof(path), "%s/xmppd-many-0.msg", dir);
	ok(access(path, F_OK) == 0, "named after the first message");
	is_int(spool_read(path, &r, &n, err, sizeof(err)), 0, "read them back");
	is_int((int)n, 3, "three messages");
	for (i = 0; i < n && i < 3; i++)
		ok(strcmp(r[i].id, m[i].id) == 0 && strcmp(r[i].to, m[i].to) ==
		    0 && r[i].len == m[i].len && memcmp(r[i].body, bodies[i],
		    m[i].len) == 0 && r[i].created == m[i].created &&
		    r[i].groupchat == m[i].groupchat,
		    "message %zu whole and in its place", i);
	spooled_free_all(r, n);

	/* A cut exactly between two records must not pass for a whole file. */
	stat(path, &st);
	size = (size_t)st.st_size;
	data = malloc(size);
	fp = fopen(path, "r");
	if (fp == NULL || fread(data, 1, size, fp) != size)
		diag("cannot read %s back", path);
	if (fp != NULL)
		fclose(fp);
	for (i = 0, n = 0; i + 5 <= size && n < 3; i++)
		if (memcmp(data + i, "\nEND\n", 5) == 0 &&
		    (i + 5 == size || memcmp(data + i + 5, "XMPPD", 5) == 0))
			rec[n++] = i + 5;
	is_int((int)n, 3, "three record ends found");
	for (i = 0; i + 1 < n; i++) {
		if (truncate(path, (off_t)rec[i]) == -1)
			diag("cannot cut %s: %s", path, strerror(errno));
		ok(spool_read(path, &r, &n, err, sizeof(err)) == -1,
		    "a file cut after record %zu of 3 is refused", i + 1);
		n = 3;
	}
	/* A count that is not the first record's, or too big, is refused. */
	fp = fopen(path, "w");
	fputs("XMPPD-SPOOL 1\nid a\nto a@b\ncreated 1\nlength 1\n\nx\nEND\n"
	    "XMPPD-SPOOL 1\nid b\nto a@b\nmessages 2\ncreated 1\nlength 1\n"
	    "\ny\nEND\n", fp);
	fclose(fp);
	ok(spool_read(path, &r, &n, err, sizeof(err)) == -1,
	    "a count in a later record is refused");
	fp = fopen(path, "w");
	fputs("XMPPD-SPOOL 1\nid a\nto a@b\nmessages 1\ncreated 1\n"
	    "length 1\n\nx\nEND\n", fp);
	fclose(fp);
	ok(spool_read(path, &r, &n, err, sizeof(err)) == -1,
	    "a count of 1 is refused (a single message has none)");
	fp = fopen(path, "w");
	fwrite(data, 1, size, fp);
	fputs("trailing", fp);
	fclose(fp);
	ok(spool_read(path, &r, &n, err, sizeof(err)) == -1,
	    "bytes after the last record are refused");
	free(data);
	unlink(path);
}

static void
foreign(void)
{
	struct spooled *r;
	char err[512], path[600];
	size_t n;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/alien.msg", dir);
	fp = fopen(path, "w");
	fputs("XMPPD-SPOOL 1\nid x\nto a@b\nlength 3\n\nabc\nEND\n", fp);
	fclose(fp);
	ok(spool_read(path, &r, &n, err, sizeof(err)) == -1,
	    "a file without a creation time is refused");
	fp = fopen(path, "w");
	fputs("XMPPD-SPOOL 1\nid x\nto a@b\ncreated 1\nlength 4\n\nabc\nEND\n",
	    fp);
	fclose(fp);
	ok(spool_read(path, &r, &n, err, sizeof(err)) == -1,
	    "a length that does not match is refused");
	fp = fopen(path, "w");
	fputs("XMPPD-SPOOL 1\nid x\nto a@b\ncreated 1\nfuture yes\nlength 3\n"
	    "\nabc\nEND\n", fp);
	fclose(fp);
	ok(spool_read(path, &r, &n, err, sizeof(err)) == 0 && n == 1,
	    "unknown header lines are skipped");
	spooled_free_all(r, n);
	/* Written before the out-of-band flag existed: a plain message. */
	fp = fopen(path, "w");
	fputs("XMPPD-SPOOL 1\nid x\nto a@b\nreceipt yes\ncreated 1\n"
	    "length 3\n\nabc\nEND\n", fp);
	fclose(fp);
	ok(spool_read(path, &r, &n, err, sizeof(err)) == 0 && n == 1 &&
	    r->receipt == 1 && r->oob == 0,
	    "a file of the version before \"oob\" reads, as a plain message");
	spooled_free_all(r, n);
	fp = fopen(path, "w");
	fputs("hello\n", fp);
	fclose(fp);
	ok(spool_read(path, &r, &n, err, sizeof(err)) == -1,
	    "a file without the magic line is refused");
	unlink(path);
}

static void relative(void);

static void
folder(void)
{
	char sub[600], err[512];

	snprintf(sub, sizeof(sub), "%s/a/b/c", dir);
	is_int(spool_prepare(sub, err, sizeof(err)), 0,
	    "spool_prepare creates missing parents");
	chmod(sub, 0755);
	ok(spool_prepare(sub, err, sizeof(err)) == -1 &&
	    strstr(err, "closed to others") != NULL,
	    "a folder open to others is refused");
	chmod(sub, 0700);
	is_int(spool_prepare(sub, err, sizeof(err)), 0, "0700 is fine");
	setenv("XMPPD_STATE_DIR", "/x/state", 1);
	spool_dir("PBX", sub, sizeof(sub));
	is_str(sub, "/x/state/pbx", "$XMPPD_STATE_DIR/ACCOUNT, folded");
	relative();
}

/*
 * A relative $XMPPD_STATE_DIR is taken from the current folder (issue 14,
 * D10: xmppd and xmpp-send -Q stored through a NULL from strrchr()).
 */
static void
relative(void)
{
	char sub[600], want[700], cwd[512], err[512];

	if (getcwd(cwd, sizeof(cwd)) == NULL || chdir(dir) == -1) {
		ok(0, "cannot go to %s", dir);
		return;
	}
	setenv("XMPPD_STATE_DIR", "rel", 1);
	is_int(spool_dir("pbx", sub, sizeof(sub)), 0, "a relative one is taken");
	snprintf(want, sizeof(want), "%s/rel/pbx", dir);
	is_str(sub, want, "from the current folder, made absolute");
	is_int(spool_prepare("rel2", err, sizeof(err)), 0,
	    "spool_prepare of a relative one-part path does not crash");
	is_int(spool_prepare("rel3/pbx", err, sizeof(err)), 0,
	    "nor of a relative path of two parts");
	unsetenv("XMPPD_STATE_DIR");
	if (chdir(cwd) == -1)
		diag("cannot go back to %s", cwd);
}

int
main(void)
{
	char cmd[600];

	if (mkdtemp(dir) == NULL)
		return 1;
	write_read(1, 0, 0, 0);
	write_read(0, 1, 0, 0);
	write_read(1, 0, 1, 0);
	write_read(0, 0, 0, 1);
	write_read(1, 1, 0, 1);
	many();
	foreign();
	folder();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	return done_testing();
}
