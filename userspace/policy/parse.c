// SPDX-License-Identifier: GPL-2.0
/* YAML policy files -> struct policy. The schema is documented in docs/policy.md. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "policy.h"

struct parser {
	const char *file;
	yaml_document_t *doc;
	struct policy_diags *diags;
	int errors;
	int nomem; /* an allocation failed: the policy read so far is incomplete */
};

static int line_of(const yaml_node_t *n)
{
	return (int)n->start_mark.line + 1;
}

static int column_of(const yaml_node_t *n)
{
	return (int)n->start_mark.column + 1;
}

#define parse_error(ps, node, ...)                                                        \
	do {                                                                              \
		policy_diags_add((ps)->diags, (ps)->file, line_of(node), column_of(node), \
				 __VA_ARGS__);                                            \
		(ps)->errors++;                                                           \
	} while (0)

static const char *scalar(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static const char *node_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return "a scalar";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "empty";
	}
}

static int strs_add(struct policy_strs *l, const char *s, const yaml_node_t *n)
{
	struct policy_str *v = l->v;
	size_t cap = l->n < 8 ? 8 : 2 * l->n;

	if (l->n >=
	    l->cap) { /* grown by doubling: a list of 10,000 paths is not copied 10,000 times */
		v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	v[l->n].s = strdup(s);
	if (!v[l->n].s)
		return -ENOMEM;
	v[l->n].line = line_of(n);
	v[l->n].column = column_of(n);
	l->n++;
	return 0;
}

static void strs_free(struct policy_strs *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].s);
	free(l->v);
}

/*
 * An absolute, normalized path: no empty, "." or ".." components, since rules are matched
 * against the resolved path the kernel reports. A trailing '/' is kept: it makes the rule a
 * directory rule.
 */
static int check_path(struct parser *ps, const yaml_node_t *n, const char *what, const char *s)
{
	const char *bad;
	const char *c = s;
	size_t len = strlen(s);

	if (s[0] != '/') {
		parse_error(ps, n, "%s '%s' is not an absolute path", what, s);
		return -EINVAL;
	}
	if (len >= 4096) {
		parse_error(ps, n, "%s is %zu bytes long; the limit is 4095", what, len);
		return -EINVAL;
	}
	while (*c) {
		const char *next = strchr(c + 1, '/');
		size_t clen = next ? (size_t)(next - c - 1) : strlen(c + 1);

		if (clen > 255) {
			parse_error(ps, n, "%s '%s' has a component of %zu bytes; the limit is 255",
				    what, s, clen);
			return -EINVAL;
		}
		if ((clen == 0 && next) || (clen == 1 && c[1] == '.') ||
		    (clen == 2 && c[1] == '.' && c[2] == '.')) {
			parse_error(ps, n,
				    "%s '%s' is not normalized (empty, '.' or '..' component)",
				    what, s);
			return -EINVAL;
		}
		if (!next)
			break;
		c = next;
	}
	bad = strpbrk(s, "?[") ? "'?' and '[' are not wildcards here" :
	      strstr(s, "***") ? "'***' is not a wildcard" :
				 NULL;
	if (bad) {
		parse_error(ps, n,
			    "%s '%s': %s; use * (within a component) or ** (across components)",
			    what, s, bad);
		return -EINVAL;
	}
	return 0;
}

/* A list of paths (a single scalar is taken as a one-element list). */
static void parse_paths(struct parser *ps, const yaml_node_t *n, const char *what,
			struct policy_strs *out)
{
	yaml_node_item_t *item;

	if (n->type == YAML_SCALAR_NODE) {
		if (!check_path(ps, n, what, scalar(n)) && strs_add(out, scalar(n), n))
			ps->nomem = 1;
		return;
	}
	if (n->type != YAML_SEQUENCE_NODE) {
		parse_error(ps, n, "'%s' must be a list of paths, not %s", what, node_kind(n));
		return;
	}
	for (item = n->data.sequence.items.start; item < n->data.sequence.items.top; item++) {
		const yaml_node_t *e = yaml_document_get_node(ps->doc, *item);

		if (!e || e->type != YAML_SCALAR_NODE) {
			parse_error(ps, e ? e : n, "'%s' entries must be paths, not %s", what,
				    e ? node_kind(e) : "empty");
			continue;
		}
		if (!check_path(ps, e, what, scalar(e)) && strs_add(out, scalar(e), e))
			ps->nomem = 1;
	}
}

static int parse_default(struct parser *ps, const yaml_node_t *n, const char *what, int *ret_deny)
{
	const char *s = scalar(n);

	if (s && !strcmp(s, "allow")) {
		*ret_deny = 0;
		return 0;
	}
	if (s && !strcmp(s, "deny")) {
		*ret_deny = 1;
		return 0;
	}
	parse_error(ps, n, "'%s' must be 'allow' or 'deny'%s%s%s", what, s ? ", not '" : "",
		    s ? s : "", s ? "'" : "");
	return -EINVAL;
}

/*
 * Walk a mapping, rejecting duplicate keys and keys not in names; fn is called for each known
 * key with its index in names.
 */
typedef void (*key_fn)(struct parser *ps, int key, const yaml_node_t *value, void *ctx);

static void parse_mapping(struct parser *ps, const yaml_node_t *n, const char *what,
			  const char *const *names, key_fn fn, void *ctx)
{
	unsigned long long seen = 0;
	yaml_node_pair_t *pair;

	if (n->type != YAML_MAPPING_NODE) {
		parse_error(ps, n, "'%s' must be a mapping, not %s", what, node_kind(n));
		return;
	}
	for (pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++) {
		const yaml_node_t *k = yaml_document_get_node(ps->doc, pair->key);
		const yaml_node_t *v = yaml_document_get_node(ps->doc, pair->value);
		const char *key = k ? scalar(k) : NULL;
		int i;

		if (!key) {
			parse_error(ps, k ? k : n, "keys in '%s' must be plain words", what);
			continue;
		}
		for (i = 0; names[i]; i++)
			if (!strcmp(names[i], key))
				break;
		if (!names[i]) {
			parse_error(ps, k, "unknown key '%s' in '%s'", key, what);
			continue;
		}
		if (seen & (1ULL << i)) {
			parse_error(ps, k, "duplicate key '%s' in '%s'", key, what);
			continue;
		}
		seen |= 1ULL << i;
		fn(ps, i, v, ctx);
	}
}

enum { FS_DEFAULT, FS_READ, FS_WRITE, FS_DENY, FS_DENY_READ, FS_DENY_WRITE };
static const char *const fs_keys[] = { "default",   "read",	  "write", "deny",
				       "deny_read", "deny_write", NULL };

static void fs_key(struct parser *ps, int key, const yaml_node_t *v, void *ctx)
{
	struct policy_fs *fs = ctx;

	switch (key) {
	case FS_DEFAULT:
		parse_default(ps, v, "fs.default", &fs->default_deny);
		break;
	case FS_READ:
		parse_paths(ps, v, "fs.read", &fs->read);
		break;
	case FS_WRITE:
		parse_paths(ps, v, "fs.write", &fs->write);
		break;
	case FS_DENY:
		parse_paths(ps, v, "fs.deny", &fs->deny);
		break;
	case FS_DENY_READ:
		parse_paths(ps, v, "fs.deny_read", &fs->deny_read);
		break;
	case FS_DENY_WRITE:
		parse_paths(ps, v, "fs.deny_write", &fs->deny_write);
		break;
	}
}

static int valid_name(const char *s)
{
	size_t len = strlen(s);

	if (len < 1 || len > 63)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._-") == len;
}

enum { FILES_DEFAULT, FILES_ALLOW, FILES_DENY };
static const char *const files_keys[] = { "default", "allow", "deny", NULL };

/*
 * A {default, allow, deny} section: exec and libraries hold paths, net.connect and net.bind
 * addresses; parse_list reads one list of either into the allow or deny member.
 */
struct rules_ctx {
	const char *what;
	int *default_deny;
	void *allow;
	void *deny;
	void (*parse_list)(struct parser *ps, const yaml_node_t *n, const char *what, void *out);
};

static void rules_key(struct parser *ps, int key, const yaml_node_t *v, void *ctx)
{
	struct rules_ctx *c = ctx;
	char what[64];

	snprintf(what, sizeof(what), "%s.%s", c->what, files_keys[key]);
	switch (key) {
	case FILES_DEFAULT:
		parse_default(ps, v, what, c->default_deny);
		break;
	case FILES_ALLOW:
		c->parse_list(ps, v, what, c->allow);
		break;
	case FILES_DENY:
		c->parse_list(ps, v, what, c->deny);
		break;
	}
}

static void parse_path_list(struct parser *ps, const yaml_node_t *n, const char *what, void *out)
{
	parse_paths(ps, n, what, out);
}

static int net_rules_add(struct policy_net_rules *l, const struct policy_net_rule *r)
{
	struct policy_net_rule *v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	l->v = v;
	v[l->n] = *r;
	v[l->n].text = strdup(r->text);
	if (!v[l->n].text)
		return -ENOMEM;
	l->n++;
	return 0;
}

/*
 * An abstract unix socket name, "@name": connect rules only, at most 107 bytes after the '@'
 * (sun_path less its leading NUL), '*' and '**' as in paths.
 */
static int check_abstract_name(struct parser *ps, const yaml_node_t *n, const char *what)
{
	const char *s = scalar(n);
	size_t len = strlen(s);

	if (strncmp(what, "net.connect", 11)) {
		parse_error(ps, n, "%s '%s': abstract unix socket names are judged on connect only",
			    what, s);
		return -EINVAL;
	}
	if (len < 2 || len > 108) {
		parse_error(ps, n, "%s '%s': an abstract socket name has 1 to 107 bytes after '@'",
			    what, s);
		return -EINVAL;
	}
	if (strpbrk(s, "?[") || strstr(s, "***")) {
		parse_error(ps, n, "%s '%s': only * and ** are wildcards", what, s);
		return -EINVAL;
	}
	return 0;
}

static void parse_net_rules(struct parser *ps, const yaml_node_t *n, const char *what,
			    struct policy_net_rules *out)
{
	yaml_node_item_t *item;
	const yaml_node_t *single[1] = { n };
	size_t count = 1, i;

	if (n->type == YAML_SEQUENCE_NODE)
		count = n->data.sequence.items.top - n->data.sequence.items.start;
	else if (n->type != YAML_SCALAR_NODE) {
		parse_error(ps, n, "'%s' must be a list of addresses, not %s", what, node_kind(n));
		return;
	}
	for (i = 0; i < count; i++) {
		const yaml_node_t *e = single[0];
		struct policy_net_rule rule = { 0 };
		char err[160];

		if (n->type == YAML_SEQUENCE_NODE) {
			item = n->data.sequence.items.start + i;
			e = yaml_document_get_node(ps->doc, *item);
		}
		if (!e || e->type != YAML_SCALAR_NODE) {
			parse_error(ps, e ? e : n, "'%s' entries must be addresses, not %s", what,
				    e ? node_kind(e) : "empty");
			continue;
		}
		if (scalar(e)[0] == '@') {
			if (!check_abstract_name(ps, e, what))
				strs_add(&out->names, scalar(e), e);
			continue;
		}
		if (policy_parse_net_rule(scalar(e), &rule, err, sizeof(err))) {
			parse_error(ps, e, "%s '%s': %s", what, scalar(e), err);
			continue;
		}
		rule.text = (char *)scalar(e);
		rule.line = line_of(e);
		rule.column = column_of(e);
		if (net_rules_add(out, &rule))
			ps->nomem = 1;
	}
}

static void parse_net_list(struct parser *ps, const yaml_node_t *n, const char *what, void *out)
{
	parse_net_rules(ps, n, what, out);
}

enum { NET_CONNECT, NET_BIND };
static const char *const net_keys[] = { "connect", "bind", NULL };

static void net_key(struct parser *ps, int key, const yaml_node_t *v, void *ctx)
{
	struct policy *p = ctx;
	struct policy_net *net = key == NET_CONNECT ? &p->connect : &p->bind;
	struct rules_ctx c = { key == NET_CONNECT ? "net.connect" : "net.bind", &net->default_deny,
			       &net->allow, &net->deny, parse_net_list };

	parse_mapping(ps, v, c.what, files_keys, rules_key, &c);
}

enum {
	PROCESS_FORK,
	PROCESS_PTRACE,
	PROCESS_NAMESPACES,
	PROCESS_FILE_HANDLES,
	PROCESS_EXEC_MEMORY,
	PROCESS_SIGNAL
};
static const char *const process_keys[] = { "fork",	   "ptrace", "namespaces", "file_handles",
					    "exec_memory", "signal", NULL };

static void process_key(struct parser *ps, int key, const yaml_node_t *v, void *ctx)
{
	static const char *const what[] = { "process.fork",	   "process.ptrace",
					    "process.namespaces",  "process.file_handles",
					    "process.exec_memory", "process.signal" };
	struct policy *p = ctx;
	int *out[] = { &p->fork_deny,	 &p->ptrace_deny,      &p->namespaces_deny,
		       &p->handles_deny, &p->exec_memory_deny, &p->signal_deny };

	parse_default(ps, v, what[key], out[key]);
}

enum { TOP_NAME, TOP_MODE, TOP_CGROUPS, TOP_FS, TOP_EXEC, TOP_LIBRARIES, TOP_NET, TOP_PROCESS };
static const char *const top_keys[] = { "name",	     "mode", "cgroups", "fs", "exec",
					"libraries", "net",  "process", NULL };

static void top_key(struct parser *ps, int key, const yaml_node_t *v, void *ctx)
{
	struct policy *p = ctx;
	const char *s = scalar(v);
	size_t before;

	switch (key) {
	case TOP_NAME:
		if (!s || !valid_name(s)) {
			parse_error(
				ps, v,
				"name '%s' must be 1 to 63 characters of a-z, 0-9, '.', '_' and '-'",
				s ? s : node_kind(v));
			return;
		}
		if (!strncmp(s, "run.", 4)) {
			parse_error(ps, v, "name '%s': names starting with 'run.' are warden run's",
				    s);
			return;
		}
		p->name.s = strdup(s);
		if (!p->name.s)
			ps->nomem = 1;
		p->name.line = line_of(v);
		p->name.column = column_of(v);
		break;
	case TOP_MODE:
		if (s && !strcmp(s, "enforce"))
			p->audit = 0;
		else if (s && !strcmp(s, "audit"))
			p->audit = 1;
		else
			parse_error(ps, v, "mode must be 'enforce' or 'audit', not '%s'",
				    s ? s : node_kind(v));
		break;
	case TOP_CGROUPS:
		before = p->cgroups.n;
		parse_paths(ps, v, "cgroups", &p->cgroups);
		for (size_t i = before; i < p->cgroups.n; i++) {
			char *c = p->cgroups.v[i].s;
			size_t len = strlen(c);

			/* "/a/b/" and "/a/b" name the same cgroup */
			if (len > 1 && c[len - 1] == '/')
				c[--len] = 0;
			/* the kernel cuts the paths it reports at 1023 bytes: a path that long
			 * may be the start of a longer one */
			if (len >= WARDEN_CGROUP_PATH_MAX - 1) {
				policy_diags_add(ps->diags, ps->file, p->cgroups.v[i].line,
						 p->cgroups.v[i].column,
						 "cgroup path is %zu bytes long; the limit is %d",
						 len, WARDEN_CGROUP_PATH_MAX - 2);
				ps->errors++;
			}
		}
		break;
	case TOP_FS:
		parse_mapping(ps, v, "fs", fs_keys, fs_key, &p->fs);
		break;
	case TOP_EXEC:
	case TOP_LIBRARIES: {
		struct policy_files *f = key == TOP_EXEC ? &p->exec : &p->libraries;
		struct rules_ctx c = { key == TOP_EXEC ? "exec" : "libraries", &f->default_deny,
				       &f->allow, &f->deny, parse_path_list };

		parse_mapping(ps, v, c.what, files_keys, rules_key, &c);
		break;
	}
	case TOP_NET:
		parse_mapping(ps, v, "net", net_keys, net_key, p);
		break;
	case TOP_PROCESS:
		parse_mapping(ps, v, "process", process_keys, process_key, p);
		break;
	}
}

static void parse_document(struct parser *ps, struct policy *p)
{
	const yaml_node_t *root = yaml_document_get_root_node(ps->doc);
	const yaml_node_t *n;

	if (!root) {
		policy_diags_add(ps->diags, ps->file, 0, 0, "empty policy file");
		ps->errors++;
		return;
	}
	/* "\0" in a quoted string: C would see a shorter string than the file says */
	for (n = ps->doc->nodes.start; n < ps->doc->nodes.top; n++) {
		if (n->type == YAML_SCALAR_NODE &&
		    strlen((const char *)n->data.scalar.value) != n->data.scalar.length)
			parse_error(ps, n, "a string holds a NUL byte");
	}
	if (ps->errors)
		return;
	if (root->type != YAML_MAPPING_NODE) {
		parse_error(
			ps, root,
			"a policy must be a mapping of keys (name, mode, cgroups, fs, exec, libraries, net, process), not %s",
			node_kind(root));
		return;
	}
	parse_mapping(ps, root, "policy", top_keys, top_key, p);
	if (!p->name.s && !ps->errors && !ps->nomem)
		parse_error(ps, root, "missing required key 'name'");
}

static int parse_port_range(const char *s, struct policy_net_rule *r, char *err, size_t size)
{
	unsigned long lo, hi;
	char *end;

	if (!*s || !strchr("0123456789", *s)) {
		snprintf(err, size, "'%s' is not a port or port range", s);
		return -EINVAL;
	}
	lo = strtoul(s, &end, 10);
	hi = lo;
	if (*end == '-') {
		if (!strchr("0123456789", end[1]) || !end[1]) {
			snprintf(err, size, "'%s' is not a port range", s);
			return -EINVAL;
		}
		hi = strtoul(end + 1, &end, 10);
	}
	if (*end) {
		snprintf(err, size, "'%s' is not a port or port range", s);
		return -EINVAL;
	}
	if (lo > 65535 || hi > 65535) {
		snprintf(err, size, "port %lu is out of range (0-65535)", lo > 65535 ? lo : hi);
		return -EINVAL;
	}
	if (lo > hi) {
		snprintf(err, size, "port range %lu-%lu is backwards", lo, hi);
		return -EINVAL;
	}
	r->port_lo = lo;
	r->port_hi = hi;
	return 0;
}

/* "ADDR" or "ADDR/PREFIX", IPv4 or IPv6 (no brackets). */
static int parse_cidr(char *s, struct policy_net_rule *r, char *err, size_t size)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	char *slash = strchr(s, '/');
	int max;

	if (slash)
		*slash = 0;
	if (inet_pton(AF_INET, s, r->addr) == 1) {
		r->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, s, r->addr) == 1) {
		r->family = AF_INET6;
		max = 128;
	} else {
		snprintf(err, size, "'%s' is not an IPv4 or IPv6 address", s);
		return -EINVAL;
	}
	r->prefix = max;
	if (slash) {
		char *end;
		long v = strtol(slash + 1, &end, 10);

		/* digits only: strtol would also take " 8", "+8" and "-0" */
		if (!slash[1] || slash[strspn(slash + 1, "0123456789") + 1] || *end || v < 0 ||
		    v > max) {
			snprintf(err, size, "bad CIDR prefix '/%s' for an %s address (0-%d)",
				 slash + 1, max == 32 ? "IPv4" : "IPv6", max);
			return -EINVAL;
		}
		r->prefix = v;
	}
	/* ::ffff:a.b.c.d/p is a.b.c.d/(p - 96): judged as the IPv4 address it is */
	if (r->family == AF_INET6 && r->prefix >= 96 && !memcmp(r->addr, mapped, 12)) {
		memmove(r->addr, r->addr + 12, 4);
		memset(r->addr + 4, 0, 12);
		r->family = AF_INET;
		r->prefix -= 96;
	}
	/* the host bits of a network must be zero, so "10.0.0.1/8" is a mistake, not 10/8 */
	for (int bit = r->prefix; bit < max; bit++) {
		if (r->addr[bit / 8] & (0x80 >> (bit % 8))) {
			snprintf(err, size, "address has bits set beyond its /%d prefix",
				 r->prefix);
			return -EINVAL;
		}
	}
	return 0;
}

int policy_parse_net_rule(const char *text, struct policy_net_rule *r, char *err, size_t size)
{
	char buf[128], *s = buf, *colon, *port = NULL;
	size_t len = strlen(text);

	memset(r, 0, sizeof(*r));
	r->port_hi = 65535;
	if (len == 0 || len >= sizeof(buf)) {
		snprintf(err, size, "%s", len ? "too long" : "empty address");
		return -EINVAL;
	}
	memcpy(buf, text, len + 1);
	/* protocol suffix */
	if (len > 4 && (!strcmp(buf + len - 4, "/tcp") || !strcmp(buf + len - 4, "/udp"))) {
		r->proto = buf[len - 3] == 't' ? IPPROTO_TCP : IPPROTO_UDP;
		buf[len - 4] = 0;
	}
	if (buf[0] == '[') {
		char *close = strchr(buf, ']');

		if (!close) {
			snprintf(err, size, "missing ']'");
			return -EINVAL;
		}
		*close = 0;
		if (close[1] == ':')
			port = close + 2;
		else if (close[1]) {
			snprintf(err, size, "expected ':PORT' after ']'");
			return -EINVAL;
		}
		s = buf + 1;
	} else if (strspn(buf, "0123456789-") == strlen(buf)) {
		/* a port or range alone: any address of either family */
		return parse_port_range(buf, r, err, size);
	} else if (strchr(buf, '.') && (colon = strrchr(buf, ':')) && !strchr(colon + 1, '.')) {
		/* a.b.c.d[/p]:port, but not ::ffff:a.b.c.d */
		if (strchr(buf, ':') == colon) {
			*colon = 0;
			port = colon + 1;
		}
	}
	if (parse_cidr(s, r, err, size))
		return -EINVAL;
	if (port && parse_port_range(port, r, err, size))
		return -EINVAL;
	return 0;
}

/*
 * A YAML error: -ENOMEM when libyaml ran out of memory, else -EINVAL with its message. Some of
 * libyaml's allocation failures (a scalar's default tag, in its loader) fail without setting
 * an error at all.
 */
static int yaml_error(struct parser *ps, const yaml_parser_t *parser)
{
	if (parser->error == YAML_MEMORY_ERROR || parser->error == YAML_NO_ERROR)
		return -ENOMEM;
	ps->errors++;
	policy_diags_add(ps->diags, ps->file, (int)parser->problem_mark.line + 1,
			 (int)parser->problem_mark.column + 1, "invalid YAML: %s%s%s",
			 parser->problem ? parser->problem : "syntax error",
			 parser->context ? " " : "", parser->context ? parser->context : "");
	return -EINVAL;
}

static struct policy *policy_new(const char *file, const char *text, size_t len)
{
	struct policy *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->file = strdup(file);
	if (!p->file) {
		free(p);
		return NULL;
	}
	p->namespaces_deny = 1; /* tamper resistance is on unless the policy says otherwise */
	p->handles_deny = 1;
	p->source = malloc(len + 1);
	if (!p->source) {
		free(p->file);
		free(p);
		return NULL;
	}
	memcpy(p->source, text, len);
	p->source[len] = 0;
	p->source_len = len;
	p->source_hash = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < len; i++)
		p->source_hash = warden_hash_byte(p->source_hash, (__u8)text[i]);
	return p;
}

int policy_parse_string(const char *file, const char *text, size_t len, struct policy **ret_policy,
			struct policy_diags *diags)
{
	struct parser ps = { .file = file, .diags = diags };
	size_t ndiags = diags->n;
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	struct policy *p;
	int ret = 0;

	p = policy_new(file, text, len);
	if (!p) {
		ret = -ENOMEM;
		goto out;
	}
	if (!yaml_parser_initialize(&parser)) {
		ret = -ENOMEM;
		goto out;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		ret = yaml_error(&ps, &parser);
		goto out_parser;
	}
	ps.doc = &doc;
	parse_document(&ps, p);
	/* One policy per file: a second document is a mistake, not something to ignore. */
	if (!ps.errors && !ps.nomem) {
		if (!yaml_parser_load(&parser, &extra)) {
			ret = yaml_error(&ps, &parser);
		} else {
			if (yaml_document_get_root_node(&extra)) {
				policy_diags_add(
					diags, file, (int)extra.start_mark.line + 1,
					(int)extra.start_mark.column + 1,
					"a policy file holds one policy; found a second YAML document");
				ps.errors++;
			}
			yaml_document_delete(&extra);
		}
	}
	yaml_document_delete(&doc);
	if (!ret && ps.errors)
		ret = -EINVAL;
out_parser:
	yaml_parser_delete(&parser);
out:
	/* an allocation failed, or a diagnostic could not be recorded: each error adds one */
	if (ps.nomem || (ret == -EINVAL && diags->n - ndiags != (size_t)ps.errors))
		ret = -ENOMEM;
	if (ret) {
		if (ret == -ENOMEM)
			policy_diags_add(diags, file, 0, 0, "out of memory");
		policy_free(p);
		return ret;
	}
	*ret_policy = p;
	return 0;
}

int policy_parse_file(const char *file, struct policy **ret_policy, struct policy_diags *diags)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int ret;

	f = fopen(file, "re");
	if (!f) {
		ret = -errno;
		policy_diags_add(diags, file, 0, 0, "cannot open: %s", strerror(-ret));
		return ret;
	}
	{
		FILE *mem = open_memstream(&text, &len);
		char buf[65536];
		size_t n;

		if (!mem) {
			fclose(f);
			policy_diags_add(diags, file, 0, 0, "out of memory");
			return -ENOMEM;
		}
		ret = 0;
		while (!ret && (n = fread(buf, 1, sizeof(buf), f)) > 0)
			if (fwrite(buf, 1, n, mem) != n)
				ret = -ENOMEM; /* the memory stream could not grow */
		if (!ret && ferror(f))
			ret = -EIO;
		/* a stream that could not flush holds less than the file: never parse a part */
		if (fclose(mem) && !ret)
			ret = -ENOMEM;
	}
	fclose(f);
	if (ret) {
		policy_diags_add(diags, file, 0, 0, "cannot read: %s", strerror(-ret));
		free(text);
		return ret;
	}
	ret = policy_parse_string(file, text, len, ret_policy, diags);
	free(text);
	return ret;
}

static void net_rules_free(struct policy_net_rules *l)
{
	size_t i;

	strs_free(&l->names);
	for (i = 0; i < l->n; i++)
		free(l->v[i].text);
	free(l->v);
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	free(p->file);
	free(p->source);
	free(p->name.s);
	strs_free(&p->cgroups);
	strs_free(&p->fs.read);
	strs_free(&p->fs.write);
	strs_free(&p->fs.deny);
	strs_free(&p->fs.deny_read);
	strs_free(&p->fs.deny_write);
	strs_free(&p->exec.allow);
	strs_free(&p->exec.deny);
	strs_free(&p->libraries.allow);
	strs_free(&p->libraries.deny);
	net_rules_free(&p->connect.allow);
	net_rules_free(&p->connect.deny);
	net_rules_free(&p->bind.allow);
	net_rules_free(&p->bind.deny);
	free(p);
}

/* Patterns of different policies that can match one cgroup equally well (cgpattern.c). */
static int check_patterns(struct policy **policies, size_t n, struct policy_diags *diags)
{
	struct policy_cgroup_pattern v[WARDEN_CGROUP_PATTERNS];
	const struct policy_str *src[WARDEN_CGROUP_PATTERNS];
	struct policy_cgroup_automaton r;
	size_t np = 0, i, a;
	int err;

	for (i = 0; i < n; i++) {
		for (a = 0; a < policies[i]->cgroups.n; a++) {
			const struct policy_str *c = &policies[i]->cgroups.v[a];

			if (!policy_is_glob(c->s))
				continue;
			if (np == WARDEN_CGROUP_PATTERNS) {
				policy_diags_add(diags, policies[i]->file, c->line, c->column,
						 "more than %d cgroup patterns in all policies",
						 WARDEN_CGROUP_PATTERNS);
				return 1;
			}
			src[np] = c;
			v[np++] = (struct policy_cgroup_pattern){ c->s, (uint32_t)i };
		}
	}
	err = policy_cgroup_resolve(v, np, WARDEN_CGDFA_HALF, &r);
	if (err) {
		policy_diags_add(diags, policies[v[0].owner]->file, src[0]->line, src[0]->column,
				 err == -E2BIG ? "the cgroup patterns need more than %d automaton "
						 "states; use fewer or simpler patterns" :
						 "cannot compile the cgroup patterns (%d)",
				 err == -E2BIG ? WARDEN_CGDFA_HALF - 1 : err);
		return 1;
	}
	for (i = 0; i < r.nconflicts; i++) {
		size_t x = r.conflicts[i].b - 1, y = r.conflicts[i].a - 1;

		policy_diags_add(diags, policies[v[x].owner]->file, src[x]->line, src[x]->column,
				 "cgroup pattern '%s' and pattern '%s' of policy '%s' (%s:%d) can "
				 "match the same cgroup and are equally specific",
				 v[x].s, v[y].s, policies[v[y].owner]->name.s,
				 policies[v[y].owner]->file, src[y]->line);
	}
	err = r.nconflicts ? 1 : 0;
	policy_cgroup_automaton_free(&r);
	return err;
}

int policy_check_set(struct policy **policies, size_t n, struct policy_diags *diags)
{
	int errors = 0;
	size_t i, j, a, b;

	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++) {
			if (!strcmp(policies[i]->name.s, policies[j]->name.s)) {
				policy_diags_add(diags, policies[i]->file, policies[i]->name.line,
						 policies[i]->name.column,
						 "duplicate policy name '%s' (also in %s:%d)",
						 policies[i]->name.s, policies[j]->file,
						 policies[j]->name.line);
				errors++;
			}
		}
		for (a = 0; a < policies[i]->cgroups.n; a++) {
			const struct policy_str *c = &policies[i]->cgroups.v[a];

			for (j = 0; j <= i; j++) {
				size_t end = j == i ? a : policies[j]->cgroups.n;

				for (b = 0; b < end; b++) {
					const struct policy_str *o = &policies[j]->cgroups.v[b];

					if (strcmp(c->s, o->s))
						continue;
					policy_diags_add(
						diags, policies[i]->file, c->line, c->column,
						"cgroup '%s' is already bound to policy '%s' (%s:%d)",
						c->s, policies[j]->name.s, policies[j]->file,
						o->line);
					errors++;
				}
			}
		}
	}
	errors += check_patterns(policies, n, diags);
	return errors ? -EINVAL : 0;
}

int policy_peek_name(const char *file, char *buf, size_t size)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	FILE *f = fopen(file, "re");
	int ret = -ENOENT;

	if (!f)
		return -errno;
	if (!yaml_parser_initialize(&parser)) {
		fclose(f);
		return -ENOMEM;
	}
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		if (parser.error == YAML_MEMORY_ERROR || parser.error == YAML_NO_ERROR)
			ret = -ENOMEM;
	} else {
		root = yaml_document_get_root_node(&doc);
		if (root && root->type == YAML_MAPPING_NODE) {
			for (yaml_node_pair_t *pair = root->data.mapping.pairs.start;
			     pair < root->data.mapping.pairs.top; pair++) {
				yaml_node_t *k = yaml_document_get_node(&doc, pair->key);
				yaml_node_t *v = yaml_document_get_node(&doc, pair->value);

				if (k && v && k->type == YAML_SCALAR_NODE &&
				    v->type == YAML_SCALAR_NODE &&
				    !strcmp((const char *)k->data.scalar.value, "name")) {
					snprintf(buf, size, "%s",
						 (const char *)v->data.scalar.value);
					ret = 0;
				}
			}
		}
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	fclose(f);
	return ret;
}
