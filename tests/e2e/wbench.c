// SPDX-License-Identifier: GPL-2.0
/*
 * wbench: time an open+close loop, for `make bench`.
 *
 *   wbench [--cgroup DIR] [--landlock DIR] [--distinct] [--rename DIR] PATH N
 *
 * prints nanoseconds per iteration: an open+close of PATH, N times. --cgroup joins that cgroup
 * first; --landlock confines this process with a Landlock ruleset that allows reading files
 * below DIR (the kernel's own alternative, for comparison). --distinct opens PATH/f0 to
 * PATH/f(N-1), each once (they must exist); --rename renames DIR/a to DIR/b (or back) before
 * each open, as a busy system renames files all the time.
 * Boot the VM with -icount so the clock counts instructions and runs repeat exactly.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int landlock(const char *dir)
{
	struct landlock_ruleset_attr attr = {
		.handled_access_fs = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE |
				     LANDLOCK_ACCESS_FS_READ_DIR,
	};
	struct landlock_path_beneath_attr beneath = {
		.allowed_access = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR,
	};
	int rs, fd;

	rs = syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (rs < 0)
		return -errno;
	fd = open(dir, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	beneath.parent_fd = fd;
	if (syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &beneath, 0))
		return -errno;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	if (syscall(SYS_landlock_restrict_self, rs, 0))
		return -errno;
	return 0;
}

/* One iteration: the rename first when rename_dir is set, then the open+close. */
static int iteration(const char *path, long i, int distinct, const char *rename_dir)
{
	char name[4096], from[4096], to[4096];
	int fd;

	if (rename_dir) {
		snprintf(from, sizeof(from), "%s/%c", rename_dir, i % 2 ? 'b' : 'a');
		snprintf(to, sizeof(to), "%s/%c", rename_dir, i % 2 ? 'a' : 'b');
		if (rename(from, to)) {
			fprintf(stderr, "wbench: rename %s: %s\n", from, strerror(errno));
			return -1;
		}
	}
	if (distinct) {
		snprintf(name, sizeof(name), "%s/f%ld", path, i);
		path = name;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "wbench: open %s: %s\n", path, strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	const char *rename_dir = NULL;
	struct timespec a, b;
	int distinct = 0;
	long n, i;

	while (argc > 3 && argv[1][0] == '-') {
		if (!strcmp(argv[1], "--cgroup")) {
			char path[4096];
			FILE *f;

			snprintf(path, sizeof(path), "%s/cgroup.procs", argv[2]);
			f = fopen(path, "w");
			if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f)) {
				fprintf(stderr, "wbench: cannot join %s\n", argv[2]);
				return 1;
			}
		} else if (!strcmp(argv[1], "--landlock")) {
			int err = landlock(argv[2]);

			if (err) {
				fprintf(stderr, "wbench: landlock: %s\n", strerror(-err));
				return 1;
			}
		} else if (!strcmp(argv[1], "--distinct")) {
			distinct = 1;
			argv += 1;
			argc -= 1;
			continue;
		} else if (!strcmp(argv[1], "--rename")) {
			rename_dir = argv[2];
		} else {
			break;
		}
		argv += 2;
		argc -= 2;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: wbench [--cgroup DIR] [--landlock DIR] [--distinct] "
				"[--rename DIR] PATH N\n");
		return 2;
	}
	n = atol(argv[2]);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++)
		if (iteration(argv[1], i, distinct, rename_dir))
			return 1;
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.1f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n);
	return 0;
}
