// SPDX-License-Identifier: GPL-2.0
/*
 * wproc: reach into another process, or into warden's state, the ways a confined process might,
 * and print one line per attempt: the attempt's name and "ok" or the errno's name. For
 * test_sound_process.sh.
 *
 *   wproc peek PID              ptrace attach, pidfd_getfd of fd 0, process_vm_readv and
 *                               process_vm_writev of its stack pointer's page, and reads of
 *                               /proc/PID/{mem,environ,maps} and the link /proc/PID/fd/0
 *   wproc starve PID            kill(SIGSTOP), pidfd_send_signal, F_SETOWN and F_SETOWN_EX to
 *                               PID, prlimit, setpriority, sched_setscheduler, ioprio_set
 *   wproc sigio PGID            F_SETOWN -PGID on a pipe with O_ASYNC, then write to it: SIGIO
 *                               goes to the process group (the line says whether the write did)
 *   wproc sigio-pid PID         the same with F_SETOWN PID: SIGIO goes to that process
 *   wproc signal PID            SIGCONT (harmless) to PID by kill (and signal 0), tgkill,
 *                               rt_sigqueueinfo and pidfd_send_signal; PID and then itself
 *                               named a file's owner by F_SETOWN; itself by F_SETOWN_EX and by
 *                               the ioctl FIOSETOWN; TIOCSIG (SIGINT) and TIOCVHANGUP on a
 *                               new pty master; vhangup (run it without a terminal: setsid)
 *   wproc lock PATH             flock and an fcntl write... read lock of PATH
 *   wproc fill MAP KEYSIZE VALSIZE   insert dummy keys (high bit set) into the pinned hash map
 *                               MAP until it is full; prints how many went in
 *   wproc drain MAP KEYSIZE     delete the keys fill inserted
 *   wproc set MAP VALUE         store the __u32 VALUE at key 0 of the pinned array MAP
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static void line(const char *what, int ret)
{
	const char *name = ret < 0 ? strerrorname_np(errno) : "ok";

	printf("%s %s\n", what, name ? name : "EUNKNOWN");
}

/* The /proc views of another process check at open (a read of mem at 0 fails with EIO). */
static int open_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/*
 * A writable mapping of pid, from /proc/PID/maps when it may be read; otherwise any address
 * does, since the permission check comes before the address is used.
 */
static unsigned long writable_address(pid_t pid)
{
	char path[64], perms[8];
	unsigned long start = 0x10000, lo;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return start;
	while (fscanf(f, "%lx-%*x %7s %*[^\n]", &lo, perms) == 2) {
		if (perms[0] == 'r' && perms[1] == 'w') {
			start = lo;
			break;
		}
	}
	fclose(f);
	return start;
}

static int peek(pid_t pid)
{
	char path[64], buf[64], link[256];
	struct iovec local = { buf, sizeof(buf) }, remote = { NULL, sizeof(buf) };
	int pidfd, ret;

	ret = ptrace(PTRACE_ATTACH, pid, NULL, NULL);
	if (!ret) {
		waitpid(pid, NULL, 0);
		ptrace(PTRACE_DETACH, pid, NULL, NULL);
	}
	line("ptrace", ret);
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	ret = pidfd < 0 ? pidfd : syscall(SYS_pidfd_getfd, pidfd, 0, 0);
	if (ret >= 0)
		close(ret);
	line("pidfd_getfd", ret);
	/* the bytes read are written back: the target does not change */
	remote.iov_base = (void *)writable_address(pid);
	ret = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	line("process_vm_readv", ret);
	line("process_vm_writev", process_vm_writev(pid, &local, 1, &remote, 1, 0));
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	line("proc_mem", open_file(path));
	snprintf(path, sizeof(path), "/proc/%d/environ", pid);
	line("proc_environ", open_file(path));
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	line("proc_maps", open_file(path));
	snprintf(path, sizeof(path), "/proc/%d/fd/0", pid);
	line("proc_fd", readlink(path, link, sizeof(link)) < 0 ? -1 : 0);
	if (pidfd >= 0)
		close(pidfd);
	return 0;
}

struct owner_ex {
	int type;
	pid_t pid;
};

static int starve(pid_t pid)
{
	struct rlimit rl;
	struct sched_param sp = { 0 };
	struct owner_ex ex = { 1 /* F_OWNER_PID */, pid };
	int fds[2], pidfd;

	line("kill", kill(pid, SIGSTOP));
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	line("pidfd_send_signal",
	     pidfd < 0 ? pidfd : syscall(SYS_pidfd_send_signal, pidfd, SIGSTOP, NULL, 0));
	if (pipe(fds))
		return 2;
	line("f_setown", fcntl(fds[0], F_SETOWN, pid));
	line("f_setown_ex", fcntl(fds[0], F_SETOWN_EX, &ex));
	close(fds[0]);
	close(fds[1]);
	rl.rlim_cur = rl.rlim_max = 1;
	line("prlimit", prlimit(pid, RLIMIT_NOFILE, &rl, NULL));
	line("setpriority", setpriority(PRIO_PROCESS, pid, 19));
	line("sched_setscheduler", sched_setscheduler(pid, SCHED_IDLE, &sp));
	/* IOPRIO_WHO_PROCESS, class idle */
	line("ioprio_set", syscall(SYS_ioprio_set, 1, pid, 3 << 13));
	return 0;
}

static int sigio(pid_t pgid)
{
	int fds[2];

	signal(SIGIO, SIG_IGN);
	if (pipe(fds))
		return 2;
	line(pgid < 0 ? "f_setown" : "f_setown_pgrp", fcntl(fds[0], F_SETOWN, -pgid));
	fcntl(fds[0], F_SETFL, O_ASYNC);
	line("write", write(fds[1], "x", 1) == 1 ? 0 : -1);
	return 0;
}

static int signal_all(pid_t pid)
{
	struct owner_ex ex = { 1 /* F_OWNER_PID */, getpid() };
	siginfo_t info = { .si_signo = SIGCONT, .si_code = SI_QUEUE, .si_pid = getpid() };
	int fds[2], pidfd, me = getpid(), master;

	line("kill0", kill(pid, 0));
	line("kill", kill(pid, SIGCONT));
	line("tgkill", syscall(SYS_tgkill, pid, pid, SIGCONT));
	line("sigqueue", syscall(SYS_rt_sigqueueinfo, pid, SIGCONT, &info));
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	line("pidfd_send_signal",
	     pidfd < 0 ? pidfd : syscall(SYS_pidfd_send_signal, pidfd, SIGCONT, NULL, 0));
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds))
		return 2;
	line("f_setown", fcntl(fds[0], F_SETOWN, pid));
	line("f_setown_self", fcntl(fds[0], F_SETOWN, me));
	line("f_setown_ex_self", fcntl(fds[0], F_SETOWN_EX, &ex));
	line("fiosetown_self", ioctl(fds[0], FIOSETOWN, &me));
	close(fds[0]);
	close(fds[1]);
	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) || unlockpt(master))
		return 2;
	line("tiocsig", ioctl(master, TIOCSIG, SIGINT)); /* a slave no one opened: sent to no one */
	line("tiocvhangup", ioctl(master, TIOCVHANGUP));
	close(master);
	/* run without a controlling terminal (setsid): nothing to hang up */
	line("vhangup", vhangup());
	return 0;
}

static int lock(const char *path)
{
	struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET };
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		line("open", -1);
		return 1;
	}
	line("flock", flock(fd, LOCK_SH | LOCK_NB));
	line("fcntl_lock", fcntl(fd, F_SETLK, &fl));
	line("ofd_lock", fcntl(fd, F_OFD_SETLK, &fl));
	close(fd);
	return 0;
}

static int map_get(const char *pin)
{
	union bpf_attr attr = { .pathname = (uintptr_t)pin };
	int fd = syscall(SYS_bpf, BPF_OBJ_GET, &attr, sizeof(attr));

	if (fd < 0) {
		fprintf(stderr, "wproc: cannot open %s: %s\n", pin, strerror(errno));
		exit(2);
	}
	return fd;
}

static int map_op(int cmd, int fd, const void *key, const void *value)
{
	union bpf_attr attr = {
		.map_fd = fd,
		.key = (uintptr_t)key,
		.value = (uintptr_t)value,
		/* only an update takes flags: 5.10 and 6.1 refuse a delete with any (EINVAL) */
		.flags = cmd == BPF_MAP_UPDATE_ELEM ? BPF_NOEXIST : 0,
	};

	return syscall(SYS_bpf, cmd, &attr, sizeof(attr));
}

/* Dummy key i: the top bit set, so it is no cgroup id or thread group id in use. */
static void dummy_key(unsigned char *key, int size, uint32_t i)
{
	memset(key, 0, size);
	if (size >= 8) {
		uint64_t k = (1ULL << 63) | i;

		memcpy(key, &k, 8);
	} else {
		uint32_t k = (1U << 31) | i;

		memcpy(key, &k, 4);
	}
}

static int fill(const char *pin, int ksize, int vsize)
{
	unsigned char key[64], value[64] = { 1 };
	int fd = map_get(pin);
	uint32_t i;

	if (ksize > 64 || vsize > 64)
		return 2;
	for (i = 0; i < (1U << 24); i++) {
		dummy_key(key, ksize, i);
		if (map_op(BPF_MAP_UPDATE_ELEM, fd, key, value))
			break;
	}
	printf("%u %s\n", i, strerrorname_np(errno));
	return 0;
}

static int drain(const char *pin, int ksize)
{
	unsigned char key[64];
	int fd = map_get(pin);
	uint32_t i, misses = 0;

	for (i = 0; misses < 1024 && i < (1U << 24); i++) {
		dummy_key(key, ksize, i);
		if (!map_op(BPF_MAP_DELETE_ELEM, fd, key, NULL)) {
			misses = 0;
		} else if (errno == ENOENT) {
			misses++;
		} else {
			fprintf(stderr, "wproc: cannot delete from %s: %s\n", pin, strerror(errno));
			return 1;
		}
	}
	return 0;
}

static int set(const char *pin, uint32_t value)
{
	union bpf_attr attr = {};
	uint32_t zero = 0;

	attr.map_fd = map_get(pin);
	attr.key = (uintptr_t)&zero;
	attr.value = (uintptr_t)&value;
	attr.flags = BPF_ANY;
	if (syscall(SYS_bpf, BPF_MAP_UPDATE_ELEM, &attr, sizeof(attr))) {
		perror("wproc: update");
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "peek"))
		return peek(atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "starve"))
		return starve(atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "sigio"))
		return sigio(atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "sigio-pid"))
		return sigio(-atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "signal"))
		return signal_all(atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "lock"))
		return lock(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "fill"))
		return fill(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (argc == 4 && !strcmp(argv[1], "drain"))
		return drain(argv[2], atoi(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "set"))
		return set(argv[2], strtoul(argv[3], NULL, 0));
	fprintf(stderr,
		"usage: wproc peek PID | starve PID | sigio PGID | sigio-pid PID | signal PID |\n"
		"       lock PATH |\n"
		"       fill MAP KEYSIZE VALSIZE | drain MAP KEYSIZE | set MAP VALUE\n");
	return 2;
}
