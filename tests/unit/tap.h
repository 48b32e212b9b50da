/*
 * tap.h: a tiny header-only producer of TAP (the Test Anything Protocol),
 * for the unit tests under tests/unit; `prove` reads what it prints.
 *
 *	ok(cond, fmt, ...)		passes when cond is true
 *	is_int(got, want, fmt, ...)	compares two integers
 *	is_str(got, want, fmt, ...)	compares two strings (NULL allowed)
 *	diag(fmt, ...)			prints a "# " comment
 *	todo_start(reason), todo_end()	marks known failures (TAP "# TODO")
 *	return done_testing();		prints the plan, 0 if all passed
 *
 * Each returns whether the check passed.  A failure prints where it is and,
 * for is_int and is_str, what came and what was wanted.
 */
#ifndef TAP_H
#define TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_run, tap_failed;
static const char *tap_todo;

static inline __attribute__((format(printf, 4, 0))) int
tap_vresult(int pass, const char *file, int line, const char *fmt,
    va_list ap)
{
	tap_run++;
	printf("%sok %d - ", pass ? "" : "not ", tap_run);
	vprintf(fmt, ap);
	if (tap_todo != NULL)
		printf(" # TODO %s", tap_todo);
	else if (!pass)
		tap_failed++;
	printf("\n");
	if (!pass)
		printf("#   Failed %stest at %s line %d.\n",
		    tap_todo != NULL ? "(TODO) " : "", file, line);
	fflush(stdout);
	return pass;
}

static inline __attribute__((format(printf, 4, 5))) int
tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vresult(pass, file, line, fmt, ap);
	va_end(ap);
	return pass;
}

static inline __attribute__((format(printf, 5, 6))) int
tap_is_int(long long got, long long want, const char *file, int line,
    const char *fmt, ...)
{
	va_list ap;
	int pass = got == want;

	va_start(ap, fmt);
	tap_vresult(pass, file, line, fmt, ap);
	va_end(ap);
	if (!pass)
		printf("#          got: %lld\n#     expected: %lld\n", got, want);
	return pass;
}

/* Prints s quoted, with bytes that would break the line escaped. */
static inline void
tap_print_str(const char *s)
{
	if (s == NULL) {
		printf("NULL");
		return;
	}
	putchar('\'');
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\n')
			printf("\\n");
		else if (c < 0x20 || c == 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	putchar('\'');
}

static inline __attribute__((format(printf, 5, 6))) int
tap_is_str(const char *got, const char *want, const char *file, int line,
    const char *fmt, ...)
{
	va_list ap;
	int pass = (got == NULL || want == NULL) ? got == want :
	    strcmp(got, want) == 0;

	va_start(ap, fmt);
	tap_vresult(pass, file, line, fmt, ap);
	va_end(ap);
	if (!pass) {
		printf("#          got: ");
		tap_print_str(got);
		printf("\n#     expected: ");
		tap_print_str(want);
		printf("\n");
	}
	return pass;
}

/* Prints a comment, each of its lines behind "# ". */
static inline __attribute__((format(printf, 1, 2))) void
diag(const char *fmt, ...)
{
	char msg[8192], *p, *nl;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (p = msg; p != NULL; p = nl ? nl + 1 : NULL) {
		if ((nl = strchr(p, '\n')) != NULL)
			*nl = '\0';
		if (*p != '\0' || nl != NULL)
			printf("# %s\n", p);
	}
}

static inline void
todo_start(const char *reason)
{
	tap_todo = reason;
}

static inline void
todo_end(void)
{
	tap_todo = NULL;
}

static inline int
done_testing(void)
{
	printf("1..%d\n", tap_run);
	if (tap_failed)
		printf("# Looks like you failed %d test%s of %d.\n", tap_failed,
		    tap_failed == 1 ? "" : "s", tap_run);
	return tap_failed == 0 && tap_run > 0 ? 0 : 1;
}

#define ok(cond, ...)	tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...) \
	tap_is_int((long long)(got), (long long)(want), __FILE__, __LINE__, \
	    __VA_ARGS__)
#define is_str(got, want, ...) \
	tap_is_str((got), (want), __FILE__, __LINE__, __VA_ARGS__)

#endif
