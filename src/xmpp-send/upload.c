/*
 * upload.c: xmpp-send --file FILE: sends files by HTTP File Upload
 * (XEP-0363) and their URLs as messages with out-of-band data (XEP-0066),
 * so that chat apps show a recording or an image inline.
 *
 * In three steps, so that nothing is sent unless every file can be:
 * every file is opened and checked here, and a slot asked of the daemon
 * for each (SLOT, see xmppd(8)), which refuses a file over the server's
 * limit; then each file is PUT by xmpp-put, a program of its own that
 * links libcurl (xmpp-send stays as quick to start as without files),
 * run with the file on descriptor 3 and the slot on its standard input;
 * then the text, if any, goes as a message of its own, and each URL as
 * one more (OSEND, OGSEND): exit 0 means the daemon has them all.
 * The file is read by this user, never by the daemon, which may run as
 * another one.
 */
#include "upload.h"

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "client.h"
#include "proto.h"

#ifndef XMPP_PUT_PATH
#define XMPP_PUT_PATH	"/usr/local/lib/xmpp-toolkit/xmpp-put"
#endif
#define PUT_ENV		"XMPP_PUT"	/* another xmpp-put, e.g. for tests */
#define SLOT_MS		25000		/* less than the client's timeout */
#define FILES_MAX	16

static char **paths;		/* --file, in order, NULL-terminated */
static size_t npaths;

/* popt's callback for each --file (-A, or -F, its first spelling; an
 * ARGV option prints no "=FILE"). */
static void
file_option(poptContext pc, enum poptCallbackReason reason,
    const struct poptOption *opt, const char *arg, const void *data)
{
	(void)pc, (void)opt, (void)data;
	if (reason != POPT_CALLBACK_REASON_OPTION || arg == NULL)
		return;
	if (npaths == FILES_MAX)
		errx(EX_USAGE, "at most %d files at a time", FILES_MAX);
	if ((paths = realloc(paths, (npaths + 2) * sizeof(*paths))) == NULL ||
	    (paths[npaths] = strdup(arg)) == NULL)
		err(EX_OSERR, "malloc");
	paths[++npaths] = NULL;
}

struct poptOption upload_options[] = {
	{ NULL, '\0', POPT_ARG_CALLBACK, (void *)file_option, 0, NULL, NULL },
	{ "file", 'A', POPT_ARG_STRING, NULL, 'A',
	    "send this file by HTTP upload, as a link (repeatable)", "FILE" },
	/* -F, the first spelling, still works: xmpp-recv's -F is "follow". */
	{ NULL, 'F', POPT_ARG_STRING | POPT_ARGFLAG_DOC_HIDDEN, NULL, 'A',
	    NULL, NULL },
	POPT_TABLEEND
};

struct file {
	const char	*path;
	const char	*name;		/* what the server calls it */
	const char	*type;
	int		 fd;
	unsigned long long size;
	char		*slot;		/* the daemon's records for it */
	const char	*get;		/* the URL to send, within slot */
};

int
upload_wanted(void)
{
	return paths != NULL;
}

/* The content type, from the name's extension; the slot carries it. */
static const char *
mime_type(const char *name)
{
	static const char *types[][2] = {
		{ "wav", "audio/wav" }, { "gsm", "audio/x-gsm" },
		{ "mp3", "audio/mpeg" }, { "ogg", "audio/ogg" },
		{ "oga", "audio/ogg" }, { "opus", "audio/ogg" },
		{ "m4a", "audio/mp4" }, { "flac", "audio/flac" },
		{ "jpg", "image/jpeg" }, { "jpeg", "image/jpeg" },
		{ "png", "image/png" }, { "gif", "image/gif" },
		{ "webp", "image/webp" }, { "mp4", "video/mp4" },
		{ "webm", "video/webm" }, { "pdf", "application/pdf" },
		{ "txt", "text/plain" },
	};
	const char *dot = strrchr(name, '.');
	size_t i;

	for (i = 0; dot != NULL && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcasecmp(dot + 1, types[i][0]) == 0)
			return types[i][1];
	return "application/octet-stream";
}

/* Opens and checks one file: what cannot be sent is said now. */
static void
file_open(struct file *f, const char *path)
{
	struct stat st;
	const char *slash = strrchr(path, '/');

	f->path = path;
	f->name = slash ? slash + 1 : path;
	if (*f->name == '\0')
		errx(EX_NOINPUT, "%s: a folder, not a file", path);
	if ((f->fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		errx(EX_NOINPUT, "cannot read %s: %s", path, strerror(errno));
	if (fstat(f->fd, &st) == -1)
		err(EX_IOERR, "%s", path);
	if (!S_ISREG(st.st_mode))
		errx(EX_NOINPUT, "%s: not a regular file", path);
	if (st.st_size == 0)
		errx(EX_DATAERR, "%s: empty file: nothing to send", path);
	if (strpbrk(f->name, "\t\r\n") != NULL)
		errx(EX_DATAERR, "%s: the file name holds a tab or a line "
		    "break; rename it", path);
	f->size = (unsigned long long)st.st_size;
	f->type = mime_type(f->name);
}

/* SLOT: the daemon's records for f, or exit with its refusal. */
static void
file_slot(struct client *c, struct file *f)
{
	char line[PROTO_LINE_MAX], *text, *p;
	unsigned long len;
	int rc;

	if ((size_t)snprintf(line, sizeof(line), "SLOT %d %llu %s %s",
	    SLOT_MS, f->size, f->type, f->name) >= sizeof(line))
		errx(EX_DATAERR, "%s: file name too long", f->path);
	client_request(c, line, NULL, 0);
	if ((rc = client_reply(c, &text)) != 0)
		errx(rc, "account %s: %s: %s", c->account, f->path, text);
	if (proto_number(text, PROTO_BODY_MAX, &len) == -1)
		errx(EX_PROTOCOL, "account %s: unexpected reply to SLOT",
		    c->account);
	f->slot = client_body(c, len);
	for (p = f->slot; p != NULL; p = strchr(p, '\n') ? strchr(p, '\n') + 1
	    : NULL)
		if (strncmp(p, "get\t", 4) == 0) {
			f->get = p + 4;
			break;
		}
	if (f->get == NULL)
		errx(EX_PROTOCOL, "account %s: no URL in the slot for %s",
		    c->account, f->path);
}

/* The child: the file on descriptor 3, the slot on stdin, xmpp-put. */
static void __attribute__((noreturn))
put_child(const struct file *f, int in, const char *helper)
{
	/* Gone with us: an upload nobody waits for is not finished. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* dup2() onto itself would leave close-on-exec set. */
	if (dup2(in, STDIN_FILENO) == -1 || (f->fd == 3 ?
	    fcntl(3, F_SETFD, 0) : dup2(f->fd, 3)) == -1)
		err(EX_OSERR, "dup2");
	/* Its messages are ours: it is called xmpp-send. */
	execl(helper, "xmpp-send", (char *)NULL);
	warn("cannot run %s, the HTTP part of --file (set %s or reinstall)",
	    helper, PUT_ENV);
	_exit(EX_UNAVAILABLE);
}

/* Writes all of buf to fd; -1 if the reader is gone. */
static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t w;

	while (len > 0) {
		if ((w = write(fd, buf, len)) == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/*
 * Where xmpp-put is: $XMPP_PUT; else beside this program as installed,
 * BINDIR/../lib/xmpp-toolkit/xmpp-put, so that an install into another
 * PREFIX than the build's finds its own; else where the build put it.
 */
static const char *
put_helper(void)
{
	static char path[PATH_MAX];
	const char *env = getenv(PUT_ENV);
	char *slash;
	ssize_t n;

	if (env != NULL && *env != '\0')
		return env;
	n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	if (n > 0) {
		path[n] = '\0';
		if ((slash = strrchr(path, '/')) != NULL &&
		    (size_t)(slash - path) + 32 < sizeof(path)) {
			strcpy(slash, "/../lib/xmpp-toolkit/xmpp-put");
			if (access(path, X_OK) == 0)
				return path;
		}
	}
	return XMPP_PUT_PATH;
}

/* PUTs f with xmpp-put; exits with its status if it failed. */
static void
file_put(const struct file *f)
{
	const char *helper = put_helper();
	char more[PATH_MAX + 512];
	int p[2], status;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) == -1 || (pid = fork()) == -1)
		err(EX_OSERR, "cannot start the upload");
	if (pid == 0)
		put_child(f, p[0], helper);
	close(p[0]);
	snprintf(more, sizeof(more), "size\t%llu\ntype\t%s\nname\t%s\n",
	    f->size, f->type, f->path);
	/* A helper that failed to start says so itself: its status counts. */
	if (write_all(p[1], f->slot, strlen(f->slot)) == 0)
		write_all(p[1], more, strlen(more));
	close(p[1]);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			err(EX_OSERR, "waitpid");
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		exit(WEXITSTATUS(status));
	if (WIFSIGNALED(status))
		errx(EX_SOFTWARE, "%s: the upload (%s) was killed by signal %d",
		    f->path, helper, WTERMSIG(status));
}

/* The texts, then the URLs: what send_all() sends. */
struct batch {
	char *const	*texts;
	const size_t	*lens;
	size_t		 ntexts;
	struct file	*fs;
	size_t		 nfiles;
};

/* Request i of the batch: its line and body, and what to call it. */
static const char *
batch_request(const struct batch *b, size_t i, int group, const char *jid,
    char *line, size_t linelen, const char **body, size_t *len)
{
	if (i < b->ntexts) {
		*body = b->texts[i];
		*len = b->lens[i];
		snprintf(line, linelen, "%s %zu %s", group ? "GSEND" : "SEND",
		    *len, jid);
		return "the text";
	}
	*body = b->fs[i - b->ntexts].get;
	*len = strcspn(*body, "\n");
	snprintf(line, linelen, "%s %zu %s", group ? "OGSEND" : "OSEND", *len,
	    jid);
	return b->fs[i - b->ntexts].path;
}

/*
 * Sends the texts and the URLs, one request each, all before any answer
 * (the daemon spools what comes in one turn together); their ids in
 * ids, NULL-terminated.  The status of the first refused, or 0.
 */
static int
send_all(struct client *c, const char *jid, int group,
    const struct batch *b, char **ids)
{
	char line[PROTO_LINE_MAX], *answer;
	const char *body;
	size_t i, k = 0, len, n = b->ntexts + b->nfiles;
	int rc, status = 0;

	c->lost_status = EX_IOERR;
	c->lost_what = "the messages may have been accepted, and sending them "
	    "again may deliver them twice";
	for (i = 0; i < n; i++) {
		batch_request(b, i, group, jid, line, sizeof(line), &body,
		    &len);
		client_request(c, line, body, len);
	}
	for (i = 0; i < n; i++) {
		if ((rc = client_reply(c, &answer)) != 0) {
			warnx("account %s: %s: %s", c->account,
			    batch_request(b, i, group, jid, line, sizeof(line),
			    &body, &len), answer);
			if (status == 0)
				status = rc;
		} else if ((ids[k++] = strdup(answer)) == NULL)
			err(EX_OSERR, "malloc");
	}
	ids[k] = NULL;
	/* From now on what was accepted is in the spool, whatever happens. */
	c->lost_status = EX_TEMPFAIL;
	c->lost_what = "the messages were accepted and stay queued; do not "
	    "send them again";
	return status;
}

/* --wait: until the server has confirmed each message. */
static int
wait_all(struct client *c, char **ids, double wait)
{
	char line[PROTO_LINE_MAX], *answer;
	int rc = 0;
	size_t i;

	for (i = 0; ids[i] != NULL && rc == 0; i++) {
		snprintf(line, sizeof(line), "WAIT %.0f %s", wait * 1000,
		    ids[i]);
		client_request(c, line, NULL, 0);
		if ((rc = client_reply(c, &answer)) != 0)
			warnx("account %s: %s", c->account, answer);
	}
	return rc;
}

int
upload_send(const char *account, const char *jid, int group,
    char *const *texts, const size_t *lens, size_t ntexts, double wait)
{
	struct file fs[FILES_MAX];
	struct batch b = { texts, lens, ntexts, fs, npaths };
	char **ids;
	struct client c;
	size_t n, i;
	int status;

	n = npaths;
	memset(fs, 0, sizeof(fs));
	for (i = 0; i < n; i++)
		file_open(&fs[i], paths[i]);
	/* Slots for all first: a file too large stops everything. */
	client_open(&c, client_sockdir, account, SLOT_MS / 1000 + 5);
	for (i = 0; i < n; i++)
		file_slot(&c, &fs[i]);
	client_close(&c);
	/* The daemon drops a client idle for 30 s: none waits on a PUT. */
	for (i = 0; i < n; i++)
		file_put(&fs[i]);
	if ((ids = calloc(ntexts + n + 1, sizeof(*ids))) == NULL)
		err(EX_OSERR, "malloc");
	client_open(&c, client_sockdir, account, 30 + wait);
	status = send_all(&c, jid, group, &b, ids);
	if (status == 0 && wait > 0)
		status = wait_all(&c, ids, wait);
	client_close(&c);
	for (i = 0; ids[i] != NULL; i++)
		free(ids[i]);
	free(ids);
	for (i = 0; i < n; i++) {
		free(fs[i].slot);
		close(fs[i].fd);
		free(paths[i]);
	}
	free(paths);
	paths = NULL;
	return status;
}
