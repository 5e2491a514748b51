/*
 * Field codecs shared by the messages (wire.c) and the certificates
 * (cert.c): addresses (family byte, then 4 or 16 bytes), endpoints,
 * names (length byte, 1..WIRE_NAME_MAX printable bytes), prefixes
 * (address, then length byte). Encodings are canonical: a decoder refuses
 * what the encoder would never write, so a decode-encode round trip gives
 * the same bytes.
 */
#ifndef WGNM_WIRE_FIELDS_H
#define WGNM_WIRE_FIELDS_H

#include "addr.h"
#include "wire/buf.h"

#define WIRE_FIELD_NAME_MAX 32

void wire_put_addr(struct buf_writer *w, const struct addr *a);
void wire_get_addr(struct buf_reader *r, struct addr *a);
void wire_put_endpoint(struct buf_writer *w, const struct endpoint *e);
void wire_get_endpoint(struct buf_reader *r, struct endpoint *e);
/*
 * A valid node name: 1..WIRE_FIELD_NAME_MAX printable ASCII bytes (0x21..0x7e,
 * no spaces, no controls), NUL-terminated within WIRE_FIELD_NAME_MAX + 1 bytes.
 * The config module should refuse other names, since wire_encode does.
 */
bool wire_name_valid(const char *name);

/* Only called on a name that passed wire_name_valid(). */
void wire_put_name(struct buf_writer *w, const char *name);
void wire_get_name(struct buf_reader *r, char name[WIRE_FIELD_NAME_MAX + 1]);
void wire_put_prefix(struct buf_writer *w, const struct prefix *p);
void wire_get_prefix(struct buf_reader *r, struct prefix *p);

#endif
