/* log.c: one-line log records for xmppd. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

static int use_syslog;
static int debugging;
static int quiet;	/* only warnings, while a terminal waits for us */
static char ident[96];

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
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	use_syslog = 1;
	quiet = 0;
}

int
log_debugging(void)
{
	return debugging;
}

static void
log_emit(int prio, const char *fmt, va_list ap)
{
	char msg[2048];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (use_syslog)
		syslog(prio, "%s", msg);
	else
		fprintf(stderr, "%s: %s\n", ident, msg);
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
LOG_FUNC(log_info, LOG_INFO, !quiet)
LOG_FUNC(log_warn, LOG_WARNING, 1)
LOG_FUNC(log_error, LOG_ERR, 1)
