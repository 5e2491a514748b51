/*
 * The output buffer every rendering writes into: it grows up to a hard cap
 * and then fails for good (the control socket answers with what fits or an
 * error, never a torn line), and the JSON pieces the renderings of status,
 * edges and netcheck share: strings escaped, "key": value with null for
 * what is not known.
 */
#include "status.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void status_buf_init(struct status_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void status_buf_free(struct status_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static bool buf_reserve(struct status_buf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->failed)
		return false;
	if (n > b->max || b->len + n + 1 > b->max) {
		b->failed = true;
		return false;
	}
	if (b->len + n + 1 <= b->cap)
		return true;
	cap = b->cap ? b->cap : 1024;
	while (cap < b->len + n + 1)
		cap *= 2;
	if (cap > b->max)
		cap = b->max;
	p = realloc(b->p, cap);
	if (!p) {
		b->failed = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void status_buf_put(struct status_buf *b, const char *s, size_t n)
{
	if (!buf_reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void status_buf_printf(struct status_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !buf_reserve(b, (size_t)n)) {
		b->failed = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* ---- JSON pieces ---- */

void status_json_str(struct status_buf *b, const char *s)
{
	status_buf_put(b, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			status_buf_printf(b, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			status_buf_printf(b, "\\u%04x", *p);
		else
			status_buf_put(b, (const char *)p, 1);
	}
	status_buf_put(b, "\"", 1);
}

void status_json_key(struct status_buf *b, bool *first, const char *key)
{
	status_buf_printf(b, "%s\"%s\": ", *first ? "" : ", ", key);
	*first = false;
}

void status_json_kstr(struct status_buf *b, bool *first, const char *key, bool has, const char *v)
{
	status_json_key(b, first, key);
	if (has)
		status_json_str(b, v);
	else
		status_buf_printf(b, "null");
}

void status_json_ku64(struct status_buf *b, bool *first, const char *key, bool has, uint64_t v)
{
	status_json_key(b, first, key);
	if (has)
		status_buf_printf(b, "%" PRIu64, v);
	else
		status_buf_printf(b, "null");
}

void status_json_kbool(struct status_buf *b, bool *first, const char *key, bool v)
{
	status_json_key(b, first, key);
	status_buf_printf(b, "%s", v ? "true" : "false");
}
