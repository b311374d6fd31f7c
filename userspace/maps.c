// SPDX-License-Identifier: GPL-2.0
/* Writing policies, rules and cgroup bindings into the pinned maps. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>
#include "../bpf/abi.h"
#include "applied.h"
#include "bindings.h"
#include "cgroup.h"
#include "loader.h"
#include "log.h"
#include "maps.h"
#include "rskeys.h"

int maps_hash_seed(const struct warden_maps *m, uint64_t *ret_seed)
{
	struct warden_config config;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(m->config, &zero, &config))
		return -errno;
	*ret_seed = config.hash_seed;
	return 0;
}

/* The rule set of policy id in force (bank byte), and its header. */
static int active_header(const struct warden_maps *m, uint32_t id, struct warden_policy *hdr,
			 uint32_t *ret_ruleset)
{
	__u8 bank = 0;
	__u32 rs;

	if (bpf_map_lookup_elem(m->bank, &id, &bank))
		return -errno;
	rs = id * 2 + (bank & 1);
	if (bpf_map_lookup_elem(m->policy, &rs, hdr))
		return -errno;
	if (ret_ruleset)
		*ret_ruleset = rs;
	return 0;
}

int maps_sync(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts);
	int inner, outer, ret = 0;
	__u32 zero = 0;

	/*
	 * Updating a map-of-maps makes the kernel wait for an RCU grace period before it returns
	 * (maybe_wait_bpf_programs), so that userspace knows no program still uses what it read
	 * before. Every warden program runs under rcu_read_lock (none is sleepable).
	 */
	inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, "warden_sync", 4, 4, 1, NULL);
	if (inner < 0)
		return -errno;
	opts.inner_map_fd = inner;
	outer = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "warden_sync", 4, 4, 1, &opts);
	if (outer < 0) {
		ret = -errno;
		close(inner);
		return ret;
	}
	if (bpf_map_update_elem(outer, &zero, &inner, BPF_ANY))
		ret = -errno;
	close(outer);
	close(inner);
	return ret;
}

/*
 * Every value of array map fd (n entries of value_size bytes) into values, by key: a few system
 * calls (BPF_MAP_LOOKUP_BATCH) where the kernel can, else one per entry. Under QEMU a system
 * call costs tens of microseconds, and the policy headers are 2,048.
 */
static int read_array(int fd, void *values, size_t value_size, __u32 n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 *keys = calloc(n, sizeof(*keys)), in = 0, out = 0, count, got = 0, i;
	char *tmp = calloc(n, value_size);
	int ret = keys && tmp ? 0 : -ENOMEM;

	while (!ret && got < n) {
		count = n - got;
		if (bpf_map_lookup_batch(fd, got ? &in : NULL, &out, keys + got,
					 tmp + (size_t)got * value_size, &count, &opts)) {
			if (errno != ENOENT) {
				ret = -errno; /* count says nothing then */
				break;
			}
			ret = 1; /* the last batch */
		}
		got += count;
		in = out;
	}
	for (i = 0; ret >= 0 && i < got; i++)
		if (keys[i] < n)
			memcpy((char *)values + (size_t)keys[i] * value_size,
			       tmp + (size_t)i * value_size, value_size);
	if (ret < 0 && !got) /* no batch operations: one entry at a time */
		for (ret = 0, i = 0; !ret && i < n; i++)
			if (bpf_map_lookup_elem(fd, &i, (char *)values + (size_t)i * value_size))
				ret = -errno;
	free(keys);
	free(tmp);
	return ret < 0 ? ret : 0;
}

int maps_for_each_policy(const struct warden_maps *m, maps_policy_fn fn, void *ctx)
{
	__u8 *bank = calloc(WARDEN_MAX_POLICIES, sizeof(*bank));
	struct warden_policy *hdr = calloc(WARDEN_RULESETS, sizeof(*hdr));
	int ret = bank && hdr ? 0 : -ENOMEM;
	__u32 id;

	if (!ret)
		ret = read_array(m->bank, bank, sizeof(*bank), WARDEN_MAX_POLICIES);
	if (!ret)
		ret = read_array(m->policy, hdr, sizeof(*hdr), WARDEN_RULESETS);
	for (id = 1; !ret && id < WARDEN_MAX_POLICIES; id++) {
		const struct warden_policy *p = &hdr[id * 2 + (bank[id] & 1)];

		if (p->in_use)
			ret = fn(id, p, ctx);
	}
	free(bank);
	free(hdr);
	return ret;
}

struct find_ctx {
	const char *name;
	uint32_t candidate; /* WARDEN_POLICY_CANDIDATE to find a candidate, 0 an enforced policy */
	uint32_t id;
};

static int find_one(uint32_t id, const struct warden_policy *p, void *ctx)
{
	struct find_ctx *f = ctx;

	if ((p->flags & WARDEN_POLICY_CANDIDATE) != f->candidate ||
	    strncmp(p->name, f->name, sizeof(p->name)))
		return 0;
	f->id = id;
	return 1;
}

static int policy_find(const struct warden_maps *m, const char *name, uint32_t candidate,
		       uint32_t *ret_id)
{
	struct find_ctx f = { .name = name, .candidate = candidate };
	int ret = maps_for_each_policy(m, find_one, &f);

	if (ret < 0)
		return ret;
	if (!ret)
		return -ENOENT;
	*ret_id = f.id;
	return 0;
}

int maps_policy_find(const struct warden_maps *m, const char *name, uint32_t *ret_id)
{
	return policy_find(m, name, 0, ret_id);
}

int maps_candidate_find(const struct warden_maps *m, const char *name, uint32_t *ret_id)
{
	return policy_find(m, name, WARDEN_POLICY_CANDIDATE, ret_id);
}

int maps_candidate_of(const struct warden_maps *m, uint32_t id, uint32_t *ret_candidate)
{
	*ret_candidate = 0;
	if (bpf_map_lookup_elem(m->candidate, &id, ret_candidate))
		return -errno;
	return 0;
}

int maps_candidate_set(const struct warden_maps *m, uint32_t id, uint32_t candidate)
{
	return bpf_map_update_elem(m->candidate, &id, &candidate, BPF_ANY) ? -errno : 0;
}

static int any_candidate(uint32_t id, const struct warden_policy *p, void *ctx)
{
	(void)id;
	(void)ctx;
	return !!(p->flags & WARDEN_POLICY_CANDIDATE);
}

int maps_has_candidates(const struct warden_maps *m)
{
	return maps_for_each_policy(m, any_candidate, NULL);
}

int maps_policy_name(const struct warden_maps *m, uint32_t id, char *buf, size_t size)
{
	struct warden_policy p;

	int ret;

	if (id == 0 || id >= WARDEN_MAX_POLICIES)
		return -ENOENT;
	ret = active_header(m, id, &p, NULL);
	if (ret)
		return ret;
	if (!p.in_use)
		return -ENOENT;
	snprintf(buf, size, "%.*s", (int)sizeof(p.name), p.name);
	return 0;
}

/* A policy id whose two rule sets are both free. */
static int policy_alloc(const struct warden_maps *m, uint32_t *ret_id)
{
	struct warden_policy *hdr = calloc(WARDEN_RULESETS, sizeof(*hdr));
	int ret = hdr ? read_array(m->policy, hdr, sizeof(*hdr), WARDEN_RULESETS) : -ENOMEM;
	__u32 id;

	for (id = 1; !ret && id < WARDEN_MAX_POLICIES; id++) {
		if (!hdr[id * 2].in_use && !hdr[id * 2 + 1].in_use) {
			*ret_id = id;
			break;
		}
	}
	if (!ret && id == WARDEN_MAX_POLICIES)
		ret = -ENOSPC;
	free(hdr);
	return ret;
}

int maps_binding_of(const struct warden_maps *m, uint64_t cgroup_id, uint32_t *ret_id)
{
	struct warden_cgroup tag;

	if (bpf_map_lookup_elem(m->binding, &cgroup_id, &tag))
		return -errno;
	*ret_id = tag.policy_id;
	return 0;
}

int maps_for_each_binding(const struct warden_maps *m, uint32_t id, maps_binding_fn fn, void *ctx)
{
	__u64 key, next, *prev = NULL;
	struct warden_cgroup tag;
	int ret;

	while (bpf_map_get_next_key(m->binding, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(m->binding, &key, &tag))
			continue;
		if (tag.policy_id != id)
			continue;
		ret = fn(key, ctx);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Delete every key of map fd (keys of key_size bytes) for which doomed returns non-zero.
 * Deleting while iterating would restart the walk, so the keys are collected first.
 */
typedef int (*doomed_fn)(int fd, const void *key, void *ctx);

/* Keys collected for deletion, key_size bytes each (room for cap). */
struct key_list {
	char *v;
	size_t n, cap, key_size;
};

static int key_list_add(struct key_list *l, const void *key)
{
	size_t cap = l->cap ? l->cap * 2 : 64;
	char *v;

	if (l->n == l->cap) {
		v = realloc(l->v, cap * l->key_size);
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	memcpy(l->v + l->n++ * l->key_size, key, l->key_size);
	return 0;
}

/* The doomed keys of fd, by BPF_MAP_GET_NEXT_KEY: a system call per key (any map type). */
static int collect_one_by_one(int fd, doomed_fn doomed, void *ctx, struct key_list *dead)
{
	char key[512], next[512], *prev = NULL;
	int ret;

	if (dead->key_size > sizeof(key))
		return -EINVAL;
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, dead->key_size);
		prev = key;
		if (doomed(fd, key, ctx) && (ret = key_list_add(dead, key)))
			return ret;
	}
	return 0;
}

#define BATCH 1024 /* entries per BPF_MAP_LOOKUP_BATCH call */

/*
 * The doomed keys of hash map fd (values of value_size bytes), BATCH entries per system call
 * (BPF_MAP_LOOKUP_BATCH, 5.6 and later): the rule map of many policies holds tens of thousands
 * of keys. -EOPNOTSUPP when the map cannot be read so (an LPM trie), before anything is read.
 */
static int collect_batched(int fd, size_t value_size, doomed_fn doomed, void *ctx,
			   struct key_list *dead)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	char *keys = malloc(BATCH * dead->key_size), *values = malloc(BATCH * value_size);
	/* the position: a bucket number for a hash map, a whole key for the generic walk */
	char in[512] = { 0 }, out[512] = { 0 };
	int first = 1, done = 0, ret = 0;
	__u32 count, i;

	if (!keys || !values)
		ret = -ENOMEM;
	else if (dead->key_size > sizeof(out))
		ret = -EINVAL;
	while (!ret && !done) {
		count = BATCH;
		if (bpf_map_lookup_batch(fd, first ? NULL : in, out, keys, values, &count, &opts)) {
			if (errno != ENOENT) {
				ret = -errno;
				break;
			}
			done = 1; /* the last batch: count entries, maybe none */
		}
		for (i = 0; !ret && i < count; i++)
			if (doomed(fd, keys + i * dead->key_size, ctx))
				ret = key_list_add(dead, keys + i * dead->key_size);
		memcpy(in, out, sizeof(in));
		first = 0;
	}
	free(keys);
	free(values);
	if (ret == -EINVAL || ret == -ENOTSUP || ret == -524 /* ENOTSUPP */)
		ret = first ? -EOPNOTSUPP : ret;
	return ret;
}

long maps_delete_keys(int fd, const void *keys, size_t key_size, size_t n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 count = (__u32)n;
	size_t i = 0;
	long gone = 0;

	if (!n)
		return 0;
	if (bpf_map_delete_batch(fd, keys, &count, &opts) == 0)
		return (long)n;
	/* stopped at a key not there: those before it were deleted */
	if (errno == ENOENT && count < n)
		gone = i = count;
	for (; i < n; i++) {
		if (!bpf_map_delete_elem(fd, (const char *)keys + i * key_size))
			gone++;
		else if (errno != ENOENT)
			return -errno;
	}
	return gone;
}

/*
 * Trie keys (and values, unless vals is NULL) as the two maps take them: those with short names
 * first, cut to warden_fs_short's key, then the others whole.
 */
struct fs_split {
	struct warden_fs_short_key *short_keys;
	struct warden_fs_key *long_keys;
	struct warden_fs_node *vals; /* the short ones' values, then the long ones' */
	size_t nshort, nlong;
};

static int fs_is_short(const struct warden_fs_key *k)
{
	return strnlen(k->name, sizeof(k->name)) < WARDEN_SHORT_NAME;
}

static void fs_split_free(struct fs_split *sp)
{
	free(sp->short_keys);
	free(sp->long_keys);
	free(sp->vals);
}

static int fs_split(const struct warden_fs_key *keys, const struct warden_fs_node *vals, size_t n,
		    struct fs_split *sp)
{
	size_t i, ns = 0, nl = 0, nshort = 0;

	for (i = 0; i < n; i++)
		nshort += fs_is_short(&keys[i]);
	memset(sp, 0, sizeof(*sp));
	sp->short_keys = calloc(nshort ? nshort : 1, sizeof(*sp->short_keys));
	sp->long_keys = calloc(n - nshort ? n - nshort : 1, sizeof(*sp->long_keys));
	sp->vals = vals ? calloc(n ? n : 1, sizeof(*sp->vals)) : NULL;
	if (!sp->short_keys || !sp->long_keys || (vals && !sp->vals)) {
		fs_split_free(sp);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		if (fs_is_short(&keys[i])) {
			memcpy(&sp->short_keys[ns], &keys[i], sizeof(sp->short_keys[ns]));
			if (vals)
				sp->vals[ns] = vals[i];
			ns++;
		} else {
			sp->long_keys[nl] = keys[i];
			if (vals)
				sp->vals[nshort + nl] = vals[i];
			nl++;
		}
	}
	sp->nshort = nshort;
	sp->nlong = nl;
	return 0;
}

long maps_fs_delete(const struct warden_maps *m, const struct warden_fs_key *keys, size_t n)
{
	struct fs_split sp;
	long gone, more;

	if (fs_split(keys, NULL, n, &sp))
		return -ENOMEM;
	gone = maps_delete_keys(m->fs_short, sp.short_keys, sizeof(*sp.short_keys), sp.nshort);
	more = gone < 0 ?
		       0 :
		       maps_delete_keys(m->fs_rule, sp.long_keys, sizeof(*sp.long_keys), sp.nlong);
	fs_split_free(&sp);
	return gone < 0 ? gone : more < 0 ? more : gone + more;
}

static int delete_where(int fd, size_t key_size, size_t value_size, doomed_fn doomed, void *ctx)
{
	struct key_list dead = { .key_size = key_size };
	int ret = collect_batched(fd, value_size, doomed, ctx, &dead);
	long gone;

	if (ret == -EOPNOTSUPP)
		ret = collect_one_by_one(fd, doomed, ctx, &dead);
	gone = ret ? 0 : maps_delete_keys(fd, dead.v, key_size, dead.n);
	free(dead.v);
	return ret ? ret : gone < 0 ? (int)gone : 0;
}

/* A key of either trie map (warden_fs_short's is the first bytes of warden_fs_rule's). */
static int fs_rule_doomed(int fd, const void *k, void *ctx)
{
	const struct warden_fs_short_key *key = k;

	(void)fd;
	return key->ruleset == *(const uint32_t *)ctx;
}

static int net_rule_doomed(int fd, const void *k, void *ctx)
{
	const struct warden_net_key *key = k;

	(void)fd;
	return key->ruleset == *(const uint32_t *)ctx;
}

/*
 * Empty rule set rs: its rules, its automaton (by freeing its header), its header. Its rules
 * are the keys its list accounts for (rskeys.h), or else every key of rs in the rule maps.
 */
static int clear_ruleset(const struct warden_maps *m, uint32_t rs)
{
	struct warden_policy empty = { 0 };
	int ret;

	if (bpf_map_update_elem(m->policy, &rs, &empty, BPF_ANY))
		return -errno;
	ret = rskeys_clear(m, rs);
	if (ret == 1) {
		ret = delete_where(m->fs_rule, sizeof(struct warden_fs_key),
				   sizeof(struct warden_fs_node), fs_rule_doomed, &rs);
		if (!ret)
			ret = delete_where(m->fs_short, sizeof(struct warden_fs_short_key),
					   sizeof(struct warden_fs_node), fs_rule_doomed, &rs);
		if (!ret)
			ret = delete_where(m->net_rule, sizeof(struct warden_net_key),
					   sizeof(struct warden_net_rule), net_rule_doomed, &rs);
	}
	return ret ? ret : rskeys_empty(m, rs);
}

int maps_bindpath_of(const struct warden_maps *m, const char *cgroup_path, uint32_t *ret_id)
{
	struct warden_bindpath bound;
	uint64_t seed = 0, h;
	int ret = maps_hash_seed(m, &seed);

	if (ret)
		return ret;
	h = policy_path_hash(seed, cgroup_path);
	if (bpf_map_lookup_elem(m->bindpath, &h, &bound))
		return -errno;
	if (strncmp(bound.path, cgroup_path, sizeof(bound.path)))
		return -ENOENT; /* another path with the same hash */
	*ret_id = bound.policy_id;
	return 0;
}

/*
 * Write n entries (keys and values packed, of the map's sizes) into fd: in one system call
 * where the kernel can (BPF_MAP_UPDATE_BATCH), from the first it could not one by one.
 */
static int update_all(int fd, const void *keys, size_t key_size, const void *values,
		      size_t value_size, size_t n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_ANY);
	__u32 count = (__u32)n;
	size_t i = 0;

	if (!n)
		return 0;
	if (bpf_map_update_batch(fd, keys, values, &count, &opts) == 0)
		return 0;
	if (count < n)
		i = count;
	for (; i < n; i++)
		if (bpf_map_update_elem(fd, (const char *)keys + i * key_size,
					(const char *)values + i * value_size, BPF_ANY))
			return -errno;
	return 0;
}

/* Where a rule set's automaton of n states can go: the lowest gap no installed rule set uses. */
static int dfa_alloc(const struct warden_maps *m, uint32_t n, uint32_t *ret_start)
{
	uint32_t start = 1, rs;
	struct warden_policy h;
	int moved = 1;

	/* few rule sets have automata: rescan until the candidate overlaps none of them */
	while (moved) {
		moved = 0;
		for (rs = 2; rs < WARDEN_RULESETS; rs++) {
			if (bpf_map_lookup_elem(m->policy, &rs, &h))
				return -errno;
			if (!h.in_use || !h.dfa_len)
				continue;
			if (start < h.dfa_start + h.dfa_len && h.dfa_start < start + n) {
				start = h.dfa_start + h.dfa_len;
				moved = 1;
			}
		}
	}
	if (start + n > WARDEN_DFA_STATES)
		return -ENOSPC;
	*ret_start = start;
	return 0;
}

/*
 * Write a policy's automaton (states numbered as policy_compile_dfa returns them, 0 dead and 1
 * the start) at its place, renumbered absolutely. Returns the start state, or 0 for none.
 */
static int install_dfa(const struct warden_maps *m, const struct warden_dfa_state *dfa, size_t n,
		       uint32_t *ret_start, uint32_t *ret_len)
{
	struct warden_dfa_state *rows = NULL;
	__u32 *keys = NULL, start = 0, i;
	int ret;

	*ret_start = 0;
	*ret_len = 0;
	if (n < 2)
		return 0;
	ret = dfa_alloc(m, (uint32_t)n - 1, &start);
	if (ret)
		return ret;
	rows = calloc(n - 1, sizeof(*rows));
	keys = calloc(n - 1, sizeof(*keys));
	for (i = 1; rows && keys && i < n; i++) {
		struct warden_dfa_state *row = &rows[i - 1];

		*row = dfa[i];
		keys[i - 1] = start + i - 1;
		for (int b = 0; b < 256; b++)
			row->next[b] = dfa[i].next[b] ? (__u16)(start + dfa[i].next[b] - 1) : 0;
	}
	ret = -ENOMEM;
	if (rows && keys)
		ret = update_all(m->dfa, keys, sizeof(*keys), rows, sizeof(*rows), n - 1);
	free(rows);
	free(keys);
	if (ret)
		return ret;
	*ret_start = start;
	*ret_len = (uint32_t)n - 1;
	return 0;
}

/* A generation no rule set has had: cached verdicts name the one they were decided under. */
static int next_generation(const struct warden_maps *m, __u64 *ret)
{
	struct warden_config config;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(m->config, &zero, &config))
		return -errno;
	*ret = ++config.next_generation;
	if (bpf_map_update_elem(m->config, &zero, &config, BPF_ANY))
		return -errno;
	return 0;
}

/* A rule set's entries in the rule maps, built whole before any is written. */
struct ruleset_entries {
	struct warden_fs_key *fs_keys;
	struct warden_fs_node *fs_vals;
	struct warden_net_key *net_keys;
	struct warden_net_rule *net_vals;
	size_t nfs, nnet;
};

static void entries_free(struct ruleset_entries *e)
{
	free(e->fs_keys);
	free(e->fs_vals);
	free(e->net_keys);
	free(e->net_vals);
}

/* The trie's nodes, as the programs' warden_fs_rule entries of rule set rs. */
static void entries_fs(struct ruleset_entries *e, uint32_t rs, const struct policy_fs_trie *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		const struct policy_fs_node *n = &t->v[i];

		e->fs_keys[i].ruleset = rs;
		e->fs_keys[i].parent = n->parent;
		memcpy(e->fs_keys[i].name, n->name, sizeof(e->fs_keys[i].name));
		e->fs_vals[i] = (struct warden_fs_node){ .id = n->id,
							 .deny = n->deny,
							 .allow = n->allow,
							 .dir_deny = n->dir_deny,
							 .dir_allow = n->dir_allow,
							 .subtree_deny = n->subtree_deny,
							 .subtree_allow = n->subtree_allow };
	}
	e->nfs = t->n;
}

/* The network rules, as warden_net_rule entries of rule set rs. */
static void entries_net(struct ruleset_entries *e, uint32_t rs, const struct policy_ruleset *r)
{
	size_t i;
	int op;

	for (op = WARDEN_NET_CONNECT; op <= WARDEN_NET_BIND; op++) {
		const struct policy_net_entry *n = r->net[op - 1];

		for (i = 0; i < r->nnet[op - 1]; i++) {
			struct warden_net_key *k = &e->net_keys[e->nnet];

			k->prefixlen = 64 + n[i].prefix;
			k->ruleset = rs;
			k->op = op;
			k->family = n[i].family;
			memcpy(k->addr, n[i].addr, sizeof(k->addr));
			e->net_vals[e->nnet++] = n[i].rule;
		}
	}
}

static int entries_build(struct ruleset_entries *e, uint32_t rs, const struct policy_ruleset *r)
{
	size_t nnet = r->nnet[0] + r->nnet[1], nfs = r->trie.n;

	memset(e, 0, sizeof(*e));
	e->fs_keys = calloc(nfs ? nfs : 1, sizeof(*e->fs_keys));
	e->fs_vals = calloc(nfs ? nfs : 1, sizeof(*e->fs_vals));
	e->net_keys = calloc(nnet ? nnet : 1, sizeof(*e->net_keys));
	e->net_vals = calloc(nnet ? nnet : 1, sizeof(*e->net_vals));
	if (!e->fs_keys || !e->fs_vals || !e->net_keys || !e->net_vals)
		return -ENOMEM;
	entries_fs(e, rs, &r->trie);
	entries_net(e, rs, r);
	return 0;
}

/* The trie's n nodes into the two maps that hold them (bpf/abi.h). */
static int fs_write(const struct warden_maps *m, const struct warden_fs_key *keys,
		    const struct warden_fs_node *vals, size_t n)
{
	struct fs_split sp;
	int ret = fs_split(keys, vals, n, &sp);

	if (ret)
		return ret;
	ret = update_all(m->fs_short, sp.short_keys, sizeof(*sp.short_keys), sp.vals,
			 sizeof(*sp.vals), sp.nshort);
	if (!ret)
		ret = update_all(m->fs_rule, sp.long_keys, sizeof(*sp.long_keys),
				 sp.vals + sp.nshort, sizeof(*sp.vals), sp.nlong);
	fs_split_free(&sp);
	return ret;
}

/* Rule set rs's rules into the rule maps, listed first (rskeys_begin). */
static int install_rules(const struct warden_maps *m, uint32_t rs, const struct policy_ruleset *r)
{
	struct ruleset_entries e;
	int ret = entries_build(&e, rs, r);

	if (!ret)
		ret = rskeys_begin(m, rs, e.fs_keys, e.nfs, e.net_keys, e.nnet);
	if (!ret)
		ret = fs_write(m, e.fs_keys, e.fs_vals, e.nfs);
	if (!ret)
		ret = update_all(m->net_rule, e.net_keys, sizeof(*e.net_keys), e.net_vals,
				 sizeof(*e.net_vals), e.nnet);
	entries_free(&e);
	return ret;
}

/* A fresh slot starts its counters at zero: the totals and those by op. */
static int zero_counters(const struct warden_maps *m, uint32_t id)
{
	int ncpu = libbpf_num_possible_cpus();
	struct warden_counters *zero = calloc(ncpu > 0 ? ncpu : 1, sizeof(*zero));
	struct warden_op_counts none = { 0 };
	int ret = 0;
	__u32 key;

	if (!zero)
		return -ENOMEM;
	if (bpf_map_update_elem(m->counter, &id, zero, BPF_ANY))
		ret = -errno;
	free(zero);
	for (key = id * WARDEN_OP_SLOTS; !ret && key < (id + 1) * WARDEN_OP_SLOTS; key++) {
		if (bpf_map_update_elem(m->op_counter, &key, &none, BPF_ANY))
			ret = -errno;
	}
	return ret;
}

/* Fill rule set rs (not in force, empty) with the compiled rule set r. */
static int install_ruleset(const struct warden_maps *m, uint32_t rs, const struct policy_ruleset *r)
{
	struct warden_policy header = r->header;
	int ret;

	header.in_use = 1;
	ret = install_rules(m, rs, r);
	if (!ret)
		ret = install_dfa(m, r->dfa, r->ndfa, &header.dfa_start, &header.dfa_len);
	if (!ret)
		ret = next_generation(m, &header.generation);
	if (!ret && bpf_map_update_elem(m->policy, &rs, &header, BPF_ANY))
		ret = -errno;
	return ret;
}

/*
 * Write rule set rs_new (of policy id, in bank bank: the one no hook reads) and bring it into
 * force with one store of the bank byte: every hook sees the old rules or the new ones. A
 * failure before the store leaves the old rule set in force and nothing of the new. Then,
 * once no program can still be reading the old rule set rs_old (existed: there was one), empty
 * it.
 */
static int swap_in(const struct warden_maps *m, const struct policy_ruleset *r, uint32_t id,
		   __u8 bank, uint32_t rs_old, int existed)
{
	const char *name = r->policy->name.s;
	uint32_t rs_new = id * 2 + bank;
	struct timespec lap;
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &lap);
	ret = clear_ruleset(m, rs_new);
	if (!ret)
		ret = install_ruleset(m, rs_new, r);
	if (!ret && !existed)
		ret = zero_counters(m, id);
	log_debug("%s: rule set %u written in %.1f ms", name, rs_new, log_lap_ms(&lap));
	if (!ret && bpf_map_update_elem(m->bank, &id, &bank, BPF_ANY))
		ret = -errno;
	if (ret) {
		clear_ruleset(m, rs_new);
		return ret;
	}
	log_debug("%s: swapped in %.3f ms", name, log_lap_ms(&lap));
	if (!existed)
		return 0;
	ret = maps_sync();
	log_debug("%s: RCU grace period waited in %.1f ms", name, log_lap_ms(&lap));
	if (!ret)
		ret = clear_ruleset(m, rs_old);
	log_debug("%s: rule set %u emptied in %.1f ms", name, rs_old, log_lap_ms(&lap));
	return ret;
}

int maps_policy_install(const struct warden_maps *m, const char *cgroup_mount,
			const struct policy_ruleset *r)
{
	const struct policy *p = r->policy;
	uint32_t id = 0, rs_old = 0;
	__u8 bank = 0;
	int ret, existed;
	uint32_t candidate = r->header.flags & WARDEN_POLICY_CANDIDATE;

	existed = policy_find(m, p->name.s, candidate, &id) == 0;
	/* bindings that cannot be made are refused before the rules change */
	ret = candidate ? 0 : bindings_verify(m, existed ? id : 0, &p->cgroups);
	/* the hooks this policy needs are judging before its rules are in force */
	if (!ret && !candidate && (r->header.flags & WARDEN_POLICY_EXEC_MEMORY_DENY))
		ret = loader_attach_lazy();
	if (ret)
		return ret;
	if (existed) {
		struct warden_policy cur;

		ret = active_header(m, id, &cur, &rs_old);
		if (ret)
			return ret;
		bank = (rs_old & 1) ^ 1;
	} else {
		ret = policy_alloc(m, &id);
		if (ret)
			return ret;
	}
	ret = swap_in(m, r, id, bank, rs_old, existed);
	if (ret || candidate)
		return ret; /* a candidate is judged for the cgroups of the policy it is one of */

	ret = bindings_set(m, cgroup_mount, id, &p->cgroups);
	if (ret)
		return ret;
	/* the rules' texts, for warden query: the maps hold them compiled */
	if (applied_save(p))
		applied_forget(p->name.s); /* query then says it cannot tell */
	return 0;
}

int maps_policy_remove(const struct warden_maps *m, const char *cgroup_mount, uint32_t id)
{
	char name[WARDEN_NAME_MAX] = "";
	int ret;
	uint32_t candidate = 0;
	struct warden_policy hdr;

	/* a candidate goes with the policy it was a candidate of */
	ret = maps_candidate_of(m, id, &candidate);
	if (!ret && candidate)
		ret = maps_candidate_set(m, id, 0);
	if (!ret && candidate)
		ret = maps_policy_remove(m, cgroup_mount, candidate);
	if (ret)
		return ret;
	/* the kept source is the enforced policy's, not its candidate's */
	if (!maps_policy_header(m, id, &hdr) && !(hdr.flags & WARDEN_POLICY_CANDIDATE) &&
	    !maps_policy_name(m, id, name, sizeof(name)))
		applied_forget(name);
	/* Unbind first, so no tagged cgroup ever points at a missing policy. */
	ret = bindings_set(m, cgroup_mount, id, NULL);
	/* then wait until no program still reads the rule sets, and free both */
	if (!ret)
		ret = maps_sync();
	if (!ret)
		ret = clear_ruleset(m, id * 2);
	if (!ret)
		ret = clear_ruleset(m, id * 2 + 1);
	return ret;
}

int maps_set_daemon(const struct warden_maps *m, uint32_t tgid)
{
	__u32 zero = 0;

	return bpf_map_update_elem(m->daemon, &zero, &tgid, BPF_ANY) ? -errno : 0;
}

struct guard_set {
	struct warden_inode key[WARDEN_MAX_GUARDED];
	__u32 kind[WARDEN_MAX_GUARDED];
	size_t n;
};

/* Add dir (WARDEN_GUARD_DIR) and the directories above it (ABOVE, unless guarded as DIR). */
static int guard_collect(struct guard_set *g, const char *dir)
{
	char *path = realpath(dir, NULL), *slash;
	__u32 kind = WARDEN_GUARD_DIR;
	struct stat st;
	size_t i;
	int err = 0;

	if (!path)
		return -errno;
	for (;;) {
		if (stat(path, &st)) {
			err = -errno;
			break;
		}
		for (i = 0; i < g->n; i++)
			if (g->key[i].dev == loader_kernel_dev(st.st_dev) &&
			    g->key[i].ino == st.st_ino)
				break;
		if (i == g->n && g->n == WARDEN_MAX_GUARDED) {
			err = -E2BIG;
			break;
		}
		if (i == g->n) {
			memset(&g->key[i], 0, sizeof(g->key[i]));
			g->key[i].dev = loader_kernel_dev(st.st_dev);
			g->key[i].ino = st.st_ino;
			g->kind[g->n++] = kind;
		} else if (kind == WARDEN_GUARD_DIR) {
			g->kind[i] = kind;
		}
		kind = WARDEN_GUARD_ABOVE;
		slash = strrchr(path, '/');
		if (!slash || !strcmp(path, "/"))
			break;
		if (slash == path)
			slash[1] = 0; /* the root */
		else
			*slash = 0;
	}
	free(path);
	return err;
}

/*
 * Write the filter of warden_guarded (bpf/abi.h: warden_guardbits): g's bits, with those
 * already set when also_old. A reader may see the words half old, half new: a bit both have
 * is set either way.
 */
static int guard_bits_write(const struct warden_maps *m, const struct guard_set *g, int also_old)
{
	struct warden_guard_bits bits = { { 0 } };
	__u32 zero = 0, bit;
	size_t i;

	if (also_old && bpf_map_lookup_elem(m->guardbits, &zero, &bits))
		return -errno;
	for (i = 0; i < g->n; i++) {
		bit = warden_guard_bit(g->key[i].dev, g->key[i].ino);
		bits.w[bit / 64] |= 1ULL << (bit % 64);
	}
	return bpf_map_update_elem(m->guardbits, &zero, &bits, BPF_ANY) ? -errno : 0;
}

int maps_guard_dirs(const struct warden_maps *m, const char *const *dirs, size_t n)
{
	struct warden_inode key, next, *prev = NULL, doomed[WARDEN_MAX_GUARDED];
	struct guard_set *g = calloc(1, sizeof(*g));
	size_t i, j, ndoomed = 0;
	int err = g ? 0 : -ENOMEM;

	for (i = 0; !err && i < n; i++)
		err = guard_collect(g, dirs[i]);
	/* the new set first, then what is no longer in it: never a moment unguarded */
	if (!err)
		err = guard_bits_write(m, g, 1);
	for (i = 0; !err && i < g->n; i++)
		if (bpf_map_update_elem(m->guarded, &g->key[i], &g->kind[i], BPF_ANY))
			err = -errno;
	while (!err && bpf_map_get_next_key(m->guarded, prev, &next) == 0) {
		key = next;
		prev = &key;
		for (j = 0; j < g->n && memcmp(&g->key[j], &key, sizeof(key)); j++)
			;
		if (j == g->n && ndoomed < WARDEN_MAX_GUARDED)
			doomed[ndoomed++] = key;
	}
	for (i = 0; !err && i < ndoomed; i++)
		if (bpf_map_delete_elem(m->guarded, &doomed[i]) && errno != ENOENT)
			err = -errno;
	if (!err)
		err = guard_bits_write(m, g, 0);
	free(g);
	return err;
}

int maps_guard_dir(const struct warden_maps *m, const char *dir)
{
	return maps_guard_dirs(m, &dir, dir ? 1 : 0);
}

int maps_policy_header(const struct warden_maps *m, uint32_t id, struct warden_policy *ret)
{
	return active_header(m, id, ret, NULL);
}

int maps_op_counters(const struct warden_maps *m, uint32_t id,
		     struct warden_op_counts ret[WARDEN_OP_SLOTS])
{
	__u32 op;

	for (op = 0; op < WARDEN_OP_SLOTS; op++) {
		__u32 key = id * WARDEN_OP_SLOTS + op;

		if (bpf_map_lookup_elem(m->op_counter, &key, &ret[op]))
			return -errno;
	}
	return 0;
}

int maps_counters(const struct warden_maps *m, uint32_t id, struct maps_counters *ret)
{
	int ncpu = libbpf_num_possible_cpus(), i;
	struct warden_counters *v;

	if (ncpu < 0)
		return ncpu;
	v = calloc(ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(m->counter, &id, v)) {
		free(v);
		return -errno;
	}
	memset(ret, 0, sizeof(*ret));
	for (i = 0; i < ncpu; i++) {
		ret->allowed += v[i].allowed;
		ret->denied += v[i].denied;
		ret->audited += v[i].audited;
		ret->dropped += v[i].dropped;
		ret->cached += v[i].cached;
	}
	free(v);
	return 0;
}

int maps_policy_of_cgroup(const struct warden_maps *m, const char *mount, const char *path,
			  uint32_t *ret_id)
{
	char cur[PATH_MAX];
	struct warden_cgroup tag;
	__u32 zero = 0, overflow = 0;
	uint64_t id;
	char *slash;
	int ret;

	ret = cgroup_id(mount, path, &id);
	if (ret)
		return ret;
	if (!bpf_map_lookup_elem(m->cgroups, &id, &tag)) {
		*ret_id = tag.policy_id;
		return 0;
	}
	if (bpf_map_lookup_elem(m->overflow, &zero, &overflow) || !overflow)
		return -ENOENT;
	/* as warden_lost_policy: the nearest ancestor either tag map knows */
	snprintf(cur, sizeof(cur), "%s", path);
	for (;;) {
		if (!cgroup_id(mount, cur, &id) && (!bpf_map_lookup_elem(m->cgroups, &id, &tag) ||
						    !bpf_map_lookup_elem(m->binding, &id, &tag))) {
			*ret_id = tag.policy_id;
			return 0;
		}
		slash = strrchr(cur, '/');
		if (!slash || !strcmp(cur, "/"))
			return -ENOENT;
		if (slash == cur)
			slash[1] = 0;
		else
			*slash = 0;
	}
}
