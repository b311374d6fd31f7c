/* SPDX-License-Identifier: GPL-2.0 */
#ifndef WARDEN_CGROUP_H
#define WARDEN_CGROUP_H

#include <stddef.h>
#include <stdint.h>

/*
 * Cgroups are named the way policies name them: paths below the cgroup2 mount ("/" is the
 * root, "/system.slice/x.service" a service), whatever directory cgroup2 is mounted on.
 */

/* Where cgroup v2 is mounted (e.g. "/sys/fs/cgroup"); -ENOENT when it is not. */
int cgroup_mount_point(char *buf, size_t size);

/* The id of the cgroup at path (below the mount), as bpf_get_current_cgroup_id reports it. */
int cgroup_id(const char *mount, const char *path, uint64_t *ret_id);

/* The path (below the mount) of the cgroup with this id; -ENOENT when it is gone. */
int cgroup_path(const char *mount, uint64_t id, char *buf, size_t size);

/*
 * Call fn for each cgroup directly below path, with its path and id. fn returning non-zero
 * stops the walk and is returned.
 */
typedef int (*cgroup_child_fn)(const char *path, uint64_t id, void *ctx);
int cgroup_children(const char *mount, const char *path, cgroup_child_fn fn, void *ctx);

/*
 * Visit every cgroup, each before its children: fn gets its path (NULL when the path is too
 * long for CGROUP_WALK_PATH_MAX: no policy can name it), its id, the value fn returned for its
 * parent (0 for the root), and sets the value its children get. Paths of any length and depth
 * are walked (by directory descriptors), cgroups removed meanwhile are skipped, and fn
 * returning non-zero stops the walk and is returned.
 */
#define CGROUP_WALK_PATH_MAX 4096
typedef int (*cgroup_visit_fn)(const char *path, uint64_t id, uint64_t parent_value,
			       uint64_t *ret_value, void *ctx);
int cgroup_walk(const char *mount, cgroup_visit_fn fn, void *ctx);

#endif
