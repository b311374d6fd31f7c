/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The path decision: the rules covering a path (a trie of literal rules, looked up one
 * component at a time and matched byte for byte, and the wildcard automaton), a path built
 * from a dentry where bpf_d_path cannot be called, and the verdict with its event. Shared by
 * the file hooks and the unix socket hooks (a socket reached by path is judged as fs.write).
 */
#ifndef WARDEN_PATH_BPF_H
#define WARDEN_PATH_BPF_H

#include "decide.bpf.h"

#define FS_CHUNK 1024

/*
 * Go down the trie to the component in s->key, the child of s->node: its directory rules
 * cover it and everything below. A miss means that no literal rule goes through this
 * component, so the walk stops looking (the automaton goes on). A global function, verified
 * once.
 */
__noinline int fs_trie_descend(void)
{
	struct warden_scratch *s = warden_scratch_get();
	struct warden_fs_node *n = NULL;

	if (!s)
		return -1;
	if (!s->live)
		return 0;
	s->key.parent = s->node;
	/* a short name's key is the first bytes of s->key: its padding is zero there too */
	if (s->klen < WARDEN_SHORT_NAME)
		n = bpf_map_lookup_elem(&warden_fs_short, &s->key);
	else if (s->klen < WARDEN_COMPONENT_MAX)
		n = bpf_map_lookup_elem(&warden_fs_rule, &s->key);
	if (!n) {
		s->live = 0;
		return 0;
	}
	s->node = n->id;
	s->node_deny = n->deny;
	s->node_allow = n->allow;
	s->node_subtree = n->subtree_deny;
	s->node_subtree_allow = n->subtree_allow;
	s->deny |= n->dir_deny;
	s->allow |= n->dir_allow;
	__builtin_memset(s->key.name, 0, sizeof(s->key.name));
	s->klen = 0;
	return 0;
}

/*
 * One byte of the path: part of the component being read, or the '/' that ends it; and one
 * step of the wildcard automaton, if the policy has one. All its state lives in the scratch
 * map, and it is a global function, verified once: the loop calling it then has one way
 * through per byte, which keeps the verifier's work linear in the path's length.
 */
__noinline int fs_step(__u32 idx)
{
	struct warden_scratch *s = warden_scratch_get();
	struct warden_dfa_state *row;
	__u8 c;

	if (!s)
		return -1;
	c = s->ev.path[idx & (WARDEN_PATH_MAX - 1)];
	if (c == '/') {
		if (fs_trie_descend() < 0)
			return -1;
	} else {
		/* past 255 bytes (never from the kernel) it overwrites itself; klen rules it out */
		s->key.name[s->klen & (WARDEN_COMPONENT_MAX - 1)] = c;
		s->klen++;
	}
	if (s->dfa_state) {
		row = bpf_map_lookup_elem(&warden_dfa, &s->dfa_state);
		s->dfa_state = row ? row->next[c] : 0;
	}
	if (c == '/') {
		/* the state after the directory read so far, for warden_dirstate */
		s->dir_live = s->live;
		s->dir_node = s->node;
		s->dir_deny = s->deny;
		s->dir_allow = s->allow;
		s->dir_dfa = s->dfa_state;
		s->dir_len = idx + 1;
	}
	return 0;
}

/*
 * Path bytes [start, start + FS_CHUNK), a global function: one loop over the whole 4096-byte
 * path exceeds the verifier's limit of 8192 pending jumps.
 */
__noinline int fs_walk_chunk(__u32 start)
{
	struct warden_scratch *s = warden_scratch_get();
	__u32 i;

	if (!s)
		return -1;
	for (i = 0; i < FS_CHUNK; i++) {
		/* s->len counts the terminating NUL, as bpf_d_path returns it */
		if (start + i + 1 >= s->len)
			break;
		if (fs_step(start + i) < 0)
			return -1;
	}
	return 0;
}

/* The trie key before the first byte of a component. */
static __always_inline void fs_key_reset(struct warden_scratch *s)
{
	s->key.ruleset = s->ruleset;
	__builtin_memset(s->key.name, 0, sizeof(s->key.name));
	s->klen = 0;
}

/*
 * The state of a match before the first byte of a path (len bytes with its NUL), but for the
 * trie key (fs_key_reset).
 */
static __always_inline void fs_match_begin(struct warden_scratch *s, struct warden_policy *policy,
					   __u32 len)
{
	s->deny = 0;
	s->allow = 0;
	s->exact_deny = 0;
	s->exact_allow = 0;
	s->len = len;
	s->dfa_state = policy->dfa_start;
	s->node = 0;
	s->node_deny = 0;
	s->node_allow = 0;
	s->node_subtree = 0;
	s->node_subtree_allow = 0;
	s->cover = 0;
	s->live = 1;
	s->matched = 0;
	s->dir_live = 0;
	s->dir_node = 0;
	s->dir_deny = 0;
	s->dir_allow = 0;
	s->dir_dfa = 0;
	s->dir_len = 0;
}

/* The end of a match once its last byte is read: the last component (unless last is 0). */
static __always_inline int fs_match_end(struct warden_scratch *s, int last)
{
	struct warden_dfa_state *row;
	int err = 0;

	if (s->live && last)
		err = fs_trie_descend();
	s->cover = s->allow; /* directory rules only, so far */
	if (s->live) {
		s->exact_deny = s->node_deny;
		s->exact_allow = s->node_allow;
		s->deny |= s->node_deny;
		s->allow |= s->node_allow;
	}
	if (s->dfa_state) {
		row = bpf_map_lookup_elem(&warden_dfa, &s->dfa_state);
		if (row) {
			s->deny |= row->deny;
			s->allow |= row->allow;
		}
	}
	return err;
}

/*
 * Collect the masks of every rule covering the path in s->ev (len bytes with its NUL): the
 * directory rules of every component from the root down, the rules naming exactly the path,
 * and the wildcard rules matching it. A path that does not start with '/' (an abstract unix
 * socket name, "@name") is read as if it did. userspace/policy/match.c (policy_match_path)
 * computes the same from the same rules.
 */
static __always_inline int fs_match_path(struct warden_scratch *s, struct warden_policy *policy,
					 __u32 len)
{
	int err = 0;

	fs_match_begin(s, policy, len);
	fs_key_reset(s);
	if (s->ev.path[0] != '/')
		err |= fs_trie_descend(); /* the root */
	err |= fs_walk_chunk(0);
	if (len > FS_CHUNK)
		err |= fs_walk_chunk(FS_CHUNK);
	if (len > 2 * FS_CHUNK)
		err |= fs_walk_chunk(2 * FS_CHUNK);
	if (len > 3 * FS_CHUNK)
		err |= fs_walk_chunk(3 * FS_CHUNK);
	/* the last component (after the last '/', maybe empty), unless the path is the root */
	err |= fs_match_end(s, !(len == 2 && s->ev.path[0] == '/'));
	s->matched = !err;
	return err ? -1 : 0;
}

/*
 * After fs_match_path: whether moving the path away (a rename, a hard link) would take a deny
 * rule off something: a rule covering the path itself, a literal rule below it (the trie node's
 * subtree), or a wildcard rule that could still match below it (the automaton's state after
 * "PATH/" can reach a deny).
 */
static __always_inline int lifts_deny(struct warden_scratch *s)
{
	struct warden_dfa_state *row;
	__u32 below;

	if (s->deny || (s->live && s->node_subtree))
		return 1;
	if (!s->dfa_state)
		return 0;
	row = bpf_map_lookup_elem(&warden_dfa, &s->dfa_state);
	if (!row)
		return 1;
	below = row->next['/'];
	if (!below)
		return 0;
	row = bpf_map_lookup_elem(&warden_dfa, &below);
	return !row || row->reach_deny;
}

/*
 * What the rules allow below the directory whose path s matched last (fs_match_path, or a
 * directory state and its name), into s->below[slot]: every, to everything below it (its
 * directory rules, and the bits every automaton state reachable after "PATH/" shares); any,
 * to anything at or below it (also the literal rules at or below it; any_dfa, the wildcard
 * rules; dfa, the automaton's state after "PATH/", 0 when none can match). A state that cannot
 * be read gives nothing to every path and everything to any. A global function, verified once.
 */
__noinline int fs_rules_below(__u32 slot)
{
	struct warden_scratch *s = warden_scratch_get();
	struct warden_dfa_state *row;
	struct rules_below *b;
	__u32 below;

	if (!s)
		return -1;
	b = &s->below[slot & 1];
	b->every = s->cover;
	b->any = s->cover | (s->live ? s->node_subtree_allow : 0);
	b->any_dfa = 0;
	b->dfa = 0;
	if (!s->dfa_state)
		return 0;
	row = bpf_map_lookup_elem(&warden_dfa, &s->dfa_state);
	below = row ? row->next['/'] : 0;
	if (row && !below)
		return 0;
	row = bpf_map_lookup_elem(&warden_dfa, &below);
	if (!row || !below) {
		b->any_dfa = ~0U;
		return 0;
	}
	b->every |= row->every_allow;
	b->any_dfa = row->reach_allow;
	b->dfa = below;
	return 0;
}

/*
 * The allow bits a directory moved from old (its rules_below) to new would give something below
 * it that it lacked. When both end in one automaton state, the wildcard rules decide alike for
 * every path below either: only literal and directory rules are compared.
 */
static __always_inline __u32 below_gains(const struct rules_below *old,
					 const struct rules_below *new)
{
	__u32 gets = new->any;

	if (!new->dfa || new->dfa != old->dfa)
		gets |= new->any_dfa;
	return gets & ~old->every;
}

/*
 * After the second name of a rename is matched (the first's rules_below in s->below[0]): what
 * a directory moved gives what is below it (how: 1, the source is a directory; 2, the target
 * of an exchange is one, and moves to the source's name). A global function, verified once.
 */
__noinline __u32 fs_move_gains(__u32 how)
{
	struct warden_scratch *s = warden_scratch_get();
	__u32 gain = 0;

	if (!s || fs_rules_below(1) < 0)
		return ~0U;
	if (how & 1)
		gain |= below_gains(&s->below[0], &s->below[1]);
	if (how & 2)
		gain |= below_gains(&s->below[1], &s->below[0]);
	return gain;
}

/*
 * The rest of a decision on a file once its path is in s->ev (len as bpf_d_path or walk_path
 * returned it): fail closed when it could not be resolved, deny a file with no name where the
 * default is deny (with fileless set), then the rules. 0 when allowed (counted; s->deny and
 * s->allow hold the rules' masks), otherwise warden_report's verdict.
 */
static __always_inline int path_decide(struct warden_scratch *s, struct warden_policy *policy,
				       __u32 policy_id, long len, __u16 op, __u32 want,
				       __u32 default_deny, struct file *fileless)
{
	struct warden_event *ev = &s->ev;

	if (len <= 0) {
		/* Too long or unresolvable: deny rather than guess, and say why. */
		ev->path[0] = 0;
		ev->path_len = 1;
		ev->error = len ? (__s32)len : -22;
		return warden_report(ev, policy, policy_id, op, WARDEN_REASON_UNRESOLVED);
	}
	ev->path_len = len;
	/*
	 * A memfd or deleted file has no path a rule could name: with the default deny, running
	 * or mapping one is denied (memfd_create + execveat is the classic way around exec rules).
	 */
	if (fileless && default_deny && !BPF_CORE_READ(fileless, f_inode, __i_nlink))
		return warden_report(ev, policy, policy_id, op, WARDEN_REASON_FILELESS);
	if (fs_match_path(s, policy, len)) {
		ev->error = -11; /* EAGAIN: the rules could not all be looked up */
		return warden_report(ev, policy, policy_id, op, WARDEN_REASON_UNRESOLVED);
	}
	if (s->deny & want)
		return warden_report(ev, policy, policy_id, op, WARDEN_REASON_RULE);
	if (default_deny && (s->allow & want) != want)
		return warden_report(ev, policy, policy_id, op, WARDEN_REASON_DEFAULT);
	warden_count_allowed(policy_id);
	return 0;
}

/* Whether the masks a match left in s allow want (with the default deny or not). */
static __always_inline int fs_allows(const struct warden_scratch *s, __u32 want, __u32 default_deny)
{
	return !(s->deny & want) && (!default_deny || (s->allow & want) == want);
}

/*
 * The sequence count of the kernel's rename_lock (a seqlock's count is its first field): every
 * d_move, d_exchange and d_splice_alias writes a dentry's name and parent inside its write
 * section. Weak: a kernel without it in kallsyms reads it as always moving (seq_now).
 */
extern const void rename_lock __ksym __weak;

/*
 * The sequence count of the kernel's mount_lock: every change to the mount tree, including a
 * mount's final release, bumps it. Weak, so a kernel without it in kallsyms loads the programs,
 * caches nothing and takes no walk as settled.
 */
extern const void mount_lock __ksym __weak;

/*
 * From 6.2 a read-only typed view of any kernel address, whose loads are plain loads the JIT
 * guards against faults (about 7 instructions, where a bpf_probe_read_kernel call costs about
 * 85). Weak: older kernels do not have it, and there the verifier drops the branch that calls it
 * (seq_at; cgroup storage came in the same release, and its enum value is resolved at load).
 */
extern void *bpf_rdonly_cast(void *obj, __u32 btf_id) __ksym __weak;

/*
 * The sequence count at addr (a seqcount's first field): odd while being written. Read once,
 * in program order (volatile, and after a call the compiler cannot see through). Only
 * addresses of live objects are passed (static locks; dentries, which are freed after an RCU
 * grace period, and a program runs inside an RCU read section), so neither read faults.
 */
static __always_inline __u32 seq_at(const void *addr)
{
	__u32 seq = 1; /* odd: "being written", never cached */

	if (bpf_core_enum_value_exists(enum bpf_map_type, BPF_MAP_TYPE_CGRP_STORAGE)) {
		struct seqcount *sc =
			bpf_rdonly_cast((void *)addr, bpf_core_type_id_kernel(struct seqcount));

		return *(volatile __u32 *)&sc->sequence;
	}
	bpf_probe_read_kernel(&seq, sizeof(seq), addr);
	return seq;
}

static __always_inline __u32 seq_now(const void *lock)
{
	return lock ? seq_at(lock) : 1;
}

/*
 * A dentry's d_seq count (a seqcount's first field, whichever lock type the kernel declares it
 * with): __d_move bumps it for both dentries of a rename or exchange, __d_drop when the dentry
 * leaves the hash (removal, invalidation). Odd while being written, or when it cannot be read.
 */
static __always_inline __u32 dentry_seq(struct dentry *d)
{
	return seq_at((char *)d + bpf_core_field_offset(struct dentry, d_seq));
}

#define WALK_CHUNK 64 /* components per call of walk_chunk */
#define WALK_CALLS 32 /* 2048 components: a 4095-byte path has at most that many */
#define WALK_TRIES 4 /* walks of one path before a decision gives up on a settled one */
#define WALK_SEEN_MAX 256 /* dentries a checked walk records (walk_seen) */

/*
 * A checked walk's record of each dentry whose name and parent it read, with its d_seq read
 * before them. It lives in s->ev.path, which the walk fills only once it is over (walk_path).
 */
struct walk_seen {
	__u64 dentry[WALK_SEEN_MAX];
	__u32 seq[WALK_SEEN_MAX];
	__u32 n; /* one more than the dentries recorded; 0: the walk is not checked */
	__u64 from_vfs, from_dentry, from_child; /* where every walk starts (walk_path) */
};
_Static_assert(sizeof(struct walk_seen) <= WARDEN_PATH_MAX, "walk_seen fits in ev.path");

static __always_inline struct walk_seen *walk_seen(struct warden_scratch *s)
{
	return (struct walk_seen *)s->ev.path;
}

/*
 * Record d and its d_seq before its name and parent are read (a checked walk: n set):
 * 0 to go on; 1 when the walk cannot be vouched for, because d is being moved now or the path
 * is deeper than the record (walk_done 4: moved).
 */
static __always_inline int walk_record(struct warden_scratch *s, struct dentry *d)
{
	struct walk_seen *w = walk_seen(s);
	__u32 n = w->n - 1, seq = dentry_seq(d);

	if ((seq & 1) || n >= WALK_SEEN_MAX) {
		s->walk_done = 4;
		return 1;
	}
	w->dentry[n] = (__u64)d;
	w->seq[n] = seq;
	w->n = n + 2;
	return 0;
}

/*
 * Walk up to WALK_CHUNK components from s->walk_dentry towards the task's root, writing
 * "/name" pieces backwards into s->rev. Crossing a mount goes on from its mountpoint in the
 * parent mount, as d_path does. A global function, verified once (see fs_walk_chunk).
 */
__noinline int walk_chunk(void)
{
	struct warden_scratch *s = warden_scratch_get();
	struct dentry *d, *parent;
	struct mount *mnt;
	struct vfsmount *vfs;
	__u32 i, off, len;

	if (!s)
		return 0;
	for (i = 0; i < WALK_CHUNK; i++) {
		/*
		 * Every iteration starts from what the map holds, so all the ways through the
		 * body end in the same verifier state and the iterations do not multiply.
		 */
		if (s->walk_done)
			break;
		d = (struct dentry *)s->walk_dentry;
		mnt = (struct mount *)s->walk_mount;
		off = s->walk_off;
		vfs = (struct vfsmount *)((char *)mnt + bpf_core_field_offset(struct mount, mnt));
		if ((__u64)d == s->root_dentry && (__u64)vfs == s->root_mnt) {
			s->walk_done = 1;
			continue;
		}
		if (d == BPF_CORE_READ(vfs, mnt_root)) {
			struct mount *up = BPF_CORE_READ(mnt, mnt_parent);

			if (up == mnt)
				s->walk_done = 1; /* the namespace's root */
			s->walk_dentry = (__u64)BPF_CORE_READ(mnt, mnt_mountpoint);
			s->walk_mount = (__u64)up;
			continue;
		}
		if (walk_seen(s)->n && walk_record(s, d))
			continue;
		parent = BPF_CORE_READ(d, d_parent);
		len = BPF_CORE_READ(d, d_name.len);
		if (parent == d) {
			/*
			 * The filesystem's root, never meeting the mount's root: the file was moved
			 * out of the subtree a bind mount shows (d_path: "escaped"). The names read
			 * so far are relative to a root no path of the task names: unresolvable.
			 * Any other root of its own is a file without a name (a memfd, a socket,
			 * a disconnected dentry): "/", as bpf_d_path gives it.
			 */
			s->walk_done = d == BPF_CORE_READ(d, d_sb, s_root) ? 3 : 1;
			continue;
		}
		if (len > 255 || off < len + 1) {
			s->walk_done = 2;
			continue;
		}
		off -= len;
		bpf_probe_read_kernel(s->rev + (off & (WARDEN_PATH_MAX - 1)), len & 255,
				      BPF_CORE_READ(d, d_name.name));
		off -= 1;
		s->rev[off & (WARDEN_PATH_MAX - 1)] = '/';
		s->walk_off = off;
		s->walk_dentry = (__u64)parent;
	}
	return 0;
}

/*
 * One walk of the path from walk_seen's start (dentry in vfs, followed by "/name" when child is
 * set) into s->rev from s->walk_off, as walk_chunk leaves walk_done; with checked, every dentry
 * whose name it reads recorded (walk_record). A global function, verified once.
 */
__noinline int walk_run(__u32 checked)
{
	struct warden_scratch *s = warden_scratch_get();
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 off = WARDEN_PATH_MAX - 1, len, i;
	struct dentry *c;

	if (!s)
		return 0;
	c = (struct dentry *)walk_seen(s)->from_child;
	s->rev[WARDEN_PATH_MAX - 1] = 0;
	s->walk_done = 0;
	walk_seen(s)->n = checked ? 1 : 0;
	if (c) {
		if (checked && walk_record(s, c))
			return 0;
		len = BPF_CORE_READ(c, d_name.len);
		if (len > 255) {
			s->walk_done = 2;
			return 0;
		}
		off -= len;
		bpf_probe_read_kernel(s->rev + (off & (WARDEN_PATH_MAX - 1)), len & 255,
				      BPF_CORE_READ(c, d_name.name));
		off -= 1;
		s->rev[off & (WARDEN_PATH_MAX - 1)] = '/';
	}
	s->walk_dentry = walk_seen(s)->from_dentry;
	s->walk_mount = walk_seen(s)->from_vfs - bpf_core_field_offset(struct mount, mnt);
	s->root_dentry = (__u64)BPF_CORE_READ(task, fs, root.dentry);
	s->root_mnt = (__u64)BPF_CORE_READ(task, fs, root.mnt);
	s->walk_off = off;
	for (i = 0; i < WALK_CALLS; i++) {
		walk_chunk();
		if (s->walk_done)
			break;
	}
	return 0;
}

/* Whether every dentry a checked walk recorded still has the d_seq it had when read. */
__noinline int walk_unmoved(void)
{
	struct warden_scratch *s = warden_scratch_get();
	struct walk_seen *w;
	__u32 i;

	if (!s)
		return 0;
	w = walk_seen(s);
	for (i = 0; i < WALK_SEEN_MAX && i + 1 < w->n; i++)
		if (dentry_seq((struct dentry *)w->dentry[i]) != w->seq[i])
			return 0;
	return 1;
}

/*
 * Walk until one walk read names and parents that all held at one moment, as d_path retries
 * under rename_lock: a rename during the walk (of the file, or of a directory above it) could
 * otherwise give a path that never existed, a name's new bytes cut to its old length ("pubq"
 * read as "pub") or a lower part from before a move and an upper part from after, and so
 * rules the file never had. Every walk needs mount_lock's sequence even and unchanged (no
 * mount moved under it). The first holds when rename_lock's was too (no rename anywhere
 * meanwhile); on a host renaming all the time, the later ones hold when each dentry read still
 * has its d_seq (__d_move bumps it for both dentries): each dentry's name and parent then held
 * from its reading to its check, and all of them between the last reading and the first
 * check. 1 when one held; 0 (walk_done 4) when none did.
 */
__noinline int walk_settled(void)
{
	struct warden_scratch *s = warden_scratch_get();
	__u32 i, seq, mounts;

	if (!s)
		return 0;
	for (i = 0; i < WALK_TRIES; i++) {
		seq = seq_now(&rename_lock);
		mounts = seq_now(&mount_lock);
		walk_run(i > 0);
		if (s->walk_done == 4 || (mounts & 1) || seq_now(&mount_lock) != mounts)
			continue;
		if (i == 0 ? !(seq & 1) && seq_now(&rename_lock) == seq : walk_unmoved())
			return 1;
	}
	s->walk_done = 4;
	return 0;
}

/*
 * The path of dentry in vfsmount, followed by "/name" when child is set, into s->ev.path as
 * bpf_d_path would give it: for the write-like hooks, which cannot call bpf_d_path on 5.10
 * (not sleepable) and get a bare dentry for the file they create or remove. Returns the length
 * with its NUL, or a negative errno (-ENAMETOOLONG past 4095 bytes, -EXDEV for a file moved out
 * of the bind mount it was reached through, -EAGAIN when renames kept tearing the walk).
 */
static __always_inline long walk_path(struct warden_scratch *s, struct vfsmount *vfs,
				      struct dentry *dentry, struct dentry *child)
{
	struct walk_seen *w = walk_seen(s);
	__u32 off, len;

	/* through the map: a global function takes no pointer to a kernel object on 5.10 */
	w->from_vfs = (__u64)vfs;
	w->from_dentry = (__u64)dentry;
	w->from_child = (__u64)child;
	walk_settled();
	if (s->walk_done == 4)
		return -11; /* EAGAIN: moved under every walk */
	if (s->walk_done == 3)
		return -18; /* EXDEV: out of the mount it was reached through */
	if (s->walk_done != 1)
		return -36; /* ENAMETOOLONG */
	off = s->walk_off;
	if (off == WARDEN_PATH_MAX - 1) {
		/* the root itself */
		off -= 1;
		s->rev[off] = '/';
	}
	len = WARDEN_PATH_MAX - off; /* with the NUL */
	if (off >= WARDEN_PATH_MAX || len > WARDEN_PATH_MAX)
		return -36;
	bpf_probe_read_kernel(s->ev.path, len & (WARDEN_PATH_MAX - 1), s->rev + off);
	s->ev.path[(len - 1) & (WARDEN_PATH_MAX - 1)] = 0;
	return len;
}

#endif /* WARDEN_PATH_BPF_H */
