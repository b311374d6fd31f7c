// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: one network address rule (policy_parse_net_rule), then the rule set it
 * makes (policy_compile_net). An accepted rule must be well formed, print back to a rule that
 * parses to the same value, and compile into entries that carry it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The rule in the forms docs/policy.md gives, which must parse back to the same rule. */
static void format_rule(const struct policy_net_rule *r, char *buf, size_t size)
{
	char addr[INET6_ADDRSTRLEN] = "";
	const char *proto = r->proto == IPPROTO_TCP ? "/tcp" :
			    r->proto == IPPROTO_UDP ? "/udp" :
						      "";

	if (r->family)
		inet_ntop(r->family, r->addr, addr, sizeof(addr));
	if (!r->family)
		snprintf(buf, size, "%u-%u%s", r->port_lo, r->port_hi, proto);
	else if (r->family == AF_INET)
		snprintf(buf, size, "%s/%d:%u-%u%s", addr, r->prefix, r->port_lo, r->port_hi,
			 proto);
	else
		snprintf(buf, size, "[%s/%d]:%u-%u%s", addr, r->prefix, r->port_lo, r->port_hi,
			 proto);
}

static void check_rule(const struct policy_net_rule *r)
{
	int max = r->family == AF_INET ? 32 : 128;

	if (r->family != 0 && r->family != AF_INET && r->family != AF_INET6)
		abort();
	if (r->port_lo > r->port_hi)
		abort();
	if (r->proto != 0 && r->proto != IPPROTO_TCP && r->proto != IPPROTO_UDP)
		abort();
	if (!r->family) {
		for (int i = 0; i < 16; i++)
			if (r->addr[i])
				abort();
		return;
	}
	if (r->prefix < 0 || r->prefix > max)
		abort();
	for (int bit = r->prefix; bit < 128; bit++)
		if (r->addr[bit / 8] & (0x80 >> (bit % 8)))
			abort();
	/* an IPv4-mapped IPv6 network is stored as the IPv4 network it is */
	if (r->family == AF_INET6 && r->prefix >= 96) {
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

		if (!memcmp(r->addr, mapped, 12))
			abort();
	}
}

static int same_rule(const struct policy_net_rule *a, const struct policy_net_rule *b)
{
	return a->family == b->family && !memcmp(a->addr, b->addr, 16) &&
	       (!a->family || a->prefix == b->prefix) && a->port_lo == b->port_lo &&
	       a->port_hi == b->port_hi && a->proto == b->proto;
}

/* Compile the rule alone, as an allow and as a deny rule, for both operations. */
static void check_compile(struct policy_net_rule *r)
{
	struct policy p = { 0 };
	struct policy_net_entry *e;
	char err[256];
	size_t n;

	r->text = (char *)"fuzz";
	p.name.s = (char *)"fuzz";
	p.connect.allow = (struct policy_net_rules){ r, 1 };
	p.bind.deny = (struct policy_net_rules){ r, 1 };
	for (int op = WARDEN_NET_CONNECT; op <= WARDEN_NET_BIND; op++) {
		if (policy_compile_net(&p, op, &e, &n, err, sizeof(err)))
			abort();
		/* one entry per family the rule covers, carrying exactly the rule */
		if (n != (r->family ? 1u : 2u))
			abort();
		for (size_t i = 0; i < n; i++) {
			const struct warden_port_range *pr = &e[i].rule.r[0];

			if (e[i].rule.n != 1 || pr->lo != r->port_lo || pr->hi != r->port_hi ||
			    pr->proto != r->proto || pr->deny != (op == WARDEN_NET_BIND))
				abort();
			if (r->family &&
			    (e[i].prefix != r->prefix || memcmp(e[i].addr, r->addr, 16)))
				abort();
			if (e[i].family != 4 && e[i].family != 6)
				abort();
		}
		free(e);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_net_rule r, again;
	char *text, err[160], buf[160];

	if (size > 256)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	err[0] = 0;
	if (policy_parse_net_rule(text, &r, err, sizeof(err))) {
		/* a refusal always says why */
		if (!err[0] || !memchr(err, 0, sizeof(err)))
			abort();
		free(text);
		return 0;
	}
	check_rule(&r);
	format_rule(&r, buf, sizeof(buf));
	if (policy_parse_net_rule(buf, &again, err, sizeof(err)) || !same_rule(&r, &again)) {
		fprintf(stderr,
			"'%s' parsed, but its form '%s' does not parse back the same (%s)\n", text,
			buf, err);
		abort();
	}
	check_compile(&r);
	free(text);
	return 0;
}
