// SPDX-License-Identifier: GPL-2.0-only
/*
 * hmx-ring-test: exercises /dev/hmx (uapi/hmx/hmx_dev.h) from user space.
 *
 *   hmx-ring-test info                 this domain's id, conduit and counters
 *   hmx-ring-test null COUNT           COUNT null operations: the conduit's round trip
 *   hmx-ring-test self COUNT           COUNT messages of 1..8000 bytes to our own ring, each
 *                                      checked (content, size, sender)
 *   hmx-ring-test pong PEER COUNT      echo COUNT messages of domain PEER back to it
 *   hmx-ring-test ping PEER COUNT      send COUNT messages to PEER's pong, check each echo,
 *                                      report the round trip
 *
 * Exit status 0 on success; every failure prints "FAIL: ..." and exits 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <uapi/hmx/hmx_dev.h>

#define TEST_TYPE 0x54455354u      /* "TEST" */
#define SELF_APORT 0x1000
#define PINGPONG_APORT 0x2000
#define RING_LEN (64 * 1024 - 64)
#define MAX_PAYLOAD 8000

static void fail(const char *what)
{
	printf("FAIL: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A deterministic payload for message `seq`: its bytes depend on seq and position. */
static void fill(uint8_t *p, uint32_t n, uint32_t seq)
{
	uint32_t x = seq * 2654435761u + 1, i;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)x;
	}
}

static int open_dev(void)
{
	int fd = open("/dev/hmx", O_RDWR);

	if (fd < 0)
		fail("open /dev/hmx");
	return fd;
}

/* Registers our ring; a partner domain that does not exist yet (ESRCH) is waited for, 30 s. */
static void register_ring(int fd, uint32_t aport, uint16_t partner)
{
	struct hmx_dev_ring r = { .aport = aport, .partner = partner, .len = RING_LEN };
	int tries;

	for (tries = 0; tries < 600; tries++) {
		if (!ioctl(fd, HMX_DEV_IOC_REGISTER, &r))
			return;
		if (errno != ESRCH)
			break;
		usleep(50000);
	}
	fail("register ring");
}

static uint16_t my_domain(int fd)
{
	struct hmx_dev_info info;

	if (ioctl(fd, HMX_DEV_IOC_INFO, &info))
		fail("info");
	return info.domain_id;
}

static long send_msg(int fd, uint16_t dom, uint32_t aport, const void *p, uint32_t n)
{
	struct hmx_dev_iov iov = { .base = (uintptr_t)p, .len = n };
	struct hmx_dev_send s = {
		.domain = dom, .aport = aport, .message_type = TEST_TYPE, .niov = 1,
		.iov = (uintptr_t)&iov,
	};

	return ioctl(fd, HMX_DEV_IOC_SENDV, &s);
}

/* Sends, retrying while the peer's ring does not exist yet (it boots at the same time). */
static void send_retry(int fd, uint16_t dom, uint32_t aport, const void *p, uint32_t n)
{
	int tries;

	for (tries = 0; tries < 600; tries++) {
		if (send_msg(fd, dom, aport, p, n) == (long)n)
			return;
		if (errno != ECONNREFUSED)
			fail("sendv");
		usleep(50000);
	}
	fail("sendv (the peer's ring never appeared)");
}

/* Reads one message (waiting at most 30 s); returns its payload size. */
static uint32_t recv_msg(int fd, struct hmx_dev_msg *hdr, uint8_t *payload, uint32_t cap)
{
	static uint8_t buf[sizeof(struct hmx_dev_msg) + MAX_PAYLOAD];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	long n;

	if (poll(&pfd, 1, 30000) != 1)
		fail("no message within 30 s");
	n = read(fd, buf, sizeof(buf));
	if (n < (long)sizeof(*hdr))
		fail("read");
	memcpy(hdr, buf, sizeof(*hdr));
	if (hdr->size != n - sizeof(*hdr) || hdr->size > cap) {
		errno = EPROTO;
		fail("message size");
	}
	memcpy(payload, buf + sizeof(*hdr), hdr->size);
	return hdr->size;
}

static int cmd_info(void)
{
	struct hmx_dev_info info;
	int fd = open_dev();

	if (ioctl(fd, HMX_DEV_IOC_INFO, &info))
		fail("info");
	printf("info: domain %u over %s, %llu calls, %llu events, %llu sends, %llu EAGAIN\n",
	       info.domain_id, info.conduit, (unsigned long long)info.calls,
	       (unsigned long long)info.events, (unsigned long long)info.sends,
	       (unsigned long long)info.eagain);
	return 0;
}

/*
 * The null operation's round trip, and the same ioctl path without a hypervisor call (an
 * unknown ioctl of /dev/hmx): their difference is what the conduit and the core cost.
 */
static int cmd_null(long count)
{
	int fd = open_dev();
	double t0 = now(), null_us, bare_us;
	long i;

	for (i = 0; i < count; i++)
		if (ioctl(fd, HMX_DEV_IOC_NULL))
			fail("null");
	null_us = (now() - t0) * 1e6 / count;
	t0 = now();
	for (i = 0; i < count; i++)
		if (ioctl(fd, _IO(HMX_DEV_IOC_MAGIC, 0x7f)) != -1 || errno != ENOTTY)
			fail("bare ioctl");
	bare_us = (now() - t0) * 1e6 / count;
	printf("null: %ld calls, %.2f us per call; the ioctl alone %.2f us; the conduit round trip %.2f us\n",
	       count, null_us, bare_us, null_us - bare_us);
	return 0;
}

static int cmd_self(long count)
{
	static uint8_t out[MAX_PAYLOAD], in[MAX_PAYLOAD];
	int fd = open_dev();
	uint16_t me = my_domain(fd);
	struct hmx_dev_msg hdr;
	uint64_t bytes = 0;
	double t0;
	long i;

	register_ring(fd, SELF_APORT, me);
	t0 = now();
	for (i = 0; i < count; i++) {
		uint32_t n = 1 + (uint32_t)(i * 7919) % MAX_PAYLOAD;

		fill(out, n, (uint32_t)i);
		if (send_msg(fd, me, SELF_APORT, out, n) != (long)n)
			fail("sendv to self");
		if (recv_msg(fd, &hdr, in, sizeof(in)) != n || memcmp(in, out, n) ||
		    hdr.source_domain != me || hdr.message_type != TEST_TYPE) {
			errno = EPROTO;
			fail("self message differs");
		}
		bytes += n;
	}
	printf("self: %ld messages (%llu bytes) to our own ring, all intact, %.1f us each\n", count,
	       (unsigned long long)bytes, (now() - t0) * 1e6 / count);
	return 0;
}

static int cmd_pingpong(uint16_t peer, long count, int ping)
{
	static uint8_t out[MAX_PAYLOAD], in[MAX_PAYLOAD];
	int fd = open_dev();
	struct hmx_dev_msg hdr;
	double t0 = 0;
	long i;

	register_ring(fd, PINGPONG_APORT, peer);
	for (i = 0; i < count; i++) {
		uint32_t n = 64 + (uint32_t)(i * 131) % 1024;

		if (ping) {
			fill(out, n, (uint32_t)i);
			if (i == 1)
				t0 = now();  /* the first exchange waits for the peer to come up */
			if (i == 0)
				send_retry(fd, peer, PINGPONG_APORT, out, n);
			else if (send_msg(fd, peer, PINGPONG_APORT, out, n) != (long)n)
				fail("sendv");
			if (recv_msg(fd, &hdr, in, sizeof(in)) != n || memcmp(in, out, n) ||
			    hdr.source_domain != peer) {
				errno = EPROTO;
				fail("echo differs");
			}
		} else {
			uint32_t got = recv_msg(fd, &hdr, in, sizeof(in));

			if (hdr.source_domain != peer) {
				errno = EPROTO;
				fail("message of another domain");
			}
			if (i == 0)
				send_retry(fd, peer, PINGPONG_APORT, in, got);
			else if (send_msg(fd, peer, PINGPONG_APORT, in, got) != (long)got)
				fail("sendv");
		}
	}
	if (ping)
		printf("ping: %ld round trips with domain %u, all intact, %.1f us each\n", count, peer,
		       count > 1 ? (now() - t0) * 1e6 / (count - 1) : 0.0);
	else
		printf("pong: echoed %ld messages of domain %u\n", count, peer);
	return 0;
}

int main(int argc, char **argv)
{
	long count = argc > 2 ? strtol(argv[argc - 1], NULL, 0) : 0;

	if (argc >= 2 && !strcmp(argv[1], "info"))
		return cmd_info();
	if (argc == 3 && !strcmp(argv[1], "null") && count > 0)
		return cmd_null(count);
	if (argc == 3 && !strcmp(argv[1], "self") && count > 0)
		return cmd_self(count);
	if (argc == 4 && (!strcmp(argv[1], "ping") || !strcmp(argv[1], "pong")) && count > 0)
		return cmd_pingpong((uint16_t)strtol(argv[2], NULL, 0), count, argv[1][1] == 'i');
	fprintf(stderr, "usage: hmx-ring-test info | null N | self N | ping PEER N | pong PEER N\n");
	return 2;
}
