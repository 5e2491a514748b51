/*
 * Configuration tests: net.yaml / peer.yaml parsing, validation messages
 * (exact file:line:col and text), defaults, command-line overrides, file
 * checks (permissions, size) and hostile input (aliases, nesting, binary).
 *
 * The table holds one malformed (or borderline) document per row and every
 * message it must produce, in order; rows with more messages than fit list
 * the first ones and the counts cover the rest. Lines and columns are
 * 1-based. Tests run from the repository root (the example files are read
 * from there).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "config.h"

/* The example key of net.example.yaml and keys of the wrong length. */
#define KEY "8Ls3lTyPqH2oX6vTQPV2n0yFuwSVV8kBq5xqGkz7GmY="
#define KEY31 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg=="	/* 31 bytes */
#define KEY33 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g"	/* 33 bytes */
#define NET "network:\n  sharedKey: " KEY "\n  subnet: 10.1.1.0/24\n"
/* A literal with its exact length, NUL bytes included. */
#define Y(s) s, sizeof(s) - 1

/* The example of the original wg_netmanager README, byte for byte. */
static const char original_readme[] =
	"network:\n"
	"  sharedKey: YDUBM6FhERePZ4gPlxzAbCN7K61BPjy7HApWYL+P128=\n"
	"  subnet: 10.1.1.0/8\n"
	"\n"
	"peers:\n"
	"  - endPoint: 192.168.1.70:50000\n"
	"    adminPort: 55555\n"
	"    wgIp: 10.1.1.1\n"
	"  - endPoint: 192.168.1.212:50000\n"
	"    adminPort: 55555\n"
	"    wgIp: 10.1.1.2\n";

struct msg_case {
	const char *name;
	bool peer;		/* peer.yaml, else net.yaml */
	const char *yaml;
	size_t len;
	unsigned errors, warnings;
	const char *msgs[8];	/* the first stored messages, in order */
};

static const struct msg_case msg_cases[] = {
	{ "key_not_base64", false,
	  Y("network:\n"
	  "  sharedKey: not-base64!\n"
	  "  subnet: 10.1.1.0/24\n"),
	  1, 0,
	  { "net.yaml:2:14: sharedKey must be 32 bytes in base64 (make one with 'wg_netmanager genkey' or 'wg genkey')" } },
	{ "key_31_bytes", false,
	  Y("network:\n"
	  "  sharedKey: " KEY31 "\n"
	  "  subnet: 10.1.1.0/24\n"),
	  1, 0,
	  { "net.yaml:2:14: sharedKey must be 32 bytes in base64 (make one with 'wg_netmanager genkey' or 'wg genkey')" } },
	{ "key_33_bytes", false,
	  Y("network:\n"
	  "  sharedKey: " KEY33 "\n"
	  "  subnet: 10.1.1.0/24\n"),
	  1, 0,
	  { "net.yaml:2:14: sharedKey must be 32 bytes in base64 (make one with 'wg_netmanager genkey' or 'wg genkey')" } },
	{ "key_is_list", false,
	  Y("network:\n"
	  "  sharedKey: [a, b]\n"
	  "  subnet: 10.1.1.0/24\n"),
	  1, 0,
	  { "net.yaml:2:14: sharedKey must be a single value, not a list" } },
	{ "key_empty", false,
	  Y("network:\n"
	  "  sharedKey:\n"
	  "  subnet: 10.1.1.0/24\n"),
	  1, 0,
	  { "net.yaml:2:13: sharedKey has no value" } },
	{ "subnet_no_slash", false,
	  Y("network:\n"
	  "  sharedKey: " KEY "\n"
	  "  subnet: 10.1.1.0\n"),
	  1, 0,
	  { "net.yaml:3:11: subnet '10.1.1.0' is not a CIDR prefix like 10.1.1.0/24" } },
	{ "subnet_len_33", false,
	  Y("network:\n"
	  "  sharedKey: " KEY "\n"
	  "  subnet: 10.1.1.0/33\n"),
	  1, 0,
	  { "net.yaml:3:11: subnet '10.1.1.0/33' is not a CIDR prefix like 10.1.1.0/24" } },
	{ "subnet_single_addr", false,
	  Y("network:\n"
	  "  sharedKey: " KEY "\n"
	  "  subnet: 10.1.1.1/32\n"),
	  1, 0,
	  { "net.yaml:3:11: subnet '10.1.1.1/32' holds a single address; it needs room for nodes" } },
	{ "subnet_host_bits", false,
	  Y("network:\n"
	  "  sharedKey: " KEY "\n"
	  "  subnet: 10.1.1.0/8\n"),
	  0, 1,
	  { "net.yaml:3:11: warning: subnet '10.1.1.0/8' has host bits set; using 10.0.0.0/8" } },
	/* the whole internet into the tunnel, or half of it: refused */
	{ "subnet_slash_0", false,
	  Y("network:\n"
	  "  sharedKey: " KEY "\n"
	  "  subnet: 0.0.0.0/0\n"),
	  1, 0,
	  { "net.yaml:3:11: subnet '0.0.0.0/0' is too wide: at most a /8 (like 10.0.0.0/8); "
	    "a wider one would route others' networks into the mesh" } },
	{ "subnet_slash_7", false,
	  Y("network:\n"
	  "  sharedKey: " KEY "\n"
	  "  subnet: 10.0.0.0/7\n"),
	  1, 0,
	  { "net.yaml:3:11: subnet '10.0.0.0/7' is too wide: at most a /8 (like 10.0.0.0/8); "
	    "a wider one would route others' networks into the mesh" } },
	{ "subnet_v6_slash_7", false,
	  Y("network:\n"
	  "  sharedKey: " KEY "\n"
	  "  subnet: \"fc00::/7\"\n"),
	  1, 0,
	  { "net.yaml:3:11: subnet 'fc00::/7' is too wide: at most a /8 (like 10.0.0.0/8); "
	    "a wider one would route others' networks into the mesh" } },
	{ "subnet_v6_slash_8", false,
	  Y("network:\n"
	  "  sharedKey: " KEY "\n"
	  "  subnet: \"fd00::/8\"\n"),
	  0, 0, { NULL } },
	{ "wgip_outside", false,
	  Y(NET "peers:\n"
	  "  - endPoint: beta.example.net:50002\n"
	  "    wgIp: 10.1.2.2\n"),
	  1, 0,
	  { "net.yaml:6:11: wgIp 10.1.2.2 is outside subnet 10.1.1.0/24" } },
	{ "wgip_network", false,
	  Y(NET "peers:\n"
	  "  - endPoint: beta.example.net:50002\n"
	  "    wgIp: 10.1.1.0\n"),
	  1, 0,
	  { "net.yaml:6:11: wgIp 10.1.1.0 is the network address of subnet 10.1.1.0/24" } },
	{ "wgip_broadcast", false,
	  Y(NET "peers:\n"
	  "  - endPoint: beta.example.net:50002\n"
	  "    wgIp: 10.1.1.255\n"),
	  1, 0,
	  { "net.yaml:6:11: wgIp 10.1.1.255 is the broadcast address of subnet 10.1.1.0/24" } },
	{ "wgip_not_ip", false,
	  Y(NET "peers:\n"
	  "  - endPoint: beta.example.net:50002\n"
	  "    wgIp: 10.1.1\n"),
	  1, 0,
	  { "net.yaml:6:11: wgIp '10.1.1' is not an IP address" } },
	{ "wgip_duplicate", false,
	  Y(NET "peers:\n"
	  "  - endPoint: 203.0.113.2:50002\n"
	  "    wgIp: 10.1.1.2\n"
	  "  - endPoint: 203.0.113.3:50003\n"
	  "    wgIp: 10.1.1.2\n"),
	  1, 0,
	  { "net.yaml:8:11: duplicate wgIp 10.1.1.2 (also at line 6)" } },
	{ "endpoint_no_port", false,
	  Y(NET "peers:\n"
	  "  - endPoint: beta.example.net\n"
	  "    wgIp: 10.1.1.2\n"),
	  1, 0,
	  { "net.yaml:5:15: endPoint 'beta.example.net': expected host:port" } },
	{ "endpoint_port_0", false,
	  Y(NET "peers:\n"
	  "  - endPoint: 203.0.113.2:0\n"
	  "    wgIp: 10.1.1.2\n"),
	  1, 0,
	  { "net.yaml:5:15: endPoint '203.0.113.2:0': port must be a number from 1 to 65535" } },
	{ "endpoint_port_65536", false,
	  Y(NET "peers:\n"
	  "  - endPoint: 203.0.113.2:65536\n"
	  "    wgIp: 10.1.1.2\n"),
	  1, 0,
	  { "net.yaml:5:15: endPoint '203.0.113.2:65536': port must be a number from 1 to 65535" } },
	{ "endpoint_port_text", false,
	  Y(NET "peers:\n"
	  "  - endPoint: \"203.0.113.2:http\"\n"
	  "    wgIp: 10.1.1.2\n"),
	  1, 0,
	  { "net.yaml:5:15: endPoint '203.0.113.2:http': port must be a number from 1 to 65535" } },
	{ "endpoint_v6_no_brackets", false,
	  Y(NET "peers:\n"
	  "  - endPoint: 2001:db8::2:50002\n"
	  "    wgIp: 10.1.1.2\n"),
	  1, 0,
	  { "net.yaml:5:15: endPoint '2001:db8::2:50002': IPv6 addresses need brackets: [addr]:port" } },
	{ "endpoint_v4_in_brackets", false,
	  Y(NET "peers:\n"
	  "  - endPoint: \"[203.0.113.2]:50002\"\n"
	  "    wgIp: 10.1.1.2\n"),
	  1, 0,
	  { "net.yaml:5:15: endPoint '[203.0.113.2]:50002': not an IPv6 address inside the brackets" } },
	{ "endpoint_bad_host", false,
	  Y(NET "peers:\n"
	  "  - endPoint: \"be ta:50002\"\n"
	  "    wgIp: 10.1.1.2\n"),
	  1, 0,
	  { "net.yaml:5:15: endPoint 'be ta:50002': host contains characters not allowed in a host name" } },
	{ "adminport_70000", false,
	  Y(NET "peers:\n"
	  "  - endPoint: 203.0.113.2:50002\n"
	  "    adminPort: 70000\n"
	  "    wgIp: 10.1.1.2\n"),
	  1, 0,
	  { "net.yaml:6:16: adminPort must be a port number from 1 to 65535, not '70000'" } },
	{ "adminport_negative", false,
	  Y(NET "peers:\n"
	  "  - endPoint: 203.0.113.2:50002\n"
	  "    adminPort: -1\n"
	  "    wgIp: 10.1.1.2\n"),
	  1, 0,
	  { "net.yaml:6:16: adminPort must be a port number from 1 to 65535, not '-1'" } },
	{ "adminport_list", false,
	  Y(NET "peers:\n"
	  "  - endPoint: 203.0.113.2:50002\n"
	  "    adminPort: [50502]\n"
	  "    wgIp: 10.1.1.2\n"),
	  1, 0,
	  { "net.yaml:6:16: adminPort must be a single value, not a list" } },
	{ "notransit_not_bool", false,
	  Y(NET "peers:\n"
	  "  - endPoint: 203.0.113.2:50002\n"
	  "    wgIp: 10.1.1.2\n"
	  "    noTransit: maybe\n"),
	  1, 0,
	  { "net.yaml:7:16: noTransit must be true or false, not 'maybe'" } },
	{ "mtu_low", false,
	  Y(NET "  mtu: 576\n"),
	  1, 0,
	  { "net.yaml:4:8: mtu must be a number from 1280 to 9000, not '576'" } },
	{ "mtu_text", false,
	  Y(NET "  mtu: jumbo\n"),
	  1, 0,
	  { "net.yaml:4:8: mtu must be a number from 1280 to 9000, not 'jumbo'" } },
	{ "max_nodes_high", false,
	  Y(NET "  maxNodes: 70000\n"),
	  1, 0,
	  { "net.yaml:4:13: maxNodes must be a number from 2 to 65535, not '70000'" } },
	{ "missing_network", false,
	  Y("peers:\n"
	  "  - endPoint: 203.0.113.2:50002\n"
	  "    wgIp: 10.1.1.2\n"),
	  1, 0,
	  { "net.yaml:1:1: the document lacks the required key 'network'" } },
	{ "missing_shared_key", false,
	  Y("network:\n"
	  "  subnet: 10.1.1.0/24\n"),
	  1, 0,
	  { "net.yaml:2:3: network lacks the required key 'sharedKey'" } },
	{ "network_empty", false,
	  Y("network:\n"
	  "peers: []\n"),
	  1, 0,
	  { "net.yaml:1:9: network must be a mapping (key: value), not an empty value" } },
	{ "network_is_list", false,
	  Y("network:\n"
	  "  - sharedKey: " KEY "\n"),
	  1, 0,
	  { "net.yaml:2:3: network must be a mapping (key: value), not a list" } },
	{ "peer_missing_endpoint", false,
	  Y(NET "peers:\n"
	  "  - wgIp: 10.1.1.2\n"),
	  1, 0,
	  { "net.yaml:5:5: this peers entry lacks the required key 'endPoint'" } },
	{ "peer_missing_wgip", false,
	  Y(NET "peers:\n"
	  "  - endPoint: 203.0.113.2:50002\n"),
	  1, 0,
	  { "net.yaml:5:5: this peers entry lacks the required key 'wgIp'" } },
	{ "peers_is_mapping", false,
	  Y(NET "peers:\n"
	  "  endPoint: 203.0.113.2:50002\n"
	  "  wgIp: 10.1.1.2\n"),
	  1, 0,
	  { "net.yaml:5:3: peers must be a list, not a mapping" } },
	{ "peers_item_scalar", false,
	  Y(NET "peers:\n"
	  "  - 203.0.113.2:50002\n"),
	  1, 0,
	  { "net.yaml:5:5: a peers entry must be a mapping (key: value), not a single value" } },
	{ "unknown_key_typo", false,
	  Y("network:\n"
	  "  sharedkey: " KEY "\n"
	  "  subnet: 10.1.1.0/24\n"),
	  1, 1,
	  { "net.yaml:2:3: warning: unknown key 'sharedkey' in network ignored (did you mean 'sharedKey'?)",
	  "net.yaml:2:3: network lacks the required key 'sharedKey'" } },
	{ "unknown_top_key", false,
	  Y(NET "peer:\n"
	  "  - endPoint: 203.0.113.2:50002\n"
	  "    wgIp: 10.1.1.2\n"),
	  0, 1,
	  { "net.yaml:4:1: warning: unknown key 'peer' in the document ignored (did you mean 'peers'?)" } },
	{ "unknown_peer_key", false,
	  Y(NET "peers:\n"
	  "  - endPoint: 203.0.113.2:50002\n"
	  "    wgIp: 10.1.1.2\n"
	  "    adminport: 50502\n"),
	  0, 1,
	  { "net.yaml:7:5: warning: unknown key 'adminport' in a peers entry ignored (did you mean 'adminPort'?)" } },
	{ "duplicate_key", false,
	  Y(NET "  subnet: 10.2.0.0/16\n"),
	  1, 0,
	  { "net.yaml:4:3: duplicate key 'subnet' in network" } },
	{ "duplicate_top_key", false,
	  Y(NET "network:\n"
	  "  mtu: 1400\n"),
	  1, 0,
	  { "net.yaml:4:1: duplicate key 'network' in the document" } },
	{ "key_is_mapping", false,
	  Y(NET "? {a: b}\n"
	  ": c\n"),
	  1, 0,
	  { "net.yaml:4:3: a key must be a single value, not a mapping" } },
	{ "empty_file", false,
	  Y(""),
	  1, 0,
	  { "net.yaml:1:1: empty document; expected a mapping with 'network' and 'peers'" } },
	{ "comments_only", false,
	  Y("# nothing here\n"
	  "\n"),
	  1, 0,
	  { "net.yaml:1:1: empty document; expected a mapping with 'network' and 'peers'" } },
	{ "root_list", false,
	  Y("- network\n"
	  "- peers\n"),
	  1, 0,
	  { "net.yaml:1:1: the document must be a mapping (key: value), not a list" } },
	{ "root_scalar", false,
	  Y("hello world\n"),
	  1, 0,
	  { "net.yaml:1:1: the document must be a mapping (key: value), not a single value" } },
	{ "root_null", false,
	  Y("---\n"
	  "~\n"),
	  1, 0,
	  { "net.yaml:1:1: empty document; expected a mapping with 'network' and 'peers'" } },
	{ "second_document", false,
	  Y(NET "---\n"
	  "network: {}\n"),
	  1, 0,
	  { "net.yaml:4:1: a second YAML document; a config file holds only one" } },
	{ "second_document_broken", false,
	  Y(NET "---\n"
	  "[oops\n"),
	  1, 0,
	  { "net.yaml:4:1: a second YAML document; a config file holds only one" } },
	{ "invalid_utf8", false,
	  Y("network:\n"
	  "  subnet: 10.1.1.0/24 \303(\n"),
	  1, 0,
	  { "net.yaml:2:24: YAML error: invalid trailing UTF-8 octet (byte 0x28); the file must be UTF-8 text" } },
	{ "nul_byte", false,
	  Y("network:\n"
	  "  sharedKey: " KEY "\n"
	  "  subnet: 10.1.1.0/24\n"
	  "\000peers: []\n"),
	  1, 0,
	  { "net.yaml:4:1: YAML error: control characters are not allowed (U+0000)" } },
	{ "binary_garbage", false,
	  Y("\177ELF\002\001\001\000\000\000\000\000\000\000\000\000\003\000>\000"),
	  1, 0,
	  { "net.yaml:1:1: YAML error: control characters are not allowed (U+007F)" } },
	{ "utf16_bom", false,
	  Y("\377\376n\000e\000t\000"),
	  1, 0,
	  { "net.yaml:1:1: YAML error: invalid leading UTF-8 octet (byte 0xff); the file must be UTF-8 text" } },
	{ "escaped_nul", false,
	  Y("network:\n"
	  "  sharedKey: \"8Ls3lTyPqH\\0X6vTQPV2n0yFuwSVV8kBq5xqGkz7GmY=\"\n"
	  "  subnet: 10.1.1.0/24\n"),
	  1, 0,
	  { "net.yaml:2:14: sharedKey holds a NUL byte" } },
	{ "escaped_control", false,
	  Y("network:\n"
	  "  sharedKey: " KEY "\n"
	  "  subnet: \"10.1.1.0/24\\e[2J\"\n"),
	  1, 0,
	  { "net.yaml:3:11: subnet holds a control character" } },
	{ "c1_control", false,
	  Y("network:\n"
	  "  sharedKey: " KEY "\n"
	  "  subnet: \"10.1.1.0/24\\u009b\"\n"),
	  1, 0,
	  { "net.yaml:3:11: subnet holds a control character" } },
	{ "tab_indent", false,
	  Y("network:\n"
	  "\tsharedKey: x\n"),
	  1, 0,
	  { "net.yaml:2:1: YAML error: a tab character; YAML indents with spaces only" } },
	{ "unclosed_flow", false,
	  Y("network: {sharedKey: " KEY ", subnet: 10.1.1.0/24\n"),
	  1, 0,
	  { "net.yaml:2:1: YAML error: did not find expected ',' or '}' while parsing a flow mapping started at 1:10" } },
	{ "bad_indent", false,
	  Y("network:\n"
	  "  sharedKey: " KEY "\n"
	  " subnet: 10.1.1.0/24\n"),
	  1, 0,
	  { "net.yaml:3:2: YAML error: did not find expected key while parsing a block mapping started at 1:1" } },
	{ "undefined_alias", false,
	  Y("network:\n"
	  "  sharedKey: *key\n"
	  "  subnet: 10.1.1.0/24\n"),
	  1, 0,
	  { "net.yaml:2:14: YAML error: found undefined alias" } },
	{ "alias_of_mapping", false,
	  Y("network: &n\n"
	  "  sharedKey: " KEY "\n"
	  "  subnet: 10.1.1.0/24\n"
	  "peers:\n"
	  "  - *n\n"),
	  1, 0,
	  { "net.yaml:5:5: alias *n refers to a list or mapping; only single values may be aliased" } },
	{ "alias_recursive", false,
	  Y("network: &n [*n]\n"),
	  1, 0,
	  { "net.yaml:1:14: alias *n refers to a list or mapping; only single values may be aliased" } },
	{ "alias_bomb", false,
	  Y("a: &a [x, x, x, x, x, x, x, x, x]\n"
	  "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
	  "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
	  "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"),
	  27, 0,
	  { "net.yaml:2:8: alias *a refers to a list or mapping; only single values may be aliased",
	  "net.yaml:2:12: alias *a refers to a list or mapping; only single values may be aliased" } },
	{ "alias_scalar_ok", false,
	  Y("network:\n"
	  "  sharedKey: &k " KEY "\n"
	  "  subnet: 10.1.1.0/24\n"
	  "peers:\n"
	  "  - endPoint: 203.0.113.2:50002\n"
	  "    wgIp: &ip 10.1.1.2\n"),
	  0, 0,
	  {  } },
	{ "deep_nesting", false,
	  Y("network: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n"),
	  1, 0,
	  { "net.yaml:1:25: lists and mappings nested deeper than 16 levels" } },
	{ "too_many_keys", false,
	  Y(NET "peers:\n"
	  "  - {k0: v, k1: v, k2: v, k3: v, k4: v, k5: v, k6: v, k7: v, k8: v, k9: v, k10: v, k11: v, k12: v, k13: v, k14: v, k15: v, k16: v, k17: v, k18: v, k19: v, k20: v, k21: v, k22: v, k23: v, k24: v, k25: v, k26: v, k27: v, k28: v, k29: v, k30: v, k31: v, k32: v, k33: v, k34: v, k35: v, k36: v, k37: v, k38: v, k39: v, k40: v, k41: v, k42: v, k43: v, k44: v, k45: v, k46: v, k47: v, k48: v, k49: v, k50: v, k51: v, k52: v, k53: v, k54: v, k55: v, k56: v, k57: v, k58: v, k59: v, k60: v, k61: v, k62: v, k63: v, k64: v, k65: v, k66: v, k67: v, k68: v, k69: v}\n"),
	  1, 0,
	  { "net.yaml:5:5: a peers entry has 70 keys; at most 64 are allowed" } },
	{ "several_errors", false,
	  Y("network:\n"
	  "  sharedKey: short\n"
	  "  subnet: 10.1.1.0/24\n"
	  "  mtu: 100000\n"
	  "peers:\n"
	  "  - endPoint: 203.0.113.2\n"
	  "    wgIp: 10.1.1.2\n"
	  "  - endPoint: 203.0.113.3:50003\n"
	  "    adminPort: 0\n"
	  "    wgIp: 10.9.9.9\n"
	  "  - endPoint: 203.0.113.4:50004\n"
	  "    wgIp: 10.1.1.4\n"
	  "    wgip: 10.1.1.5\n"
	  "  - endPoint: 203.0.113.5:50005\n"
	  "    wgIp: 10.1.1.4\n"),
	  6, 1,
	  { "net.yaml:2:14: sharedKey must be 32 bytes in base64 (make one with 'wg_netmanager genkey' or 'wg genkey')",
	  "net.yaml:4:8: mtu must be a number from 1280 to 9000, not '100000'",
	  "net.yaml:6:15: endPoint '203.0.113.2': expected host:port",
	  "net.yaml:9:16: adminPort must be a port number from 1 to 65535, not '0'",
	  "net.yaml:13:5: warning: unknown key 'wgip' in a peers entry ignored (did you mean 'wgIp'?)",
	  "net.yaml:10:11: wgIp 10.9.9.9 is outside subnet 10.1.1.0/24",
	  "net.yaml:15:11: duplicate wgIp 10.1.1.4 (also at line 12)" } },
	{ "p_name_bad", true,
	  Y("name: alice smith\n"
	  "wgIp: 10.1.1.21\n"),
	  1, 0,
	  { "peer.yaml:1:7: name 'alice smith': a name may hold only letters, digits, '-', '_' and '.'" } },
	{ "p_name_long", true,
	  Y("name: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"),
	  1, 0,
	  { "peer.yaml:1:7: name 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa': a name has 1 to 32 characters" } },
	{ "p_wgip_bad", true,
	  Y("name: alice\n"
	  "wgIp: 10.1.1.300\n"),
	  1, 0,
	  { "peer.yaml:2:7: wgIp '10.1.1.300' is not an IP address" } },
	{ "p_ifname_long", true,
	  Y("name: alice\n"
	  "wgInterface: wg-much-too-long0\n"),
	  1, 0,
	  { "peer.yaml:2:14: wgInterface 'wg-much-too-long0': an interface name has 1 to 15 characters" } },
	{ "p_ifname_slash", true,
	  Y("wgInterface: wg/0\n"),
	  1, 0,
	  { "peer.yaml:1:14: wgInterface 'wg/0': an interface name may not be '.', '..' or hold '/', ':' or spaces" } },
	{ "p_existing_bad", true,
	  Y("existingInterface: perhaps\n"),
	  1, 0,
	  { "peer.yaml:1:20: existingInterface must be true or false, not 'perhaps'" } },
	{ "p_wgport_0", true,
	  Y("wgPort: 0\n"),
	  1, 0,
	  { "peer.yaml:1:9: wgPort must be a port number from 1 to 65535, not '0'" } },
	{ "p_adminport_text", true,
	  Y("adminPort: fifty\n"),
	  1, 0,
	  { "peer.yaml:1:12: adminPort must be a port number from 1 to 65535, not 'fifty'" } },
	{ "p_notransit_list", true,
	  Y("noTransit: [true]\n"),
	  1, 0,
	  { "peer.yaml:1:12: noTransit must be a single value, not a list" } },
	{ "p_unknown_key", true,
	  Y("name: alice\n"
	  "wgip: 10.1.1.21\n"),
	  0, 1,
	  { "peer.yaml:2:1: warning: unknown key 'wgip' in the document ignored (did you mean 'wgIp'?)" } },
	{ "p_unknown_far", true,
	  Y("colour: blue\n"),
	  0, 1,
	  { "peer.yaml:1:1: warning: unknown key 'colour' in the document ignored (known keys: name, wgIp, wgInterface, existingInterface, wgPort, adminPort, noTransit, routes, exitNode, useExitNode, masquerade, ...)" } },
	{ "p_root_list", true,
	  Y("- name: alice\n"),
	  1, 0,
	  { "peer.yaml:1:1: the document must be a mapping (key: value), not a list" } },
	{ "p_empty", true,
	  Y(""),
	  1, 0,
	  { "peer.yaml:1:1: empty document; expected a mapping like 'name: alice'" } },
	{ "p_duplicate", true,
	  Y("name: alice\n"
	  "name: bob\n"),
	  1, 0,
	  { "peer.yaml:2:1: duplicate key 'name' in the document" } },
	{ "p_several", true,
	  Y("name: \"\"\n"
	  "wgIp: nowhere\n"
	  "wgPort: 99999\n"
	  "adminPort: 0x10\n"
	  "existingInterface: 1\n"),
	  5, 0,
	  { "peer.yaml:1:7: name '': a name has 1 to 32 characters",
	  "peer.yaml:2:7: wgIp 'nowhere' is not an IP address",
	  "peer.yaml:3:9: wgPort must be a port number from 1 to 65535, not '99999'",
	  "peer.yaml:4:12: adminPort must be a port number from 1 to 65535, not '0x10'",
	  "peer.yaml:5:20: existingInterface must be true or false, not '1'" } },
	/* subnet routes and exit nodes */
	{ "p_routes_bad", true,
	  Y("routes:\n"
	  "  - 192.168.7.10/24\n"
	  "  - 0.0.0.0/0\n"
	  "  - 127.0.0.0/8\n"
	  "  - 192.168.7\n"
	  "  - 10.5.0.0/16\n"
	  "  - 10.5.0.0/16\n"),
	  5, 0,
	  { "peer.yaml:2:5: routes: '192.168.7.10/24' has host bits set (did you mean 192.168.7.0/24?)",
	    "peer.yaml:3:5: routes: '0.0.0.0/0' is a default route: offer it with 'exitNode: true'",
	    "peer.yaml:4:5: routes: '127.0.0.0/8' overlaps loopback, link-local, multicast or 0.0.0.0/8",
	    "peer.yaml:5:5: routes: '192.168.7' is not a CIDR prefix like 192.168.7.0/24",
	    "peer.yaml:7:5: routes: 10.5.0.0/16 is listed twice (also at line 6)" } },
	{ "p_routes_not_list", true,
	  Y("routes: 192.168.7.0/24\n"),
	  1, 0,
	  { "peer.yaml:1:9: routes must be a list, not a single value" } },
	{ "p_routes_too_many", true,
	  Y("routes: [10.0.1.0/24, 10.0.2.0/24, 10.0.3.0/24, 10.0.4.0/24, 10.0.5.0/24,\n"
	  "         10.0.6.0/24, 10.0.7.0/24, 10.0.8.0/24, 10.0.9.0/24]\n"),
	  1, 0,
	  { "peer.yaml:1:9: routes lists 9 entries; at most 8 are supported" } },
	{ "p_exit_options", true,
	  Y("exitNode: yes please\n"
	  "useExitNode: not a name\n"
	  "masquerade: 0\n"),
	  3, 0,
	  { "peer.yaml:1:11: exitNode must be true or false, not 'yes please'",
	    "peer.yaml:2:14: useExitNode 'not a name': a name may hold only letters, digits, '-', '_' and '.' (a node name, or 'auto')",
	    "peer.yaml:3:13: masquerade must be true or false, not '0'" } },
	{ "n_accept_routes_bad", false,
	  Y(NET
	  "  acceptRoutes: [192.168.0.0/16, 172.16.1.1/12, nonsense]\n"
	  "  allowExitNodes: maybe\n"),
	  3, 0,
	  { "net.yaml:4:34: acceptRoutes: '172.16.1.1/12' has host bits set (did you mean 172.16.0.0/12?)",
	    "net.yaml:4:49: acceptRoutes: 'nonsense' is not a CIDR prefix like 192.168.7.0/24",
	    "net.yaml:5:19: allowExitNodes must be true or false, not 'maybe'" } },
	/* membership (the checks that need signatures: tests/test_ca.c) */
	{ "n_ca_key_bad", false,
	  Y(NET
	  "  caKey: " KEY31 "\n"),
	  1, 0,
	  { "net.yaml:4:10: caKey must be an Ed25519 public key, 32 bytes in base64 (make one with 'wg_netmanager ca init')" } },
	{ "n_ca_key_not_base64", false,
	  Y(NET
	  "  caKey: \"not base64!\"\n"),
	  1, 0,
	  { "net.yaml:4:10: caKey must be an Ed25519 public key, 32 bytes in base64 (make one with 'wg_netmanager ca init')" } },
	{ "n_revoked_bad", false,
	  Y(NET
	  "  revoked: [" KEY ", AQ==, \"#\"]\n"),
	  3, 0,
	  { "net.yaml:4:13: revoked: '8Ls3lTyPqH2oX6vTQPV2...' is not a revocation in base64 (make one with 'wg_netmanager ca revoke')",
	    "net.yaml:4:59: revoked: 'AQ==...' is not a revocation in base64 (make one with 'wg_netmanager ca revoke')",
	    "net.yaml:4:65: revoked: '#...' is not a revocation in base64 (make one with 'wg_netmanager ca revoke')" } },
	{ "n_revoked_not_list", false,
	  Y(NET
	  "  revoked: AQ==\n"),
	  1, 0,
	  { "net.yaml:4:12: revoked must be a list, not a single value" } },
	{ "n_prev_key_bad", false,
	  Y(NET
	  "  previousSharedKey: " KEY33 "\n"),
	  1, 0,
	  { "net.yaml:4:22: previousSharedKey must be 32 bytes in base64 (the sharedKey being replaced)" } },
	{ "p_identity_bad", true,
	  Y("identityKey: " KEY31 "\n"
	  "certificate: " KEY "\n"),
	  2, 0,
	  { "peer.yaml:1:14: identityKey must be 32 bytes in base64 (make one with 'wg_netmanager ca sign' or 'wg_netmanager ca identity')",
	    "peer.yaml:2:14: certificate: not a node certificate in base64 (make one with 'wg_netmanager ca sign')" } },
	{ "p_certificate_list", true,
	  Y("certificate: [a]\n"),
	  1, 0,
	  { "peer.yaml:1:14: certificate must be a single value, not a list" } },
};

static int parse(bool peer, struct config *cfg, const char *buf, size_t len,
		 struct config_msgs *m)
{
	config_init(cfg);
	config_msgs_init(m);
	return peer ? config_parse_peer(cfg, "peer.yaml", buf, len, m)
		    : config_parse_network(cfg, "net.yaml", buf, len, m);
}

static void dump(const char *name, const struct config_msgs *m)
{
	print_message("case %s produced:\n", name);
	for (unsigned i = 0; i < m->n_stored; i++)
		print_message("  %s\n", m->msg[i].text);
}

static void test_messages(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(msg_cases) / sizeof(msg_cases[0]); i++) {
		const struct msg_case *c = &msg_cases[i];
		struct config cfg;
		struct config_msgs m;
		unsigned listed = 0;
		int r = parse(c->peer, &cfg, c->yaml, c->len, &m);

		while (listed < 8 && c->msgs[listed])
			listed++;
		if (m.n_errors != c->errors || m.n_warnings != c->warnings ||
		    m.n_stored < listed || (c->errors + c->warnings <= 8 && m.n_stored != listed))
			dump(c->name, &m);
		assert_int_equal(m.n_errors, c->errors);
		assert_int_equal(m.n_warnings, c->warnings);
		assert_int_equal(r, c->errors ? -EINVAL : 0);
		if (c->errors + c->warnings <= 8)
			assert_int_equal(m.n_stored, listed);
		for (unsigned j = 0; j < listed; j++) {
			if (strcmp(m.msg[j].text, c->msgs[j]) != 0)
				dump(c->name, &m);
			assert_string_equal(m.msg[j].text, c->msgs[j]);
			assert_int_equal(m.msg[j].warning, strstr(c->msgs[j], ": warning: ") != NULL);
		}
		config_free(&cfg);
	}
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(CONFIG_MAX_FILE + 1);

	assert_non_null(f);
	assert_non_null(buf);
	*len = fread(buf, 1, CONFIG_MAX_FILE, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static void assert_addr(const struct addr *a, const char *want)
{
	char buf[ADDR_STRLEN];

	assert_string_equal(addr_fmt(a, buf, sizeof(buf)), want);
}

static void test_example_files(void **state)
{
	struct config cfg;
	struct config_msgs m;
	char p[ADDR_STRLEN + 8];
	size_t len;
	char *buf;

	(void)state;
	buf = slurp("net.example.yaml", &len);
	assert_int_equal(parse(false, &cfg, buf, len, &m), 0);
	assert_int_equal(m.n_stored, 0);
	assert_true(cfg.has_shared_key && cfg.has_subnet);
	assert_string_equal(prefix_fmt(&cfg.subnet, p, sizeof(p)), "10.1.1.0/24");
	assert_int_equal(cfg.mtu, CONFIG_DEFAULT_MTU);
	assert_int_equal(cfg.max_nodes, CONFIG_DEFAULT_MAX_NODES);
	assert_int_equal(cfg.n_peers, 1);
	assert_string_equal(cfg.peers[0].host, "203.0.113.2");
	assert_int_equal(cfg.peers[0].wg_port, 50002);
	assert_int_equal(cfg.peers[0].admin_port, 50502);
	assert_addr(&cfg.peers[0].wg_ip, "10.1.1.2");
	assert_false(cfg.peers[0].no_transit);
	config_free(&cfg);
	free(buf);

	buf = slurp("peer.example.yaml", &len);
	assert_int_equal(parse(true, &cfg, buf, len, &m), 0);
	assert_int_equal(m.n_stored, 0);
	assert_string_equal(cfg.name, "charlie");
	assert_addr(&cfg.wg_ip, "10.1.1.21");
	assert_string_equal(cfg.ifname, "wg0");
	assert_false(cfg.existing_interface);
	assert_int_equal(cfg.wg_port, 0);	/* defaults come in config_load */
	config_free(&cfg);
	free(buf);
}

/* subnet 10.1.1.0/8 has host bits set: a warning, and 10.0.0.0/8 is used. */
static void test_original_readme(void **state)
{
	struct config cfg;
	struct config_msgs m;
	char p[ADDR_STRLEN + 8];

	(void)state;
	assert_int_equal(parse(false, &cfg, original_readme, strlen(original_readme), &m), 0);
	assert_int_equal(m.n_errors, 0);
	assert_int_equal(m.n_warnings, 1);
	assert_string_equal(m.msg[0].text, "net.yaml:3:11: warning: subnet '10.1.1.0/8' has host "
					   "bits set; using 10.0.0.0/8");
	assert_string_equal(prefix_fmt(&cfg.subnet, p, sizeof(p)), "10.0.0.0/8");
	assert_int_equal(cfg.n_peers, 2);
	assert_string_equal(cfg.peers[1].host, "192.168.1.212");
	assert_int_equal(cfg.peers[1].wg_port, 50000);
	assert_int_equal(cfg.peers[1].admin_port, 55555);
	assert_int_equal(cfg.peers[1].line, 9);
	config_free(&cfg);
}

/* Extensions, endpoint forms and the adminPort default of a static peer. */
static void test_extensions_and_endpoints(void **state)
{
	static const char y[] = NET "  mtu: 1380\n"
		"  maxNodes: 300\n"
		"peers:\n"
		"  - endPoint: beta.example.net:50002\n"
		"    wgIp: 10.1.1.2\n"
		"    noTransit: true\n"
		"  - endPoint: \"[2001:db8::3]:50003\"\n"
		"    wgIp: 10.1.1.3\n"
		"    adminPort: 60000\n"
		"  - {endPoint: 198.51.100.4:4, wgIp: 10.1.1.4, noTransit: no}\n";
	struct config cfg;
	struct config_msgs m;

	(void)state;
	assert_int_equal(parse(false, &cfg, y, sizeof(y) - 1, &m), 0);
	assert_int_equal(m.n_stored, 0);
	assert_int_equal(cfg.mtu, 1380);
	assert_int_equal(cfg.max_nodes, 300);
	assert_int_equal(cfg.n_peers, 3);
	assert_string_equal(cfg.peers[0].host, "beta.example.net");
	assert_int_equal(cfg.peers[0].admin_port, 50502);	/* 50500 + 2 */
	assert_true(cfg.peers[0].no_transit);
	assert_string_equal(cfg.peers[1].host, "2001:db8::3");
	assert_int_equal(cfg.peers[1].wg_port, 50003);
	assert_int_equal(cfg.peers[1].admin_port, 60000);
	assert_int_equal(cfg.peers[2].wg_port, 4);
	assert_false(cfg.peers[2].no_transit);
	config_free(&cfg);
}

static void test_default_ports(void **state)
{
	struct addr a;

	(void)state;
	assert_int_equal(addr_parse(&a, "10.1.1.21"), 0);
	assert_int_equal(config_default_wg_port(&a), 50021);
	assert_int_equal(config_default_admin_port(&a), 50521);
	assert_int_equal(addr_parse(&a, "10.1.1.254"), 0);
	assert_int_equal(config_default_wg_port(&a), 50254);
	assert_int_equal(config_default_admin_port(&a), 50754);
	assert_int_equal(addr_parse(&a, "fd00::1:7"), 0);
	assert_int_equal(config_default_wg_port(&a), 50007);
}

/* More messages than fit: the counts stay right, the rest is summarised. */
static void test_message_overflow(void **state)
{
	char *y = malloc(64 * 1024);
	size_t off;
	struct config cfg;
	struct config_msgs m;
	char *out = NULL;
	size_t outlen = 0;
	FILE *f;

	(void)state;
	assert_non_null(y);
	off = (size_t)sprintf(y, NET "peers:\n");
	for (int i = 0; i < 100; i++)
		off += (size_t)sprintf(y + off, "  - {endPoint: h:1, wgIp: 10.9.0.%d}\n", i + 1);
	assert_int_equal(parse(false, &cfg, y, off, &m), -EINVAL);
	assert_int_equal(m.n_errors, 100);
	assert_int_equal(m.n_stored, CONFIG_MSGS_MAX);
	assert_int_equal(m.n_dropped, 100 - CONFIG_MSGS_MAX);
	assert_string_equal(m.msg[0].text, "net.yaml:5:27: wgIp 10.9.0.1 is outside subnet 10.1.1.0/24");
	f = open_memstream(&out, &outlen);
	assert_non_null(f);
	config_msgs_print(&m, f);
	fclose(f);
	assert_non_null(strstr(out, "\n... and 36 more\n"));
	free(out);
	config_free(&cfg);
	free(y);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Hostile documents of the largest size a file may have stay fast: an
 * alias bomb 9^8 wide, deep nesting (libyaml's scanner is quadratic in it),
 * a mapping with thousands of keys, the longest peers list.
 */
static void test_hostile_bounded(void **state)
{
	const size_t max = CONFIG_MAX_FILE;
	char *y = malloc(max + 1);
	struct config cfg;
	struct config_msgs m;
	size_t off = 0;
	double t;

	(void)state;
	assert_non_null(y);

	/* the billion laughs, in YAML */
	off = (size_t)sprintf(y, "network: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
	for (int i = 1; i < 9; i++)
		off += (size_t)sprintf(y + off, "k%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, "
					"*a%d, *a%d]\n", i, i, i - 1, i - 1, i - 1, i - 1, i - 1,
					i - 1, i - 1, i - 1, i - 1);
	off += (size_t)sprintf(y + off, "peers: [*a8, *a8, *a8]\n");
	t = now();
	assert_int_equal(parse(false, &cfg, y, off, &m), -EINVAL);
	assert_true(now() - t < 1.0);
	assert_string_equal(m.msg[0].text, "net.yaml:2:10: alias *a0 refers to a list or mapping; "
					   "only single values may be aliased");
	config_free(&cfg);

	memset(y, '[', max);
	t = now();
	assert_int_equal(parse(false, &cfg, y, max, &m), -EINVAL);
	assert_true(now() - t < 1.0);
	assert_int_equal(m.n_stored, 1);
	assert_string_equal(m.msg[0].text, "net.yaml:1:17: lists and mappings nested deeper than 16 levels");
	config_free(&cfg);

	for (off = 0; off + 16 < max;)
		off += (size_t)sprintf(y + off, "key%zu: v\n", off);
	t = now();
	assert_int_equal(parse(true, &cfg, y, off, &m), -EINVAL);
	assert_true(now() - t < 2.0);
	assert_int_equal(m.n_stored, 1);
	assert_non_null(strstr(m.msg[0].text, "peer.yaml:1:1: the document has "));
	assert_non_null(strstr(m.msg[0].text, " keys; at most 64 are allowed"));
	config_free(&cfg);

	off = (size_t)sprintf(y, NET "peers:\n");
	for (int i = 0; i < CONFIG_MAX_PEERS + 1; i++)
		off += (size_t)sprintf(y + off, "- {endPoint: h%d:1, wgIp: 10.1.1.%d}\n", i, i % 254 + 1);
	t = now();
	assert_int_equal(parse(false, &cfg, y, off, &m), -EINVAL);
	assert_true(now() - t < 1.0);
	assert_string_equal(m.msg[0].text, "net.yaml:5:1: peers lists 1025 entries; at most 1024 are supported");
	config_free(&cfg);
	free(y);
}

/* Random bytes never crash and always produce at least one message. */
static void test_binary_garbage(void **state)
{
	uint8_t buf[512];

	(void)state;
	for (unsigned seed = 1; seed <= 200; seed++) {
		struct config cfg;
		struct config_msgs m;

		randombytes_buf_deterministic(buf, sizeof(buf),
					      (const uint8_t[32]){ (uint8_t)seed, (uint8_t)(seed >> 8) });
		assert_int_equal(parse(seed & 1, &cfg, (const char *)buf, sizeof(buf), &m), -EINVAL);
		assert_true(m.n_stored >= 1);
		config_free(&cfg);
	}
}

/* ---- files and config_load, in a scratch directory ---- */

struct scratch {
	char dir[64];
	char net[128];
	char peer[128];
};

static void put_file(const char *path, const char *text, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static int scratch_setup(void **state)
{
	struct scratch *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	snprintf(s->dir, sizeof(s->dir), "/tmp/wgnm-test-config.XXXXXX");
	if (!mkdtemp(s->dir)) {
		free(s);
		return -1;
	}
	snprintf(s->net, sizeof(s->net), "%s/net.yaml", s->dir);
	snprintf(s->peer, sizeof(s->peer), "%s/peer.yaml", s->dir);
	*state = s;
	return 0;
}

static int scratch_teardown(void **state)
{
	struct scratch *s = *state;

	unlink(s->net);
	unlink(s->peer);
	rmdir(s->dir);
	free(s);
	return 0;
}

static int load(const struct config_cli *cli, struct config *cfg, struct config_msgs *m)
{
	config_init(cfg);
	config_msgs_init(m);
	return config_load(cfg, cli, m);
}

/* The original's command line: -c net.yaml wg0 10.1.1.21 charlie. */
static void test_load_defaults(void **state)
{
	struct scratch *s = *state;
	struct config_cli cli = { .net_path = s->net, .peer_path = NULL, .ifname = "wg0",
				  .address = "10.1.1.21", .name = "charlie" };
	struct config cfg;
	struct config_msgs m;

	put_file(s->net, original_readme, strlen(original_readme), 0600);
	if (access(CONFIG_PEER_PATH, F_OK) == 0)
		skip();	/* a real peer.yaml on this machine would change the result */
	assert_int_equal(load(&cli, &cfg, &m), 0);
	assert_int_equal(m.n_errors, 0);
	assert_int_equal(m.n_warnings, 1);	/* the host bits of 10.1.1.0/8 */
	assert_false(cfg.peer_file_used);
	assert_string_equal(cfg.name, "charlie");
	assert_string_equal(cfg.ifname, "wg0");
	assert_int_equal(cfg.wg_port, 50021);
	assert_int_equal(cfg.admin_port, 50521);
	assert_null(cfg.self_static);
	assert_false(cfg.no_transit);
	config_free(&cfg);
}

/* alice is peers[0] of the README: her static endPoint and adminPort win. */
static void test_load_self_static(void **state)
{
	struct scratch *s = *state;
	struct config_cli cli = { .net_path = s->net, .peer_path = s->peer, .ifname = "wg0",
				  .address = "10.1.1.1", .name = "alice" };
	struct config cfg;
	struct config_msgs m;
	char want[300];

	put_file(s->net, original_readme, strlen(original_readme), 0600);
	put_file(s->peer, "", 0, 0600);	/* empty peer.yaml: an error */
	assert_int_equal(load(&cli, &cfg, &m), -EINVAL);
	config_free(&cfg);

	put_file(s->peer, "# nothing but the command line\n{}\n", 33, 0600);
	assert_int_equal(load(&cli, &cfg, &m), 0);
	assert_int_equal(m.n_errors, 0);
	assert_non_null(cfg.self_static);
	assert_ptr_equal(cfg.self_static, &cfg.peers[0]);
	assert_int_equal(cfg.wg_port, 50000);
	assert_int_equal(cfg.admin_port, 55555);
	config_free(&cfg);

	cli.wg_port = 40000;	/* the command line still wins, with a warning */
	assert_int_equal(load(&cli, &cfg, &m), 0);
	assert_int_equal(cfg.wg_port, 40000);
	assert_int_equal(cfg.admin_port, 55555);
	assert_int_equal(m.n_warnings, 2);
	snprintf(want, sizeof(want), "%s:8:11: warning: this node's endPoint port is 50000, but it "
		 "listens on WireGuard port 40000", s->net);
	assert_string_equal(m.msg[1].text, want);
	config_free(&cfg);
}

static void test_load_cli_overrides_peer_yaml(void **state)
{
	static const char peer[] =
		"name: charlie\n"
		"wgIp: 10.1.1.21\n"
		"wgInterface: wg7\n"
		"existingInterface: false\n"
		"wgPort: 40000\n"
		"adminPort: 40001\n"
		"noTransit: false\n";
	struct scratch *s = *state;
	struct config_cli cli = { .net_path = s->net, .peer_path = s->peer };
	struct config cfg;
	struct config_msgs m;

	put_file(s->net, NET, strlen(NET), 0600);
	put_file(s->peer, peer, strlen(peer), 0644);	/* no secret: no warning */

	/* peer.yaml alone */
	assert_int_equal(load(&cli, &cfg, &m), 0);
	assert_int_equal(m.n_stored, 0);
	assert_true(cfg.peer_file_used);
	assert_string_equal(cfg.name, "charlie");
	assert_addr(&cfg.wg_ip, "10.1.1.21");
	assert_string_equal(cfg.ifname, "wg7");
	assert_int_equal(cfg.wg_port, 40000);
	assert_int_equal(cfg.admin_port, 40001);
	config_free(&cfg);

	/* every option on top */
	cli.name = "bob";
	cli.address = "10.1.1.16";
	cli.ifname = "wg1";
	cli.existing = true;
	cli.wg_port = 41000;
	cli.no_transit = true;
	assert_int_equal(load(&cli, &cfg, &m), 0);
	assert_int_equal(m.n_stored, 0);
	assert_string_equal(cfg.name, "bob");
	assert_addr(&cfg.wg_ip, "10.1.1.16");
	assert_string_equal(cfg.ifname, "wg1");
	assert_true(cfg.existing_interface);
	assert_true(cfg.no_transit);
	assert_int_equal(cfg.wg_port, 41000);
	assert_int_equal(cfg.admin_port, 40001);	/* not given: peer.yaml's */
	config_free(&cfg);
}

/* Errors about this node point at peer.yaml's line, or at the command line. */
static void test_load_self_errors(void **state)
{
	struct scratch *s = *state;
	struct config_cli cli = { .net_path = s->net, .peer_path = s->peer };
	struct config cfg;
	struct config_msgs m;
	char want[300];

	put_file(s->net, NET, strlen(NET), 0600);
	put_file(s->peer, "name: dave\nwgIp: 10.2.0.1\n", 26, 0600);
	assert_int_equal(load(&cli, &cfg, &m), -EINVAL);
	assert_int_equal(m.n_stored, 1);
	snprintf(want, sizeof(want), "%s:2:7: this node's wgIp 10.2.0.1 is outside subnet 10.1.1.0/24",
		 s->peer);
	assert_string_equal(m.msg[0].text, want);
	config_free(&cfg);

	cli.address = "10.1.1.255";
	assert_int_equal(load(&cli, &cfg, &m), -EINVAL);
	assert_int_equal(m.n_stored, 1);
	assert_string_equal(m.msg[0].text, "command line: this node's wgIp 10.1.1.255 is the network "
					   "or broadcast address of 10.1.1.0/24");
	config_free(&cfg);

	cli.address = "10.1.1.5";
	cli.name = "no spaces";
	cli.wg_port = 50505;	/* == default admin port of .5 */
	assert_int_equal(load(&cli, &cfg, &m), -EINVAL);
	assert_int_equal(m.n_stored, 2);
	assert_string_equal(m.msg[0].text, "command line: -n 'no spaces': a name may hold only "
					   "letters, digits, '-', '_' and '.'");
	assert_string_equal(m.msg[1].text, "command line: WireGuard port and admin port are both 50505");
	config_free(&cfg);

	cli.name = "dave";
	cli.wg_port = 0;
	cli.address = "10.1.1.300";	/* the bad -a must not replace the good wgIp */
	put_file(s->peer, "wgIp: 10.1.1.7\n", 15, 0600);
	assert_int_equal(load(&cli, &cfg, &m), -EINVAL);
	assert_int_equal(m.n_stored, 1);
	assert_string_equal(m.msg[0].text, "command line: -a '10.1.1.300' is not an IP address");
	assert_addr(&cfg.wg_ip, "10.1.1.7");
	config_free(&cfg);
}

/*
 * Routes and exit nodes against the whole configuration: a route over the
 * overlay subnet (where peer.yaml wrote it), this node as its own exit
 * node, offering and using an exit at once; --route replaces peer.yaml's
 * list and is checked the same way; --use-exit-node auto.
 */
static void test_load_routes(void **state)
{
	struct scratch *s = *state;
	struct config_cli cli = { .net_path = s->net, .peer_path = s->peer };
	struct config cfg;
	struct config_msgs m;
	char want[300];
	static const char net[] = NET "  allowExitNodes: true\n";
	static const char peer[] = "name: dave\nwgIp: 10.1.1.4\nroutes:\n  - 192.168.7.0/24\n"
				   "  - 10.1.0.0/16\nuseExitNode: dave\nexitNode: true\n";

	put_file(s->net, net, strlen(net), 0600);
	put_file(s->peer, peer, strlen(peer), 0600);
	assert_int_equal(load(&cli, &cfg, &m), -EINVAL);
	assert_int_equal(m.n_stored, 3);
	snprintf(want, sizeof(want), "%s:5:5: route 10.1.0.0/16 overlaps the overlay subnet 10.1.1.0/24",
		 s->peer);
	assert_string_equal(m.msg[0].text, want);
	assert_string_equal(m.msg[1].text, "command line: useExitNode names this node (dave): name "
					   "another node, or 'auto'");
	assert_string_equal(m.msg[2].text, "command line: this node offers an exit (exitNode) and "
					   "would use one (useExitNode): choose one");
	config_free(&cfg);

	/* the command line replaces the list, and says what is wrong with it */
	cli.rt.routes[0] = "192.168.9.0/24";
	cli.rt.routes[1] = "10.1.1.0/25";
	cli.rt.routes[2] = "192.168.9.1/24";
	cli.rt.n_routes = 3;
	cli.rt.use_exit = "auto";
	put_file(s->peer, peer, strlen(peer) - strlen("exitNode: true\n"), 0600);
	assert_int_equal(load(&cli, &cfg, &m), -EINVAL);
	assert_int_equal(m.n_stored, 2);
	assert_string_equal(m.msg[0].text, "command line: --route '192.168.9.1/24' has host bits set");
	assert_string_equal(m.msg[1].text, "command line: route 10.1.1.0/25 overlaps the overlay "
					   "subnet 10.1.1.0/24");
	config_free(&cfg);

	cli.rt.n_routes = 1;
	assert_int_equal(load(&cli, &cfg, &m), 0);
	assert_int_equal(cfg.rt.n_routes, 1);
	assert_int_equal(cfg.rt.routes[0].p.len, 24);
	assert_int_equal(cfg.rt.use_exit, CONFIG_EXIT_AUTO);
	assert_true(cfg.rt.allow_exit_nodes);
	assert_true(cfg.rt.masquerade);
	config_free(&cfg);
}

static void test_load_missing_files(void **state)
{
	struct scratch *s = *state;
	struct config_cli cli = { .net_path = s->net, .peer_path = s->peer, .address = "10.1.1.2",
				  .name = "x" };
	struct config cfg;
	struct config_msgs m;
	char want[300];

	unlink(s->net);
	unlink(s->peer);
	assert_int_equal(load(&cli, &cfg, &m), -EINVAL);
	assert_int_equal(m.n_errors, 2);
	snprintf(want, sizeof(want), "%s: cannot open: No such file or directory", s->net);
	assert_string_equal(m.msg[0].text, want);
	snprintf(want, sizeof(want), "%s: cannot open: No such file or directory", s->peer);
	assert_string_equal(m.msg[1].text, want);
	config_free(&cfg);

	/* a FIFO must not block the open */
	assert_int_equal(mkfifo(s->net, 0600), 0);
	config_msgs_init(&m);
	{
		char *buf;
		size_t len;
		assert_int_equal(config_read_file(s->net, true, &buf, &len, &m), -EINVAL);
	}
	snprintf(want, sizeof(want), "%s: not a regular file", s->net);
	assert_string_equal(m.msg[0].text, want);
	unlink(s->net);

	cli.net_path = s->dir;	/* a directory */
	cli.peer_path = NULL;
	if (access(CONFIG_PEER_PATH, F_OK) == 0)
		skip();
	assert_int_equal(load(&cli, &cfg, &m), -EINVAL);
	snprintf(want, sizeof(want), "%s: not a regular file", s->dir);
	assert_string_equal(m.msg[0].text, want);
	config_free(&cfg);
}

static void test_permission_warning(void **state)
{
	struct scratch *s = *state;
	struct config_msgs m;
	char want[400];
	char *buf;
	size_t len;

	put_file(s->net, NET, strlen(NET), 0644);
	config_msgs_init(&m);
	assert_int_equal(config_read_file(s->net, true, &buf, &len, &m), 0);
	assert_int_equal(len, strlen(NET));
	assert_int_equal(m.n_warnings, 1);
	snprintf(want, sizeof(want), "%s: warning: holds the shared key but others can read it "
		 "(mode 644); run: chmod 600 %s", s->net, s->net);
	assert_string_equal(m.msg[0].text, want);
	free(buf);

	put_file(s->net, NET, strlen(NET), 0640);	/* the group is "others" too */
	config_msgs_init(&m);
	assert_int_equal(config_read_file(s->net, true, &buf, &len, &m), 0);
	assert_int_equal(m.n_warnings, 1);
	free(buf);

	put_file(s->net, NET, strlen(NET), 0600);
	config_msgs_init(&m);
	assert_int_equal(config_read_file(s->net, true, &buf, &len, &m), 0);
	assert_int_equal(m.n_stored, 0);
	free(buf);

	put_file(s->net, NET, strlen(NET), 0644);	/* peer.yaml holds no secret */
	config_msgs_init(&m);
	assert_int_equal(config_read_file(s->net, false, &buf, &len, &m), 0);
	assert_int_equal(m.n_stored, 0);
	free(buf);
}

/*
 * Whoever may write net.yaml may change the key and the peers: a file
 * writable by the group or others, or owned by another user than root or
 * us, is refused (not only warned about).
 */
static void test_permission_refused(void **state)
{
	static const mode_t writable[] = { 0620, 0602, 0660, 0666 };
	struct scratch *s = *state;
	struct config_msgs m;
	char want[400];
	char *buf = NULL;
	size_t len;

	for (size_t i = 0; i < sizeof(writable) / sizeof(writable[0]); i++) {
		put_file(s->net, NET, strlen(NET), writable[i]);
		config_msgs_init(&m);
		assert_int_equal(config_read_file(s->net, true, &buf, &len, &m), -EPERM);
		assert_null(buf);
		assert_int_equal(m.n_errors, 1);
		snprintf(want, sizeof(want), "%s: holds the shared key but others can change it "
			 "(mode %03o); run: chmod 600 %s", s->net, (unsigned)writable[i], s->net);
		assert_string_equal(m.msg[0].text, want);
	}
	/* the whole load fails with it */
	{
		struct config_cli cli = { .net_path = s->net, .address = "10.1.1.21",
					  .name = "charlie" };
		struct config cfg;

		assert_int_equal(load(&cli, &cfg, &m), -EINVAL);
		config_free(&cfg);
	}
	/* a peer.yaml holds no secret: another matter */
	put_file(s->net, NET, strlen(NET), 0666);
	config_msgs_init(&m);
	assert_int_equal(config_read_file(s->net, false, &buf, &len, &m), 0);
	free(buf);
	buf = NULL;

	if (geteuid() != 0) {
		print_message("not root: the owner check is not tried\n");
		return;
	}
	put_file(s->net, NET, strlen(NET), 0600);
	assert_int_equal(chown(s->net, 65534, 65534), 0);
	config_msgs_init(&m);
	assert_int_equal(config_read_file(s->net, true, &buf, &len, &m), -EPERM);
	snprintf(want, sizeof(want), "%s: holds the shared key but belongs to uid 65534, not to "
		 "root or to us; run: chown root %s", s->net, s->net);
	assert_string_equal(m.msg[0].text, want);
	assert_int_equal(chown(s->net, 0, 0), 0);
	config_msgs_init(&m);
	assert_int_equal(config_read_file(s->net, true, &buf, &len, &m), 0);
	free(buf);
}

/*
 * libyaml frees its buffers without wiping them. Every block it frees
 * passes through yaml_free() (libyaml calls it through the PLT, so this
 * definition takes its place): none may still hold the key's text.
 */
static int yaml_free_watch;
static unsigned yaml_free_blocks, yaml_free_with_key;

void yaml_free(void *ptr);
void yaml_free(void *ptr)
{
	if (ptr && yaml_free_watch) {
		size_t n = malloc_usable_size(ptr);

		yaml_free_blocks++;
		if (memmem(ptr, n, KEY, strlen(KEY)) || memmem(ptr, n, "8Ls3lTyPqH2oX6vT", 16))
			yaml_free_with_key++;
	}
	free(ptr);
}

static void test_key_wiped_from_libyaml(void **state)
{
	static const char net[] = "# the key\n" NET "peers:\n"
				  "  - {endPoint: \"beta.example.net:50002\", wgIp: 10.1.1.2}\n";
	static const char broken[] = NET "peers: [\n";	/* an error after the key */
	struct config cfg;
	struct config_msgs m;

	(void)state;
	yaml_free_watch = 1;
	yaml_free_blocks = yaml_free_with_key = 0;
	assert_int_equal(parse(false, &cfg, net, strlen(net), &m), 0);
	assert_true(cfg.has_shared_key);
	config_free(&cfg);
	assert_int_equal(parse(false, &cfg, broken, strlen(broken), &m), -EINVAL);
	config_free(&cfg);
	/* the other secrets: the shared key being replaced, this node's identity */
	assert_int_equal(parse(false, &cfg, Y(NET "  previousSharedKey: " KEY "\n"), &m), 0);
	assert_true(cfg.mb.has_prev_key);
	config_free(&cfg);
	assert_int_equal(parse(true, &cfg, Y("identityKey: " KEY "\nname: x\n"), &m), 0);
	assert_true(cfg.mb.has_identity);
	config_free(&cfg);
	assert_int_equal(parse(true, &cfg, Y("identityKey: " KEY "\nname: [\n"), &m), -EINVAL);
	config_free(&cfg);
	yaml_free_watch = 0;
	assert_true(yaml_free_blocks > 10);	/* the hook saw libyaml at work */
	assert_int_equal(yaml_free_with_key, 0);
}

static void test_size_limit(void **state)
{
	struct scratch *s = *state;
	struct config_msgs m;
	char *big = malloc(CONFIG_MAX_FILE + 1);
	char want[300];
	size_t len, hdr = strlen(NET);
	char *buf;

	assert_non_null(big);
	/* exactly the limit: NET, then comment lines */
	memcpy(big, NET, hdr);
	memset(big + hdr, '#', CONFIG_MAX_FILE - hdr);
	for (size_t i = hdr + 99; i < CONFIG_MAX_FILE; i += 100)
		big[i] = '\n';
	big[CONFIG_MAX_FILE - 1] = '\n';
	put_file(s->net, big, CONFIG_MAX_FILE, 0600);
	config_msgs_init(&m);
	assert_int_equal(config_read_file(s->net, true, &buf, &len, &m), 0);
	assert_int_equal(len, CONFIG_MAX_FILE);
	{
		struct config cfg;
		assert_int_equal(parse(false, &cfg, buf, len, &m), 0);
		assert_int_equal(m.n_stored, 0);
		config_free(&cfg);
	}
	free(buf);

	big[CONFIG_MAX_FILE] = '\n';
	put_file(s->net, big, CONFIG_MAX_FILE + 1, 0600);
	config_msgs_init(&m);
	assert_int_equal(config_read_file(s->net, true, &buf, &len, &m), -EFBIG);
	assert_null(buf);
	snprintf(want, sizeof(want), "%s: file is %d bytes; the limit is %d", s->net,
		 CONFIG_MAX_FILE + 1, CONFIG_MAX_FILE);
	assert_string_equal(m.msg[0].text, want);
	free(big);
}

/* config_print shows the effective configuration but never the key. */
static void test_print_no_secret(void **state)
{
	static const char net[] = NET "peers:\n  - {endPoint: \"[2001:db8::2]:7\", wgIp: 10.1.1.2}\n";
	struct scratch *s = *state;
	struct config_cli cli = { .net_path = s->net, .peer_path = s->peer, .address = "10.1.1.21",
				  .name = "charlie" };
	struct config cfg;
	struct config_msgs m;
	char *out = NULL;
	size_t outlen = 0;
	FILE *f;

	put_file(s->net, net, strlen(net), 0600);
	put_file(s->peer, "{}\n", 3, 0600);
	assert_int_equal(load(&cli, &cfg, &m), 0);
	f = open_memstream(&out, &outlen);
	assert_non_null(f);
	config_print(&cfg, f);
	fclose(f);
	assert_null(strstr(out, KEY));
	assert_null(strstr(out, "8Ls3l"));
	assert_non_null(strstr(out, "name:            charlie\n"));
	assert_non_null(strstr(out, "wgIp:            10.1.1.21\n"));
	assert_non_null(strstr(out, "WireGuard port:  50021\n"));
	assert_non_null(strstr(out, "admin port:      50521\n"));
	assert_non_null(strstr(out, "endPoint [2001:db8::2]:7  adminPort 50502\n"));
	free(out);
	config_free(&cfg);
	config_free(&cfg);	/* twice is harmless */
	config_free(NULL);
}

static void test_validators(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_true(name_valid("a", &why));
	assert_true(name_valid("host-1.lan_x", &why));
	assert_true(name_valid("abcdefghijklmnopqrstuvwxyz012345", &why));
	assert_false(name_valid("abcdefghijklmnopqrstuvwxyz0123456", &why));
	assert_false(name_valid("", &why));
	assert_false(name_valid("a/b", &why));
	assert_false(name_valid("\xc3\xa9", &why));
	assert_true(ifname_valid("wg0", &why));
	assert_true(ifname_valid("abcdefghijklmno", &why));
	assert_false(ifname_valid("abcdefghijklmnop", &why));
	assert_false(ifname_valid("..", &why));
	assert_false(ifname_valid("wg:0", &why));
	assert_false(ifname_valid("", &why));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_example_files),
		cmocka_unit_test(test_original_readme),
		cmocka_unit_test(test_extensions_and_endpoints),
		cmocka_unit_test(test_default_ports),
		cmocka_unit_test(test_message_overflow),
		cmocka_unit_test(test_hostile_bounded),
		cmocka_unit_test(test_binary_garbage),
		cmocka_unit_test(test_validators),
		cmocka_unit_test_setup_teardown(test_load_defaults, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_load_self_static, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_load_cli_overrides_peer_yaml, scratch_setup,
						scratch_teardown),
		cmocka_unit_test_setup_teardown(test_load_routes, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_load_self_errors, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_load_missing_files, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_permission_warning, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_permission_refused, scratch_setup, scratch_teardown),
		cmocka_unit_test(test_key_wiped_from_libyaml),
		cmocka_unit_test_setup_teardown(test_size_limit, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_print_no_secret, scratch_setup, scratch_teardown),
	};

	if (sodium_init() < 0)
		return 1;
	if (getenv("WGNM_TEST_FILTER"))
		cmocka_set_test_filter(getenv("WGNM_TEST_FILTER")); /* one test: WGNM_TEST_FILTER=name */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
