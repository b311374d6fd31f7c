// SPDX-License-Identifier: GPL-2.0
/*
 * Wildcard rules -> one automaton per policy, stepped by the BPF programs one path byte at a
 * time (one array lookup per byte, whatever the number of rules).
 *
 * Each pattern becomes a short NFA: literal bytes, '*' (any bytes but '/'), '**' (any bytes),
 * '**' as a whole component (zero or more whole directories), and an accepting end, which for a
 * directory rule (trailing '/') also accepts everything below it. The subset construction turns the
 * union of a policy's patterns into a DFA whose states carry the deny and allow masks of the
 * patterns that match a path ending there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policy.h"

enum nfa_type {
	N_LIT, /* c: on c, go on */
	N_STAR, /* '*': stay on any byte but '/'; may go on */
	N_ANY, /* '**' within a component: stay on any byte; may go on */
	N_DIRS, /* '**' as a whole component: may skip the loop below, or enter it */
	N_LOOP, /* stay on any byte; a '/' also goes on */
	N_END, /* accepts where the path ends */
	N_ENDDIR, /* accepts where the path ends; a '/' goes on to N_ABSORB */
	N_ABSORB, /* accepts, whatever follows */
};

struct nfa_state {
	uint8_t type;
	uint8_t c;
	uint64_t out; /* of an accepting state: what a path ending here gets */
};

struct nfa {
	struct nfa_state *v;
	size_t n;
	size_t *starts;
	size_t nstarts;
};

int policy_is_glob(const char *path)
{
	return strchr(path, '*') != NULL;
}

static int nfa_add(struct nfa *a, size_t *cap, uint8_t type, uint8_t c, uint64_t out)
{
	if (a->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct nfa_state *v = realloc(a->v, ncap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		a->v = v;
		*cap = ncap;
	}
	a->v[a->n++] = (struct nfa_state){ type, c, out };
	return 0;
}

static int nfa_pattern(struct nfa *a, size_t *cap, const char *p, uint64_t out)
{
	size_t len = strlen(p), i = 0;
	int dir = len > 1 && p[len - 1] == '/', err = 0;

	if (dir)
		len--;
	a->starts[a->nstarts++] = a->n;
	while (i < len && !err) {
		if (p[i] == '*' && i + 1 < len && p[i + 1] == '*') {
			if (i > 0 && p[i - 1] == '/' && i + 2 < len && p[i + 2] == '/') {
				err = nfa_add(a, cap, N_DIRS, 0, 0);
				if (!err)
					err = nfa_add(a, cap, N_LOOP, 0, 0);
				i += 3;
			} else {
				err = nfa_add(a, cap, N_ANY, 0, 0);
				i += 2;
			}
		} else if (p[i] == '*') {
			err = nfa_add(a, cap, N_STAR, 0, 0);
			i++;
		} else {
			err = nfa_add(a, cap, N_LIT, (uint8_t)p[i], 0);
			i++;
		}
	}
	if (!err)
		err = nfa_add(a, cap, dir ? N_ENDDIR : N_END, 0, out);
	if (!err && dir)
		err = nfa_add(a, cap, N_ABSORB, 0, out);
	return err;
}

/* Sets of NFA states: bitsets of `words` 64-bit words. */
struct sets {
	size_t words;
	uint64_t *v; /* n sets */
	size_t n;
	size_t cap;
	uint32_t *table; /* open addressing: index + 1, 0 when empty */
	size_t tsize;
};

static uint64_t set_hash(const uint64_t *s, size_t words)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < words; i++)
		h = (h ^ s[i]) * 0x100000001b3ULL;
	return h ^ (h >> 29);
}

/* Words of a set of the NFA's states (one more bit than states, as the sets table has). */
static size_t set_words(const struct nfa *a)
{
	return (a->n + 1 + 63) / 64;
}

/*
 * Visiting only the states a set holds (not every state of the NFA) keeps the subset
 * construction linear in the rules' size: a policy of long patterns once took seconds.
 */
static void closure(const struct nfa *a, uint64_t *s)
{
	/* epsilon moves only go forward, so one pass in index order reaches the fixpoint */
	for (size_t w = 0; w < set_words(a); w++) {
		uint64_t done = 0, bits;

		/* re-read the word: a move may add a later state of the same word */
		while ((bits = s[w] & ~done)) {
			size_t i = w * 64 + (size_t)__builtin_ctzll(bits);

			done |= bits & -bits;
			switch (a->v[i].type) {
			case N_STAR:
			case N_ANY:
				s[(i + 1) / 64] |= 1ULL << ((i + 1) % 64);
				break;
			case N_DIRS:
				s[(i + 1) / 64] |= 1ULL << ((i + 1) % 64);
				s[(i + 2) / 64] |= 1ULL << ((i + 2) % 64);
				break;
			default:
				break;
			}
		}
	}
}

static void step(const struct nfa *a, const uint64_t *from, uint64_t *to, uint8_t c)
{
	for (size_t w = 0; w < set_words(a); w++) {
		for (uint64_t bits = from[w]; bits; bits &= bits - 1) {
			size_t i = w * 64 + (size_t)__builtin_ctzll(bits);
			size_t go = (size_t)-1, stay = 0;

			switch (a->v[i].type) {
			case N_LIT:
				if (a->v[i].c == c)
					go = i + 1;
				break;
			case N_STAR:
				stay = c != '/';
				break;
			case N_ANY:
			case N_ABSORB:
				stay = 1;
				break;
			case N_LOOP:
				stay = 1;
				if (c == '/')
					go = i + 1;
				break;
			case N_ENDDIR:
				if (c == '/')
					go = i + 1;
				break;
			default:
				break;
			}
			if (stay)
				to[i / 64] |= 1ULL << (i % 64);
			if (go != (size_t)-1)
				to[go / 64] |= 1ULL << (go % 64);
		}
	}
	closure(a, to);
}

/* The index of set s, added if new; -1 past max states, -ENOMEM. */
static long sets_find_or_add(struct sets *t, const uint64_t *s, size_t max)
{
	size_t slot = set_hash(s, t->words) & (t->tsize - 1);

	while (t->table[slot]) {
		size_t idx = t->table[slot] - 1;

		if (!memcmp(t->v + idx * t->words, s, t->words * 8))
			return (long)idx;
		slot = (slot + 1) & (t->tsize - 1);
	}
	if (t->n >= max)
		return -1;
	if (t->n == t->cap) {
		size_t ncap = t->cap * 2;
		uint64_t *v = realloc(t->v, ncap * t->words * 8);

		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = ncap;
	}
	memcpy(t->v + t->n * t->words, s, t->words * 8);
	t->table[slot] = (uint32_t)t->n + 1;
	return (long)t->n++;
}

/*
 * Each state's deny bits and those of any state it can reach (what moving a path can lift),
 * its allow bits and those of any state it can reach (what a directory moved below it can
 * gain), and the allow bits it and every state it can reach share (what everything below has).
 */
static void dfa_reach(struct warden_dfa_state *v, size_t n)
{
	size_t i;
	int changed = 1;

	for (i = 0; i < n; i++) {
		v[i].reach_deny = v[i].deny;
		v[i].reach_allow = v[i].allow;
		v[i].every_allow = v[i].allow;
	}
	while (changed) {
		changed = 0;
		for (i = n; i-- > 0;) {
			struct warden_dfa_state *st = &v[i], was = *st;

			for (int b = 1; b < 256; b++) {
				st->reach_deny |= v[st->next[b]].reach_deny;
				st->reach_allow |= v[st->next[b]].reach_allow;
				st->every_allow &= v[st->next[b]].every_allow;
			}
			if (st->reach_deny != was.reach_deny ||
			    st->reach_allow != was.reach_allow ||
			    st->every_allow != was.every_allow)
				changed = 1;
		}
	}
}

/* Bytes no pattern names behave alike: one class for all of them, one for each other. */
static int byte_classes(const struct nfa *a, int classes[256], int rep[256])
{
	int nclasses = 0;

	memset(classes, -1, 256 * sizeof(*classes));
	for (size_t i = 0; i < a->n; i++) {
		if (a->v[i].type == N_LIT && classes[a->v[i].c] < 0) {
			rep[nclasses] = a->v[i].c;
			classes[a->v[i].c] = nclasses++;
		}
	}
	if (classes['/'] < 0) {
		rep[nclasses] = '/';
		classes['/'] = nclasses++;
	}
	for (int i = 1; i < 256; i++) {
		if (classes[i] < 0) {
			rep[nclasses++] = i;
			break;
		}
	}
	return nclasses;
}

static int sets_init(struct sets *t, const struct nfa *a, size_t max)
{
	t->words = set_words(a);
	t->cap = 64;
	t->tsize = 2;
	while (t->tsize < 2 * max)
		t->tsize *= 2;
	t->v = malloc(t->cap * t->words * 8);
	t->table = calloc(t->tsize, sizeof(*t->table));
	return t->v && t->table ? 0 : -ENOMEM;
}

/* State i of the automaton: its output and its moves, adding the states they reach. */
static int build_state(const struct nfa *a, struct sets *t, size_t max, size_t i,
		       struct policy_automaton *o, const int *classes, const int *rep, int nclasses)
{
	uint64_t *cur = t->v + i * t->words, *next = calloc(t->words, 8), *copy = NULL;
	long to[256];
	int ret = 0;

	copy = malloc(t->words * 8);
	if (!next || !copy) {
		ret = -ENOMEM;
		goto out;
	}
	memcpy(copy, cur, t->words * 8); /* t->v moves as sets are added */
	o->out[i] = 0;
	for (size_t k = 0; k < a->n; k++)
		if ((copy[k / 64] >> (k % 64) & 1) &&
		    (a->v[k].type == N_END || a->v[k].type == N_ENDDIR || a->v[k].type == N_ABSORB))
			o->out[i] |= a->v[k].out;
	for (int c = 0; c < nclasses; c++) {
		memset(next, 0, t->words * 8);
		step(a, copy, next, (uint8_t)rep[c]);
		to[c] = sets_find_or_add(t, next, max);
		if (to[c] < 0) {
			ret = to[c] == -ENOMEM ? -ENOMEM : -E2BIG;
			goto out;
		}
	}
	for (int b = 1; b < 256; b++)
		o->next[i][b] = (uint16_t)to[classes[b] >= 0 ? classes[b] : nclasses - 1];
	o->next[i][0] = 0; /* paths hold no NUL */
out:
	free(next);
	free(copy);
	return ret;
}

int policy_automaton_build(const struct policy_glob *g, size_t n, size_t max,
			   struct policy_automaton *ret)
{
	struct nfa a = { 0 };
	struct sets t = { 0 };
	struct policy_automaton o = { 0 };
	size_t cap = 0, i;
	int err = 0, classes[256], rep[256], nclasses;
	uint64_t *start = NULL;

	memset(ret, 0, sizeof(*ret));
	a.starts = calloc(n ? n : 1, sizeof(*a.starts));
	if (!a.starts)
		return -ENOMEM;
	for (i = 0; i < n && !err; i++)
		err = nfa_pattern(&a, &cap, g[i].s, g[i].out);
	if (err || !a.nstarts)
		goto out; /* no patterns: no automaton */
	nclasses = byte_classes(&a, classes, rep);
	err = sets_init(&t, &a, max);
	start = calloc(t.words, 8);
	if (!err && !start)
		err = -ENOMEM;
	if (err)
		goto out;
	/* state 0: the empty set (no pattern can match any more); state 1: the start */
	sets_find_or_add(&t, start, max);
	for (i = 0; i < a.nstarts; i++)
		start[a.starts[i] / 64] |= 1ULL << (a.starts[i] % 64);
	closure(&a, start);
	sets_find_or_add(&t, start, max);
	for (i = 0; i < t.n && !err; i++) {
		if (i % 64 == 0) {
			void *nx = realloc(o.next, (i + 64) * sizeof(*o.next));
			void *ou = nx ? realloc(o.out, (i + 64) * sizeof(*o.out)) : NULL;

			o.next = nx ? nx : o.next;
			o.out = ou ? ou : o.out;
			if (!nx || !ou) {
				err = -ENOMEM;
				break;
			}
		}
		err = build_state(&a, &t, max, i, &o, classes, rep, nclasses);
	}
	if (!err) {
		o.n = t.n;
		*ret = o;
		o = (struct policy_automaton){ 0 };
	}
out:
	policy_automaton_free(&o);
	free(start);
	free(t.v);
	free(t.table);
	free(a.v);
	free(a.starts);
	return err;
}

void policy_automaton_free(struct policy_automaton *a)
{
	free(a->next);
	free(a->out);
	memset(a, 0, sizeof(*a));
}

int policy_compile_dfa(const struct policy *p, struct warden_dfa_state **ret_states, size_t *ret_n,
		       char *err, size_t err_size)
{
	struct policy_path_section sec[POLICY_PATH_SECTIONS];
	struct policy_automaton a;
	struct policy_glob *g;
	struct warden_dfa_state *out;
	size_t total = 0, n = 0, i, k;
	int ret;

	*ret_states = NULL;
	*ret_n = 0;
	policy_path_sections(p, sec);
	for (i = 0; i < POLICY_PATH_SECTIONS; i++)
		total += sec[i].paths->n;
	g = calloc(total ? total : 1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	for (i = 0; i < POLICY_PATH_SECTIONS; i++)
		for (k = 0; k < sec[i].paths->n; k++)
			if (policy_is_glob(sec[i].paths->v[k].s))
				g[n++] = (struct policy_glob){ sec[i].paths->v[k].s,
							       sec[i].deny | (uint64_t)sec[i].allow
										     << 32 };
	ret = policy_automaton_build(g, n, WARDEN_DFA_POLICY_STATES + 1, &a);
	free(g);
	if (ret == -E2BIG)
		snprintf(
			err, err_size,
			"the wildcard rules of policy '%s' need more than %d automaton states; use fewer or simpler patterns",
			p->name.s, WARDEN_DFA_POLICY_STATES);
	if (ret || !a.n)
		return ret;
	out = calloc(a.n, sizeof(*out));
	if (!out) {
		policy_automaton_free(&a);
		return -ENOMEM;
	}
	for (i = 0; i < a.n; i++) {
		out[i].deny = (uint32_t)a.out[i];
		out[i].allow = (uint32_t)(a.out[i] >> 32);
		memcpy(out[i].next, a.next[i], sizeof(out[i].next));
	}
	policy_automaton_free(&a);
	dfa_reach(out, i);
	*ret_states = out;
	*ret_n = i;
	return 0;
}
