// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: path rules, literal and wildcard, through the parser and the compiler
 * (policy_compile_fs, policy_compile_dfa), matched by policy_match_path and checked against a
 * plain reference matcher written from docs/policy.md.
 *
 * Input: lines. The first byte of a line says what the rest is: r (fs.read), w (fs.write),
 * d (fs.deny), x (exec.allow), X (exec.deny), l (libraries.allow), L (libraries.deny), or p (a
 * path to match). Every rule also yields paths of its own (its wildcards filled in, a file below
 * it, its parent).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_LINES 48
#define MAX_LINE 160
#define MAX_PATH 512

/* The line tags, in the order of their YAML sections. */
static const struct section {
	char tag;
	const char *top;
	const char *key;
} sections[] = {
	{ 'r', "fs", "read" },	      { 'w', "fs", "write" },  { 'd', "fs", "deny" },
	{ 'x', "exec", "allow" },     { 'X', "exec", "deny" }, { 'l', "libraries", "allow" },
	{ 'L', "libraries", "deny" },
};
#define NSECTIONS (sizeof(sections) / sizeof(sections[0]))

/* Pattern tokens, as docs/policy.md defines them. */
enum { T_LIT, T_STAR, T_ANY, T_DIRS };

struct tok {
	int type;
	unsigned char c;
};

static size_t tokenize(const char *p, size_t len, struct tok *t)
{
	size_t n = 0, i = 0;

	while (i < len) {
		if (p[i] == '*' && i + 1 < len && p[i + 1] == '*') {
			/* '**' as a whole component: zero or more directories */
			if (i > 0 && p[i - 1] == '/' && i + 2 < len && p[i + 2] == '/') {
				t[n++].type = T_DIRS; /* "**" and its '/': "" or "any/" */
				i += 3;
			} else {
				t[n++].type = T_ANY;
				i += 2;
			}
		} else if (p[i] == '*') {
			t[n++].type = T_STAR;
			i++;
		} else {
			t[n].type = T_LIT;
			t[n++].c = (unsigned char)p[i++];
		}
	}
	return n;
}

/*
 * Run the tokens over path, a byte at a time, keeping every position the pattern can be at:
 * ends[j] is set when the whole pattern matches path[0..j).
 */
static void simulate(const struct tok *t, size_t n, const char *path, size_t plen, char *ends)
{
	/* state k < n: before token k; n: matched; loop[k]: inside T_DIRS k's "any/" */
	char cur[MAX_PATH + 2], nxt[MAX_PATH + 2], lcur[MAX_PATH + 2], lnxt[MAX_PATH + 2];
	size_t j, k;

	memset(cur, 0, n + 1);
	memset(lcur, 0, n + 1);
	cur[0] = 1;
	for (j = 0;; j++) {
		/* epsilon moves go forward only */
		for (k = 0; k < n; k++) {
			if (!cur[k])
				continue;
			if (t[k].type != T_LIT)
				cur[k + 1] = 1; /* every wildcard may match nothing */
			if (t[k].type == T_DIRS)
				lcur[k] = 1;
		}
		ends[j] = cur[n];
		if (j == plen)
			break;
		memset(nxt, 0, n + 1);
		memset(lnxt, 0, n + 1);
		for (k = 0; k < n; k++) {
			unsigned char c = (unsigned char)path[j];

			if (lcur[k]) {
				lnxt[k] = 1;
				if (c == '/')
					nxt[k + 1] = 1;
			}
			if (!cur[k])
				continue;
			switch (t[k].type) {
			case T_LIT:
				if (t[k].c == c)
					nxt[k + 1] = 1;
				break;
			case T_STAR:
				if (c != '/')
					nxt[k] = 1;
				break;
			case T_ANY:
				nxt[k] = 1;
				break;
			}
		}
		memcpy(cur, nxt, n + 1);
		memcpy(lcur, lnxt, n + 1);
	}
}

/*
 * Does rule cover path? The pattern must match the whole path, or, for a directory rule
 * (trailing '/'), the path up to one of its '/' (everything below the directory).
 */
static int rule_covers(const char *rule, const char *path)
{
	static struct tok t[MAX_PATH];
	static char ends[MAX_PATH + 1];
	size_t rlen = strlen(rule), plen = strlen(path), n;
	int dir = rlen > 0 && rule[rlen - 1] == '/';

	if (dir)
		rlen--;
	n = tokenize(rule, rlen, t);
	simulate(t, n, path, plen, ends);
	if (ends[plen])
		return 1;
	if (dir)
		for (size_t j = 0; j < plen; j++)
			if (path[j] == '/' && ends[j])
				return 1;
	return 0;
}

/* Paths the kernel reports: absolute, no empty component, no trailing '/' but for "/". */
static int kernel_shaped(const char *s)
{
	size_t len = strlen(s);

	if (!len || s[0] != '/' || len >= MAX_PATH)
		return 0;
	if (len > 1 && s[len - 1] == '/')
		return 0;
	return !strstr(s, "//");
}

struct probes {
	char v[4 * MAX_LINES * 3][MAX_PATH];
	size_t n;
};

static void probe_add(struct probes *pr, const char *s)
{
	if (pr->n < sizeof(pr->v) / sizeof(pr->v[0]) && kernel_shaped(s))
		snprintf(pr->v[pr->n++], MAX_PATH, "%s", s);
}

/* Fill in a rule's wildcards (short or long), and add it, a file below it and its parent. */
static void probes_of_rule(struct probes *pr, const char *rule, int fill)
{
	static const char *const star[] = { "", "a", "b.c" };
	static const char *const any[] = { "", "q", "q/r" };
	static const char *const dirs[] = { "", "d/", "d/e/" };
	char out[MAX_PATH];
	size_t rlen = strlen(rule), i = 0, o = 0;
	int dir = rlen > 1 && rule[rlen - 1] == '/';

	while (i < rlen && o + 8 < sizeof(out)) {
		const char *ins = NULL;

		if (rule[i] == '*' && i + 1 < rlen && rule[i + 1] == '*') {
			if (i > 0 && rule[i - 1] == '/' && i + 2 < rlen && rule[i + 2] == '/') {
				ins = dirs[fill];
				i += 3;
			} else {
				ins = any[fill];
				i += 2;
			}
		} else if (rule[i] == '*') {
			ins = star[fill];
			i++;
		} else {
			out[o++] = rule[i++];
			continue;
		}
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s", ins);
	}
	if (o + 8 >= sizeof(out))
		return;
	out[o] = 0;
	if (dir && o > 1)
		out[--o] = 0;
	probe_add(pr, out);
	snprintf(out + o, sizeof(out) - o, "/f");
	probe_add(pr, out);
	out[o] = 0;
	char *slash = strrchr(out, '/');
	if (slash && slash != out) {
		*slash = 0;
		probe_add(pr, out);
	}
}

/* The YAML of one string: double-quoted, every byte outside printable ASCII escaped. */
static size_t yaml_quote(char *out, const char *s, size_t len)
{
	size_t o = 0;

	out[o++] = '"';
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20 || c > 0x7e) {
			o += (size_t)sprintf(out + o, "\\x%02x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o++] = '"';
	return o;
}

static void expected(const struct policy *p, const char *path, uint32_t *deny, uint32_t *allow)
{
	const struct {
		const struct policy_strs *l;
		uint32_t deny, allow;
	} lists[] = {
		{ &p->fs.read, 0, WARDEN_FS_READ },
		{ &p->fs.write, 0, WARDEN_FS_WRITE },
		{ &p->fs.deny, WARDEN_FS_READ | WARDEN_FS_WRITE, 0 },
		{ &p->exec.allow, 0, WARDEN_FS_EXEC },
		{ &p->exec.deny, WARDEN_FS_EXEC, 0 },
		{ &p->libraries.allow, 0, WARDEN_FS_LIB },
		{ &p->libraries.deny, WARDEN_FS_LIB, 0 },
	};

	*deny = *allow = 0;
	for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
		for (size_t i = 0; i < lists[l].l->n; i++) {
			if (rule_covers(lists[l].l->v[i].s, path)) {
				*deny |= lists[l].deny;
				*allow |= lists[l].allow;
			}
		}
	}
}

static void check(const struct policy *p, const struct probes *pr)
{
	struct policy_fs_trie trie = { 0 };
	struct warden_dfa_state *dfa;
	size_t ndfa;
	char err[256];
	int ret;

	if (policy_compile_fs(p, &trie))
		abort();
	ret = policy_compile_dfa(p, &dfa, &ndfa, err, sizeof(err));
	if (ret == -E2BIG) {
		policy_fs_trie_free(&trie);
		return; /* too many states: the policy is refused, nothing to match */
	}
	if (ret)
		abort();
	for (size_t i = 0; i < pr->n; i++) {
		uint32_t d, a, ed, ea;

		policy_match_path(&trie, dfa, ndfa, pr->v[i], &d, &a);
		expected(p, pr->v[i], &ed, &ea);
		if (d != ed || a != ea) {
			fprintf(stderr,
				"path '%s': deny %#x allow %#x, expected deny %#x allow %#x\n",
				pr->v[i], d, a, ed, ea);
			abort();
		}
	}
	policy_fs_trie_free(&trie);
	free(dfa);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct probes pr;
	const char *lines[MAX_LINES];
	size_t lens[MAX_LINES], nlines = 0, pos = 0, ylen = 0;
	struct policy_diags diags = { 0 };
	struct policy *p = NULL;
	const char *opened = NULL; /* the top-level key last written */
	char *yaml;

	/* split into lines */
	while (pos < size && nlines < MAX_LINES) {
		const uint8_t *nl = memchr(data + pos, '\n', size - pos);
		size_t len = nl ? (size_t)(nl - (data + pos)) : size - pos;

		if (len > 0 && len <= MAX_LINE && !memchr(data + pos, 0, len)) {
			lines[nlines] = (const char *)data + pos;
			lens[nlines++] = len;
		}
		pos += len + 1;
	}
	yaml = malloc(64 + nlines * (MAX_LINE * 4 + 64));
	if (!yaml)
		return 0;
	pr.n = 0;
	ylen += (size_t)sprintf(yaml, "name: fuzz\n");
	/* the YAML: each section that has rules, in order */
	for (size_t s = 0; s < NSECTIONS; s++) {
		int listed = 0;

		for (size_t i = 0; i < nlines; i++) {
			if (lines[i][0] != sections[s].tag || lens[i] < 2)
				continue;
			if (!opened || strcmp(opened, sections[s].top))
				ylen += (size_t)sprintf(yaml + ylen, "%s:\n", sections[s].top);
			opened = sections[s].top;
			if (!listed)
				ylen += (size_t)sprintf(yaml + ylen, "  %s:\n", sections[s].key);
			listed = 1;
			ylen += (size_t)sprintf(yaml + ylen, "    - ");
			ylen += yaml_quote(yaml + ylen, lines[i] + 1, lens[i] - 1);
			yaml[ylen++] = '\n';
		}
	}
	yaml[ylen] = 0;
	if (policy_parse_string("fuzz.yaml", yaml, ylen, &p, &diags)) {
		if (!diags.n)
			abort();
		policy_diags_free(&diags);
		free(yaml);
		return 0;
	}
	for (size_t i = 0; i < nlines; i++) {
		char path[MAX_PATH];

		if (lines[i][0] == 'p') {
			memcpy(path, lines[i] + 1, lens[i] - 1);
			path[lens[i] - 1] = 0;
			probe_add(&pr, path);
		}
	}
	{
		const struct policy_strs *lists[] = { &p->fs.read,	 &p->fs.write,
						      &p->fs.deny,	 &p->exec.allow,
						      &p->exec.deny,	 &p->libraries.allow,
						      &p->libraries.deny };

		for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++)
			for (size_t i = 0; i < lists[l]->n; i++)
				for (int fill = 0; fill < 3; fill++)
					probes_of_rule(&pr, lists[l]->v[i].s, fill);
	}
	check(p, &pr);
	policy_free(p);
	free(yaml);
	return 0;
}
