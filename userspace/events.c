// SPDX-License-Identifier: GPL-2.0
/* The ring buffer reader: records in, resolved event views out. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/types.h>
#include <bpf/libbpf.h>
#include "../bpf/abi.h"
#include "cgroup.h"
#include "events.h"
#include "maps.h"

struct events {
	const struct warden_maps *maps;
	char mount[PATH_MAX];
	events_fn fn;
	void *ctx;
	struct ring_buffer *rb;
	int64_t boot_to_real_ns;
};

const char *events_op_name(unsigned int op)
{
	static const char *const names[] = {
		[WARDEN_OP_FS_READ] = "fs.read",
		[WARDEN_OP_FS_WRITE] = "fs.write",
		[WARDEN_OP_EXEC] = "exec",
		[WARDEN_OP_LIBRARY] = "library",
		[WARDEN_OP_NET_CONNECT] = "net.connect",
		[WARDEN_OP_NET_BIND] = "net.bind",
		[WARDEN_OP_FORK] = "fork",
		[WARDEN_OP_PTRACE] = "ptrace",
		[WARDEN_OP_TAMPER] = "tamper",
		[WARDEN_OP_MEMORY_EXEC] = "memory.exec",
		[WARDEN_OP_SIGNAL] = "signal",
	};

	if (op < sizeof(names) / sizeof(names[0]) && names[op])
		return names[op];
	return "unknown";
}

const char *events_action_name(unsigned int action)
{
	switch (action) {
	case WARDEN_ACTION_DENY:
		return "deny";
	case WARDEN_ACTION_AUDIT:
		return "audit";
	case WARDEN_ACTION_WOULD_DENY:
		return "would-deny";
	default:
		return "unknown";
	}
}

const char *events_reason_name(unsigned int reason)
{
	switch (reason) {
	case WARDEN_REASON_RULE:
		return "rule";
	case WARDEN_REASON_DEFAULT:
		return "default";
	case WARDEN_REASON_UNRESOLVED:
		return "unresolved";
	case WARDEN_REASON_FILELESS:
		return "fileless";
	case WARDEN_REASON_UNREADABLE:
		return "unreadable";
	default:
		return "unknown";
	}
}

static int64_t boot_to_real_ns(void)
{
	struct timespec real, boot;

	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	return (real.tv_sec - boot.tv_sec) * 1000000000LL + (real.tv_nsec - boot.tv_nsec);
}

static int handle(void *ctx, void *data, size_t size)
{
	struct events *e = ctx;
	const struct warden_event *raw = data;
	struct event_view *v;
	char link[64];
	int64_t ns;
	ssize_t n;
	int ret;

	if (size < WARDEN_EVENT_HDR_LEN)
		return 0;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->raw = raw;
	ns = (int64_t)raw->ts_boot_ns + e->boot_to_real_ns;
	v->ts.tv_sec = ns / 1000000000LL;
	v->ts.tv_nsec = ns % 1000000000LL;
	v->op = events_op_name(raw->op);
	v->action = events_action_name(raw->action);
	v->reason = events_reason_name(raw->reason);
	if (maps_policy_name(e->maps, raw->policy_id, v->policy, sizeof(v->policy)))
		snprintf(v->policy, sizeof(v->policy), "#%u", raw->policy_id);
	if (cgroup_path(e->mount, raw->cgroup_id, v->cgroup, sizeof(v->cgroup)))
		snprintf(v->cgroup, sizeof(v->cgroup), "#%llu", (unsigned long long)raw->cgroup_id);
	if (raw->exe[0] && memchr(raw->exe, 0, sizeof(raw->exe))) {
		snprintf(v->exe, sizeof(v->exe), "%s", raw->exe);
	} else {
		/* not recorded at exec (started before the policy): /proc, while the process lives */
		snprintf(link, sizeof(link), "/proc/%u/exe", raw->pid);
		n = readlink(link, v->exe, sizeof(v->exe) - 1);
		v->exe[n > 0 ? n : 0] = 0;
	}
	if (raw->path_len && size >= WARDEN_EVENT_HDR_LEN + raw->path_len &&
	    raw->path[raw->path_len - 1] == 0)
		v->path = raw->path;
	/* sent only by programs that know the field, and then whole */
	if (size >= sizeof(*raw) && raw->program[0] &&
	    memchr(raw->program, 0, sizeof(raw->program)))
		v->program = raw->program;
	ret = e->fn(v, e->ctx);
	free(v);
	return ret;
}

int events_open(const struct warden_maps *m, const char *cgroup_mount, events_fn fn, void *ctx,
		struct events **ret_events)
{
	struct events *e = calloc(1, sizeof(*e));
	int ret;

	if (!e)
		return -ENOMEM;
	e->maps = m;
	snprintf(e->mount, sizeof(e->mount), "%s", cgroup_mount);
	e->fn = fn;
	e->ctx = ctx;
	e->boot_to_real_ns = boot_to_real_ns();
	e->rb = ring_buffer__new(m->events, handle, e, NULL);
	if (!e->rb) {
		ret = -errno;
		free(e);
		return ret;
	}
	*ret_events = e;
	return 0;
}

int events_poll(struct events *e, int timeout_ms)
{
	int ret = ring_buffer__poll(e->rb, timeout_ms);

	return ret == -EINTR ? 0 : ret;
}

int events_fd(const struct events *e)
{
	return ring_buffer__epoll_fd(e->rb);
}

int events_drain(struct events *e)
{
	return ring_buffer__consume(e->rb);
}

void events_free(struct events *e)
{
	if (!e)
		return;
	ring_buffer__free(e->rb);
	free(e);
}
