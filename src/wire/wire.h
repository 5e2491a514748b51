/*
 * Admin protocol messages: plain structs and their encoders/decoders.
 *
 * This header is the contract between the mesh core and the wire. Encoders
 * write the *body* that seal.c then encrypts; decoders read a body that
 * seal.c opened. Every body starts with struct wire_header. Byte layout is
 * in docs/PROTOCOL.md. Everything here is pure: no I/O, no clock, no
 * allocation.
 *
 * A link-state record can hold up to WIRE_MAX_NEIGHBOURS neighbours, more
 * than fit in one packet, so it travels as parts: each part repeats the
 * record's fixed fields and carries a slice of at most WIRE_NEIGH_PER_PART
 * neighbours. wire_record_part_count() and wire_record_part_fill() split a
 * record; the core reassembles (see src/core/reasm.h).
 */
#ifndef WGNM_WIRE_H
#define WGNM_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "wire/cert.h"
#include "wire/fields.h"

#define WIRE_VERSION 2
#define WIRE_MAX_PACKET 1200	/* whole sealed datagram, header included */
#define WIRE_NAME_MAX WIRE_FIELD_NAME_MAX	/* bytes, without the terminating NUL */
#define WIRE_KEY_LEN 32
#define WIRE_MAX_LOCAL_ADDRS 16
#define WIRE_MAX_NEIGHBOURS 1024
/* room for WIRE_MAX_ROUTES IPv6 routes and a signature beside a part's fixed fields */
#define WIRE_NEIGH_PER_PART 24
#define WIRE_MAX_ROUTES 8	/* subnet routes a node announces */
#define WIRE_MAX_PARTS ((WIRE_MAX_NEIGHBOURS + WIRE_NEIGH_PER_PART - 1) / WIRE_NEIGH_PER_PART)
#define WIRE_DIGEST_MAX 32	/* entries per digest or request packet */
/*
 * What seal.c adds around a body: 4-byte clear header, 24-byte nonce,
 * 16-byte tag (checked against libsodium's constants in seal.c). Bodies
 * are at most WIRE_MAX_BODY bytes; the largest message of every type fits
 * (tests/test_wire.c asserts it), so the core can size buffers with this.
 */
#define WIRE_SEAL_OVERHEAD 44
#define WIRE_MAX_BODY (WIRE_MAX_PACKET - WIRE_SEAL_OVERHEAD)

enum wire_type {
	WIRE_HELLO = 1,
	WIRE_HELLO_REPLY = 2,
	WIRE_RECORD = 3,
	WIRE_DIGEST = 4,
	WIRE_REQUEST = 5,
	WIRE_LEAVE = 6,
	WIRE_PING = 7,
	WIRE_PONG = 8,
	WIRE_CERT = 9,		/* a node's certificate (networks with a CA) */
	WIRE_CERT_REQUEST = 10,	/* asks a neighbour for a certificate */
	WIRE_REVOKE = 11,	/* a revocation, flooded */
	WIRE_TYPE_MAX = WIRE_REVOKE,
};

/* Why a received datagram was dropped; counted and shown in the status. */
enum wire_drop {
	WIRE_DROP_SHORT = 0,	/* shorter than header + tag */
	WIRE_DROP_OVERSIZE,	/* longer than WIRE_MAX_PACKET */
	WIRE_DROP_BAD_MAGIC,
	WIRE_DROP_BAD_VERSION,
	WIRE_DROP_OPEN_FAILED,	/* wrong key, forged or corrupted */
	WIRE_DROP_MALFORMED,	/* opened but the body does not decode */
	WIRE_DROP_UNKNOWN_TYPE,
	WIRE_DROP_REPLAY,	/* counter seen or older than the window */
	WIRE_DROP_OLD_BOOT,	/* boot id older than one already seen */
	WIRE_DROP_UNCONFIRMED,	/* new (node, boot) not yet through the challenge */
	WIRE_DROP_REFUSED,	/* authentic but refused by policy (subnet, owner...) */
	WIRE_DROP_SELF,		/* our own packet came back */
	WIRE_DROP__COUNT,
};
const char *wire_drop_name(enum wire_drop d);

/* Node flags, in hello and record. */
#define WIRE_NODE_NO_TRANSIT 0x0001u	/* never route others' traffic via me */
#define WIRE_NODE_STATIC 0x0002u	/* listed with an endPoint in net.yaml */
#define WIRE_NODE_LEFT 0x0004u		/* record only: its last, sent while leaving */
#define WIRE_NODE_EXIT 0x0008u		/* record only: offers the default route (exit node) */
#define WIRE_NODE_KNOWN_FLAGS 0x000fu

/* Path kinds of a neighbour edge. */
enum wire_path {
	WIRE_PATH_DIRECT = 1,	/* public address, no NAT between us */
	WIRE_PATH_LAN = 2,	/* over a shared LAN */
	WIRE_PATH_NAT = 3,	/* hole-punched through NAT */
};

struct wire_header {
	uint8_t type;		/* enum wire_type */
	struct addr sender;	/* the sender's wgIp: its node id */
	uint64_t boot;		/* sender's boot id; larger is newer */
	uint64_t counter;	/* per (sender, boot), increasing from 1 */
};

#define WIRE_HELLO_HAS_OBSERVED 0x1u	/* observed is set */
#define WIRE_HELLO_HAS_ECHO 0x2u	/* echo answers the receiver's challenge */
#define WIRE_HELLO_LAN 0x4u		/* sent by IPv4 LAN broadcast (then no `to`) */
#define WIRE_HELLO_HAS_TO 0x8u		/* to is set: every hello but a LAN one */
#define WIRE_HELLO_HAS_PEER_BOOT 0x10u	/* peer_boot is set */
#define WIRE_HELLO_HAS_HELD_BOOT 0x20u	/* held_boot is set */
#define WIRE_HELLO_HAS_CERT 0x40u	/* cert is set (networks with a CA) */
#define WIRE_HELLO_HAS_PROOF 0x80u	/* proof: the identity's signature (with echo) */

/* HELLO and HELLO_REPLY. */
struct wire_hello {
	uint32_t has;				/* WIRE_HELLO_* */
	char name[WIRE_NAME_MAX + 1];		/* NUL-terminated, no controls */
	uint16_t wg_port;
	uint16_t admin_port;
	uint32_t flags;				/* WIRE_NODE_* */
	uint8_t pubkey[WIRE_KEY_LEN];		/* this boot's WireGuard public key */
	/*
	 * The endpoint the sender sent this hello to. Sealed with the rest,
	 * so a hello relayed by a third party names that party, not the
	 * receiver (docs/PROTOCOL.md, "Binding hellos to their path").
	 */
	struct endpoint to;
	struct endpoint observed;		/* where the receiver's packets came from */
	uint64_t challenge;			/* receiver must echo it back; 0: none */
	uint64_t echo;				/* answer to the receiver's challenge */
	uint64_t peer_boot;			/* the receiver's boot the sender has confirmed */
	uint64_t held_boot;			/* a newer boot of the receiver the sender holds */
	uint64_t record_seq;			/* sender's current record seq */
	struct cert cert;			/* the sender's certificate */
	/* the sender's identity key signs wire_hello_proof_bytes: it holds the certificate's key */
	uint8_t proof[CERT_SIG_LEN];
};

struct wire_neighbour {
	struct addr id;
	uint8_t kind;		/* enum wire_path */
	uint16_t cost;		/* > 0; e.g. RTT in ms, at least 1 */
};

#define WIRE_RECORD_HAS_REFLEXIVE 0x1u
#define WIRE_RECORD_HAS_ROUTES 0x2u	/* n_routes >= 1 */
#define WIRE_RECORD_HAS_SIG 0x4u	/* cert_serial and sig (networks with a CA) */

/* One part of a link-state record (see the top of this file). */
struct wire_record {
	uint32_t has;				/* WIRE_RECORD_HAS_* */
	char name[WIRE_NAME_MAX + 1];
	struct addr id;				/* the originator's wgIp */
	uint64_t boot;
	uint64_t seq;				/* per boot, increasing */
	uint8_t pubkey[WIRE_KEY_LEN];
	uint16_t wg_port;
	uint16_t admin_port;
	uint32_t flags;				/* WIRE_NODE_* */
	uint8_t n_local;			/* <= WIRE_MAX_LOCAL_ADDRS */
	struct addr local[WIRE_MAX_LOCAL_ADDRS];
	struct endpoint reflexive;		/* its WireGuard endpoint as seen by others */
	uint8_t n_routes;			/* subnets it carries; canonical, distinct */
	struct prefix routes[WIRE_MAX_ROUTES];
	uint16_t total_neighbours;		/* in the whole record */
	uint8_t part;				/* 0 .. parts-1 */
	uint8_t parts;				/* >= 1 */
	uint8_t n_neighbours;			/* in this part */
	struct wire_neighbour neighbours[WIRE_NEIGH_PER_PART];
	/* the originator's certificate, and its identity's signature of the whole record */
	uint64_t cert_serial;
	uint8_t sig[CERT_SIG_LEN];
};

struct wire_digest_entry {
	struct addr id;
	uint64_t boot;
	uint64_t seq;
};

/*
 * DIGEST: the (id, boot, seq) of records the sender holds. A summary digest
 * (n == 0) carries only total and hash, so a converged mesh exchanges a few
 * bytes; a mismatch is answered with the full list, split over packets.
 * REQUEST uses the same shape: the records the sender wants.
 */
struct wire_digest {
	uint16_t total;		/* records the sender holds in all */
	uint64_t hash;		/* wire_digest_hash over all of them */
	uint8_t n;		/* entries in this packet */
	struct wire_digest_entry entries[WIRE_DIGEST_MAX];
};

#define WIRE_LEAVE_SHUTDOWN 0
#define WIRE_LEAVE_RESTART 1

struct wire_leave {
	uint8_t reason;		/* WIRE_LEAVE_* */
};

#define WIRE_PING_HAS_OBSERVED_WG 0x1u	/* observed_wg is set */
#define WIRE_PING_HAS_DB 0x2u		/* db_total and db_hash are set */
#define WIRE_PING_HAS_REVOKED 0x4u	/* rev_total and rev_hash are set */

/*
 * PING and PONG: liveness and round-trip time between neighbours. They
 * also tell the receiver its WireGuard endpoint as the sender's WireGuard
 * sees it (its reflexive endpoint, behind NAT), and carry the sender's
 * database summary, so a converged mesh needs no separate digests.
 */
struct wire_ping {
	uint32_t probe_id;
	uint64_t record_seq;	/* sender's current record seq */
	uint32_t has;		/* WIRE_PING_HAS_* */
	struct endpoint observed_wg;
	uint16_t db_total;	/* records the sender holds */
	uint64_t db_hash;	/* wire_digest_hash_add over all of them */
	uint16_t rev_total;	/* revocations the sender holds (networks with a CA) */
	uint64_t rev_hash;	/* wire_revocation_hash over all of them */
};

/* CERT_REQUEST: the certificate of node id with this serial, please. */
struct wire_cert_request {
	struct addr id;
	uint64_t serial;
};

struct wire_msg {
	struct wire_header hdr;
	union {
		struct wire_hello hello;
		struct wire_record record;
		struct wire_digest digest;	/* DIGEST and REQUEST */
		struct wire_leave leave;
		struct wire_ping ping;		/* PING and PONG */
		struct cert cert;		/* CERT */
		struct wire_cert_request cert_request;
		struct revocation revoke;	/* REVOKE */
	} u;
};

/*
 * Encode m into out (cap bytes). Returns the body length, or -EINVAL for a
 * message that breaks the limits above, -ENOSPC if cap is too small.
 */
int wire_encode(uint8_t *out, size_t cap, const struct wire_msg *m);
/*
 * Decode a body. Validates everything before filling *m; rejects trailing
 * bytes, lying lengths, unknown types and out-of-range values. Returns 0 or
 * -EBADMSG (*drop says why: MALFORMED or UNKNOWN_TYPE).
 */
int wire_decode(const uint8_t *buf, size_t len, struct wire_msg *m, enum wire_drop *drop);

/*
 * What a node's identity key signs (networks with a CA). The proof of a
 * hello that answers a challenge: the sender, its boot, the echo, its
 * WireGuard key and the receiver, so it proves the certificate's key is
 * here now and binds this start's WireGuard key to it. A record: its
 * fixed fields (cert_serial among them) and all its neighbours, as one
 * byte string whatever the split into parts. Length, or negative (-ENOSPC).
 */
int wire_hello_proof_bytes(const struct wire_header *h, const struct wire_hello *hello,
			   const struct addr *receiver, uint8_t *out, size_t cap);
int wire_record_signed_bytes(const struct wire_record *fixed, const struct wire_neighbour *all,
			     uint16_t total, uint8_t *out, size_t cap);
/* Order-independent hash of a set of revocations (one at a time: acc starts at 0). */
uint64_t wire_revocation_hash_add(uint64_t acc, const struct revocation *r);

/* Split a record with total_neighbours neighbours into parts. */
unsigned wire_record_part_count(uint16_t total_neighbours);
/*
 * Fill the fixed fields of *part from *fixed (its neighbour slice ignored)
 * and its slice from all[0..total) for part number idx.
 */
void wire_record_part_fill(struct wire_record *part, const struct wire_record *fixed,
			   const struct wire_neighbour *all, uint16_t total, unsigned idx);

/* Order-independent hash of a digest set (FNV-1a based, not cryptographic). */
uint64_t wire_digest_hash_add(uint64_t acc, const struct wire_digest_entry *e);

#endif
