// SPDX-License-Identifier: GPL-2.0
/*
 * wtry: perform one operation and print "ok" or the errno's name (EPERM, ENOENT, ...), so e2e
 * tests check the real errno rather than a program's error text. Exits 0 on success, 1 when
 * the operation failed, 2 on usage errors.
 *
 *   wtry open PATH [r|w|rw]     open(2) with that access mode, then close
 *   wtry read PATH              open for reading and read the whole file
 *   wtry open-loop PATH N       open PATH N times; prints "ok" or the errno of the first failure
 *                               and how many of the N failed
 *   wtry exec PATH [ARGS...]    execv(2) PATH; only prints when it fails
 *   wtry exec-after FIRST PATH [ARGS...]   execv(2) FIRST, which must fail, then PATH
 *   wtry connect ADDR PORT [tcp|udp]   connect(2) to an IPv4 or IPv6 address
 *   wtry bind ADDR PORT [tcp|udp]      bind(2) to a local address
 *   wtry fork                   fork(2) a child that exits at once
 *   wtry thread                 start a thread (clone with CLONE_THREAD)
 *   wtry ptrace PID             PTRACE_ATTACH to PID, then detach
 *   wtry mmap-exec PATH [FROM TO]   map the first page of PATH readable and executable (with
 *                               FROM and TO: rename FROM to TO between the open and the map)
 *   wtry open-lines             for each line of stdin (a path), open it for reading and print
 *                               "ok" or the errno's name: one task judged again and again
 *   wtry open-for MS PATH...    open each PATH in turn, again and again for MS milliseconds;
 *                               prints "PATH ok=N eperm=N other=N" for each
 *   wtry mprotect-exec PATH [FROM TO]   map it readable, then mprotect it executable
 *   wtry exec-memory FILE       the ways to executable memory, each printed as "NAME=RESULT":
 *                               anonymous RWX and RX mappings, mprotect RX of anonymous memory
 *                               and of a written private mapping of FILE, a shared writable
 *                               and executable mapping of FILE, a plain RX mapping of FILE,
 *                               mprotect RX of shared anonymous memory, an RX mapping of a
 *                               memfd, the heap grown under READ_IMPLIES_EXEC, /proc/self/mem
 *                               opened for writing and PTRACE_TRACEME
 *   wtry hammer MS DENIED DIR   for MS milliseconds: open DENIED, create DIR/f, open it, remove
 *                               it; prints "denied ok=N eperm=N other=N allowed ok=N failed=N"
 *   wtry abstract NAME          listen on the abstract unix socket NAME (not judged), then
 *                               connect to it (judged by net.connect "@NAME" rules)
 *   wtry handle PATH            name_to_handle_at PATH, then open_by_handle_at it
 *   wtry unshare-uts            unshare(CLONE_NEWUTS): a new namespace
 *   wtry tty sti|sti32|linux|keymap   on a new pty whose slave is its controlling terminal (in
 *                               a new session): TIOCSTI of one byte, the same through the
 *                               32-bit system call (int $0x80), TIOCLINUX or KDSKBSENT (a
 *                               console's requests, which a pty refuses)
 *   wtry stack                  print the permissions of the main thread's stack ("rw-p",
 *                               "rwxp": build/tests/wtry-execstack asks exec for the latter)
 *   wtry create PATH            open(2) with O_CREAT|O_EXCL|O_WRONLY, then close
 *   wtry rename FROM TO         rename(2)
 *   wtry link FROM TO           link(2)
 *   wtry exchange A B           renameat2(2) with RENAME_EXCHANGE
 *   wtry race-dir MS FILE AWAY CHECK   a child renames FILE to AWAY and back, again and again;
 *                               meanwhile open FILE, and CHECK every 16th time, for MS
 *                               milliseconds (or until CHECK opens): prints "check ok=N
 *                               eperm=N other=N opens=N moved=N"
 *   wtry race-link MS FILE AWAY TO   a child renames FILE to AWAY (same directory) and back;
 *                               meanwhile link FILE to TO, for MS milliseconds or until a
 *                               link is made: prints "link ok=N eperm=N other=N tries=N moved=N"
 *
 * With "--cgroup DIR" first, wtry moves itself into the cgroup directory DIR before the
 * operation, so a policy confines the operation and not the start of wtry itself. With
 * "--uid N" next, it then runs the operation as user and group N, with no other groups.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <linux/kd.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <stddef.h>
#include <time.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "wcgroup.h"

static int report(int err)
{
	if (!err) {
		puts("ok");
		return 0;
	}
	puts(strerrorname_np(err) ? strerrorname_np(err) : "EUNKNOWN");
	return 1;
}

static int try_abstract(const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len = offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name);
	int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (strlen(name) >= sizeof(sa.sun_path) - 1 || l < 0 || c < 0)
		return report(EINVAL);
	memcpy(sa.sun_path + 1, name, strlen(name));
	if (bind(l, (struct sockaddr *)&sa, len) || listen(l, 1))
		return report(errno);
	return report(connect(c, (struct sockaddr *)&sa, len) ? errno : 0);
}

static int try_handle(const char *path)
{
	struct file_handle *h = malloc(sizeof(*h) + MAX_HANDLE_SZ);
	int mount_id, mfd, fd;

	if (!h)
		return report(ENOMEM);
	h->handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, path, h, &mount_id, 0))
		return report(errno);
	mfd = open(path, O_RDONLY | O_CLOEXEC);
	if (mfd < 0)
		return report(errno);
	fd = open_by_handle_at(mfd, h, O_RDONLY | O_CLOEXEC);
	free(h);
	if (fd < 0)
		return report(errno);
	close(fd);
	return report(0);
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

/* Map PATH executable at once, or readable first and executable through mprotect. */
/* from and to set: rename from to to between the open of path and the mapping */
static int try_map_exec(const char *path, int later, const char *from, const char *to)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;
	void *p;

	if (fd < 0)
		return report(errno);
	if (from && rename(from, to)) {
		close(fd);
		return report(errno);
	}
	p = mmap(NULL, 4096, later ? PROT_READ : PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		err = errno;
	else if (later && mprotect(p, 4096, PROT_READ | PROT_EXEC))
		err = errno;
	if (p != MAP_FAILED)
		munmap(p, 4096);
	close(fd);
	return report(err);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Open every path in turn until ms have passed, tallying the outcomes of each. */
static int try_open_lines(void)
{
	char line[4096];
	size_t len;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), stdin)) {
		len = strcspn(line, "\n");
		line[len] = 0;
		try_open(line, "r", 0);
	}
	return 0;
}

static int try_open_for(long ms, char **paths, int n)
{
	long(*tally)[3] = calloc(n, sizeof(*tally)), end = now_ms() + ms;

	if (!tally)
		return 2;
	while (now_ms() < end) {
		for (int i = 0; i < n; i++) {
			int fd = open(paths[i], O_RDONLY | O_CLOEXEC);

			if (fd >= 0)
				close(fd);
			tally[i][fd >= 0 ? 0 : errno == EPERM ? 1 : 2]++;
		}
	}
	for (int i = 0; i < n; i++)
		printf("%s ok=%ld eperm=%ld other=%ld\n", paths[i], tally[i][0], tally[i][1],
		       tally[i][2]);
	free(tally);
	return 0;
}

/*
 * Alternate an open that the policy denies with operations it allows that make every hook on
 * the way build a whole decision (a new file's create, first open and removal are never
 * cached), so processes sharing a CPU preempt one another inside the programs.
 */
static int try_hammer(long ms, const char *denied, const char *dir)
{
	long end = now_ms() + ms, tally[3] = { 0 }, ok = 0, failed = 0;
	char path[4096];

	snprintf(path, sizeof(path), "%s/f", dir);
	while (now_ms() < end) {
		int fd = open(denied, O_RDONLY | O_CLOEXEC);

		if (fd >= 0)
			close(fd);
		tally[fd >= 0 ? 0 : errno == EPERM ? 1 : 2]++;
		fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
		fd = fd >= 0 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
		if (fd >= 0)
			close(fd);
		if (fd >= 0 && !unlink(path))
			ok++;
		else
			failed++;
	}
	printf("denied ok=%ld eperm=%ld other=%ld allowed ok=%ld failed=%ld\n", tally[0], tally[1],
	       tally[2], ok, failed);
	return 0;
}

/*
 * Open FILE while a child moves it to another directory and back: an open whose hook reads the
 * file's directory before the move and its path after it must not leave the other
 * directory's state under the first one. CHECK, a file the first directory's rules deny, is
 * opened between times.
 */
static void pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set); /* best effort: one vCPU keeps both */
}

/* PATH's directory, opened O_PATH, and its last component (in buf): -1 on failure. */
static int split_path(const char *path, char *buf, size_t size, char **name)
{
	snprintf(buf, size, "%s", path);
	*name = strrchr(buf, '/');
	if (!*name) {
		errno = EINVAL;
		return -1;
	}
	*(*name)++ = 0;
	return open(*buf ? buf : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/*
 * Fork a child, on CPU 1, that renames (dir_a, a) to (dir_b, b) and back until end; it writes
 * how many times it did so to pipefd[1]. The caller pins itself to CPU 0.
 */
static pid_t start_mover(long end, int dir_a, const char *a, int dir_b, const char *b,
			 int pipefd[2])
{
	long n = 0;
	pid_t pid;

	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid != 0) {
		close(pipefd[1]);
		pin_cpu(0);
		return pid;
	}
	close(pipefd[0]);
	pin_cpu(1);
	while (now_ms() < end) {
		if (renameat(dir_a, a, dir_b, b))
			break;
		if (renameat(dir_b, b, dir_a, a))
			_exit(3); /* the file stays away: the caller sees it */
		n++;
	}
	if (write(pipefd[1], &n, sizeof(n)) != sizeof(n))
		_exit(4);
	_exit(0);
}

/* How many times the mover moved the file and back (-1 if it did not say), once it ends. */
static long mover_done(pid_t pid, int pipefd[2])
{
	long moved = 0;
	int status;

	if (read(pipefd[0], &moved, sizeof(moved)) != sizeof(moved))
		moved = -1;
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	return moved;
}

static int try_race_dir(long ms, const char *file, const char *away, const char *check)
{
	long end = now_ms() + ms, tally[3] = { 0 }, opens = 0, moved;
	char fdir[4096], adir[4096], *fname, *aname;
	int pipefd[2], fd_dir, ad_dir;
	pid_t pid;

	/* by directory descriptor and name: cheaper calls, more tries */
	fd_dir = split_path(file, fdir, sizeof(fdir), &fname);
	ad_dir = split_path(away, adir, sizeof(adir), &aname);
	if (fd_dir < 0 || ad_dir < 0)
		return report(errno);
	pid = start_mover(end, fd_dir, fname, ad_dir, aname, pipefd);
	if (pid < 0)
		return report(errno);
	while (now_ms() < end) {
		int fd = openat(fd_dir, fname, O_RDONLY | O_CLOEXEC);

		if (fd >= 0)
			close(fd);
		if (++opens % 16)
			continue;
		fd = open(check, O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			close(fd);
		tally[fd >= 0 ? 0 : errno == EPERM ? 1 : 2]++;
		if (fd >= 0)
			break;
	}
	moved = mover_done(pid, pipefd);
	printf("check ok=%ld eperm=%ld other=%ld opens=%ld moved=%ld\n", tally[0], tally[1],
	       tally[2], opens, moved);
	return 0;
}

/*
 * Hard-link FILE to TO while a child renames FILE to AWAY (in FILE's directory) and back, for
 * MS milliseconds or until a link is made: the link's hook must never read FILE's name torn
 * (the bytes of the new name cut to the old one's length). Prints "link ok=N eperm=N other=N
 * tries=N moved=N" (other: mostly ENOENT, while the file has the other name).
 */
static int try_race_link(long ms, const char *file, const char *away, const char *to)
{
	long end = now_ms() + ms, tally[3] = { 0 }, tries = 0, moved;
	char fdir[4096], *fname, *aname = strrchr(away, '/');
	int pipefd[2], fd_dir;
	pid_t pid;

	fd_dir = split_path(file, fdir, sizeof(fdir), &fname);
	if (fd_dir < 0 || !aname)
		return report(fd_dir < 0 ? errno : EINVAL);
	pid = start_mover(end, fd_dir, fname, fd_dir, aname + 1, pipefd);
	if (pid < 0)
		return report(errno);
	while (now_ms() < end) {
		int err = linkat(fd_dir, fname, AT_FDCWD, to, 0) ? errno : 0;

		tries++;
		tally[!err ? 0 : err == EPERM ? 1 : 2]++;
		if (!err)
			break;
	}
	moved = mover_done(pid, pipefd);
	printf("link ok=%ld eperm=%ld other=%ld tries=%ld moved=%ld\n", tally[0], tally[1],
	       tally[2], tries, moved);
	return 0;
}

static int try_socket(const char *op, const char *addr, const char *port, const char *proto)
{
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in in = { .sin_family = AF_INET };
	int type = proto && !strcmp(proto, "udp") ? SOCK_DGRAM : SOCK_STREAM;
	struct sockaddr *sa;
	socklen_t len;
	int fd, ret;

	if (inet_pton(AF_INET, addr, &in.sin_addr) == 1) {
		in.sin_port = htons(atoi(port));
		sa = (struct sockaddr *)&in;
		len = sizeof(in);
	} else if (inet_pton(AF_INET6, addr, &in6.sin6_addr) == 1) {
		in6.sin6_port = htons(atoi(port));
		sa = (struct sockaddr *)&in6;
		len = sizeof(in6);
	} else {
		fprintf(stderr, "wtry: bad address '%s'\n", addr);
		return 2;
	}
	fd = socket(sa->sa_family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return report(errno);
	if (sa->sa_family == AF_INET6) {
		int one = 1;

		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	}
	ret = !strcmp(op, "bind") ? bind(fd, sa, len) : connect(fd, sa, len);
	ret = ret ? errno : 0;
	close(fd);
	return report(ret);
}

static void map_result(const char *name, void *p)
{
	printf("%s=%s ", name,
	       p != MAP_FAILED ? "ok" : (strerrorname_np(errno) ? strerrorname_np(errno) : "?"));
	if (p != MAP_FAILED)
		munmap(p, 4096);
}

/* Memory no name holds, made executable: shared anonymous memory, a memfd mapped twice. */
static void exec_memory_nameless(void)
{
	int fd = memfd_create("wtry", MFD_CLOEXEC);
	void *p;

	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	map_result("mprotect-shared-anon",
		   p == MAP_FAILED || mprotect(p, 4096, PROT_READ | PROT_EXEC) ? MAP_FAILED : p);
	if (fd < 0 || ftruncate(fd, 4096)) {
		printf("memfd-rx=%s ", strerrorname_np(errno));
		return;
	}
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	map_result("memfd-rx", mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0));
	if (p != MAP_FAILED)
		munmap(p, 4096);
	close(fd);
}

/* In a child: op 0 grows the heap under READ_IMPLIES_EXEC, 1 offers itself to ptrace. */
static void exec_memory_child(const char *name, int op)
{
	int st = 0, err;
	pid_t pid = fork();

	if (pid == 0) {
		if (op == 0)
			err = personality(READ_IMPLIES_EXEC) == -1 || sbrk(1 << 16) == (void *)-1 ?
				      errno :
				      0;
		else
			err = ptrace(PTRACE_TRACEME, 0, NULL, NULL) ? errno : 0;
		_exit(err);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st)) {
		printf("%s=? ", name);
		return;
	}
	err = WEXITSTATUS(st);
	printf("%s=%s ", name, !err ? "ok" : strerrorname_np(err) ? strerrorname_np(err) : "?");
}

/*
 * Writes through protection: the heap under READ_IMPLIES_EXEC, /proc/self/mem opened for
 * writing, a ptrace tracer (PTRACE_TRACEME).
 */
static void exec_memory_others(void)
{
	int fd;

	exec_memory_child("brk-read-implies-exec", 0);
	fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	printf("proc-mem-write=%s ", fd >= 0 ? "ok" : strerrorname_np(errno));
	if (fd >= 0)
		close(fd);
	exec_memory_child("ptrace-traceme", 1);
}

static int try_exec_memory(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	void *p;

	if (fd < 0)
		return report(errno);
	map_result("anon-rwx", mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	map_result("anon-rx",
		   mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	map_result("mprotect-anon", mprotect(p, 4096, PROT_READ | PROT_EXEC) ? MAP_FAILED : p);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (p != MAP_FAILED)
		*(volatile char *)p = 1;
	map_result("mprotect-written",
		   p == MAP_FAILED || mprotect(p, 4096, PROT_READ | PROT_EXEC) ? MAP_FAILED : p);
	map_result("shared-wx",
		   mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_SHARED, fd, 0));
	map_result("file-rx", mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0));
	close(fd);
	exec_memory_nameless();
	exec_memory_others();
	putchar('\n');
	return 0;
}

static void *thread_fn(void *arg)
{
	return arg;
}

/* The permissions of the [stack] line of /proc/self/maps. */
static int print_stack(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512], perms[8];

	if (!f)
		return report(errno);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "[stack]") && sscanf(line, "%*s %7s", perms) == 1) {
			printf("%s\n", perms);
			fclose(f);
			return 0;
		}
	fclose(f);
	return report(ENOENT);
}

/* ioctl(fd, cmd, arg) through the 32-bit system call entry (ioctl is 54 there) */
static long ioctl32(int fd, unsigned int cmd, unsigned int arg)
{
	long ret;

	asm volatile("int $0x80"
		     : "=a"(ret)
		     : "a"(54), "b"(fd), "c"(cmd), "d"(arg)
		     : "memory", "r8", "r9", "r10", "r11");
	return ret;
}

/* In a new session on a new pty, so it is also this process's controlling terminal (uid 65534) */
static int tty_ioctl(const char *how)
{
	char *byte = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	int master = posix_openpt(O_RDWR | O_NOCTTY), slave;
	long ret;

	if (byte == MAP_FAILED || master < 0 || grantpt(master) || unlockpt(master) || setsid() < 0)
		return report(errno);
	slave = open(ptsname(master), O_RDWR);
	if (slave < 0)
		return report(errno);
	*byte = 'x';
	if (!strcmp(how, "sti32")) {
		ret = ioctl32(slave, TIOCSTI, (unsigned int)(unsigned long)byte);
		return report(ret < 0 ? (int)-ret : 0);
	}
	if (!strcmp(how, "linux")) {
		*byte = 12; /* TIOCL_GETFGCONSOLE */
		return report(ioctl(slave, TIOCLINUX, byte) ? errno : 0);
	}
	if (!strcmp(how, "keymap")) {
		struct kbsentry ks = { .kb_func = 0 }; /* F1's string, as loadkeys sets it */

		strcpy((char *)ks.kb_string, "id\n");
		return report(ioctl(slave, KDSKBSENT, &ks) ? errno : 0);
	}
	return report(ioctl(slave, TIOCSTI, byte) ? errno : 0);
}

/* tty_ioctl in a child: setsid needs a process that leads no group */
static int try_tty(const char *how)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		exit(tty_ioctl(how)); /* its line flushed */
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return report(errno);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	printf("killed by %s\n", strsignal(WTERMSIG(status))); /* no 32-bit entry: SIGSEGV */
	return 1;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "--cgroup")) {
		if (join_cgroup("wtry", argv[2]))
			exit(2);
		argv[2] = argv[0];
		argv += 2;
		argc -= 2;
	}
	if (argc >= 3 && !strcmp(argv[1], "--uid")) {
		gid_t id = atoi(argv[2]);

		if (setgroups(0, NULL) || setgid(id) || setuid(id)) {
			perror("wtry: cannot change user");
			exit(2);
		}
		argv[2] = argv[0];
		argv += 2;
		argc -= 2;
	}
	if (argc == 4 && !strcmp(argv[1], "open-loop")) {
		int n = atoi(argv[3]), failed = 0, first = 0;

		for (int i = 0; i < n; i++) {
			int fd = open(argv[2], O_RDONLY | O_CLOEXEC);

			if (fd >= 0) {
				close(fd);
			} else {
				failed++;
				first = first ? first : errno;
			}
		}
		report(first);
		printf("%d\n", failed);
		return first ? 1 : 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "exec")) {
		execv(argv[2], argv + 2);
		return report(errno);
	}
	if (argc >= 4 && !strcmp(argv[1], "exec-after")) {
		char *first[] = { argv[2], NULL };

		execv(argv[2], first);
		execv(argv[3], argv + 3);
		return report(errno);
	}
	if ((argc == 4 || argc == 5) && (!strcmp(argv[1], "connect") || !strcmp(argv[1], "bind")))
		return try_socket(argv[1], argv[2], argv[3], argc == 5 ? argv[4] : NULL);
	if (argc == 2 && !strcmp(argv[1], "fork")) {
		pid_t pid = fork();

		if (pid < 0)
			return report(errno);
		if (pid == 0)
			_exit(0);
		waitpid(pid, NULL, 0);
		return report(0);
	}
	if (argc == 2 && !strcmp(argv[1], "thread")) {
		pthread_t t;
		int err = pthread_create(&t, NULL, thread_fn, NULL);

		if (!err)
			pthread_join(t, NULL);
		return report(err);
	}
	if (argc == 3 && !strcmp(argv[1], "ptrace")) {
		pid_t pid = atoi(argv[2]);

		if (ptrace(PTRACE_ATTACH, pid, NULL, NULL))
			return report(errno);
		waitpid(pid, NULL, 0);
		ptrace(PTRACE_DETACH, pid, NULL, NULL);
		return report(0);
	}
	if (argc >= 3 && !strcmp(argv[1], "open"))
		return try_open(argv[2], argc > 3 ? argv[3] : "r", 0);
	if (argc == 3 && !strcmp(argv[1], "read"))
		return try_open(argv[2], "r", 1);
	if (argc == 2 && !strcmp(argv[1], "open-lines"))
		return try_open_lines();
	if (argc >= 4 && !strcmp(argv[1], "open-for"))
		return try_open_for(atol(argv[2]), argv + 3, argc - 3);
	if (argc == 5 && !strcmp(argv[1], "hammer"))
		return try_hammer(atol(argv[2]), argv[3], argv[4]);
	if (argc == 3 && (!strcmp(argv[1], "mmap-exec") || !strcmp(argv[1], "mprotect-exec")))
		return try_map_exec(argv[2], argv[1][1] == 'p', NULL, NULL);
	if (argc == 5 && (!strcmp(argv[1], "mmap-exec") || !strcmp(argv[1], "mprotect-exec")))
		return try_map_exec(argv[2], argv[1][1] == 'p', argv[3], argv[4]);
	if (argc == 3 && !strcmp(argv[1], "exec-memory"))
		return try_exec_memory(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "abstract"))
		return try_abstract(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "handle"))
		return try_handle(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "create")) {
		int fd = open(argv[2], O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);

		if (fd >= 0)
			close(fd);
		return report(fd < 0 ? errno : 0);
	}
	if (argc == 4 && !strcmp(argv[1], "rename"))
		return report(rename(argv[2], argv[3]) ? errno : 0);
	if (argc == 4 && !strcmp(argv[1], "link"))
		return report(link(argv[2], argv[3]) ? errno : 0);
	if (argc == 4 && !strcmp(argv[1], "exchange"))
		return report(renameat2(AT_FDCWD, argv[2], AT_FDCWD, argv[3], RENAME_EXCHANGE) ?
				      errno :
				      0);
	if (argc == 6 && !strcmp(argv[1], "race-dir"))
		return try_race_dir(atol(argv[2]), argv[3], argv[4], argv[5]);
	if (argc == 6 && !strcmp(argv[1], "race-link"))
		return try_race_link(atol(argv[2]), argv[3], argv[4], argv[5]);
	if (argc == 2 && !strcmp(argv[1], "unshare-uts"))
		return report(unshare(CLONE_NEWUTS) ? errno : 0);
	if (argc == 3 && !strcmp(argv[1], "tty"))
		return try_tty(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "stack"))
		return print_stack();
	fprintf(stderr,
		"usage: wtry open PATH [r|w|rw] | read PATH | exec PATH [ARGS...] |\n"
		"       connect|bind ADDR PORT [tcp|udp] | fork | thread | ptrace PID |\n"
		"       mmap-exec PATH | mprotect-exec PATH | open-for MS PATH... |\n"
		"       exec-memory FILE |\n"
		"       hammer MS DENIED DIR | abstract NAME | handle PATH | unshare-uts |\n"
		"       tty sti|sti32|linux|keymap |\n"
		"       create PATH | rename FROM TO | exchange A B |\n"
		"       race-dir MS FILE AWAY CHECK | race-link MS FILE AWAY TO\n");
	return 2;
}
