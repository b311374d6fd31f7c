/* SPDX-License-Identifier: GPL-2.0 */
#ifndef WARDEN_MAPS_H
#define WARDEN_MAPS_H

#include <stdint.h>
#include "loader.h"
#include "policy/policy.h"

/*
 * Wait until no BPF program still runs with anything it read before this call (an RCU grace
 * period): after it, a rule set taken out of force is no longer read by anyone.
 */
int maps_sync(void);

/* The hash seed the loaded programs use. */
int maps_hash_seed(const struct warden_maps *m, uint64_t *ret_seed);

/* The id of the installed policy called name: 0 and *ret_id, or -ENOENT. */
int maps_policy_find(const struct warden_maps *m, const char *name, uint32_t *ret_id);

/* Name of the installed policy with this id, or -ENOENT. */
int maps_policy_name(const struct warden_maps *m, uint32_t id, char *buf, size_t size);

/*
 * Install a compiled policy (policy_ruleset_compile): its rules, its header, then its cgroup
 * bindings (bindings.h), which need not exist yet. Replaces the installed policy of the same
 * name. Bindings that cannot be made are refused before anything changes. The policy's source
 * is kept for warden query (applied.h).
 */
int maps_policy_install(const struct warden_maps *m, const char *cgroup_mount,
			const struct policy_ruleset *r);

/*
 * The policy id in force for processes of cgroup id, as the programs find it (warden_cgroups,
 * and the nearest tagged ancestor once that map has overflowed): 0 and *ret_id, or -ENOENT
 * for an untagged cgroup. path is the cgroup's path below mount.
 */
int maps_policy_of_cgroup(const struct warden_maps *m, const char *mount, const char *path,
			  uint32_t *ret_id);

/*
 * Report-only candidates (warden apply --candidate): installed like a policy (p->candidate set:
 * its own id and rule sets, no bindings) under the name of the enforced policy they would
 * replace, and named in warden_candidate beside it. maps_policy_find finds enforced policies
 * only, maps_candidate_find candidates only.
 */
int maps_candidate_find(const struct warden_maps *m, const char *name, uint32_t *ret_id);
/* The candidate id of enforced policy id (0: none). */
int maps_candidate_of(const struct warden_maps *m, uint32_t id, uint32_t *ret_candidate);
/* Make candidate (0: none) the candidate of enforced policy id. */
int maps_candidate_set(const struct warden_maps *m, uint32_t id, uint32_t candidate);
/* 1 when any candidate is installed, 0 when none, or a negative errno. */
int maps_has_candidates(const struct warden_maps *m);

/* Unbind and delete the installed policy id, and its candidate. */
int maps_policy_remove(const struct warden_maps *m, const char *cgroup_mount, uint32_t id);

/* The policy id bound to a cgroup path (below the cgroup2 mount), or -ENOENT. */
int maps_bindpath_of(const struct warden_maps *m, const char *cgroup_path, uint32_t *ret_id);

/* The policy id a cgroup is explicitly bound to, or -ENOENT. */
int maps_binding_of(const struct warden_maps *m, uint64_t cgroup_id, uint32_t *ret_id);

/* The header of policy id's rule set in force. */
struct warden_policy;
int maps_policy_header(const struct warden_maps *m, uint32_t id, struct warden_policy *ret);

/* Register the warden daemon (tgid; 0 for none): tagged processes may not signal or trace it. */
int maps_set_daemon(const struct warden_maps *m, uint32_t tgid);

/*
 * Guard the daemon's policy directory dir (NULL: forget the one guarded) against tagged
 * processes: nothing in it may change, and neither it nor a directory above it may be renamed
 * or removed.
 */
int maps_guard_dir(const struct warden_maps *m, const char *dir);
/*
 * The same for several directories at once (the policy directory and the real directories of
 * files that are symlinks out of it), replacing what was guarded without a moment in between.
 */
int maps_guard_dirs(const struct warden_maps *m, const char *const *dirs, size_t n);

struct maps_counters {
	uint64_t allowed;
	uint64_t cached; /* of allowed: file accesses a cache decided */
	uint64_t denied;
	uint64_t audited;
	uint64_t dropped;
};

/* Counters of policy id, summed over CPUs. */
int maps_counters(const struct warden_maps *m, uint32_t id, struct maps_counters *ret);

/* Refusals of policy id by op (indexed by WARDEN_OP_*). */
struct warden_op_counts;
int maps_op_counters(const struct warden_maps *m, uint32_t id,
		     struct warden_op_counts ret[WARDEN_OP_SLOTS]);

/*
 * Call fn for every installed policy (id, header) in id order. fn returning non-zero stops
 * the walk and is returned.
 */
struct warden_policy;
typedef int (*maps_policy_fn)(uint32_t id, const struct warden_policy *p, void *ctx);
int maps_for_each_policy(const struct warden_maps *m, maps_policy_fn fn, void *ctx);

/* Call fn for every explicit binding of policy id, with the cgroup id. */
typedef int (*maps_binding_fn)(uint64_t cgroup_id, void *ctx);
int maps_for_each_binding(const struct warden_maps *m, uint32_t id, maps_binding_fn fn, void *ctx);

/*
 * Delete the n keys of map fd (key_size bytes each): in one system call where the kernel can
 * (BPF_MAP_DELETE_BATCH), from the first it could not one by one. Returns how many of them
 * were there (missing keys are skipped, not counted), or a negative errno.
 */
long maps_delete_keys(int fd, const void *keys, size_t key_size, size_t n);

/*
 * Delete the n trie keys from the map that holds each (bpf/abi.h: a short name's is in
 * warden_fs_short, any other in warden_fs_rule), as maps_delete_keys does.
 */
long maps_fs_delete(const struct warden_maps *m, const struct warden_fs_key *keys, size_t n);

#endif
