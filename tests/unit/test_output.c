// SPDX-License-Identifier: GPL-2.0
/* Text and JSON output of events. */
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
#include "output.h"

static char *capture(void (*fn)(FILE *, const void *), const void *arg)
{
	static char buf[8192];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	fn(f, arg);
	fclose(f);
	return buf;
}

static void json_string(FILE *f, const void *s)
{
	output_json_string(f, s);
}

static void test_json_escaping(void **state)
{
	(void)state;
	assert_string_equal(capture(json_string, "plain"), "\"plain\"");
	assert_string_equal(capture(json_string, "a\"b\\c"), "\"a\\\"b\\\\c\"");
	assert_string_equal(capture(json_string, "tab\there\nnl"), "\"tab\\there\\nnl\"");
	assert_string_equal(capture(json_string, "\x01\x1f\x7f"), "\"\\u0001\\u001f\\u007f\"");
	assert_string_equal(capture(json_string, "caf\xc3\xa9"), "\"caf\xc3\xa9\"");
}

static void rfc3339(FILE *f, const void *ts)
{
	output_rfc3339(f, ts);
}

static void test_rfc3339(void **state)
{
	struct timespec ts = { .tv_sec = 1795718401, .tv_nsec = 5 };

	(void)state;
	assert_string_equal(capture(rfc3339, &ts), "2026-11-26T18:40:01.000000005Z");
}

static struct warden_event *sample(void)
{
	static struct warden_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.pid = 10;
	ev.tid = 11;
	ev.ppid = 1;
	ev.uid = 1000;
	ev.action = WARDEN_ACTION_DENY;
	ev.op = WARDEN_OP_FS_READ;
	ev.reason = WARDEN_REASON_RULE;
	memcpy(ev.comm, "0123456789abcdef", 16); /* full: not NUL-terminated */
	return &ev;
}

static void event_json(FILE *f, const void *v)
{
	output_event_json(f, v);
}

static void event_text(FILE *f, const void *v)
{
	output_event_text(f, v);
}

static void test_event_json(void **state)
{
	struct event_view v = { .raw = sample(),
				.op = "fs.read",
				.action = "deny",
				.reason = "rule",
				.path = "/etc/\"x\"" };

	(void)state;
	strcpy(v.policy, "web");
	strcpy(v.cgroup, "/a/b");
	strcpy(v.exe, "/usr/bin/cat");
	assert_string_equal(
		capture(event_json, &v),
		"{\"ts\":\"1970-01-01T00:00:00.000000000Z\",\"action\":\"deny\",\"op\":\"fs.read\",\"policy\":\"web\",\"cgroup\":\"/a/b\",\"pid\":10,\"tid\":11,\"ppid\":1,\"uid\":1000,\"comm\":\"0123456789abcdef\",\"exe\":\"/usr/bin/cat\",\"path\":\"/etc/\\\"x\\\"\",\"reason\":\"rule\"}\n");
}

static void test_event_text_unresolved(void **state)
{
	struct event_view v = { .raw = sample(),
				.op = "fs.read",
				.action = "deny",
				.reason = "unresolved",
				.path = "" };

	(void)state;
	v.raw = sample();
	((struct warden_event *)v.raw)->reason = WARDEN_REASON_UNRESOLVED;
	((struct warden_event *)v.raw)->error = -36;
	strcpy(v.policy, "web");
	strcpy(v.cgroup, "/a");
	assert_string_equal(
		capture(event_text, &v),
		"1970-01-01T00:00:00.000000000Z deny fs.read policy=web cgroup=/a pid=10 comm=0123456789abcdef path= reason=unresolved error=File name too long\n");
}

static void test_event_tamper(void **state)
{
	struct event_view v = {
		.raw = sample(), .op = "tamper", .action = "deny", .reason = "rule"
	};
	struct warden_event *raw = (struct warden_event *)v.raw;

	(void)state;
	raw->op = WARDEN_OP_TAMPER;
	raw->what = WARDEN_TAMPER_DAEMON;
	raw->target_pid = 77;
	strcpy(v.policy, "web");
	strcpy(v.cgroup, "/a");
	assert_string_equal(
		capture(event_json, &v),
		"{\"ts\":\"1970-01-01T00:00:00.000000000Z\",\"action\":\"deny\",\"op\":\"tamper\",\"policy\":\"web\",\"cgroup\":\"/a\",\"pid\":10,\"tid\":11,\"ppid\":1,\"uid\":1000,\"comm\":\"0123456789abcdef\",\"exe\":\"\",\"what\":\"daemon\",\"target\":77,\"reason\":\"rule\"}\n");
	assert_string_equal(
		capture(event_text, &v),
		"1970-01-01T00:00:00.000000000Z deny tamper policy=web cgroup=/a pid=10 comm=0123456789abcdef what=daemon target=77\n");
}

/* An exec of an interpreter names the program it was opened for. */
static void test_event_exec_program(void **state)
{
	struct event_view v = { .raw = sample(),
				.op = "exec",
				.action = "deny",
				.reason = "default",
				.path = "/usr/bin/perl",
				.program = "/srv/job.pl" };

	(void)state;
	((struct warden_event *)v.raw)->op = WARDEN_OP_EXEC;
	((struct warden_event *)v.raw)->reason = WARDEN_REASON_DEFAULT;
	strcpy(v.policy, "web");
	strcpy(v.cgroup, "/a");
	assert_string_equal(
		capture(event_json, &v),
		"{\"ts\":\"1970-01-01T00:00:00.000000000Z\",\"action\":\"deny\",\"op\":\"exec\",\"policy\":\"web\",\"cgroup\":\"/a\",\"pid\":10,\"tid\":11,\"ppid\":1,\"uid\":1000,\"comm\":\"0123456789abcdef\",\"exe\":\"\",\"path\":\"/usr/bin/perl\",\"program\":\"/srv/job.pl\",\"reason\":\"default\"}\n");
	assert_string_equal(
		capture(event_text, &v),
		"1970-01-01T00:00:00.000000000Z deny exec policy=web cgroup=/a pid=10 comm=0123456789abcdef path=/usr/bin/perl program=/srv/job.pl reason=default\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_escaping),
		cmocka_unit_test(test_rfc3339),
		cmocka_unit_test(test_event_json),
		cmocka_unit_test(test_event_text_unresolved),
		cmocka_unit_test(test_event_exec_program),
		cmocka_unit_test(test_event_tamper),
	};

	return cmocka_run_group_tests_name("output", tests, NULL, NULL);
}
