// SPDX-License-Identifier: GPL-2.0-only
/*
 * blk-bench: sequential O_DIRECT writes, then reads, of a block device at one block size, timed
 * with CLOCK_MONOTONIC; every block read back is checked against what was written.
 *
 *   blk-bench DEVICE BLOCK_BYTES TOTAL_BYTES
 *
 * Prints one line per direction:
 *   blk-bench: write bs=4096 bytes=16777216 seconds=0.512 MBps=32.77 requests=4096
 * and exits 0, or prints "FAIL: ..." and exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/* The content of the 8-byte word at byte offset `off` of the device. */
static uint64_t word(uint64_t off)
{
	return off * 0x9e3779b97f4a7c15ull ^ 0xd1b54a32d192ed03ull;
}

static void fill(uint64_t *p, uint64_t off, size_t n)
{
	size_t i;

	for (i = 0; i < n / 8; i++)
		p[i] = word(off + 8 * i);
}

static void report(const char *dir, size_t bs, uint64_t total, double s)
{
	printf("blk-bench: %s bs=%zu bytes=%llu seconds=%.4f MBps=%.2f requests=%llu\n", dir, bs,
	       (unsigned long long)total, s, total / s / 1e6, (unsigned long long)(total / bs));
}

int main(int argc, char **argv)
{
	size_t bs;
	uint64_t total, off;
	uint64_t *buf;
	double t0;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: blk-bench DEVICE BLOCK_BYTES TOTAL_BYTES\n");
		return 2;
	}
	bs = strtoull(argv[2], NULL, 0);
	total = strtoull(argv[3], NULL, 0);
	if (!bs || bs % 4096 || total % bs) {
		errno = EINVAL;
		fail("sizes");
	}
	fd = open(argv[1], O_RDWR | O_DIRECT);
	if (fd < 0)
		fail("open");
	if (posix_memalign((void **)&buf, 4096, bs))
		fail("buffer");

	t0 = now();
	for (off = 0; off < total; off += bs) {
		fill(buf, off, bs);
		if (pwrite(fd, buf, bs, off) != (ssize_t)bs)
			fail("write");
	}
	if (fsync(fd))
		fail("fsync");
	report("write", bs, total, now() - t0);

	t0 = now();
	for (off = 0; off < total; off += bs) {
		size_t i;

		if (pread(fd, buf, bs, off) != (ssize_t)bs)
			fail("read");
		for (i = 0; i < bs / 8; i++)
			if (buf[i] != word(off + 8 * i)) {
				errno = EIO;
				fail("read back differs");
			}
	}
	report("read", bs, total, now() - t0);
	close(fd);
	return 0;
}
