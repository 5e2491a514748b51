/*
 * The YAML schema walker; see yamlwalk.h for the model.
 *
 * Hostile input is bounded before the tree is built: a first pass over
 * libyaml's events (check_shape) refuses nesting deeper than
 * YAMLWALK_MAX_DEPTH (libyaml's scanner is quadratic in the depth of flow
 * collections), aliases of lists and mappings (so no node is walked twice:
 * no alias bombs, no cycles) and stops at a second document. Mappings
 * longer than YAMLWALK_MAX_KEYS are not walked, which keeps the
 * duplicate-key check small. libyaml's marks are 0-based, every message
 * here 1-based.
 */
#include "yamlwalk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#define MAX_COLLECTION_ANCHORS 64

struct yamlwalk {
	yaml_document_t *doc;
	const char *label;
	struct config_msgs *msgs;
};

/* ---- messages ---- */

void config_msgs_init(struct config_msgs *m)
{
	memset(m, 0, sizeof(*m));
}

__attribute__((format(printf, 6, 0)))
static void vmsg(struct config_msgs *m, bool warning, const char *file, unsigned line,
		 unsigned col, const char *fmt, va_list ap)
{
	const char *sev = warning ? "warning: " : "";
	char *out;
	int n;

	if (warning)
		m->n_warnings++;
	else
		m->n_errors++;
	if (m->n_stored >= CONFIG_MSGS_MAX) {
		m->n_dropped++;
		return;
	}
	out = m->msg[m->n_stored].text;
	if (file && line)
		n = snprintf(out, CONFIG_MSG_LEN, "%s:%u:%u: %s", file, line, col, sev);
	else if (file)
		n = snprintf(out, CONFIG_MSG_LEN, "%s: %s", file, sev);
	else
		n = snprintf(out, CONFIG_MSG_LEN, "%s", sev);
	if (n < 0)
		n = 0;
	/* the body goes straight after the location; long ones are cut */
	if ((size_t)n < CONFIG_MSG_LEN)
		vsnprintf(out + n, CONFIG_MSG_LEN - (size_t)n, fmt, ap);
	m->msg[m->n_stored].warning = warning;
	m->n_stored++;
}

void config_msg(struct config_msgs *m, bool warning, const char *file, unsigned line,
		unsigned col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(m, warning, file, line, col, fmt, ap);
	va_end(ap);
}

void config_msgs_print(const struct config_msgs *m, FILE *out)
{
	for (unsigned i = 0; i < m->n_stored; i++)
		fprintf(out, "%s\n", m->msg[i].text);
	if (m->n_dropped)
		fprintf(out, "... and %u more\n", m->n_dropped);
}

unsigned yamlwalk_line(const yaml_node_t *n)
{
	return (unsigned)n->start_mark.line + 1;
}

unsigned yamlwalk_col(const yaml_node_t *n)
{
	return (unsigned)n->start_mark.column + 1;
}

__attribute__((format(printf, 4, 5)))
static void error_at(struct yamlwalk *w, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(w->msgs, false, w->label, line, col, fmt, ap);
	va_end(ap);
}

void yamlwalk_error(struct yamlwalk *w, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(w->msgs, false, w->label, yamlwalk_line(n), yamlwalk_col(n), fmt, ap);
	va_end(ap);
}

void yamlwalk_warn(struct yamlwalk *w, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(w->msgs, true, w->label, yamlwalk_line(n), yamlwalk_col(n), fmt, ap);
	va_end(ap);
}

/* ---- did you mean ---- */

static unsigned edit_distance(const char *a, const char *b)
{
	unsigned row[40];
	size_t la = strlen(a), lb = strlen(b);

	if (la >= 39 || lb >= 39)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];
		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned cost = (a[i - 1] | 0x20) == (b[j - 1] | 0x20) ? 0 : 1;
			unsigned best = diag + cost;
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *config_closest_word(const char *word, const char *const *known)
{
	const char *best = known[0];
	unsigned best_d = edit_distance(word, best);
	size_t len = strlen(word);

	for (size_t i = 1; known[i]; i++) {
		unsigned d = edit_distance(word, known[i]);
		if (d < best_d) {
			best = known[i];
			best_d = d;
		}
	}
	return best_d <= 2 || best_d <= len / 3 ? best : NULL;
}

/* ---- files ---- */

/* Whoever can change the file can change the secret (and all the rest). */
static int check_secret_file(const char *path, const struct stat *st, const char *secret,
			     struct config_msgs *msgs)
{
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		config_msg(msgs, false, path, 0, 0,
			   "holds %s but others can change it (mode %03o); run: chmod 600 %s",
			   secret, (unsigned)(st->st_mode & 0777), path);
		return -EPERM;
	}
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		config_msg(msgs, false, path, 0, 0,
			   "holds %s but belongs to uid %u, not to root or to us; "
			   "run: chown root %s", secret, (unsigned)st->st_uid, path);
		return -EPERM;
	}
	if (st->st_mode & (S_IRGRP | S_IROTH))
		config_msg(msgs, true, path, 0, 0,
			   "holds %s but others can read it (mode %03o); run: chmod 600 %s", secret,
			   (unsigned)(st->st_mode & 0777), path);
	return 0;
}

int yamlwalk_check_secret(const char *path, const char *secret, struct config_msgs *msgs)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		int err = -errno;
		config_msg(msgs, false, path, 0, 0, "cannot check its mode: %s", strerror(-err));
		return err;
	}
	return check_secret_file(path, &st, secret, msgs);
}

/* Read size bytes, and one more to notice a file that grows meanwhile. */
static int read_whole(int fd, const char *path, char *data, size_t size, size_t *got,
			struct config_msgs *msgs)
{
	*got = 0;
	while (*got <= size) {
		ssize_t n = read(fd, data + *got, size + 1 - *got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;
			config_msg(msgs, false, path, 0, 0, "read failed: %s", strerror(-err));
			return err;
		}
		if (n == 0)
			break;
		*got += (size_t)n;
	}
	if (*got > size) {
		config_msg(msgs, false, path, 0, 0, "file changed while being read");
		return -EAGAIN;
	}
	return 0;
}

/* The checks before reading: a regular file, not too big, a secret kept. */
static int check_file(int fd, const char *path, size_t max, const char *secret,
		      struct stat *st, struct config_msgs *msgs)
{
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		config_msg(msgs, false, path, 0, 0, "not a regular file");
		return -EINVAL;
	}
	if ((uintmax_t)st->st_size > max) {
		config_msg(msgs, false, path, 0, 0, "file is %lld bytes; the limit is %zu",
			   (long long)st->st_size, max);
		return -EFBIG;
	}
	return secret ? check_secret_file(path, st, secret, msgs) : 0;
}

int yamlwalk_read_file(const char *path, size_t max, const char *secret, char **buf,
		       size_t *len, struct config_msgs *msgs)
{
	struct stat st;
	char *data = NULL;
	size_t got = 0;
	int fd, err;

	*buf = NULL;
	*len = 0;
	/* O_NONBLOCK: a FIFO given as the config must not hang the open */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		err = -errno;
		config_msg(msgs, false, path, 0, 0, "cannot open: %s", strerror(-err));
		return err;
	}
	err = check_file(fd, path, max, secret, &st, msgs);
	if (err < 0)
		goto out;
	data = malloc((size_t)st.st_size + 1);
	if (!data) {
		err = -ENOMEM;
		goto out;
	}
	err = read_whole(fd, path, data, (size_t)st.st_size, &got, msgs);
	if (err < 0)
		goto out;
	data[got] = '\0';
	*buf = data;
	*len = got;
	data = NULL;
out:
	if (data && secret)
		sodium_memzero(data, (size_t)st.st_size + 1);
	free(data);
	close(fd);
	return err;
}

/* ---- libyaml's errors, with their positions ---- */

/* libyaml's reader reports a byte offset, not a mark: count lines and characters. */
static void offset_to_mark(const char *buf, size_t len, size_t off, unsigned *line,
			   unsigned *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)buf[i] & 0xc0) != 0x80) {
			(*col)++;
		}
	}
}

/* The byte at a 1-based line and (character) column, or 0. */
static char char_at(const char *buf, size_t len, unsigned line, unsigned col)
{
	size_t i = 0;

	for (unsigned l = 1; l < line; l++) {
		const char *nl = memchr(buf + i, '\n', len - i);
		if (!nl)
			return 0;
		i = (size_t)(nl - buf) + 1;
	}
	for (unsigned c = 1; i < len && buf[i] != '\n'; i++) {
		if (((unsigned char)buf[i] & 0xc0) == 0x80)
			continue;
		if (c++ == col)
			return buf[i];
	}
	return 0;
}

static void reader_error(struct yamlwalk *w, const yaml_parser_t *parser, const char *buf,
			 size_t len)
{
	const char *problem = parser->problem ? parser->problem : "unknown problem";
	unsigned line, col;

	offset_to_mark(buf, len, parser->problem_offset, &line, &col);
	if (parser->problem_value < 0)
		error_at(w, line, col, "YAML error: %s", problem);
	else if (strstr(problem, "UTF-8"))
		error_at(w, line, col, "YAML error: %s (byte 0x%02x); the file must be UTF-8 text",
			 problem, (unsigned)parser->problem_value & 0xff);
	else
		error_at(w, line, col, "YAML error: %s (U+%04X)", problem,
			 (unsigned)parser->problem_value);
}

/* Scanner, parser and composer errors carry marks, and often a context. */
static void syntax_error(struct yamlwalk *w, const yaml_parser_t *parser, const char *buf,
			 size_t len)
{
	const char *problem = parser->problem ? parser->problem : "unknown problem";
	unsigned line = (unsigned)parser->problem_mark.line + 1;
	unsigned col = (unsigned)parser->problem_mark.column + 1;

	if (char_at(buf, len, line, col) == '\t')
		error_at(w, line, col,
			 "YAML error: a tab character; YAML indents with spaces only");
	else if (parser->context && (parser->context_mark.line != parser->problem_mark.line ||
				     parser->context_mark.column != parser->problem_mark.column))
		error_at(w, line, col, "YAML error: %s %s started at %u:%u", problem,
			 parser->context, (unsigned)parser->context_mark.line + 1,
			 (unsigned)parser->context_mark.column + 1);
	else if (parser->context)
		error_at(w, line, col, "YAML error: %s %s", problem, parser->context);
	else
		error_at(w, line, col, "YAML error: %s", problem);
}

static void yaml_error(struct yamlwalk *w, const yaml_parser_t *parser, const char *buf,
		       size_t len)
{
	if (parser->error == YAML_MEMORY_ERROR)
		error_at(w, 0, 0, "out of memory");
	else if (parser->error == YAML_READER_ERROR)
		reader_error(w, parser, buf, len);
	else
		syntax_error(w, parser, buf, len);
}

/* ---- wiping what libyaml held ---- */

/*
 * A file may hold a secret: libyaml's copies of the text go before libyaml
 * frees them (yaml_free does not wipe). Reached are the parser's input
 * buffers, tokens still queued after an error, every scalar of an event
 * and of the document. Not reached: the scanner's growing string buffers,
 * which realloc may leave behind in freed memory (the daemon is not
 * dumpable, so a core dump shows none of it).
 */
static void wipe_parser(yaml_parser_t *p)
{
	if (p->raw_buffer.start)
		sodium_memzero(p->raw_buffer.start,
			       (size_t)(p->raw_buffer.end - p->raw_buffer.start));
	if (p->buffer.start)
		sodium_memzero(p->buffer.start, (size_t)(p->buffer.end - p->buffer.start));
	for (yaml_token_t *t = p->tokens.head; t && t < p->tokens.tail; t++)
		if (t->type == YAML_SCALAR_TOKEN && t->data.scalar.value)
			sodium_memzero(t->data.scalar.value, t->data.scalar.length);
}

static void wipe_event(yaml_event_t *ev)
{
	if (ev->type == YAML_SCALAR_EVENT && ev->data.scalar.value)
		sodium_memzero(ev->data.scalar.value, ev->data.scalar.length);
}

void yamlwalk_wipe(yaml_node_t *n)
{
	if (n->type == YAML_SCALAR_NODE && n->data.scalar.value)
		sodium_memzero(n->data.scalar.value, n->data.scalar.length);
}

static void wipe_document(yaml_document_t *doc)
{
	for (yaml_node_t *n = doc->nodes.start; n && n < doc->nodes.top; n++)
		yamlwalk_wipe(n);
}

/* ---- the first pass: the document's shape ---- */

static bool parser_start(struct yamlwalk *w, yaml_parser_t *parser, const char *buf, size_t len)
{
	if (!yaml_parser_initialize(parser)) {
		error_at(w, 0, 0, "out of memory");
		return false;
	}
	yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(parser, (const unsigned char *)buf, len);
	return true;
}

struct shape {
	struct yamlwalk *w;
	char *anchors[MAX_COLLECTION_ANCHORS];	/* of lists and mappings */
	size_t n_anchors;
	unsigned depth, docs;
	unsigned second_line, second_col;	/* of a second document */
};

/* A list or mapping starts. Returns false if the walk must stop here. */
static bool shape_open(struct shape *s, const char *anchor, unsigned line, unsigned col)
{
	if (++s->depth > YAMLWALK_MAX_DEPTH) {
		error_at(s->w, line, col, "lists and mappings nested deeper than %d levels",
			 YAMLWALK_MAX_DEPTH);
		return false;
	}
	if (anchor && s->n_anchors == MAX_COLLECTION_ANCHORS) {
		error_at(s->w, line, col, "more than %d anchors on lists or mappings",
			 MAX_COLLECTION_ANCHORS);
		return false;
	}
	if (!anchor)
		return true;
	s->anchors[s->n_anchors] = strdup(anchor);
	if (!s->anchors[s->n_anchors]) {
		error_at(s->w, 0, 0, "out of memory");
		return false;
	}
	s->n_anchors++;
	return true;
}

static void shape_alias(const struct shape *s, const char *anchor, unsigned line, unsigned col)
{
	for (size_t i = 0; i < s->n_anchors; i++) {
		if (strcmp(s->anchors[i], anchor) == 0) {
			error_at(s->w, line, col, "alias *%.40s refers to a list or mapping; only "
				 "single values may be aliased", s->anchors[i]);
			return;
		}
	}
}

/* One event of the first pass. Returns false if the walk must stop here. */
static bool shape_event(struct shape *s, const yaml_event_t *ev)
{
	unsigned line = (unsigned)ev->start_mark.line + 1;
	unsigned col = (unsigned)ev->start_mark.column + 1;

	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++s->docs == 1)
			return true;
		s->second_line = line;
		s->second_col = col;
		return false;
	case YAML_SEQUENCE_START_EVENT:
		return shape_open(s, (const char *)ev->data.sequence_start.anchor, line, col);
	case YAML_MAPPING_START_EVENT:
		return shape_open(s, (const char *)ev->data.mapping_start.anchor, line, col);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		s->depth--;
		return true;
	case YAML_ALIAS_EVENT:
		shape_alias(s, (const char *)ev->data.alias.anchor, line, col);
		return true;
	case YAML_STREAM_END_EVENT:
		return false;
	case YAML_NO_EVENT:
	case YAML_STREAM_START_EVENT:
	case YAML_DOCUMENT_END_EVENT:
	case YAML_SCALAR_EVENT:
		break;
	}
	return true;
}

/*
 * First pass over the events. A second document's place stays in s, to be
 * reported after the first one's messages. False: build no tree.
 */
static bool check_shape(struct shape *s, const char *buf, size_t len)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	unsigned before = s->w->msgs->n_errors;
	bool more = true;

	if (!parser_start(s->w, &parser, buf, len))
		return false;
	while (more) {
		if (!yaml_parser_parse(&parser, &ev)) {
			yaml_error(s->w, &parser, buf, len);
			break;
		}
		more = shape_event(s, &ev);
		wipe_event(&ev);
		yaml_event_delete(&ev);
	}
	for (size_t i = 0; i < s->n_anchors; i++)
		free(s->anchors[i]);
	wipe_parser(&parser);
	yaml_parser_delete(&parser);
	return s->w->msgs->n_errors == before;
}

/* ---- the document ---- */

/* A plain empty, '~' or 'null' scalar: "key:" with nothing after it. */
static bool is_null(const yaml_node_t *n)
{
	const char *s = (const char *)n->data.scalar.value;

	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
		strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0);
}

static void walk_root(struct yamlwalk *w, const struct yamlwalk_schema *schema, void *arg)
{
	yaml_node_t *root = yaml_document_get_root_node(w->doc);

	if (!root || is_null(root))
		error_at(w, 1, 1, "empty document; expected %s", schema->expected);
	else if (yamlwalk_mapping(w, root, "the document", schema->keys, arg))
		yamlwalk_require(w, root, "the document", schema->keys);
}

int yamlwalk_document(const char *label, const char *buf, size_t len,
		      const struct yamlwalk_schema *schema, void *arg, struct config_msgs *msgs)
{
	struct yamlwalk w = { .label = label, .msgs = msgs };
	struct shape s = { .w = &w };
	yaml_parser_t parser;
	yaml_document_t doc;
	unsigned before = msgs->n_errors;

	if (!check_shape(&s, buf, len))
		return -EINVAL;
	if (!parser_start(&w, &parser, buf, len))
		return -ENOMEM;
	if (!yaml_parser_load(&parser, &doc)) {
		yaml_error(&w, &parser, buf, len);
		wipe_parser(&parser);
		yaml_parser_delete(&parser);
		return -EINVAL;
	}
	w.doc = &doc;
	walk_root(&w, schema, arg);
	/* a second document is almost always a mistake (a stray ---) */
	if (s.second_line)
		error_at(&w, s.second_line, s.second_col,
			 "a second YAML document; a config file holds only one");
	wipe_document(&doc);
	yaml_document_delete(&doc);
	wipe_parser(&parser);
	yaml_parser_delete(&parser);
	return msgs->n_errors > before ? -EINVAL : 0;
}

/* ---- mappings and lists ---- */

static const char *kind_name(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return is_null(n) ? "an empty value" : "a single value";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_NO_NODE:
		break;
	}
	return "nothing";
}

static void warn_unknown_key(struct yamlwalk *w, const yaml_node_t *k, const char *key,
			     const char *what, const struct yamlwalk_key *keys)
{
	const char *known[YAMLWALK_MAX_KEYS + 1], *best;
	char list[128] = "";	/* "name, wgIp, ...", cut after the last key that fits */
	size_t i, off = 0;
	bool cut = false;

	for (i = 0; i < YAMLWALK_MAX_KEYS && keys[i].name; i++) {
		known[i] = keys[i].name;
		if (cut)
			continue;
		if (off + 2 + strlen(known[i]) + sizeof(", ...") <= sizeof(list)) {
			off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "",
						known[i]);
		} else {
			snprintf(list + off, sizeof(list) - off, ", ...");
			cut = true;
		}
	}
	known[i] = NULL;
	best = config_closest_word(key, known);
	if (best)
		yamlwalk_warn(w, k, "unknown key '%.40s' in %s ignored (did you mean '%s'?)", key,
			      what, best);
	else
		yamlwalk_warn(w, k, "unknown key '%.40s' in %s ignored (known keys: %s)", key, what,
			      list);
}

/* Whether the keys of map before p hold key. */
static bool key_before(const struct yamlwalk *w, const yaml_node_t *map,
		       const yaml_node_pair_t *p, const char *key)
{
	for (const yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++) {
		const yaml_node_t *k = yaml_document_get_node(w->doc, q->key);
		if (k && k->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, key) == 0)
			return true;
	}
	return false;
}

static void walk_pair(struct yamlwalk *w, const yaml_node_t *map, const yaml_node_pair_t *p,
		      const char *what, const struct yamlwalk_key *keys, void *arg)
{
	yaml_node_t *k = yaml_document_get_node(w->doc, p->key);
	yaml_node_t *v = yaml_document_get_node(w->doc, p->value);
	const struct yamlwalk_key *known;
	const char *key;

	if (!k || !v)
		return;
	key = yamlwalk_scalar(w, k, "a key");
	if (!key)
		return;
	if (key_before(w, map, p, key)) {
		yamlwalk_error(w, k, "duplicate key '%.40s' in %s", key, what);
		return;
	}
	for (known = keys; known->name && strcmp(known->name, key) != 0; known++)
		;
	if (!known->name)
		warn_unknown_key(w, k, key, what, keys);
	else
		known->read(w, v, arg);
}

bool yamlwalk_mapping(struct yamlwalk *w, yaml_node_t *n, const char *what,
		      const struct yamlwalk_key *keys, void *arg)
{
	ptrdiff_t n_pairs;

	if (n->type != YAML_MAPPING_NODE) {
		yamlwalk_error(w, n, "%s must be a mapping (key: value), not %s", what,
			       kind_name(n));
		return false;
	}
	n_pairs = n->data.mapping.pairs.top - n->data.mapping.pairs.start;
	if (n_pairs > YAMLWALK_MAX_KEYS) {
		yamlwalk_error(w, n, "%s has %td keys; at most %d are allowed", what, n_pairs,
			       YAMLWALK_MAX_KEYS);
		return false;
	}
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++)
		walk_pair(w, n, p, what, keys, arg);
	return true;
}

void yamlwalk_require(struct yamlwalk *w, const yaml_node_t *map, const char *what,
		      const struct yamlwalk_key *keys)
{
	if (map->type != YAML_MAPPING_NODE)
		return; /* already reported as a type error */
	for (const struct yamlwalk_key *k = keys; k->name; k++)
		if (k->required && !key_before(w, map, map->data.mapping.pairs.top, k->name))
			yamlwalk_error(w, map, "%s lacks the required key '%s'", what, k->name);
}

bool yamlwalk_list(struct yamlwalk *w, const yaml_node_t *n, const char *what, size_t max,
		   size_t *len)
{
	*len = 0;
	if (n->type != YAML_SEQUENCE_NODE) {
		yamlwalk_error(w, n, "%s must be a list, not %s", what, kind_name(n));
		return false;
	}
	*len = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (*len > max) {
		yamlwalk_error(w, n, "%s lists %zu entries; at most %zu are supported", what, *len,
			       max);
		return false;
	}
	return true;
}

yaml_node_t *yamlwalk_item(const struct yamlwalk *w, const yaml_node_t *list, size_t i)
{
	return yaml_document_get_node(w->doc, list->data.sequence.items.start[i]);
}

/* ---- scalars ---- */

/*
 * Scalars with NULs or control characters (C0, DEL and, UTF-8 encoded, C1:
 * they could drive a terminal when a message quotes the value) are refused.
 */
const char *yamlwalk_scalar(struct yamlwalk *w, const yaml_node_t *n, const char *key)
{
	const unsigned char *s;
	size_t len;

	if (n->type != YAML_SCALAR_NODE) {
		yamlwalk_error(w, n, "%s must be a single value, not %s", key, kind_name(n));
		return NULL;
	}
	if (is_null(n)) {
		yamlwalk_error(w, n, "%s has no value", key);
		return NULL;
	}
	s = n->data.scalar.value;
	len = n->data.scalar.length;
	if (strlen((const char *)s) != len) {
		yamlwalk_error(w, n, "%s holds a NUL byte", key);
		return NULL;
	}
	for (size_t i = 0; i < len; i++) {
		if (s[i] < 0x20 || s[i] == 0x7f ||
		    (s[i] == 0xc2 && i + 1 < len && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f)) {
			yamlwalk_error(w, n, "%s holds a control character", key);
			return NULL;
		}
	}
	return (const char *)s;
}

static bool parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "True", "TRUE", "yes", "Yes", "on", "On" };
	static const char *const no[] = { "false", "False", "FALSE", "no", "No", "off", "Off" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(s, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcmp(s, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

bool yamlwalk_bool(struct yamlwalk *w, const yaml_node_t *n, const char *key, bool *out)
{
	const char *s = yamlwalk_scalar(w, n, key);

	if (!s)
		return false;
	if (!parse_bool(s, out)) {
		yamlwalk_error(w, n, "%s must be true or false, not '%s'", key, s);
		return false;
	}
	return true;
}

bool yamlwalk_uint(struct yamlwalk *w, const yaml_node_t *n, const char *key, unsigned min,
		   unsigned max, unsigned *out)
{
	const char *s = yamlwalk_scalar(w, n, key);
	unsigned long v;
	char *end;

	if (!s)
		return false;
	errno = 0;
	v = s[0] >= '0' && s[0] <= '9' ? strtoul(s, &end, 10) : 0;
	if (s[0] < '0' || s[0] > '9' || errno || *end || v < min || v > max) {
		yamlwalk_error(w, n, "%s must be a number from %u to %u, not '%.40s'", key, min,
			       max, s);
		return false;
	}
	*out = (unsigned)v;
	return true;
}
