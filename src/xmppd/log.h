/* log.h: the daemon's logging, to stderr in the foreground, else syslog. */
#ifndef LOG_H
#define LOG_H

void	log_init(const char *account, int debug);
void	log_syslog(void);	/* switch to syslog once detached */
void	log_quiet(int);		/* hide info messages */
int	log_debugging(void);
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_error(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif
