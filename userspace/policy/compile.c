// SPDX-License-Identifier: GPL-2.0
/* struct policy -> flat rule sets the maps take as they are. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include "../../bpf/abi.h"
#include "policy.h"

uint64_t policy_path_hash(uint64_t seed, const char *path)
{
	uint64_t h = seed;

	for (; *path; path++)
		h = warden_hash_byte(h, (__u8)*path);
	return h;
}

static int cmp_rule(const void *a, const void *b)
{
	const struct policy_fs_rule *x = a, *y = b;

	return x->hash < y->hash ? -1 : x->hash > y->hash;
}

static void add(struct policy_fs_rule *v, size_t *n, uint64_t seed, const struct policy_strs *paths,
		uint32_t deny, uint32_t allow)
{
	size_t i;

	for (i = 0; i < paths->n; i++) {
		v[*n].hash = policy_path_hash(seed, paths->v[i].s);
		v[*n].deny = deny;
		v[*n].allow = allow;
		(*n)++;
	}
}

int policy_compile_fs(const struct policy *p, uint64_t seed, struct policy_fs_rule **ret_rules,
		      size_t *ret_n)
{
	size_t total = p->fs.read.n + p->fs.write.n + p->fs.deny.n, n = 0, out = 0, i;
	struct policy_fs_rule *v;

	v = calloc(total ? total : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	add(v, &n, seed, &p->fs.read, 0, WARDEN_FS_READ);
	add(v, &n, seed, &p->fs.write, 0, WARDEN_FS_WRITE);
	add(v, &n, seed, &p->fs.deny, WARDEN_FS_READ | WARDEN_FS_WRITE, 0);
	qsort(v, n, sizeof(*v), cmp_rule);
	/* One map entry per path: merge the masks of rules naming the same path. */
	for (i = 0; i < n; i++) {
		if (out && v[out - 1].hash == v[i].hash) {
			v[out - 1].deny |= v[i].deny;
			v[out - 1].allow |= v[i].allow;
			continue;
		}
		v[out++] = v[i];
	}
	*ret_rules = v;
	*ret_n = out;
	return 0;
}
