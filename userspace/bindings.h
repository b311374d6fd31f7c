/* SPDX-License-Identifier: GPL-2.0 */
#ifndef WARDEN_BINDINGS_H
#define WARDEN_BINDINGS_H

#include "loader.h"
#include "policy/policy.h"

/*
 * Cgroup bindings: which cgroups each installed policy confines. A policy names cgroups by
 * exact path or by pattern (warden_bindpath holds both); a cgroup's own binding is its exact
 * path's policy, else the policy of the most specific pattern matching it (cgpattern.c); a
 * cgroup with none gets its nearest bound ancestor's policy. The cgroup_mkdir program binds a
 * new cgroup the same way from the same maps, so one that appears later is confined from the
 * moment it exists.
 */

/*
 * Make cgroups (exact paths and patterns; NULL: none) the cgroups of policy id, taking over
 * a path another policy names, then bring every cgroup's binding and policy in line. Refused
 * before anything changes when the patterns of all policies together would not fit (-E2BIG)
 * or another bound path has the same hash (-EEXIST). Conflicts between policies are for the
 * caller to refuse first (bindings_check).
 */
int bindings_set(const struct warden_maps *m, const char *mount, uint32_t id,
		 const struct policy_strs *cgroups);

/* What bindings_set would refuse, without changing anything (id 0: a new policy). */
int bindings_verify(const struct warden_maps *m, uint32_t id, const struct policy_strs *cgroups);

/*
 * What installing the policies of set (replacing installed ones of the same names) would
 * conflict with among the installed policies: an exact cgroup bound to another policy, two
 * patterns that match one cgroup equally well, too many patterns. Adds diagnostics; returns
 * the number of errors.
 */
int bindings_check(const struct warden_maps *m, struct policy *const *set, size_t n,
		   struct policy_diags *diags);

/* Call fn for each cgroup path or pattern policy id names, in no particular order. */
typedef int (*bindings_path_fn)(const char *path, uint32_t kind, void *ctx);
int bindings_for_each_path(const struct warden_maps *m, uint32_t id, bindings_path_fn fn,
			   void *ctx);

#endif
