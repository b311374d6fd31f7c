// SPDX-License-Identifier: GPL-2.0
/*
 * Literal path rules as a trie of components (bpf/abi.h, warden_fs_rule), and the userspace
 * twin of the programs' path match (bpf/path.bpf.h). Nodes are found through a hash index
 * whose every hit is confirmed by comparing the component, as the kernel's hash map compares
 * the whole key: the hash only decides where to look, never what matches.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "policy.h"

static uint64_t trie_hash_fnv(uint32_t parent, const char *name, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < 4; i++)
		h = warden_hash_byte(h, (uint8_t)(parent >> (8 * i)));
	for (i = 0; i < len; i++)
		h = warden_hash_byte(h, (uint8_t)name[i]);
	return h;
}

static uint64_t trie_hash(const struct policy_fs_trie *t, uint32_t parent, const char *name,
			  size_t len)
{
	return (t->hash ? t->hash : trie_hash_fnv)(parent, name, len);
}

static int same_node(const struct policy_fs_node *n, uint32_t parent, const char *name, size_t len)
{
	return n->parent == parent && len < WARDEN_COMPONENT_MAX && !memcmp(n->name, name, len) &&
	       !n->name[len];
}

/* The node at index slots from h on, else NULL with *ret_free the first free slot. */
static struct policy_fs_node *trie_probe(const struct policy_fs_trie *t, uint64_t h,
					 uint32_t parent, const char *name, size_t len,
					 size_t *ret_free)
{
	size_t mask = t->nindex - 1, i;

	for (i = h & mask; t->index[i]; i = (i + 1) & mask) {
		struct policy_fs_node *n = &t->v[t->index[i] - 1];

		if (same_node(n, parent, name, len))
			return n;
	}
	*ret_free = i;
	return NULL;
}

const struct policy_fs_node *policy_fs_trie_find(const struct policy_fs_trie *t, uint32_t parent,
						 const char *name, size_t len)
{
	size_t slot;

	if (!t->nindex)
		return NULL;
	return trie_probe(t, trie_hash(t, parent, name, len), parent, name, len, &slot);
}

/* Room for one more node, in the array and (at most half full) in the index. */
static int trie_grow(struct policy_fs_trie *t)
{
	size_t i, n;

	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		struct policy_fs_node *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	if (2 * (t->n + 1) <= t->nindex)
		return 0;
	n = t->nindex ? 2 * t->nindex : 32;
	free(t->index);
	t->index = calloc(n, sizeof(*t->index));
	if (!t->index) {
		t->nindex = 0;
		return -ENOMEM;
	}
	t->nindex = n;
	for (i = 0; i < t->n; i++) {
		const struct policy_fs_node *node = &t->v[i];
		size_t j = trie_hash(t, node->parent, node->name, strlen(node->name)) & (n - 1);

		while (t->index[j])
			j = (j + 1) & (n - 1);
		t->index[j] = (uint32_t)i + 1;
	}
	return 0;
}

/* The child name of parent, made if it is not there yet. */
static int trie_child(struct policy_fs_trie *t, uint32_t parent, const char *name, size_t len,
		      struct policy_fs_node **ret_node)
{
	uint64_t h = trie_hash(t, parent, name, len);
	struct policy_fs_node *n = NULL;
	size_t slot;
	int ret;

	if (t->nindex)
		n = trie_probe(t, h, parent, name, len, &slot);
	if (n) {
		*ret_node = n;
		return 0;
	}
	if (len >= WARDEN_COMPONENT_MAX)
		return -ENAMETOOLONG;
	ret = trie_grow(t);
	if (ret)
		return ret;
	trie_probe(t, h, parent, name, len, &slot); /* the index may have been rebuilt */
	n = &t->v[t->n];
	memset(n, 0, sizeof(*n));
	n->parent = parent;
	n->id = (uint32_t)t->n + 1;
	memcpy(n->name, name, len);
	t->index[slot] = (uint32_t)t->n + 1;
	t->n++;
	*ret_node = n;
	return 0;
}

int policy_fs_trie_add(struct policy_fs_trie *t, const char *path, uint32_t deny, uint32_t allow)
{
	size_t len = strlen(path);
	int dir = path[0] == '/' && path[len - 1] == '/';
	const char *c = path[0] == '/' ? path + 1 : path, *end;
	struct policy_fs_node *n;
	int ret;

	ret = trie_child(t, 0, "", 0, &n); /* the root */
	/* every component, the last one too unless the path ends at a directory's '/' */
	while (!ret && !(dir && !*c) && !(len == 1 && path[0] == '/')) {
		end = strchr(c, '/');
		if (!end)
			end = c + strlen(c);
		ret = trie_child(t, n->id, c, (size_t)(end - c), &n);
		if (!*end)
			break;
		c = end + 1;
	}
	if (ret)
		return ret;
	if (dir || (len == 1 && path[0] == '/')) {
		n->dir_deny |= deny;
		n->dir_allow |= allow;
	} else {
		n->deny |= deny;
		n->allow |= allow;
	}
	/* the node and every node above it have a rule denying or allowing these at or below them */
	for (;;) {
		n->subtree_deny |= deny;
		n->subtree_allow |= allow;
		if (!(deny | allow) || !n->parent)
			break;
		n = &t->v[n->parent - 1];
	}
	return 0;
}

void policy_fs_trie_free(struct policy_fs_trie *t)
{
	if (!t)
		return;
	free(t->v);
	free(t->index);
	t->v = NULL;
	t->index = NULL;
	t->n = t->cap = t->nindex = 0;
}

/*
 * The masks of the trie's rules covering path, as fs_match_path computes them: directory
 * rules from the root down while components match, then the rules naming the path itself.
 */
static void trie_match(const struct policy_fs_trie *t, const char *path, uint32_t *deny,
		       uint32_t *allow)
{
	const struct policy_fs_node *n = policy_fs_trie_find(t, 0, "", 0);
	const char *c = path[0] == '/' ? path + 1 : path, *end;

	if (!n)
		return;
	*deny |= n->dir_deny;
	*allow |= n->dir_allow;
	if (!strcmp(path, "/"))
		return; /* no rule names the root but as a directory */
	for (;;) {
		end = strchr(c, '/');
		if (!end)
			end = c + strlen(c);
		n = policy_fs_trie_find(t, n->id, c, (size_t)(end - c));
		if (!n)
			return;
		*deny |= n->dir_deny;
		*allow |= n->dir_allow;
		if (!*end)
			break;
		c = end + 1;
	}
	*deny |= n->deny;
	*allow |= n->allow;
}

void policy_match_path(const struct policy_fs_trie *t, const struct warden_dfa_state *dfa,
		       size_t ndfa, const char *path, uint32_t *ret_deny, uint32_t *ret_allow)
{
	uint32_t deny = 0, allow = 0, state = ndfa ? 1 : 0;

	trie_match(t, path, &deny, &allow);
	for (const char *c = path; *c && state; c++)
		state = dfa[state].next[(uint8_t)*c];
	if (state) {
		deny |= dfa[state].deny;
		allow |= dfa[state].allow;
	}
	*ret_deny = deny;
	*ret_allow = allow;
}
