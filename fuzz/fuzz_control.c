/*
 * libFuzzer target: the control socket's parsers. Requests come from any
 * local process that can open the socket; frames and the tsv status come
 * from whatever listens where `top` connects. The first byte picks:
 *   'R' control_parse on the rest (one request line),
 *   'F' control_frame_parse, frame after frame, as the client reads,
 *   'T' status_parse_tsv, then format and parse again: it must round-trip,
 *   anything else: all three on the whole input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_request(const char *s, size_t n)
{
	struct control_req req;
	const char *why = NULL;

	if (control_parse(s, n, &req, &why) == 0) {
		if ((unsigned)req.cmd > CONTROL_REVOKE || (unsigned)req.level > LOG_LEVEL_TRACE)
			abort();
		/* the revocation handed on is a string within its buffer */
		if (req.cmd == CONTROL_REVOKE && !memchr(req.arg, '\0', sizeof(req.arg)))
			abort();
	} else if (!why) {
		abort();
	}
}

static void fuzz_frames(const char *s, size_t n)
{
	struct control_frame f;
	long used;

	while (n && (used = control_frame_parse(s, n, &f)) > 0) {
		if ((size_t)used > n || f.body_len > (size_t)used)
			abort();
		if (f.body_len && (f.body < s || f.body + f.body_len > s + used))
			abort();
		s += used;
		n -= (size_t)used;
	}
}

static void fuzz_tsv(const char *s, size_t n)
{
	struct status_snapshot a, b;
	struct status_buf out;

	if (status_parse_tsv(s, n, &a) != 0)
		return;
	status_buf_init(&out, CONTROL_MAX_REPLY);
	status_format_tsv(&a, &out);
	if (!out.failed && status_parse_tsv(out.p, out.len, &b) == 0) {
		if (b.n_nodes != a.n_nodes)
			abort();
		status_snapshot_free(&b);
	}
	status_buf_free(&out);
	/* the other renderings must cope with whatever parsed */
	status_buf_init(&out, CONTROL_MAX_REPLY);
	status_format_text(&a, &out);
	status_format_json(&a, &out);
	status_format_metrics(&a, "fuzz", &out);
	status_buf_free(&out);
	status_snapshot_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;

	if (size == 0)
		return 0;
	switch (s[0]) {
	case 'R':
		fuzz_request(s + 1, size - 1);
		break;
	case 'F':
		fuzz_frames(s + 1, size - 1);
		break;
	case 'T':
		fuzz_tsv(s + 1, size - 1);
		break;
	default:
		fuzz_request(s, size);
		fuzz_frames(s, size);
		fuzz_tsv(s, size);
		break;
	}
	return 0;
}
