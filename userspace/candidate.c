// SPDX-License-Identifier: GPL-2.0
/*
 * Report-only candidates: a policy audited beside the enforced policy of the same name, for the
 * same cgroups (warden apply --candidate). Decisions stay the enforced policy's; what the
 * candidate would deny is reported as "would-deny" by the candidate build of the programs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bindings.h"
#include "candidate.h"
#include "loader.h"
#include "log.h"

struct same_ctx {
	const struct policy *p;
	size_t found;
	int other;
};

static int count_path(const char *path, uint32_t kind, void *ctx)
{
	struct same_ctx *c = ctx;
	size_t i;

	(void)kind;
	for (i = 0; i < c->p->cgroups.n; i++)
		if (!strcmp(c->p->cgroups.v[i].s, path))
			break;
	if (i < c->p->cgroups.n)
		c->found++;
	else
		c->other = 1;
	return 0;
}

/* Whether the cgroups (paths and patterns) candidate p names are exactly those of policy id. */
static int same_cgroups(const struct warden_maps *m, uint32_t id, const struct policy *p)
{
	struct same_ctx c = { .p = p };

	if (bindings_for_each_path(m, id, count_path, &c))
		return 0;
	return !c.other && c.found == p->cgroups.n;
}

/* Check every candidate of set against the installed policies: 0, or -EINVAL (said why). */
static int check_candidates(const struct warden_maps *m, const struct policy_set *set)
{
	uint32_t id;
	size_t i;
	int bad = 0;

	for (i = 0; i < set->n; i++) {
		const struct policy *p = set->v[i];

		if (maps_policy_find(m, p->name.s, &id)) {
			log_error(
				"%s: no enforced policy '%s' is installed: a candidate is audited "
				"beside the policy of its name (apply that first)",
				p->file, p->name.s);
			bad++;
		} else if (!same_cgroups(m, id, p)) {
			log_error("%s: the cgroups of candidate '%s' differ from those of the "
				  "installed policy '%s': a candidate names the same cgroups",
				  p->file, p->name.s, p->name.s);
			bad++;
		}
	}
	return bad ? -EINVAL : 0;
}

int candidate_apply(const struct warden_maps *m, const char *cgroup_mount, struct policy_set *set)
{
	uint32_t id, cand;
	size_t i;
	int err;

	err = check_candidates(m, set);
	if (err)
		return err;
	err = loader_candidates_attach();
	if (err)
		return err;
	for (i = 0; i < set->n; i++) {
		struct policy *p = set->v[i];

		set->rulesets[i]->header.flags |= WARDEN_POLICY_CANDIDATE;
		err = maps_policy_find(m, p->name.s, &id);
		if (!err)
			err = maps_policy_install(m, cgroup_mount, set->rulesets[i]);
		if (!err)
			err = maps_candidate_find(m, p->name.s, &cand);
		if (!err)
			err = maps_candidate_set(m, id, cand);
		if (err) {
			log_error("%s: cannot install candidate '%s': %s", p->file, p->name.s,
				  strerror(-err));
			return err;
		}
	}
	return 0;
}

int candidate_detach_unused(const struct warden_maps *m)
{
	int any = maps_has_candidates(m);

	return any < 0 ? any : any ? 0 : loader_candidates_detach();
}

int candidate_remove(const struct warden_maps *m, const char *cgroup_mount, const char *name)
{
	uint32_t id, cand;
	int err;

	if (maps_candidate_find(m, name, &cand))
		return -ENOENT;
	err = maps_policy_find(m, name, &id);
	if (!err)
		err = maps_candidate_set(m, id, 0);
	else if (err == -ENOENT)
		err = 0;
	if (!err)
		err = maps_policy_remove(m, cgroup_mount, cand);
	if (!err)
		err = candidate_detach_unused(m);
	return err;
}

int candidate_promoted(const struct warden_maps *m, const char *cgroup_mount,
		       const struct policy *p)
{
	struct warden_policy hdr;
	uint32_t cand;
	int err;

	if (maps_candidate_find(m, p->name.s, &cand))
		return 0;
	err = maps_policy_header(m, cand, &hdr);
	if (err || hdr.source_hash != p->source_hash)
		return err;
	err = candidate_remove(m, cgroup_mount, p->name.s);
	return err ? err : 1;
}
