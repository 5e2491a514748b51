/*
 * The YAML schema walker on a schema of its own, apart from the project's:
 * what it reports (exact file:line:col and text, in order), which readers
 * it calls with what, and what it refuses before building a tree.
 *
 * The test schema ("t.yaml"):
 *
 *   name: x          required, any single value
 *   count: 3         a number from 1 to 10
 *   flag: yes        true or false
 *   secret: s        wiped by its reader once read
 *   inner:           a mapping: a (required, 0..5), b (true or false)
 *     a: 1
 *   items:           a list of at most 3 mappings: id (required)
 *     - id: p
 *
 * Every reader appends what it got to a trace ("name=x@1:7"), so a row
 * says both the messages and which values reached the schema. Lines and
 * columns are 1-based; columns count characters, not bytes.
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
#include <unistd.h>
#include <sodium.h>

#include "yamlwalk.h"

/* A literal with its exact length, NUL bytes included. */
#define Y(s) s, sizeof(s) - 1

struct seen {
	char trace[512];
};

__attribute__((format(printf, 2, 3)))
static void seen_add(struct seen *s, const char *fmt, ...)
{
	size_t off = strlen(s->trace);
	va_list ap;

	if (off)
		off += (size_t)snprintf(s->trace + off, sizeof(s->trace) - off, " ");
	va_start(ap, fmt);
	vsnprintf(s->trace + off, sizeof(s->trace) - off, fmt, ap);
	va_end(ap);
}

static void read_name(struct yamlwalk *w, yaml_node_t *v, void *arg)
{
	const char *s = yamlwalk_scalar(w, v, "name");

	if (s)
		seen_add(arg, "name=%s@%u:%u", s, yamlwalk_line(v), yamlwalk_col(v));
}

static void read_count(struct yamlwalk *w, yaml_node_t *v, void *arg)
{
	unsigned n = 99;

	if (yamlwalk_uint(w, v, "count", 1, 10, &n))
		seen_add(arg, "count=%u", n);
	else
		assert_int_equal(n, 99);	/* untouched on an error */
}

static void read_flag(struct yamlwalk *w, yaml_node_t *v, void *arg)
{
	bool b;

	if (yamlwalk_bool(w, v, "flag", &b))
		seen_add(arg, "flag=%d", b);
}

static void read_secret(struct yamlwalk *w, yaml_node_t *v, void *arg)
{
	const char *s = yamlwalk_scalar(w, v, "secret");
	size_t len;

	if (!s)
		return;
	len = strlen(s);
	yamlwalk_wipe(v);
	assert_true(sodium_is_zero(v->data.scalar.value, len));
	seen_add(arg, "secret(%zu)", len);
}

static void read_a(struct yamlwalk *w, yaml_node_t *v, void *arg)
{
	unsigned n;

	if (yamlwalk_uint(w, v, "a", 0, 5, &n))
		seen_add(arg, "a=%u", n);
}

static void read_b(struct yamlwalk *w, yaml_node_t *v, void *arg)
{
	bool b;

	if (yamlwalk_bool(w, v, "b", &b))
		seen_add(arg, "b=%d", b);
}

static const struct yamlwalk_key inner_keys[] = {
	{ "a", true, read_a },
	{ "b", false, read_b },
	{ NULL, false, NULL },
};

static void read_inner(struct yamlwalk *w, yaml_node_t *v, void *arg)
{
	seen_add(arg, "inner{");
	if (yamlwalk_mapping(w, v, "inner", inner_keys, arg))
		yamlwalk_require(w, v, "inner", inner_keys);
	seen_add(arg, "}");
}

static void read_id(struct yamlwalk *w, yaml_node_t *v, void *arg)
{
	const char *s = yamlwalk_scalar(w, v, "id");

	if (s)
		seen_add(arg, "id=%s", s);
}

static const struct yamlwalk_key item_keys[] = {
	{ "id", true, read_id },
	{ NULL, false, NULL },
};

static void read_items(struct yamlwalk *w, yaml_node_t *v, void *arg)
{
	size_t n;

	if (!yamlwalk_list(w, v, "items", 3, &n))
		return;
	seen_add(arg, "items[%zu]", n);
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *item = yamlwalk_item(w, v, i);

		assert_non_null(item);
		if (yamlwalk_mapping(w, item, "an items entry", item_keys, arg))
			yamlwalk_require(w, item, "this items entry", item_keys);
	}
}

static const struct yamlwalk_key top_keys[] = {
	{ "name", true, read_name },
	{ "count", false, read_count },
	{ "flag", false, read_flag },
	{ "secret", false, read_secret },
	{ "inner", false, read_inner },
	{ "items", false, read_items },
	{ NULL, false, NULL },
};

static const struct yamlwalk_schema schema = {
	.expected = "a mapping like 'name: x'",
	.keys = top_keys,
};

struct walk_case {
	const char *name;
	const char *yaml;
	size_t len;
	unsigned errors, warnings;
	const char *msgs[6];	/* every stored message, in order */
	const char *trace;	/* what the readers got */
};

static const struct walk_case walk_cases[] = {
	{ "all_keys",
	  Y("name: x\ncount: 3\nflag: On\nsecret: s3cr3t\ninner:\n  a: 0\n  b: no\n"
	    "items:\n  - id: p\n  - {id: q}\n"),
	  0, 0, { NULL },
	  "name=x@1:7 count=3 flag=1 secret(6) inner{ a=0 b=0 } items[2] id=p id=q" },
	{ "document_order",
	  Y("items: []\ncount: 10\nname: \"quoted\"\n"),
	  0, 0, { NULL }, "items[0] count=10 name=quoted@3:7" },

	/* keys */
	{ "unknown_key_suggested",
	  Y("nmae: x\n"),
	  1, 1,
	  { "t.yaml:1:1: warning: unknown key 'nmae' in the document ignored (did you mean 'name'?)",
	    "t.yaml:1:1: the document lacks the required key 'name'" },
	  "" },
	{ "unknown_key_suggested_case",
	  Y("name: x\nCOUNT: 2\n"),
	  0, 1,
	  { "t.yaml:2:1: warning: unknown key 'COUNT' in the document ignored (did you mean 'count'?)" },
	  "name=x@1:7" },
	{ "unknown_key_listed",
	  Y("name: x\ncolour: red\n"),
	  0, 1,
	  { "t.yaml:2:1: warning: unknown key 'colour' in the document ignored (known keys: name, "
	    "count, flag, secret, inner, items)" },
	  "name=x@1:7" },
	{ "unknown_key_nested",
	  Y("name: x\ninner: {a: 1, bb: 2}\n"),
	  0, 1,
	  { "t.yaml:2:15: warning: unknown key 'bb' in inner ignored (did you mean 'b'?)" },
	  "name=x@1:7 inner{ a=1 }" },
	{ "duplicate_key",
	  Y("name: x\ncount: 1\nname: y\n"),
	  1, 0,
	  { "t.yaml:3:1: duplicate key 'name' in the document" },
	  "name=x@1:7 count=1" },
	{ "duplicate_key_nested",
	  Y("name: x\nitems:\n  - {id: a, id: b}\n"),
	  1, 0,
	  { "t.yaml:3:13: duplicate key 'id' in an items entry" },
	  "name=x@1:7 items[1] id=a" },
	{ "key_is_list",
	  Y("name: x\n[a, b]: 1\n"),
	  1, 0,
	  { "t.yaml:2:1: a key must be a single value, not a list" },
	  "name=x@1:7" },
	{ "key_is_empty",
	  Y("name: x\n? \n: 1\n"),
	  1, 0,
	  { "t.yaml:2:2: a key has no value" },
	  "name=x@1:7" },
	{ "required_missing_nested",
	  Y("name: x\ninner:\n  b: true\n"),
	  1, 0,
	  { "t.yaml:3:3: inner lacks the required key 'a'" },
	  "name=x@1:7 inner{ b=1 }" },

	/* types */
	{ "mapping_wanted",
	  Y("name: x\ninner: 5\n"),
	  1, 0,
	  { "t.yaml:2:8: inner must be a mapping (key: value), not a single value" },
	  "name=x@1:7 inner{ }" },
	{ "mapping_wanted_empty",
	  Y("name: x\ninner:\n"),
	  1, 0,
	  { "t.yaml:2:7: inner must be a mapping (key: value), not an empty value" },
	  "name=x@1:7 inner{ }" },
	{ "scalar_wanted",
	  Y("name: [a]\ncount: {a: 1}\n"),
	  2, 0,
	  { "t.yaml:1:7: name must be a single value, not a list",
	    "t.yaml:2:8: count must be a single value, not a mapping" },
	  "" },
	{ "list_wanted",
	  Y("name: x\nitems: {id: a}\n"),
	  1, 0,
	  { "t.yaml:2:8: items must be a list, not a mapping" },
	  "name=x@1:7" },
	{ "list_item_not_mapping",
	  Y("name: x\nitems: [p, {}]\n"),
	  2, 0,
	  { "t.yaml:2:9: an items entry must be a mapping (key: value), not a single value",
	    "t.yaml:2:12: this items entry lacks the required key 'id'" },
	  "name=x@1:7 items[2]" },
	{ "list_too_long",
	  Y("name: x\nitems: [{id: a}, {id: b}, {id: c}, {id: d}]\n"),
	  1, 0,
	  { "t.yaml:2:8: items lists 4 entries; at most 3 are supported" },
	  "name=x@1:7" },
	{ "list_at_limit",
	  Y("name: x\nitems: [{id: a}, {id: b}, {id: c}]\n"),
	  0, 0, { NULL }, "name=x@1:7 items[3] id=a id=b id=c" },
	{ "document_is_list",
	  Y("- name: x\n"),
	  1, 0,
	  { "t.yaml:1:1: the document must be a mapping (key: value), not a list" },
	  "" },

	/* scalars */
	{ "no_value",
	  Y("name:\ncount: ~\nflag: null\nsecret: NULL\n"),
	  4, 0,
	  { "t.yaml:1:6: name has no value", "t.yaml:2:8: count has no value",
	    "t.yaml:3:7: flag has no value", "t.yaml:4:9: secret has no value" },
	  "" },
	{ "quoted_empty_is_a_value",
	  Y("name: ''\n"),
	  0, 0, { NULL }, "name=@1:7" },
	{ "nul_byte",
	  Y("name: \"a\\0b\"\n"),
	  1, 0, { "t.yaml:1:7: name holds a NUL byte" }, "" },
	{ "control_characters",
	  Y("name: \"a\\tb\"\nsecret: \"\\x7f\"\ninner: {a: \"\\u0085\"}\n"),
	  3, 0,
	  { "t.yaml:1:7: name holds a control character",
	    "t.yaml:2:9: secret holds a control character",
	    "t.yaml:3:12: a holds a control character" },
	  "inner{ }" },
	{ "bool_words",
	  Y("name: x\nflag: maybe\ninner: {a: 0, b: \"TRUE\"}\n"),
	  1, 0,
	  { "t.yaml:2:7: flag must be true or false, not 'maybe'" },
	  "name=x@1:7 inner{ a=0 b=1 }" },
	{ "uint_range",
	  Y("name: x\ncount: 0\ninner: {a: 6}\n"),
	  2, 0,
	  { "t.yaml:2:8: count must be a number from 1 to 10, not '0'",
	    "t.yaml:3:12: a must be a number from 0 to 5, not '6'" },
	  "name=x@1:7 inner{ }" },
	{ "uint_not_a_number",
	  Y("name: x\ncount: -1\ninner: {a: 1x}\n"),
	  2, 0,
	  { "t.yaml:2:8: count must be a number from 1 to 10, not '-1'",
	    "t.yaml:3:12: a must be a number from 0 to 5, not '1x'" },
	  "name=x@1:7 inner{ }" },
	{ "uint_sign_and_overflow",
	  Y("name: x\ncount: +5\ninner: {a: 99999999999999999999999}\n"),
	  2, 0,
	  { "t.yaml:2:8: count must be a number from 1 to 10, not '+5'",
	    "t.yaml:3:12: a must be a number from 0 to 5, not '99999999999999999999999'" },
	  "name=x@1:7 inner{ }" },

	/* aliases */
	{ "alias_of_scalar_ok",
	  Y("name: &n x\nitems: [{id: *n}]\n"),
	  0, 0, { NULL }, "name=x@1:7 items[1] id=x" },
	{ "alias_of_mapping_refused",
	  Y("inner: &m {a: 1}\nitems: [*m]\n"),
	  1, 0,
	  { "t.yaml:2:9: alias *m refers to a list or mapping; only single values may be aliased" },
	  NULL },
	{ "alias_of_list_refused",
	  Y("name: x\nitems: &l [{id: a}]\ninner: *l\n"),
	  1, 0,
	  { "t.yaml:3:8: alias *l refers to a list or mapping; only single values may be aliased" },
	  NULL },
	{ "alias_undefined",
	  Y("name: *nope\n"),
	  1, 0, { "t.yaml:1:7: YAML error: found undefined alias" }, NULL },

	/* documents */
	{ "empty_document",
	  Y(""),
	  1, 0, { "t.yaml:1:1: empty document; expected a mapping like 'name: x'" }, NULL },
	{ "comment_only",
	  Y("# nothing here\n"),
	  1, 0, { "t.yaml:1:1: empty document; expected a mapping like 'name: x'" }, NULL },
	{ "null_document",
	  Y("~\n"),
	  1, 0, { "t.yaml:1:1: empty document; expected a mapping like 'name: x'" }, "" },
	{ "second_document_last",
	  Y("nmae: x\n---\nname: y\n"),
	  2, 1,
	  { "t.yaml:1:1: warning: unknown key 'nmae' in the document ignored (did you mean 'name'?)",
	    "t.yaml:1:1: the document lacks the required key 'name'",
	    "t.yaml:2:1: a second YAML document; a config file holds only one" },
	  "" },

	/* libyaml's errors, with positions */
	{ "tab_indent",
	  Y("name: x\ninner:\n\ta: 1\n"),
	  1, 0,
	  { "t.yaml:3:1: YAML error: a tab character; YAML indents with spaces only" }, NULL },
	{ "flow_not_closed",
	  Y("name: x\nitems: [a, b\n"),
	  1, 0,
	  { "t.yaml:3:1: YAML error: did not find expected ',' or ']' while parsing a flow "
	    "sequence started at 2:8" },
	  NULL },
	{ "invalid_utf8",
	  Y("name: \xc3\xa4\xc3\xa4\xff\n"),
	  1, 0,
	  { "t.yaml:1:9: YAML error: invalid leading UTF-8 octet (byte 0xff); the file must be "
	    "UTF-8 text" },
	  NULL },
	{ "control_in_text",
	  Y("name: x\ncount: 1\x01\n"),
	  1, 0,
	  { "t.yaml:2:9: YAML error: control characters are not allowed (U+0001)" }, NULL },
};

static int walk(const char *yaml, size_t len, struct seen *seen, struct config_msgs *m)
{
	memset(seen, 0, sizeof(*seen));
	config_msgs_init(m);
	return yamlwalk_document("t.yaml", yaml, len, &schema, seen, m);
}

static void dump(const char *name, const struct config_msgs *m, const struct seen *seen)
{
	print_message("case %s produced:\n", name);
	for (unsigned i = 0; i < m->n_stored; i++)
		print_message("  %s\n", m->msg[i].text);
	print_message("  trace: %s\n", seen->trace);
}

static void check_case(const struct walk_case *c)
{
	struct seen seen;
	struct config_msgs m;
	unsigned listed = 0;
	int r = walk(c->yaml, c->len, &seen, &m);

	while (listed < 6 && c->msgs[listed])
		listed++;
	if (m.n_errors != c->errors || m.n_warnings != c->warnings || m.n_stored != listed)
		dump(c->name, &m, &seen);
	assert_int_equal(m.n_errors, c->errors);
	assert_int_equal(m.n_warnings, c->warnings);
	assert_int_equal(m.n_stored, listed);
	assert_int_equal(r, c->errors ? -EINVAL : 0);
	for (unsigned i = 0; i < listed; i++) {
		if (strcmp(m.msg[i].text, c->msgs[i]) != 0)
			dump(c->name, &m, &seen);
		assert_string_equal(m.msg[i].text, c->msgs[i]);
		assert_int_equal(m.msg[i].warning, strstr(c->msgs[i], ": warning: ") != NULL);
	}
	/* NULL: the tree was never walked, no reader was called */
	if (strcmp(seen.trace, c->trace ? c->trace : "") != 0)
		dump(c->name, &m, &seen);
	assert_string_equal(seen.trace, c->trace ? c->trace : "");
}

static void test_walk_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(walk_cases) / sizeof(walk_cases[0]); i++)
		check_case(&walk_cases[i]);
}

/* Documents too large for the table: built here, with one message each. */
static char *nested(unsigned depth)
{
	char *s = malloc(2 * depth + 16);
	size_t off;

	assert_non_null(s);
	off = (size_t)sprintf(s, "name: ");
	for (unsigned i = 0; i < depth; i++)
		s[off++] = '[';
	for (unsigned i = 0; i < depth; i++)
		s[off++] = ']';
	s[off] = '\0';
	return s;
}

/*
 *   name: [[[ ... ]]]      the document's mapping is level 1, so 15
 *         ^col 7           brackets are 16 levels, 16 brackets one too many
 */
static void test_depth_limit(void **state)
{
	struct seen seen;
	struct config_msgs m;
	char *ok = nested(YAMLWALK_MAX_DEPTH - 1), *deep = nested(YAMLWALK_MAX_DEPTH);
	char *very = nested(5000);

	(void)state;
	assert_int_equal(walk(ok, strlen(ok), &seen, &m), -EINVAL);
	assert_int_equal(m.n_errors, 1);
	assert_string_equal(m.msg[0].text, "t.yaml:1:7: name must be a single value, not a list");

	assert_int_equal(walk(deep, strlen(deep), &seen, &m), -EINVAL);
	assert_int_equal(m.n_errors, 1);
	assert_string_equal(m.msg[0].text, "t.yaml:1:22: lists and mappings nested deeper than 16 levels");
	assert_string_equal(seen.trace, "");

	/* libyaml's scanner is quadratic in the depth: the pass stops at the limit */
	assert_int_equal(walk(very, strlen(very), &seen, &m), -EINVAL);
	assert_int_equal(m.n_errors, 1);
	assert_string_equal(m.msg[0].text, "t.yaml:1:22: lists and mappings nested deeper than 16 levels");
	free(ok);
	free(deep);
	free(very);
}

static char *many_keys(unsigned n)
{
	char *s = malloc(16 * n + 16);
	size_t off;

	assert_non_null(s);
	off = (size_t)sprintf(s, "name: x\ninner:\n");

	for (unsigned i = 0; i < n; i++)
		off += (size_t)sprintf(s + off, "  k%u: 1\n", i);
	return s;
}

static void test_key_limit(void **state)
{
	struct seen seen;
	struct config_msgs m;
	char *ok = many_keys(YAMLWALK_MAX_KEYS), *over = many_keys(YAMLWALK_MAX_KEYS + 1);

	(void)state;
	/* 64 unknown keys are walked (a warning each) and 'a' is missing */
	assert_int_equal(walk(ok, strlen(ok), &seen, &m), -EINVAL);
	assert_int_equal(m.n_warnings, YAMLWALK_MAX_KEYS);
	assert_int_equal(m.n_errors, 1);
	assert_int_equal(m.n_dropped, 1);

	/* one more and the mapping is refused whole, its keys unread */
	assert_int_equal(walk(over, strlen(over), &seen, &m), -EINVAL);
	assert_int_equal(m.n_warnings, 0);
	assert_int_equal(m.n_errors, 1);
	assert_string_equal(m.msg[0].text, "t.yaml:3:3: inner has 65 keys; at most 64 are allowed");
	assert_string_equal(seen.trace, "name=x@1:7 inner{ }");
	free(ok);
	free(over);
}

/* An alias bomb: each level names the one before nine times over. */
static void test_alias_bomb(void **state)
{
	struct seen seen;
	struct config_msgs m;
	char buf[2048];
	size_t off = (size_t)sprintf(buf, "name: x\nitems: &a0 [{id: lol}]\n");

	(void)state;
	for (int i = 1; i < 9; i++) {
		off += (size_t)sprintf(buf + off, "k%d: &a%d [", i, i);
		for (int j = 0; j < 9; j++)
			off += (size_t)sprintf(buf + off, "%s*a%d", j ? ", " : "", i - 1);
		off += (size_t)sprintf(buf + off, "]\n");
	}
	assert_int_equal(walk(buf, off, &seen, &m), -EINVAL);
	assert_int_equal(m.n_errors, 8 * 9);
	assert_string_equal(m.msg[0].text, "t.yaml:3:10: alias *a0 refers to a list or mapping; "
					   "only single values may be aliased");
	assert_string_equal(seen.trace, "");
}

static void test_anchor_limit(void **state)
{
	struct seen seen;
	struct config_msgs m;
	char buf[4096];
	size_t off = (size_t)sprintf(buf, "name: x\nitems:\n");

	(void)state;
	for (int i = 0; i <= 64; i++)
		off += (size_t)sprintf(buf + off, "  - &a%d {id: x}\n", i);
	assert_int_equal(walk(buf, off, &seen, &m), -EINVAL);
	assert_int_equal(m.n_errors, 1);
	assert_string_equal(m.msg[0].text, "t.yaml:67:5: more than 64 anchors on lists or mappings");
}

/* ---- did you mean ---- */

static void test_closest_word(void **state)
{
	static const char *const known[] = { "sharedKey", "subnet", "mtu", "lanPort", NULL };
	static const struct {
		const char *word, *want;
	} cases[] = {
		{ "sharedkey", "sharedKey" },	/* case does not count */
		{ "sharedKye", "sharedKey" },	/* two edits */
		{ "subnett", "subnet" },
		{ "mut", "mtu" },
		{ "lanport", "lanPort" },
		{ "lan", NULL },		/* four edits, a third of three letters */
		{ "colour", NULL },
		{ "", NULL },			/* three edits to "mtu": too many */
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL },	/* too long to measure */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = config_closest_word(cases[i].word, known);
		if (cases[i].want)
			assert_string_equal(got, cases[i].want);
		else
			assert_null(got);
	}
}

/* ---- messages ---- */

static void test_message_forms(void **state)
{
	struct config_msgs m;
	char long_text[400];
	char out[CONFIG_MSGS_MAX * CONFIG_MSG_LEN];
	FILE *f;

	(void)state;
	config_msgs_init(&m);
	config_msg(&m, false, "a.yaml", 3, 4, "at %s", "a place");
	config_msg(&m, true, "a.yaml", 0, 0, "the whole file");
	config_msg(&m, false, NULL, 0, 0, "nowhere");
	memset(long_text, 'x', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	config_msg(&m, true, "a.yaml", 1, 1, "%s", long_text);
	assert_int_equal(m.n_errors, 2);
	assert_int_equal(m.n_warnings, 2);
	assert_string_equal(m.msg[0].text, "a.yaml:3:4: at a place");
	assert_string_equal(m.msg[1].text, "a.yaml: warning: the whole file");
	assert_string_equal(m.msg[2].text, "nowhere");
	assert_int_equal(strlen(m.msg[3].text), CONFIG_MSG_LEN - 1);
	assert_memory_equal(m.msg[3].text, "a.yaml:1:1: warning: xxx", 24);

	for (int i = 0; i < CONFIG_MSGS_MAX + 3; i++)
		config_msg(&m, false, "a.yaml", 1, 1, "more");
	assert_int_equal(m.n_stored, CONFIG_MSGS_MAX);
	assert_int_equal(m.n_dropped, 7);
	assert_int_equal(m.n_errors, 2 + CONFIG_MSGS_MAX + 3);
	f = fmemopen(out, sizeof(out), "w");
	assert_non_null(f);
	config_msgs_print(&m, f);
	fclose(f);
	assert_non_null(strstr(out, "a.yaml:1:1: more\n... and 7 more\n"));
}

/* ---- files ---- */

struct scratch {
	char dir[64];
	char path[96];
};

static int scratch_setup(void **state)
{
	struct scratch *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	snprintf(s->dir, sizeof(s->dir), "/tmp/test_yamlwalk.XXXXXX");
	if (!mkdtemp(s->dir)) {
		free(s);
		return -1;
	}
	snprintf(s->path, sizeof(s->path), "%s/f.yaml", s->dir);
	*state = s;
	return 0;
}

static int scratch_teardown(void **state)
{
	struct scratch *s = *state;

	unlink(s->path);
	rmdir(s->dir);
	free(s);
	return 0;
}

static void put_file(const char *path, const char *data, size_t len, mode_t mode)
{
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void test_read_file(void **state)
{
	struct scratch *s = *state;
	struct config_msgs m;
	char want[300], *buf;
	size_t len;

	put_file(s->path, "name: x\n", 8, 0666);	/* no secret: any mode will do */
	config_msgs_init(&m);
	assert_int_equal(yamlwalk_read_file(s->path, 8, NULL, &buf, &len, &m), 0);
	assert_int_equal(len, 8);
	assert_string_equal(buf, "name: x\n");
	assert_int_equal(m.n_stored, 0);
	free(buf);

	assert_int_equal(yamlwalk_read_file(s->path, 7, NULL, &buf, &len, &m), -EFBIG);
	assert_null(buf);
	snprintf(want, sizeof(want), "%s: file is 8 bytes; the limit is 7", s->path);
	assert_string_equal(m.msg[0].text, want);

	config_msgs_init(&m);
	assert_int_equal(yamlwalk_read_file(s->dir, 100, NULL, &buf, &len, &m), -EINVAL);
	snprintf(want, sizeof(want), "%s: not a regular file", s->dir);
	assert_string_equal(m.msg[0].text, want);

	unlink(s->path);
	config_msgs_init(&m);
	assert_int_equal(yamlwalk_read_file(s->path, 100, NULL, &buf, &len, &m), -ENOENT);
	snprintf(want, sizeof(want), "%s: cannot open: No such file or directory", s->path);
	assert_string_equal(m.msg[0].text, want);
}

/* The secret's name goes into the messages; the checks are those of any secret. */
static void test_read_file_secret(void **state)
{
	struct scratch *s = *state;
	struct config_msgs m;
	char want[300], *buf = NULL;
	size_t len;

	put_file(s->path, "token: t\n", 9, 0620);
	config_msgs_init(&m);
	assert_int_equal(yamlwalk_read_file(s->path, 100, "the token", &buf, &len, &m), -EPERM);
	assert_null(buf);
	snprintf(want, sizeof(want), "%s: holds the token but others can change it (mode 620); "
		 "run: chmod 600 %s", s->path, s->path);
	assert_string_equal(m.msg[0].text, want);

	put_file(s->path, "token: t\n", 9, 0604);
	config_msgs_init(&m);
	assert_int_equal(yamlwalk_read_file(s->path, 100, "the token", &buf, &len, &m), 0);
	assert_int_equal(m.n_warnings, 1);
	snprintf(want, sizeof(want), "%s: warning: holds the token but others can read it "
		 "(mode 604); run: chmod 600 %s", s->path, s->path);
	assert_string_equal(m.msg[0].text, want);
	free(buf);

	put_file(s->path, "token: t\n", 9, 0600);
	config_msgs_init(&m);
	assert_int_equal(yamlwalk_read_file(s->path, 100, "the token", &buf, &len, &m), 0);
	assert_int_equal(m.n_stored, 0);
	free(buf);
}

/* ---- wiping ---- */

/*
 * libyaml frees its buffers without wiping them. Every block it frees
 * passes through yaml_free() (libyaml calls it through the PLT, so this
 * definition takes its place): none may still hold a value's text, the
 * secret's nor any other, on success or after an error. (Not a quoted
 * scalar never closed: libyaml's scanner frees the string it was building
 * unwiped, the gap yamlwalk.c names.)
 */
#define MARK "zq7Wk2Lp9xVbT4"
static int yaml_free_watch;
static unsigned yaml_free_blocks, yaml_free_with_mark;

void yaml_free(void *ptr);
void yaml_free(void *ptr)
{
	if (ptr && yaml_free_watch) {
		size_t n = malloc_usable_size(ptr);

		yaml_free_blocks++;
		if (memmem(ptr, n, MARK, 8))
			yaml_free_with_mark++;
	}
	free(ptr);
}

static void test_text_wiped_from_libyaml(void **state)
{
	static const char *const docs[] = {
		"# " MARK "\nname: x\nsecret: " MARK "\n",
		"name: " MARK "\nflag: \"" MARK "\"\n",		/* no reader wipes these */
		MARK ": 1\nname: x\n",				/* an unknown key */
		"name: x\nsecret: " MARK "\nitems: [\n",	/* an error after it */
		"secret: " MARK "\n---\nname: x\n",		/* a second document */
	};
	struct seen seen;
	struct config_msgs m;

	(void)state;
	yaml_free_watch = 1;
	yaml_free_blocks = yaml_free_with_mark = 0;
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		walk(docs[i], strlen(docs[i]), &seen, &m);
		if (yaml_free_with_mark)
			print_message("document %zu left its text in freed memory\n", i);
		assert_int_equal(yaml_free_with_mark, 0);
	}
	yaml_free_watch = 0;
	assert_true(yaml_free_blocks > 10);	/* the hook saw libyaml at work */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk_cases),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_key_limit),
		cmocka_unit_test(test_alias_bomb),
		cmocka_unit_test(test_anchor_limit),
		cmocka_unit_test(test_closest_word),
		cmocka_unit_test(test_message_forms),
		cmocka_unit_test_setup_teardown(test_read_file, scratch_setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(test_read_file_secret, scratch_setup,
						scratch_teardown),
		cmocka_unit_test(test_text_wiped_from_libyaml),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
