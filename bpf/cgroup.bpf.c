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

/* cgroup v1 hierarchies have their own id space; only the default (v2) hierarchy, id 0, counts. */
static __always_inline int on_default_hierarchy(struct cgroup *cgrp)
{
	return BPF_CORE_READ(cgrp, root, hierarchy_id) == 0;
}

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(warden_cgroup_mkdir, struct cgroup *cgrp, const char *path)
{
	struct warden_cgroup *parent_tag, tag;
	struct cgroup *parent;
	__u64 id, parent_id;

	if (!on_default_hierarchy(cgrp))
		return 0;
	/* self is the first member of struct cgroup: the parent css is the parent cgroup. */
	parent = (struct cgroup *)BPF_CORE_READ(cgrp, self.parent);
	if (!parent)
		return 0;
	id = BPF_CORE_READ(cgrp, kn, id);
	parent_id = BPF_CORE_READ(parent, kn, id);

	parent_tag = bpf_map_lookup_elem(&warden_cgroups, &parent_id);
	if (!parent_tag)
		return 0;
	tag = *parent_tag;
	bpf_map_update_elem(&warden_cgroups, &id, &tag, BPF_NOEXIST);

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
		bpf_map_update_elem(&warden_cgroups, &id, &tag, BPF_ANY);
	}
	return 0;
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(warden_cgroup_rmdir, struct cgroup *cgrp, const char *path)
{
	__u64 id;

	if (!on_default_hierarchy(cgrp))
		return 0;
	/* cgroup ids are never reused, so a stale entry is harmless; remove it to save room. */
	id = BPF_CORE_READ(cgrp, kn, id);
	bpf_map_delete_elem(&warden_cgroups, &id);
	return 0;
}
