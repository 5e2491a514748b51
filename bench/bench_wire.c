/*
 * Admin packet throughput on one core: encode+decode of the body alone,
 * and seal+open of the datagram (XChaCha20-Poly1305), for a typical HELLO
 * and a full RECORD part (the largest record datagram: IPv6 everywhere,
 * 16 local addresses, 32 neighbours). Also the whole send and receive
 * path: encode, seal, open, decode.
 *
 *   make build/bench/bench_wire && build/bench/bench_wire [seconds per case]
 *
 * Results are recorded in bench/README.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wire/seal.h"
#include "wire/wire.h"
#include "wire_samples.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

enum bench_op { OP_CODEC, OP_SEAL, OP_FULL };

static volatile int sink;

static int run_once(enum bench_op op, const struct seal_key *key, const struct wire_msg *m,
		    const uint8_t *body, size_t blen)
{
	uint8_t buf[WIRE_MAX_PACKET], out[WIRE_MAX_BODY];
	struct wire_msg d;
	enum wire_drop why;
	int n;

	switch (op) {
	case OP_CODEC:
		n = wire_encode(out, sizeof(out), m);
		if (n < 0 || wire_decode(out, (size_t)n, &d, &why) != 0)
			return -1;
		return d.hdr.type;
	case OP_SEAL:
		n = seal_packet(buf, sizeof(buf), key, body, blen);
		if (n < 0)
			return -1;
		return seal_open(out, sizeof(out), key, buf, (size_t)n, &why);
	case OP_FULL:
		n = seal_encode(buf, sizeof(buf), key, m);
		if (n < 0 || seal_open_decode(key, buf, (size_t)n, &d, &why) != 0)
			return -1;
		return d.hdr.type;
	}
	return -1;
}

static double measure(enum bench_op op, const struct seal_key *key, const struct wire_msg *m,
		      double seconds)
{
	uint8_t body[WIRE_MAX_BODY];
	int blen = wire_encode(body, sizeof(body), m);
	unsigned long iters = 0, batch = 256;
	double t0, t1;

	if (blen < 0)
		return -1;
	t0 = now_s();
	do {
		for (unsigned long i = 0; i < batch; i++) {
			int r = run_once(op, key, m, body, (size_t)blen);

			if (r < 0)
				return -1;
			sink += r;
		}
		iters += batch;
		t1 = now_s();
	} while (t1 - t0 < seconds);
	return (double)iters / (t1 - t0);
}

int main(int argc, char **argv)
{
	static const char *const op_names[] = { "encode+decode", "seal+open", "encode+seal+open+decode" };
	double seconds = argc > 1 ? atof(argv[1]) : 1.0;
	uint8_t shared[32];
	struct seal_key key;
	struct wire_msg msgs[2];
	const char *names[2] = { "hello (typical)", "record part (full)" };

	if (seconds <= 0)
		seconds = 1.0;
	memset(shared, 0x42, sizeof(shared));
	if (seal_key_derive(&key, shared) != 0) {
		fprintf(stderr, "bench_wire: libsodium init failed\n");
		return 1;
	}
	sample_hello(&msgs[0], WIRE_HELLO, SAMPLE_TYPICAL);
	sample_record(&msgs[1], SAMPLE_MAX);

	printf("%-20s %-26s %6s %14s %10s\n", "message", "operation", "bytes", "packets/s", "ns/packet");
	for (int i = 0; i < 2; i++) {
		uint8_t body[WIRE_MAX_BODY];
		int blen = wire_encode(body, sizeof(body), &msgs[i]);

		for (int op = OP_CODEC; op <= OP_FULL; op++) {
			double pps = measure((enum bench_op)op, &key, &msgs[i], seconds);

			if (pps < 0) {
				fprintf(stderr, "bench_wire: %s %s failed\n", names[i], op_names[op]);
				seal_key_wipe(&key);
				return 1;
			}
			printf("%-20s %-26s %6d %14.0f %10.0f\n", names[i], op_names[op],
			       op == OP_CODEC ? blen : blen + SEAL_OVERHEAD, pps, 1e9 / pps);
		}
	}
	seal_key_wipe(&key);
	return 0;
}
