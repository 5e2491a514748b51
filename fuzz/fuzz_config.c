/*
 * libFuzzer target: the net.yaml and peer.yaml parsers on raw bytes.
 *
 * Properties checked beyond "no crash, no leak, no sanitizer report":
 * the return value agrees with the error count; every message is bounded,
 * NUL-terminated and starts with the file label (so it has a location);
 * an accepted net.yaml has a key, a subnet and static peers whose wgIp lies
 * inside it, none twice; and config_print works on whatever was accepted.
 * Slow inputs (libyaml's quadratic corners) show up as libFuzzer timeouts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "config.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
	return 0;
}

static void check_msgs(const struct config_msgs *m, const char *label, int r)
{
	size_t ll = strlen(label);

	if ((r == 0) != (m->n_errors == 0) || (r != 0 && r != -22))
		abort();
	if (m->n_stored > CONFIG_MSGS_MAX ||
	    m->n_stored + m->n_dropped != m->n_errors + m->n_warnings)
		abort();
	for (unsigned i = 0; i < m->n_stored; i++) {
		const char *t = m->msg[i].text;
		if (!memchr(t, '\0', CONFIG_MSG_LEN) || strncmp(t, label, ll) != 0 ||
		    (t[ll] != ':'))
			abort();
	}
}

static void check_network(const struct config *cfg)
{
	if (!cfg->has_shared_key || !cfg->has_subnet || cfg->n_peers > CONFIG_MAX_PEERS)
		abort();
	for (size_t i = 0; i < cfg->n_peers; i++) {
		const struct config_static_peer *p = &cfg->peers[i];
		if (!prefix_contains(&cfg->subnet, &p->wg_ip) || !p->wg_port || !p->admin_port ||
		    !p->host[0] || !p->wg_ip_line)
			abort();
		for (size_t j = 0; j < i; j++)
			if (addr_eq(&cfg->peers[j].wg_ip, &p->wg_ip))
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	struct config_msgs m;
	int r;

	config_init(&cfg);
	config_msgs_init(&m);
	r = config_parse_network(&cfg, "net.yaml", (const char *)data, size, &m);
	check_msgs(&m, "net.yaml", r);
	if (r == 0) {
		check_network(&cfg);
		config_print(&cfg, devnull);
	}
	config_free(&cfg);

	config_init(&cfg);
	config_msgs_init(&m);
	r = config_parse_peer(&cfg, "peer.yaml", (const char *)data, size, &m);
	check_msgs(&m, "peer.yaml", r);
	if (r == 0)
		config_print(&cfg, devnull);
	config_free(&cfg);
	return 0;
}
