/* util.h: small helpers used across the daemon. */
#ifndef UTIL_H
#define UTIL_H

#include <stddef.h>
#include <stdint.h>

int64_t	 clock_ms(void);	/* monotonic milliseconds */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xmemdup(const void *, size_t);	/* adds a NUL */

#endif
