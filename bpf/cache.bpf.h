/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What lets a file decision skip work, and when it may: the verdict of an open decided before
 * (warden_verdict) and the match state of a directory (warden_dirstate); bpf/abi.h says what
 * each holds. Both only ever let an allowed access through sooner: a decision they cannot
 * vouch for goes the whole way (bpf_d_path or the dentry walk, then every rule), and reports.
 */
#ifndef WARDEN_CACHE_BPF_H
#define WARDEN_CACHE_BPF_H

#include "path.bpf.h"

/*
 * The moves of dentries, counted by warden_d_move (fentry on __d_move, which every d_move,
 * d_exchange and d_splice_alias calls inside rename_lock's write section, one call per
 * section): all of them, and those of directories. Not pinned: a build counts for its own
 * caches only. A kernel whose __d_move cannot be traced counts nothing, and then every stamp
 * fails at the first rename anywhere, as before the counts existed.
 */
struct warden_moves {
	__u64 dirs;
	__u64 all;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct warden_moves);
} warden_moves SEC(".maps");

/* 5.10's caches (cache_where: CACHE_HASH), by dentry; the loader creates them only there. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 32768);
	__type(key, __u64);
	__type(value, struct warden_verdict);
} warden_verdict SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct warden_dirstate);
} warden_dirstate SEC(".maps");

/*
 * Where the two caches are kept. From 5.11 (the scratch's test: task storage) in inode storage:
 * a file's verdict and a directory's state hang from the inode's own blob, found without
 * hashing and freed with the inode, and each is replaced whole (deleted, then created from a
 * copy), so a reader finds the old one, none or the new one, never half of one (a deleted one
 * outlives every program that found it: RCU). A program that is not an LSM program cannot use
 * inode storage: the 5.10 file_open (fmod_ret, so caches in LRU hash maps by dentry there,
 * abi.h) and, on a later kernel that had to take it, nothing cached for file opens.
 */
#define CACHE_NONE 0
#define CACHE_HASH 1
#define CACHE_INODES 2

static __always_inline int cache_where(int lsm)
{
	if (!bpf_core_enum_value_exists(enum bpf_map_type, BPF_MAP_TYPE_TASK_STORAGE))
		return CACHE_HASH;
	return lsm ? CACHE_INODES : CACHE_NONE;
}

/* A verdict kept in inode storage: the inode's one verdict, for one of its dentries. */
struct warden_iverdict {
	struct warden_verdict v;
	__u64 dentry;
};

/* Not pinned: a new build starts with its own, empty (the loader creates them from 5.11). */
struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct warden_iverdict);
} warden_iverdict SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct warden_dirstate);
} warden_idirstate SEC(".maps");

/* Replace inode's element of inode storage map by a copy of value (cache_where: whole). */
#define storage_replace(map, inode, value)                                                \
	do {                                                                              \
		bpf_inode_storage_delete(map, inode);                                     \
		bpf_inode_storage_get(map, inode, value, BPF_LOCAL_STORAGE_GET_F_CREATE); \
	} while (0)

/* The verdict kept for opens of dentry (whose inode is inode), or NULL. */
static __always_inline struct warden_verdict *verdict_find(struct dentry *dentry,
							   struct inode *inode, int where)
{
	__u64 key = (__u64)dentry;
	struct warden_iverdict *iv;

	if (where == CACHE_HASH)
		return bpf_map_lookup_elem(&warden_verdict, &key);
	if (where != CACHE_INODES)
		return NULL;
	iv = bpf_inode_storage_get(&warden_iverdict, inode, NULL, 0);
	return iv && iv->dentry == key ? &iv->v : NULL;
}

/* Keep iv (its v filled in) as the verdict for opens of dentry, whose inode is inode. */
static __always_inline void verdict_store(struct warden_iverdict *iv, struct dentry *dentry,
					  struct inode *inode, int where)
{
	__u64 key = (__u64)dentry;

	iv->dentry = key;
	if (where == CACHE_HASH) {
		bpf_map_update_elem(&warden_verdict, &key, &iv->v, BPF_ANY);
	} else if (where == CACHE_INODES) {
		storage_replace(&warden_iverdict, inode, iv);
	}
}

/*
 * The state kept for directory dir, or NULL; the caller checks it is dir's (chain[0]) after
 * reading it, as an LRU hash element can be reused at once.
 */
static __always_inline struct warden_dirstate *dirstate_find(struct dentry *dir, int where)
{
	__u64 key = (__u64)dir;

	if (where == CACHE_HASH)
		return bpf_map_lookup_elem(&warden_dirstate, &key);
	if (where != CACHE_INODES)
		return NULL;
	return bpf_inode_storage_get(&warden_idirstate, dir->d_inode, NULL, 0);
}

/* A dentry got inode: forget what was kept for the memory it reuses, or for the inode. */
static __always_inline void cache_forget(struct dentry *dentry, struct inode *inode)
{
	__u64 key = (__u64)dentry;

	if (cache_where(1) == CACHE_INODES) {
		bpf_inode_storage_delete(&warden_iverdict, inode);
		bpf_inode_storage_delete(&warden_idirstate, inode);
		return;
	}
	if (bpf_map_lookup_elem(&warden_verdict, &key))
		bpf_map_delete_elem(&warden_verdict, &key);
	if (bpf_map_lookup_elem(&warden_dirstate, &key))
		bpf_map_delete_elem(&warden_dirstate, &key);
}

static __always_inline struct warden_moves *moves_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&warden_moves, &zero);
}

/*
 * Take the stamp an entry is kept with (bpf/abi.h: warden_stamp), before the path it is about is
 * read: 0 when nothing may be kept (a move under way). In this order: a directory move counted
 * before the directory count is read either ended before rename_lock's sequence is read, and so
 * before the path, or is still in its write section and leaves the sequence odd; and every move
 * counted after rename_lock's sequence was read ends after it, so the sequence's advance over
 * the stamp's includes it (stamp_holds). x86-64 keeps loads in program order; the helper call
 * keeps the compiler from moving them.
 */
static __always_inline int stamp_take(struct warden_stamp *st)
{
	struct warden_moves *m = moves_get();

	st->rename_seq = 1;
	if (!m)
		return 0;
	st->dir_moves = *(volatile __u64 *)&m->dirs;
	st->rename_seq = seq_now(&rename_lock);
	st->moves = (__u32) * (volatile __u64 *)&m->all;
	return !(st->rename_seq & 1);
}

/*
 * Whether no directory has moved since st was taken: no directory move counted, and every write
 * of rename_lock since was a move counted (each write section advances its sequence by 2 and
 * holds one __d_move). A section that moved nothing or was not counted (a __d_move the
 * tracing program missed) makes the sequence run ahead of the count, and the stamp fails: it
 * can fail for nothing, never hold wrongly. The count is read first: a move counted then is
 * under way or done when the sequence is read, odd or counted in it.
 */
static __always_inline int stamp_holds(const struct warden_stamp *st)
{
	struct warden_moves *m = moves_get();
	__u32 moves, seq;

	if (!m)
		return 0;
	moves = (__u32) * (volatile __u64 *)&m->all;
	seq = seq_now(&rename_lock);
	return seq - st->rename_seq == 2 * (moves - st->moves) &&
	       *(volatile __u64 *)&m->dirs == st->dir_moves;
}

/*
 * dentry_seq of a dentry the verifier knows as one (a hook's argument, or a field read directly
 * from one): a plain load, no helper call. A BTF pointer is to a live object (the hook's
 * caller holds it, and a parent is pinned by its child), so the load cannot fault.
 */
static __always_inline __u32 dentry_seq_btf(struct dentry *d)
{
	return *(__u32 *)((char *)d + bpf_core_field_offset(struct dentry, d_seq));
}

/*
 * The opener's root, and whether a cached verdict may be used or stored under it: only when
 * the root is the root of its mount (as for every process not chrooted into a subdirectory),
 * because then it cannot change without a mount change.
 */
static __always_inline int opener_root(__u64 *root_mnt, __u64 *root_dentry)
{
	/*
	 * From 5.11 (as task storage) the task is a BTF pointer, read directly; on 5.10 every
	 * field is read with a helper call. The verifier drops the other branch.
	 */
	if (bpf_core_enum_value_exists(enum bpf_map_type, BPF_MAP_TYPE_TASK_STORAGE)) {
		struct task_struct *task = bpf_get_current_task_btf();
		struct vfsmount *mnt = task->fs->root.mnt;
		struct dentry *dentry = task->fs->root.dentry;

		*root_mnt = (__u64)mnt;
		*root_dentry = (__u64)dentry;
		return mnt && dentry == mnt->mnt_root;
	}
	{
		struct path root =
			BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), fs, root);

		*root_mnt = (__u64)root.mnt;
		*root_dentry = (__u64)root.dentry;
		return root.mnt && root.dentry == BPF_CORE_READ(root.mnt, mnt_root);
	}
}

/* Whether v still holds for an open of (mnt, dentry) by the current task under policy. */
static __always_inline int verdict_holds(const struct warden_verdict *v, struct vfsmount *mnt,
					 struct dentry *dentry, __u32 ruleset,
					 const struct warden_policy *policy)
{
	__u64 root_mnt, root_dentry;

	if (v->mnt != (__u64)mnt || v->ruleset != ruleset || v->generation != policy->generation ||
	    v->dentry_seq != dentry_seq_btf(dentry))
		return 0;
	opener_root(&root_mnt, &root_dentry);
	return v->root_mnt == root_mnt && v->root_dentry == root_dentry &&
	       v->mount_seq == seq_now(&mount_lock) && stamp_holds(&v->stamp);
}

/*
 * Record into s->dst the dentries from s->walk_dentry (in s->walk_mount) up to the root, as
 * d_path goes: to the task's root, or to the root of a mount with no parent (a namespace's
 * root, a private mount such as overlayfs's layers), crossing each mount to its mountpoint,
 * each with its d_seq. 1 when recorded; 0 when a rename is under way or the chain is longer
 * than WARDEN_CHAIN_MAX. A global function, verified once; each iteration starts from what
 * the scratch holds, so the ways through its body do not multiply (see walk_chunk).
 */
__noinline int dir_chain(void)
{
	struct warden_scratch *s = warden_scratch_get();
	struct dentry *d, *parent;
	struct mount *mnt, *up;
	struct vfsmount *vfs;
	__u32 i, seq;

	if (!s)
		return 0;
	for (i = 0; i < WARDEN_CHAIN_MAX; i++) {
		d = (struct dentry *)s->walk_dentry;
		mnt = (struct mount *)s->walk_mount;
		vfs = (struct vfsmount *)((char *)mnt + bpf_core_field_offset(struct mount, mnt));
		seq = dentry_seq(d);
		if (seq & 1)
			return 0;
		s->dst.chain[i] = (__u64)d;
		s->dst.seq[i] = seq;
		if ((__u64)d == s->root_dentry && (__u64)vfs == s->root_mnt)
			break;
		if (d == BPF_CORE_READ(vfs, mnt_root)) {
			up = BPF_CORE_READ(mnt, mnt_parent);
			if (up == mnt)
				break;
			s->walk_dentry = (__u64)BPF_CORE_READ(mnt, mnt_mountpoint);
			s->walk_mount = (__u64)up;
			continue;
		}
		parent = BPF_CORE_READ(d, d_parent);
		if (parent == d)
			return 0; /* a disconnected dentry: d_path has no path for it */
		s->walk_dentry = (__u64)parent;
	}
	if (i >= WARDEN_CHAIN_MAX)
		return 0;
	s->dst.depth = i + 1;
	return 1;
}

/* Start the chain walk at directory dir of mount mnt, under the opener's root. */
static __always_inline int chain_start(struct warden_scratch *s, struct vfsmount *mnt,
				       struct dentry *dir)
{
	s->walk_dentry = (__u64)dir;
	s->walk_mount = (__u64)((char *)mnt - bpf_core_field_offset(struct mount, mnt));
	return opener_root(&s->root_mnt, &s->root_dentry);
}

/*
 * Before the path of entry (a dentry of directory dir, mount mnt), or of dir's entry when entry
 * is NULL, is resolved and matched: record the chain of dir for dirstate_keep, which keeps
 * dir's match state once the path is matched. Read first, with the stamp, so a rename or mount
 * change from here on voids what is kept. entry_seq is entry's d_seq read before dir was read
 * from its d_parent: unchanged after the path is read, entry was not moved to another directory
 * meanwhile.
 */
static __always_inline void dirstate_begin(struct warden_scratch *s, struct warden_policy *policy,
					   struct vfsmount *mnt, struct dentry *dir,
					   struct dentry *entry, __u32 entry_seq)
{
	s->dst.depth = 0; /* nothing to keep */
	s->matched = 0;
	s->dst_entry = (__u64)entry;
	s->dst_entry_seq = entry ? entry_seq : 0;
	if (WARDEN_IS_CANDIDATE || (s->dst_entry_seq & 1) || !chain_start(s, mnt, dir))
		return;
	s->dst.mount_seq = seq_now(&mount_lock);
	if ((s->dst.mount_seq & 1) || !stamp_take(&s->dst.stamp) || dir_chain() != 1) {
		s->dst.depth = 0;
		return;
	}
	s->dst.mnt = (__u64)mnt;
	s->dst.root_mnt = s->root_mnt;
	s->dst.root_dentry = s->root_dentry;
	s->dst.ruleset = s->ruleset;
	s->dst.generation = policy->generation;
}

/*
 * After the path dirstate_begin was about is matched (its last '/' ends dir's path): keep the
 * state fs_step left at that '/', for dir (read again by the caller: nothing is kept unless it
 * is the directory whose chain was recorded).
 */
static __always_inline void dirstate_keep(struct warden_scratch *s, struct dentry *dir, int where)
{
	__u64 key = s->dst.chain[0];

	if (!s->dst.depth || !s->matched || (__u64)dir != key)
		return;
	if (s->dst_entry && dentry_seq((struct dentry *)s->dst_entry) != s->dst_entry_seq)
		return;
	s->dst.live = s->dir_live;
	s->dst.node = s->dir_node;
	s->dst.deny = s->dir_deny;
	s->dst.allow = s->dir_allow;
	s->dst.dfa_state = s->dir_dfa;
	s->dst.dir_len = s->dir_len;
	if (where == CACHE_HASH) {
		bpf_map_update_elem(&warden_dirstate, &key, &s->dst, BPF_ANY);
	} else if (where == CACHE_INODES) {
		storage_replace(&warden_idirstate, dir->d_inode, &s->dst);
	}
}

/*
 * Whether the chain st recorded still leads from its directory dir (of mount mnt) to the root
 * unchanged: each dentry's d_seq as recorded. That suffices without following d_parent again:
 * the directory (the key) is alive, it pins its parent, and a parent changes only through
 * __d_move, which bumps d_seq; so, one by one from the directory up, each recorded dentry is
 * still the parent of the one before, alive and named as recorded. A mount crossed is pinned by
 * the unchanged mount tree (mount_lock's sequence, compared by the caller). Within dir's mount
 * the chain is followed by d_parent all the same, with direct loads (cheaper than one helper
 * call per dentry), and each dentry must be the one recorded; past its root, one read per
 * recorded dentry but the last. The last is the root of a mount (the opener's root, or a mount
 * without a parent: dir_chain ends nowhere else), whose own name is no part of any path through
 * that mount: a rename of it (a bind-mounted directory renamed through another mount) changes
 * no path the chain was recorded for; the entry before it says it is still reached (that
 * entry's d_seq, or the mount tree where that entry is a mount's root).
 */
static __always_inline int dirstate_chain_holds(const struct warden_dirstate *st,
						struct vfsmount *mnt, struct dentry *dir)
{
	struct dentry *d = dir, *mnt_root = mnt->mnt_root;
	__u32 i, depth = st->depth;

	if (!depth || depth > WARDEN_CHAIN_MAX)
		return 0;
	for (i = 0; i < WARDEN_CHAIN_MAX; i++) {
		if (i >= depth)
			return 1;
		if ((__u64)d != st->chain[i] || dentry_seq_btf(d) != st->seq[i])
			return 0;
		if (d == mnt_root)
			break;
		d = d->d_parent;
	}
	for (i = i + 1; i < WARDEN_CHAIN_MAX; i++) {
		if (i + 1 >= depth)
			return 1;
		if (dentry_seq((struct dentry *)st->chain[i]) != st->seq[i])
			return 0;
	}
	return 1;
}

/*
 * Whether a match from kept state st is worth a verdict of its own (warden_verdict), which
 * the first open of every file in a kept directory would only pay for: when hint (the file's
 * inode number, not 0) is what the state's last match left, the same file is opened again.
 * Leaves this match's hint in st. A wrong guess only costs or saves a verdict; the decision is
 * the state's either way.
 */
static __always_inline int dirstate_seen(struct warden_dirstate *st, __u32 hint)
{
	int seen;

	if (!hint)
		return 0;
	seen = st->hint == hint;
	st->hint = hint;
	return seen;
}

/*
 * A kept state st of directory dir (mount mnt) whose stamp no longer holds (a directory moved
 * somewhere, or a write of rename_lock was not counted): still good when its chain is unchanged
 * (dirstate_chain_holds), checked after a new stamp is taken, and kept again, whole, with that
 * stamp (in s->dst, which the caller reads from then on). NULL when it is not good.
 */
static __always_inline struct warden_dirstate *dirstate_renew(struct warden_scratch *s,
							      struct warden_dirstate *st,
							      struct vfsmount *mnt,
							      struct dentry *dir, int where)
{
	__u64 key = (__u64)dir;
	struct warden_stamp now;

	if (!stamp_take(&now) || !dirstate_chain_holds(st, mnt, dir))
		return NULL;
	__builtin_memcpy(&s->dst, st, sizeof(s->dst));
	s->dst.stamp = now;
	if (where == CACHE_HASH)
		bpf_map_update_elem(&warden_dirstate, &key, &s->dst, BPF_ANY);
	else if (where == CACHE_INODES)
		storage_replace(&warden_idirstate, dir->d_inode, &s->dst);
	return &s->dst;
}

/*
 * The name part of a match from a directory's state, which s holds (live to dfa_state): 1 when
 * the name of entry (d_seq seq) is matched, 0 when the caller must resolve and match the path.
 * When no literal rule and no wildcard go below the directory, the name itself does not
 * matter, only its length (checked by the caller).
 */
static __always_inline int dirstate_name(struct warden_scratch *s, struct dentry *entry, __u32 seq)
{
	long n;

	if (!s->live && !s->dfa_state)
		return 1; /* fs_match_end would leave the directory rules */
	if (!s->dfa_state) {
		/*
		 * Only the trie is left to match, and a name holds no '/': it is the trie key's
		 * component as it is, read straight into the key (fs_step, one call and scratch
		 * lookup per byte, is what the automaton needs)
		 */
		fs_key_reset(s);
		n = bpf_probe_read_kernel_str(s->key.name, WARDEN_COMPONENT_MAX,
					      entry->d_name.name);
		if (n <= 1 || n >= WARDEN_COMPONENT_MAX || dentry_seq_btf(entry) != seq)
			return 0;
		s->len = n;
		s->klen = n - 1;
		return !fs_match_end(s, 1);
	}
	n = bpf_probe_read_kernel_str(s->ev.path, WARDEN_COMPONENT_MAX, entry->d_name.name);
	/* a name cut short at WARDEN_COMPONENT_MAX (kernfs, FUSE): the whole way */
	if (n <= 1 || n >= WARDEN_COMPONENT_MAX || dentry_seq_btf(entry) != seq)
		return 0;
	s->len = n;
	fs_key_reset(s);
	return !fs_walk_chunk(0) && !fs_match_end(s, 1);
}

/* Start a match at a directory's state: s's live to dfa_state, kept in its dir_* fields too. */
static __always_inline void dirstate_load(struct warden_scratch *s, struct warden_policy *policy,
					  __u32 live, __u32 node, __u32 deny, __u32 allow,
					  __u32 dfa_state, __u32 dir_len)
{
	fs_match_begin(s, policy, 0);
	s->live = s->dir_live = live;
	s->node = s->dir_node = node;
	s->deny = s->dir_deny = deny;
	s->allow = s->dir_allow = allow;
	s->cover = allow;
	s->dfa_state = s->dir_dfa = dfa_state;
	s->dir_len = dir_len;
}

/*
 * Match the entry named by dentry entry in directory dir (mount mnt) from dir's kept state,
 * leaving in s what fs_match_path would have left for the whole path ("DIR/NAME"), and dir's
 * state in s's dir_* fields (for dirstate_rematch): 1 (or 2: dirstate_seen, with hint) when
 * it could, 0 when the caller must resolve and match the path. seq is entry's d_seq, read
 * before dir was read from its d_parent, and read again after its name: a file moved to
 * another directory meanwhile is never matched under this one. mount_seq is mount_lock's
 * sequence, read by the caller before. *vouch (unless NULL) gets the stamp the match holds
 * under, for a verdict kept from it. A path bpf_d_path could not give (past WARDEN_PATH_MAX)
 * goes the whole way and is refused there.
 */
static __always_inline int dirstate_match(struct warden_scratch *s, struct warden_policy *policy,
					  struct vfsmount *mnt, struct dentry *dir,
					  struct dentry *entry, __u32 seq, __u32 hint,
					  struct warden_stamp *vouch, __u32 mount_seq, int where)
{
	__u64 key = (__u64)dir, root_mnt, root_dentry;
	struct warden_dirstate *st;
	__u32 len = entry->d_name.len;
	int seen;

	if (WARDEN_IS_CANDIDATE || (seq & 1))
		return 0;
	st = dirstate_find(dir, where);
	if (!st || st->mnt != (__u64)mnt || st->ruleset != s->ruleset ||
	    st->generation != policy->generation || st->mount_seq != mount_seq ||
	    !opener_root(&root_mnt, &root_dentry) || st->root_mnt != root_mnt ||
	    st->root_dentry != root_dentry)
		return 0;
	seen = dirstate_seen(st, hint);
	if (!stamp_holds(&st->stamp)) {
		st = dirstate_renew(s, st, mnt, dir, where);
		if (!st)
			return 0;
	}
	if (vouch)
		*vouch = st->stamp;
	if (st->dir_len + len + 1 > WARDEN_PATH_MAX)
		return 0;
	dirstate_load(s, policy, st->live, st->node, st->deny, st->allow, st->dfa_state,
		      st->dir_len);
	/* LRU elements are reused at once: the state read must still be this directory's */
	barrier();
	if (st->chain[0] != key || st->mnt != (__u64)mnt || st->ruleset != s->ruleset ||
	    st->generation != policy->generation || dentry_seq_btf(entry) != seq)
		return 0;
	if (!dirstate_name(s, entry, seq))
		return 0;
	return seen ? 2 : 1;
}

/*
 * Match another entry of the directory the last dirstate_match matched in (both names of a
 * rename in one directory): from the directory's state it left, without finding and checking
 * that state again. Same results as dirstate_match.
 */
static __always_inline int dirstate_rematch(struct warden_scratch *s, struct warden_policy *policy,
					    struct dentry *entry, __u32 seq)
{
	if ((seq & 1) || s->dir_len + entry->d_name.len + 1 > WARDEN_PATH_MAX)
		return 0;
	dirstate_load(s, policy, s->dir_live, s->dir_node, s->dir_deny, s->dir_allow, s->dir_dfa,
		      s->dir_len);
	return dirstate_name(s, entry, seq);
}

#endif /* WARDEN_CACHE_BPF_H */
