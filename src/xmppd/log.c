/*
 * log.c: one-line log records for xmppd.
 *
 * Records go to the standard error while the daemon is attached to its
 * terminal (with -f, for its whole life) and to syslog once it has
 * detached.  With a logfile, every record is also appended to that file,
 * from the moment the configuration is read, and syslog is not used: a
 * host without a syslog daemon (a container) then keeps reload errors and
 * bounces.  log_reopen() on SIGHUP lets logrotate move the file away.
 */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static int use_syslog;
static int detached;	/* the terminal is gone: no more stderr */
static int debugging;
static int quiet;	/* only warnings, while a terminal waits for us */
static char ident[96];
static int logfd = -1;
static char *logpath;

void
log_init(const char *account, int debug)
{
	snprintf(ident, sizeof(ident), "xmppd[%s]", account);
	debugging = debug;
}

void
log_quiet(int on)
{
	quiet = on;
}

void
log_syslog(void)
{
	detached = 1;
	quiet = 0;
	if (logfd == -1 && !use_syslog) {
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
		use_syslog = 1;
	}
}

int
log_debugging(void)
{
	return debugging;
}

static int
log_open(const char *path, char *err, size_t errlen)
{
	int fd;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
	    0640);
	if (fd == -1) {
		snprintf(err, errlen, "logfile %s: %s", path, strerror(errno));
		return -1;
	}
	if (logfd != -1)
		close(logfd);
	logfd = fd;
	return 0;
}

int
log_file(const char *path, char *err, size_t errlen)
{
	if (path == NULL) {
		if (logfd != -1)
			close(logfd);
		logfd = -1;
		free(logpath);
		logpath = NULL;
		if (detached)
			log_syslog();
		return 0;
	}
	if (logpath != NULL && strcmp(path, logpath) == 0)
		return 0;
	if (log_open(path, err, errlen) == -1)
		return -1;
	free(logpath);
	logpath = strdup(path);
	if (use_syslog) {
		closelog();
		use_syslog = 0;
	}
	return 0;
}

void
log_reopen(void)
{
	char err[512];

	if (logpath != NULL && log_open(logpath, err, sizeof(err)) == -1)
		log_error("SIGHUP: %s; still writing to the old file", err);
}

/* "2026-11-26T10:00:00+0100 xmppd[work][1234]: message", in one write. */
static void
log_to_file(const char *msg)
{
	char line[2300], when[64];
	struct tm tm;
	time_t now = time(NULL);
	int n;
	ssize_t w;

	if (localtime_r(&now, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S%z", &tm) == 0)
		snprintf(when, sizeof(when), "%lld", (long long)now);
	n = snprintf(line, sizeof(line), "%s %s[%ld]: %s\n", when, ident,
	    (long)getpid(), msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	w = write(logfd, line, (size_t)n);
	(void)w;	/* nowhere left to say that the log failed */
}

static void
log_emit(int prio, const char *fmt, va_list ap)
{
	char msg[2048];
	int saved = errno;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (logfd != -1)
		log_to_file(msg);
	if (use_syslog)
		syslog(prio, "%s", msg);
	else if (!detached && !(quiet && prio == LOG_INFO))
		fprintf(stderr, "%s: %s\n", ident, msg);
	errno = saved;
}

#define LOG_FUNC(name, prio, cond)				\
void								\
name(const char *fmt, ...)					\
{								\
	va_list ap;						\
								\
	if (!(cond))						\
		return;						\
	va_start(ap, fmt);					\
	log_emit(prio, fmt, ap);				\
	va_end(ap);						\
}

LOG_FUNC(log_debug, LOG_DEBUG, debugging)
LOG_FUNC(log_info, LOG_INFO, 1)
LOG_FUNC(log_warn, LOG_WARNING, 1)
LOG_FUNC(log_error, LOG_ERR, 1)
