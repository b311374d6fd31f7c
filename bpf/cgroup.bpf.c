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
 * The new cgroup's path (relative to the v2 root) in the scratch buffer, or NULL when it cannot
 * be read whole: a path that fills the buffer may have been cut by the kernel, and is never
 * bound by path or pattern (its cgroup inherits its parent's policy).
 */
static __always_inline char *read_path(const char *path)
{
	struct warden_scratch *s;
	__u32 zero = 0;
	long n;

	s = bpf_map_lookup_elem(&warden_scratch, &zero);
	if (!s)
		return NULL;
	n = bpf_probe_read_kernel_str(s->ev.path, WARDEN_CGROUP_PATH_MAX, path);
	if (n <= 0 || n >= WARDEN_CGROUP_PATH_MAX)
		return NULL;
	return s->ev.path;
}

/*
 * The policy bound to this exact path, if any: the keyed hash finds a candidate, and only the
 * whole path, compared byte for byte, confirms it.
 */
static __always_inline __u32 bound_by_path(const char *path)
{
	struct warden_bindpath *bound;
	struct warden_config *config;
	__u32 zero = 0, i;
	__u64 h;

	config = bpf_map_lookup_elem(&warden_config, &zero);
	if (!config)
		return 0;
	h = config->hash_seed;
	for (i = 0; i < WARDEN_CGROUP_PATH_MAX; i++) {
		char c = path[i];

		if (!c)
			break;
		h = warden_hash_byte(h, c);
	}
	bound = bpf_map_lookup_elem(&warden_bindpath, &h);
	if (!bound || bound->kind != WARDEN_BIND_EXACT)
		return 0; /* a pattern's text names no cgroup: a cgroup named '*' is not it */
	for (i = 0; i < WARDEN_CGROUP_PATH_MAX; i++) {
		if (bound->path[i] != path[i])
			return 0;
		if (!bound->path[i])
			return bound->policy_id;
	}
	return 0;
}

/* The policy of the most specific pattern matching path, if any (warden_cgdfa, bpf/abi.h). */
static __always_inline __u32 bound_by_pattern(const char *path)
{
	struct warden_cgdfa_state *row;
	__u32 zero = 0, st, i;

	row = bpf_map_lookup_elem(&warden_cgdfa, &zero);
	if (!row || !row->start)
		return 0;
	st = row->start;
	for (i = 0; i < WARDEN_CGROUP_PATH_MAX; i++) {
		char c = path[i];

		if (!c)
			break;
		row = bpf_map_lookup_elem(&warden_cgdfa, &st);
		if (!row)
			return 0;
		st = row->next[(__u8)c];
		if (!st)
			return 0;
	}
	row = bpf_map_lookup_elem(&warden_cgdfa, &st);
	return row ? row->policy_id : 0;
}

/*
 * A tag that could not be written (warden_cgroups is full): from now on the hooks look for a
 * tagged ancestor of every untagged task's cgroup (decide.bpf.h), so the new cgroup is denied
 * everything rather than left unconfined. A tracepoint cannot refuse the mkdir itself.
 */
/*
 * A tag that existed changed (or went): tags kept in scratches no longer hold (tag_cached). By 2:
 * the generation is odd while userspace changes tags (loader_tags_changing), and stays so.
 */
static __always_inline void tags_changed(void)
{
	__u32 zero = 0;
	__u64 *gen = bpf_map_lookup_elem(&warden_bindgen, &zero);

	if (gen)
		__sync_fetch_and_add(gen, 2);
}

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
	struct cgroup *parent;
	__u64 id, parent_id;
	__u32 bound = 0;
	char *p;
	long err;

	if (!on_default_hierarchy(cgrp))
		return 0;
	id = BPF_CORE_READ(cgrp, kn, id);
	p = read_path(path);
	if (p) {
		bound = bound_by_path(p);
		if (!bound)
			bound = bound_by_pattern(p);
	}
	if (bound) {
		/*
		 * A cgroup a policy names, by path or by pattern: its own policy, whatever its
		 * parent has, before any process can enter it.
		 */
		tag.policy_id = bound;
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
		tags_changed();
	} else if (parent_tag->policy_id != tag.policy_id) {
		tag = *parent_tag;
		if (bpf_map_update_elem(&warden_cgroups, &id, &tag, BPF_ANY))
			tag_lost();
		tags_changed();
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
