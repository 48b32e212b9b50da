/* list.h: printing the daemon's INFO answer for xmpp-status --list. */
#ifndef LIST_H
#define LIST_H

#include <stddef.h>

enum list_format { LIST_TABLE, LIST_TSV, LIST_JSON };

/* Returns -1 if name is not a format. */
int	list_format(const char *name, enum list_format *out);

/* Prints the tab-separated INFO body in the chosen format. */
void	list_print(char *info, size_t len, enum list_format);

#endif
