// SPDX-License-Identifier: GPL-2.0
/* Process hooks: creating processes (not threads) and tracing other processes. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "decide.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define CLONE_THREAD 0x00010000
#define CLONE_NEWNS 0x00020000
#define CLONE_NEWUSER 0x10000000
/* every namespace clone can create: cgroup, uts, ipc, user, pid, net (time: clone3 only) */
#define CLONE_NEWTIME 0x00000080
#define CLONE_NEW_ANY                                                                      \
	(CLONE_NEWNS | 0x02000000 | 0x04000000 | 0x08000000 | CLONE_NEWUSER | 0x20000000 | \
	 0x40000000)
#define CLONE_INTO_CGROUP 0x200000000ULL

/* include/linux/ptrace.h: a check the kernel makes only to decide what to show, not an access */
#define PTRACE_MODE_ATTACH 0x02
#define PTRACE_MODE_NOAUDIT 0x04

/*
 * Deny op for the current task when its policy has flag set. Tracing the warden daemon is
 * refused whatever the policy says. pokes: the operation lets one process write another's
 * pages through their protection, code included (a ptrace attach: PTRACE_POKETEXT, or
 * /proc/PID/mem): under process.exec_memory: deny that is writable, executable memory,
 * whatever process.ptrace allows (op memory.exec).
 */
static __always_inline int proc_decide(__u32 flag, __u16 op, __u32 target_pid, int pokes)
{
	struct warden_policy *policy = NULL;
	struct warden_scratch *s;
	__u32 policy_id = 0;
	int tagged;

	tagged = warden_begin(&policy, &policy_id, &s);
	if (tagged <= 0)
		return tagged;
	if (op == WARDEN_OP_PTRACE && warden_is_daemon(target_pid)) {
		s->ev.target_pid = target_pid;
		return warden_tamper(s, policy, policy_id, WARDEN_TAMPER_DAEMON);
	}
	if (!(policy->flags & flag)) {
		if (!pokes || !(policy->flags & WARDEN_POLICY_EXEC_MEMORY_DENY)) {
			warden_count_allowed(policy_id);
			return 0;
		}
		op = WARDEN_OP_MEMORY_EXEC;
	}
	s->ev.target_pid = target_pid;
	return warden_report(&s->ev, policy, policy_id, op, WARDEN_REASON_RULE);
}

SEC("lsm/task_alloc")
int BPF_PROG(warden_task_alloc, struct task_struct *task, unsigned long clone_flags, int ret)
{
	struct warden_policy *policy = NULL;
	struct warden_scratch *s;
	__u32 policy_id = 0;
	int tagged;

	if (ret)
		return ret;
	if (clone_flags & (CLONE_INTO_CGROUP | CLONE_NEW_ANY | CLONE_NEWTIME)) {
		/* clone3 into another cgroup, or into new namespaces of any kind */
		tagged = warden_begin(&policy, &policy_id, &s);
		if (tagged <= 0)
			return tagged;
		if (clone_flags & CLONE_INTO_CGROUP)
			return warden_tamper(s, policy, policy_id, WARDEN_TAMPER_CGROUP);
		if (!(policy->flags & WARDEN_POLICY_NAMESPACES_ALLOW))
			return warden_tamper(s, policy, policy_id, WARDEN_TAMPER_NAMESPACE);
	}
	if (clone_flags & CLONE_THREAD)
		return 0; /* threads share the process: fork rules are about new processes */
	return proc_decide(WARDEN_POLICY_FORK_DENY, WARDEN_OP_FORK, 0, 0);
}

/*
 * Every way to reach into another process passes ptrace_may_access and this hook: ptrace
 * attach, pidfd_getfd, process_vm_readv/writev, kcmp, and the /proc files that show its memory,
 * environment, mappings, open files, stack and namespaces. A process outside the caller's policy
 * is refused whatever process.ptrace says, which governs only processes inside it. (The
 * caller's own threads never get here: ptrace_may_access allows them first.)
 */
SEC("lsm/ptrace_access_check")
int BPF_PROG(warden_ptrace_access_check, struct task_struct *child, unsigned int mode, int ret)
{
	struct warden_policy *policy = NULL;
	struct warden_scratch *s;
	__u32 policy_id = 0, target = BPF_CORE_READ(child, tgid);
	int tagged;

	if (ret)
		return ret;
	tagged = warden_begin(&policy, &policy_id, &s);
	if (tagged <= 0)
		return tagged;
	if (!warden_is_daemon(target) && !same_policy(child, policy_id)) {
		/*
		 * A probe (ps reading /proc/PID/stat, for instance) is refused without an event:
		 * the kernel only leaves fields out, and one event per process listed would flood.
		 */
		if (mode & PTRACE_MODE_NOAUDIT)
			return -EPERM;
		s->ev.target_pid = target;
		return warden_tamper(s, policy, policy_id, WARDEN_TAMPER_PROCESS);
	}
	return proc_decide(WARDEN_POLICY_PTRACE_DENY, WARDEN_OP_PTRACE, target,
			   mode & PTRACE_MODE_ATTACH);
}

/* PTRACE_TRACEME: a confined process may not offer itself to its parent either. */
SEC("lsm/ptrace_traceme")
int BPF_PROG(warden_ptrace_traceme, struct task_struct *parent, int ret)
{
	if (ret)
		return ret;
	return proc_decide(WARDEN_POLICY_PTRACE_DENY, WARDEN_OP_PTRACE, BPF_CORE_READ(parent, tgid),
			   1);
}

SEC("lsm/task_free")
int BPF_PROG(warden_task_free, struct task_struct *task)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);

	if (BPF_CORE_READ(task, pid) == tgid) {
		bpf_map_delete_elem(&warden_exe, &tgid);
		bpf_map_delete_elem(&warden_loader, &tgid);
	}
	return 0;
}
