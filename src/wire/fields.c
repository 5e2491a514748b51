/* Field codecs; see fields.h. */
#include "wire/fields.h"

#include <string.h>

#define FAMILY_V4 4
#define FAMILY_V6 6

bool wire_name_valid(const char *name)
{
	size_t n = strnlen(name, WIRE_FIELD_NAME_MAX + 1);

	if (n == 0 || n > WIRE_FIELD_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 0x21 || c > 0x7e)
			return false;
	}
	return true;
}

void wire_put_addr(struct buf_writer *w, const struct addr *a)
{
	if (addr_is_v4(a)) {
		buf_put_u8(w, FAMILY_V4);
		buf_put_bytes(w, a->b + 12, 4);
	} else {
		buf_put_u8(w, FAMILY_V6);
		buf_put_bytes(w, a->b, 16);
	}
}

/*
 * A v4-mapped address sent as family 6 would decode fine but re-encode as
 * family 4; refusing it keeps the encoding canonical.
 */
void wire_get_addr(struct buf_reader *r, struct addr *a)
{
	uint8_t fam = buf_get_u8(r);

	memset(a, 0, sizeof(*a));
	if (fam == FAMILY_V4) {
		uint8_t v4[4];

		buf_get_bytes(r, v4, sizeof(v4));
		addr_from_v4(a, v4);
	} else if (fam == FAMILY_V6) {
		buf_get_bytes(r, a->b, 16);
		if (addr_is_v4(a))
			r->err = true;
	} else {
		r->err = true;
	}
}

void wire_put_endpoint(struct buf_writer *w, const struct endpoint *e)
{
	wire_put_addr(w, &e->addr);
	buf_put_u16(w, e->port);
}

void wire_get_endpoint(struct buf_reader *r, struct endpoint *e)
{
	wire_get_addr(r, &e->addr);
	e->port = buf_get_u16(r);
}

/* Only called on a name that passed wire_name_valid(). */
void wire_put_name(struct buf_writer *w, const char *name)
{
	size_t n = strnlen(name, WIRE_FIELD_NAME_MAX + 1);

	buf_put_u8(w, (uint8_t)n);
	buf_put_bytes(w, name, n);
}

/* Bytes are checked later by wire_name_valid(); a NUL inside would hide
 * the rest of the name, so that is refused here. */
void wire_get_name(struct buf_reader *r, char name[WIRE_FIELD_NAME_MAX + 1])
{
	size_t n = buf_get_u8(r);
	const uint8_t *p;

	memset(name, 0, WIRE_FIELD_NAME_MAX + 1);
	if (n == 0 || n > WIRE_FIELD_NAME_MAX) {
		r->err = true;
		return;
	}
	p = buf_take(r, n);
	if (!p)
		return;
	if (memchr(p, 0, n)) {
		r->err = true;
		return;
	}
	memcpy(name, p, n);
}

void wire_put_prefix(struct buf_writer *w, const struct prefix *p)
{
	wire_put_addr(w, &p->addr);
	buf_put_u8(w, p->len);
}

void wire_get_prefix(struct buf_reader *r, struct prefix *p)
{
	wire_get_addr(r, &p->addr);
	p->len = buf_get_u8(r);
}
