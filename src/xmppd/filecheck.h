/* filecheck.h: checks of the files the configuration names. */
#ifndef FILECHECK_H
#define FILECHECK_H

#include <stddef.h>
#include <sys/stat.h>

/*
 * Each returns 0, or -1 with a reason in why (len bytes) that follows
 * "OPTION PATH: " in a message.
 */

/* Only its owner, root and our own group may write a configuration. */
int	filecheck_writers(const char *file, const struct stat *st, char *why,
	    size_t len);
/*
 * A file holding a password: no access for others, nor for a group that
 * is not ours.  conf: it is a configuration file (the advice may then be
 * to move the password out of it).
 */
int	filecheck_private(const char *file, const struct stat *st, int conf,
	    char *why, size_t len);
int	filecheck_cafile(const char *path, char *why, size_t len);
int	filecheck_capath(const char *path, char *why, size_t len);
int	filecheck_hook(const char *path, char *why, size_t len);
int	filecheck_logfile(const char *path, char *why, size_t len);
int	filecheck_secretfile(const char *path, char *why, size_t len);
/* Opens a secretfile after the same checks: a descriptor, or -1. */
int	filecheck_secretfile_open(const char *path, char *why, size_t len);

#endif
