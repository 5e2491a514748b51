/*
 * Bounded read and write cursors for the wire format.
 *
 * Every access checks off + n <= len first (written so that it cannot
 * overflow: n <= len - off). A failed access sets a sticky error flag and
 * reads as zero / writes nothing, so a codec can run a whole sequence of
 * gets or puts and test the flag once at the end without ever touching
 * memory outside the buffer. Integers are big-endian, moved with memcpy
 * (no unaligned loads, no struct overlays).
 */
#ifndef WGNM_WIRE_BUF_H
#define WGNM_WIRE_BUF_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct buf_reader {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool err;
};

struct buf_writer {
	uint8_t *p;
	size_t cap;
	size_t off;
	bool err;
};

static inline void buf_reader_init(struct buf_reader *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
	r->err = false;
}

static inline size_t buf_left(const struct buf_reader *r)
{
	return r->err ? 0 : r->len - r->off;
}

/* True when everything was read and nothing failed: no trailing bytes. */
static inline bool buf_done(const struct buf_reader *r)
{
	return !r->err && r->off == r->len;
}

/* Returns a pointer to n readable bytes and advances, or NULL. */
static inline const uint8_t *buf_take(struct buf_reader *r, size_t n)
{
	const uint8_t *q;

	if (r->err || n > r->len - r->off) {
		r->err = true;
		return NULL;
	}
	q = r->p + r->off;
	r->off += n;
	return q;
}

static inline void buf_get_bytes(struct buf_reader *r, void *dst, size_t n)
{
	const uint8_t *q = buf_take(r, n);

	if (q)
		memcpy(dst, q, n);
	else
		memset(dst, 0, n);
}

static inline uint8_t buf_get_u8(struct buf_reader *r)
{
	const uint8_t *q = buf_take(r, 1);

	return q ? q[0] : 0;
}

static inline uint16_t buf_get_u16(struct buf_reader *r)
{
	uint16_t v = 0;

	buf_get_bytes(r, &v, sizeof(v));
	return ntohs(v);
}

static inline uint32_t buf_get_u32(struct buf_reader *r)
{
	uint32_t v = 0;

	buf_get_bytes(r, &v, sizeof(v));
	return ntohl(v);
}

static inline uint64_t buf_get_u64(struct buf_reader *r)
{
	uint32_t hi = buf_get_u32(r);
	uint32_t lo = buf_get_u32(r);

	return ((uint64_t)hi << 32) | lo;
}

static inline void buf_writer_init(struct buf_writer *w, uint8_t *p, size_t cap)
{
	w->p = p;
	w->cap = cap;
	w->off = 0;
	w->err = false;
}

static inline void buf_put_bytes(struct buf_writer *w, const void *src, size_t n)
{
	if (w->err || n > w->cap - w->off) {
		w->err = true;
		return;
	}
	if (n)
		memcpy(w->p + w->off, src, n);
	w->off += n;
}

static inline void buf_put_u8(struct buf_writer *w, uint8_t v)
{
	buf_put_bytes(w, &v, 1);
}

static inline void buf_put_u16(struct buf_writer *w, uint16_t v)
{
	uint16_t be = htons(v);

	buf_put_bytes(w, &be, sizeof(be));
}

static inline void buf_put_u32(struct buf_writer *w, uint32_t v)
{
	uint32_t be = htonl(v);

	buf_put_bytes(w, &be, sizeof(be));
}

static inline void buf_put_u64(struct buf_writer *w, uint64_t v)
{
	buf_put_u32(w, (uint32_t)(v >> 32));
	buf_put_u32(w, (uint32_t)v);
}

#endif
