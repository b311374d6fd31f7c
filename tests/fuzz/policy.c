// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: a whole policy file (policy_parse_string), then everything warden compiles
 * from it (policy_compile_fs, policy_compile_dfa, policy_compile_net for connect and bind) and
 * a match of each rule's own path (policy_match_path). A refused file must say why; an accepted
 * one must compile, and every literal rule must cover its own path.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_paths(const struct policy_strs *l, const struct policy_fs_trie *trie,
			const struct warden_dfa_state *dfa, size_t ndfa, uint32_t deny,
			uint32_t allow)
{
	char path[4096];

	for (size_t i = 0; i < l->n; i++) {
		const char *s = l->v[i].s;
		size_t len = strlen(s);
		uint32_t d, a;

		if (s[0] != '/' || len >= sizeof(path))
			abort();
		if (policy_is_glob(s))
			continue;
		/* a directory rule covers the directory itself */
		memcpy(path, s, len + 1);
		if (len > 1 && path[len - 1] == '/')
			path[len - 1] = 0;
		policy_match_path(trie, dfa, ndfa, path, &d, &a);
		if ((d & deny) != deny || (a & allow) != allow) {
			fprintf(stderr, "rule '%s' does not cover its own path\n", s);
			abort();
		}
	}
}

static void compile(const struct policy *p)
{
	struct policy_net_entry *e;
	struct policy_fs_trie trie = { 0 };
	struct warden_dfa_state *dfa;
	size_t ndfa, n;
	char err[256];
	int ret;

	for (int op = WARDEN_NET_CONNECT; op <= WARDEN_NET_BIND; op++) {
		err[0] = 0;
		ret = policy_compile_net(p, op, &e, &n, err, sizeof(err));
		if (ret == -E2BIG && err[0])
			continue;
		if (ret)
			abort();
		for (size_t i = 0; i < n; i++)
			if (!e[i].rule.n || e[i].rule.n > WARDEN_NET_RANGES ||
			    e[i].prefix > (e[i].family == 4 ? 32 : 128))
				abort();
		free(e);
	}
	if (policy_compile_fs(p, &trie))
		abort();
	err[0] = 0;
	ret = policy_compile_dfa(p, &dfa, &ndfa, err, sizeof(err));
	if (ret == -E2BIG && err[0]) {
		policy_fs_trie_free(&trie);
		return;
	}
	if (ret || ndfa > WARDEN_DFA_POLICY_STATES + 1)
		abort();
	/* every transition stays inside the automaton */
	for (size_t s = 0; s < ndfa; s++)
		for (int b = 0; b < 256; b++)
			if (dfa[s].next[b] >= ndfa)
				abort();
	check_paths(&p->fs.read, &trie, dfa, ndfa, 0, WARDEN_FS_READ);
	check_paths(&p->fs.write, &trie, dfa, ndfa, 0, WARDEN_FS_WRITE);
	check_paths(&p->fs.deny, &trie, dfa, ndfa, WARDEN_FS_READ | WARDEN_FS_WRITE, 0);
	check_paths(&p->exec.allow, &trie, dfa, ndfa, 0, WARDEN_FS_EXEC);
	check_paths(&p->exec.deny, &trie, dfa, ndfa, WARDEN_FS_EXEC, 0);
	check_paths(&p->libraries.allow, &trie, dfa, ndfa, 0, WARDEN_FS_LIB);
	check_paths(&p->libraries.deny, &trie, dfa, ndfa, WARDEN_FS_LIB, 0);
	policy_fs_trie_free(&trie);
	free(dfa);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_diags diags = { 0 };
	struct policy *p = NULL, *set[2];
	char buf[512];
	int ret;

	ret = policy_parse_string("fuzz.yaml", (const char *)data, size, &p, &diags);
	for (size_t i = 0; i < diags.n; i++)
		policy_diag_format(&diags.v[i], buf, sizeof(buf));
	if (ret) {
		/* a refused file says why, and leaves nothing behind */
		if (p || (ret == -EINVAL && !diags.n) || (ret != -EINVAL && ret != -ENOMEM))
			abort();
		policy_diags_free(&diags);
		return 0;
	}
	if (!p || diags.n || !p->name.s || !p->file)
		abort();
	compile(p);
	/* the same policy twice is a duplicate name, and a duplicate cgroup if it binds any */
	set[0] = set[1] = p;
	if (policy_check_set(set, 2, &diags) != -EINVAL || diags.n < 1 + p->cgroups.n)
		abort();
	policy_diags_free(&diags);
	policy_free(p);
	return 0;
}
