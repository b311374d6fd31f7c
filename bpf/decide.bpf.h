/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every hook does around its own check: find the policy of the current task's cgroup,
 * count the decision, and report denials through the ring buffer.
 */
#ifndef WARDEN_DECIDE_BPF_H
#define WARDEN_DECIDE_BPF_H

#include "maps.bpf.h"

#define EPERM 1

/* include/uapi/linux/stat.h */
#define S_IFMT 00170000
#define S_IFBLK 0060000
#define S_IFCHR 0020000
#define S_IFDIR 0040000

#ifdef WARDEN_CANDIDATE
#define WARDEN_IS_CANDIDATE 1
/*
 * The candidate build: the same programs, attached beside the enforcing ones when a report-only
 * candidate policy is installed (warden apply --candidate). They judge a tagged task by the
 * candidate of its policy (warden_candidate) and report what it would deny as "would-deny".
 * They never change what the kernel does: each program's body is handed 0 for its last
 * argument (ret, the verdict of the programs attached before it), so it judges also what the
 * enforcing programs already denied, and the program returns the verdict it was handed,
 * whatever its body decided, also where the body fails closed. Every program of this build
 * must therefore end with an int ret argument; the loader attaches no other.
 */
#define ___warden_cast1(a) ctx, 0
#define ___warden_cast2(a, b) ___bpf_ctx_cast1(a), 0
#define ___warden_cast3(a, b, c) ___bpf_ctx_cast2(a, b), 0
#define ___warden_cast4(a, b, c, d) ___bpf_ctx_cast3(a, b, c), 0
#define ___warden_cast5(a, b, c, d, e) ___bpf_ctx_cast4(a, b, c, d), 0
#define ___warden_cast6(a, b, c, d, e, f) ___bpf_ctx_cast5(a, b, c, d, e), 0
#define ___warden_cast7(a, b, c, d, e, f, g) ___bpf_ctx_cast6(a, b, c, d, e, f), 0
#define ___warden_cast8(a, b, c, d, e, f, g, h) ___bpf_ctx_cast7(a, b, c, d, e, f, g), 0
#define ___warden_cast(args...) ___bpf_apply(___warden_cast, ___bpf_narg(args))(args)
#undef BPF_PROG
#define BPF_PROG(name, args...)                                                             \
	name(unsigned long long *ctx);                                                      \
	static __always_inline typeof(name(0)) ____##name(unsigned long long *ctx, ##args); \
	typeof(name(0)) name(unsigned long long *ctx)                                       \
	{                                                                                   \
		_Pragma("GCC diagnostic push")                                              \
			_Pragma("GCC diagnostic ignored \"-Wint-conversion\"")              \
				____##name(___warden_cast(args));                           \
		_Pragma("GCC diagnostic pop") return ctx[___bpf_narg(args) - 1];            \
	}                                                                                   \
	static __always_inline typeof(name(0)) ____##name(unsigned long long *ctx, ##args)
#else
#define WARDEN_IS_CANDIDATE 0
#endif

#ifdef WARDEN_VARIANT
/* A build whose programs differ from the usual one's, for the upgrade test (see Makefile). */
const volatile __u32 warden_variant = WARDEN_VARIANT;
#endif

/*
 * The policy in force for the current task. Returns 0 when its cgroup is untagged, 1 with
 * *ret_policy, *ret_id and *ret_ruleset set when it is tagged, and -1 for a tag whose policy
 * slot is empty, which the caller must treat as "cannot decide" and deny. Descendants of a
 * bound cgroup have their own entry (copied at mkdir time by cgroup.bpf.c and at bind time by
 * userspace), so this is one hash lookup whatever the cgroup's depth, and two array lookups
 * for the rule set in force (read once: see warden_bank in bpf/abi.h).
 *
 * A tag that could not be recorded (warden_cgroups full) must not leave a cgroup unconfined:
 * once that has happened (warden_overflow, one more array lookup for an untagged task), an
 * untagged cgroup with a tagged ancestor, or a bound one only warden_binding knows, returns 2
 * with that policy, and warden_begin denies everything it does.
 */
/* Cgroup levels warden_lost_policy walks up; a deeper cgroup is "cannot tell": denied. */
#define WARDEN_ANCESTOR_DEPTH 32

/*
 * Only once warden_cgroups has overflowed: the policy id of the nearest ancestor of the current
 * task's cgroup (itself included) that either tag map knows, 0 when none does up to the root,
 * and -1 when it cannot tell. A subprogram, so the walk is verified once per program and costs
 * nothing to hooks until the overflow.
 */
static __noinline int warden_lost_policy(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct cgroup *cgrp = BPF_CORE_READ(task, cgroups, dfl_cgrp);
	struct warden_cgroup *tag;
	__u64 id;
	int i;

	for (i = 0; i < WARDEN_ANCESTOR_DEPTH; i++) {
		if (!cgrp)
			return i ? 0 : -1;
		id = BPF_CORE_READ(cgrp, kn, id);
		tag = bpf_map_lookup_elem(&warden_cgroups, &id);
		if (!tag)
			tag = bpf_map_lookup_elem(&warden_binding, &id);
		if (tag)
			return tag->policy_id && tag->policy_id < WARDEN_MAX_POLICIES ?
				       (int)tag->policy_id :
				       -1;
		/* self is the first member of struct cgroup: the parent css is the parent cgroup */
		cgrp = (struct cgroup *)BPF_CORE_READ(cgrp, self.parent);
	}
	return -1;
}

static __always_inline int warden_policy_of(__u32 id, struct warden_policy **ret_policy,
					    __u32 *ret_id, __u32 *ret_ruleset)
{
	struct warden_policy *policy;
	__u32 ruleset;
	__u8 *bank;

	bank = bpf_map_lookup_elem(&warden_bank, &id);
	if (!bank)
		return -1;
	ruleset = id * 2 + (*(volatile __u8 *)bank & 1);
	policy = bpf_map_lookup_elem(&warden_policy, &ruleset);
	if (!policy || !policy->in_use)
		return -1;
	*ret_policy = policy;
	*ret_id = id;
	*ret_ruleset = ruleset;
	return 1;
}

static __always_inline int warden_current_policy(__u64 cgid, struct warden_policy **ret_policy,
						 __u32 *ret_id, __u32 *ret_ruleset)
{
	struct warden_cgroup *tag;
	int lost = 0, found;
	__u32 id;

	tag = bpf_map_lookup_elem(&warden_cgroups, &cgid);
	if (tag) {
		id = tag->policy_id;
	} else {
#ifdef WARDEN_CANDIDATE
		return 0; /* a lost tag is the enforcing programs' to deny */
#endif
		__u32 zero = 0, *overflow = bpf_map_lookup_elem(&warden_overflow, &zero);

		if (!overflow || !*overflow)
			return 0;
		lost = warden_lost_policy();
		if (lost <= 0)
			return lost;
		id = lost;
	}
#ifdef WARDEN_CANDIDATE
	{
		__u32 *candidate = bpf_map_lookup_elem(&warden_candidate, &id);

		if (!candidate || !*candidate)
			return 0;
		id = *candidate;
	}
#endif
	found = warden_policy_of(id, ret_policy, ret_id, ret_ruleset);
	if (found < 0)
		return found;
	return lost ? 2 : 1;
}

/*
 * Whether a task's tag is kept in its scratch: from 5.11 (task storage), by the enforcing
 * programs (a candidate's tag is its policy's candidate, looked up each time).
 */
static __always_inline int tag_keeps(void)
{
	return !WARDEN_IS_CANDIDATE &&
	       bpf_core_enum_value_exists(enum bpf_map_type, BPF_MAP_TYPE_TASK_STORAGE) &&
	       bpf_core_field_exists(struct task_struct, bpf_storage);
}

/*
 * The current task's cgroup id, and (tag_keeps) in *ret_s its scratch when the tag its last
 * decision found still holds: the task is still in that cgroup and no tag has changed since
 * (warden_bindgen is as it was before that lookup), with the policy id in *id. *gen gets the
 * generation read now, before the caller looks the tag up (a change after that advances it,
 * so a tag kept with it is never kept past a change), and *keep whether the tag looked up may
 * be kept: not while the generation is odd (tags are being changed: loader_tags_changing),
 * nor for a task without task storage (untagged, or a tagged task's first decision: its tag
 * is kept from its second). The cgroup id is bpf_get_current_cgroup_id's, read from the task
 * (one helper call for both). x86-64 keeps loads in order: the generation is read before the
 * tag (as stamp_take relies on).
 */
static __always_inline __u64 tag_cached(struct warden_scratch **ret_s, __u32 *id, __u64 *gen,
					int *keep)
{
	struct task_struct *task;
	struct warden_scratch *s;
	__u32 zero = 0;
	__u64 *g, cgid;

	*keep = 0;
	*ret_s = NULL;
	if (!tag_keeps())
		return bpf_get_current_cgroup_id();
	task = bpf_get_current_task_btf();
	cgid = task->cgroups->dfl_cgrp->kn->id;
	if (!cgid) /* a load that faulted reads 0: never taken for "untagged" */
		return bpf_get_current_cgroup_id();
	if (!task->bpf_storage)
		return cgid;
	g = bpf_map_lookup_elem(&warden_bindgen, &zero);
	if (!g)
		return cgid;
	*gen = *(volatile __u64 *)g;
	if (*gen & 1)
		return cgid; /* tags are being changed: none is used or kept */
	*keep = 1;
	s = bpf_task_storage_get(&warden_tscratch, task, NULL, 0);
	if (s && s->tag_cgroup == cgid && s->tag_gen == *gen) {
		*id = s->tag_policy;
		*ret_s = s;
	}
	return cgid;
}

/* Clear what only some operations fill in: path, address, ptrace target, program. */
static __always_inline void warden_event_reset(struct warden_event *ev)
{
	ev->path_len = 0;
	ev->error = 0;
	ev->port = 0;
	ev->family = 0;
	ev->proto = 0;
	ev->target_pid = 0;
	ev->what = 0;
	__builtin_memset(ev->addr, 0, sizeof(ev->addr));
	ev->program[0] = 0;
}

/*
 * The scratch of the current program run, which no other task may touch while it runs. From
 * 5.11 a non-sleepable program runs with migration disabled but can be preempted (preempt=full),
 * and the next task on that CPU runs the same programs: it would overwrite a per-CPU scratch
 * under the first one's decision. There the scratch is the task's own storage, created on its
 * first decision (NULL when memory is short: warden_begin denies). 5.10 has no task storage,
 * but its migrate_disable() is preempt_disable(): nothing but an interrupt runs between a
 * program's start and end on that CPU, so a per-CPU scratch is safe (the loader refuses a
 * PREEMPT_RT 5.10). The test is resolved against the kernel's BTF at load time and the
 * verifier drops the other branch; the loader creates the task storage map only where it is
 * taken. Global subprograms look the scratch up again and get the same one: on 6.2 and later
 * that cannot fail; 6.1 fails any task storage lookup on a CPU where another task is preempted
 * inside task storage code (preempt=full only), so a NULL there must mean "deny".
 * No program using the scratch may run in interrupt context on behalf of the task it
 * interrupted.
 */
static __always_inline struct warden_scratch *warden_scratch_get(void)
{
	__u32 zero = 0;

	if (bpf_core_enum_value_exists(enum bpf_map_type, BPF_MAP_TYPE_TASK_STORAGE))
		return bpf_task_storage_get(&warden_tscratch, bpf_get_current_task_btf(), NULL,
					    BPF_LOCAL_STORAGE_GET_F_CREATE);
	return bpf_map_lookup_elem(&warden_scratch, &zero);
}

static __always_inline int warden_report(struct warden_event *ev, struct warden_policy *policy,
					 __u32 policy_id, __u16 op, __u8 reason);

/* Count a refusal of op in the policy's counters: in total and by op. */
static __always_inline void warden_count_refusal(struct warden_counters *c, __u32 policy_id,
						 __u16 op, int audit)
{
	__u32 key = policy_id * WARDEN_OP_SLOTS + (op & (WARDEN_OP_SLOTS - 1));
	struct warden_op_counts *oc = bpf_map_lookup_elem(&warden_op_counter, &key);

	if (c) {
		if (audit)
			__sync_fetch_and_add(&c->audited, 1);
		else
			__sync_fetch_and_add(&c->denied, 1);
	}
	if (oc) {
		if (audit)
			__sync_fetch_and_add(&oc->audited, 1);
		else
			__sync_fetch_and_add(&oc->denied, 1);
	}
}

/*
 * A tagged task whose decision cannot be made for want of a scratch (task storage is
 * allocated on a task's first decision, which fails when memory is short): denied, and said
 * so by an event built in ring buffer space (a tamper of class "state": what warden needs
 * could not be had), copied out by warden_report like any other.
 */
static __always_inline int warden_no_scratch(struct warden_policy *policy, __u32 policy_id)
{
	struct warden_event *ev = bpf_ringbuf_reserve(&warden_events, sizeof(*ev), 0);
	struct warden_counters *c;
	int verdict;

	if (!ev) {
		c = bpf_map_lookup_elem(&warden_counter, &policy_id);
		warden_count_refusal(c, policy_id, WARDEN_OP_TAMPER, 0);
		if (c)
			__sync_fetch_and_add(&c->dropped, 1);
		return -EPERM;
	}
	warden_event_reset(ev);
	ev->what = WARDEN_TAMPER_STATE;
	verdict = warden_report(ev, policy, policy_id, WARDEN_OP_TAMPER, WARDEN_REASON_RULE);
	bpf_ringbuf_discard(ev, 0);
	return verdict;
}

/*
 * The start every hook shares: 0 when the task is untagged (allow, nothing else to do), -EPERM
 * when it is tagged but cannot be judged (fail closed), 1 with the policy and a reset scratch
 * event when the hook goes on to decide.
 */
static __always_inline int warden_begin(struct warden_policy **ret_policy, __u32 *ret_id,
					struct warden_scratch **ret_s)
{
	__u32 ruleset = 0, id = 0;
	struct warden_scratch *s;
	int tagged, keep;
	__u64 gen = 0, cgid = tag_cached(&s, &id, &gen, &keep);

	if (s) {
		if (warden_policy_of(id, ret_policy, ret_id, &ruleset) < 0)
			return -EPERM;
		tagged = 1;
	} else {
		tagged = warden_current_policy(cgid, ret_policy, ret_id, &ruleset);
		if (!tagged)
			return 0;
		if (tagged < 0)
			return -EPERM;
		s = warden_scratch_get();
		if (!s)
			return warden_no_scratch(*ret_policy, *ret_id);
		if (tagged == 1 && keep) {
			s->tag_cgroup = cgid;
			s->tag_gen = gen;
			s->tag_policy = *ret_id;
		}
	}
	s->ruleset = ruleset;
	warden_event_reset(&s->ev);
	if (tagged == 2) {
		/* a cgroup whose tag was lost: nothing it does can be judged */
		s->ev.what = WARDEN_TAMPER_STATE;
		return warden_report(&s->ev, *ret_policy, *ret_id, WARDEN_OP_TAMPER,
				     WARDEN_REASON_UNRESOLVED);
	}
	*ret_s = s;
	return 1;
}

static __always_inline void warden_count_allowed(__u32 policy_id)
{
	struct warden_counters *c = bpf_map_lookup_elem(&warden_counter, &policy_id);

	if (c)
		__sync_fetch_and_add(&c->allowed, 1);
}

/* An allowed file access decided by a cache (a verdict, or a directory's kept state). */
static __always_inline void warden_count_cached(__u32 policy_id)
{
	struct warden_counters *c = bpf_map_lookup_elem(&warden_counter, &policy_id);

	if (c) {
		__sync_fetch_and_add(&c->allowed, 1);
		__sync_fetch_and_add(&c->cached, 1);
	}
}

/*
 * Fill the event's task fields and send it with path_len bytes of its path. Returns the
 * verdict the hook must return: -EPERM when denying, 0 in audit mode. The verdict never
 * depends on whether the ring buffer had room: a lost event is counted, not allowed.
 */
static __always_inline int warden_report(struct warden_event *ev, struct warden_policy *policy,
					 __u32 policy_id, __u16 op, __u8 reason)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct warden_counters *c;
	struct warden_rate *rate;
	struct warden_exe *exe;
#ifdef WARDEN_CANDIDATE
	int audit = 1;
#else
	int audit = policy->flags & WARDEN_POLICY_AUDIT;
#endif
	int verdict = audit ? 0 : -EPERM;
	__u64 size;

	ev->ts_boot_ns = bpf_ktime_get_boot_ns();
	ev->cgroup_id = bpf_get_current_cgroup_id();
	ev->policy_id = policy_id;
	/* keys on the stack: ev may be ring buffer memory (warden_no_scratch), no key for 5.10 */
	__u32 tgid = pid_tgid >> 32, ppid = BPF_CORE_READ(task, real_parent, tgid);

	ev->pid = tgid;
	ev->tid = (__u32)pid_tgid;
	ev->ppid = ppid;
	ev->uid = (__u32)bpf_get_current_uid_gid();
	ev->op = op;
	ev->action = audit ? WARDEN_ACTION_AUDIT : WARDEN_ACTION_DENY;
#ifdef WARDEN_CANDIDATE
	ev->action = WARDEN_ACTION_WOULD_DENY;
#endif
	ev->reason = reason;
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	/* a child that forked without exec runs its parent's executable */
	exe = bpf_map_lookup_elem(&warden_exe, &tgid);
	if (!exe)
		exe = bpf_map_lookup_elem(&warden_exe, &ppid);
	if (exe)
		__builtin_memcpy(ev->exe, exe->path, sizeof(ev->exe));
	else
		ev->exe[0] = 0;

	c = bpf_map_lookup_elem(&warden_counter, &policy_id);
	warden_count_refusal(c, policy_id, op, audit);

	/*
	 * A flood of denials from one policy must not crowd out everyone else's events: past
	 * the rate, the decision stands and the event is only counted.
	 */
	rate = bpf_map_lookup_elem(&warden_rate, &policy_id);
	if (rate) {
		if (ev->ts_boot_ns - rate->window_start_ns >= 1000000000ULL) {
			rate->window_start_ns = ev->ts_boot_ns;
			rate->sent = 0;
		}
		if (rate->sent >= WARDEN_EVENTS_PER_SEC) {
			if (c)
				__sync_fetch_and_add(&c->dropped, 1);
			return verdict;
		}
		rate->sent++;
	}

	size = WARDEN_EVENT_HDR_LEN + (__u64)ev->path_len;
	if (size > sizeof(*ev) || ev->program[0])
		size = sizeof(*ev);
	if (bpf_ringbuf_output(&warden_events, ev, size, 0) && c)
		__sync_fetch_and_add(&c->dropped, 1);
	return verdict;
}

/*
 * Tamper resistance: what no tagged process may do, root or not, whatever its policy allows
 * (unless said otherwise for namespaces). Reported as op "tamper" with what.
 */
static __always_inline int warden_tamper(struct warden_scratch *s, struct warden_policy *policy,
					 __u32 policy_id, __u32 what)
{
	s->ev.what = what;
	return warden_report(&s->ev, policy, policy_id, WARDEN_OP_TAMPER, WARDEN_REASON_RULE);
}

/* Whether tgid is the warden daemon or the warden command holding warden's lock. */
static __always_inline int warden_is_daemon(__u32 tgid)
{
	__u32 zero = 0, one = 1, *daemon = bpf_map_lookup_elem(&warden_daemon, &zero),
	      *holder = bpf_map_lookup_elem(&warden_daemon, &one);

	return tgid && ((daemon && *daemon == tgid) || (holder && *holder == tgid));
}

/*
 * Whether task p is one of warden's own processes: the daemon, the command holding the lock,
 * or any process running warden's executable (warden_selfexe; a copy elsewhere, or one run
 * through the dynamic loader, is warden's own only while it holds the lock).
 */
static __always_inline int warden_is_own(struct task_struct *p)
{
	struct warden_inode key = {};
	struct mm_struct *mm;
	struct inode *exe;

	if (warden_is_daemon(p->tgid))
		return 1;
	/* p is a hook's BTF argument: direct loads (one that faults reads 0) */
	mm = p->mm;
	exe = mm && mm->exe_file ? mm->exe_file->f_inode : NULL;
	if (!exe)
		return 0; /* a kernel thread, or a process exiting */
	key.dev = exe->i_sb->s_dev;
	key.ino = exe->i_ino;
	return bpf_map_lookup_elem(&warden_selfexe, &key) != NULL;
}

/* Whether task is confined by policy_id: its cgroup carries that policy's tag. */
static __always_inline int same_policy(struct task_struct *task, __u32 policy_id)
{
	__u64 cgid = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	struct warden_cgroup *tag = bpf_map_lookup_elem(&warden_cgroups, &cgid);

	return tag && tag->policy_id == policy_id;
}

/* A hook that only guards: untagged tasks pass, tagged ones are denied what. */
static __always_inline int warden_guard(__u32 what)
{
	struct warden_policy *policy = NULL;
	struct warden_scratch *s = NULL;
	__u32 policy_id = 0;
	int tagged = warden_begin(&policy, &policy_id, &s);

	if (tagged <= 0)
		return tagged;
	return warden_tamper(s, policy, policy_id, what);
}

#endif /* WARDEN_DECIDE_BPF_H */
