// SPDX-License-Identifier: GPL-2.0
/*
 * warden learn's generator: events in, a policy out. Grouping, temporary directories, names
 * no rule can hold, network rules, widening an old policy, and that every output parses back
 * into the policy it says.
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
#include <linux/types.h>
#include "../../bpf/abi.h"
#include "learn.h"

static struct learn *learner(const struct learn_options *o)
{
	struct learn_options d;
	struct learn *l;

	learn_options_default(&d);
	assert_int_equal(learn_new(o ? o : &d, &l), 0);
	return l;
}

/* One event line: op and path, or op and a JSON fragment of other fields. */
static void ev(struct learn *l, const char *op, const char *path)
{
	char line[8192], err[128] = "";

	snprintf(
		line, sizeof(line),
		"{\"action\":\"audit\",\"op\":\"%s\",\"policy\":\"p\",\"cgroup\":\"/w\",\"path\":\"%s\","
		"\"reason\":\"default\"}",
		op, path);
	if (learn_add_json(l, line, err, sizeof(err)))
		fail_msg("event %s %s: %s", op, path, err);
}

static void ev_json(struct learn *l, const char *fields)
{
	char line[8192], err[128] = "";

	snprintf(line, sizeof(line), "{\"action\":\"audit\",\"policy\":\"p\",\"cgroup\":\"/w\",%s}",
		 fields);
	if (learn_add_json(l, line, err, sizeof(err)))
		fail_msg("event %s: %s", fields, err);
}

static char *write_out(struct learn *l, const struct policy *old, const char *old_text)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(learn_write(l, old, old_text, old_text ? strlen(old_text) : 0, f), 0);
	fclose(f);
	return text;
}

/* The output parses; returns the policy it is. */
static struct policy *parse_back(const char *text)
{
	struct policy_diags d = { 0 };
	struct policy *p = NULL;
	char buf[512];

	if (policy_parse_string("learned.yaml", text, strlen(text), &p, &d)) {
		policy_diag_format(&d.v[0], buf, sizeof(buf));
		fail_msg("the output does not parse: %s\n%s", buf, text);
	}
	policy_diags_free(&d);
	return p;
}

/* The list's entries joined with ' '. */
static const char *joined(const struct policy_strs *l)
{
	static char buf[4096];
	size_t i, n = 0;

	buf[0] = 0;
	for (i = 0; i < l->n; i++)
		n += snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? " " : "", l->v[i].s);
	return buf;
}

static const char *joined_net(const struct policy_net_rules *l)
{
	static char buf[4096];
	size_t i, n = 0;

	buf[0] = 0;
	for (i = 0; i < l->n; i++)
		n += snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? " " : "", l->v[i].text);
	for (i = 0; i < l->names.n; i++)
		n += snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? " " : "", l->names.v[i].s);
	return buf;
}

static void assert_has_line(const char *text, const char *line)
{
	const char *p = text;
	size_t n = strlen(line);

	for (; (p = strstr(p, line)); p += n)
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || !p[n]))
			return;
	fail_msg("no line '%s' in:\n%s", line, text);
}

static void test_grouping(void **state)
{
	struct learn *l = learner(NULL);
	struct policy *p;
	char *text;

	(void)state;
	/* three files directly in /srv/data/a: one rule; a lone file stays a file */
	ev(l, "fs.read", "/srv/data/a/1");
	ev(l, "fs.read", "/srv/data/a/2");
	ev(l, "fs.read", "/srv/data/a/3");
	ev(l, "fs.read", "/srv/data/a/3");
	ev(l, "fs.read", "/srv/data/b/x");
	/* /etc is shallower than min_depth 2: never a directory rule */
	ev(l, "fs.read", "/etc/hosts");
	ev(l, "fs.read", "/etc/passwd");
	ev(l, "fs.read", "/etc/group");
	/* a folded directory counts as one entry of its parent: /usr/lib has two */
	ev(l, "fs.read", "/usr/lib/x86_64-linux-gnu/libc.so.6");
	ev(l, "fs.read", "/usr/lib/x86_64-linux-gnu/libm.so.6");
	ev(l, "fs.read", "/usr/lib/x86_64-linux-gnu/libz.so.1");
	ev(l, "fs.read", "/usr/lib/os-release");
	/* process ids become '*', and /proc, /sys, /dev are never folded */
	ev(l, "fs.read", "/proc/4242/maps");
	ev(l, "fs.read", "/proc/4242/status");
	ev(l, "fs.read", "/proc/4242/cgroup");
	ev(l, "fs.read", "/proc/4242/task/4243/stat");
	ev(l, "fs.read", "/dev/pts/1");
	ev(l, "fs.read", "/dev/pts/2");
	ev(l, "fs.read", "/dev/pts/3");
	/* warden run's transient cgroup has a new name on every run */
	ev(l, "fs.read", "/sys/fs/cgroup/warden.run/run.812.ab12/memory.max");
	/* programs are never grouped */
	ev(l, "exec", "/usr/bin/cat");
	ev(l, "exec", "/usr/bin/ls");
	ev(l, "exec", "/usr/bin/id");
	ev(l, "library", "/usr/lib/x86_64-linux-gnu/libc.so.6");
	text = write_out(l, NULL, NULL);
	p = parse_back(text);
	assert_string_equal(joined(&p->fs.read),
			    "/dev/pts/1 /dev/pts/2 /dev/pts/3 /etc/group /etc/hosts /etc/passwd "
			    "/proc/*/cgroup /proc/*/maps /proc/*/status /proc/*/task/*/stat "
			    "/srv/data/a/ /srv/data/b/x /sys/fs/cgroup/warden.run/run.*/memory.max "
			    "/usr/lib/os-release /usr/lib/x86_64-linux-gnu/");
	assert_int_equal(p->fs.write.n, 0);
	assert_string_equal(joined(&p->exec.allow), "/usr/bin/cat /usr/bin/id /usr/bin/ls");
	assert_string_equal(joined(&p->libraries.allow), "/usr/lib/x86_64-linux-gnu/libc.so.6");
	/* every default denies; what was not used is denied */
	assert_true(p->fs.default_deny && p->exec.default_deny && p->libraries.default_deny);
	assert_true(p->connect.default_deny && p->bind.default_deny);
	assert_true(p->fork_deny && p->ptrace_deny && p->namespaces_deny && p->handles_deny &&
		    p->exec_memory_deny && p->signal_deny);
	assert_false(p->audit);
	assert_string_equal(p->name.s, "learned");
	/* hit counts */
	assert_has_line(text, "    - /srv/data/a/  # 3 paths, 4 hits");
	assert_has_line(text, "    - /srv/data/b/x  # 1 hit");
	policy_free(p);
	free(text);
	learn_free(l);
}

static void test_grouping_options(void **state)
{
	struct learn_options o;
	struct policy *p;
	struct learn *l;
	char *text;

	(void)state;
	learn_options_default(&o);
	o.group = 0; /* every file */
	l = learner(&o);
	ev(l, "fs.read", "/srv/a/1");
	ev(l, "fs.read", "/srv/a/2");
	ev(l, "fs.read", "/srv/a/3");
	text = write_out(l, NULL, NULL);
	p = parse_back(text);
	assert_string_equal(joined(&p->fs.read), "/srv/a/1 /srv/a/2 /srv/a/3");
	policy_free(p);
	free(text);
	learn_free(l);

	o.group = 2;
	o.min_depth = 1;
	o.name = "etc-reader";
	o.cgroup = "/system.slice/x.service";
	l = learner(&o);
	ev(l, "fs.read", "/etc/hosts");
	ev(l, "fs.read", "/etc/passwd");
	ev(l, "fs.read", "/srv/a/b/c/1"); /* one entry per level: nothing folds */
	text = write_out(l, NULL, NULL);
	p = parse_back(text);
	assert_string_equal(joined(&p->fs.read), "/etc/ /srv/a/b/c/1");
	assert_string_equal(p->name.s, "etc-reader");
	assert_string_equal(joined(&p->cgroups), "/system.slice/x.service");
	policy_free(p);
	free(text);
	learn_free(l);
}

static void test_writes_and_temp_dirs(void **state)
{
	struct learn *l = learner(NULL);
	struct policy *p;
	char *text;

	(void)state;
	/* a written name below /tmp differs on every run: the directory; reads below it too */
	ev(l, "fs.write", "/tmp/tmp.AbC123");
	ev(l, "fs.write", "/tmp/tmp.XyZ789/out");
	ev(l, "fs.read", "/tmp/tmp.XyZ789/out");
	/* elsewhere a write is the file; it may be read too (an event does not say) */
	ev(l, "fs.write", "/var/log/app.log");
	/* a kernel switch needs an exact rule, and gets one */
	ev(l, "fs.write", "/proc/sys/vm/drop_caches");
	ev_json(l, "\"op\":\"tamper\",\"what\":\"kernel\",\"path\":\"/proc/sys/vm/drop_caches\","
		   "\"reason\":\"rule\"");
	text = write_out(l, NULL, NULL);
	p = parse_back(text);
	assert_string_equal(joined(&p->fs.write),
			    "/proc/sys/vm/drop_caches /tmp/ /var/log/app.log");
	assert_string_equal(joined(&p->fs.read), "/proc/sys/vm/drop_caches /tmp/ /var/log/app.log");
	assert_has_line(text, "    - /tmp/  # 2 paths, 2 hits");
	policy_free(p);
	free(text);
	learn_free(l);
}

static void test_paths_no_rule_can_hold(void **state)
{
	struct learn *l = learner(NULL);
	struct policy *p;
	char *text;

	(void)state;
	/* '?', '[' and '*' are not literal in rules, nor invalid UTF-8 in YAML: '*' stands in */
	ev(l, "fs.read", "/srv/we[ir]d?name");
	ev(l, "fs.read", "/srv/star*s");
	ev(l, "fs.read", "/srv/caf\\u00e9 \\\"quoted\\\" # not a comment");
	ev(l, "fs.read", "/srv/tab\\there");
	/* nothing a rule could name: warnings, no rules */
	ev(l, "fs.read", "pipe:[1234]");
	ev(l, "fs.read", "/srv/gone (deleted)");
	ev_json(l, "\"op\":\"fs.read\",\"path\":\"/x\",\"reason\":\"unresolved\"");
	ev_json(l, "\"op\":\"exec\",\"path\":\"/memfd:x (deleted)\",\"reason\":\"fileless\"");
	ev_json(l, "\"op\":\"tamper\",\"what\":\"mount\",\"reason\":\"rule\"");
	ev_json(l, "\"op\":\"tamper\",\"what\":\"namespace\",\"reason\":\"rule\"");
	text = write_out(l, NULL, NULL);
	p = parse_back(text);
	assert_string_equal(joined(&p->fs.read), "/srv/caf\xc3\xa9 \"quoted\" # not a comment "
						 "/srv/star*s /srv/tab\there /srv/we*ir]d*name");
	assert_int_equal(p->exec.default_deny, 0); /* a fileless exec: only the default allows it */
	assert_int_equal(p->namespaces_deny, 0);
	assert_string_equal(learn_warning(l, 0), "a file with no name (memfd, deleted) was "
						 "executed: exec.default is allow");
	assert_string_equal(learn_warning(l, 1),
			    "1 paths could not be resolved; no rule can allow those");
	assert_string_equal(learn_warning(l, 2),
			    "refused whatever the policy says (tamper): mount (1 hit)");
	assert_string_equal(learn_warning(l, 3),
			    "no rule can name fs.read /srv/gone (deleted) (1 hit)");
	assert_string_equal(learn_warning(l, 4), "no rule can name fs.read pipe:[1234] (1 hit)");
	assert_null(learn_warning(l, 5));
	assert_has_line(text,
			"# warning: refused whatever the policy says (tamper): mount (1 hit)");
	policy_free(p);
	free(text);
	learn_free(l);
}

static void test_net(void **state)
{
	struct learn *l = learner(NULL);
	struct policy *p;
	char *text;

	(void)state;
	ev_json(l, "\"op\":\"net.connect\",\"addr\":\"127.0.0.1\",\"port\":8080,\"proto\":\"tcp\"");
	ev_json(l, "\"op\":\"net.connect\",\"addr\":\"127.0.0.1\",\"port\":8080,\"proto\":\"tcp\"");
	ev_json(l, "\"op\":\"net.connect\",\"addr\":\"::1\",\"port\":53,\"proto\":\"udp\"");
	ev_json(l, "\"op\":\"net.connect\",\"addr\":\"10.1.2.3\",\"port\":0,\"proto\":\"other\"");
	ev_json(l, "\"op\":\"net.connect\",\"path\":\"@dbus-x\"");
	ev_json(l, "\"op\":\"net.bind\",\"addr\":\"0.0.0.0\",\"port\":0,\"proto\":\"udp\"");
	ev_json(l, "\"op\":\"net.bind\",\"addr\":\"::\",\"port\":8443,\"proto\":\"tcp\"");
	ev_json(l, "\"op\":\"fork\"");
	ev_json(l, "\"op\":\"memory.exec\"");
	ev_json(l, "\"op\":\"signal\",\"target_pid\":1234");
	text = write_out(l, NULL, NULL);
	p = parse_back(text);
	assert_string_equal(joined_net(&p->connect.allow),
			    "10.1.2.3 127.0.0.1:8080/tcp [::1]:53/udp @dbus-x");
	assert_string_equal(joined_net(&p->bind.allow), "0.0.0.0:0/udp [::]:8443/tcp");
	assert_has_line(text, "      - \"127.0.0.1:8080/tcp\"  # 2 hits");
	assert_false(p->fork_deny);
	assert_false(p->exec_memory_deny);
	assert_false(p->signal_deny);
	assert_true(p->ptrace_deny);
	assert_has_line(text, "  fork: allow  # 1 hit");
	policy_free(p);
	free(text);
	learn_free(l);
}

static const char old_text[] = "# the web app\n"
			       "# owned by ops\n"
			       "name: webapp\n"
			       "mode: audit\n"
			       "cgroups: [/system.slice/webapp.service]\n"
			       "fs:\n"
			       "  default: deny\n"
			       "  read:\n"
			       "    # the C library\n"
			       "    - /usr/lib/x86_64-linux-gnu/libc.so.6   # libc\n"
			       "    - /etc/\n"
			       "  write: [/var/log/webapp/]  # logs\n"
			       "  deny:\n"
			       "    - /srv/secret/   # never\n"
			       "exec: { default: deny, allow: [/usr/bin/dash] }\n"
			       "net:\n"
			       "  connect:\n"
			       "    default: deny\n"
			       "    allow: [\"127.0.0.0/8\"]\n"
			       "    deny: [\"10.0.0.0/8\"]\n"
			       "process: { fork: deny, ptrace: deny }\n";

static void test_merge(void **state)
{
	struct learn *l = learner(NULL);
	struct policy *old = parse_back(old_text), *p;
	char *text;

	(void)state;
	ev(l, "fs.read", "/etc/hosts"); /* covered by /etc/ */
	ev(l, "fs.read", "/usr/lib/x86_64-linux-gnu/libc.so.6"); /* covered */
	ev(l, "fs.read", "/srv/secret/key"); /* denied: warned, not added */
	ev(l, "fs.read", "/srv/app/index.html");
	ev(l, "fs.write", "/var/log/webapp/a.log"); /* write covered; its read is not */
	ev(l, "exec", "/usr/bin/dash");
	ev(l, "exec", "/usr/bin/cat");
	ev(l, "library", "/usr/lib/x86_64-linux-gnu/libc.so.6"); /* libraries.default is allow */
	ev_json(l, "\"op\":\"net.connect\",\"addr\":\"127.0.0.1\",\"port\":5432,\"proto\":\"tcp\"");
	ev_json(l, "\"op\":\"net.connect\",\"addr\":\"10.1.1.1\",\"port\":443,\"proto\":\"tcp\"");
	ev_json(l,
		"\"op\":\"net.connect\",\"addr\":\"192.168.1.1\",\"port\":443,\"proto\":\"tcp\"");
	ev_json(l, "\"op\":\"fork\"");
	text = write_out(l, old, old_text);
	p = parse_back(text);
	/* the old policy's identity, rules and denies stay; what it did not allow is added */
	assert_string_equal(p->name.s, "webapp");
	assert_true(p->audit);
	assert_string_equal(joined(&p->cgroups), "/system.slice/webapp.service");
	assert_string_equal(joined(&p->fs.read), "/usr/lib/x86_64-linux-gnu/libc.so.6 /etc/ "
						 "/srv/app/index.html /var/log/webapp/a.log");
	assert_string_equal(joined(&p->fs.write), "/var/log/webapp/");
	assert_string_equal(joined(&p->fs.deny), "/srv/secret/");
	assert_string_equal(joined(&p->exec.allow), "/usr/bin/dash /usr/bin/cat");
	assert_int_equal(p->libraries.allow.n, 0);
	assert_false(p->libraries.default_deny);
	assert_string_equal(joined_net(&p->connect.allow), "127.0.0.0/8 192.168.1.1:443/tcp");
	assert_string_equal(joined_net(&p->connect.deny), "10.0.0.0/8");
	assert_false(p->fork_deny);
	assert_true(p->ptrace_deny);
	assert_false(p->exec_memory_deny); /* the old file's, not a learnt deny */
	/* comments: the file's head, above and after its rules; the learnt ones marked */
	assert_true(!strncmp(text, "# the web app\n# owned by ops\n# Widened by warden learn", 52));
	assert_has_line(text, "    # the C library");
	assert_has_line(text, "    - /usr/lib/x86_64-linux-gnu/libc.so.6  # libc");
	assert_has_line(text, "    - /var/log/webapp/  # logs");
	assert_has_line(text, "    - /srv/secret/  # never");
	assert_has_line(text, "    - /usr/bin/cat  # learned: 1 hit");
	assert_has_line(text, "  fork: allow  # learned: 1 hit");
	assert_string_equal(learn_warning(l, 0), "fs.read /srv/secret/key was used while learning "
						 "(1 hit), but the policy denies it");
	assert_string_equal(learn_warning(l, 1), "net.connect 10.1.1.1:443/tcp was used while "
						 "learning (1 hit), but the policy denies it");
	assert_null(learn_warning(l, 2));
	policy_free(p);
	free(text);

	/* widening the widened file again with the same events adds nothing */
	text = write_out(l, old, old_text);
	p = parse_back(text);
	{
		char *text2 = write_out(l, p, text);
		struct policy *p2 = parse_back(text2);

		assert_string_equal(joined(&p2->fs.read), joined(&p->fs.read));
		assert_string_equal(joined(&p2->exec.allow), joined(&p->exec.allow));
		assert_string_equal(joined_net(&p2->connect.allow), joined_net(&p->connect.allow));
		/* the learnt rules' comments are kept as the file's own */
		assert_has_line(text2, "    - /usr/bin/cat  # learned: 1 hit");
		assert_null(strstr(text2, "# learned: 1 hit  # learned"));
		policy_free(p2);
		free(text2);
	}
	policy_free(p);
	free(text);
	policy_free(old);
	learn_free(l);
}

static void test_base(void **state)
{
	static const char base_text[] = "name: run\nfs: {default: deny, read: [/etc/ld.so.cache]}\n"
					"exec: {default: deny, allow: [/usr/bin/dash]}\n"
					"process: {fork: deny, ptrace: deny}\n";
	struct policy *base = parse_back(base_text), *p;
	struct learn_options o;
	struct learn *l;
	char *text;

	(void)state;
	learn_options_default(&o);
	o.name = "work";
	o.base = "warden run's default for sh";
	l = learner(&o);
	ev(l, "fs.read", "/srv/x");
	text = write_out(l, base, NULL);
	p = parse_back(text);
	assert_string_equal(p->name.s, "work");
	assert_false(p->audit);
	assert_string_equal(joined(&p->fs.read), "/etc/ld.so.cache /srv/x");
	assert_string_equal(joined(&p->exec.allow), "/usr/bin/dash");
	assert_true(p->exec_memory_deny); /* not used: denied, whatever the base said */
	assert_has_line(text, "# Rules without a comment are warden run's default for sh.");
	assert_has_line(text, "    - /srv/x  # 1 hit");
	policy_free(p);
	policy_free(base);
	free(text);
	learn_free(l);
}

static void test_filters_and_json_errors(void **state)
{
	struct learn_options o;
	struct learn *l;
	char err[128];

	(void)state;
	learn_options_default(&o);
	o.only_policy = "p";
	o.only_cgroup = "/w";
	l = learner(&o);
	assert_int_equal(learn_add_json(l, "{\"op\":\"fork\",\"policy\":\"q\",\"cgroup\":\"/w\"}",
					err, sizeof(err)),
			 0);
	assert_int_equal(learn_add_json(l, "{\"op\":\"fork\",\"policy\":\"p\",\"cgroup\":\"/wx\"}",
					err, sizeof(err)),
			 0);
	assert_int_equal(learn_add_json(l, "{\"op\":\"fork\",\"policy\":\"p\",\"cgroup\":\"/w/a\"}",
					err, sizeof(err)),
			 0);
	assert_int_equal(learn_add_json(l, "  \n", err, sizeof(err)), 0);
	assert_int_equal(learn_events(l), 1);
	assert_int_equal(learn_skipped(l), 2);

	assert_int_equal(learn_add_json(l, "2026-11-29T00:00:00Z deny fs.read", err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "not a JSON object");
	assert_int_equal(learn_add_json(l, "{\"op\":\"fork\"", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "expected ',' or '}'");
	assert_int_equal(learn_add_json(l, "{\"pid\":1}", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "no \"op\" field: not a warden event");
	assert_int_equal(learn_add_json(l, "{\"op\":\"fs.read\",\"path\":\"/a\\u0000b\"}", err,
					sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "a string holds a NUL or a lone surrogate");
	assert_int_equal(learn_add_json(l, "{\"op\":\"x\"} trailing", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "text after the object");
	learn_free(l);
}

static void test_dropped(void **state)
{
	struct learn *l = learner(NULL);
	char *text;

	(void)state;
	learn_set_dropped(l, 12);
	text = write_out(l, NULL, NULL);
	policy_free(parse_back(text));
	assert_non_null(strstr(text, "# warning: 12 events were dropped while learning"));
	assert_non_null(strstr(learn_warning(l, 0), "learn again with --merge"));
	free(text);
	learn_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grouping),
		cmocka_unit_test(test_grouping_options),
		cmocka_unit_test(test_writes_and_temp_dirs),
		cmocka_unit_test(test_paths_no_rule_can_hold),
		cmocka_unit_test(test_net),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_base),
		cmocka_unit_test(test_filters_and_json_errors),
		cmocka_unit_test(test_dropped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
