/* secret.h: an account's password from its secretfile or secretcmd. */
#ifndef SECRET_H
#define SECRET_H

#include <stddef.h>

#include "config.h"

/* Each sets a->secret, or returns -1 with "file:line: reason" in err. */
int	secret_from_file(struct account *a, char *err, size_t errlen);
int	secret_from_cmd(struct account *a, char *err, size_t errlen);
/* See config_secret_stop(). */
void	secret_stop_on(int fd, int (*stop)(void));

#endif
