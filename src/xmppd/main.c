/*
 * main.c: xmppd, one daemon per XMPP account.
 *
 * It reads the account's configuration, takes the account's lock, listens
 * on the account's socket, logs in, and only then leaves the foreground,
 * so "xmppd ACCOUNT && xmpp-send ACCOUNT ..." never races and a login
 * failure reaches the terminal with its own exit status.  Then one
 * thread runs one poll() loop over the local clients and the XMPP socket.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <popt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "control.h"
#include "jid.h"
#include "log.h"
#include "proto.h"
#include "sockdir.h"
#include "spool.h"
#include "util.h"
#include "xmppd.h"

#ifndef VERSION
#define VERSION "0.1"
#endif

/* The command line, at file scope: reachable when we exit early. */
static poptContext options_pc;

static volatile sig_atomic_t quit, hup;

/*
 * Signal handlers set a flag and write a byte to this pipe, which the loop
 * polls: a signal that arrives just before poll() still wakes it.
 */
static int wake_pipe[2] = { -1, -1 };

static void
wake(void)
{
	int saved = errno;
	ssize_t n;

	n = write(wake_pipe[1], "", 1);	/* full: a wake-up is pending */
	(void)n;
	errno = saved;
}

/* SIGCHLD only needs to wake the loop: hook_timers() reaps. */
static void
on_child(int sig)
{
	(void)sig;
	wake();
}

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		hup = 1;
	else
		quit = sig;
	wake();
}

/* For config_secret(): a SIGTERM cuts a wait for secretcmd short. */
static int
stopping(void)
{
	return quit != 0;
}

static void
setup_process(void)
{
	struct sigaction sa;
	struct rlimit rl;
	int fd;

	/* libstrophe must never get fd 0-2, and writes without MSG_NOSIGNAL. */
	while ((fd = open("/dev/null", O_RDWR)) != -1 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
	if (pipe2(wake_pipe, O_NONBLOCK | O_CLOEXEC) == -1)
		err(EX_OSERR, "pipe");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);	/* reload the configuration */
	sa.sa_handler = on_child;
	sigaction(SIGCHLD, &sa, NULL);
	/* Room for many waiting clients. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max > 65536 ? 65536 : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	srandom((unsigned)getpid() ^ (unsigned)clock_ms());
	config_secret_stop(wake_pipe[0], stopping);
}

/*
 * Opens and locks path for the daemon's lifetime.  -1 if another process
 * holds it: then holder has the file's first line (who holds it).
 */
static int
lock_file(const char *path, char *holder, size_t len)
{
	int fd;
	ssize_t n;

	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		fprintf(stderr, "xmppd: %s: %s\n", path, strerror(errno));
		exit(EX_CANTCREAT);
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return fd;
	n = pread(fd, holder, len - 1, 0);
	holder[n > 0 ? n : 0] = '\0';
	holder[strcspn(holder, "\n")] = '\0';
	close(fd);
	return -1;
}

/*
 * Takes DIR/ACCOUNT.lock; a second xmppd for the same account finds it
 * held and refuses to start.
 */
static int
take_lock(const char *dir, const char *account)
{
	char path[PATH_MAX], pid[64];
	int fd;

	snprintf(path, sizeof(path), "%s/%s.lock", dir, account);
	account_fold(path + strlen(dir) + 1);
	if ((fd = lock_file(path, pid, sizeof(pid))) == -1) {
		fprintf(stderr, "xmppd: account %s is already served by "
		    "another xmppd (pid %s, lock %s)\n", account,
		    *pid ? pid : "?", path);
		exit(EX_CANTCREAT);
	}
	return fd;
}

/*
 * Takes DIR/jid-HASH.lock, named after our full JID: two accounts (of one
 * configuration file or two) with the same JID and resource would take
 * the session from each other forever.  Holds "PID ACCOUNT".
 */
static int
take_jid_lock(const char *dir, const char *account, const char *username)
{
	char path[PATH_MAX], holder[128];
	uint64_t h = 14695981039346656037ULL;	/* FNV-1a */
	struct jid j;
	const char *p;
	int fd;

	if (jid_parse(username, 0, &j) != NULL)
		return -1;
	for (p = j.bare; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	h = (h ^ '/') * 1099511628211ULL;
	for (p = j.resource; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	snprintf(path, sizeof(path), "%s/jid-%016llx.lock", dir,
	    (unsigned long long)h);
	if ((fd = lock_file(path, holder, sizeof(holder))) == -1) {
		fprintf(stderr, "xmppd: account %s logs in as %s, like the "
		    "account served by pid %s: two daemons with one full JID "
		    "would take the session from each other; give one of them "
		    "another resource (username = %s/OTHER)\n", account,
		    username, *holder ? holder : "?", j.bare);
		exit(EX_CANTCREAT);
	}
	return fd;
}

/*
 * The lock file holds our pid (first line, for PIDFile=) and our spool
 * folder, where xmpp-send --queue puts messages while we are not running.
 */
static void
write_pid(int lockfd)
{
	char pid[PATH_MAX + 32];
	int n = snprintf(pid, sizeof(pid), "%ld\n%s\n", (long)getpid(),
	    xd.spooldir);

	if (ftruncate(lockfd, 0) == 0 && pwrite(lockfd, pid, (size_t)n, 0) < 0)
		log_warn("cannot record our pid in the lock file");
}

static void
write_jid_lock(int fd, const char *account)
{
	if (fd >= 0 && (ftruncate(fd, 0) == -1 ||
	    dprintf(fd, "%ld %s\n", (long)getpid(), account) < 0))
		log_warn("cannot record our pid in the JID's lock file");
}

/*
 * Forks; the parent waits until the child reports its first login and
 * exits with the child's status.  Returns the pipe the child reports on.
 */
static int
detach(void)
{
	int p[2];
	unsigned char status = EX_SOFTWARE;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) == -1 || (pid = fork()) == -1) {
		perror("xmppd: fork");
		exit(EX_OSERR);
	}
	if (pid > 0) {
		close(p[1]);
		/* No byte means the child died before it could say. */
		if (read(p[0], &status, 1) != 1)
			status = EX_SOFTWARE;
		_exit(status);
	}
	close(p[0]);
	setsid();
	return p[1];
}

/*
 * A start that failed lets go of its locks before its parent exits: the
 * same command run again at once (the password mended, say) must not
 * find the account still held by a process on its way out.
 */
static void
release_locks(int lockfd, int jidfd)
{
	close(lockfd);
	if (jidfd != -1)
		close(jidfd);
}

static void
report(int fd, int status)
{
	unsigned char b = (unsigned char)status;
	int null;

	if (fd < 0)
		return;
	if (status == 0) {
		/* From now on only syslog hears from us. */
		log_syslog();
		if ((null = open("/dev/null", O_RDWR)) != -1) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
			if (null > 2)
				close(null);
		}
	}
	if (write(fd, &b, 1) != 1)
		log_warn("cannot report readiness to the parent");
	close(fd);
}

/*
 * What the requests of this turn accepted goes to the spool in one file,
 * its senders hear "OK", and it goes out together, with one barrier.
 */
static int
send_accepted(void)
{
	int spooled = queue_commit();

	if (session_flush()) {
		session_io();
		return 1;
	}
	return spooled;
}

/* One turn of the loop: timers, poll, I/O. */
static void
loop_once(struct pollfd **pfd, size_t *cap)
{
	int64_t now = clock_ms(), next, t;
	int ns, nc, timeout, busy;
	size_t need = (size_t)control_count() + 3;
	char buf[64];

	next = session_timers(now);
	if ((t = request_timers(now)) < next)
		next = t;
	if ((t = control_timers(now)) < next)
		next = t;
	if ((t = queue_timers(now)) < next)
		next = t;
	if ((t = muc_timers(now)) < next)
		next = t;
	if ((t = presence_timers(now)) < next)
		next = t;
	if ((t = upload_timers(now)) < next)
		next = t;
	if ((t = hook_timers(now)) < next)
		next = t;
	/* Requests the timers took up, queued behind one that ended. */
	busy = send_accepted();
	if (control_must_look() || busy)
		next = now;	/* look again before sleeping */
	if (need > *cap) {
		*cap = need * 2;
		*pfd = xreallocarray(*pfd, *cap, sizeof(**pfd));
	}
	(*pfd)[0].fd = wake_pipe[0];
	(*pfd)[0].events = POLLIN;
	ns = session_pollfd(*pfd + 1);
	nc = control_pollfds(*pfd + 1 + ns, (int)(*cap - 1 - (size_t)ns));
	if (next == INT64_MAX)
		timeout = -1;
	else
		timeout = next - now > INT_MAX ? INT_MAX :
		    next - now < 0 ? 0 : (int)(next - now);
	if (poll(*pfd, (nfds_t)(1 + ns + nc), timeout) == -1) {
		if (errno != EINTR)
			log_error("poll: %s", strerror(errno));
		return;
	}
	if ((*pfd)[0].revents & POLLIN)
		while (read(wake_pipe[0], buf, sizeof(buf)) > 0)
			;
	if (ns > 0 && (*pfd)[1].revents != 0)
		session_io();
	control_io(*pfd + 1 + ns, nc);
	send_accepted();
}

static void
usage_exit(poptContext pc, const char *msg)
{
	(void)pc;
	if (msg != NULL)
		fprintf(stderr, "xmppd: %s\n", msg);
	fprintf(stderr, "Usage: xmppd [-fdnt] [-c FILE] [-S DIR] ACCOUNT\n"
	    "(xmppd --help says more)\n");
	exit(EX_USAGE);
}

struct options {
	const char	*account;
	char		*conf;		/* -c */
	char		*sockdir;	/* -S */
	int		 foreground;
	int		 debug;
	int		 check;
	int		 test;		/* -t */
	int		 spool;		/* --spool */
};

static poptContext
parse_options(int argc, const char **argv, struct options *o)
{
	int version = 0, help = 0, rc;
	char bad[256];
	struct poptOption opts[] = {
		{ "config", 'c', POPT_ARG_STRING, &o->conf, 0,
		    "configuration file", "FILE" },
		{ "socket-dir", 'S', POPT_ARG_STRING, &o->sockdir, 0,
		    "socket folder", "DIR" },
		{ "foreground", 'f', POPT_ARG_NONE, &o->foreground, 0,
		    "stay in the foreground, log to stderr", NULL },
		{ "debug", 'd', POPT_ARG_NONE, &o->debug, 0,
		    "log the XML stream (credentials redacted)", NULL },
		{ "check", 'n', POPT_ARG_NONE, &o->check, 0,
		    "check the configuration, print it and exit", NULL },
		{ "test", 't', POPT_ARG_NONE, &o->test, 0,
		    "log in once (as RESOURCE-test), print what the server "
		    "offers and exit", NULL },
		{ "spool", '\0', POPT_ARG_NONE, &o->spool, 0,
		    "list the messages waiting in the account's spool and exit",
		    NULL },
		{ "version", 'V', POPT_ARG_NONE, &version, 0,
		    "print the version and exit", NULL },
		{ "help", 'h', POPT_ARG_VAL, &help, 1,
		    "print this help and exit (also -?)", NULL },
		{ NULL, '?', POPT_ARG_VAL | POPT_ARGFLAG_DOC_HIDDEN, &help, 1,
		    NULL, NULL },
		{ "usage", '\0', POPT_ARG_VAL, &help, 2,
		    "print the usage line and exit", NULL },
		POPT_TABLEEND
	};
	const char *why;

	memset(o, 0, sizeof(*o));
	options_pc = poptGetContext("xmppd", argc, argv, opts,
	    POPT_CONTEXT_POSIXMEHARDER);
	poptSetOtherOptionHelp(options_pc,
	    "[-fdnt] [-c FILE] [-S DIR] ACCOUNT");
	if ((rc = poptGetNextOpt(options_pc)) < -1) {
		snprintf(bad, sizeof(bad), "%s: %s",
		    poptBadOption(options_pc, 0), poptStrerror(rc));
		usage_exit(options_pc, bad);
	}
	if (help == 1)
		poptPrintHelp(options_pc, stdout, 0);
	if (help == 2)
		printf("Usage: xmppd [-fdnt] [-c FILE] [-S DIR] ACCOUNT\n");
	if (help)
		exit(0);
	if (version) {
		printf("xmppd %s (protocol %d)\n", VERSION, PROTO_VERSION);
		exit(0);
	}
	if (o->check && o->test)
		usage_exit(options_pc, "give -n or -t, not both");
	if ((o->account = poptGetArg(options_pc)) == NULL ||
	    poptPeekArg(options_pc) != NULL)
		usage_exit(options_pc, "give exactly one ACCOUNT");
	if ((why = account_check(o->account)) != NULL)
		errx(EX_USAGE, "bad account name '%s': %s", o->account, why);
	return options_pc;
}

/* Reads the account's configuration and password, or exits with 78. */
static void
load_config(const struct options *o)
{
	char conf[PATH_MAX], err[PATH_MAX + 512];

	log_init(o->account, o->debug);
	if (config_find(o->conf, conf, sizeof(conf)) == -1)
		errx(EX_CONFIG, "no configuration found: give -c FILE, set "
		    "XMPPD_CONFIG, or create ~/.config/xmppd/xmppd.conf or "
		    "/etc/xmppd/xmppd.conf");
	if (config_load(conf, o->account, &xd.acct, err, sizeof(err)) == -1)
		errx(EX_CONFIG, "%s", err);
	if (o->check)
		return;
	/* The connection test writes nothing into the service's log. */
	if (xd.acct.logfile != NULL && !o->test &&
	    log_file(xd.acct.logfile, err, sizeof(err)) == -1)
		errx(EX_CONFIG, "%s", err);
	if (config_secret(&xd.acct, err, sizeof(err)) == -1)
		errx(EX_CONFIG, "%s", err);
	log_init(o->account, o->debug || xd.acct.debug);
}

/*
 * Prepares the socket folder and takes the account's lock and its JID's;
 * fills path with the socket's path and returns the locks' descriptors.
 */
static int
prepare_socket(const struct options *o, int group_set, gid_t gid,
    char *path, size_t len, int *jidfd)
{
	char dir[PATH_MAX], err[PATH_MAX + 512];
	int fd;

	sockdir_daemon(o->sockdir, dir, sizeof(dir));
	if (sockdir_prepare(dir, group_set, gid, err, sizeof(err)) == -1)
		errx(EX_NOPERM, "%s", err);
	if (sock_path(dir, o->account, path, len) == -1)
		errx(EX_USAGE, "socket path %s/%s.sock is too long", dir,
		    o->account);
	fd = take_lock(dir, o->account);
	*jidfd = take_jid_lock(dir, o->account, xd.acct.username);
	return fd;
}

/* --spool: what waits in the account's spool, read without a change. */
static int
list_spool(const char *account)
{
	char dir[PATH_MAX];

	if (spool_dir(account, dir, sizeof(dir)) == -1)
		errx(EX_USAGE, "spool folder name too long");
	if (access(dir, F_OK) == -1)
		return 0;	/* nothing was ever spooled */
	return queue_list(dir) == -1 ? EX_IOERR : 0;
}

/* The spool must exist before the first message is accepted. */
static void
prepare_spool(const char *account)
{
	char err[PATH_MAX + 64];

	if (spool_dir(account, xd.spooldir, sizeof(xd.spooldir)) == -1)
		errx(EX_CANTCREAT, "spool folder name too long");
	if (spool_prepare(xd.spooldir, err, sizeof(err)) == -1)
		errx(EX_CANTCREAT, "%s", err);
}

static gid_t
socket_group(int *group_set)
{
	struct group *gr;

	*group_set = xd.acct.socketgroup != NULL;
	if (!*group_set)
		return 0;
	if ((gr = getgrnam(xd.acct.socketgroup)) == NULL)
		errx(EX_CONFIG, "%s: socketgroup %s: no such group",
		    xd.acct.file, xd.acct.socketgroup);
	return gr->gr_gid;
}

/* session_hooks.lost: each part that keeps what the link told it. */
static void
link_lost(void)
{
	upload_link_lost();
	presence_link_lost();
}

/*
 * The parts, bottom-up, each handed the functions of the parts above it
 * that it must tell news to.
 */
static void
state_init(void)
{
	static const struct session_hooks hooks = {
		.message = message_handler,
		.presence = presence_handler,
		.roster_loaded = presence_roster_loaded,
		.roster_items = presence_roster_items,
		.online = queue_online,
		.lost = link_lost,
		.stopping = stopping,
	};
	size_t i;

	xd.started = clock_ms();
	clock_wall();	/* the daemon's wall clock starts from here */
	roster_init(&xd.roster);
	for (i = 0; i < xd.acct.nbuddies; i++)
		roster_add_buddy(&xd.roster, xd.acct.buddies[i]);
	inbox_init(&xd.inbox, (int64_t)xd.acct.timeout * 1000,
	    request_delivered);
	queue_init(request_accepted, request_message_ended);
	muc_init(request_joined);
	presence_init();
	upload_init(request_slotted);
	message_init(request_receipt);
	session_init(&hooks);
	queue_load(1);
	muc_load();
}

static void
state_free(void)
{
	muc_free();
	presence_free();
	upload_stop();
	hook_stop();
	free(xd.presence_text);
	inbox_free(&xd.inbox);
	queue_stop();
	outbox_free(&xd.outbox);
	roster_free(&xd.roster);
	config_free(&xd.acct);
}

/*
 * xmppd -t: one login in the foreground, nothing of the account's socket,
 * lock or spool touched; progress and warnings on the terminal only.
 */
static int
test_account(struct options *o, poptContext pc)
{
	int status;

	setup_process();
	log_quiet(!o->debug && !xd.acct.debug);
	status = probe_run(wake_pipe[0], stopping);
	config_free(&xd.acct);
	free(o->conf);
	free(o->sockdir);
	poptFreeContext(pc);
	return status;
}

int
main(int argc, const char **argv)
{
	struct options o;
	poptContext pc;
	char path[PATH_MAX], err[1024];
	struct pollfd *pfd = NULL;
	size_t cap = 0;
	int group_set, lockfd, jidfd, readyfd = -1, status;
	gid_t gid;

	pc = parse_options(argc, argv, &o);
	if (o.spool)
		exit(list_spool(o.account));
	load_config(&o);
	if (o.check) {
		config_print(&xd.acct, stdout);
		exit(0);
	}
	if (o.test)
		return test_account(&o, pc);
	gid = socket_group(&group_set);
	setup_process();
	lockfd = prepare_socket(&o, group_set, gid, path, sizeof(path),
	    &jidfd);
	prepare_spool(o.account);
	if (!o.foreground) {
		readyfd = detach();
		log_quiet(!o.debug && !xd.acct.debug);
	}
	write_pid(lockfd);
	write_jid_lock(jidfd, o.account);
	if ((status = control_init(path, group_set, gid, &request_ops, err,
	    sizeof(err)))) {
		log_error("%s", err);
		release_locks(lockfd, jidfd);
		report(readyfd, status);
		exit(status);
	}
	state_init();
	session_connect();

	while (!quit && (status = session_login_result(err, sizeof(err))) ==
	    LOGIN_PENDING)
		loop_once(&pfd, &cap);
	if (quit) {
		status = EX_TEMPFAIL;
		snprintf(err, sizeof(err), "stopped by signal %d before the "
		    "first login finished", (int)quit);
	}
	if (status != LOGIN_OK) {
		log_error("%s", err);
		control_stop();	/* no socket left behind when we report */
	} else {
		log_info("ready on %s", path);
		report(readyfd, status);
	}
	while (!quit && status == LOGIN_OK) {
		if (hup) {
			hup = 0;
			reload(o.conf, o.account, o.debug);
		}
		loop_once(&pfd, &cap);
	}

	if (status == LOGIN_OK)
		log_info("signal %d: shutting down", (int)quit);
	queue_commit();
	session_stop();
	control_stop();
	state_free();
	free(pfd);
	free(o.conf);
	free(o.sockdir);
	poptFreeContext(pc);
	if (status != LOGIN_OK) {
		release_locks(lockfd, jidfd);
		report(readyfd, status);
	}
	return status == LOGIN_OK || quit ? 0 : status;
}
