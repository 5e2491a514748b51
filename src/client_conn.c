/*
 * The client's end of the control socket (control.h), for status, metrics,
 * netcheck, top and ping: which daemon to ask (the one socket that
 * answers in the run directory, unless -i names one), the connection with
 * its timeouts, and reading frames: one request and its answer, log
 * frames skipped, the daemon's error said on stderr.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "client_int.h"
#include "control.h"

/* Does a daemon answer on dir/name? A killed one leaves its socket behind. */
static bool socket_alive(const char *dir, const char *name)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, r;

	if (snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s", dir, name) >=
	    (int)sizeof(sun.sun_path))
		return false;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	r = connect(fd, (const struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	return r == 0;
}

int client_pick_ifname(const char *dir, char *buf, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char list[256] = "";
	size_t used = 0;
	int found = 0;

	if (!d) {
		fprintf(stderr, "wg_netmanager: %s: %s (is the daemon running?)\n", dir,
			strerror(errno));
		return -ENOENT;
	}
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		int w;

		if (n <= 5 || strcmp(e->d_name + n - 5, ".sock") != 0 ||
		    !socket_alive(dir, e->d_name))
			continue;
		if (found++ == 0)
			snprintf(buf, len, "%.*s", (int)(n - 5), e->d_name);
		w = snprintf(list + used, sizeof(list) - used, "%s%.*s", used ? ", " : "",
			     (int)(n - 5), e->d_name);
		if (w > 0 && used + (size_t)w < sizeof(list))
			used += (size_t)w;
	}
	closedir(d);
	if (found > 1) {
		fprintf(stderr, "wg_netmanager: several daemons run (%s): choose one with -i\n", list);
		return -EEXIST;
	}
	if (!found) {
		fprintf(stderr, "wg_netmanager: no daemon runs (no control socket in %s)\n", dir);
		return -ENOENT;
	}
	return 0;
}

int client_connect(const struct client_opts *o, bool quiet)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = CLIENT_TIMEOUT_S };
	char path[sizeof(sun.sun_path)];
	int fd, r;

	if ((r = control_socket_path(o->run_dir, o->ifname, path, sizeof(path))) < 0) {
		fprintf(stderr, "wg_netmanager: bad control socket path for %s: %s\n", o->ifname,
			strerror(-r));
		return r;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		r = -errno;
		if (!quiet)
			fprintf(stderr, "wg_netmanager: %s: %s%s\n", path, strerror(-r),
				r == -ENOENT || r == -ECONNREFUSED ? " (no daemon serves "
								       "this interface)"
				: r == -EACCES			   ? " (run as root)"
								   : "");
		close(fd);
		return r;
	}
	return fd;
}

int client_write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

int client_inbuf_read(int fd, struct client_inbuf *in)
{
	ssize_t n;

	if (in->cap - in->len < 4096) {
		size_t cap = in->cap ? in->cap * 2 : 65536;
		char *p;

		if (cap > CONTROL_MAX_REPLY + 4096)
			return -EMSGSIZE;
		p = realloc(in->p, cap);
		if (!p)
			return -ENOMEM;
		in->p = p;
		in->cap = cap;
	}
	n = recv(fd, in->p + in->len, in->cap - in->len, 0);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (n == 0)
		return -ECONNRESET;
	in->len += (size_t)n;
	return (int)n;
}

void client_inbuf_consume(struct client_inbuf *in, size_t n)
{
	memmove(in->p, in->p + n, in->len - n);
	in->len -= n;
}

int client_request(int fd, const char *req, char **body, size_t *len)
{
	struct client_inbuf in = { 0 };
	struct control_frame f;
	long used;
	int r;

	*body = NULL;
	*len = 0;
	if ((r = client_write_all(fd, req, strlen(req))) < 0) {
		fprintf(stderr, "wg_netmanager: sending the request: %s\n", strerror(-r));
		goto fail;
	}
	for (;;) {
		/* nothing read yet (in.p is still NULL): read first */
		used = in.len ? control_frame_parse(in.p, in.len, &f) : 0;
		if (used < 0) {
			fprintf(stderr, "wg_netmanager: the daemon's answer makes no sense\n");
			goto fail;
		}
		if (used > 0 && f.type != CONTROL_FRAME_LOG)
			break;
		if (used > 0) {
			client_inbuf_consume(&in, (size_t)used);
			continue;
		}
		if ((r = client_inbuf_read(fd, &in)) < 0) {
			fprintf(stderr, "wg_netmanager: reading the answer: %s\n",
				r == -EAGAIN ? "timed out" : strerror(-r));
			goto fail;
		}
	}
	if (f.type == CONTROL_FRAME_ERROR) {
		fprintf(stderr, "wg_netmanager: the daemon says: %.*s\n", (int)f.body_len, f.body);
		goto fail;
	}
	/* the body, NUL-terminated, in place of the buffer */
	memmove(in.p, f.body, f.body_len);
	in.p[f.body_len] = '\0';
	*body = in.p;
	*len = f.body_len;
	return 0;
fail:
	free(in.p);
	return -1;
}
