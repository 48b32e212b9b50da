/* util.h: small helpers used across the daemon. */
#ifndef UTIL_H
#define UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

int64_t	 clock_ms(void);	/* monotonic milliseconds */
/*
 * The wall clock as it was when the daemon started, moved on by the
 * monotonic clock since: a step of the system clock (NTP at boot on a
 * device without a clock battery) does not move it.
 */
time_t	 clock_wall(void);
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xmemdup(const void *, size_t);	/* adds a NUL */

#endif
