// SPDX-License-Identifier: GPL-2.0
/* The daemon's metrics: --metrics ADDR:PORT and the Prometheus text format. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>
#include "metrics.h"

static void test_parse_addr(void **state)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	char buf[64];
	static const char *const bad[] = {
		"x",
		"127.0.0.1",
		"127.0.0.1:",
		":",
		"127.0.0.1:0",
		"1.2.3.4:65536",
		"1.2.3.4:9x",
		"1.2.3.4:-1",
		"localhost:9000",
		"::1:9000",
		"[::1]9000",
		"[::1]:",
		"[1.2.3.4]:9000",
		"[::1:9000",
		"1.2.3.4:123456",
		"300.1.1.1:80",
	};

	(void)state;
	assert_int_equal(metrics_parse_addr("127.0.0.1:9464", &ss, &len), 0);
	assert_int_equal(a4->sin_family, AF_INET);
	assert_int_equal(ntohs(a4->sin_port), 9464);
	assert_int_equal(len, sizeof(*a4));
	assert_string_equal(inet_ntop(AF_INET, &a4->sin_addr, buf, sizeof(buf)), "127.0.0.1");

	assert_int_equal(metrics_parse_addr(":65535", &ss, &len), 0);
	assert_int_equal(a4->sin_family, AF_INET);
	assert_int_equal(a4->sin_addr.s_addr, htonl(INADDR_ANY));
	assert_int_equal(ntohs(a4->sin_port), 65535);

	assert_int_equal(metrics_parse_addr("[::1]:9000", &ss, &len), 0);
	assert_int_equal(a6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(a6->sin6_port), 9000);
	assert_int_equal(len, sizeof(*a6));
	assert_string_equal(inet_ntop(AF_INET6, &a6->sin6_addr, buf, sizeof(buf)), "::1");

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (metrics_parse_addr(bad[i], &ss, &len) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
	}
}

static char *render(const struct metrics_snapshot *s)
{
	static char buf[16384];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	metrics_render(f, s);
	fclose(f);
	return buf;
}

static const struct metrics_policy policies[] = {
	{ .name = "web",
	  .mode = "enforce",
	  .generation = 7,
	  .allowed = 9,
	  .cached = 5,
	  .ops = { { "fs.read", 3, 0 }, { "exec", 0, 0 } },
	  .nops = 2,
	  .dropped = 1,
	  .cgroups = 2 },
	{ .name = "web",
	  .mode = "candidate",
	  .generation = 8,
	  .allowed = 9,
	  .cached = 5,
	  .ops = { { "exec", 0, 4 } },
	  .nops = 1 },
	{ .name = "we\"ird\\",
	  .mode = "audit",
	  .generation = 9,
	  .ops = { { "net.connect", 0, 6 } },
	  .nops = 1 },
};

static const struct metrics_program programs[] = {
	{ .name = "warden_file_open", .run_cnt = 10, .run_time_ns = 1500000000 },
};

static const struct metrics_event_count events[] = {
	{ .policy = "web", .op = "fs.read", .action = "deny", .n = 2 },
	{ .policy = "web", .op = "exec", .action = "would-deny", .n = 4 },
};

static void test_render(void **state)
{
	struct metrics_snapshot s = {
		.version = "v1-2-gabc",
		.attached = 1,
		.stats_enabled = 1,
		.policies = policies,
		.npolicies = 3,
		.programs = programs,
		.nprograms = 1,
		.events = events,
		.nevents = 2,
		.sync = { .done = 1, .ok = 1, .time = 1795718401.5, .total = 3, .failed = 1 },
	};
	static const char *const want[] = {
		"# HELP warden_build_info The warden build serving these metrics.\n"
		"# TYPE warden_build_info gauge\n"
		"warden_build_info{version=\"v1-2-gabc\"} 1\n",
		"\nwarden_programs_attached 1\n",
		"# TYPE warden_policies gauge\nwarden_policies{mode=\"enforce\"} 1\n"
		"warden_policies{mode=\"audit\"} 1\nwarden_policies{mode=\"candidate\"} 1\n",
		"\nwarden_policy_generation{policy=\"web\",mode=\"enforce\"} 7\n"
		"warden_policy_generation{policy=\"web\",mode=\"candidate\"} 8\n"
		"warden_policy_generation{policy=\"we\\\"ird\\\\\",mode=\"audit\"} 9\n",
		"\nwarden_cgroups_bound{policy=\"web\",candidate=\"false\"} 2\n"
		"warden_cgroups_bound{policy=\"we\\\"ird\\\\\",candidate=\"false\"} 0\n#",
		"# TYPE warden_decisions_total counter\n"
		"warden_decisions_total{policy=\"web\",candidate=\"false\",op=\"fs.read\",action=\"deny\"} 3\n"
		"warden_decisions_total{policy=\"web\",candidate=\"false\",op=\"fs.read\",action=\"audit\"} 0\n"
		"warden_decisions_total{policy=\"web\",candidate=\"false\",op=\"exec\",action=\"deny\"} 0\n"
		"warden_decisions_total{policy=\"web\",candidate=\"false\",op=\"exec\",action=\"audit\"} 0\n"
		"warden_decisions_total{policy=\"web\",candidate=\"true\",op=\"exec\",action=\"would-deny\"} 4\n"
		"warden_decisions_total{policy=\"we\\\"ird\\\\\",candidate=\"false\",op=\"net.connect\",action=\"deny\"} 0\n"
		"warden_decisions_total{policy=\"we\\\"ird\\\\\",candidate=\"false\",op=\"net.connect\",action=\"audit\"} 6\n",
		"\nwarden_cached_allows_total{policy=\"web\",candidate=\"false\"} 5\n"
		"warden_cached_allows_total{policy=\"web\",candidate=\"true\"} 5\n",
		"\nwarden_events_dropped_total{policy=\"web\",candidate=\"false\"} 1\n",
		"\nwarden_events_total{policy=\"web\",op=\"fs.read\",action=\"deny\"} 2\n"
		"warden_events_total{policy=\"web\",op=\"exec\",action=\"would-deny\"} 4\n",
		"\nwarden_bpf_stats_enabled 1\n",
		"\nwarden_program_runs_total{program=\"warden_file_open\"} 10\n",
		"\nwarden_program_run_seconds_total{program=\"warden_file_open\"} 1.500000000\n",
		"\nwarden_last_sync_success 1\n",
		"\nwarden_last_sync_timestamp_seconds 1795718401.500\n",
		"\nwarden_last_sync_invalid_files 0\n",
		"\nwarden_syncs_total 3\n",
		"\nwarden_sync_failures_total 1\n",
	};
	char *out;

	(void)state;
	out = render(&s);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		if (!strstr(out, want[i]))
			fail_msg("no\n%s\nin\n%s", want[i], out);
	}

	/* bpf_stats off and nothing counted: no program series, the families still declared */
	s.stats_enabled = 0;
	s.nprograms = 0;
	out = render(&s);
	assert_non_null(strstr(out, "\nwarden_bpf_stats_enabled 0\n"));
	assert_null(strstr(out, "warden_program_runs_total{"));
	assert_non_null(strstr(out, "# TYPE warden_program_runs_total counter\n"));
}

static void test_health(void **state)
{
	struct metrics_snapshot s = { .attached = 1, .sync = { .done = 1, .ok = 1 } };
	char why[128];

	(void)state;
	assert_int_equal(metrics_health(&s, why, sizeof(why)), 1);
	s.sync.ok = 0;
	assert_int_equal(metrics_health(&s, why, sizeof(why)), 0);
	assert_string_equal(why, "the last sync of the policy directory failed");
	s.sync.done = 0;
	assert_int_equal(metrics_health(&s, why, sizeof(why)), 0);
	assert_string_equal(why, "the policy directory has not been synced yet");
	s.attached = 0;
	assert_int_equal(metrics_health(&s, why, sizeof(why)), 0);
	assert_string_equal(why, "the BPF programs are not attached");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_addr),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_health),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
