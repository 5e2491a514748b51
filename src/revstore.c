/* Revocations kept on disk; see revstore.h. */
#include "revstore.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "config_member.h"
#include "privdir.h"

#define REVSTORE_MAX_BYTES ((size_t)REVSTORE_MAX * REVSTORE_LINE_MAX)

int revstore_path(const char *state_dir, const char *ifname, char *buf, size_t len)
{
	int n;

	if (!ifname[0] || strchr(ifname, '/') || strcmp(ifname, ".") == 0 ||
	    strcmp(ifname, "..") == 0)
		return -EINVAL;
	n = snprintf(buf, len, "%s/%s/" REVSTORE_FILE, state_dir, ifname);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* The state directory and the interface's below it: path's two parents. */
static int prepare_dirs(const char *path)
{
	char dir[PATH_MAX];
	char *slash;
	int r;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	if (!(slash = strrchr(dir, '/')))
		return -EINVAL;
	*slash = '\0';
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if ((r = privdir_prepare(dir)) < 0)
			return r;
		*slash = '/';
	}
	return privdir_prepare(dir);
}

static int read_all(int fd, char *buf, size_t cap, size_t *len)
{
	*len = 0;
	while (*len < cap) {
		ssize_t n = read(fd, buf + *len, cap - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	return 0;
}

/* One line (without its "\n") into r: 0, or -EINVAL for a line that is none. */
static int parse_line(char *line, struct revocation *r)
{
	uint8_t bin[REVOKE_MAX_LEN + 1];
	size_t l = strlen(line);
	int n;

	while (l && (line[l - 1] == '\r' || line[l - 1] == ' '))
		line[--l] = '\0';
	n = config_b64_decode_var(bin, sizeof(bin), line);
	return n < 0 || revocation_decode(bin, (size_t)n, r) < 0 ? -EINVAL : 0;
}

int revstore_load(const char *path, struct revocation **out, size_t *n, size_t *bad)
{
	char *buf = NULL, *p, *nl;
	size_t len = 0;
	int fd, r;

	*out = NULL;
	*n = *bad = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	buf = malloc(REVSTORE_MAX_BYTES + 1);
	*out = calloc(REVSTORE_MAX, sizeof(**out));
	if (!buf || !*out) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = read_all(fd, buf, REVSTORE_MAX_BYTES, &len)) < 0)
		goto out;
	buf[len] = '\0';
	for (p = buf; *p && *n < REVSTORE_MAX; p = nl ? nl + 1 : p + strlen(p)) {
		if ((nl = strchr(p, '\n')) != NULL)
			*nl = '\0';
		if (!*p)
			continue;
		if (parse_line(p, &(*out)[*n]) == 0)
			(*n)++;
		else
			(*bad)++;
	}
out:
	close(fd);
	free(buf);
	if (r < 0 || *n == 0) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return r;
}

/* Lines of the file (it is at most REVSTORE_MAX_BYTES long). */
static size_t count_lines(int fd)
{
	char buf[4096];
	size_t lines = 0;
	off_t off = 0;
	ssize_t n;

	while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
		off += n;
	}
	return lines;
}

int revstore_append(const char *path, const struct revocation *r)
{
	uint8_t bin[REVOKE_MAX_LEN];
	char line[REVSTORE_LINE_MAX + 1];
	struct stat st;
	size_t len;
	int fd, n, ret = 0;

	if ((n = revocation_encode(bin, sizeof(bin), r)) < 0)
		return n;
	if ((ret = prepare_dirs(path)) < 0)
		return ret;
	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		goto out;
	}
	if ((size_t)st.st_size + REVSTORE_LINE_MAX > REVSTORE_MAX_BYTES ||
	    count_lines(fd) >= REVSTORE_MAX) {
		ret = -ENOSPC;
		goto out;
	}
	sodium_bin2base64(line, sizeof(line), bin, (size_t)n, sodium_base64_VARIANT_ORIGINAL);
	len = strlen(line);
	line[len++] = '\n';
	if (write(fd, line, len) != (ssize_t)len)
		ret = errno ? -errno : -EIO;
	else if (fsync(fd) < 0)
		ret = -errno;
out:
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	return ret;
}
