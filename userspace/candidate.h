/* SPDX-License-Identifier: GPL-2.0 */
#ifndef WARDEN_CANDIDATE_H
#define WARDEN_CANDIDATE_H

#include "commands.h"
#include "maps.h"

/*
 * Install every policy of set as the report-only candidate of the installed policy of its
 * name, which must be bound to exactly the cgroups it names; attaches the candidate programs
 * when needed. Nothing is installed unless every candidate fits. 0 or a negative errno (said).
 */
int candidate_apply(const struct warden_maps *m, const char *cgroup_mount, struct policy_set *set);

/* Remove the candidate called name: 0, -ENOENT when there is none, or a negative errno. */
int candidate_remove(const struct warden_maps *m, const char *cgroup_mount, const char *name);

/* With no candidate left, the candidate programs detach: they cost every hook a lookup. */
int candidate_detach_unused(const struct warden_maps *m);

/*
 * After p was installed as the enforced policy: a candidate of its name from the same bytes
 * has been promoted, and goes (one atomic swap made it the rules in force). 1 when it went,
 * 0 when there was none, or a negative errno.
 */
int candidate_promoted(const struct warden_maps *m, const char *cgroup_mount,
		       const struct policy *p);

#endif
