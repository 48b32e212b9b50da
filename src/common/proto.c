/* proto.c: buffers and line parsing for the xmppd client protocol. */
#include "proto.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
buf_reserve(struct buf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->cap - b->len >= more)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap - b->len < more)
		cap *= 2;
	if ((p = realloc(b->data, cap)) == NULL)
		return -1;
	b->data = p;
	b->cap = cap;
	return 0;
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n + 1) == -1)
		return -1;
	if (n > 0)		/* p may be NULL then: memcpy wants neither */
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(b, (size_t)n + 1) == -1)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void
buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		/* Give memory back after a large body went through. */
		if (b->cap > 4 * PROTO_LINE_MAX) {
			free(b->data);
			b->data = NULL;
			b->cap = 0;
		} else if (b->data != NULL)
			b->data[0] = '\0';
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	b->data[b->len] = '\0';
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

ssize_t
proto_line(struct buf *b, size_t *used)
{
	size_t scan = b->len < PROTO_LINE_MAX ? b->len : PROTO_LINE_MAX;
	char *nl;
	size_t n;

	nl = b->len ? memchr(b->data, '\n', scan) : NULL;
	if (nl == NULL)
		return b->len >= PROTO_LINE_MAX ? PROTO_TOOLONG : PROTO_MORE;
	*nl = '\0';
	n = (size_t)(nl - b->data);
	*used = n + 1;
	if (n > 0 && b->data[n - 1] == '\r')
		b->data[--n] = '\0';
	return (ssize_t)n;
}

int
proto_split(char *line, char **words, int max)
{
	int n = 0;
	char *p = line;

	if (*p == '\0')
		return 0;
	for (;;) {
		if (*p == ' ' || *p == '\0')
			return -1;
		words[n++] = p;
		if (n == max || (p = strchr(p, ' ')) == NULL)
			break;
		*p++ = '\0';
	}
	return n;
}

int
proto_number(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}
