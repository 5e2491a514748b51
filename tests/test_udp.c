/*
 * Tests for src/udp.c: the kernel's drops on our socket are counted. A
 * real admin socket on a libuv loop that is not run (so nothing reads it)
 * gets more datagrams over loopback than its receive buffer holds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "udp.h"

static void on_datagram(const uint8_t *buf, size_t len, const struct endpoint *from, void *arg)
{
	(void)buf;
	(void)len;
	(void)from;
	(*(unsigned *)arg)++;
}

#define SENT 4000

static void test_rx_drops(void **state)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	uv_loop_t loop;
	struct udp *u = NULL;
	unsigned got = 0;
	uint64_t drops = 99;
	uint16_t port = 0;
	char pkt[512];
	int fd, r = -1;

	(void)state;
	assert_int_equal(uv_loop_init(&loop), 0);
	/* a free port: others run tests on this machine too */
	srand((unsigned)getpid());
	for (int tries = 0; tries < 50 && r < 0; tries++) {
		port = (uint16_t)(40000 + rand() % 20000);
		r = udp_open(&loop, port, on_datagram, &got, &u);
	}
	assert_int_equal(r, 0);
	assert_int_equal(udp_rx_drops(u, &drops), 0);
	assert_int_equal(drops, 0);

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	to.sin_port = htons(port);
	memset(pkt, 0xa5, sizeof(pkt));
	for (int i = 0; i < SENT; i++)
		assert_int_equal(sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to)),
				 (ssize_t)sizeof(pkt));
	close(fd);
	assert_int_equal(udp_rx_drops(u, &drops), 0);
	print_message("%d datagrams sent, %llu dropped by the kernel\n", SENT,
		      (unsigned long long)drops);
	assert_true(drops > 0);
	assert_true(drops < SENT);	/* some fitted */

	udp_close(u);
	assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(uv_loop_close(&loop), 0);
}

/* The mark reaches the socket as root, read back with getsockopt (white
 * box: the libuv handle is the first member of udp.c's struct udp);
 * without the capability the kernel's refusal comes back. That marked
 * packets keep the main table is netns-tests/44-exit-edge.sh's to show. */
static void test_mark(void **state)
{
	uv_loop_t loop;
	struct udp *u = NULL;
	uint32_t mark = 0;
	socklen_t len = sizeof(mark);
	uv_os_fd_t fd;
	int r = -1;

	(void)state;
	assert_int_equal(uv_loop_init(&loop), 0);
	srand((unsigned)getpid() + 1);
	for (int tries = 0; tries < 50 && r < 0; tries++)
		r = udp_open(&loop, (uint16_t)(40000 + rand() % 20000), on_datagram, NULL, &u);
	assert_int_equal(r, 0);
	if (geteuid() == 0) {
		assert_int_equal(udp_set_mark(u, 0x5767ca6c), 0);
		assert_int_equal(uv_fileno((const uv_handle_t *)u, &fd), 0);
		assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_MARK, &mark, &len), 0);
		assert_int_equal(mark, 0x5767ca6c);
		assert_int_equal(udp_set_mark(u, 0), 0);
		assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_MARK, &mark, &len), 0);
		assert_int_equal(mark, 0);
	} else {
		assert_int_equal(udp_set_mark(u, 0x5767ca6c), -EPERM);
	}
	udp_close(u);
	assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rx_drops),
		cmocka_unit_test(test_mark),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
