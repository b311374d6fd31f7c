// SPDX-License-Identifier: GPL-2.0
/*
 * wbench: time a loop of one operation, for `make bench`.
 *
 *   wbench [--cgroup DIR] [--landlock[-renames] DIR] [--distinct] [--rename DIR] [--procs P]
 *          [--op OP] PATH N
 *
 * prints nanoseconds per iteration of OP, N times: open (open+close of PATH, the default),
 * exec (posix_spawn of PATH and wait), connect (a TCP connect to 127.0.0.1:9, refused),
 * sendto (a UDP datagram to 127.0.0.1:9), mmap (map PATH readable and executable, unmap) or
 * getpid (no hook: the control), or http (PATH is a TCP port on 127.0.0.1: one HTTP/1.1 GET
 * of / on a kept-alive connection, its whole response read: a loopback load generator) or
 * denied (an open of PATH that a policy must refuse with EACCES or EPERM: a denial flood).
 * --procs P runs the loop in P processes at once (N iterations each) and prints the time per
 * iteration of all of them together.
 * --cgroup joins that cgroup first; --landlock confines this process with a Landlock ruleset that allows reading files
 * below DIR (the kernel's own alternative, for comparison); --landlock-renames also judges
 * (and allows below DIR) removing and making files, which a rename in one directory is, as
 * warden's rules judge every rename. --distinct opens PATH/f0 to
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
#include <arpa/inet.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "wcgroup.h"

/* Landlock's rights that a rename in one directory needs (ABI 1), judged with --landlock-renames */
#define LANDLOCK_RENAMES (LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_REG)

static int landlock(const char *dir, int renames)
{
	struct landlock_ruleset_attr attr = {
		.handled_access_fs = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE |
				     LANDLOCK_ACCESS_FS_READ_DIR | (renames ? LANDLOCK_RENAMES : 0),
	};
	struct landlock_path_beneath_attr beneath = {
		.allowed_access = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |
				  (renames ? LANDLOCK_RENAMES : 0),
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

/* What an operation needs set up once, before its loop. */
static struct {
	int fd; /* mmap: the library; sendto, http: the socket */
	struct sockaddr_in to; /* connect, sendto: 127.0.0.1, a port nobody listens on */
} setup;

static int op_open(const char *path, long i, int distinct)
{
	char name[4096];
	int fd;

	if (distinct) {
		snprintf(name, sizeof(name), "%s/f%ld", path, i);
		path = name;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int op_exec(const char *path)
{
	char *argv[] = { (char *)path, NULL };
	int status;
	pid_t pid;

	if (posix_spawn(&pid, path, NULL, NULL, argv, environ))
		return -1;
	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status) ? 0 :
											      -1;
}

static int op_connect(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), err;

	if (fd < 0)
		return -1;
	err = connect(fd, (struct sockaddr *)&setup.to, sizeof(setup.to));
	close(fd);
	return err && errno != ECONNREFUSED ? -1 : 0; /* refused by the peer, not by a policy */
}

static int op_mmap(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, setup.fd, 0);

	if (p == MAP_FAILED)
		return -1;
	return munmap(p, 4096);
}

/* An open a policy refuses: 0 when refused, -1 (errno EEXIST) when it was let through. */
static int op_denied(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno == EACCES || errno == EPERM ? 0 : -1;
	close(fd);
	errno = EEXIST;
	return -1;
}

/*
 * One request on the kept-alive connection: 0 when a whole 200 response came (headers, then
 * Content-Length bytes of body), -1 otherwise.
 */
static int op_http(void)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: bench\r\n\r\n";
	char buf[65536], *end, *cl;
	size_t have = 0, want = 0;
	ssize_t n;

	if (write(setup.fd, req, sizeof(req) - 1) != sizeof(req) - 1)
		return -1;
	for (;;) {
		n = read(setup.fd, buf + have, sizeof(buf) - 1 - have);
		if (n <= 0)
			return -1;
		have += n;
		buf[have] = 0;
		end = strstr(buf, "\r\n\r\n");
		if (!end)
			continue;
		cl = strcasestr(buf, "\r\ncontent-length:");
		if (strncmp(buf, "HTTP/1.1 200", 12) || !cl || cl > end)
			return -1;
		want = (size_t)(end + 4 - buf) + strtoul(cl + 17, NULL, 10);
		if (want >= sizeof(buf))
			return -1;
		if (have >= want)
			return have == want ? 0 : -1;
	}
}

/* One iteration of op on path (i counts them): 0, or -1 with errno. */
static int iteration(const char *op, const char *path, long i, int distinct, const char *rename_dir)
{
	char from[4096], to[4096];

	if (rename_dir) {
		snprintf(from, sizeof(from), "%s/%c", rename_dir, i % 2 ? 'b' : 'a');
		snprintf(to, sizeof(to), "%s/%c", rename_dir, i % 2 ? 'a' : 'b');
		if (rename(from, to))
			return -1;
	}
	if (!strcmp(op, "exec"))
		return op_exec(path);
	if (!strcmp(op, "connect"))
		return op_connect();
	if (!strcmp(op, "sendto"))
		return sendto(setup.fd, "x", 1, 0, (struct sockaddr *)&setup.to,
			      sizeof(setup.to)) == 1 ?
			       0 :
			       -1;
	if (!strcmp(op, "mmap"))
		return op_mmap();
	if (!strcmp(op, "http"))
		return op_http();
	if (!strcmp(op, "denied"))
		return op_denied(path);
	if (!strcmp(op, "getpid"))
		return syscall(SYS_getpid) > 0 ? 0 : -1;
	return op_open(path, i, distinct);
}

/* What op needs before its loop: 0, or -1 with errno. */
static int prepare(const char *op, const char *path)
{
	setup.to.sin_family = AF_INET;
	setup.to.sin_port = htons(9); /* discard: nobody listens in the VM */
	setup.to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (!strcmp(op, "mmap"))
		setup.fd = open(path, O_RDONLY | O_CLOEXEC);
	else if (!strcmp(op, "sendto"))
		setup.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	else if (!strcmp(op, "http")) {
		setup.to.sin_port = htons(atoi(path));
		setup.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (setup.fd >= 0 &&
		    connect(setup.fd, (struct sockaddr *)&setup.to, sizeof(setup.to)))
			setup.fd = -1;
	}
	return setup.fd;
}

/* The loop: n iterations, 0 when all succeeded (1 with a message otherwise). */
static int loop(const char *op, const char *path, long n, int distinct, const char *rename_dir)
{
	long i;

	if (prepare(op, path) < 0) {
		fprintf(stderr, "wbench: %s %s: %s\n", op, path, strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++)
		if (iteration(op, path, i, distinct, rename_dir)) {
			fprintf(stderr, "wbench: %s %s: %s\n", op, path, strerror(errno));
			return 1;
		}
	return 0;
}

/* The loop in procs processes at once: 0 when every one of them succeeded. */
static int loops(int procs, const char *op, const char *path, long n, int distinct,
		 const char *rename_dir)
{
	int status, failed = 0, p;
	pid_t pid;

	if (procs <= 1)
		return loop(op, path, n, distinct, rename_dir);
	for (p = 0; p < procs; p++) {
		pid = fork();
		if (pid < 0)
			return 1;
		if (!pid)
			_exit(loop(op, path, n, distinct, rename_dir));
	}
	while ((pid = wait(&status)) > 0)
		failed |= !WIFEXITED(status) || WEXITSTATUS(status);
	return failed;
}

int main(int argc, char **argv)
{
	const char *rename_dir = NULL, *op = "open";
	struct timespec a, b;
	int distinct = 0, procs = 1, err;
	long n;

	while (argc > 3 && argv[1][0] == '-') {
		if (!strcmp(argv[1], "--cgroup")) {
			if (join_cgroup("wbench", argv[2]))
				return 1;
		} else if (!strcmp(argv[1], "--landlock") ||
			   !strcmp(argv[1], "--landlock-renames")) {
			err = landlock(argv[2], !strcmp(argv[1], "--landlock-renames"));
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
		} else if (!strcmp(argv[1], "--op")) {
			op = argv[2];
		} else if (!strcmp(argv[1], "--procs")) {
			procs = atoi(argv[2]);
		} else {
			break;
		}
		argv += 2;
		argc -= 2;
	}
	if (argc != 3 || procs < 1) {
		fprintf(stderr,
			"usage: wbench [--cgroup DIR] [--landlock[-renames] DIR] [--distinct] "
			"[--rename DIR] [--procs P] "
			"[--op open|exec|connect|sendto|mmap|getpid|http|denied] PATH N\n");
		return 2;
	}
	n = atol(argv[2]);
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (loops(procs, op, argv[1], n, distinct, rename_dir))
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.1f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n / procs);
	return 0;
}
