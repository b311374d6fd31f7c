/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Map definitions shared by every warden BPF object. Each object defines the same maps pinned
 * by name under WARDEN_PIN_ROOT, so the first object loaded creates them and the others reuse
 * them: all hooks see one set of policies. Sleepable programs (lsm.s) may use only
 * preallocated hash, array and ring buffer maps, so no map here is an LPM trie or unprealloc.
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

/* Cgroups a policy names itself; only userspace reads it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WARDEN_MAX_CGROUPS);
	__type(key, __u64);
	__type(value, struct warden_cgroup);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warden_binding SEC(".maps");

/*
 * Cgroup paths policies bind, by the rule hash of the path: a bound cgroup that is removed and
 * created again (a restarted service) is bound again the moment it appears.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WARDEN_MAX_CGROUPS);
	__type(key, __u64);
	__type(value, struct warden_cgroup);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warden_bindpath SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WARDEN_MAX_POLICIES);
	__type(key, __u32);
	__type(value, struct warden_policy);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warden_policy SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WARDEN_MAX_FS_RULES);
	__type(key, struct warden_fs_key);
	__type(value, struct warden_fs_rule);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warden_fs_rule SEC(".maps");

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

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, WARDEN_EVENTS_BYTES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} warden_events SEC(".maps");

/*
 * Per-CPU scratch: the event being built (a path does not fit in the 512-byte BPF stack) and
 * the state of the path walk, which global subprograms read and write here because on 5.10
 * they cannot take pointers to memory.
 */
struct warden_scratch {
	struct warden_event ev;
	__u64 hash;
	__u32 deny;
	__u32 allow;
	__u32 policy_id;
	__u32 len;
	/* dentry walk (file.bpf.c): where it stands, and the path built backwards in rev */
	__u64 walk_dentry;
	__u64 walk_mount;
	__u64 root_dentry;
	__u64 root_mnt;
	__u32 walk_off;
	__u32 walk_done; /* 1: reached the root; 2: path too long */
	char rev[WARDEN_PATH_MAX +
		 256]; /* + room the verifier needs for a 255-byte name at any offset */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct warden_scratch);
} warden_scratch SEC(".maps");

#endif /* WARDEN_MAPS_BPF_H */
