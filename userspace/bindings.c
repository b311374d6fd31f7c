// SPDX-License-Identifier: GPL-2.0
/* Cgroup bindings by exact path and by pattern (see bindings.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <linux/types.h>
#include "../bpf/abi.h"
#include "bindings.h"
#include "cgroup.h"
#include "maps.h"

struct bindpaths {
	struct warden_bindpath *v;
	uint64_t *hash;
	size_t n;
};

static void bindpaths_free(struct bindpaths *b)
{
	free(b->v);
	free(b->hash);
	memset(b, 0, sizeof(*b));
}

static int bindpaths_read(const struct warden_maps *m, struct bindpaths *b)
{
	__u64 key, next, *prev = NULL;
	size_t cap = 0;
	int ret;

	memset(b, 0, sizeof(*b));
	while (bpf_map_get_next_key(m->bindpath, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (b->n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			void *v = realloc(b->v, ncap * sizeof(*b->v));
			void *h = v ? realloc(b->hash, ncap * sizeof(*b->hash)) : NULL;

			b->v = v ? v : b->v;
			b->hash = h ? h : b->hash;
			if (!v || !h) {
				bindpaths_free(b);
				return -ENOMEM;
			}
			cap = ncap;
		}
		if (bpf_map_lookup_elem(m->bindpath, &key, &b->v[b->n])) {
			if (errno == ENOENT)
				continue; /* deleted meanwhile */
			ret = -errno; /* not "unbound": a binding missed here would be lost */
			bindpaths_free(b);
			return ret;
		}
		b->v[b->n].path[sizeof(b->v[b->n].path) - 1] = 0;
		b->hash[b->n++] = key;
	}
	return 0;
}

struct patterns {
	struct policy_cgroup_pattern v[WARDEN_CGROUP_PATTERNS];
	size_t n;
};

static int patterns_add(struct patterns *p, const char *s, uint32_t owner)
{
	if (p->n == WARDEN_CGROUP_PATTERNS)
		return -E2BIG;
	p->v[p->n++] = (struct policy_cgroup_pattern){ s, owner };
	return 0;
}

static int named_in(const struct policy_strs *cgroups, const char *path)
{
	for (size_t i = 0; cgroups && i < cgroups->n; i++)
		if (!strcmp(cgroups->v[i].s, path))
			return 1;
	return 0;
}

/* The installed patterns, but those of policy skip and those cgroups takes over. */
static int patterns_installed(const struct bindpaths *b, uint32_t skip,
			      const struct policy_strs *cgroups, struct patterns *p)
{
	int err = 0;

	for (size_t i = 0; i < b->n && !err; i++)
		if (b->v[i].kind == WARDEN_BIND_PATTERN && b->v[i].policy_id != skip &&
		    !named_in(cgroups, b->v[i].path))
			err = patterns_add(p, b->v[i].path, b->v[i].policy_id);
	return err;
}

static int patterns_of(const struct policy_strs *cgroups, uint32_t owner, struct patterns *p)
{
	int err = 0;

	for (size_t i = 0; cgroups && i < cgroups->n && !err; i++)
		if (policy_is_glob(cgroups->v[i].s))
			err = patterns_add(p, cgroups->v[i].s, owner);
	return err;
}

/*
 * Write automaton r (of patterns p) into the half of warden_cgdfa not in force, then put it in
 * force with one store of row 0, and wait until no program can still be stepping the old half,
 * which the next change overwrites.
 */
static int cgdfa_install(const struct warden_maps *m, const struct policy_cgroup_automaton *r,
			 const struct patterns *p)
{
	struct warden_cgdfa_state row;
	__u32 zero = 0, base, key;
	uint32_t start;

	if (bpf_map_lookup_elem(m->cgdfa, &zero, &row))
		return -errno;
	if (!row.start && r->a.n < 2)
		return 0; /* no patterns before or after */
	base = row.start >= WARDEN_CGDFA_HALF ? 1 : WARDEN_CGDFA_HALF;
	for (size_t i = 1; i < r->a.n; i++) {
		memset(&row, 0, sizeof(row));
		row.policy_id = r->winner[i] >= 0 ? p->v[r->winner[i]].owner : 0;
		for (int c = 0; c < 256; c++)
			row.next[c] = r->a.next[i][c] ? (__u16)(base + r->a.next[i][c] - 1) : 0;
		key = base + (__u32)i - 1;
		if (bpf_map_update_elem(m->cgdfa, &key, &row, BPF_ANY))
			return -errno;
	}
	start = r->a.n < 2 ? 0 : base;
	memset(&row, 0, sizeof(row));
	row.start = start;
	if (bpf_map_update_elem(m->cgdfa, &zero, &row, BPF_ANY))
		return -errno;
	return maps_sync();
}

struct sync_ctx {
	const struct warden_maps *m;
	uint64_t seed;
	const struct policy_cgroup_automaton *r;
	const struct patterns *p;
};

/* The policy a cgroup path binds itself to: its exact path's, else its best pattern's. */
/*
 * The policy bound to the cgroup at path itself (0: none, it inherits), or a negative errno
 * when the binding map cannot be read: a lookup that fails is not "unbound", which would
 * leave a bound cgroup unconfined.
 */
static long own_binding(const struct sync_ctx *c, const char *path)
{
	struct warden_bindpath b;
	uint64_t h;
	long w;

	/* the programs read at most WARDEN_CGROUP_PATH_MAX - 1 bytes: longer paths inherit */
	if (!path || strlen(path) >= WARDEN_CGROUP_PATH_MAX - 1)
		return 0;
	h = policy_path_hash(c->seed, path);
	if (bpf_map_lookup_elem(c->m->bindpath, &h, &b)) {
		if (errno != ENOENT)
			return -errno;
	} else if (b.kind == WARDEN_BIND_EXACT && !strncmp(b.path, path, sizeof(b.path))) {
		return b.policy_id;
	}
	w = policy_cgroup_match(c->r, path);
	return w >= 0 ? c->p->v[w].owner : 0;
}

static int map_set(int fd, uint64_t id, uint32_t policy_id)
{
	struct warden_cgroup tag = { .policy_id = policy_id }, cur;

	if (!policy_id)
		return bpf_map_delete_elem(fd, &id) && errno != ENOENT ? -errno : 0;
	if (!bpf_map_lookup_elem(fd, &id, &cur) && cur.policy_id == policy_id)
		return 0;
	return bpf_map_update_elem(fd, &id, &tag, BPF_ANY) ? -errno : 0;
}

static int sync_one(const char *path, uint64_t id, uint64_t parent, uint64_t *ret_value, void *ctx)
{
	long found = own_binding(ctx, path);
	const struct sync_ctx *c = ctx;
	uint32_t own = found > 0 ? (uint32_t)found : 0;
	uint32_t effective = own ? own : (uint32_t)parent;
	int err = found < 0 ? (int)found : map_set(c->m->binding, id, own);

	if (!err)
		err = map_set(c->m->cgroups, id, effective);
	*ret_value = effective;
	return err;
}

/*
 * Refuse hash collisions with other bound paths before anything is written. The same path
 * bound to another policy is taken over: check, apply and the daemon refuse that unless the
 * other policy is replaced in the same change (bindings_check), in whatever order.
 */
static int paths_collide(const struct bindpaths *b, uint64_t seed, const struct policy_strs *cg)
{
	for (size_t i = 0; cg && i < cg->n; i++) {
		uint64_t h = policy_path_hash(seed, cg->v[i].s);

		for (size_t j = 0; j < b->n; j++)
			if (b->hash[j] == h &&
			    strncmp(b->v[j].path, cg->v[i].s, sizeof(b->v[j].path)))
				return -EEXIST;
	}
	return 0;
}

static int paths_write(const struct warden_maps *m, const struct bindpaths *b, uint64_t seed,
		       uint32_t id, const struct policy_strs *cg)
{
	struct warden_bindpath bound;
	size_t i, j;

	for (i = 0; cg && i < cg->n; i++) {
		uint64_t h = policy_path_hash(seed, cg->v[i].s);

		memset(&bound, 0, sizeof(bound));
		bound.policy_id = id;
		bound.kind = policy_is_glob(cg->v[i].s) ? WARDEN_BIND_PATTERN : WARDEN_BIND_EXACT;
		snprintf(bound.path, sizeof(bound.path), "%s", cg->v[i].s);
		if (bpf_map_update_elem(m->bindpath, &h, &bound, BPF_ANY))
			return -errno;
	}
	for (j = 0; j < b->n; j++) {
		if (b->v[j].policy_id != id)
			continue;
		for (i = 0; cg && i < cg->n; i++)
			if (!strncmp(b->v[j].path, cg->v[i].s, sizeof(b->v[j].path)))
				break;
		if ((!cg || i == cg->n) && bpf_map_delete_elem(m->bindpath, &b->hash[j]) &&
		    errno != ENOENT)
			return -errno;
	}
	return 0;
}

/* The installed bindings (b) and the automaton (r, of p) with id's cgroups replaced. */
static int prepare(const struct warden_maps *m, uint32_t id, const struct policy_strs *cgroups,
		   struct bindpaths *b, struct patterns *p, struct policy_cgroup_automaton *r,
		   uint64_t *seed)
{
	int err = maps_hash_seed(m, seed);

	memset(r, 0, sizeof(*r));
	if (!err)
		err = bindpaths_read(m, b);
	if (err)
		return err;
	/*
	 * Equally specific patterns of two policies are refused before this (bindings_check):
	 * met here, they are the passing state of a change that replaces several policies one
	 * by one, and the first pattern in the map wins until the change is complete.
	 */
	err = patterns_installed(b, id, cgroups, p);
	if (!err)
		err = patterns_of(cgroups, id, p);
	if (!err)
		err = policy_cgroup_resolve(p->v, p->n, WARDEN_CGDFA_HALF, r);
	if (!err)
		err = paths_collide(b, *seed, cgroups);
	if (err) {
		policy_cgroup_automaton_free(r);
		bindpaths_free(b);
	}
	return err;
}

int bindings_verify(const struct warden_maps *m, uint32_t id, const struct policy_strs *cgroups)
{
	struct policy_cgroup_automaton r;
	struct patterns p = { .n = 0 };
	struct bindpaths b;
	uint64_t seed;
	int err = prepare(m, id, cgroups, &b, &p, &r, &seed);

	if (!err) {
		policy_cgroup_automaton_free(&r);
		bindpaths_free(&b);
	}
	return err;
}

int bindings_set(const struct warden_maps *m, const char *mount, uint32_t id,
		 const struct policy_strs *cgroups)
{
	struct policy_cgroup_automaton r;
	struct patterns p = { .n = 0 };
	struct bindpaths b;
	struct sync_ctx c = { .m = m, .r = &r, .p = &p };
	int err = prepare(m, id, cgroups, &b, &p, &r, &c.seed), changed;

	if (err)
		return err;
	err = paths_write(m, &b, c.seed, id, cgroups);
	if (!err)
		err = cgdfa_install(m, &r, &p);
	if (!err)
		err = loader_tags_changing(m->bindgen, 0);
	if (!err) {
		/* tags a walk changed before it failed are changed as well */
		err = cgroup_walk(mount, sync_one, &c);
		changed = loader_tags_changing(m->bindgen, 1);
		if (!err)
			err = changed;
	}
	policy_cgroup_automaton_free(&r);
	bindpaths_free(&b);
	return err;
}

/* bindings_check numbers the policies of its set (i) apart from installed policy ids. */
#define SET_OWNER(i) (0x80000000u | (uint32_t)(i))
#define IS_SET_OWNER(o) ((o)&0x80000000u)
#define SET_INDEX(o) ((o) & ~0x80000000u)

/* Whether installed policy id is replaced by a policy of set (same name). */
static int replaced(const struct warden_maps *m, uint32_t id, struct policy *const *set, size_t n,
		    char *name, size_t size)
{
	if (maps_policy_name(m, id, name, size))
		snprintf(name, size, "#%u", id);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(set[i]->name.s, name))
			return 1;
	return 0;
}

static int check_exact(const struct warden_maps *m, const struct bindpaths *b,
		       struct policy *const *set, size_t n, struct policy_diags *diags)
{
	char other[WARDEN_NAME_MAX + 8];
	int errors = 0;

	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < set[i]->cgroups.n; j++) {
			const struct policy_str *c = &set[i]->cgroups.v[j];

			for (size_t k = 0; k < b->n; k++) {
				if (strncmp(b->v[k].path, c->s, sizeof(b->v[k].path)) ||
				    replaced(m, b->v[k].policy_id, set, n, other, sizeof(other)))
					continue;
				policy_diags_add(
					diags, set[i]->file, c->line, c->column,
					"cgroup '%s' is already bound to installed policy '%s'",
					c->s, other);
				errors++;
			}
		}
	}
	return errors;
}

/* The pattern of set that conflict index x names, or NULL for an installed one. */
static const struct policy_str *set_pattern(struct policy *const *set, size_t n,
					    const struct patterns *p, size_t x)
{
	uint32_t owner = p->v[x].owner;
	const struct policy *q;

	if (!IS_SET_OWNER(owner) || SET_INDEX(owner) >= n)
		return NULL;
	q = set[SET_INDEX(owner)];
	for (size_t j = 0; j < q->cgroups.n; j++)
		if (q->cgroups.v[j].s == p->v[x].s)
			return &q->cgroups.v[j];
	return NULL;
}

static int check_patterns(const struct warden_maps *m, const struct bindpaths *b,
			  struct policy *const *set, size_t n, struct policy_diags *diags)
{
	struct policy_cgroup_automaton r;
	struct patterns p = { .n = 0 };
	char other[WARDEN_NAME_MAX + 8];
	int err = 0, errors = 0;

	for (size_t i = 0; i < b->n && !err; i++)
		if (b->v[i].kind == WARDEN_BIND_PATTERN &&
		    !replaced(m, b->v[i].policy_id, set, n, other, sizeof(other)))
			err = patterns_add(&p, b->v[i].path, b->v[i].policy_id);
	for (size_t i = 0; i < n && !err; i++)
		err = patterns_of(&set[i]->cgroups, SET_OWNER(i), &p);
	if (!err)
		err = policy_cgroup_resolve(p.v, p.n, WARDEN_CGDFA_HALF, &r);
	if (err) {
		policy_diags_add(diags, set[0]->file, 0, 0,
				 "the cgroup patterns of the installed policies and of these need "
				 "more than %d patterns or %d automaton states in all",
				 WARDEN_CGROUP_PATTERNS, WARDEN_CGDFA_HALF - 1);
		return 1;
	}
	for (size_t i = 0; i < r.nconflicts; i++) {
		size_t x = r.conflicts[i].b - 1, y = r.conflicts[i].a - 1;
		const struct policy_str *src = set_pattern(set, n, &p, x);

		if (!src) { /* two installed patterns never conflict: report the other side */
			size_t t = x;

			x = y;
			y = t;
			src = set_pattern(set, n, &p, x);
		}
		if (!src)
			continue;
		if (IS_SET_OWNER(p.v[y].owner))
			snprintf(other, sizeof(other), "%s", set[SET_INDEX(p.v[y].owner)]->name.s);
		else if (maps_policy_name(m, p.v[y].owner, other, sizeof(other)))
			snprintf(other, sizeof(other), "#%u", p.v[y].owner);
		policy_diags_add(
			diags, set[SET_INDEX(p.v[x].owner)]->file, src->line, src->column,
			"cgroup pattern '%s' and pattern '%s' of policy '%s' can match the "
			"same cgroup and are equally specific",
			p.v[x].s, p.v[y].s, other);
		errors++;
	}
	policy_cgroup_automaton_free(&r);
	return errors;
}

int bindings_check(const struct warden_maps *m, struct policy *const *set, size_t n,
		   struct policy_diags *diags)
{
	struct bindpaths b;
	int errors;

	if (bindpaths_read(m, &b)) {
		policy_diags_add(diags, n ? set[0]->file : "warden", 0, 0,
				 "cannot read the installed bindings");
		return 1;
	}
	errors = check_exact(m, &b, set, n, diags) + check_patterns(m, &b, set, n, diags);
	bindpaths_free(&b);
	return errors;
}

int bindings_for_each_path(const struct warden_maps *m, uint32_t id, bindings_path_fn fn, void *ctx)
{
	struct bindpaths b;
	int err = bindpaths_read(m, &b);

	for (size_t i = 0; !err && i < b.n; i++)
		if (b.v[i].policy_id == id)
			err = fn(b.v[i].path, b.v[i].kind, ctx);
	bindpaths_free(&b);
	return err;
}
