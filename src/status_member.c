/*
 * Membership in the status: a section of the text view and the JSON
 * member "membership" (the metrics are status_metrics.c's).
 *
 * With network.caKey the section names our certificate (serial, end, days
 * left, counted as the log counts them), warns STATUS_MEMBER_WARN_DAYS days
 * before the end as the log does (config_member.c at start, core/member.c daily), says when our
 * certificate is revoked, and counts what is held (revocations, other
 * nodes' certificates) and what was refused for its certificate. During a
 * change of the shared key it says how many datagrams still came sealed
 * with previousSharedKey: once that stops growing on every node, the old
 * key can go. Without either, the text view shows nothing of it.
 */
#include "status.h"

#include <inttypes.h>
#include <stdio.h>

#include "config_member.h"

#define DAY_S 86400

int64_t status_member_days_left(const struct status_snapshot *s)
{
	int64_t left = s->member.not_after - s->now;

	/*
	 * As the log counts them (a day begun counts): 3 for a certificate
	 * ending in 2 days and an hour. Expired: -1 on its first day, and so on.
	 */
	return left > 0 ? (left + DAY_S - 1) / DAY_S : -1 - (-left) / DAY_S;
}

bool status_member_warn(const struct status_snapshot *s)
{
	return s->member.has_ca &&
	       s->member.not_after - s->now <= (int64_t)STATUS_MEMBER_WARN_DAYS * DAY_S;
}

void status_format_member_text(const struct status_snapshot *s, struct status_buf *b)
{
	const struct status_member *m = &s->member;
	int64_t days = status_member_days_left(s);
	char end[32];

	if (m->has_ca) {
		char left[32] = "expired";

		if (days >= 0)
			snprintf(left, sizeof(left), "%" PRId64 " day(s) left", days);
		status_buf_printf(b, "membership: certificate %016" PRIx64 ", valid until %s (%s); "
				  "%zu revocation(s) held, %zu other certificate(s) held, "
				  "%" PRIu64 " refused for their certificate\n",
				  m->serial, config_member_fmt_time((uint64_t)m->not_after, end, sizeof(end)), left,
				  m->n_revoked, m->n_certs, m->refused);
		if (m->own_revoked)
			status_buf_printf(b, "  warning: this node's certificate is revoked: the others "
					  "refuse it (a new certificate is needed)\n");
		else if (days < 0)
			status_buf_printf(b, "  warning: this node's certificate has expired: the "
					  "others refuse it (sign a new one: wg_netmanager ca sign)\n");
		else if (status_member_warn(s))
			status_buf_printf(b, "  warning: this node's certificate expires in %" PRId64
					  " day(s): sign a new one (wg_netmanager ca sign)\n", days);
	}
	if (m->has_prev_key)
		status_buf_printf(b, "shared key: previousSharedKey accepted too; %" PRIu64
				  " datagram(s) opened with it since it was set\n",
				  m->prev_key_opened);
}

void status_format_member_json(const struct status_snapshot *s, struct status_buf *b)
{
	const struct status_member *m = &s->member;
	char serial[17];
	bool first = true;

	snprintf(serial, sizeof(serial), "%016" PRIx64, m->serial);
	status_buf_printf(b, ",\n  \"membership\": {");
	status_json_kbool(b, &first, "ca", m->has_ca);
	status_json_kstr(b, &first, "serial", m->has_ca, serial);
	status_json_ku64(b, &first, "not_after", m->has_ca, (uint64_t)m->not_after);
	status_json_key(b, &first, "days_left");
	if (m->has_ca)
		status_buf_printf(b, "%" PRId64, status_member_days_left(s));
	else
		status_buf_printf(b, "null");
	status_json_kbool(b, &first, "expiry_warning", status_member_warn(s));
	status_json_kbool(b, &first, "revoked", m->own_revoked);
	status_json_ku64(b, &first, "revocations", true, m->n_revoked);
	status_json_ku64(b, &first, "certificates", true, m->n_certs);
	status_json_ku64(b, &first, "refused", true, m->refused);
	status_json_kbool(b, &first, "previous_shared_key", m->has_prev_key);
	status_json_ku64(b, &first, "previous_key_opened", true, m->prev_key_opened);
	status_buf_printf(b, "}");
}
