// SPDX-License-Identifier: GPL-2.0
/*
 * wtry: perform one operation and print "ok" or the errno's name (EPERM, ENOENT, ...), so e2e
 * tests check the real errno rather than a program's error text. Exits 0 on success, 1 when
 * the operation failed, 2 on usage errors.
 *
 *   wtry open PATH [r|w|rw]     open(2) with that access mode, then close
 *   wtry read PATH              open for reading and read the whole file
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int report(int err)
{
	if (!err) {
		puts("ok");
		return 0;
	}
	puts(strerrorname_np(err) ? strerrorname_np(err) : "EUNKNOWN");
	return 1;
}

static int try_open(const char *path, const char *mode, int read_all)
{
	int flags = O_RDONLY, fd;

	if (!strcmp(mode, "w"))
		flags = O_WRONLY;
	else if (!strcmp(mode, "rw"))
		flags = O_RDWR;
	fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		return report(errno);
	if (read_all) {
		char buf[4096];
		ssize_t n;

		while ((n = read(fd, buf, sizeof(buf))) > 0)
			;
		if (n < 0) {
			int err = errno;

			close(fd);
			return report(err);
		}
	}
	close(fd);
	return report(0);
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "open"))
		return try_open(argv[2], argc > 3 ? argv[3] : "r", 0);
	if (argc == 3 && !strcmp(argv[1], "read"))
		return try_open(argv[2], "r", 1);
	fprintf(stderr, "usage: wtry open PATH [r|w|rw] | wtry read PATH\n");
	return 2;
}
