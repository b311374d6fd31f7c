// SPDX-License-Identifier: GPL-2.0
/*
 * One command in a transient cgroup with its own policy.
 *
 * Three processes: warden (the supervisor the user sees: it waits, passes signals on, reports
 * denials and cleans up), the child that enters the cgroup and execs the command, and a
 * detached reaper (its own session, no terminal, no open files) that removes the cgroup and the
 * policy when the cgroup's last process exits, so that nothing is left when warden itself is
 * killed with SIGKILL or loses its terminal. The child is forked before warden opens anything,
 * so the command inherits no descriptor of warden's (no map, no lock).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/types.h>
#include "../bpf/abi.h"
#include "cgroup.h"
#include "commands.h"
#include "loader.h"
#include "log.h"
#include "maps.h"
#include "output.h"
#include "run.h"

int run_find_program(const char *file, char *buf, size_t size)
{
	const char *path = getenv("PATH"), *p, *end;
	char cand[PATH_MAX];

	if (!*file)
		return -ENOENT;
	if (strchr(file, '/')) {
		if (access(file, X_OK))
			return -errno;
		/* absolute, symlinks kept: the command's name (comm) stays the one asked for */
		if (file[0] != '/' && getcwd(cand, sizeof(cand)) &&
		    (size_t)snprintf(buf, size, "%s/%s", cand, file) < size)
			return 0;
		return file[0] == '/' && (size_t)snprintf(buf, size, "%s", file) < size ?
			       0 :
			       -ENAMETOOLONG;
	}
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; *p; p = *end ? end + 1 : end) {
		struct stat st;

		end = strchrnul(p, ':');
		if ((size_t)snprintf(cand, sizeof(cand), "%.*s/%s", (int)(end - p),
				     end > p ? p : ".", file) >= sizeof(cand))
			continue;
		if (access(cand, X_OK) || stat(cand, &st) || !S_ISREG(st.st_mode))
			continue;
		if (cand[0] != '/')
			continue; /* a relative directory in PATH */
		if ((size_t)snprintf(buf, size, "%s", cand) < size)
			return 0;
	}
	return -ENOENT;
}

static int cgroup_dir(const char *mount, const char *name, char *buf, size_t size)
{
	if ((size_t)snprintf(buf, size, "%s%s/%s", mount, RUN_CGROUP_PARENT, name) >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* 1 when a process is in the cgroup (or below it), 0 when none is, or a negative errno. */
static int cgroup_populated(int events_fd)
{
	char buf[256], *s;
	ssize_t n;

	n = pread(events_fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	s = strstr(buf, "populated ");
	if (!s)
		return -EINVAL;
	return s[10] == '1';
}

static int populated_at(const char *dir)
{
	char file[PATH_MAX];
	int fd, ret;

	if ((size_t)snprintf(file, sizeof(file), "%s/cgroup.events", dir) >= sizeof(file))
		return -ENAMETOOLONG;
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = cgroup_populated(fd);
	close(fd);
	return ret;
}

/* Remove policy name and its cgroup; the caller holds the lock. Either may be gone already. */
static int remove_locked(const struct warden_maps *m, const char *mount, const char *name)
{
	char dir[PATH_MAX];
	uint32_t id;
	int err = 0;

	if (m && !maps_policy_find(m, name, &id))
		err = maps_policy_remove(m, mount, id);
	if (!cgroup_dir(mount, name, dir, sizeof(dir)) && rmdir(dir) && errno != ENOENT && !err)
		err = -errno;
	return err;
}

static int remove_run(const char *mount, const char *name)
{
	struct warden_maps m;
	int lock, err, open_err;

	lock = loader_lock();
	if (lock < 0)
		return lock;
	open_err = loader_is_loaded() ? loader_open(&m) : -ENOENT;
	err = remove_locked(open_err ? NULL : &m, mount, name);
	if (!open_err)
		loader_close(&m);
	loader_unlock(lock);
	return err;
}

struct sweep_ctx {
	const struct warden_maps *m;
	const char *mount;
	char (*names)[WARDEN_NAME_MAX + 1];
	size_t n;
	size_t cap;
};

static int sweep_policy(uint32_t id, const struct warden_policy *p, void *arg)
{
	struct sweep_ctx *s = arg;
	char dir[PATH_MAX], name[WARDEN_NAME_MAX + 1];

	(void)id;
	snprintf(name, sizeof(name), "%.*s", WARDEN_NAME_MAX, p->name);
	if (strncmp(name, RUN_NAME_PREFIX, strlen(RUN_NAME_PREFIX)) || s->n == s->cap)
		return 0;
	if (cgroup_dir(s->mount, name, dir, sizeof(dir)) || populated_at(dir) == 1)
		return 0;
	snprintf(s->names[s->n++], sizeof(s->names[0]), "%s", name);
	return 0;
}

static int sweep_cgroup(const char *path, uint64_t id, void *arg)
{
	struct sweep_ctx *s = arg;
	const char *name = strrchr(path, '/') + 1;
	char dir[PATH_MAX];
	size_t i;

	(void)id;
	if (strncmp(name, RUN_NAME_PREFIX, strlen(RUN_NAME_PREFIX)) || s->n == s->cap ||
	    strlen(name) > WARDEN_NAME_MAX)
		return 0;
	if (cgroup_dir(s->mount, name, dir, sizeof(dir)) || populated_at(dir) != 0)
		return 0;
	for (i = 0; i < s->n; i++)
		if (!strcmp(s->names[i], name))
			return 0;
	snprintf(s->names[s->n++], sizeof(s->names[0]), "%s", name);
	return 0;
}

/*
 * The caller holds the lock: a run creates its cgroup, installs its policy and moves its child
 * in under the lock, so a sweep never sees a run half set up.
 */
static int sweep_locked(const struct warden_maps *m, const char *mount)
{
	char names[256][WARDEN_NAME_MAX + 1];
	struct sweep_ctx s = { .m = m, .mount = mount, .names = names, .cap = 256 };
	size_t i;
	int err = 0;

	if (m)
		maps_for_each_policy(m, sweep_policy, &s);
	cgroup_children(mount, RUN_CGROUP_PARENT, sweep_cgroup, &s);
	for (i = 0; i < s.n; i++) {
		log_debug("removing the stale transient policy and cgroup '%s'", s.names[i]);
		if (!err)
			err = remove_locked(m, mount, s.names[i]);
	}
	return err;
}

int run_sweep(void)
{
	struct warden_maps m;
	char mount[PATH_MAX];
	int lock, err, open_err;

	if (cgroup_mount_point(mount, sizeof(mount)))
		return 0;
	lock = loader_lock();
	if (lock < 0)
		return lock;
	open_err = loader_is_loaded() ? loader_open(&m) : -ENOENT;
	err = sweep_locked(open_err ? NULL : &m, mount);
	if (!open_err)
		loader_close(&m);
	loader_unlock(lock);
	return err;
}

/*
 * The reaper: a grandchild in its own session, with /dev/null for stdio and no other file,
 * deaf to the terminal's signals. It waits for the cgroup's "populated 0" (cgroup.events is
 * pollable: POLLPRI on every change) and removes the cgroup and the policy. When warden lives
 * to see the command exit it does the same first; whichever comes second finds nothing.
 */
static void reaper_main(const char *mount, const char *name)
{
	static const int quiet[] = { SIGHUP,  SIGINT,  SIGQUIT, SIGTERM, SIGPIPE,
				     SIGTSTP, SIGTTIN, SIGTTOU, SIGUSR1, SIGUSR2 };
	char dir[PATH_MAX], file[PATH_MAX];
	struct pollfd pfd;
	size_t i;

	for (i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++)
		signal(quiet[i], SIG_IGN);
	pfd.fd = -1;
	if (!cgroup_dir(mount, name, dir, sizeof(dir)) &&
	    (size_t)snprintf(file, sizeof(file), "%s/cgroup.events", dir) < sizeof(file))
		pfd.fd = open(file, O_RDONLY | O_CLOEXEC);
	pfd.events = POLLPRI;
	while (pfd.fd >= 0 && cgroup_populated(pfd.fd) == 1) {
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			break;
	}
	if (pfd.fd >= 0)
		close(pfd.fd);
	remove_run(mount, name);
}

/* Fork the reaper; returns once it runs detached (the intermediate child is reaped here). */
static int start_reaper(const char *mount, const char *name)
{
	pid_t pid = fork(), pid2;
	int st;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (null < 0 || setsid() < 0)
			_exit(1);
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		close_range(3, ~0U, 0);
		pid2 = fork();
		if (pid2 != 0)
			_exit(pid2 < 0);
		reaper_main(mount, name);
		_exit(0);
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		return -ECHILD;
	return 0;
}

/* Distinct denials already reported, so each is printed once. */
struct seen {
	char **v;
	size_t n;
};

static int seen_add(struct seen *s, const char *key)
{
	char **v;
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], key))
			return 0;
	if (s->n >= 4096)
		return 0; /* enough: report the rest without remembering them */
	v = realloc(s->v, (s->n + 1) * sizeof(*v));
	if (!v)
		return 1;
	s->v = v;
	v[s->n] = strdup(key);
	if (v[s->n])
		s->n++;
	return 1;
}

static void seen_free(struct seen *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

struct run_state {
	const struct run_options *o;
	uint32_t policy_id;
	uint64_t reported; /* events of this policy read from the ring buffer */
	struct seen seen;
};

/* "127.0.0.1:80" or "[::1]:80", the spelling of an address rule. */
static void event_addr(const struct warden_event *raw, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(raw->family == 4 ? AF_INET : AF_INET6, raw->addr, a, sizeof(a));
	if (raw->family == 4)
		snprintf(buf, size, "%s:%u", a, raw->port);
	else
		snprintf(buf, size, "[%s]:%u", a, raw->port);
}

static const char *proto_suffix(unsigned int proto)
{
	return proto == 6 ? "/tcp" : proto == 17 ? "/udp" : "";
}

/* What was denied and the flag that allows it. */
static void describe(const struct event_view *ev, char *what, size_t wsize, char *fix, size_t fsize)
{
	const struct warden_event *raw = ev->raw;
	const char *path = ev->path ? ev->path : "";
	char addr[80];

	snprintf(what, wsize, "%s", path);
	fix[0] = 0;
	switch (raw->op) {
	case WARDEN_OP_FS_READ:
		snprintf(fix, fsize, "--allow-fs-read=%s", path);
		break;
	case WARDEN_OP_FS_WRITE:
		snprintf(fix, fsize, "--allow-fs-write=%s", path);
		break;
	case WARDEN_OP_EXEC:
		snprintf(fix, fsize, "--allow-exec=%s", path);
		break;
	case WARDEN_OP_LIBRARY:
		snprintf(fix, fsize, "--allow-libraries=%s (or --allow-addons)", path);
		break;
	case WARDEN_OP_NET_CONNECT:
		if (raw->family) {
			event_addr(raw, addr, sizeof(addr));
			snprintf(what, wsize, "%s%s", addr, proto_suffix(raw->proto));
		}
		if ((size_t)snprintf(fix, fsize, "--allow-net=%s", what) >= fsize)
			fix[0] = 0;
		break;
	case WARDEN_OP_NET_BIND:
		event_addr(raw, addr, sizeof(addr));
		snprintf(what, wsize, "%s%s", addr, proto_suffix(raw->proto));
		snprintf(fix, fsize, "--allow-bind=%u%s", raw->port, proto_suffix(raw->proto));
		break;
	case WARDEN_OP_FORK:
		snprintf(fix, fsize, "--allow-child-process");
		break;
	case WARDEN_OP_PTRACE:
	case WARDEN_OP_SIGNAL:
		snprintf(what, wsize, "pid %u", raw->target_pid);
		snprintf(fix, fsize, "--allow-all");
		break;
	}
	/* fork, ptrace and signal denials are the policy's switch, reported as its rule */
	if (raw->op == WARDEN_OP_TAMPER)
		snprintf(fix, fsize, "warden never allows this");
	else if (raw->reason == WARDEN_REASON_RULE && raw->op != WARDEN_OP_FORK &&
		 raw->op != WARDEN_OP_PTRACE && raw->op != WARDEN_OP_SIGNAL)
		snprintf(fix, fsize, "a deny rule decides");
	else if (raw->reason != WARDEN_REASON_RULE && raw->reason != WARDEN_REASON_DEFAULT)
		snprintf(fix, fsize, "reason %s", ev->reason);
	else if (!fix[0])
		snprintf(fix, fsize, "no flag allows this");
	if (raw->op == WARDEN_OP_TAMPER)
		snprintf(what, wsize, "%s%s%s", output_tamper_name(raw->what), path[0] ? " " : "",
			 path);
	else if (raw->op == WARDEN_OP_MEMORY_EXEC)
		snprintf(what, wsize, "%s", path);
}

static int on_event(const struct event_view *ev, void *arg)
{
	struct run_state *s = arg;
	const struct warden_event *raw = ev->raw;
	char what[PATH_MAX + 64], fix[PATH_MAX + 64], comm[WARDEN_COMM_LEN + 1], key[PATH_MAX * 2];
	const char *verb;

	if (raw->policy_id != s->policy_id)
		return 0;
	s->reported++;
	if (s->o->events)
		output_event_json(s->o->events, ev);
	if (!s->o->quiet) {
		memcpy(comm, raw->comm, WARDEN_COMM_LEN);
		comm[WARDEN_COMM_LEN] = 0;
		describe(ev, what, sizeof(what), fix, sizeof(fix));
		snprintf(key, sizeof(key), "%s %s %s %s", ev->op, what, comm, fix);
		verb = raw->action == WARDEN_ACTION_AUDIT ? "would deny" : "denied";
		if (seen_add(&s->seen, key)) {
			if (strncmp(fix, "--", 2))
				fprintf(stderr, "warden: %s %s%s%s (%s, pid %u): %s\n", verb,
					ev->op, what[0] ? " " : "", what, comm, raw->pid, fix);
			else
				fprintf(stderr, "warden: %s %s%s%s (%s, pid %u): allow with %s\n",
					verb, ev->op, what[0] ? " " : "", what, comm, raw->pid,
					fix);
		}
	}
	if (s->o->on_event)
		s->o->on_event(ev, s->o->ctx);
	return 0;
}

static volatile sig_atomic_t pending[NSIG];
static volatile sig_atomic_t child_changed;

static void on_signal(int sig)
{
	if (sig == SIGCHLD)
		child_changed = 1;
	else
		pending[sig] = 1;
}

static const int forwarded[] = { SIGTERM, SIGHUP, SIGUSR1, SIGUSR2, SIGALRM, SIGCONT };

static void handle_signals(int install)
{
	struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART: wake the poll */
	struct sigaction ign = { .sa_handler = SIG_IGN }, dfl = { .sa_handler = SIG_DFL };
	size_t i;

	for (i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaction(forwarded[i], install ? &sa : &dfl, NULL);
	sigaction(SIGCHLD, install ? &sa : &dfl, NULL);
	/* the terminal sends these to the whole foreground group, the command included */
	sigaction(SIGINT, install ? &ign : &dfl, NULL);
	sigaction(SIGQUIT, install ? &ign : &dfl, NULL);
}

static void forward_signals(pid_t child)
{
	size_t i;

	for (i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++) {
		if (!pending[forwarded[i]])
			continue;
		pending[forwarded[i]] = 0;
		kill(child, forwarded[i]);
	}
}

/*
 * The child: wait for warden to have moved it into the cgroup (one byte on the pipe; end of
 * file means warden gave up), then exec. Any failure is exit status 127, as a shell's.
 */
static void child_main(int go, const char *prog, char *const *argv)
{
	char c;

	if (read(go, &c, 1) != 1)
		_exit(127);
	execv(prog, argv);
	fprintf(stderr, "warden: cannot run '%s': %s\n", prog, strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

static int make_name(char *buf, size_t size)
{
	uint32_t r;

	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		return -errno;
	snprintf(buf, size, RUN_NAME_PREFIX "%d.%08x", (int)getpid(), r);
	return 0;
}

static int set_identity(struct policy *p, const char *name, int audit)
{
	char cg[128], *n, *c;
	struct policy_str *v;
	size_t i;

	snprintf(cg, sizeof(cg), RUN_CGROUP_PARENT "/%s", name);
	n = strdup(name);
	c = strdup(cg);
	v = calloc(1, sizeof(*v));
	if (!n || !c || !v) {
		free(n);
		free(c);
		free(v);
		return -ENOMEM;
	}
	free(p->name.s);
	p->name.s = n;
	for (i = 0; i < p->cgroups.n; i++)
		free(p->cgroups.v[i].s);
	free(p->cgroups.v);
	v->s = c;
	p->cgroups.v = v;
	p->cgroups.n = 1;
	if (audit)
		p->audit = 1;
	return 0;
}

static int write_pid(const char *dir, pid_t pid)
{
	char file[PATH_MAX], buf[32];
	int fd, len, ret = 0;

	if ((size_t)snprintf(file, sizeof(file), "%s/cgroup.procs", dir) >= sizeof(file))
		return -ENAMETOOLONG;
	fd = open(file, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%d\n", (int)pid);
	if (write(fd, buf, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * Under the lock: sweep, create the cgroup, install the policy, move the child in and start
 * the reaper. On failure nothing of it is left.
 */
static int set_up(const char *mount, struct policy *p, pid_t child, uint32_t *ret_id)
{
	struct warden_maps m;
	char dir[PATH_MAX], parent[PATH_MAX];
	int lock, err;

	lock = loader_lock();
	if (lock < 0)
		return lock;
	err = loader_load();
	if (err)
		goto out_lock;
	err = loader_open(&m);
	if (err)
		goto out_lock;
	sweep_locked(&m, mount);
	if ((size_t)snprintf(parent, sizeof(parent), "%s" RUN_CGROUP_PARENT, mount) >=
		    sizeof(parent) ||
	    (mkdir(parent, 0755) && errno != EEXIST)) {
		err = -errno;
		log_error("cannot create the cgroup %s: %s", parent, strerror(errno));
		goto out;
	}
	if (cgroup_dir(mount, p->name.s, dir, sizeof(dir)) || mkdir(dir, 0755)) {
		err = -errno;
		log_error("cannot create the cgroup %s: %s", dir, strerror(errno));
		goto out;
	}
	err = cmd_install_policy(&m, mount, p);
	if (!err)
		err = maps_policy_find(&m, p->name.s, ret_id);
	if (err) {
		log_error("cannot install the policy of this run: %s", strerror(-err));
		goto out_remove;
	}
	err = write_pid(dir, child);
	if (err) {
		log_error("cannot move the command into %s: %s", dir, strerror(-err));
		goto out_remove;
	}
	err = start_reaper(mount, p->name.s);
	if (err) {
		log_error("cannot start the reaper process: %s", strerror(-err));
		goto out_remove;
	}
	goto out;
out_remove:
	remove_locked(&m, mount, p->name.s);
out:
	loader_close(&m);
out_lock:
	loader_unlock(lock);
	return err;
}

/* Wait for the child, reporting events as they come and passing signals on. */
static int supervise(pid_t child, struct events *e, int *ret_status)
{
	int st;
	pid_t r;

	for (;;) {
		forward_signals(child);
		r = waitpid(child, &st, WNOHANG);
		if (r == child)
			break;
		if (r < 0 && errno != EINTR)
			return -errno;
		child_changed = 0;
		if (e)
			events_poll(e, 250);
		else
			usleep(100000);
	}
	if (e)
		events_drain(e);
	*ret_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return 0;
}

/* Denials the kernel counted that this run did not read (another reader took them). */
static void report_missed(const struct warden_maps *m, struct run_state *s)
{
	struct maps_counters c;
	uint64_t total;

	if (s->o->quiet || maps_counters(m, s->policy_id, &c))
		return;
	total = c.denied + c.audited;
	if (total > s->reported)
		fprintf(stderr,
			"warden: %llu more denial%s not reported (another reader of the event "
			"stream took %s, or the rate limit dropped %s)\n",
			(unsigned long long)(total - s->reported),
			total - s->reported == 1 ? " was" : "s were",
			total - s->reported == 1 ? "it" : "them",
			total - s->reported == 1 ? "it" : "them");
}

int run_confined(struct policy *p, char *const *argv, const struct run_options *o, int *ret_status)
{
	struct run_state s = { .o = o };
	char prog[PATH_MAX], mount[PATH_MAX], name[64], dir[PATH_MAX];
	struct warden_maps m;
	struct events *e = NULL;
	int go[2], err, status = 0, maps_open = 0;
	pid_t child;

	if (geteuid() != 0) {
		log_error("warden run needs root: it loads BPF programs and creates a cgroup");
		return -EPERM;
	}
	err = run_find_program(argv[0], prog, sizeof(prog));
	if (err) {
		log_error("cannot find the program '%s': %s", argv[0], strerror(-err));
		return err;
	}
	if (cgroup_mount_point(mount, sizeof(mount))) {
		log_error("no cgroup2 filesystem is mounted: mount -t cgroup2 none /sys/fs/cgroup");
		return -ENOENT;
	}
	err = make_name(name, sizeof(name));
	if (!err)
		err = set_identity(p, name, o->audit);
	if (err)
		return err;
	if (pipe2(go, O_CLOEXEC))
		return -errno;
	fflush(NULL);
	child = fork();
	if (child < 0) {
		err = -errno;
		close(go[0]);
		close(go[1]);
		return err;
	}
	if (child == 0) {
		close(go[1]);
		child_main(go[0], prog, argv);
	}
	close(go[0]);
	err = set_up(mount, p, child, &s.policy_id);
	if (err) {
		close(go[1]);
		waitpid(child, NULL, 0);
		return err;
	}
	handle_signals(1);
	if (!loader_open(&m)) {
		maps_open = 1;
		if (events_open(&m, mount, on_event, &s, &e))
			e = NULL;
	}
	if (write(go[1], "x", 1) != 1)
		kill(child, SIGKILL);
	close(go[1]);
	err = supervise(child, e, &status);
	handle_signals(0);
	if (maps_open)
		report_missed(&m, &s);
	events_free(e);
	if (maps_open)
		loader_close(&m);
	if (!cgroup_dir(mount, name, dir, sizeof(dir)) && populated_at(dir) == 0)
		remove_run(mount, name);
	seen_free(&s.seen);
	if (err)
		return err;
	*ret_status = status;
	return 0;
}
