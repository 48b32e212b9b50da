/*
 * spool.c: accepted messages on disk, written the Postfix way.
 *
 * A file holds the messages the daemon accepted in one turn of its loop
 * (xmpp-send --queue writes one message per file).  It is created under a
 * temporary name with O_EXCL, written as one record per message (a header,
 * the body and an end marker; the first header says how many records
 * follow), fsync()ed, renamed to its final name and the folder fsync()ed;
 * only then is any of its messages acknowledged: one fsync() pair for the
 * whole group.  A crash at any instant leaves either a complete file or
 * none (a temporary one is ignored), and a file cut short is recognised by
 * its end markers, lengths and record count.
 */
#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proto.h"
#include "sockdir.h"

#define SPOOL_MAGIC	"XMPPD-SPOOL 1\n"
#define SPOOL_END	"\nEND\n"

int
spool_dir(const char *account, char *out, size_t len)
{
	const char *env = getenv(SPOOL_ENV);
	char cwd[PATH_MAX];
	int n;

	/*
	 * A relative $XMPPD_STATE_DIR is taken from the current folder, once,
	 * so that the path is absolute in the daemon's lock file too.
	 */
	if (env != NULL && *env != '\0' && *env != '/') {
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return -1;
		n = snprintf(out, len, "%s/%s/%s", cwd, env, account);
	} else if (env != NULL && *env != '\0')
		n = snprintf(out, len, "%s/%s", env, account);
	else if (geteuid() == 0)
		n = snprintf(out, len, "/var/spool/xmppd/%s", account);
	else if ((env = getenv("XDG_STATE_HOME")) != NULL && *env == '/')
		n = snprintf(out, len, "%s/xmppd/%s", env, account);
	else
		n = snprintf(out, len, "%s/.local/state/xmppd/%s", home_dir(),
		    account);
	if (n < 0 || (size_t)n >= len)
		return -1;
	account_fold(out + n - strlen(account));
	return 0;
}

static int
fsync_dir(const char *dir)
{
	int fd, rc;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int
spool_prepare(const char *dir, char *err, size_t errlen)
{
	char path[PATH_MAX], *p;
	struct stat st;

	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path)) {
		snprintf(err, errlen, "spool folder name too long");
		return -1;
	}
	for (p = path + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(path, 0700) == 0) {
			/* A new folder must survive power loss too. */
			char *slash = strrchr(path, '/');
			if (slash == NULL)
				fsync_dir(".");
			else {
				*slash = '\0';
				fsync_dir(slash == path ? "/" : path);
				*slash = '/';
			}
		} else if (errno != EEXIST) {
			snprintf(err, errlen, "cannot create %s: %s", path,
			    strerror(errno));
			return -1;
		}
		if ((*p = c) == '\0')
			break;
	}
	if (lstat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "spool %s is not a folder", dir);
		return -1;
	}
	if (st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		snprintf(err, errlen, "spool %s must belong to uid %lu and be "
		    "closed to others (chmod 700)", dir,
		    (unsigned long)geteuid());
		return -1;
	}
	return 0;
}

static int
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, c, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Appends one record; the first names the count when there are more. */
static int
put_record(struct buf *b, const struct spooled *m, size_t count)
{
	if (buf_printf(b, SPOOL_MAGIC "id %s\nto %s\n", m->id, m->to) == -1 ||
	    (m->groupchat && buf_printf(b, "type groupchat\n") == -1) ||
	    (m->receipt && buf_printf(b, "receipt yes\n") == -1) ||
	    (m->oob && buf_printf(b, "oob yes\n") == -1) ||
	    (count > 1 && buf_printf(b, "messages %zu\n", count) == -1) ||
	    buf_printf(b, "created %lld\nlength %zu\n\n",
	    (long long)m->created, m->len) == -1 ||
	    buf_append(b, m->body, m->len) == -1 ||
	    buf_append(b, SPOOL_END, sizeof(SPOOL_END) - 1) == -1)
		return -1;
	return 0;
}

int
spool_format(struct buf *b, const struct spooled *ms, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (put_record(b, &ms[i], i == 0 ? n : 0) == -1)
			return -1;
	return 0;
}

int
spool_write_many(const char *dir, const struct spooled *ms, size_t n,
    int sync, char *err, size_t errlen)
{
	char tmp[PATH_MAX], final[PATH_MAX];
	struct buf b = { 0 };
	int fd, saved;

	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, ms[0].id);
	snprintf(final, sizeof(final), "%s/%s.msg", dir, ms[0].id);
	if (spool_format(&b, ms, n) == -1) {
		buf_free(&b);
		errno = ENOMEM;
		goto fail;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1) {
		buf_free(&b);
		goto fail;
	}
	if (write_all(fd, b.data, b.len) == -1 || (sync && fsync(fd) == -1)) {
		saved = errno;
		close(fd);
		unlink(tmp);
		buf_free(&b);
		errno = saved;
		goto fail;
	}
	buf_free(&b);
	if (close(fd) == -1 || rename(tmp, final) == -1) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		goto fail;
	}
	if (sync && fsync_dir(dir) == -1)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "cannot write to the spool %s: %s", dir,
	    strerror(errno));
	return -1;
}

int
spool_write(const char *dir, const struct spooled *m, int sync, char *err,
    size_t errlen)
{
	return spool_write_many(dir, m, 1, sync, err, errlen);
}

/*
 * Parses one record at *pp: "XMPPD-SPOOL 1", then "key value" lines up to
 * an empty line (id, to, created and length are required; type, receipt,
 * oob and messages optional; unknown keys are skipped, so that files of
 * later versions still read, and older daemons read "oob" files as plain
 * messages), then the body and the end marker.  Sets *count from
 * "messages" (the first record of a file says how many it holds) and
 * moves *pp past.
 */
static int
parse(char **pp, char *end, struct spooled *m, size_t *count)
{
	char *p = *pp, *nl, *v, *e;
	unsigned long long len = 0, n;
	size_t avail, endlen = sizeof(SPOOL_END) - 1;
	int have = 0;

	if ((size_t)(end - p) < sizeof(SPOOL_MAGIC) - 1 ||
	    memcmp(p, SPOOL_MAGIC, sizeof(SPOOL_MAGIC) - 1) != 0)
		return -1;
	p += sizeof(SPOOL_MAGIC) - 1;
	for (;;) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return -1;
		if (nl == p)
			break;
		*nl = '\0';
		if ((v = strchr(p, ' ')) == NULL)
			return -1;
		*v++ = '\0';
		if (strcmp(p, "id") == 0 && *v != '\0' &&
		    strlen(v) < sizeof(m->id)) {
			memcpy(m->id, v, strlen(v) + 1);
			have |= 1;
		} else if (strcmp(p, "to") == 0 && *v != '\0') {
			free(m->to);
			if ((m->to = strdup(v)) == NULL)
				return -1;
			have |= 2;
		} else if (strcmp(p, "created") == 0) {
			m->created = (time_t)strtoll(v, NULL, 10);
			have |= 4;
		} else if (strcmp(p, "length") == 0) {
			errno = 0;
			len = strtoull(v, &e, 10);
			if (errno != 0 || *e != '\0' || *v == '\0')
				return -1;
			have |= 8;
		} else if (strcmp(p, "messages") == 0) {
			errno = 0;
			n = strtoull(v, &e, 10);
			if (errno != 0 || *e != '\0' || n < 2 ||
			    n > SPOOL_BATCH_MAX)
				return -1;
			*count = (size_t)n;
		} else if (strcmp(p, "type") == 0)
			m->groupchat = strcmp(v, "groupchat") == 0;
		else if (strcmp(p, "receipt") == 0)
			m->receipt = strcmp(v, "yes") == 0;
		else if (strcmp(p, "oob") == 0)
			m->oob = strcmp(v, "yes") == 0;
		p = nl + 1;
	}
	p++;
	avail = (size_t)(end - p);
	if (have != 15 || avail < endlen || len > avail - endlen ||
	    memcmp(p + len, SPOOL_END, endlen) != 0)
		return -1;
	if ((m->body = malloc(len + 1)) == NULL)
		return -1;
	memcpy(m->body, p, len);
	m->body[len] = '\0';
	m->len = len;
	*pp = p + len + endlen;
	return 0;
}

int
spool_parse(char *data, size_t size, struct spooled **msgs, size_t *count)
{
	struct spooled *ms = NULL, *grown;
	char *p = data, *end = data + size;
	size_t n = 0, want = 1, later;
	int parsed;

	*msgs = NULL;
	*count = 0;
	/* Records follow one another to the end, as many as the first says. */
	while (p < end && n < want) {
		if ((grown = realloc(ms, (n + 1) * sizeof(*ms))) == NULL)
			goto bad;
		ms = grown;
		memset(&ms[n], 0, sizeof(ms[n]));
		/* Only the first record may say how many there are. */
		later = 0;
		parsed = parse(&p, end, &ms[n], n == 0 ? &want : &later);
		n++;	/* freed below even if half parsed */
		if (parsed == -1 || later != 0)
			goto bad;
	}
	if (n != want || p != end)
		goto bad;
	*msgs = ms;
	*count = n;
	return 0;
bad:
	spooled_free_all(ms, n);
	return -1;
}

int
spool_read(const char *path, struct spooled **msgs, size_t *count,
    char *err, size_t errlen)
{
	struct stat st;
	char *data = NULL;
	int fd, rc = -1;

	*msgs = NULL;
	*count = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (st.st_size > SPOOL_FILE_MAX ||
	    (data = malloc((size_t)st.st_size + 1)) == NULL ||
	    read(fd, data, (size_t)st.st_size) != st.st_size ||
	    spool_parse(data, (size_t)st.st_size, msgs, count) == -1)
		snprintf(err, errlen, "%s: truncated or not a spool file",
		    path);
	else
		rc = 0;
out:
	if (fd != -1)
		close(fd);
	free(data);
	return rc;
}

void
spool_remove(const char *dir, const char *id)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s.msg", dir, id);
	unlink(path);
}

void
spooled_free(struct spooled *m)
{
	free(m->to);
	free(m->body);
	m->to = m->body = NULL;
}

void
spooled_free_all(struct spooled *ms, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		spooled_free(&ms[i]);
	free(ms);
}

void
spool_new_id(char *out, size_t len)
{
	unsigned char r[8];
	size_t i;
	int n;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		memset(r, 0, sizeof(r));
	n = snprintf(out, len, "xmppd-q");
	for (i = 0; i < sizeof(r) && (size_t)n + 2 < len; i++)
		n += snprintf(out + n, len - (size_t)n, "%02x", r[i]);
}
