/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Map definitions shared by every warden BPF object. Each object defines the same maps pinned
 * by name under WARDEN_PIN_ROOT, so the first object loaded creates them and the others reuse
 * them: all hooks see one set of policies. No program is sleepable: userspace relies on an RCU
 * grace period to know that no program still reads a rule set it replaced (bpf/abi.h).
 */
#ifndef WARDEN_MAPS_BPF_H
#define WARDEN_MAPS_BPF_H

#include "abi.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct warden_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warden_config SEC(".maps");

/* Effective policy of every tagged cgroup: bound ones and their descendants. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WARDEN_MAX_CGROUPS);
	__type(key, __u64);
	__type(value, struct warden_cgroup);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warden_cgroups SEC(".maps");

/*
 * The generation of warden_cgroups: advanced (atomically: userspace through a mapping of the
 * array) after every change of a tag that exists, so that a task's tag kept in its scratch
 * (decide.bpf.h: tag_cached) is known to be stale.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warden_bindgen SEC(".maps");

/* Cgroups a policy names itself; only userspace reads it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WARDEN_MAX_CGROUPS);
	__type(key, __u64);
	__type(value, struct warden_cgroup);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warden_binding SEC(".maps");

/*
 * Cgroup paths policies bind (see bpf/abi.h): a bound cgroup that is removed and created again
 * (a restarted service) is bound again the moment it appears.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WARDEN_MAX_CGROUPS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct warden_bindpath);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warden_bindpath SEC(".maps");

/* The automaton of the cgroup patterns (see bpf/abi.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WARDEN_CGDFA_STATES);
	__type(key, __u32);
	__type(value, struct warden_cgdfa_state);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warden_cgdfa SEC(".maps");

/* Which of a policy's two rule sets is in force (see bpf/abi.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WARDEN_MAX_POLICIES);
	__type(key, __u32);
	__type(value, __u8);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warden_bank SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WARDEN_RULESETS);
	__type(key, __u32);
	__type(value, struct warden_policy);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warden_policy SEC(".maps");

/* The automata of wildcard rules (see bpf/abi.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WARDEN_DFA_STATES);
	__type(key, __u32);
	__type(value, struct warden_dfa_state);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warden_dfa SEC(".maps");

/* Literal path rules, a trie of components (see bpf/abi.h); memory grows with the rules. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WARDEN_MAX_FS_NODES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct warden_fs_key);
	__type(value, struct warden_fs_node);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warden_fs_rule SEC(".maps");

/* The trie's nodes whose names are shorter than WARDEN_SHORT_NAME (bpf/abi.h). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WARDEN_MAX_FS_NODES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct warden_fs_short_key);
	__type(value, struct warden_fs_node);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warden_fs_short SEC(".maps");

/* Used only by the non-sleepable socket programs: sleepable ones cannot use an LPM trie. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, WARDEN_MAX_NET_RULES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct warden_net_key);
	__type(value, struct warden_net_rule);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warden_net_rule SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WARDEN_MAX_POLICIES);
	__type(key, __u32);
	__type(value, struct warden_counters);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warden_counter SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WARDEN_OP_COUNTERS);
	__type(key, __u32);
	__type(value, struct warden_op_counts);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warden_op_counter SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WARDEN_MAX_POLICIES);
	__type(key, __u32);
	__type(value, struct warden_rate);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warden_rate SEC(".maps");

/* Executables of tagged processes, recorded at exec (proc.bpf.c), for events. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct warden_exe);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warden_exe SEC(".maps");

/*
 * Tagged processes whose program is a dynamic loader run directly (an ELF with no interpreter
 * of its own, such as ld.so): the first file they map executable is the program they run, and
 * is judged by the exec rules (file.bpf.c). Thread group id -> which builds of the programs have
 * yet to judge that mapping (the enforcing one, and the candidate one if the policy has a
 * candidate), until they have.
 */
#define WARDEN_LOADER_ENFORCED 1
#define WARDEN_LOADER_CANDIDATE 2
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warden_loader SEC(".maps");

/*
 * warden's own processes, which tagged processes may not touch, by thread group id (0: none):
 * [0] the daemon, [1] the warden command holding warden's lock (loader_lock), which a stopped
 * holder would keep from every apply and the daemon's syncs.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warden_daemon SEC(".maps");

/*
 * warden's own executable, by inode: every process running it (any warden command, from its
 * exec on, before it could record its tgid) is one of warden's own processes too. Each warden
 * command that takes warden's lock records the binary it runs (loader.c: self_exe_record).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, struct warden_inode);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warden_selfexe SEC(".maps");

/* The daemon's policy directory and the directories above it (see bpf/abi.h). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WARDEN_MAX_GUARDED);
	__type(key, struct warden_inode);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warden_guarded SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct warden_guard_bits);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warden_guardbits SEC(".maps");

/*
 * Nonzero once cgroup.bpf.c could not record a new cgroup's tag (warden_cgroups was full):
 * from then on an untagged task's cgroup is checked for a tagged ancestor (decide.bpf.h).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warden_overflow SEC(".maps");

/*
 * Report-only candidates: the policy id of the candidate audited beside each enforced policy id
 * (0: none). Read only by the candidate build of the programs (WARDEN_CANDIDATE, decide.bpf.h).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WARDEN_MAX_POLICIES);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warden_candidate SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, WARDEN_EVENTS_BYTES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warden_events SEC(".maps");

/* What the rules allow below a directory, for a rename (path.bpf.h: fs_rules_below). */
struct rules_below {
	__u32 every;
	__u32 any;
	__u32 any_dfa;
	__u32 dfa;
};

/*
 * Scratch: the event being built (a path does not fit in the 512-byte BPF stack) and the state
 * of the path walk, which global subprograms read and write here because on 5.10 they cannot
 * take pointers to memory. warden_scratch_get (decide.bpf.h) says where it lives.
 */
struct warden_scratch {
	struct warden_event ev;
	struct warden_fs_key key; /* the trie walk: the component being read, under node */
	__u32 node; /* the trie node of the path read so far */
	__u32 klen; /* bytes of the component so far (past 255: no rule can match) */
	__u32 live; /* 0 once no literal rule can match the rest of the path */
	__u32 node_deny; /* the exact masks of node, for a path that ends at it */
	__u32 node_allow;
	__u32 node_subtree; /* the deny bits of the rules at or below node */
	__u32 node_subtree_allow; /* the allow bits of the rules at or below node */
	__u32 deny;
	__u32 allow;
	__u32 exact_deny; /* the masks of rules naming exactly this path (no directory, no wildcard) */
	__u32 exact_allow;
	__u32 cover; /* allow bits of directory rules: they cover everything below the path */
	__u32 ruleset; /* the rule set in force for the current task (warden_begin) */
	__u32 len;
	__u32 dfa_state;
	/* dentry walk (file.bpf.c): where it stands, and the path built backwards in rev */
	__u64 walk_dentry;
	__u64 walk_mount;
	__u64 root_dentry;
	__u64 root_mnt;
	__u32 walk_off;
	__u32 walk_done; /* 1: reached the root; 2: too long; 3: escaped its mount; 4: moved */
	__u32 dir_live; /* the match state after the last '/' read (fs_step) */
	__u32 dir_node;
	__u32 dir_deny;
	__u32 dir_allow;
	__u32 dir_dfa;
	__u32 dir_len; /* bytes up to and including the last '/' read */
	__u32 matched; /* fs_match_path matched the whole path */
	struct rules_below below[2]; /* a rename's two names */
	__u64 dst_entry; /* the entry whose path dirstate_keep's state comes from (or 0) */
	__u32 dst_entry_seq; /* its d_seq before its directory was read */
	struct warden_dirstate dst; /* the directory state being made or checked */
	/* the task's tag as its last decision found it (decide.bpf.h: tag_cached) */
	__u64 tag_cgroup;
	__u64 tag_gen;
	__u32 tag_policy;
	char rev[WARDEN_PATH_MAX +
		 256]; /* + room the verifier needs for a 255-byte name at any offset */
};

/* Per CPU: for 5.10, and for programs that run with preemption disabled (tracepoints). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct warden_scratch);
} warden_scratch SEC(".maps");

/*
 * Per task: the scratch of LSM programs on kernels with task storage (5.11 and later), where a
 * program can be preempted halfway and another task on the same CPU would overwrite a per-CPU
 * scratch. Shared by every object through its pin (one scratch per task, not one per object);
 * not created at all on kernels without task storage (the loader turns it off).
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct warden_scratch);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warden_tscratch SEC(".maps");

#endif /* WARDEN_MAPS_BPF_H */
