// SPDX-License-Identifier: GPL-2.0
/*
 * warden learn's generator: events -> what was used (counted) -> rules (grouped, less what an
 * old policy already allows) -> YAML. docs/learn.md describes every rule it follows.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "learn.h"

/* A set of strings, each with how often it was seen: open addressing, a power of two slots. */
struct count {
	char *key;
	uint64_t hits;
};

struct counts {
	struct count *v;
	size_t n;
	size_t cap;
};

static uint64_t str_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = warden_hash_byte(h, (__u8)*s);
	return h;
}

static struct count *counts_slot(const struct counts *c, const char *key)
{
	size_t i = str_hash(key) & (c->cap - 1);

	while (c->v[i].key && strcmp(c->v[i].key, key))
		i = (i + 1) & (c->cap - 1);
	return &c->v[i];
}

static int counts_grow(struct counts *c)
{
	struct counts bigger = { .cap = c->cap ? c->cap * 2 : 64 };
	size_t i;

	bigger.v = calloc(bigger.cap, sizeof(*bigger.v));
	if (!bigger.v)
		return -ENOMEM;
	for (i = 0; i < c->cap; i++)
		if (c->v[i].key)
			*counts_slot(&bigger, c->v[i].key) = c->v[i];
	bigger.n = c->n;
	free(c->v);
	*c = bigger;
	return 0;
}

static int counts_add(struct counts *c, const char *key, uint64_t hits)
{
	struct count *slot;

	if ((c->n + 1) * 2 > c->cap && counts_grow(c))
		return -ENOMEM;
	slot = counts_slot(c, key);
	if (!slot->key) {
		slot->key = strdup(key);
		if (!slot->key)
			return -ENOMEM;
		c->n++;
	}
	slot->hits += hits;
	return 0;
}

static uint64_t counts_get(const struct counts *c, const char *key)
{
	return c->cap ? counts_slot(c, key)->hits : 0;
}

static void counts_free(struct counts *c)
{
	for (size_t i = 0; i < c->cap; i++)
		free(c->v[i].key);
	free(c->v);
	memset(c, 0, sizeof(*c));
}

static int count_cmp(const void *a, const void *b)
{
	return strcmp(((const struct count *)a)->key, ((const struct count *)b)->key);
}

/* The entries, sorted by key (shallow copies: the keys stay the set's). */
static int counts_sorted(const struct counts *c, struct count **ret_v)
{
	struct count *v = malloc((c->n ? c->n : 1) * sizeof(*v));
	size_t i, n = 0;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < c->cap; i++)
		if (c->v[i].key)
			v[n++] = c->v[i];
	qsort(v, n, sizeof(*v), count_cmp);
	*ret_v = v;
	return 0;
}

/* What was used, by kind. */
enum {
	USE_READ,
	USE_WRITE,
	USE_EXEC,
	USE_LIB,
	USE_CONNECT, /* rule texts: "127.0.0.1:80/tcp", "@name" */
	USE_BIND,
	USE_EXACT, /* kernel switches and devices: only a rule naming exactly the file allows them */
	USE_REFUSED, /* tamper classes no policy allows ("mount"), with a path when there was one */
	USE_UNUSABLE, /* "op path" of paths no rule can name (" (deleted)", "pipe:[12]") */
	USE_N,
};

enum {
	FLAG_FORK,
	FLAG_PTRACE,
	FLAG_NAMESPACES,
	FLAG_HANDLES,
	FLAG_EXEC_MEMORY,
	FLAG_SIGNAL,
	FLAG_FILELESS_EXEC,
	FLAG_FILELESS_LIB,
	FLAG_UNRESOLVED,
	FLAG_N,
};

struct learn {
	struct learn_options o;
	char *strings[7]; /* the options' copies */
	struct counts use[USE_N];
	uint64_t flags[FLAG_N];
	size_t events;
	size_t skipped;
	uint64_t dropped;
	char **warnings;
	size_t nwarnings;
};

void learn_options_default(struct learn_options *o)
{
	memset(o, 0, sizeof(*o));
	o->name = "learned";
	o->group = 3;
	o->min_depth = 2;
	o->temp_dirs = "/tmp,/var/tmp,/dev/shm";
}

int learn_new(const struct learn_options *o, struct learn **ret_learn)
{
	struct learn *l = calloc(1, sizeof(*l));
	const char **fields[] = { &l->o.name,	   &l->o.cgroup,      &l->o.source,
				  &l->o.temp_dirs, &l->o.only_policy, &l->o.only_cgroup,
				  &l->o.base };
	size_t i;

	if (!l)
		return -ENOMEM;
	l->o = *o;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (!*fields[i])
			continue;
		l->strings[i] = strdup(*fields[i]);
		if (!l->strings[i]) {
			learn_free(l);
			return -ENOMEM;
		}
		*fields[i] = l->strings[i];
	}
	*ret_learn = l;
	return 0;
}

static void warnings_clear(struct learn *l)
{
	for (size_t i = 0; i < l->nwarnings; i++)
		free(l->warnings[i]);
	free(l->warnings);
	l->warnings = NULL;
	l->nwarnings = 0;
}

void learn_free(struct learn *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < USE_N; i++)
		counts_free(&l->use[i]);
	for (i = 0; i < sizeof(l->strings) / sizeof(l->strings[0]); i++)
		free(l->strings[i]);
	warnings_clear(l);
	free(l);
}

size_t learn_events(const struct learn *l)
{
	return l->events;
}

size_t learn_skipped(const struct learn *l)
{
	return l->skipped;
}

void learn_set_dropped(struct learn *l, uint64_t dropped)
{
	l->dropped = dropped;
}

const char *learn_warning(const struct learn *l, size_t i)
{
	return i < l->nwarnings ? l->warnings[i] : NULL;
}

static int warn(struct learn *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int warn(struct learn *l, const char *fmt, ...)
{
	char **v = realloc(l->warnings, (l->nwarnings + 1) * sizeof(*v));
	va_list ap;
	int n;

	if (!v)
		return -ENOMEM;
	l->warnings = v;
	va_start(ap, fmt);
	n = vasprintf(&v[l->nwarnings], fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	l->nwarnings++;
	return 0;
}

/* Bytes of the valid UTF-8 sequence at s, or 0. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		n = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static int valid_utf8(const char *s)
{
	size_t n;

	for (; *s; s += n) {
		n = utf8_len((const unsigned char *)s);
		if (!n || (unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	}
	return 1;
}

static int all_digits(const char *s, size_t len)
{
	return len && strspn(s, "0123456789") >= len;
}

/*
 * The rule path for a path an event reported, or -EINVAL when no rule can name it. Process ids
 * below /proc (and thread ids below /proc/PID/task) become '*': they differ on every run. A
 * component with bytes a rule cannot hold ('?' and '[' are errors in a policy, '*' a wildcard,
 * YAML holds only UTF-8) gets '*' for them, one '*' for a run of them, so the rule still
 * matches the file (and a little more).
 */
static int rule_path(const char *in, char *out, size_t size)
{
	size_t len = strlen(in), o = 0, depth = 0;
	const char *c = in;
	int in_proc = 0, in_task = 0, in_runs = 0;

	if (in[0] != '/' || len >= WARDEN_PATH_MAX || len + 1 > size)
		return -EINVAL;
	if (len > 10 && !strcmp(in + len - 10, " (deleted)"))
		return -EINVAL; /* d_path's mark: that name no longer exists */
	if (len == 1) {
		memcpy(out, "/", 2);
		return 0;
	}
	while (*c) {
		const char *comp = c + 1, *next = strchr(comp, '/');
		size_t clen = next ? (size_t)(next - comp) : strlen(comp), i;

		if (!clen || clen > 255 || (clen == 1 && comp[0] == '.') ||
		    (clen == 2 && comp[0] == '.' && comp[1] == '.'))
			return -EINVAL;
		out[o++] = '/';
		if ((depth == 1 && in_proc && all_digits(comp, clen)) ||
		    (depth == 3 && in_task && all_digits(comp, clen))) {
			out[o++] = '*';
		} else if (in_runs && clen > 4 && !memcmp(comp, "run.", 4)) {
			/* warden run's transient cgroup, named anew on every run */
			memcpy(out + o, "run.*", 5);
			o += 5;
		} else {
			for (i = 0; i < clen;) {
				size_t u = utf8_len((const unsigned char *)comp + i);

				if (!u || comp[i] == '*' || comp[i] == '?' || comp[i] == '[') {
					if (!o || out[o - 1] != '*')
						out[o++] = '*';
					i += u ? u : 1;
					continue;
				}
				memcpy(out + o, comp + i, u);
				o += u;
				i += u;
			}
		}
		if (depth == 0)
			in_proc = clen == 4 && !memcmp(comp, "proc", 4);
		if (depth == 2)
			in_task = in_proc && clen == 4 && !memcmp(comp, "task", 4);
		in_runs = clen == 10 && !memcmp(comp, "warden.run", 10);
		depth++;
		if (!next)
			break;
		c = next;
	}
	out[o] = 0;
	return 0;
}

/* "ADDR:PORT/PROTO" ("[ADDR]" for IPv6), or "ADDR" alone for raw and ICMP sockets (no port). */
static int net_rule_text(const struct learn_event *ev, char *buf, size_t size)
{
	struct policy_net_rule r;
	const char *proto = ev->proto ? ev->proto : "";
	int v6 = strchr(ev->addr, ':') != NULL;
	char err[160];

	if (strcmp(proto, "tcp") && strcmp(proto, "udp"))
		snprintf(buf, size, "%s", ev->addr);
	else if (ev->port >= 0)
		snprintf(buf, size, v6 ? "[%s]:%ld/%s" : "%s:%ld/%s", ev->addr, ev->port, proto);
	else
		snprintf(buf, size, v6 ? "[%s]/%s" : "%s/%s", ev->addr, proto);
	return policy_parse_net_rule(buf, &r, err, sizeof(err));
}

static int is_op(const struct learn_event *ev, const char *op)
{
	return ev->op && !strcmp(ev->op, op);
}

static int take(const struct learn *l, const struct learn_event *ev)
{
	size_t n;

	if (l->o.only_policy && (!ev->policy || strcmp(ev->policy, l->o.only_policy)))
		return 0;
	if (!l->o.only_cgroup || !strcmp(l->o.only_cgroup, "/"))
		return 1;
	n = strlen(l->o.only_cgroup);
	return ev->cgroup && !strncmp(ev->cgroup, l->o.only_cgroup, n) &&
	       (!ev->cgroup[n] || ev->cgroup[n] == '/');
}

static int add_unusable(struct learn *l, const char *op, const char *what)
{
	char key[WARDEN_PATH_MAX + 32];

	snprintf(key, sizeof(key), "%s %s", op, what);
	return counts_add(&l->use[USE_UNUSABLE], key, 1);
}

static int add_path(struct learn *l, const struct learn_event *ev, int use)
{
	char path[WARDEN_PATH_MAX];
	int fileless = ev->reason && !strcmp(ev->reason, "fileless");

	if (fileless && (use == USE_EXEC || use == USE_LIB)) {
		l->flags[use == USE_EXEC ? FLAG_FILELESS_EXEC : FLAG_FILELESS_LIB]++;
		return 0;
	}
	if (!ev->path || (ev->reason && !strcmp(ev->reason, "unresolved"))) {
		l->flags[FLAG_UNRESOLVED]++;
		return 0;
	}
	if (rule_path(ev->path, path, sizeof(path)))
		return add_unusable(l, ev->op, ev->path);
	return counts_add(&l->use[use], path, 1);
}

static int add_tamper(struct learn *l, const struct learn_event *ev)
{
	char path[WARDEN_PATH_MAX], key[WARDEN_PATH_MAX + 32];
	const char *what = ev->what ? ev->what : "unknown";

	if (!strcmp(what, "namespace")) {
		l->flags[FLAG_NAMESPACES]++;
		return 0;
	}
	if (!strcmp(what, "handle")) {
		l->flags[FLAG_HANDLES]++;
		return 0;
	}
	/* a kernel switch or a device: its fs event comes too; the rule must name the file */
	if ((!strcmp(what, "kernel") || !strcmp(what, "device")) && ev->path &&
	    !rule_path(ev->path, path, sizeof(path)) && !strchr(path, '*'))
		return counts_add(&l->use[USE_EXACT], path, 1);
	snprintf(key, sizeof(key), "%s%s%s", what, ev->path ? " " : "", ev->path ? ev->path : "");
	return counts_add(&l->use[USE_REFUSED], key, 1);
}

int learn_add(struct learn *l, const struct learn_event *ev)
{
	char rule[160];

	if (!take(l, ev)) {
		l->skipped++;
		return 0;
	}
	l->events++;
	if (is_op(ev, "fs.read"))
		return add_path(l, ev, USE_READ);
	if (is_op(ev, "fs.write"))
		return add_path(l, ev, USE_WRITE);
	if (is_op(ev, "exec"))
		return add_path(l, ev, USE_EXEC);
	if (is_op(ev, "library"))
		return add_path(l, ev, USE_LIB);
	if (is_op(ev, "net.connect") || is_op(ev, "net.bind")) {
		int use = is_op(ev, "net.connect") ? USE_CONNECT : USE_BIND;

		if (use == USE_CONNECT && ev->path && ev->path[0] == '@' && ev->path[1] &&
		    strlen(ev->path) <= 108 && !strpbrk(ev->path, "*?[") && valid_utf8(ev->path))
			return counts_add(&l->use[use], ev->path, 1);
		if (!ev->addr || net_rule_text(ev, rule, sizeof(rule)))
			return add_unusable(l, ev->op,
					    ev->addr ? ev->addr :
					    ev->path ? ev->path :
						       "?");
		return counts_add(&l->use[use], rule, 1);
	}
	if (is_op(ev, "fork"))
		l->flags[FLAG_FORK]++;
	else if (is_op(ev, "ptrace"))
		l->flags[FLAG_PTRACE]++;
	else if (is_op(ev, "memory.exec"))
		l->flags[FLAG_EXEC_MEMORY]++;
	else if (is_op(ev, "signal"))
		l->flags[FLAG_SIGNAL]++;
	else if (is_op(ev, "tamper"))
		return add_tamper(l, ev);
	else
		return add_unusable(l, ev->op ? ev->op : "?", "(unknown operation)");
	return 0;
}

/*
 * JSON lines: flat objects of strings and numbers, as `warden events --json` prints them. A
 * string is decoded in place (its escapes are never shorter than what they stand for).
 */
struct json {
	char *p;
	char *err;
	size_t err_size;
};

static int json_fail(struct json *j, const char *msg)
{
	snprintf(j->err, j->err_size, "%s", msg);
	return -EINVAL;
}

static void json_space(struct json *j)
{
	while (*j->p == ' ' || *j->p == '\t' || *j->p == '\r' || *j->p == '\n')
		j->p++;
}

static int hex4(const char *s, uint32_t *ret)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++) {
		char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -EINVAL;
	}
	*ret = v;
	return 0;
}

static char *utf8_put(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		*o++ = cp;
	} else if (cp < 0x800) {
		*o++ = 0xc0 | cp >> 6;
		*o++ = 0x80 | (cp & 0x3f);
	} else if (cp < 0x10000) {
		*o++ = 0xe0 | cp >> 12;
		*o++ = 0x80 | ((cp >> 6) & 0x3f);
		*o++ = 0x80 | (cp & 0x3f);
	} else {
		*o++ = 0xf0 | cp >> 18;
		*o++ = 0x80 | ((cp >> 12) & 0x3f);
		*o++ = 0x80 | ((cp >> 6) & 0x3f);
		*o++ = 0x80 | (cp & 0x3f);
	}
	return o;
}

static int json_string(struct json *j, char **ret)
{
	static const char esc_in[] = "\"\\/bfnrt", esc_out[] = "\"\\/\b\f\n\r\t";
	char *o, *start;

	if (*j->p != '"')
		return json_fail(j, "expected a string");
	start = o = ++j->p;
	while (*j->p != '"') {
		uint32_t cp, lo;
		const char *e;

		if (!*j->p)
			return json_fail(j, "unterminated string");
		if (*j->p != '\\') {
			*o++ = *j->p++;
			continue;
		}
		j->p++;
		e = *j->p ? strchr(esc_in, *j->p) : NULL;
		if (e) {
			*o++ = esc_out[e - esc_in];
			j->p++;
			continue;
		}
		if (*j->p != 'u' || hex4(j->p + 1, &cp))
			return json_fail(j, "bad escape in a string");
		j->p += 5;
		if (cp >= 0xd800 && cp < 0xdc00) {
			if (j->p[0] != '\\' || j->p[1] != 'u' || hex4(j->p + 2, &lo) ||
			    lo < 0xdc00 || lo > 0xdfff)
				return json_fail(j, "bad surrogate pair in a string");
			j->p += 6;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		} else if ((cp >= 0xdc00 && cp <= 0xdfff) || !cp) {
			return json_fail(j, "a string holds a NUL or a lone surrogate");
		}
		o = utf8_put(o, cp);
	}
	j->p++;
	*o = 0;
	*ret = start;
	return 0;
}

/* A number, true, false or null: *ret_num holds an integer's value, -1 otherwise. */
static int json_other(struct json *j, long *ret_num)
{
	char *end;
	long v;

	for (const char *w = "true\0false\0null\0"; *w; w += strlen(w) + 1) {
		if (!strncmp(j->p, w, strlen(w))) {
			j->p += strlen(w);
			*ret_num = -1;
			return 0;
		}
	}
	errno = 0;
	v = strtol(j->p, &end, 10);
	if (end == j->p || errno)
		return json_fail(j, "expected a string or a number");
	j->p = end;
	if (*j->p == '.' || *j->p == 'e' || *j->p == 'E') {
		strtod(j->p, &end);
		j->p = end;
		v = -1;
	}
	*ret_num = v;
	return 0;
}

static void json_field(struct learn_event *ev, const char *key, char *s, long num)
{
	static const char *const names[] = { "op",   "policy", "cgroup", "path",
					     "addr", "proto",  "what",	 "reason" };
	const char **fields[] = { &ev->op,   &ev->policy, &ev->cgroup, &ev->path,
				  &ev->addr, &ev->proto,  &ev->what,   &ev->reason };

	if (!strcmp(key, "port")) {
		ev->port = s ? -1 : num;
		return;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (s && !strcmp(key, names[i]))
			*fields[i] = s;
}

static int json_object(struct json *j, struct learn_event *ev)
{
	json_space(j);
	if (*j->p++ != '{')
		return json_fail(j, "not a JSON object");
	json_space(j);
	if (*j->p == '}') {
		j->p++;
		return 0;
	}
	for (;;) {
		char *key, *s = NULL;
		long num = -1;

		json_space(j);
		if (json_string(j, &key))
			return -EINVAL;
		json_space(j);
		if (*j->p++ != ':')
			return json_fail(j, "expected ':'");
		json_space(j);
		if (*j->p == '"' ? json_string(j, &s) : json_other(j, &num))
			return -EINVAL;
		json_field(ev, key, s, num);
		json_space(j);
		if (*j->p == '}') {
			j->p++;
			break;
		}
		if (*j->p++ != ',')
			return json_fail(j, "expected ',' or '}'");
	}
	json_space(j);
	return *j->p ? json_fail(j, "text after the object") : 0;
}

int learn_add_json(struct learn *l, const char *line, char *err, size_t err_size)
{
	struct learn_event ev = { .port = -1 };
	struct json j = { .err = err, .err_size = err_size };
	char *copy;
	int ret;

	if (!line[strspn(line, " \t\r\n")])
		return 0;
	copy = strdup(line);
	if (!copy)
		return -ENOMEM;
	j.p = copy;
	ret = json_object(&j, &ev);
	if (!ret && !ev.op)
		ret = json_fail(&j, "no \"op\" field: not a warden event");
	if (!ret)
		ret = learn_add(l, &ev);
	free(copy);
	return ret;
}

/*
 * The policy learnt from, when widening one: what it allows already is not added, what it
 * denies is not either (its deny rules stay, and win), and is warned about.
 */
struct old {
	const struct policy *p;
	struct policy_fs_trie trie;
	struct warden_dfa_state *dfa;
	size_t ndfa;
};

enum verdict { NEEDED, COVERED, DENIED };

static enum verdict old_path(const struct old *old, const char *path, uint32_t bit)
{
	uint32_t deny, allow;
	int default_deny;

	if (!old)
		return NEEDED;
	policy_match_path(&old->trie, old->dfa, old->ndfa, path, &deny, &allow);
	if (deny & bit)
		return DENIED;
	if (allow & bit)
		return COVERED;
	switch (bit) {
	case WARDEN_FS_EXEC:
		default_deny = old->p->exec.default_deny;
		break;
	case WARDEN_FS_LIB:
		default_deny = old->p->libraries.default_deny;
		break;
	case WARDEN_FS_UNIX:
		default_deny = old->p->connect.default_deny;
		break;
	default:
		default_deny = old->p->fs.default_deny;
	}
	return default_deny ? NEEDED : COVERED;
}

static int net_covers(const struct policy_net_rule *r, const struct policy_net_rule *u)
{
	size_t bytes = r->prefix / 8;
	int bits = r->prefix % 8;

	if (r->family && r->family != u->family)
		return 0;
	if (r->family && (memcmp(r->addr, u->addr, bytes) ||
			  (bits && (r->addr[bytes] ^ u->addr[bytes]) & (0xff00 >> bits))))
		return 0;
	if (r->port_lo > u->port_lo || r->port_hi < u->port_hi)
		return 0;
	/* a raw or ICMP socket (no protocol in its rule) is judged as protocol "other" */
	return !r->proto || r->proto == u->proto;
}

static enum verdict old_net(const struct old *old, int use, const char *rule)
{
	const struct policy_net *net;
	struct policy_net_rule u;
	char err[160];
	size_t i;

	if (!old)
		return NEEDED;
	if (rule[0] == '@')
		return old_path(old, rule, WARDEN_FS_UNIX);
	net = use == USE_CONNECT ? &old->p->connect : &old->p->bind;
	if (policy_parse_net_rule(rule, &u, err, sizeof(err)))
		return NEEDED;
	if (!u.proto)
		u.proto =
			-1; /* learnt without a protocol: a raw socket's, which no /tcp rule has */
	for (i = 0; i < net->deny.n; i++)
		if (net_covers(&net->deny.v[i], &u))
			return DENIED;
	for (i = 0; i < net->allow.n; i++)
		if (net_covers(&net->allow.v[i], &u))
			return COVERED;
	return net->default_deny ? NEEDED : COVERED;
}

/* The rules of one list, as written out. */
struct rule {
	char *text;
	uint64_t hits;
	size_t files; /* directory rules: the used paths below */
};

struct rules {
	struct rule *v;
	size_t n;
};

static int rules_add(struct rules *r, const char *text, uint64_t hits, size_t files)
{
	struct rule *v = realloc(r->v, (r->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	r->v = v;
	v[r->n].text = strdup(text);
	if (!v[r->n].text)
		return -ENOMEM;
	v[r->n].hits = hits;
	v[r->n].files = files;
	r->n++;
	return 0;
}

static void rules_free(struct rules *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].text);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

/* The tree of used paths of one list, which grouping folds into directory rules. */
struct node {
	char *name;
	struct node **kids;
	size_t nkids;
	uint64_t hits; /* the path itself */
	size_t files; /* paths it stands for: 1 for a used path, more for a temporary dir's rule */
	int dir_rule; /* a rule for it and everything below, from the start (a temporary dir) */
	int pinned; /* must be named exactly: no directory rule may hold it */
	int grouped;
	uint64_t sub_hits; /* in its subtree */
	size_t sub_files;
	int sub_pinned;
};

static void node_free(struct node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->name);
	free(n);
}

static struct node *node_kid(struct node *n, const char *name, size_t len)
{
	struct node **v, *k;
	size_t i;

	for (i = 0; i < n->nkids; i++)
		if (strlen(n->kids[i]->name) == len && !memcmp(n->kids[i]->name, name, len))
			return n->kids[i];
	v = realloc(n->kids, (n->nkids + 1) * sizeof(*v));
	if (!v)
		return NULL;
	n->kids = v;
	k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	k->name = strndup(name, len);
	if (!k->name) {
		free(k);
		return NULL;
	}
	v[n->nkids++] = k;
	return k;
}

/* The node of path ("/a/b", or "/a/b/" for a directory rule), created as needed. */
static struct node *node_at(struct node *root, const char *path)
{
	struct node *n = root;
	const char *c = path + 1;

	while (*c) {
		const char *next = strchr(c, '/');
		size_t len = next ? (size_t)(next - c) : strlen(c);

		n = node_kid(n, c, len);
		if (!n || !next)
			break;
		c = next + 1;
	}
	return n;
}

static int kid_cmp(const void *a, const void *b)
{
	return strcmp((*(struct node *const *)a)->name, (*(struct node *const *)b)->name);
}

struct grouping {
	unsigned int group;
	unsigned int min_depth;
};

/*
 * Fold bottom-up: a directory with g->group or more used entries directly in it (a used file,
 * a subdirectory with used files in it, a folded one) becomes one directory rule, unless it is
 * shallower than min_depth, below /proc, /sys or /dev (where a directory holds far more than
 * it seems, and kernel switches and devices need exact rules), or holds a pinned path.
 */
static void node_fold(struct node *n, unsigned int depth, int pseudo, const struct grouping *g)
{
	size_t i, entries = 0;

	n->sub_hits = n->hits;
	n->sub_files = n->files;
	n->sub_pinned = n->pinned;
	qsort(n->kids, n->nkids, sizeof(*n->kids), kid_cmp);
	for (i = 0; i < n->nkids; i++) {
		struct node *k = n->kids[i];
		int below_pseudo = pseudo || (depth == 0 &&
					      (!strcmp(k->name, "proc") ||
					       !strcmp(k->name, "sys") || !strcmp(k->name, "dev")));

		node_fold(k, depth + 1, below_pseudo, g);
		n->sub_hits += k->sub_hits;
		n->sub_files += k->sub_files;
		n->sub_pinned |= k->sub_pinned;
		entries++;
	}
	if (n->dir_rule)
		n->grouped = 1;
	else if (g->group && entries >= g->group && depth >= g->min_depth && !pseudo &&
		 !n->sub_pinned)
		n->grouped = 1;
}

static int node_emit(const struct node *n, char *path, size_t len, struct rules *out)
{
	size_t i, nl;
	int ret;

	if (n->grouped) {
		path[len] = '/';
		path[len + 1] = 0;
		return rules_add(out, path, n->sub_hits, n->sub_files);
	}
	if (n->files) {
		ret = rules_add(out, len ? path : "/", n->hits, 0);
		if (ret)
			return ret;
	}
	for (i = 0; i < n->nkids; i++) {
		nl = strlen(n->kids[i]->name);
		if (len + nl + 3 > WARDEN_PATH_MAX + 2)
			continue; /* cannot happen: each path came from one that fit */
		path[len] = '/';
		memcpy(path + len + 1, n->kids[i]->name, nl + 1);
		ret = node_emit(n->kids[i], path, len + 1 + nl, out);
		if (ret)
			return ret;
	}
	return 0;
}

/* The temporary directory (one of the comma list dirs) path is below, copied to buf with '/'. */
static int temp_dir_of(const char *dirs, const char *path, char *buf, size_t size)
{
	const char *d = dirs;

	while (d && *d) {
		const char *end = strchr(d, ',');
		size_t len = end ? (size_t)(end - d) : strlen(d);

		while (len > 1 && d[len - 1] == '/')
			len--;
		if (len > 1 && len + 2 <= size && !strncmp(path, d, len) && path[len] == '/' &&
		    path[len + 1]) {
			memcpy(buf, d, len);
			memcpy(buf + len, "/", 2);
			return 1;
		}
		d = end ? end + 1 : NULL;
	}
	return 0;
}

/* One list of path rules to build: which uses feed it, and with what rule bit. */
struct path_list {
	const char *what; /* for warnings: "fs.read" */
	uint32_t bit;
	int uses[3];
	size_t nuses;
	int temp; /* written paths below temporary directories become "DIR/" */
	int grouped;
};

static int add_to_tree(struct learn *l, const struct path_list *pl, const struct old *old,
		       struct node *root, int use, const struct count *c)
{
	char dir[WARDEN_PATH_MAX];
	int pinned = counts_get(&l->use[USE_EXACT], c->key) > 0;
	struct node *n;

	switch (old_path(old, c->key, pl->bit)) {
	case COVERED:
		return 0;
	case DENIED:
		if (use != pl->uses[0])
			return 0; /* a written path: the fs.write list says it */
		return warn(l,
			    "%s %s was used while learning (%llu hit%s), but the policy denies it",
			    pl->what, c->key, (unsigned long long)c->hits, c->hits == 1 ? "" : "s");
	case NEEDED:
		break;
	}
	if (pl->temp && use == USE_WRITE && !pinned &&
	    temp_dir_of(l->o.temp_dirs, c->key, dir, sizeof(dir))) {
		n = node_at(root, dir);
		if (!n)
			return -ENOMEM;
		n->dir_rule = 1;
		n->hits += c->hits;
		n->files++;
		return 0;
	}
	n = node_at(root, c->key);
	if (!n)
		return -ENOMEM;
	n->files = 1;
	n->hits += c->hits;
	n->pinned |= pinned;
	return 0;
}

/* A path inside a directory rule of the tree counts for that rule only. */
static void drop_below_dir_rules(struct node *n)
{
	size_t i;

	if (n->dir_rule) {
		/* the paths below count for the rule: keep their hits, drop their nodes */
		for (i = 0; i < n->nkids; i++) {
			node_fold(n->kids[i], 0, 1, &(struct grouping){ 0, 0 });
			n->hits += n->kids[i]->sub_hits;
			n->files += n->kids[i]->sub_files;
			node_free(n->kids[i]);
		}
		n->nkids = 0;
		return;
	}
	for (i = 0; i < n->nkids; i++)
		drop_below_dir_rules(n->kids[i]);
}

static int build_paths(struct learn *l, const struct path_list *pl, const struct old *old,
		       struct rules *out)
{
	struct grouping g = { pl->grouped ? l->o.group : 0, l->o.min_depth };
	struct node *root = calloc(1, sizeof(*root));
	char *path = NULL;
	struct count *v;
	size_t u, i;
	int ret = -ENOMEM;

	if (!root)
		return -ENOMEM;
	root->name = strdup("");
	path = malloc(WARDEN_PATH_MAX + 2);
	if (!root->name || !path)
		goto out;
	for (u = 0; u < pl->nuses; u++) {
		ret = counts_sorted(&l->use[pl->uses[u]], &v);
		if (ret)
			goto out;
		for (i = 0; i < l->use[pl->uses[u]].n && !ret; i++)
			ret = add_to_tree(l, pl, old, root, pl->uses[u], &v[i]);
		free(v);
		if (ret)
			goto out;
	}
	drop_below_dir_rules(root);
	node_fold(root, 0, 0, &g);
	path[0] = 0;
	ret = node_emit(root, path, 0, out);
out:
	free(path);
	node_free(root);
	return ret;
}

static int build_net(struct learn *l, int use, const struct old *old, struct rules *out)
{
	const char *what = use == USE_CONNECT ? "net.connect" : "net.bind";
	struct count *v;
	size_t i;
	int ret = counts_sorted(&l->use[use], &v);

	if (ret)
		return ret;
	for (i = 0; !ret && i < l->use[use].n; i++) {
		switch (old_net(old, use, v[i].key)) {
		case COVERED:
			break;
		case DENIED:
			ret = warn(
				l,
				"%s %s was used while learning (%llu hit%s), but the policy denies it",
				what, v[i].key, (unsigned long long)v[i].hits,
				v[i].hits == 1 ? "" : "s");
			break;
		case NEEDED:
			ret = rules_add(out, v[i].key, v[i].hits, 0);
			break;
		}
	}
	free(v);
	return ret;
}

/* The old file's lines, and which of their comments have been written out already. */
struct text {
	const char *s;
	size_t len;
	const char **line; /* line[i]: the start of line i + 1 */
	size_t nlines;
	char *claimed;
};

static int text_split(struct text *t, const char *s, size_t len)
{
	size_t i, n = 1;

	t->s = s;
	t->len = len;
	for (i = 0; i < len; i++)
		n += s[i] == '\n';
	t->line = malloc(n * sizeof(*t->line));
	t->claimed = calloc(n, 1);
	if (!t->line || !t->claimed)
		return -ENOMEM;
	t->line[0] = s;
	t->nlines = 1;
	for (i = 0; i < len; i++)
		if (s[i] == '\n' && i + 1 < len)
			t->line[t->nlines++] = s + i + 1;
	return 0;
}

static void text_free(struct text *t)
{
	free(t->line);
	free(t->claimed);
}

/* Line i (0-based) without its newline: start and length. */
static size_t text_line(const struct text *t, size_t i, const char **ret_start)
{
	const char *end = i + 1 < t->nlines ? t->line[i + 1] : t->s + t->len;

	*ret_start = t->line[i];
	while (end > t->line[i] && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	return end - t->line[i];
}

/* Whether line i is a comment and nothing else. */
static int text_comment_line(const struct text *t, size_t i)
{
	const char *s;
	size_t len = text_line(t, i, &s), sp = 0;

	while (sp < len && (s[sp] == ' ' || s[sp] == '\t'))
		sp++;
	return sp < len && s[sp] == '#';
}

/* The comment that ends line i ("# ..."), or NULL: a '#' after a space, outside quotes. */
static const char *text_trailing_comment(const struct text *t, size_t i, size_t *ret_len)
{
	const char *s;
	size_t len = text_line(t, i, &s), k;
	char quote = 0;

	for (k = 0; k < len; k++) {
		if (quote) {
			if (s[k] == '\\' && quote == '"')
				k++;
			else if (s[k] == quote)
				quote = 0;
		} else if (s[k] == '"' || s[k] == '\'') {
			quote = s[k];
		} else if (s[k] == '#' && k && (s[k - 1] == ' ' || s[k - 1] == '\t')) {
			*ret_len = len - k;
			return s + k;
		}
	}
	return NULL;
}

/* YAML for a string: plain when it is a path of quiet characters, else double-quoted. */
static void yaml_scalar(FILE *f, const char *s)
{
	static const char quiet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789/._+=~%-*";
	const unsigned char *p;

	if (s[0] == '/' && strspn(s, quiet) == strlen(s)) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

struct writer {
	struct learn *l;
	FILE *f;
	const struct policy *old;
	int widen; /* old is a file being widened, not a base */
	struct text text;
};

/* The comments on and above line (1-based) of the old file, each written once. */
static void old_comments_above(struct writer *w, int line, const char *indent)
{
	size_t i, first;
	const char *s;

	if (!w->widen || line < 2 || (size_t)line > w->text.nlines)
		return;
	first = line - 1;
	while (first > 0 && text_comment_line(&w->text, first - 1) && !w->text.claimed[first - 1])
		first--;
	for (i = first; i + 1 < (size_t)line; i++) {
		size_t len = text_line(&w->text, i, &s), sp = strspn(s, " \t");

		fprintf(w->f, "%s%.*s\n", indent, (int)(len - sp), s + sp);
		w->text.claimed[i] = 1;
	}
}

static void old_comment_after(struct writer *w, int line)
{
	const char *c;
	size_t len;

	if (!w->widen || line < 1 || (size_t)line > w->text.nlines || w->text.claimed[line - 1])
		return;
	c = text_trailing_comment(&w->text, line - 1, &len);
	if (c)
		fprintf(w->f, "  %.*s", (int)len, c);
	w->text.claimed[line - 1] = 1;
}

static void write_old_entry(struct writer *w, const char *indent, const char *s, int line)
{
	old_comments_above(w, line, indent);
	fprintf(w->f, "%s- ", indent);
	yaml_scalar(w->f, s);
	old_comment_after(w, line);
	fputc('\n', w->f);
}

static void write_new_entry(struct writer *w, const char *indent, const struct rule *r)
{
	fprintf(w->f, "%s- ", indent);
	yaml_scalar(w->f, r->text);
	fprintf(w->f, "  # %s", w->widen ? "learned: " : "");
	if (r->files)
		fprintf(w->f, "%zu path%s, ", r->files, r->files == 1 ? "" : "s");
	fprintf(w->f, "%llu hit%s\n", (unsigned long long)r->hits, r->hits == 1 ? "" : "s");
}

/* "key:" and its entries, old then new; "key: []" when there are none. */
static void write_list(struct writer *w, const char *indent, const char *key,
		       const struct policy_strs *old, const struct policy_net_rules *old_net,
		       const struct rules *add)
{
	char deeper[16];
	size_t i, n = add ? add->n : 0;

	n += old ? old->n : 0;
	n += old_net ? old_net->n + old_net->names.n : 0;
	if (!n) {
		fprintf(w->f, "%s%s: []\n", indent, key);
		return;
	}
	snprintf(deeper, sizeof(deeper), "%s  ", indent);
	fprintf(w->f, "%s%s:\n", indent, key);
	for (i = 0; old && i < old->n; i++)
		write_old_entry(w, deeper, old->v[i].s, old->v[i].line);
	for (i = 0; old_net && i < old_net->n; i++)
		write_old_entry(w, deeper, old_net->v[i].text, old_net->v[i].line);
	for (i = 0; old_net && i < old_net->names.n; i++)
		write_old_entry(w, deeper, old_net->names.v[i].s, old_net->names.v[i].line);
	for (i = 0; add && i < add->n; i++)
		write_new_entry(w, deeper, &add->v[i]);
}

static const char *deny_word(int deny)
{
	return deny ? "deny" : "allow";
}

/* One flag of process: allowed when it was used or the old policy allows it. */
static void write_flag(struct writer *w, const char *key, int old_deny, uint64_t used,
		       int deny_if_unused)
{
	int deny = w->widen ? old_deny : deny_if_unused;

	if (used && deny) {
		fprintf(w->f, "  %s: allow  # %s%llu hit%s\n", key, w->widen ? "learned: " : "",
			(unsigned long long)used, used == 1 ? "" : "s");
		return;
	}
	fprintf(w->f, "  %s: %s", key, deny_word(deny));
	if (used)
		fprintf(w->f, "  # %llu hit%s", (unsigned long long)used, used == 1 ? "" : "s");
	fputc('\n', w->f);
}

struct built {
	struct rules fs_read, fs_write, exec, lib, connect, bind;
};

static void built_free(struct built *b)
{
	rules_free(&b->fs_read);
	rules_free(&b->fs_write);
	rules_free(&b->exec);
	rules_free(&b->lib);
	rules_free(&b->connect);
	rules_free(&b->bind);
}

static int build(struct learn *l, const struct old *old, struct built *b)
{
	/* an event does not say whether an open for writing also read: allow both */
	const struct path_list read = {
		"fs.read", WARDEN_FS_READ, { USE_READ, USE_WRITE }, 2, 1, 1
	};
	const struct path_list write = { "fs.write", WARDEN_FS_WRITE, { USE_WRITE }, 1, 1, 1 };
	const struct path_list exec = { "exec", WARDEN_FS_EXEC, { USE_EXEC }, 1, 0, 0 };
	const struct path_list lib = { "libraries", WARDEN_FS_LIB, { USE_LIB }, 1, 0, 1 };
	int ret;

	ret = build_paths(l, &read, old, &b->fs_read);
	if (!ret)
		ret = build_paths(l, &write, old, &b->fs_write);
	if (!ret)
		ret = build_paths(l, &exec, old, &b->exec);
	if (!ret)
		ret = build_paths(l, &lib, old, &b->lib);
	if (!ret)
		ret = build_net(l, USE_CONNECT, old, &b->connect);
	if (!ret)
		ret = build_net(l, USE_BIND, old, &b->bind);
	return ret;
}

static int collect_warnings(struct learn *l)
{
	struct count *v;
	size_t i;
	int ret = 0;

	if (l->dropped)
		ret = warn(
			l,
			"%llu events were dropped while learning (rate limit or full buffer): the "
			"policy may miss what they reported; learn again with --merge",
			(unsigned long long)l->dropped);
	if (!ret && l->flags[FLAG_FILELESS_EXEC])
		ret = warn(
			l,
			"a file with no name (memfd, deleted) was executed: exec.default is allow");
	if (!ret && l->flags[FLAG_FILELESS_LIB])
		ret = warn(l, "a file with no name (memfd, deleted) was mapped executable: "
			      "libraries.default is allow");
	if (!ret && l->flags[FLAG_UNRESOLVED])
		ret = warn(l, "%llu paths could not be resolved; no rule can allow those",
			   (unsigned long long)l->flags[FLAG_UNRESOLVED]);
	if (ret || counts_sorted(&l->use[USE_REFUSED], &v))
		return -ENOMEM;
	for (i = 0; !ret && i < l->use[USE_REFUSED].n; i++)
		ret = warn(l, "refused whatever the policy says (tamper): %s (%llu hit%s)",
			   v[i].key, (unsigned long long)v[i].hits, v[i].hits == 1 ? "" : "s");
	free(v);
	if (ret || counts_sorted(&l->use[USE_UNUSABLE], &v))
		return -ENOMEM;
	for (i = 0; !ret && i < l->use[USE_UNUSABLE].n; i++)
		ret = warn(l, "no rule can name %s (%llu hit%s)", v[i].key,
			   (unsigned long long)v[i].hits, v[i].hits == 1 ? "" : "s");
	free(v);
	return ret;
}

/* Text in a comment: a control character (a newline in a path) would end it. */
static void comment_text(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

static void write_header(struct writer *w)
{
	struct learn *l = w->l;
	size_t i;

	if (w->widen) {
		/* the old file's leading comments first */
		for (i = 0; i < w->text.nlines && text_comment_line(&w->text, i); i++) {
			const char *s;
			size_t len = text_line(&w->text, i, &s);

			fprintf(w->f, "%.*s\n", (int)len, s);
			w->text.claimed[i] = 1;
		}
	}
	fprintf(w->f, "# %s by warden learn", w->widen ? "Widened" : "Learned");
	if (l->o.source) {
		fputs(" from ", w->f);
		comment_text(w->f, l->o.source);
	}
	fprintf(w->f, ": %zu events.\n", l->events);
	if (!w->widen)
		fputs("# Each rule allows what was used while learning; its comment says how often.\n"
		      "# Review it before use (docs/learn.md).\n",
		      w->f);
	if (w->old && !w->widen) {
		fputs("# Rules without a comment are ", w->f);
		comment_text(w->f, l->o.base);
		fputs(".\n", w->f);
	}
	for (i = 0; i < l->nwarnings; i++) {
		fputs("# warning: ", w->f);
		comment_text(w->f, l->warnings[i]);
		fputc('\n', w->f);
	}
}

static void write_fs(struct writer *w, const struct built *b)
{
	const struct policy *o = w->old;

	fputs("fs:\n", w->f);
	fprintf(w->f, "  default: %s\n", deny_word(o ? o->fs.default_deny : 1));
	write_list(w, "  ", "read", o ? &o->fs.read : NULL, NULL, &b->fs_read);
	write_list(w, "  ", "write", o ? &o->fs.write : NULL, NULL, &b->fs_write);
	if (o && o->fs.deny.n)
		write_list(w, "  ", "deny", &o->fs.deny, NULL, NULL);
	if (o && o->fs.deny_read.n)
		write_list(w, "  ", "deny_read", &o->fs.deny_read, NULL, NULL);
	if (o && o->fs.deny_write.n)
		write_list(w, "  ", "deny_write", &o->fs.deny_write, NULL, NULL);
}

static void write_files(struct writer *w, const char *key, const struct policy_files *o,
			const struct rules *add, uint64_t fileless)
{
	int deny = o ? o->default_deny : 1;

	fprintf(w->f, "%s:\n", key);
	if (fileless && deny)
		fprintf(w->f, "  default: allow  # %llu use%s of a file with no name\n",
			(unsigned long long)fileless, fileless == 1 ? "" : "s");
	else
		fprintf(w->f, "  default: %s\n", deny_word(deny));
	write_list(w, "  ", "allow", o ? &o->allow : NULL, NULL, add);
	if (o && o->deny.n)
		write_list(w, "  ", "deny", &o->deny, NULL, NULL);
}

static void write_net(struct writer *w, const char *key, const struct policy_net *o,
		      const struct rules *add)
{
	fprintf(w->f, "  %s:\n", key);
	fprintf(w->f, "    default: %s\n", deny_word(o ? o->default_deny : 1));
	write_list(w, "    ", "allow", NULL, o ? &o->allow : NULL, add);
	if (o && (o->deny.n || o->deny.names.n))
		write_list(w, "    ", "deny", NULL, &o->deny, NULL);
}

/* The policy's own keys: name, mode, cgroups. */
static void write_identity(struct writer *w)
{
	const struct policy *o = w->widen ? w->old : NULL;
	const char *name = o ? o->name.s : w->l->o.name;
	size_t i;

	fputs("name: ", w->f);
	if ((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= '0' && name[0] <= '9'))
		fputs(name, w->f);
	else
		fprintf(w->f, "\"%s\"", name);
	fprintf(w->f, "\nmode: %s\n", o && o->audit ? "audit" : "enforce");
	if (o && o->cgroups.n) {
		fputs("cgroups:\n", w->f);
		for (i = 0; i < o->cgroups.n; i++)
			write_old_entry(w, "  ", o->cgroups.v[i].s, o->cgroups.v[i].line);
	} else if (w->l->o.cgroup) {
		fputs("cgroups:\n  - ", w->f);
		yaml_scalar(w->f, w->l->o.cgroup);
		fputc('\n', w->f);
	}
}

static int old_open(const struct policy *p, struct old *old)
{
	char err[256];
	int ret;

	memset(old, 0, sizeof(*old));
	old->p = p;
	ret = policy_compile_fs(p, &old->trie);
	if (!ret)
		ret = policy_compile_dfa(p, &old->dfa, &old->ndfa, err, sizeof(err));
	return ret;
}

static void old_close(struct old *old)
{
	policy_fs_trie_free(&old->trie);
	free(old->dfa);
}

int learn_write(struct learn *l, const struct policy *old_policy, const char *old_text,
		size_t old_len, FILE *out)
{
	struct writer w = { .l = l, .f = out, .old = old_policy, .widen = old_policy && !l->o.base };
	const struct policy *o = old_policy;
	struct built b = { 0 };
	struct old old;
	int ret;

	warnings_clear(l);
	if (o) {
		ret = old_open(o, &old);
		if (!ret)
			ret = text_split(&w.text, old_text ? old_text : "", old_text ? old_len : 0);
		if (ret)
			goto out;
	}
	ret = build(l, o ? &old : NULL, &b);
	if (!ret)
		ret = collect_warnings(l);
	if (ret)
		goto out;

	write_header(&w);
	write_identity(&w);
	write_fs(&w, &b);
	write_files(&w, "exec", o ? &o->exec : NULL, &b.exec, l->flags[FLAG_FILELESS_EXEC]);
	write_files(&w, "libraries", o ? &o->libraries : NULL, &b.lib, l->flags[FLAG_FILELESS_LIB]);
	fputs("net:\n", out);
	write_net(&w, "connect", o ? &o->connect : NULL, &b.connect);
	write_net(&w, "bind", o ? &o->bind : NULL, &b.bind);
	fputs("process:\n", out);
	write_flag(&w, "fork", o && o->fork_deny, l->flags[FLAG_FORK], 1);
	write_flag(&w, "ptrace", o && o->ptrace_deny, l->flags[FLAG_PTRACE], 1);
	write_flag(&w, "namespaces", !o || o->namespaces_deny, l->flags[FLAG_NAMESPACES], 1);
	write_flag(&w, "file_handles", !o || o->handles_deny, l->flags[FLAG_HANDLES], 1);
	write_flag(&w, "exec_memory", o && o->exec_memory_deny, l->flags[FLAG_EXEC_MEMORY], 1);
	write_flag(&w, "signal", o && o->signal_deny, l->flags[FLAG_SIGNAL], 1);
	if (fflush(out) || ferror(out))
		ret = -EIO;
out:
	built_free(&b);
	if (o) {
		old_close(&old);
		text_free(&w.text);
	}
	return ret;
}
