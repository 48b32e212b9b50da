/*
 * test-control: the local socket as a transport (control.c), driven over
 * a real Unix socket with stand-in request functions: the greeting,
 * request lines, announced and refused bodies, framing errors, requests
 * held back while one is in progress, and the close of a client.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sysexits.h>
#include <unistd.h>

#include "control.h"
#include "proto.h"
#include "tap.h"
#include "util.h"
#include "xmppd.h"

/* What the stand-in request functions saw, and how they behave. */
static struct {
	struct ctl	*ctl;
	char		 log[8192];	/* "L:line|", "B:body|", "E:n why|" */
	enum control_busy busy;
	int		 ready;		/* answer of ready() while busy */
	int		 closed;
} t;

static void
note(const char *kind, const char *s, size_t len)
{
	size_t n = strlen(t.log);

	snprintf(t.log + n, sizeof(t.log) - n, "%s:%.*s|", kind, (int)len, s);
}

static void *
op_open(struct ctl *c)
{
	t.ctl = c;
	return &t;
}

/* "BODY N" announces a body of N bytes, "SKIP N" refuses one. */
static void
op_line(void *state, char *line)
{
	(void)state;
	note("L", line, strlen(line));
	if (strncmp(line, "BODY ", 5) == 0)
		control_expect_body(t.ctl, strtoul(line + 5, NULL, 10));
	else if (strncmp(line, "SKIP ", 5) == 0)
		control_skip(t.ctl, strtoul(line + 5, NULL, 10));
	else if (strcmp(line, "QUIT") == 0)
		control_end(t.ctl);
	control_send(t.ctl, "OK\n", 3);
}

static void
op_error(void *state, int status, const char *why)
{
	char s[256];

	(void)state;
	snprintf(s, sizeof(s), "%d %s", status, why);
	note("E", s, strlen(s));
}

static void
op_body(void *state, const char *body, size_t len)
{
	(void)state;
	note("B", body, len);
}

static enum control_busy
op_busy(void *state)
{
	(void)state;
	return t.busy;
}

static int
op_ready(void *state, const char *next, size_t len)
{
	(void)state, (void)next, (void)len;
	return t.ready;
}

static void
op_close(void *state)
{
	(void)state;
	t.closed = 1;
	t.ctl = NULL;
}

static const struct control_ops ops = {
	op_open, op_line, op_error, op_body, op_busy, op_ready, op_close
};

/* Runs the daemon's side for a while: what the main loop would do. */
static void
turn(int times)
{
	struct pollfd pfd[8];
	int n;

	while (times-- > 0) {
		control_timers(clock_ms());
		n = control_pollfds(pfd, 8);
		poll(pfd, (nfds_t)n, 10);
		control_io(pfd, n);
	}
}

static int
client(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		return -1;
	return fd;
}

static void
say(int fd, const char *s, size_t len)
{
	if (write(fd, s, len) != (ssize_t)len)
		diag("write: %s", strerror(errno));
	turn(3);
}

/* Reads what the daemon answered so far (without blocking). */
static const char *
heard(int fd)
{
	static char buf[4096];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void
clear(void)
{
	t.log[0] = '\0';
}

/* The daemon's log (stderr) goes to a file meanwhile: how many lines? */
static int log_fd = -1, saved_stderr = -1;
static char log_path[PATH_MAX];

static void
log_capture(const char *dir)
{
	snprintf(log_path, sizeof(log_path), "%s/log", dir);
	fflush(stderr);
	saved_stderr = dup(2);
	log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(log_fd, 2);
}

static int
log_lines(const char *pattern)
{
	char line[512];
	int n = 0;
	FILE *fp;

	fflush(stderr);
	if ((fp = fopen(log_path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strstr(line, pattern) != NULL)
			n++;
	fclose(fp);
	return n;
}

static void
log_release(void)
{
	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	close(log_fd);
	unlink(log_path);
}

/*
 * Out of descriptors (issue 14 D7): a client accept() has no descriptor
 * for is taken with the spare one and refused, so that it does not keep
 * the listening socket readable (a loop at full speed, a log line each
 * turn); the log says so once.
 */
static void
test_out_of_fds(const char *path)
{
	struct rlimit rl, low;
	int fill[256], n = 0, fd, fd2, i, np;
	struct pollfd pfd[8];

	getrlimit(RLIMIT_NOFILE, &rl);
	low = rl;
	low.rlim_cur = 100;
	setrlimit(RLIMIT_NOFILE, &low);
	while (n < 256 && (fill[n] = dup(0)) != -1)
		n++;
	close(fill[--n]);
	fd = client(path);	/* takes the last descriptor */
	close(fill[--n]);
	fd2 = client(path);
	ok(fd >= 0 && fd2 >= 0, "two clients connect with no descriptor "
	    "left to the daemon");
	turn(3);
	ok(strncmp(heard(fd), "ERR 75 too many clients (out of file "
	    "descriptors)", 46) == 0, "the first is told 75 and why");
	ok(strncmp(heard(fd2), "ERR 75 too many clients", 23) == 0,
	    "so is the second");
	is_int(control_count(), 0, "neither is kept");
	np = control_pollfds(pfd, 8);
	ok(np >= 1 && poll(pfd, 1, 0) == 0,
	    "nothing is left waiting on the listening socket");
	close(fd);
	close(fd2);
	while (n > 0)
		close(fill[--n]);
	setrlimit(RLIMIT_NOFILE, &rl);
	is_int(log_lines("out of file descriptors"), 1, "logged once");

	/* The last 32 descriptors are not for clients. */
	low.rlim_cur = 40;
	setrlimit(RLIMIT_NOFILE, &low);
	for (i = 0; i < 9; i++)
		fill[i] = client(path);
	turn(3);
	is_int(control_count(), 8, "with a limit of 40 descriptors, 8 "
	    "clients are taken");
	ok(strncmp(heard(fill[8]), "ERR 75 too many clients", 23) == 0,
	    "the ninth is told 75");
	is_int(log_lines("as many as the open file limit leaves room for"),
	    1, "logged once");
	for (i = 0; i < 9; i++)
		close(fill[i]);
	turn(3);
	setrlimit(RLIMIT_NOFILE, &rl);
	fd = client(path);
	turn(3);
	is_int(log_lines("taking new clients again"), 2,
	    "the next client taken ends each episode, in the log");
	close(fd);
	turn(3);
}

int
main(void)
{
	char dir[] = "/tmp/test-control.XXXXXX", path[PATH_MAX], err[256];
	char greeting[64];
	int fd;

	xd.acct.name = "acct";
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/acct.sock", dir);
	is_int(control_init(path, 0, 0, &ops, err, sizeof(err)), 0,
	    "the socket is made");
	fd = client(path);
	ok(fd >= 0, "a client connects");
	turn(3);
	snprintf(greeting, sizeof(greeting), "XMPPD %d acct\n", PROTO_VERSION);
	is_str(heard(fd), greeting, "it is greeted with the protocol version");
	is_int(control_count(), 1, "one client");

	say(fd, "PING\nSTATUS a b\n", 16);
	is_str(t.log, "L:PING|L:STATUS a b|", "lines come one by one, "
	    "without their newline");
	is_str(heard(fd), "OK\nOK\n", "answers go out in order");

	clear();
	say(fd, "BODY 11\nhello\nworld", 19);
	say(fd, "\nNEXT\n", 6);
	is_str(t.log, "L:BODY 11|B:hello\nworld|L:|L:NEXT|",
	    "an announced body is handed over whole, newlines and all");

	clear();
	say(fd, "BODY 0\nAFTER\n", 13);
	is_str(t.log, "L:BODY 0|B:|L:AFTER|", "an empty body too");

	clear();
	say(fd, "SKIP 4\nxxxxAFTER\n", 17);
	is_str(t.log, "L:SKIP 4|L:AFTER|", "a refused body is read past");

	clear();
	heard(fd);
	t.busy = CONTROL_HELD;
	say(fd, "ONE\n", 4);
	is_str(t.log, "", "nothing is taken while a request holds the client");
	t.busy = CONTROL_BUSY;
	t.ready = 0;
	turn(2);
	is_str(t.log, "", "...nor while it is busy and the next may not join");
	t.busy = CONTROL_IDLE;
	control_answered(t.ctl);
	turn(2);
	is_str(t.log, "L:ONE|", "...but once the answer is out");
	clear();
	t.busy = CONTROL_BUSY;
	t.ready = 1;
	say(fd, "TWO\n", 4);
	is_str(t.log, "L:TWO|", "a busy client's next request is taken if "
	    "the requests say it may join");
	t.busy = CONTROL_IDLE;

	clear();
	heard(fd);
	{
		char line[PROTO_LINE_MAX + 10];

		memset(line, 'x', sizeof(line));
		say(fd, line, sizeof(line));
	}
	ok(strncmp(t.log, "E:64 request line too long|", 27) == 0,
	    "an overlong line is refused");
	turn(3);
	is_int(recv(fd, err, sizeof(err), MSG_DONTWAIT), 0,
	    "...and the daemon ends its side of the connection");
	close(fd);
	turn(3);
	ok(t.closed, "...and forgets the client once it hangs up");

	/*
	 * A NUL byte in a line: what it announced is unknown, so nothing
	 * after it may be read as a request (a SEND's body holding
	 * "PRESENCE away" ran as one).
	 */
	t.closed = 0;
	fd = client(path);
	turn(3);
	heard(fd);
	clear();
	say(fd, "SEND 15 bob@x\0y\nPRESENCE away\n", 31);
	is_str(t.log, "E:64 NUL byte in the request|",
	    "a NUL byte in a line is an error for the requests to answer, "
	    "and what follows is no request");
	turn(3);
	is_int(recv(fd, err, sizeof(err), MSG_DONTWAIT), 0,
	    "...and the daemon ends its side of the connection");
	close(fd);
	turn(3);
	ok(t.closed, "...and forgets the client once it hangs up");

	t.closed = 0;
	fd = client(path);
	turn(3);
	clear();
	say(fd, "QUIT\nNOT THIS\n", 14);
	is_str(t.log, "L:QUIT|", "after the end of a client's requests "
	    "nothing more is taken");
	turn(3);
	close(fd);
	turn(3);
	ok(t.closed, "a client that hangs up is closed and forgotten");
	is_int(control_count(), 0, "no client left");

	log_capture(dir);
	test_out_of_fds(path);
	log_release();
	is_int(control_count(), 0, "no client left");

	control_stop();
	ok(access(path, F_OK) == -1, "the socket is removed at the end");
	rmdir(dir);
	return done_testing();
}
