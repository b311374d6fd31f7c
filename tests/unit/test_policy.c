// SPDX-License-Identifier: GPL-2.0
/* The policy parser and compiler: accepted files, and every error with its exact message. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/types.h>
#include "../../bpf/abi.h"
#include "policy/policy.h"

static struct policy *parse_ok(const char *text)
{
	struct policy_diags d = { 0 };
	struct policy *p = NULL;
	char buf[512];

	if (policy_parse_string("p.yaml", text, strlen(text), &p, &d)) {
		policy_diag_format(&d.v[0], buf, sizeof(buf));
		fail_msg("unexpected error: %s", buf);
	}
	assert_int_equal(d.n, 0);
	policy_diags_free(&d);
	return p;
}

/* The first diagnostic for text, formatted. */
static char *first_error(const char *text)
{
	static char buf[1024];
	struct policy_diags d = { 0 };
	struct policy *p = NULL;

	assert_int_equal(policy_parse_string("p.yaml", text, strlen(text), &p, &d), -EINVAL);
	assert_null(p);
	assert_true(d.n >= 1);
	policy_diag_format(&d.v[0], buf, sizeof(buf));
	policy_diags_free(&d);
	return buf;
}

static void test_full_policy(void **state)
{
	struct policy *p = parse_ok("name: webapp\n"
				    "mode: audit\n"
				    "cgroups: [/system.slice/webapp.service/, /jobs]\n"
				    "fs:\n"
				    "  default: deny\n"
				    "  read:  [/usr/, /etc/ssl/, /srv/app/config.json]\n"
				    "  write: [/var/lib/webapp/, /tmp/]\n"
				    "  deny:  [/etc/shadow, /root/]\n");

	(void)state;
	assert_string_equal(p->name.s, "webapp");
	assert_int_equal(p->name.line, 1);
	assert_int_equal(p->name.column, 7);
	assert_true(p->audit);
	assert_int_equal(p->cgroups.n, 2);
	assert_string_equal(p->cgroups.v[0].s, "/system.slice/webapp.service");
	assert_int_equal(p->cgroups.v[1].line, 3);
	assert_true(p->fs.default_deny);
	assert_int_equal(p->fs.read.n, 3);
	assert_string_equal(p->fs.read.v[2].s, "/srv/app/config.json");
	assert_int_equal(p->fs.write.n, 2);
	assert_int_equal(p->fs.deny.n, 2);
	policy_free(p);
}

static void test_defaults(void **state)
{
	struct policy *p = parse_ok("name: x\n");

	(void)state;
	assert_false(p->audit);
	assert_false(p->fs.default_deny);
	assert_int_equal(p->cgroups.n, 0);
	policy_free(p);
}

static void test_scalar_is_one_element_list(void **state)
{
	struct policy *p = parse_ok("name: x\ncgroups: /a\nfs:\n  deny: /etc/shadow\n");

	(void)state;
	assert_int_equal(p->cgroups.n, 1);
	assert_int_equal(p->fs.deny.n, 1);
	policy_free(p);
}

static void expect_masks(const struct policy *p, const char *path, uint32_t deny, uint32_t allow);

/* fs.deny_read and fs.deny_write deny one access each (warden run's --deny-fs-read/-write). */
static void test_deny_one_access(void **state)
{
	struct policy *p =
		parse_ok("name: x\nfs:\n  read: [/]\n  write: [/]\n"
			 "  deny_read: [/etc/shadow]\n  deny_write: [/tmp/, /srv/*.db]\n");

	(void)state;
	assert_int_equal(p->fs.deny_read.n, 1);
	assert_int_equal(p->fs.deny_write.n, 2);
	expect_masks(p, "/etc/shadow", WARDEN_FS_READ, WARDEN_FS_READ | WARDEN_FS_WRITE);
	expect_masks(p, "/tmp/x", WARDEN_FS_WRITE, WARDEN_FS_READ | WARDEN_FS_WRITE);
	expect_masks(p, "/srv/a.db", WARDEN_FS_WRITE, WARDEN_FS_READ | WARDEN_FS_WRITE);
	expect_masks(p, "/etc/hostname", 0, WARDEN_FS_READ | WARDEN_FS_WRITE);
	policy_free(p);
}

static void test_errors(void **state)
{
	(void)state;
	assert_string_equal(
		first_error("name: run.1\n"),
		"p.yaml:1:7: name 'run.1': names starting with 'run.' are warden run's");
	assert_string_equal(first_error("name: x\nbogus: 1\n"),
			    "p.yaml:2:1: unknown key 'bogus' in 'policy'");
	assert_string_equal(first_error("name: x\nfs:\n  deny: [/a]\n  exec: [/b]\n"),
			    "p.yaml:4:3: unknown key 'exec' in 'fs'");
	assert_string_equal(first_error("name: x\nname: y\n"),
			    "p.yaml:2:1: duplicate key 'name' in 'policy'");
	assert_string_equal(first_error("mode: enforce\n"),
			    "p.yaml:1:1: missing required key 'name'");
	assert_string_equal(
		first_error("name: Web App\n"),
		"p.yaml:1:7: name 'Web App' must be 1 to 63 characters of a-z, 0-9, '.', '_' and '-'");
	assert_string_equal(
		first_error(
			"name: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"),
		"p.yaml:1:7: name 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' must be 1 to 63 characters of a-z, 0-9, '.', '_' and '-'");
	assert_string_equal(first_error("name: x\nmode: strict\n"),
			    "p.yaml:2:7: mode must be 'enforce' or 'audit', not 'strict'");
	assert_string_equal(first_error("name: x\nfs:\n  default: maybe\n"),
			    "p.yaml:3:12: 'fs.default' must be 'allow' or 'deny', not 'maybe'");
	assert_string_equal(first_error("name: x\nfs:\n  read: [etc/passwd]\n"),
			    "p.yaml:3:10: fs.read 'etc/passwd' is not an absolute path");
	assert_string_equal(
		first_error("name: x\nfs:\n  write: [/a/../b]\n"),
		"p.yaml:3:11: fs.write '/a/../b' is not normalized (empty, '.' or '..' component)");
	assert_string_equal(
		first_error("name: x\nfs:\n  deny: [/a//b]\n"),
		"p.yaml:3:10: fs.deny '/a//b' is not normalized (empty, '.' or '..' component)");
	assert_string_equal(
		first_error("name: x\nfs:\n  deny: [/a/?.so]\n"),
		"p.yaml:3:10: fs.deny '/a/?.so': '?' and '[' are not wildcards here; use * (within a component) or ** (across components)");
	assert_string_equal(
		first_error("name: x\nexec:\n  allow: [/a/***/b]\n"),
		"p.yaml:3:11: exec.allow '/a/***/b': '***' is not a wildcard; use * (within a component) or ** (across components)");
	{
		char text[400] = "name: x\nfs:\n  read: [/a/";

		memset(text + strlen(text), 'b', 256);
		strcat(text, "]\n");
		assert_non_null(strstr(first_error(text),
				       "' has a component of 256 bytes; the limit is 255"));
	}
	assert_string_equal(
		first_error("name: x\nnet:\n  bind: {allow: [\"@x\"]}\n"),
		"p.yaml:3:18: net.bind.allow '@x': abstract unix socket names are judged on connect only");
	assert_string_equal(
		first_error("name: x\nnet:\n  connect: {deny: [\"@\"]}\n"),
		"p.yaml:3:20: net.connect.deny '@': an abstract socket name has 1 to 107 bytes after '@'");
	assert_string_equal(first_error("name: x\nnet:\n  connect: {deny: [\"@a?\"]}\n"),
			    "p.yaml:3:20: net.connect.deny '@a?': only * and ** are wildcards");
	assert_string_equal(
		first_error("name: x\ncgroups: [/a/?]\n"),
		"p.yaml:2:11: cgroups '/a/?': '?' and '[' are not wildcards here; use * (within a component) or ** (across components)");
	assert_string_equal(first_error("name: x\ncgroups: [relative]\n"),
			    "p.yaml:2:11: cgroups 'relative' is not an absolute path");
	assert_string_equal(first_error("name: x\nfs: [/a]\n"),
			    "p.yaml:2:5: 'fs' must be a mapping, not a list");
	assert_string_equal(first_error("name: x\nfs:\n  read: {a: b}\n"),
			    "p.yaml:3:9: 'fs.read' must be a list of paths, not a mapping");
	assert_string_equal(first_error("name: x\nfs:\n  read: [[/a]]\n"),
			    "p.yaml:3:10: 'fs.read' entries must be paths, not a list");
	assert_string_equal(
		first_error("- a\n- b\n"),
		"p.yaml:1:1: a policy must be a mapping of keys (name, mode, cgroups, fs, exec, libraries, net, process), not a list");
	assert_string_equal(first_error(""), "p.yaml: empty policy file");
	assert_string_equal(
		first_error("name: [x\n"),
		"p.yaml:2:1: invalid YAML: did not find expected ',' or ']' while parsing a flow sequence");
	assert_string_equal(
		first_error("name: x\n---\nname: y\n"),
		"p.yaml:2:1: a policy file holds one policy; found a second YAML document");
	/* a broken second document was once ignored, and the first one accepted */
	assert_string_equal(
		first_error("name: x\n--- [\n"),
		"p.yaml:3:1: invalid YAML: did not find expected node content while parsing a flow node");
	/* "\0" would make C see "/etc/shadow" where the file says more, and a name too */
	assert_string_equal(first_error("name: x\nfs: {deny: [\"/etc/shadow\\0x\"]}\n"),
			    "p.yaml:2:13: a string holds a NUL byte");
	assert_string_equal(first_error("name: \"x\\0y\"\n"),
			    "p.yaml:1:7: a string holds a NUL byte");
}

static void test_every_error_reported(void **state)
{
	struct policy_diags d = { 0 };
	struct policy *p = NULL;
	const char *text = "name: x\nbogus: 1\nfs:\n  read: [a, b]\n";

	(void)state;
	assert_int_equal(policy_parse_string("p.yaml", text, strlen(text), &p, &d), -EINVAL);
	assert_int_equal(d.n, 3);
	policy_diags_free(&d);
}

static void test_missing_file(void **state)
{
	struct policy_diags d = { 0 };
	struct policy *p = NULL;
	char buf[256];

	(void)state;
	assert_int_equal(policy_parse_file("/nonexistent/p.yaml", &p, &d), -ENOENT);
	policy_diag_format(&d.v[0], buf, sizeof(buf));
	assert_string_equal(buf, "/nonexistent/p.yaml: cannot open: No such file or directory");
	policy_diags_free(&d);
}

static void test_set_checks(void **state)
{
	struct policy *v[3];
	struct policy_diags d = { 0 };
	char buf[256];

	(void)state;
	v[0] = parse_ok("name: a\ncgroups: [/x, /y]\n");
	v[1] = parse_ok("name: b\ncgroups: [/z]\n");
	v[2] = parse_ok("name: a\ncgroups: [/y/]\n");
	free(v[2]->file);
	v[2]->file = strdup("q.yaml");
	assert_int_equal(policy_check_set(v, 2, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(policy_check_set(v, 3, &d), -EINVAL);
	assert_int_equal(d.n, 2);
	policy_diag_format(&d.v[0], buf, sizeof(buf));
	assert_string_equal(buf, "q.yaml:1:7: duplicate policy name 'a' (also in p.yaml:1)");
	policy_diag_format(&d.v[1], buf, sizeof(buf));
	assert_string_equal(buf,
			    "q.yaml:2:11: cgroup '/y' is already bound to policy 'a' (p.yaml:2)");
	policy_diags_free(&d);
	for (int i = 0; i < 3; i++)
		policy_free(v[i]);
}

/* The compiler's hash must be the one bpf/abi.h defines, byte by byte from the seed. */
static void test_hash_matches_abi(void **state)
{
	uint64_t h = 42;
	const char *s = "/etc/";

	(void)state;
	for (const char *c = s; *c; c++)
		h = (h ^ (uint8_t)*c) * 0x100000001b3ULL;
	assert_true(policy_path_hash(42, s) == h);
	assert_true(policy_path_hash(42, "/etc/") != policy_path_hash(43, "/etc/"));
	assert_true(policy_path_hash(42, "/etc") != policy_path_hash(42, "/etc/"));
}

/* The trie node of path ("/a/b", or "/a/b/" for the directory), or NULL. */
static const struct policy_fs_node *node_of(const struct policy_fs_trie *t, const char *path)
{
	const struct policy_fs_node *n = policy_fs_trie_find(t, 0, "", 0);
	const char *c = path + 1, *end;

	while (n && *c) {
		end = strchr(c, '/');
		if (!end)
			end = c + strlen(c);
		n = policy_fs_trie_find(t, n->id, c, (size_t)(end - c));
		c = *end ? end + 1 : end;
	}
	return n;
}

static void test_compile_merges_same_path(void **state)
{
	struct policy *p =
		parse_ok("name: x\nfs:\n  read: [/a/, /b]\n  write: [/a/]\n  deny: [/b]\n");
	struct policy_fs_trie t = { 0 };
	const struct policy_fs_node *a, *b;

	(void)state;
	assert_int_equal(policy_compile_fs(p, &t), 0);
	assert_int_equal(t.n, 3); /* the root, a and b */
	a = node_of(&t, "/a/");
	b = node_of(&t, "/b");
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(a->dir_allow, WARDEN_FS_READ | WARDEN_FS_WRITE);
	assert_int_equal(a->dir_deny | a->deny | a->allow, 0);
	assert_int_equal(b->allow, WARDEN_FS_READ);
	assert_int_equal(b->deny, WARDEN_FS_READ | WARDEN_FS_WRITE);
	assert_int_equal(b->dir_allow | b->dir_deny, 0);
	policy_fs_trie_free(&t);
	policy_free(p);
}

/* Compile p and report the masks of path, as the BPF programs would compute them. */
static void match(const struct policy *p, const char *path, uint32_t *deny, uint32_t *allow)
{
	struct warden_dfa_state *dfa;
	struct policy_fs_trie t = { 0 };
	size_t ndfa;
	char err[256];

	assert_int_equal(policy_compile_fs(p, &t), 0);
	assert_int_equal(policy_compile_dfa(p, &dfa, &ndfa, err, sizeof(err)), 0);
	policy_match_path(&t, dfa, ndfa, path, deny, allow);
	policy_fs_trie_free(&t);
	free(dfa);
}

static void expect_masks(const struct policy *p, const char *path, uint32_t deny, uint32_t allow)
{
	uint32_t d, a;

	match(p, path, &d, &a);
	if (d != deny || a != allow)
		fail_msg("%s: expected deny %u allow %u, got deny %u allow %u", path, deny, allow,
			 d, a);
}

static void test_wildcards(void **state)
{
	struct policy *p = parse_ok(
		"name: x\nfs:\n"
		"  read: [/usr/lib/*.so, /srv/**/config.json, /home/*/, /opt/**, /a/b*c/d, /etc/]\n"
		"  deny: [/home/*/.ssh/]\n"
		"exec: {allow: [/usr/**/bin/*]}\n"
		"libraries: {deny: ['/**/*.evil']}\n");
	const uint32_t R = WARDEN_FS_READ, RW = WARDEN_FS_READ | WARDEN_FS_WRITE;

	(void)state;
	/* '*' stays within one component, and may match nothing */
	expect_masks(p, "/usr/lib/libz.so", 0, R);
	expect_masks(p, "/usr/lib/.so", 0, R);
	expect_masks(p, "/usr/lib/x/libz.so", 0, 0);
	expect_masks(p, "/usr/lib/libz.so.1", 0, 0);
	expect_masks(p, "/a/bxc/d", 0, R);
	expect_masks(p, "/a/bc/d", 0, R);
	expect_masks(p, "/a/b/c/d", 0, 0);
	/* '**' as a whole component is zero or more components */
	expect_masks(p, "/srv/config.json", 0, R);
	expect_masks(p, "/srv/a/b/config.json", 0, R);
	expect_masks(p, "/srv/aconfig.json", 0, 0);
	expect_masks(p, "/srv/a/config.json.bak", 0, 0);
	/* a trailing '/' covers the directory and everything below it */
	expect_masks(p, "/home/bob", 0, R);
	expect_masks(p, "/home/bob/src/main.c", 0, R);
	expect_masks(p, "/home", 0, 0);
	expect_masks(p, "/home/bob/.ssh", RW, R);
	expect_masks(p, "/home/bob/.ssh/id_ed25519", RW, R);
	expect_masks(p, "/home/bob/.sshx", 0, R);
	/* '**' at the end: anything below */
	expect_masks(p, "/opt/x/y/z", 0, R);
	expect_masks(p, "/opt", 0, 0);
	/* literal rules and wildcard rules add up */
	expect_masks(p, "/etc/passwd", 0, R);
	expect_masks(p, "/usr/bin/ls", 0, WARDEN_FS_EXEC);
	expect_masks(p, "/usr/local/bin/node", 0, WARDEN_FS_EXEC);
	expect_masks(p, "/usr/bin/sub/x", 0, 0);
	expect_masks(p, "/tmp/x.evil", WARDEN_FS_LIB, 0);
	expect_masks(p, "/x.evil", WARDEN_FS_LIB, 0);
	policy_free(p);
}

/* Cgroup patterns: the most specific wins; equal specificity across owners is a conflict. */
static void test_cgroup_patterns(void **state)
{
	const struct policy_cgroup_pattern v[] = {
		{ "/kubepods.slice/**/cri-containerd-*.scope", 1 },
		{ "/kubepods.slice/kubepods-burstable.slice/**/cri-containerd-*.scope", 2 },
		{ "/system.slice/*.service", 3 },
		{ "/system.slice/web*", 4 },
	};
	const struct policy_cgroup_pattern tie[] = { { "/s/web-*.service", 1 },
						     { "/s/*-api.service", 2 },
						     { "/s/dbs-*.service", 3 } };
	struct policy_cgroup_automaton r;

	(void)state;
	assert_true(policy_cgroup_specificity("/a/b") > policy_cgroup_specificity("/a/*"));
	assert_true(policy_cgroup_specificity("/a/*") > policy_cgroup_specificity("/a/**"));
	assert_int_equal(policy_cgroup_resolve(v, 4, WARDEN_CGDFA_HALF, &r), 0);
	assert_int_equal(r.nconflicts, 0);
	assert_int_equal(policy_cgroup_match(&r, "/kubepods.slice/cri-containerd-a.scope"), 0);
	assert_int_equal(policy_cgroup_match(&r, "/kubepods.slice/x/y/cri-containerd-a.scope"), 0);
	assert_int_equal(
		policy_cgroup_match(
			&r, "/kubepods.slice/kubepods-burstable.slice/p/cri-containerd-a.scope"),
		1);
	assert_int_equal(policy_cgroup_match(&r, "/kubepods.slice/crio-a.scope"), -1);
	assert_int_equal(policy_cgroup_match(&r, "/kubepods.slice/cri-containerd-a.scope/x"), -1);
	/* '*' stays within a component; more literal bytes win */
	assert_int_equal(policy_cgroup_match(&r, "/system.slice/a.service"), 2);
	assert_int_equal(policy_cgroup_match(&r, "/system.slice/a/b.service"), -1);
	assert_int_equal(policy_cgroup_match(&r, "/system.slice/web.service"), 2);
	assert_int_equal(policy_cgroup_match(&r, "/system.slice/web.scope"), 3);
	policy_cgroup_automaton_free(&r);

	assert_int_equal(policy_cgroup_resolve(tie, 3, WARDEN_CGDFA_HALF, &r), 0);
	/* web-api.service and dbs-api.service; web-* and dbs-* never meet */
	assert_int_equal(r.nconflicts, 2);
	assert_int_equal(r.conflicts[0].a + r.conflicts[0].b + r.conflicts[1].a + r.conflicts[1].b,
			 1 + 2 + 2 + 3);
	policy_cgroup_automaton_free(&r);
	/* two patterns of one owner never conflict */
	assert_int_equal(policy_cgroup_resolve((struct policy_cgroup_pattern[]){ { "/s/a*", 7 },
										 { "/s/*a", 7 } },
					       2, WARDEN_CGDFA_HALF, &r),
			 0);
	assert_int_equal(r.nconflicts, 0);
	policy_cgroup_automaton_free(&r);
}

static void test_wildcards_state_limit(void **state)
{
	char text[8192], err[256];
	struct warden_dfa_state *dfa;
	struct policy *p;
	size_t n, len;

	(void)state;
	/* each '**' may or may not have consumed the next piece: the DFA needs every subset */
	len = (size_t)snprintf(text, sizeof(text), "name: big\nfs:\n  read:\n");
	for (int i = 0; i < 14; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "    - /**/%c**/%c%c**/x\n",
					'a' + i, 'a' + i, 'b' + i);
	p = parse_ok(text);
	assert_int_equal(policy_compile_dfa(p, &dfa, &n, err, sizeof(err)), -E2BIG);
	assert_string_equal(
		err,
		"the wildcard rules of policy 'big' need more than 4096 automaton states; use fewer or simpler patterns");
	policy_free(p);
}

/* The automaton's state after a path, from its start (state 1; 0 is the dead state). */
static uint32_t dfa_walk(const struct warden_dfa_state *dfa, const char *path)
{
	uint32_t st = 1;

	for (; *path && st; path++)
		st = dfa[st].next[(unsigned char)*path];
	return st;
}

/*
 * What a directory moved below a path could gain (reach_allow: any state reachable) and what
 * everything below one already has (every_allow: all of them), for below_gains.
 */
static void test_wildcards_below(void **state)
{
	struct policy *p = parse_ok(
		"name: x\nfs: {default: deny, read: [/srv/**, /pub/*/doc/*, /t/**/*.c]}\n");
	struct warden_dfa_state *dfa;
	char err[256];
	size_t n;

	(void)state;
	assert_int_equal(policy_compile_dfa(p, &dfa, &n, err, sizeof(err)), 0);
	assert_int_equal(dfa[dfa_walk(dfa, "/srv/a/")].every_allow, WARDEN_FS_READ);
	assert_int_equal(dfa[dfa_walk(dfa, "/srv/a/")].reach_allow, WARDEN_FS_READ);
	/* /pub/x/ itself is not readable, but /pub/x/doc/y is: any, not every */
	assert_int_equal(dfa[dfa_walk(dfa, "/pub/x")].allow, 0);
	assert_int_equal(dfa[dfa_walk(dfa, "/pub/x/")].reach_allow, WARDEN_FS_READ);
	assert_int_equal(dfa[dfa_walk(dfa, "/pub/x/")].every_allow, 0);
	assert_int_equal(dfa_walk(dfa, "/etc/"), 0);
	/* directories the wildcards treat alike end in one state: below_gains compares no more */
	assert_int_equal(dfa_walk(dfa, "/pub/x/"), dfa_walk(dfa, "/pub/y/"));
	assert_int_equal(dfa_walk(dfa, "/t/a/"), dfa_walk(dfa, "/t/b/"));
	assert_int_equal(dfa_walk(dfa, "/t/a/"), dfa_walk(dfa, "/t/a/b/"));
	assert_int_equal(dfa[dfa_walk(dfa, "/t/a/")].reach_allow, WARDEN_FS_READ);
	assert_int_equal(dfa[dfa_walk(dfa, "/t/a/")].every_allow, 0);
	free(dfa);
	policy_free(p);
}

/*
 * File handles are refused, and executable memory and signals outside the policy allowed, unless
 * a policy says otherwise.
 */
static void test_file_handles_and_exec_memory(void **state)
{
	struct policy *a = parse_ok("name: x\n");
	struct policy *b = parse_ok(
		"name: x\nprocess: {file_handles: allow, exec_memory: deny, signal: deny}\n");

	(void)state;
	assert_int_equal(a->handles_deny, 1);
	assert_int_equal(a->exec_memory_deny, 0);
	assert_int_equal(a->signal_deny, 0);
	assert_int_equal(b->handles_deny, 0);
	assert_int_equal(b->exec_memory_deny, 1);
	assert_int_equal(b->signal_deny, 1);
	assert_string_equal(
		first_error("name: x\nprocess: {exec_memory: no}\n"),
		"p.yaml:2:24: 'process.exec_memory' must be 'allow' or 'deny', not 'no'");
	assert_string_equal(first_error("name: x\nprocess: {signal: [x]}\n"),
			    "p.yaml:2:19: 'process.signal' must be 'allow' or 'deny'");
	policy_free(a);
	policy_free(b);
}

/* Tamper resistance is on unless a policy allows namespaces; the source hash tracks bytes. */
static void test_namespaces_and_source_hash(void **state)
{
	struct policy *a = parse_ok("name: x\n");
	struct policy *b = parse_ok("name: x\nprocess: {namespaces: allow}\n");
	struct policy *c = parse_ok("name: x\n");

	(void)state;
	assert_int_equal(a->namespaces_deny, 1);
	assert_int_equal(b->namespaces_deny, 0);
	assert_true(a->source_hash == c->source_hash);
	assert_true(a->source_hash != b->source_hash);
	assert_string_equal(
		first_error("name: x\nprocess: {namespaces: sometimes}\n"),
		"p.yaml:2:23: 'process.namespaces' must be 'allow' or 'deny', not 'sometimes'");
	policy_free(a);
	policy_free(b);
	policy_free(c);
}

/* exec and libraries rules share the path map, each with its own bit. */
static void test_compile_exec_and_libraries_bits(void **state)
{
	struct policy *p =
		parse_ok("name: x\nexec: {allow: [/usr/bin/], deny: [/usr/bin/od]}\n"
			 "libraries: {default: deny, allow: [/usr/lib/], deny: [/usr/bin/od]}\n");
	struct policy_fs_trie t = { 0 };

	(void)state;
	assert_true(p->libraries.default_deny);
	assert_int_equal(policy_compile_fs(p, &t), 0);
	assert_int_equal(t.n, 5); /* the root, usr, bin, od, lib */
	assert_int_equal(node_of(&t, "/usr/bin/od")->deny, WARDEN_FS_EXEC | WARDEN_FS_LIB);
	assert_int_equal(node_of(&t, "/usr/bin/od")->allow, 0);
	assert_int_equal(node_of(&t, "/usr/lib/")->dir_allow, WARDEN_FS_LIB);
	assert_int_equal(node_of(&t, "/usr/bin/")->dir_allow, WARDEN_FS_EXEC);
	/* moving /usr or /usr/bin would lift the deny rules of /usr/bin/od; /usr/lib has none */
	assert_int_equal(node_of(&t, "/usr/")->subtree_deny, WARDEN_FS_EXEC | WARDEN_FS_LIB);
	assert_int_equal(node_of(&t, "/usr/bin/")->subtree_deny, WARDEN_FS_EXEC | WARDEN_FS_LIB);
	assert_int_equal(node_of(&t, "/usr/lib/")->subtree_deny, 0);
	/* a directory moved to /usr/... would gain what the allow rules below give */
	assert_int_equal(node_of(&t, "/usr/")->subtree_allow, WARDEN_FS_EXEC | WARDEN_FS_LIB);
	assert_int_equal(node_of(&t, "/usr/lib/")->subtree_allow, WARDEN_FS_LIB);
	assert_int_equal(node_of(&t, "/usr/bin/od")->subtree_allow, 0);
	policy_fs_trie_free(&t);
	policy_free(p);
}

static uint64_t hash_collide(uint32_t parent, const char *name, size_t len)
{
	(void)parent;
	(void)name;
	(void)len;
	return 7; /* every component of every path in the same slot */
}

/*
 * Every node found is confirmed by its name, so an index hash that collides for every
 * component decides every path exactly as a good one: a name that merely hashes like an
 * allowed one (the loader, a library directory) gets nothing from it.
 */
static void test_match_exact_under_colliding_hash(void **state)
{
	static const char *const paths[] = {
		"/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
		"/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.3",
		"/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.",
		"/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2/x",
		"/usr/lib/x86_64-linux-gnu",
		"/tmp/ld-linux-x86-64.so.2",
		"/etc/shadow",
		"/etc/shadoW",
		"/etc/shadow2",
		"/srv/app/config.json",
		"/srv/appx/config.json",
		"/srv/ap/config.json",
		"/",
	};
	struct policy *p = parse_ok(
		"name: x\nfs: {default: deny, read: [/srv/app/], deny: [/etc/shadow]}\n"
		"exec: {default: deny, allow: [/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2]}\n");
	struct policy_fs_trie good = { 0 }, bad = { .hash = hash_collide };
	uint32_t d1, a1, d2, a2;
	size_t i;

	(void)state;
	assert_int_equal(policy_compile_fs(p, &good), 0);
	assert_int_equal(policy_compile_fs(p, &bad), 0);
	assert_int_equal(good.n, bad.n);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		policy_match_path(&good, NULL, 0, paths[i], &d1, &a1);
		policy_match_path(&bad, NULL, 0, paths[i], &d2, &a2);
		if (d1 != d2 || a1 != a2)
			fail_msg(
				"%s: deny %u allow %u with a good hash, %u %u with a colliding one",
				paths[i], d1, a1, d2, a2);
	}
	policy_match_path(&bad, NULL, 0, paths[0], &d2, &a2);
	assert_int_equal(a2, WARDEN_FS_EXEC);
	for (i = 1; i < 6; i++) {
		policy_match_path(&bad, NULL, 0, paths[i], &d2, &a2);
		assert_int_equal(a2 & WARDEN_FS_EXEC, 0);
	}
	policy_match_path(&bad, NULL, 0, "/etc/shadow", &d2, &a2);
	assert_int_equal(d2, WARDEN_FS_READ | WARDEN_FS_WRITE);
	policy_match_path(&bad, NULL, 0, "/etc/shadoW", &d2, &a2);
	assert_int_equal(d2, 0);
	policy_match_path(&bad, NULL, 0, "/srv/appx/config.json", &d2, &a2);
	assert_int_equal(a2, 0);
	policy_match_path(&bad, NULL, 0, "/srv/app/config.json", &d2, &a2);
	assert_int_equal(a2, WARDEN_FS_READ);
	policy_fs_trie_free(&good);
	policy_fs_trie_free(&bad);
	policy_free(p);
}

/* Abstract unix socket names in connect rules: literal, wildcard, deny wins. */
static void test_abstract_socket_names(void **state)
{
	struct policy *p = parse_ok("name: x\nnet:\n  connect:\n    default: deny\n"
				    "    allow: [\"@app\", \"@dbus-*\", \"10.0.0.0/8\"]\n"
				    "    deny: [\"@dbus-secret\"]\n");

	(void)state;
	assert_int_equal(p->connect.allow.names.n, 2);
	assert_int_equal(p->connect.allow.n, 1);
	expect_masks(p, "@app", 0, WARDEN_FS_UNIX);
	expect_masks(p, "@ap", 0, 0);
	expect_masks(p, "@app2", 0, 0);
	expect_masks(p, "@dbus-x", 0, WARDEN_FS_UNIX);
	expect_masks(p, "@dbus-secret", WARDEN_FS_UNIX, WARDEN_FS_UNIX);
	expect_masks(p, "/app", 0, 0);
	policy_free(p);
}

static struct policy_net_rule net(const char *text)
{
	struct policy_net_rule r;
	char err[160];

	if (policy_parse_net_rule(text, &r, err, sizeof(err)))
		fail_msg("'%s': %s", text, err);
	return r;
}

static const char *net_error(const char *text)
{
	static char err[160];
	struct policy_net_rule r;

	assert_int_equal(policy_parse_net_rule(text, &r, err, sizeof(err)), -EINVAL);
	return err;
}

static void test_net_rule_forms(void **state)
{
	struct policy_net_rule r;
	const uint8_t lo4[4] = { 127, 0, 0, 1 }, ten[4] = { 10, 0, 0, 0 };

	(void)state;
	r = net("127.0.0.1:5432/tcp");
	assert_int_equal(r.family, AF_INET);
	assert_memory_equal(r.addr, lo4, 4);
	assert_int_equal(r.prefix, 32);
	assert_int_equal(r.port_lo, 5432);
	assert_int_equal(r.port_hi, 5432);
	assert_int_equal(r.proto, IPPROTO_TCP);
	r = net("10.0.0.0/8");
	assert_memory_equal(r.addr, ten, 4);
	assert_int_equal(r.prefix, 8);
	assert_int_equal(r.port_lo, 0);
	assert_int_equal(r.port_hi, 65535);
	assert_int_equal(r.proto, 0);
	r = net("[::1]:6379");
	assert_int_equal(r.family, AF_INET6);
	assert_int_equal(r.prefix, 128);
	assert_int_equal(r.addr[15], 1);
	assert_int_equal(r.port_lo, 6379);
	r = net("[2001:db8::/32]:8000-8100/udp");
	assert_int_equal(r.prefix, 32);
	assert_int_equal(r.port_lo, 8000);
	assert_int_equal(r.port_hi, 8100);
	assert_int_equal(r.proto, IPPROTO_UDP);
	r = net("8080/tcp");
	assert_int_equal(r.family, 0);
	assert_int_equal(r.port_lo, 8080);
	r = net("::ffff:127.0.0.1");
	assert_int_equal(r.family, AF_INET);
	assert_int_equal(r.prefix, 32);
	assert_memory_equal(r.addr, lo4, 4);
	r = net("fd00::/8");
	assert_int_equal(r.family, AF_INET6);
	assert_int_equal(r.prefix, 8);
}

static void test_net_rule_errors(void **state)
{
	(void)state;
	assert_string_equal(net_error("10.0.0.1/8"), "address has bits set beyond its /8 prefix");
	assert_string_equal(net_error("10.0.0.0/33"),
			    "bad CIDR prefix '/33' for an IPv4 address (0-32)");
	assert_string_equal(net_error("[::1/129]"),
			    "bad CIDR prefix '/129' for an IPv6 address (0-128)");
	assert_string_equal(net_error("1.2.3.4:70000"), "port 70000 is out of range (0-65535)");
	assert_string_equal(net_error("1.2.3.4:90-80"), "port range 90-80 is backwards");
	assert_string_equal(net_error("1.2.3.4:http"), "'http' is not a port or port range");
	assert_string_equal(net_error("[::1"), "missing ']'");
	assert_string_equal(net_error("[::1]6379"), "expected ':PORT' after ']'");
	assert_string_equal(net_error("300.1.1.1"), "'300.1.1.1' is not an IPv4 or IPv6 address");
	assert_string_equal(net_error("example.com:80"),
			    "'example.com' is not an IPv4 or IPv6 address");
	assert_string_equal(net_error(""), "empty address");
	assert_string_equal(net_error("10.0.0.0/ 8"),
			    "bad CIDR prefix '/ 8' for an IPv4 address (0-32)");
	assert_string_equal(net_error("10.0.0.0/+8"),
			    "bad CIDR prefix '/+8' for an IPv4 address (0-32)");
	assert_string_equal(net_error("[::/-0]"),
			    "bad CIDR prefix '/-0' for an IPv6 address (0-128)");
	assert_string_equal(
		first_error("name: x\nnet:\n  connect:\n    allow: [\"1.2.3.4:99999\"]\n"),
		"p.yaml:4:13: net.connect.allow '1.2.3.4:99999': port 99999 is out of range (0-65535)");
	assert_string_equal(first_error("name: x\nnet:\n  listen: {}\n"),
			    "p.yaml:3:3: unknown key 'listen' in 'net'");
	assert_string_equal(first_error("name: x\nprocess: {fork: no}\n"),
			    "p.yaml:2:17: 'process.fork' must be 'allow' or 'deny', not 'no'");
	assert_string_equal(first_error("name: x\nexec: {allow: [bin/sh]}\n"),
			    "p.yaml:2:16: exec.allow 'bin/sh' is not an absolute path");
	assert_string_equal(first_error("name: x\nlibraries: {deny: [opt/x.so]}\n"),
			    "p.yaml:2:20: libraries.deny 'opt/x.so' is not an absolute path");
	assert_string_equal(
		first_error("name: x\nlibraries: {default: maybe}\n"),
		"p.yaml:2:22: 'libraries.default' must be 'allow' or 'deny', not 'maybe'");
}

/* The longest match alone must decide: each network's entry carries every covering rule. */
static void test_compile_net_merges_covering_rules(void **state)
{
	struct policy *p = parse_ok("name: x\nnet:\n  connect:\n"
				    "    allow: [\"10.0.0.0/8:443\", \"10.1.0.0/16\", \"53/udp\"]\n"
				    "    deny: [10.1.2.3]\n");
	struct policy_net_entry *e;
	size_t n, i;
	char err[160];
	int found = 0;

	(void)state;
	assert_int_equal(policy_compile_net(p, WARDEN_NET_CONNECT, &e, &n, err, sizeof(err)), 0);
	/* 10/8, 10.1/16, 10.1.2.3/32, 0/0 (v4) and ::/0 (v6) for the port-only rule */
	assert_int_equal(n, 5);
	for (i = 0; i < n; i++) {
		if (e[i].family == 4 && e[i].prefix == 32) {
			/* its own deny, 10.1/16's allow, 10/8's port 443 and the any-address 53/udp */
			assert_int_equal(e[i].rule.n, 4);
			found = 1;
		}
		if (e[i].family == 6)
			assert_int_equal(e[i].rule.n, 1);
	}
	assert_true(found);
	free(e);
	assert_int_equal(policy_compile_net(p, WARDEN_NET_BIND, &e, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	free(e);
	policy_free(p);
}

static void test_compile_net_limit(void **state)
{
	char text[2048] = "name: x\nnet:\n  connect:\n    allow: [", err[160];
	struct policy_net_entry *e;
	struct policy *p;
	size_t n;

	(void)state;
	for (int i = 0; i < 17; i++)
		sprintf(text + strlen(text), "%s\"10.0.0.1:%d\"", i ? ", " : "", 1000 + i);
	strcat(text, "]\n");
	p = parse_ok(text);
	assert_int_equal(policy_compile_net(p, WARDEN_NET_CONNECT, &e, &n, err, sizeof(err)),
			 -E2BIG);
	assert_string_equal(
		err, "more than 16 rules cover the network 10.0.0.1/32 (its own and wider ones)");
	policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_policy),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_scalar_is_one_element_list),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_deny_one_access),
		cmocka_unit_test(test_every_error_reported),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_set_checks),
		cmocka_unit_test(test_hash_matches_abi),
		cmocka_unit_test(test_compile_merges_same_path),
		cmocka_unit_test(test_compile_exec_and_libraries_bits),
		cmocka_unit_test(test_match_exact_under_colliding_hash),
		cmocka_unit_test(test_abstract_socket_names),
		cmocka_unit_test(test_wildcards),
		cmocka_unit_test(test_namespaces_and_source_hash),
		cmocka_unit_test(test_file_handles_and_exec_memory),
		cmocka_unit_test(test_wildcards_state_limit),
		cmocka_unit_test(test_wildcards_below),
		cmocka_unit_test(test_cgroup_patterns),
		cmocka_unit_test(test_net_rule_forms),
		cmocka_unit_test(test_net_rule_errors),
		cmocka_unit_test(test_compile_net_merges_covering_rules),
		cmocka_unit_test(test_compile_net_limit),
	};

	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
