/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The only header shared by the BPF programs and userspace: map keys and values, event records
 * and the constants both sides must agree on. It includes nothing; the includer provides
 * __u8..__u64 (vmlinux.h on the BPF side, <linux/types.h> in userspace). Every struct has its
 * padding written out and its size asserted, so both compilers lay it out the same way.
 */
#ifndef WARDEN_ABI_H
#define WARDEN_ABI_H

/*
 * Bumped whenever a pinned map's key, value or meaning changes. A build that finds pinned state
 * of another layout refuses to touch it instead of misreading it.
 */
#define WARDEN_LAYOUT_VERSION 5 /* 5: warden_bindgen, warden_guardbits, counters.cached */

#define WARDEN_PIN_ROOT "/sys/fs/bpf/warden"

#define WARDEN_MAX_POLICIES 1024
#define WARDEN_MAX_CGROUPS 65536
#define WARDEN_MAX_NET_RULES 16384
#define WARDEN_NET_RANGES 16
#define WARDEN_NAME_MAX 64
/* Longest cgroup path a policy may bind: the kernel's cgroup tracepoints cut paths at 1024. */
#define WARDEN_CGROUP_PATH_MAX 1024
#define WARDEN_PATH_MAX 4096
#define WARDEN_COMM_LEN 16
#define WARDEN_EXE_MAX 256 /* longer executable paths are reported as "" */
#define WARDEN_EVENTS_BYTES (4 * 1024 * 1024)
/* Events one policy may send per CPU per second; the rest are counted as dropped. */
#define WARDEN_EVENTS_PER_SEC 1000

/* Operations, as reported in events (op). */
#define WARDEN_OP_FS_READ 1
#define WARDEN_OP_FS_WRITE 2
#define WARDEN_OP_EXEC 3
#define WARDEN_OP_LIBRARY 4
#define WARDEN_OP_NET_CONNECT 5
#define WARDEN_OP_NET_BIND 6
#define WARDEN_OP_FORK 7
#define WARDEN_OP_PTRACE 8
#define WARDEN_OP_TAMPER 9 /* an attempt to escape or switch off enforcement; what says which */
#define WARDEN_OP_MEMORY_EXEC 10 /* executable anonymous or writable memory (process.exec_memory) */
#define WARDEN_OP_SIGNAL 11 /* a signal to a process outside the policy (process.signal) */
#define WARDEN_OP_SLOTS 16 /* ops a policy's refusals are counted by (warden_op_counter) */
#define WARDEN_OP_COUNTERS (WARDEN_MAX_POLICIES * WARDEN_OP_SLOTS)

/* warden_event.what for WARDEN_OP_TAMPER */
#define WARDEN_TAMPER_CGROUP \
	1 /* leave the cgroup: cgroup.procs, cgroup.threads, CLONE_INTO_CGROUP */
#define WARDEN_TAMPER_BPF 2 /* the bpf() system call */
#define WARDEN_TAMPER_BPFFS 3 /* change anything in the BPF filesystem (warden's pins) */
#define WARDEN_TAMPER_MODULE 4 /* load a kernel module (or kexec image, or LSM policy) */
#define WARDEN_TAMPER_MOUNT 5 /* mount, unmount, move or remount */
#define WARDEN_TAMPER_CHROOT 6 /* chroot or pivot_root */
#define WARDEN_TAMPER_NAMESPACE 7 /* a new mount or user namespace */
#define WARDEN_TAMPER_DAEMON 8 /* stop or starve the warden daemon, or change its files */
#define WARDEN_TAMPER_PROCESS 9 /* reach a process outside the policy (ptrace, its memory, fds) */
#define WARDEN_TAMPER_KERNEL 10 /* a kernel switch: /proc/sys, /sys, ftrace, usermode helpers */
#define WARDEN_TAMPER_HANDLE 11 /* open_by_handle_at (process.file_handles allows it) */
#define WARDEN_TAMPER_DEVICE 12 /* block devices, /dev/mem, /dev/kmem, /dev/port, /proc/kcore */
#define WARDEN_TAMPER_STATE 13 /* state warden must record could not be: denied, not skipped */
#define WARDEN_TAMPER_XATTR 14 /* set or remove a security.* or trusted.* extended attribute */
#define WARDEN_TAMPER_TTY 15 /* type into a terminal: TIOCSTI, TIOCLINUX */

/* Actions: what the kernel did. */
#define WARDEN_ACTION_DENY 1
#define WARDEN_ACTION_AUDIT 2 /* would have denied; audit mode let it through */
#define WARDEN_ACTION_WOULD_DENY 3 /* a candidate policy would deny what the enforced one decides */

/* Why an operation was denied. */
#define WARDEN_REASON_RULE 1 /* a deny rule matched */
#define WARDEN_REASON_DEFAULT 2 /* no allow rule matched and the default is deny */
#define WARDEN_REASON_UNRESOLVED 3 /* the path could not be resolved: fail closed */
#define WARDEN_REASON_FILELESS 4 /* exec of a file with no name (memfd, deleted) */
#define WARDEN_REASON_UNREADABLE 5 /* an argument (an address, a name) could not be read */

/* File access bits, in rule masks. READ and WRITE equal the kernel's FMODE_READ and FMODE_WRITE. */
#define WARDEN_FS_READ 1
#define WARDEN_FS_WRITE 2
#define WARDEN_FS_EXEC 4 /* exec rules share the path map, with their own bit */
#define WARDEN_FS_LIB 8 /* and so do libraries rules */
#define WARDEN_FS_UNIX 16 /* and net.connect rules for abstract unix socket names ("@name") */

/* warden_policy.flags */
#define WARDEN_POLICY_AUDIT 1 /* report, never deny */
#define WARDEN_POLICY_FS_DEFAULT_DENY 2 /* fs accesses no allow rule matches are denied */
#define WARDEN_POLICY_EXEC_DEFAULT_DENY 4
#define WARDEN_POLICY_CONNECT_DEFAULT_DENY 8
#define WARDEN_POLICY_BIND_DEFAULT_DENY 16
#define WARDEN_POLICY_FORK_DENY 32
#define WARDEN_POLICY_PTRACE_DENY 64
#define WARDEN_POLICY_LIB_DEFAULT_DENY 128
#define WARDEN_POLICY_NAMESPACES_ALLOW 256 /* may create mount and user namespaces */
#define WARDEN_POLICY_HANDLES_ALLOW 512 /* may open files by handle (open_by_handle_at) */
#define WARDEN_POLICY_EXEC_MEMORY_DENY 1024 /* no executable anonymous or writable memory */
#define WARDEN_POLICY_CANDIDATE \
	2048 /* a candidate: judged beside an enforced policy, never in force */
#define WARDEN_POLICY_SIGNAL_DENY 4096 /* signals only to processes of the same policy */

/*
 * warden_dfa: the automata of wildcard rules, one per policy that has any, in one array of
 * states shared by all policies. State 0 is the dead state (no rule can match any more): its
 * row is all zeros. A policy's states are numbered absolutely, so the program steps with
 * next[byte] alone; at the end of the path, the state's masks are those of the patterns that
 * match it.
 */
#define WARDEN_DFA_STATES 8192
#define WARDEN_DFA_POLICY_STATES 4096 /* per policy */

struct warden_dfa_state {
	__u32 deny;
	__u32 allow;
	__u16 next[256];
	__u32 reach_deny; /* deny bits of this state and of every state reachable from it */
	__u32 reach_allow; /* allow bits of this state or of any state reachable from it */
	__u32 every_allow; /* allow bits of this state and of every state reachable from it */
};
_Static_assert(sizeof(struct warden_dfa_state) == 532, "warden_dfa_state layout");

/* warden_net_key.op */
#define WARDEN_NET_CONNECT 1
#define WARDEN_NET_BIND 2

/* warden_config: array map, one entry. */
struct warden_config {
	__u32 layout_version;
	__u32 pad;
	__u64 hash_seed; /* random per load: the index hash of bound cgroup paths */
	__u64 next_generation; /* userspace's: the generation of the next rule set it installs */
	__u64 programs_id; /* userspace's: hash of the BPF objects attached, to detect upgrades */
};
_Static_assert(sizeof(struct warden_config) == 32, "warden_config layout");

/*
 * warden_guarded: inodes a confined process may not change, by the kernel's device number
 * (s_dev, not stat's encoding) and inode number: the daemon's policy directory, whose entries
 * may not be created, written, renamed, linked or removed, and the directories above it, which
 * may not be renamed or removed.
 */
#define WARDEN_GUARD_DIR 1
#define WARDEN_GUARD_ABOVE 2
#define WARDEN_MAX_GUARDED 256

struct warden_inode {
	__u64 dev;
	__u64 ino;
};
_Static_assert(sizeof(struct warden_inode) == 16, "warden_inode layout");

/*
 * warden_guardbits: a filter before warden_guarded, one bit per inode's warden_guard_bit, set
 * for every inode in warden_guarded (and, while the set is being replaced, for those of the
 * old set too): an inode whose bit is clear is not guarded, and is not looked up. A set bit
 * is only a reason to look the inode up. Words of 64 bits, WARDEN_GUARD_WORDS of them.
 */
#define WARDEN_GUARD_WORDS 16

struct warden_guard_bits {
	__u64 w[WARDEN_GUARD_WORDS];
};

static inline __u32 warden_guard_bit(__u64 dev, __u64 ino)
{
	return (__u32)(((ino ^ (dev << 32)) * 0x9e3779b97f4a7c15ULL) >> 54) &
	       (WARDEN_GUARD_WORDS * 64 - 1);
}

/* warden_overflow (one __u32): set for good once a cgroup's tag could not be recorded. */
#define WARDEN_OVERFLOW_CGROUPS 1

/* warden_cgroups (effective, cgroup id -> policy) and warden_binding (explicit bindings). */
struct warden_cgroup {
	__u32 policy_id;
	__u32 pad;
};
_Static_assert(sizeof(struct warden_cgroup) == 8, "warden_cgroup layout");

/*
 * Every policy has two rule sets, numbered policy id * 2 + bank, and warden_bank (an array of
 * one byte per policy id) says which one is in force. Replacing a policy fills the other rule
 * set while nothing reads it, then flips the byte: one store, which no hook can see half done,
 * so every hook invocation sees the old rules or the new ones, never a mix. Userspace waits
 * for every program that might still use the old set (an RCU grace period) before clearing it.
 */
#define WARDEN_RULESETS (2 * WARDEN_MAX_POLICIES)

/* warden_policy: array map indexed by rule set id; policy id 0 is never used. */
struct warden_policy {
	__u32 flags; /* WARDEN_POLICY_*; 0 in a free slot */
	__u32 in_use;
	__u64 generation; /* unique to this installed rule set; cached verdicts name it */
	__u32 dfa_start; /* the wildcard automaton's start state in warden_dfa; 0: none */
	__u32 dfa_len; /* states it occupies from dfa_start */
	char name[WARDEN_NAME_MAX];
	__u64 source_hash; /* of the policy file's bytes: the daemon skips what is unchanged */
};
_Static_assert(sizeof(struct warden_policy) == 96, "warden_policy layout");

/*
 * warden_fs_rule: the literal (wildcard-free) fs, exec and libraries rules of every rule set, as
 * a trie of path components. The key is the parent node and the component's bytes, zero-padded:
 * the hash map compares keys in full, so a lookup finds exactly the component it was given and
 * two different paths never share an entry, whatever their hashes. The program looks up one
 * component at a time from the root (whose entry has parent 0 and an empty name) and stops at
 * the first component no rule goes through. Node ids are unique within a rule set.
 *
 * A component shorter than WARDEN_SHORT_NAME bytes (most are: "usr", "lib", "srv") lives in
 * warden_fs_short instead, under the first 24 bytes of the same key: its name and padding fit
 * there whole, so the lookup is just as exact, and the kernel hashes, compares and copies a
 * tenth of the bytes per lookup, write and delete (a node takes 128 bytes of kernel memory
 * there, 512 in warden_fs_rule). A name's length alone says which map holds it, so every node
 * is in exactly one.
 */
#define WARDEN_MAX_FS_NODES 262144
#define WARDEN_COMPONENT_MAX 256 /* a path component (NAME_MAX, 255) and its padding */
#define WARDEN_SHORT_NAME 16 /* names of 0 to 15 bytes: warden_fs_short */

struct warden_fs_key {
	__u32 ruleset;
	__u32 parent; /* the node of the path so far; 0 for the root's own entry */
	char name[WARDEN_COMPONENT_MAX];
};
_Static_assert(sizeof(struct warden_fs_key) == 264, "warden_fs_key layout");

/* warden_fs_short's key: the first bytes of a warden_fs_key whose name is that short. */
struct warden_fs_short_key {
	__u32 ruleset;
	__u32 parent;
	char name[WARDEN_SHORT_NAME];
};
_Static_assert(sizeof(struct warden_fs_short_key) == 24, "warden_fs_short_key layout");

struct warden_fs_node {
	__u32 id; /* this node, as its children's parent */
	__u32 deny; /* WARDEN_FS_* bits denied to exactly this path ("/a/b") */
	__u32 allow; /* WARDEN_FS_* bits allowed to exactly this path */
	__u32 dir_deny; /* denied to this path and everything below it ("/a/b/") */
	__u32 dir_allow;
	__u32 subtree_deny; /* deny bits of every rule at or below this path: moving it lifts them */
	__u32 subtree_allow; /* allow bits of any rule at or below it: moving a directory here gains */
};
_Static_assert(sizeof(struct warden_fs_node) == 28, "warden_fs_node layout");

/*
 * warden_bindpath: cgroup paths bound by a policy, indexed by their keyed hash (see
 * warden_hash_byte) and confirmed by comparing the whole path, so that a cgroup whose path
 * merely hashes like a bound one is never bound by accident or design.
 */
#define WARDEN_BIND_EXACT 0
#define WARDEN_BIND_PATTERN 1 /* a pattern ('*', '**'): warden_cgdfa matches it */

struct warden_bindpath {
	__u32 policy_id;
	__u32 kind; /* WARDEN_BIND_*: a pattern is kept here for userspace only */
	char path[WARDEN_CGROUP_PATH_MAX];
};
_Static_assert(sizeof(struct warden_bindpath) == 8 + WARDEN_CGROUP_PATH_MAX,
	       "warden_bindpath layout");

/*
 * warden_cgdfa: the automaton of every installed policy's cgroup patterns, stepped over a new
 * cgroup's path by the cgroup_mkdir tracepoint. A state's policy_id is the policy of the most
 * specific pattern matching a path that ends there (0: none). Row 0 is the dead state, and its
 * `start` is the start state of the automaton in force (0: no patterns). The array holds two
 * halves: userspace writes the new automaton into the half not in force, then switches `start`
 * with one store, so mkdir sees the old automaton or the new one, never a mix.
 */
#define WARDEN_CGDFA_STATES 4096
#define WARDEN_CGDFA_HALF 2048 /* states 1..2047 and 2048..4095 */
#define WARDEN_CGROUP_PATTERNS 64 /* installed at once, all policies together */

struct warden_cgdfa_state {
	__u32 policy_id;
	__u32 start; /* row 0 only */
	__u16 next[256];
};
_Static_assert(sizeof(struct warden_cgdfa_state) == 520, "warden_cgdfa_state layout");

/*
 * warden_net_rule: an LPM trie. The key's data is ruleset, op, family and pad (64 bits that
 * always match in full) followed by the address, so prefixlen is 64 + the address prefix.
 * The entry for a network carries the port ranges of every rule covering it (the compiler
 * merges shorter prefixes into longer ones), so the longest match alone decides.
 */
struct warden_net_key {
	__u32 prefixlen;
	__u32 ruleset;
	__u8 op; /* WARDEN_NET_* */
	__u8 family; /* 4 or 6 */
	__u8 pad[2];
	__u8 addr[16]; /* network byte order; IPv4 in the first 4 bytes */
};
_Static_assert(sizeof(struct warden_net_key) == 28, "warden_net_key layout");

struct warden_port_range {
	__u16 lo;
	__u16 hi;
	__u8 proto; /* 0 (any), 6 (tcp), 17 (udp) */
	__u8 deny;
	__u8 pad[2];
};
_Static_assert(sizeof(struct warden_port_range) == 8, "warden_port_range layout");

struct warden_net_rule {
	__u32 n;
	__u32 pad;
	struct warden_port_range r[WARDEN_NET_RANGES];
};
_Static_assert(sizeof(struct warden_net_rule) == 136, "warden_net_rule layout");

/*
 * warden_stamp: what a kept verdict or directory state was made under, taken before its path
 * was read (bpf/cache.bpf.h: stamp_take): the count of moves of directories (dir_moves), the
 * sequence of the kernel's rename_lock and the count of all moves (moves). It still holds
 * while no directory has been moved and every rename_lock write since was a move that was
 * counted (stamp_holds): a rename of a file elsewhere leaves it standing.
 */
struct warden_stamp {
	__u64 dir_moves;
	__u32 rename_seq;
	__u32 moves;
};
_Static_assert(sizeof(struct warden_stamp) == 16, "warden_stamp layout");

/*
 * warden_verdict: file opens decided before, by dentry (an LRU hash on 5.10; from 5.11 in
 * inode storage, on the file's inode with the dentry beside it: bpf/cache.bpf.h), so an open of
 * a file already judged costs one lookup instead of resolving and matching its path. An entry
 * holds only while everything its path was computed from is unchanged: the same mount and the
 * opener's root (a mount's root), the file's own dentry not moved or dropped (its d_seq), no
 * directory moved anywhere (the stamp) and no mount change (mount_lock's sequence), the same
 * rule set generation. A dentry reused for another file is dropped when it gets its inode
 * (d_instantiate). Only allowed accesses are kept: denials always go the whole way, and
 * report.
 */
struct warden_verdict {
	__u64 mnt;
	__u64 root_mnt;
	__u64 root_dentry;
	__u64 generation;
	struct warden_stamp stamp;
	__u32 ruleset;
	__u32 dentry_seq;
	__u32 mount_seq;
	__u32 allowed; /* WARDEN_FS_READ and WARDEN_FS_WRITE bits an open may have */
};
_Static_assert(sizeof(struct warden_verdict) == 64, "warden_verdict layout");

/*
 * warden_dirstate: by directory dentry (an LRU hash on 5.10; from 5.11 in inode storage, on
 * the directory's inode, chain[0] naming its dentry), how far the path decision got through
 * that directory (its path matched, up to and including the '/' after it) for one rule set,
 * so the first open of a file there, or a change of an entry in it, matches one name instead
 * of resolving and matching the whole path. It holds while the directory has the same path:
 * the same mount, root, rule set generation and mount tree (mount_lock's sequence), and no
 * directory moved anywhere since (the stamp); after one was, every dentry from the directory up
 * to the root (crossing mounts as d_path does) must still be the one recorded, with the d_seq
 * it had (__d_move and __d_drop bump it: a rename or removal of any ancestor voids the entry, a
 * rename elsewhere does not), and the entry is kept again with a new stamp. A dentry reused
 * for another directory is dropped when it gets its inode (d_instantiate). Like
 * warden_verdict, it only ever lets an allowed access skip the full path: anything not allowed
 * goes the whole way, and reports.
 */
#define WARDEN_CHAIN_MAX 16 /* dentries from a directory to the root; deeper is not kept */

struct warden_dirstate {
	__u64 mnt;
	__u64 root_mnt;
	__u64 root_dentry;
	__u64 generation;
	struct warden_stamp stamp;
	__u32 ruleset;
	__u32 mount_seq;
	__u32 depth; /* entries of chain and seq */
	__u32 live; /* the match state after "DIR/", as fs_step leaves it */
	__u32 node;
	__u32 deny;
	__u32 allow;
	__u32 dfa_state;
	__u64 chain[WARDEN_CHAIN_MAX];
	__u32 seq[WARDEN_CHAIN_MAX];
	__u32 dir_len; /* bytes of the directory's path with the '/' after it */
	__u32 hint; /* the last open matched from it: its inode number */
};
_Static_assert(sizeof(struct warden_dirstate) == 280, "warden_dirstate layout");

/* warden_rate: per-CPU array indexed by policy id, the event rate limiter's window. */
struct warden_rate {
	__u64 window_start_ns;
	__u64 sent;
};
_Static_assert(sizeof(struct warden_rate) == 16, "warden_rate layout");

/* warden_exe: thread group id -> executable path, for tagged processes. */
struct warden_exe {
	char path[WARDEN_EXE_MAX];
};
_Static_assert(sizeof(struct warden_exe) == WARDEN_EXE_MAX, "warden_exe layout");

/* warden_counter: per-CPU array indexed by policy id. */
struct warden_counters {
	__u64 allowed;
	__u64 denied;
	__u64 audited;
	__u64 dropped; /* events not sent: the ring buffer was full or the rate limit hit */
	__u64 cached; /* the file accesses of allowed that a cache decided */
};
_Static_assert(sizeof(struct warden_counters) == 40, "warden_counters layout");

/*
 * warden_op_counter: array indexed by policy id * WARDEN_OP_SLOTS + op, the policy's refusals
 * of that op (a shared array: refusals are the slow path, and its size does not grow with CPUs).
 */
struct warden_op_counts {
	__u64 denied;
	__u64 audited; /* audit mode let it through, or a candidate would have denied */
};
_Static_assert(sizeof(struct warden_op_counts) == 16, "warden_op_counts layout");

/*
 * A ring buffer record. Only the header and path_len bytes of path are sent, so most records
 * are small; a record whose program is set is sent whole.
 */
struct warden_event {
	__u64 ts_boot_ns; /* CLOCK_BOOTTIME */
	__u64 cgroup_id;
	__u32 policy_id;
	__u32 pid; /* thread group id */
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u16 op;
	__u8 action;
	__u8 reason;
	__s32 error; /* negative errno when reason is WARDEN_REASON_UNRESOLVED */
	__u32 path_len; /* bytes of path, including its NUL; 0 for operations without one */
	char comm[WARDEN_COMM_LEN];
	__u8 addr[16]; /* net ops: the peer (connect) or local (bind) address */
	__u16 port; /* host byte order */
	__u8 family; /* 4 or 6 */
	__u8 proto;
	__u32 target_pid; /* ptrace: the traced process; tamper (daemon): the daemon */
	__u32 what; /* tamper: WARDEN_TAMPER_* */
	__u32 pad;
	char exe[WARDEN_EXE_MAX]; /* the process's executable, recorded at exec; "" if unknown */
	char path[WARDEN_PATH_MAX];
	/*
	 * exec of an interpreter (path): the program it was opened for, a script (#!), a
	 * binfmt_misc file or an ELF program (its PT_INTERP); "" otherwise, or if longer
	 */
	char program[WARDEN_EXE_MAX];
};
_Static_assert(sizeof(struct warden_event) == 96 + 2 * WARDEN_EXE_MAX + WARDEN_PATH_MAX,
	       "warden_event layout");
#define WARDEN_EVENT_HDR_LEN (96 + WARDEN_EXE_MAX)

/*
 * The index hash of bound cgroup paths: 64-bit FNV-1a started from a per-load seed. It only
 * finds a candidate; every hit is confirmed by comparing the whole path.
 */
#define WARDEN_HASH_PRIME 0x100000001b3ULL

static inline __u64 warden_hash_byte(__u64 h, __u8 c)
{
	return (h ^ c) * WARDEN_HASH_PRIME;
}

#endif /* WARDEN_ABI_H */
