/*
 * A YAML schema walker for configuration files: read a file, load its one
 * document with libyaml and walk it against a schema the caller gives as
 * tables of keys, collecting every problem as "file:line:col: message".
 *
 * The model: a file is checked and read whole (yamlwalk_read_file), then
 * yamlwalk_document checks it for hostile shapes (depth, aliases of lists
 * and mappings, a second document) before libyaml builds the node tree,
 * walks the top mapping and hands each known key's value to its reader.
 * Readers use the scalar parsers here and report through yamlwalk_error
 * and yamlwalk_warn; nothing here knows what a key means. Parsing never
 * stops at the first problem, so an operator fixes a file in one pass.
 * Every scalar libyaml held is wiped before it is freed, so a secret in
 * the file leaves no copy behind.
 *
 * The message collection keeps its config_ names: it is the configuration's
 * one list of problems, filled by this walker, the schema (config.c) and
 * the command-line checks alike.
 */
#ifndef WGNM_YAMLWALK_H
#define WGNM_YAMLWALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <yaml.h>

#define CONFIG_MSGS_MAX 64
#define CONFIG_MSG_LEN 256
#define YAMLWALK_MAX_DEPTH 16	/* nesting of lists and mappings */
#define YAMLWALK_MAX_KEYS 64	/* keys in one mapping */

struct config_msgs {
	unsigned n_errors;
	unsigned n_warnings;
	unsigned n_stored;
	unsigned n_dropped;	/* beyond CONFIG_MSGS_MAX */
	struct {
		bool warning;
		char text[CONFIG_MSG_LEN];
	} msg[CONFIG_MSGS_MAX];
};

void config_msgs_init(struct config_msgs *m);
void config_msgs_print(const struct config_msgs *m, FILE *out);
/*
 * Add a message: "file:line:col: " (file NULL: no location, line 0: the
 * file alone), "warning: " for a warning, then the text, cut to
 * CONFIG_MSG_LEN. Beyond CONFIG_MSGS_MAX messages only the counts grow.
 */
void config_msg(struct config_msgs *m, bool warning, const char *file, unsigned line,
		unsigned col, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/*
 * The word of the NULL-terminated list known nearest to word (by edit
 * distance, case-insensitive), or NULL if none is near enough to suggest:
 * "did you mean ...?" for keys and commands.
 */
const char *config_closest_word(const char *word, const char *const *known);

/*
 * Read a whole regular file of at most max bytes into a NUL-terminated
 * malloc'd buffer. secret names the secret the file holds ("the shared
 * key"), or is NULL. Whoever can change such a file can change the secret:
 * one others can write, or that belongs to another user than root or us,
 * is refused (-EPERM); one others can read is warned about; a buffer given
 * up on is wiped.
 */
int yamlwalk_read_file(const char *path, size_t max, const char *secret, char **buf,
		       size_t *len, struct config_msgs *msgs);

/*
 * A file read without yamlwalk_read_file's secret checks that turned out
 * to hold a secret after all (peer.yaml with identityKey): the same checks
 * on path now. 0 or -EPERM (said), or a negative errno of stat.
 */
int yamlwalk_check_secret(const char *path, const char *secret, struct config_msgs *msgs);

/* One document being walked, handed to every reader. */
struct yamlwalk;

/*
 * One key of a mapping's schema; a table of them ends with a NULL name.
 * read gets the value's node and the arg given to the walk.
 */
struct yamlwalk_key {
	const char *name;
	bool required;
	void (*read)(struct yamlwalk *w, yaml_node_t *value, void *arg);
};

/* What a document holds: a mapping of keys. */
struct yamlwalk_schema {
	const char *expected;	/* in "empty document; expected ..." */
	const struct yamlwalk_key *keys;
};

/*
 * Check buf, load its first document and walk its top mapping ("the
 * document") against schema. label names the file in messages. Returns 0
 * if no error was added, -EINVAL if one was, -ENOMEM if libyaml could not
 * start.
 */
int yamlwalk_document(const char *label, const char *buf, size_t len,
		      const struct yamlwalk_schema *schema, void *arg, struct config_msgs *msgs);

/*
 * Walk a mapping: refuse non-scalar and duplicate keys, warn about unknown
 * ones (naming the closest known one), hand known ones to their reader.
 * Returns false (after an error) if n is no mapping or holds more than
 * YAMLWALK_MAX_KEYS keys; what names it in messages ("network").
 */
bool yamlwalk_mapping(struct yamlwalk *w, yaml_node_t *n, const char *what,
		      const struct yamlwalk_key *keys, void *arg);
/* An error at map for each required key of keys it lacks. */
void yamlwalk_require(struct yamlwalk *w, const yaml_node_t *map, const char *what,
		      const struct yamlwalk_key *keys);

/*
 * A list of at most max items: its length in *len, or false after an
 * error. yamlwalk_item gives item i (NULL if libyaml lost it).
 */
bool yamlwalk_list(struct yamlwalk *w, const yaml_node_t *n, const char *what, size_t max,
		   size_t *len);
yaml_node_t *yamlwalk_item(const struct yamlwalk *w, const yaml_node_t *list, size_t i);

/*
 * Scalars, key naming the value in messages. A scalar that is missing
 * (empty, '~', null), no single value, or holds a NUL or a control
 * character is an error: NULL / false.
 */
const char *yamlwalk_scalar(struct yamlwalk *w, const yaml_node_t *n, const char *key);
bool yamlwalk_bool(struct yamlwalk *w, const yaml_node_t *n, const char *key, bool *out);
bool yamlwalk_uint(struct yamlwalk *w, const yaml_node_t *n, const char *key, unsigned min,
		   unsigned max, unsigned *out);
/* Wipe a scalar holding a secret now, not only when the document goes. */
void yamlwalk_wipe(yaml_node_t *n);

/* Where a node starts, 1-based. */
unsigned yamlwalk_line(const yaml_node_t *n);
unsigned yamlwalk_col(const yaml_node_t *n);
void yamlwalk_error(struct yamlwalk *w, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void yamlwalk_warn(struct yamlwalk *w, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
