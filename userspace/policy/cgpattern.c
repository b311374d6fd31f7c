// SPDX-License-Identifier: GPL-2.0
/*
 * Cgroup patterns: which policy a cgroup path gets when several policies' patterns match it.
 *
 * An exact path beats every pattern (maps.c and cgroup.bpf.c look it up first). Among patterns
 * the most specific wins: more literal bytes; on a tie fewer '**', then fewer '*'. Two patterns
 * of different policies that can match one path with equal specificity are a conflict, refused
 * by check and apply: no cgroup's policy may depend on the order policies were applied in.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "policy.h"

uint32_t policy_cgroup_specificity(const char *pattern)
{
	uint32_t literal = 0, stars = 0, dstars = 0;

	for (const char *c = pattern; *c; c++) {
		if (c[0] == '*' && c[1] == '*') {
			dstars++;
			c++;
		} else if (c[0] == '*') {
			stars++;
		} else {
			literal++;
		}
	}
	dstars = dstars > 255 ? 255 : dstars;
	stars = stars > 255 ? 255 : stars;
	return literal << 16 | (255 - dstars) << 8 | (255 - stars);
}

/* The winner among the patterns of mask; a conflict (two owners, equal and best) in *c. */
static long winner(const struct policy_cgroup_pattern *v, uint64_t mask,
		   struct policy_cgroup_conflict *c)
{
	long best = -1;
	uint32_t top = 0;

	for (size_t i = 0; i < 64; i++) {
		uint32_t spec;

		if (!(mask >> i & 1))
			continue;
		spec = policy_cgroup_specificity(v[i].s);
		if (best < 0 || spec > top) {
			best = (long)i;
			top = spec;
			c->a = c->b = 0;
		} else if (spec == top && v[i].owner != v[best].owner && !c->b) {
			c->a = (size_t)best + 1;
			c->b = i + 1;
		}
	}
	return best;
}

int policy_cgroup_resolve(const struct policy_cgroup_pattern *v, size_t n, size_t max_states,
			  struct policy_cgroup_automaton *ret)
{
	struct policy_glob g[WARDEN_CGROUP_PATTERNS];
	struct policy_cgroup_automaton r = { 0 };
	int err;

	memset(ret, 0, sizeof(*ret));
	if (n > WARDEN_CGROUP_PATTERNS)
		return -E2BIG;
	for (size_t i = 0; i < n; i++)
		g[i] = (struct policy_glob){ v[i].s, 1ULL << i };
	err = policy_automaton_build(g, n, max_states, &r.a);
	if (err || !r.a.n)
		return err;
	r.winner = calloc(r.a.n, sizeof(*r.winner));
	if (!r.winner) {
		policy_cgroup_automaton_free(&r);
		return -ENOMEM;
	}
	for (size_t st = 0; st < r.a.n; st++) {
		struct policy_cgroup_conflict c = { 0 };
		size_t k;

		r.winner[st] = winner(v, r.a.out[st], &c);
		if (!c.b)
			continue;
		for (k = 0; k < r.nconflicts; k++)
			if (r.conflicts[k].a == c.a && r.conflicts[k].b == c.b)
				break;
		if (k == r.nconflicts && r.nconflicts < POLICY_CGROUP_CONFLICTS)
			r.conflicts[r.nconflicts++] = c;
	}
	*ret = r;
	return 0;
}

long policy_cgroup_match(const struct policy_cgroup_automaton *r, const char *path)
{
	uint32_t st = r->a.n > 1 ? 1 : 0;

	for (; *path && st; path++)
		st = r->a.next[st][(uint8_t)*path];
	return r->winner ? r->winner[st] : -1;
}

void policy_cgroup_automaton_free(struct policy_cgroup_automaton *r)
{
	policy_automaton_free(&r->a);
	free(r->winner);
	memset(r, 0, sizeof(*r));
}
