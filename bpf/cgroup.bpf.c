// SPDX-License-Identifier: GPL-2.0
/*
 * Cgroup lifecycle: a cgroup created below a tagged one inherits its parent's policy, so the
 * hooks find any descendant with one lookup of the task's own cgroup id. A removed cgroup's
 * entry goes with it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "maps.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define EEXIST 17

/* cgroup v1 hierarchies have their own id space; only the default (v2) hierarchy, id 0, counts. */
static __always_inline int on_default_hierarchy(struct cgroup *cgrp)
{
	return BPF_CORE_READ(cgrp, root, hierarchy_id) == 0;
}

/*
 * The policy bound to this cgroup's path, if any (the path is relative to the v2 root): the
 * keyed hash finds a candidate, and only the whole path, compared byte for byte, confirms it.
 */
static __always_inline struct warden_bindpath *bound_by_path(const char *path)
{
	struct warden_bindpath *bound;
	struct warden_config *config;
	struct warden_scratch *s;
	__u32 zero = 0, i;
	long n;
	__u64 h;

	s = bpf_map_lookup_elem(&warden_scratch, &zero);
	config = bpf_map_lookup_elem(&warden_config, &zero);
	if (!s || !config)
		return NULL;
	/* a path that fills the buffer may have been cut by the kernel: never bound by path */
	n = bpf_probe_read_kernel_str(s->ev.path, WARDEN_CGROUP_PATH_MAX, path);
	if (n <= 0 || n >= WARDEN_CGROUP_PATH_MAX)
		return NULL;
	h = config->hash_seed;
	for (i = 0; i < WARDEN_CGROUP_PATH_MAX; i++) {
		char c = s->ev.path[i];

		if (!c)
			break;
		h = warden_hash_byte(h, c);
	}
	bound = bpf_map_lookup_elem(&warden_bindpath, &h);
	if (!bound)
		return NULL;
	for (i = 0; i < WARDEN_CGROUP_PATH_MAX; i++) {
		if (bound->path[i] != s->ev.path[i])
			return NULL;
		if (!bound->path[i])
			return bound;
	}
	return NULL;
}

/*
 * A tag that could not be written (warden_cgroups is full): from now on the hooks look for a
 * tagged ancestor of every untagged task's cgroup (decide.bpf.h), so the new cgroup is denied
 * everything rather than left unconfined. A tracepoint cannot refuse the mkdir itself.
 */
static __always_inline void tag_lost(void)
{
	__u32 zero = 0, *overflow = bpf_map_lookup_elem(&warden_overflow, &zero);

	if (overflow)
		*overflow = WARDEN_OVERFLOW_CGROUPS; /* a plain store: 5.10 has no atomic or */
}

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(warden_cgroup_mkdir, struct cgroup *cgrp, const char *path)
{
	struct warden_cgroup *parent_tag, tag;
	struct warden_bindpath *bound;
	struct cgroup *parent;
	__u64 id, parent_id;
	long err;

	if (!on_default_hierarchy(cgrp))
		return 0;
	id = BPF_CORE_READ(cgrp, kn, id);
	bound = bound_by_path(path);
	if (bound) {
		/* A bound cgroup created again: its own policy, whatever its parent has. */
		tag.policy_id = bound->policy_id;
		tag.pad = 0;
		if (bpf_map_update_elem(&warden_binding, &id, &tag, BPF_ANY) |
		    bpf_map_update_elem(&warden_cgroups, &id, &tag, BPF_ANY))
			tag_lost();
		return 0;
	}
	/* self is the first member of struct cgroup: the parent css is the parent cgroup. */
	parent = (struct cgroup *)BPF_CORE_READ(cgrp, self.parent);
	if (!parent)
		return 0;
	parent_id = BPF_CORE_READ(parent, kn, id);

	parent_tag = bpf_map_lookup_elem(&warden_cgroups, &parent_id);
	if (!parent_tag)
		return 0;
	tag = *parent_tag;
	/* -EEXIST: userspace's walk wrote it first; anything else (-E2BIG: full) loses it */
	err = bpf_map_update_elem(&warden_cgroups, &id, &tag, BPF_NOEXIST);
	if (err && err != -EEXIST)
		tag_lost();

	/*
	 * Userspace may have changed the parent between our read and our write. It always
	 * writes a cgroup before walking its children, and this cgroup is visible in cgroupfs
	 * before this tracepoint fires: so either userspace's walk comes after our write and
	 * fixes it, or its parent write came before this second read and we fix it here.
	 */
	parent_tag = bpf_map_lookup_elem(&warden_cgroups, &parent_id);
	if (!parent_tag) {
		bpf_map_delete_elem(&warden_cgroups, &id);
	} else if (parent_tag->policy_id != tag.policy_id) {
		tag = *parent_tag;
		if (bpf_map_update_elem(&warden_cgroups, &id, &tag, BPF_ANY))
			tag_lost();
	}
	return 0;
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(warden_cgroup_rmdir, struct cgroup *cgrp, const char *path)
{
	__u64 id;

	if (!on_default_hierarchy(cgrp))
		return 0;
	/*
	 * cgroup ids are never reused, so a stale entry is harmless; remove it to save room. A
	 * binding by path outlives the cgroup (warden_bindpath) and comes back with it.
	 */
	id = BPF_CORE_READ(cgrp, kn, id);
	bpf_map_delete_elem(&warden_cgroups, &id);
	bpf_map_delete_elem(&warden_binding, &id);
	return 0;
}
