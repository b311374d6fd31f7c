// SPDX-License-Identifier: GPL-2.0
/*
 * warden query's decision (policy_decide) on compiled rule sets (policy_ruleset_compile): every
 * op, allowed and denied, and the rule named; the net twin (policy_match_net); bad queries.
 */
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

static const char policy_text[] =
	"name: q\n" /* 1 */
	"fs:\n"
	"  default: deny\n"
	"  read: [/usr/, /etc/ssl/, /srv/**/config.json, /etc/passwd]\n"
	"  write: [/tmp/, /var/log/*.log]\n" /* 5 */
	"  deny: [/etc/shadow, /tmp/secret/, /usr/bin/od]\n"
	"exec: {default: deny, allow: [/usr/bin/, /bin/*sh], deny: [/usr/bin/curl]}\n"
	"libraries: {default: deny, allow: [/usr/lib/], deny: ['/**/*.evil']}\n"
	"net:\n"
	"  connect:\n" /* 10 */
	"    default: deny\n"
	"    allow: [10.0.0.0/8, \"127.0.0.1:5432/tcp\", \"53/udp\", \"@dbus-*\", \"[::1]:6379\"]\n"
	"    deny: [10.1.2.3, \"@dbus-evil\"]\n"
	"  bind: {default: deny, allow: [\"8080/tcp\", \"0.0.0.0:9000/udp\"]}\n"
	"process: {fork: deny, exec_memory: deny, namespaces: allow, signal: deny}\n";

struct fixture {
	struct policy *p;
	struct policy_ruleset *rs;
};

static struct fixture compile_text(const char *text)
{
	struct policy_diags d = { 0 };
	struct fixture f = { 0 };
	char err[256];

	assert_int_equal(policy_parse_string("q.yaml", text, strlen(text), &f.p, &d), 0);
	assert_int_equal(policy_ruleset_compile(f.p, &f.rs, err, sizeof(err)), 0);
	return f;
}

static void fixture_free(struct fixture *f)
{
	policy_ruleset_free(f->rs);
	policy_free(f->p);
}

/* Decide op target; expect denied (1) or allowed (0), the key, and the rule with its line. */
static void expect(const struct fixture *f, const char *op, const char *target, int denied,
		   const char *key, const char *rule, int line)
{
	struct policy_decision d;
	struct policy_query q;
	char err[256];

	if (policy_query_parse(op, target, &q, err, sizeof(err)))
		fail_msg("%s %s: %s", op, target ? target : "", err);
	assert_int_equal(policy_decide(f->rs, &q, &d), 0);
	if (d.denied != denied || strcmp(d.key, key) || strcmp(d.rule, rule) || d.line != line)
		fail_msg("%s %s: expected %s by %s '%s' at line %d, got %s by %s '%s' at line %d",
			 op, target ? target : "", denied ? "denied" : "allowed", key, rule, line,
			 d.denied ? "denied" : "allowed", d.key, d.rule, d.line);
}

static void test_decide_paths(void **state)
{
	struct fixture f = compile_text(policy_text);

	(void)state;
	/* deny wins over the directory allow above it */
	expect(&f, "fs.read", "/etc/shadow", 1, "fs.deny", "/etc/shadow", 6);
	expect(&f, "fs.write", "/etc/shadow", 1, "fs.deny", "/etc/shadow", 6);
	expect(&f, "fs.read", "/usr/bin/od", 1, "fs.deny", "/usr/bin/od", 6);
	expect(&f, "fs.read", "/usr/bin/ls", 0, "fs.read", "/usr/", 4);
	expect(&f, "fs.write", "/usr/bin/ls", 1, "fs.default", "deny", 0);
	expect(&f, "fs.read", "/etc/passwd", 0, "fs.read", "/etc/passwd", 4);
	expect(&f, "fs.read", "/etc/passwd2", 1, "fs.default", "deny", 0);
	expect(&f, "fs.read", "/etc/ssl/certs/x.pem", 0, "fs.read", "/etc/ssl/", 4);
	expect(&f, "fs.write", "/tmp/x", 0, "fs.write", "/tmp/", 5);
	expect(&f, "fs.write", "/tmp/secret/key", 1, "fs.deny", "/tmp/secret/", 6);
	expect(&f, "fs.write", "/tmp/secret", 1, "fs.deny", "/tmp/secret/", 6);
	/* wildcards */
	expect(&f, "fs.read", "/srv/config.json", 0, "fs.read", "/srv/**/config.json", 4);
	expect(&f, "fs.read", "/srv/a/b/config.json", 0, "fs.read", "/srv/**/config.json", 4);
	expect(&f, "fs.read", "/srv/a/config.jsonx", 1, "fs.default", "deny", 0);
	expect(&f, "fs.write", "/var/log/app.log", 0, "fs.write", "/var/log/*.log", 5);
	expect(&f, "fs.write", "/var/log/a/app.log", 1, "fs.default", "deny", 0);
	/* exec and libraries, each with its own bit and default */
	expect(&f, "exec", "/usr/bin/ls", 0, "exec.allow", "/usr/bin/", 7);
	expect(&f, "exec", "/usr/bin/curl", 1, "exec.deny", "/usr/bin/curl", 7);
	expect(&f, "exec", "/bin/bash", 0, "exec.allow", "/bin/*sh", 7);
	expect(&f, "exec", "/bin/ls", 1, "exec.default", "deny", 0);
	expect(&f, "exec", "/usr/bin/od", 0, "exec.allow", "/usr/bin/", 7); /* fs.deny is fs's */
	expect(&f, "library", "/usr/lib/libz.so", 0, "libraries.allow", "/usr/lib/", 8);
	expect(&f, "libraries", "/usr/lib/x.evil", 1, "libraries.deny", "/**/*.evil", 8);
	expect(&f, "library", "/opt/x.so", 1, "libraries.default", "deny", 0);
	fixture_free(&f);
}

static void test_decide_net(void **state)
{
	struct fixture f = compile_text(policy_text);

	(void)state;
	expect(&f, "net.connect", "10.1.2.3:443/tcp", 1, "net.connect.deny", "10.1.2.3", 13);
	expect(&f, "net.connect", "10.1.2.4:443", 0, "net.connect.allow", "10.0.0.0/8", 12);
	expect(&f, "net.connect", "127.0.0.1:5432", 0, "net.connect.allow", "127.0.0.1:5432/tcp",
	       12);
	expect(&f, "net.connect", "127.0.0.1:5432/udp", 1, "net.connect.default", "deny", 0);
	/* a peer 0.0.0.0 is the local host to the kernel */
	expect(&f, "net.connect", "0.0.0.0:5432", 0, "net.connect.allow", "127.0.0.1:5432/tcp", 12);
	expect(&f, "net.connect", "8.8.8.8:53/udp", 0, "net.connect.allow", "53/udp", 12);
	expect(&f, "net.connect", "[2001:db8::1]:53/udp", 0, "net.connect.allow", "53/udp", 12);
	expect(&f, "net.connect", "[::1]:6379", 0, "net.connect.allow", "[::1]:6379", 12);
	expect(&f, "net.connect", "[::ffff:10.1.2.3]:80", 1, "net.connect.deny", "10.1.2.3", 13);
	expect(&f, "net.connect", "@dbus-session", 0, "net.connect.allow", "@dbus-*", 12);
	expect(&f, "net.connect", "@dbus-evil", 1, "net.connect.deny", "@dbus-evil", 13);
	expect(&f, "net.connect", "@x11", 1, "net.connect.default", "deny", 0);
	expect(&f, "net.bind", "8080", 0, "net.bind.allow", "8080/tcp", 14);
	expect(&f, "net.bind", "8080/udp", 1, "net.bind.default", "deny", 0);
	expect(&f, "net.bind", "[::]:8080", 0, "net.bind.allow", "8080/tcp", 14);
	/* [::] also receives IPv4: both must be allowed, and only 0.0.0.0 is here */
	expect(&f, "net.bind", "0.0.0.0:9000/udp", 0, "net.bind.allow", "0.0.0.0:9000/udp", 14);
	expect(&f, "net.bind", "[::]:9000/udp", 1, "net.bind.default", "deny", 0);
	fixture_free(&f);
}

static void test_decide_process_keys_and_audit(void **state)
{
	struct fixture f = compile_text(policy_text);
	struct fixture a = compile_text("name: a\nmode: audit\nfs: {deny: [/etc/shadow]}\n");

	(void)state;
	expect(&f, "fork", NULL, 1, "process.fork", "deny", 0);
	expect(&f, "ptrace", NULL, 0, "process.ptrace", "allow", 0);
	expect(&f, "memory.exec", NULL, 1, "process.exec_memory", "deny", 0);
	expect(&f, "signal", NULL, 1, "process.signal", "deny", 0);
	expect(&a, "signal", NULL, 0, "process.signal", "allow", 0);
	expect(&f, "namespace", NULL, 0, "process.namespaces", "allow", 0);
	expect(&f, "handle", NULL, 1, "process.file_handles", "deny", 0);
	/* audit: the rules' answer, and the header says audit */
	expect(&a, "fs.read", "/etc/shadow", 1, "fs.deny", "/etc/shadow", 3);
	expect(&a, "fs.read", "/etc/passwd", 0, "fs.default", "allow", 0);
	expect(&a, "namespaces", NULL, 1, "process.namespaces", "deny", 0);
	assert_true(a.rs->header.flags & WARDEN_POLICY_AUDIT);
	assert_false(f.rs->header.flags & WARDEN_POLICY_AUDIT);
	fixture_free(&f);
	fixture_free(&a);
}

/* The ruleset carries what maps.c writes: header flags and name, the compiled parts. */
static void test_ruleset_compile(void **state)
{
	struct fixture f = compile_text(policy_text);
	struct policy_diags d = { 0 };
	struct policy_ruleset *rs = NULL;
	struct policy *p = NULL;
	char text[2048] = "name: big\nnet:\n  connect:\n    allow: [", err[256];

	(void)state;
	assert_string_equal(f.rs->header.name, "q");
	assert_int_equal(f.rs->header.flags,
			 WARDEN_POLICY_FS_DEFAULT_DENY | WARDEN_POLICY_EXEC_DEFAULT_DENY |
				 WARDEN_POLICY_LIB_DEFAULT_DENY |
				 WARDEN_POLICY_CONNECT_DEFAULT_DENY |
				 WARDEN_POLICY_BIND_DEFAULT_DENY | WARDEN_POLICY_FORK_DENY |
				 WARDEN_POLICY_NAMESPACES_ALLOW | WARDEN_POLICY_EXEC_MEMORY_DENY |
				 WARDEN_POLICY_SIGNAL_DENY);
	assert_true(f.rs->header.source_hash == f.p->source_hash);
	assert_true(f.rs->ndfa > 1);
	assert_true(f.rs->trie.n > 0);
	assert_true(f.rs->nnet[0] > 0 && f.rs->nnet[1] > 0);
	assert_memory_equal(f.p->source, policy_text, sizeof(policy_text) - 1);
	fixture_free(&f);
	/* what the compiler refuses, compiling reports (check compiles the same way) */
	for (int i = 0; i < 17; i++)
		sprintf(text + strlen(text), "%s\"10.0.0.1:%d\"", i ? ", " : "", 1000 + i);
	strcat(text, "]\n");
	assert_int_equal(policy_parse_string("b.yaml", text, strlen(text), &p, &d), 0);
	assert_int_equal(policy_ruleset_compile(p, &rs, err, sizeof(err)), -E2BIG);
	assert_null(rs);
	assert_string_equal(
		err, "more than 16 rules cover the network 10.0.0.1/32 (its own and wider ones)");
	policy_free(p);
}

/* policy_match_net is the LPM trie's answer: the longest covering entry alone decides. */
static void test_match_net_longest_prefix(void **state)
{
	struct fixture f = compile_text("name: n\nnet:\n  connect:\n"
					"    allow: [\"10.0.0.0/8:443\", \"10.1.0.0/16\"]\n"
					"    deny: [\"10.1.2.0/24:22\"]\n");
	const struct policy_net_entry *e = f.rs->net[WARDEN_NET_CONNECT - 1];
	size_t n = f.rs->nnet[WARDEN_NET_CONNECT - 1];
	uint8_t a[16] = { 10, 1, 2, 9 }, b[16] = { 10, 2, 0, 1 }, c[16] = { 11, 0, 0, 1 };
	int deny, allow;

	(void)state;
	policy_match_net(e, n, 4, a, 22, IPPROTO_TCP, &deny, &allow);
	assert_true(deny && allow); /* the /24 entry carries the /16's allow and its own deny */
	policy_match_net(e, n, 4, a, 443, IPPROTO_TCP, &deny, &allow);
	assert_true(!deny && allow);
	policy_match_net(e, n, 4, b, 80, IPPROTO_TCP, &deny, &allow);
	assert_true(!deny && !allow);
	policy_match_net(e, n, 4, b, 443, IPPROTO_UDP, &deny, &allow);
	assert_true(!deny && allow);
	policy_match_net(e, n, 4, c, 443, IPPROTO_TCP, &deny, &allow);
	assert_true(!deny && !allow);
	policy_match_net(e, n, 6, c, 443, IPPROTO_TCP, &deny, &allow);
	assert_true(!deny && !allow);
	fixture_free(&f);
}

static const char *query_error(const char *op, const char *target)
{
	static char err[256];
	struct policy_query q;

	assert_int_equal(policy_query_parse(op, target, &q, err, sizeof(err)), -EINVAL);
	return err;
}

static void test_query_errors(void **state)
{
	(void)state;
	assert_string_equal(
		query_error("fs.exec", "/x"),
		"unknown op 'fs.exec' (ops: fs.read, fs.write, exec, library, net.connect, net.bind, fork, ptrace, memory.exec, signal, namespace, handle)");
	assert_string_equal(
		query_error("tamper", NULL),
		"op 'tamper' is no rule's to decide: a confined process is always refused it (see docs/security.md)");
	assert_string_equal(query_error("fs.read", NULL), "op 'fs.read' needs a target");
	assert_string_equal(query_error("fork", "/x"), "op 'fork' takes no target (got '/x')");
	assert_string_equal(query_error("exec", "bin/sh"),
			    "exec target 'bin/sh' is not an absolute path");
	assert_string_equal(query_error("net.connect", "10.0.0.0/8:80"),
			    "net.connect target '10.0.0.0/8:80' is a network; give one address");
	assert_string_equal(query_error("net.connect", "10.1.2.3"),
			    "net.connect target '10.1.2.3' needs one port (e.g. 10.1.2.3:443/tcp)");
	assert_string_equal(query_error("net.connect", "443/tcp"),
			    "net.connect target '443/tcp' has no address (e.g. 10.1.2.3:443/tcp)");
	assert_string_equal(query_error("net.bind", "8000-8100"),
			    "net.bind target '8000-8100' needs one port (e.g. 8080/tcp)");
	assert_string_equal(
		query_error("net.connect", "10.1.2.300:80"),
		"net.connect target '10.1.2.300:80': '10.1.2.300' is not an IPv4 or IPv6 address");
	assert_string_equal(
		query_error("net.connect", "@"),
		"net.connect target '@': an abstract socket name has 1 to 107 bytes after '@'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decide_paths),
		cmocka_unit_test(test_decide_net),
		cmocka_unit_test(test_decide_process_keys_and_audit),
		cmocka_unit_test(test_ruleset_compile),
		cmocka_unit_test(test_match_net_longest_prefix),
		cmocka_unit_test(test_query_errors),
	};

	return cmocka_run_group_tests_name("decide", tests, NULL, NULL);
}
