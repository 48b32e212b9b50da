/*
 * log.h: the daemon's logging, to stderr in the foreground, else syslog,
 * and to the configured logfile in either case.
 */
#ifndef LOG_H
#define LOG_H

#include <stddef.h>

void	log_init(const char *account, int debug);
void	log_syslog(void);	/* detached: syslog, unless a logfile */
void	log_quiet(int);		/* hide info messages from the terminal */
/* Appends to path from now on (NULL: no file); -1 with err if it fails. */
int	log_file(const char *path, char *err, size_t errlen);
void	log_reopen(void);	/* the same path again, after a rotation */
int	log_debugging(void);
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_error(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif
