// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failures in parsing and compiling: linked with --wrap for malloc, calloc,
 * realloc, strdup, vasprintf and free, and with libyaml's static library so that its own
 * allocations go through the same wrappers. For N = 1, 2, ... the Nth allocation fails (and,
 * in a second pass, every allocation from the Nth on), until a run needs no failure. Each run
 * must fail with -ENOMEM and leave nothing allocated, or produce exactly what a run without
 * failures produces: a deny rule can never silently disappear.
 *
 * libyaml 0.2.5 (and its master) leaks one block when its loader fails to add a node to the
 * document (the new sequence's or mapping's item stack, loader.c): such runs may leak that one
 * block, and only when the failed allocation was libyaml's, inside yaml_parser_load.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <yaml.h>
#include <linux/types.h>
#include "../../bpf/abi.h"
#include "policy/policy.h"

/* ---- the allocator wrappers ---- */

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
char *__real_strdup(const char *s);
int __real_vasprintf(char **ret, const char *fmt, va_list ap);
void __real_free(void *p);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
char *__wrap_strdup(const char *s);
int __wrap_vasprintf(char **ret, const char *fmt, va_list ap);
void __wrap_free(void *p);
int __real_yaml_parser_load(yaml_parser_t *parser, yaml_document_t *document);
int __wrap_yaml_parser_load(yaml_parser_t *parser, yaml_document_t *document);

static struct {
	int armed; /* count calls and fail as told */
	unsigned long calls; /* allocation calls since armed */
	unsigned long fail_at; /* the call to fail (1-based); 0 for none */
	int fail_after; /* fail every call from fail_at on */
	unsigned long failed; /* calls failed */
	int in_yaml; /* inside yaml_parser_load */
	int failed_in_yaml; /* a call failed there */
} alloc;

/*
 * The blocks allocated since the ledger was cleared and not freed yet: an open-addressing set
 * of pointers, DELETED marking a freed slot.
 */
#define LEDGER_SIZE (1 << 14)
#define DELETED ((void *)1)
static void *ledger[LEDGER_SIZE];
static size_t ledger_live, ledger_used;

static size_t ledger_slot(const void *p)
{
	return ((uintptr_t)p >> 4) * 0x9e3779b97f4a7c15ULL >> 50;
}

static void ledger_clear(void)
{
	memset(ledger, 0, sizeof(ledger));
	ledger_live = ledger_used = 0;
}

static void ledger_add(void *p)
{
	size_t i = ledger_slot(p);

	if (!p)
		return;
	if (++ledger_used > LEDGER_SIZE / 2)
		abort(); /* more blocks than a policy needs: make the ledger larger */
	while (ledger[i] && ledger[i] != DELETED)
		i = (i + 1) % LEDGER_SIZE;
	ledger[i] = p;
	ledger_live++;
}

static void ledger_del(void *p)
{
	size_t i = ledger_slot(p);

	if (!p)
		return;
	for (; ledger[i]; i = (i + 1) % LEDGER_SIZE) {
		if (ledger[i] == p) {
			ledger[i] = DELETED;
			ledger_live--;
			return;
		}
	}
	/* allocated before the ledger was cleared */
}

static int should_fail(void)
{
	if (!alloc.armed)
		return 0;
	alloc.calls++;
	if (alloc.fail_at &&
	    (alloc.calls == alloc.fail_at || (alloc.fail_after && alloc.calls > alloc.fail_at))) {
		alloc.failed++;
		alloc.failed_in_yaml |= alloc.in_yaml;
		return 1;
	}
	return 0;
}

void *__wrap_malloc(size_t size)
{
	void *p = should_fail() ? NULL : __real_malloc(size);

	ledger_add(p);
	return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
	void *p = should_fail() ? NULL : __real_calloc(n, size);

	ledger_add(p);
	return p;
}

void *__wrap_realloc(void *old, size_t size)
{
	void *p;

	if (should_fail())
		return NULL; /* old stays allocated, as realloc leaves it */
	p = __real_realloc(old, size);
	if (p) {
		ledger_del(old);
		ledger_add(p);
	}
	return p;
}

char *__wrap_strdup(const char *s)
{
	char *p = should_fail() ? NULL : __real_strdup(s);

	ledger_add(p);
	return p;
}

int __wrap_vasprintf(char **ret, const char *fmt, va_list ap)
{
	int len;

	if (should_fail())
		return -1;
	len = __real_vasprintf(ret, fmt, ap);
	if (len >= 0)
		ledger_add(*ret);
	return len;
}

void __wrap_free(void *p)
{
	ledger_del(p);
	__real_free(p);
}

int __wrap_yaml_parser_load(yaml_parser_t *parser, yaml_document_t *document)
{
	int ret;

	alloc.in_yaml = 1;
	ret = __real_yaml_parser_load(parser, document);
	alloc.in_yaml = 0;
	return ret;
}

/* Runs that leaked libyaml's one block (see the top of this file), which is freed here. */
static unsigned long yaml_leaks;

static void expect_no_leak(unsigned long n)
{
	if (ledger_live == 1 && alloc.failed_in_yaml) {
		for (size_t i = 0; i < LEDGER_SIZE; i++) {
			if (ledger[i] && ledger[i] != DELETED) {
				__real_free(ledger[i]);
				ledger[i] = DELETED;
			}
		}
		ledger_live = 0;
		yaml_leaks++;
		return;
	}
	if (ledger_live)
		fail_msg("allocation %lu failed: %zu blocks leaked", n, ledger_live);
}

/* ---- what a policy compiles to ---- */

struct compiled {
	int ret;
	struct policy *p;
	struct policy_diags diags;
	struct policy_fs_trie trie;
	struct warden_dfa_state *dfa;
	size_t ndfa;
	struct policy_net_entry *net[2];
	size_t nnet[2];
};

/* Parse and compile text as warden apply does; the first failure ends it. */
static void compile(const char *text, struct compiled *c)
{
	char err[256];

	memset(c, 0, sizeof(*c));
	c->ret = policy_parse_string("p.yaml", text, strlen(text), &c->p, &c->diags);
	if (c->ret)
		return;
	c->ret = policy_compile_fs(c->p, &c->trie);
	if (c->ret)
		return;
	c->ret = policy_compile_dfa(c->p, &c->dfa, &c->ndfa, err, sizeof(err));
	if (c->ret)
		return;
	for (int i = 0; i < 2; i++) {
		c->ret = policy_compile_net(c->p, WARDEN_NET_CONNECT + i, &c->net[i], &c->nnet[i],
					    err, sizeof(err));
		if (c->ret)
			return;
	}
}

static void compiled_free(struct compiled *c)
{
	policy_free(c->p);
	policy_diags_free(&c->diags);
	policy_fs_trie_free(&c->trie);
	free(c->dfa);
	free(c->net[0]);
	free(c->net[1]);
}

static void expect_same_strs(const struct policy_strs *a, const struct policy_strs *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		assert_string_equal(a->v[i].s, b->v[i].s);
		assert_int_equal(a->v[i].line, b->v[i].line);
		assert_int_equal(a->v[i].column, b->v[i].column);
	}
}

static void expect_same_net(const struct policy_net *a, const struct policy_net *b)
{
	const struct policy_net_rules *la[2] = { &a->allow, &a->deny };
	const struct policy_net_rules *lb[2] = { &b->allow, &b->deny };

	assert_int_equal(a->default_deny, b->default_deny);
	for (int l = 0; l < 2; l++) {
		assert_int_equal(la[l]->n, lb[l]->n);
		for (size_t i = 0; i < la[l]->n; i++) {
			const struct policy_net_rule *x = &la[l]->v[i], *y = &lb[l]->v[i];

			assert_string_equal(x->text, y->text);
			assert_int_equal(x->line, y->line);
			assert_int_equal(x->family, y->family);
			assert_memory_equal(x->addr, y->addr, sizeof(x->addr));
			assert_int_equal(x->prefix, y->prefix);
			assert_int_equal(x->port_lo, y->port_lo);
			assert_int_equal(x->port_hi, y->port_hi);
			assert_int_equal(x->proto, y->proto);
		}
	}
}

static void expect_same_policy(const struct policy *a, const struct policy *b)
{
	assert_string_equal(a->file, b->file);
	assert_string_equal(a->name.s, b->name.s);
	assert_true(a->source_hash == b->source_hash);
	assert_int_equal(a->audit, b->audit);
	expect_same_strs(&a->cgroups, &b->cgroups);
	assert_int_equal(a->fs.default_deny, b->fs.default_deny);
	expect_same_strs(&a->fs.read, &b->fs.read);
	expect_same_strs(&a->fs.write, &b->fs.write);
	expect_same_strs(&a->fs.deny, &b->fs.deny);
	assert_int_equal(a->exec.default_deny, b->exec.default_deny);
	expect_same_strs(&a->exec.allow, &b->exec.allow);
	expect_same_strs(&a->exec.deny, &b->exec.deny);
	assert_int_equal(a->libraries.default_deny, b->libraries.default_deny);
	expect_same_strs(&a->libraries.allow, &b->libraries.allow);
	expect_same_strs(&a->libraries.deny, &b->libraries.deny);
	expect_same_net(&a->connect, &b->connect);
	expect_same_net(&a->bind, &b->bind);
	assert_int_equal(a->fork_deny, b->fork_deny);
	assert_int_equal(a->ptrace_deny, b->ptrace_deny);
	assert_int_equal(a->namespaces_deny, b->namespaces_deny);
}

static void expect_same(const struct compiled *a, const struct compiled *b)
{
	assert_int_equal(a->ret, b->ret);
	assert_int_equal(a->diags.n, b->diags.n);
	for (size_t i = 0; i < a->diags.n; i++) {
		char x[512], y[512];

		policy_diag_format(&a->diags.v[i], x, sizeof(x));
		policy_diag_format(&b->diags.v[i], y, sizeof(y));
		assert_string_equal(x, y);
	}
	if (a->ret)
		return;
	expect_same_policy(a->p, b->p);
	assert_int_equal(a->trie.n, b->trie.n);
	assert_memory_equal(a->trie.v, b->trie.v, a->trie.n * sizeof(*a->trie.v));
	assert_int_equal(a->ndfa, b->ndfa);
	if (a->ndfa)
		assert_memory_equal(a->dfa, b->dfa, a->ndfa * sizeof(*a->dfa));
	for (int i = 0; i < 2; i++) {
		assert_int_equal(a->nnet[i], b->nnet[i]);
		if (a->nnet[i])
			assert_memory_equal(a->net[i], b->net[i], a->nnet[i] * sizeof(*a->net[i]));
	}
}

/*
 * Fail the Nth allocation (or every one from the Nth on) for N = 1.. until a run allocates
 * fewer than N times. Returns the number of runs.
 */
static unsigned long inject(const char *text, int fail_after)
{
	struct compiled want, got;
	unsigned long n;

	compile(text, &want);
	for (n = 1;; n++) {
		alloc = (typeof(alloc)){ .armed = 1, .fail_at = n, .fail_after = fail_after };
		ledger_clear();
		compile(text, &got);
		alloc.armed = 0;
		if (!alloc.failed) {
			/* no allocation left to fail: this run is the reference run again */
			expect_same(&got, &want);
			compiled_free(&got);
			assert_int_equal(ledger_live, 0);
			break;
		}
		if (got.ret == -ENOMEM) {
			/* the parser returns no policy; a compiler, no rules */
			compiled_free(&got);
			expect_no_leak(n);
			continue;
		}
		if (got.ret != want.ret)
			fail_msg("allocation %lu failed: got %d, not -ENOMEM or %d", n, got.ret,
				 want.ret);
		expect_same(&got, &want);
		compiled_free(&got);
		expect_no_leak(n);
	}
	compiled_free(&want);
	return n;
}

/* Deny rules of every kind, literal and wildcard, with enough of each to grow every list. */
static const char *const every_rule =
	"name: every-rule\n"
	"mode: enforce\n"
	"cgroups: [/a, /b/c, /d/]\n"
	"fs:\n"
	"  default: deny\n"
	"  read: [/usr/, /etc/ld.so.cache, /srv/*/config.json, /opt/**]\n"
	"  write: [/tmp/, /var/lib/app/, /dev/null]\n"
	"  deny: [/etc/shadow, /root/, /home/*/.ssh/, /**/*.key, /srv/secret, /proc/kcore,\n"
	"         /dev/mem, /sys/kernel/, /a/**/b*c**d/x, /e/**/f**/gh**/y]\n"
	"exec:\n"
	"  default: deny\n"
	"  allow: [/usr/bin/, /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2]\n"
	"  deny: [/usr/bin/curl, /usr/bin/wget, /usr/**/nc*, /tmp/]\n"
	"libraries:\n"
	"  default: allow\n"
	"  allow: [/usr/lib/]\n"
	"  deny: [/tmp/, /dev/shm/*.so, /home/]\n"
	"net:\n"
	"  connect:\n"
	"    default: allow\n"
	"    allow: [\"127.0.0.1:5432/tcp\", \"[::1]:6379\", \"53/udp\"]\n"
	"    deny: [10.0.0.0/8, \"[2001:db8::/32]:8000-8100/udp\", \"22/tcp\", \"::ffff:1.2.3.4\",\n"
	"           \"169.254.169.254\", \"fd00::/8\"]\n"
	"  bind:\n"
	"    default: deny\n"
	"    allow: [\"8080/tcp\", \"0.0.0.0/0:443\"]\n"
	"    deny: [\"1-1023\", \"[::/0]:22\"]\n"
	"process: {fork: deny, ptrace: deny, namespaces: allow}\n";

/* Every kind of error, so that diagnostics are allocated too. */
static const char *const every_error = "name: Bad Name\n"
				       "mode: strict\n"
				       "bogus: 1\n"
				       "cgroups: [relative, /a/*]\n"
				       "fs:\n"
				       "  read: [/a/../b, /ok/]\n"
				       "  deny: [/c//d, /e/?, /f/***/g, [/nested]]\n"
				       "exec: {default: maybe}\n"
				       "net:\n"
				       "  connect: {allow: [\"1.2.3.4:99999\", 10.0.0.1/8]}\n"
				       "  listen: {}\n"
				       "process: {fork: no}\n";

static void test_every_rule(void **state)
{
	struct compiled c;

	(void)state;
	compile(every_rule, &c);
	assert_int_equal(c.ret, 0);
	/* the automaton outgrows its first allocation, so its growth is tested too */
	assert_true(c.ndfa > 64);
	assert_int_equal(c.p->fs.deny.n, 10);
	assert_int_equal(c.p->connect.deny.n, 6);
	compiled_free(&c);
	assert_true(inject(every_rule, 0) > 100);
	inject(every_rule, 1);
}

static void test_every_error(void **state)
{
	struct compiled c;

	(void)state;
	compile(every_error, &c);
	assert_int_equal(c.ret, -EINVAL);
	assert_true(c.diags.n >= 12);
	compiled_free(&c);
	inject(every_error, 0);
	inject(every_error, 1);
}

static void test_invalid_yaml(void **state)
{
	(void)state;
	inject("name: x\nfs: {read: [/a, /b}\n", 0);
	inject("name: x\n---\nname: y\n", 0);
	inject("name: x\n--- [\n", 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_rule),
		cmocka_unit_test(test_every_error),
		cmocka_unit_test(test_invalid_yaml),
	};

	int ret = cmocka_run_group_tests(tests, NULL, NULL);

	printf("test_alloc: %lu runs leaked libyaml's block (known libyaml bug)\n", yaml_leaks);
	return ret;
}
