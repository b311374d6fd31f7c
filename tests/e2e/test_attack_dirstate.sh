# shellcheck shell=bash
# Attacks on the directory states (warden_dirstate, bpf/cache.bpf.h): a first open or an entry
# change in a directory whose state is kept is matched from that state and the entry's name
# alone. Each test FAILS while the fast path allows something the whole path (bpf_d_path or
# the dentry walk, then every rule) denies. The first three reproduce holes found in review;
# the others are classes tried and found closed, kept as regression tests.

# An open reads its file's directory (d_parent) before the file's d_seq: a file moved to
# another directory in between is resolved by its new path, and that directory's state is
# kept under the old directory. Here b's state becomes a's, where reading is allowed. The
# moving file's long name, which b's state does not allow, keeps the window open: the fast
# path matches all of it before the slow path reads the file's d_seq.
t_atk_dir_stale_parent_race() {
	local d=/tmp/e2e-atk-dir-race b n out
	rm -rf "$d"
	b="$d/1/2/3/4/5/6/7/8/9/10/b" # a long chain (15 of 16) to check: a wider window
	n=$(printf '%0250d' 0 | tr 0 n)
	mkdir -p "$b" "$d/a"
	echo x >"$b/$n"
	echo secret >"$b/secret"
	apply "$(policy atkrace <<P
name: atkrace
cgroups: [$CG]
fs: { default: deny, read: [$d/a/], write: [$d/] }
P
)"
	expect_eq "$(wtry_in "$CG" open "$b/secret")" "EPERM" "the denied file, before"
	expect_eq "$(wtry_in "$CG" open "$b/$n")" "EPERM" "the moving file, which keeps b's state"
	out=$(wtry_in "$CG" race-dir 20000 "$b/$n" "$d/a/$n" "$b/secret")
	echo "      $out" >&2
	expect_contains "$out" "check ok=0 " "a file b's rules deny, while another moves out of b"
	expect_eq "$(wtry_in "$CG" open "$b/secret")" "EPERM" "the denied file, after the race"
	expect_event op=fs.read path="$b/secret" reason=default
}

# A name longer than 255 bytes (kernfs, vfat and exfat with UTF-8, FUSE up to 1024) is read
# cut at WARDEN_COMPONENT_MAX by the fast path: a wildcard matching its end never sees it.
t_atk_dir_long_name() {
	local c="$CGROOT$CG" long
	long=$(printf '%0300d' 0 | tr 0 x).key
	mkdir "$c/plain" "$c/$long" || fail "cannot make a cgroup with a ${#long}-byte name"
	apply "$(policy atklong <<P
name: atklong
cgroups: [$CG]
fs: { deny: ["$c/*.key"] }
P
)"
	expect_eq "$(wtry_in "$CG" open "$c/$long")" "EPERM" "the long name, by its whole path"
	expect_eq "$(wtry_in "$CG" open "$c/plain")" "ok" "a first open there, which keeps its state"
	expect_eq "$(wtry_in "$CG" open "$c/$long")" "EPERM" \
		"a ${#long}-byte name a wildcard denies, in a kept directory"
	expect_event op=fs.read path="$c/$long" reason=rule
	rmdir "$c/plain" "$c/$long"
}

# A path longer than bpf_d_path's 4096 bytes is denied, unresolved; in a kept directory whose
# own path fits, the fast path matches the name alone and allows it.
t_atk_dir_path_too_long() {
	local c="$CGROOT$CG" dir i n
	# applied first: binding walks the cgroup's subtree by path, which fails past PATH_MAX
	apply "$(policy atktoolong <<P
name: atktoolong
cgroups: [$CG]
fs: { deny: [/nonexistent] }
P
)"
	n=$(printf '%0250d' 0 | tr 0 y)
	dir=$c
	for i in 1 2 3 4; do
		dir="$dir/$(printf '%0950d' 0 | tr 0 "$i")"
		mkdir "$dir" || fail "cannot make a cgroup with a 950-byte name"
	done
	(cd "$dir" && mkdir s "$n") || fail "cannot make the entries"
	if [ $((${#dir} + 2)) -gt 4095 ] || [ $((${#dir} + 1 + ${#n})) -le 4095 ]; then
		fail "wrong lengths: ${#dir} + ${#n}"
	fi
	expect_eq "$(cd "$dir" && wtry_in "$CG" open "$n")" "EPERM" "a path of $((${#dir} + 1 + ${#n})) bytes"
	expect_eq "$(cd "$dir" && wtry_in "$CG" open s)" "ok" "a path that fits, which keeps the directory"
	expect_eq "$(cd "$dir" && wtry_in "$CG" open "$n")" "EPERM" \
		"a path of $((${#dir} + 1 + ${#n})) bytes, from a kept directory"
	expect_event op=fs.read reason=unresolved
	# by name from each parent: the whole paths are longer than rmdir(2) takes
	find "$c" -mindepth 1 -depth -type d -execdir rmdir {} + ||
		fail "cannot remove the long cgroups"
}

# Closed: a directory exchanged (RENAME_EXCHANGE, by a process outside the cgroup) with one
# below a denied directory: __d_move bumps the d_seq of both.
t_atk_dir_exchange() {
	local d=/tmp/e2e-atk-dir-xchg
	rm -rf "$d"
	mkdir -p "$d/open/x" "$d/deny/y"
	echo x >"$d/open/x/f1"
	echo x >"$d/open/x/f2"
	apply "$(policy atkxchg <<P
name: atkxchg
cgroups: [$CG]
fs: { deny: [$d/deny/] }
P
)"
	expect_eq "$(wtry_in "$CG" open "$d/open/x/f1")" "ok" "a first open, which keeps x's state"
	expect_eq "$("$WTRY" exchange "$d/open/x" "$d/deny/y")" "ok" "the exchange, outside"
	expect_eq "$(wtry_in "$CG" open "$d/deny/y/f2")" "EPERM" "x's files, now below deny/"
	expect_event op=fs.read path="$d/deny/y/f2" reason=rule
	# inside: exchanging a directory above denied names, from a kept directory, is refused
	mkdir -p "$d/open/k/sub" "$d/open/l"
	echo x >"$d/open/k/sub/secret"
	apply "$(policy atkxchg <<P
name: atkxchg
cgroups: [$CG]
fs: { deny: [$d/open/k/sub/secret] }
P
)"
	expect_eq "$(wtry_in "$CG" create "$d/open/new")" "ok" "a create, which keeps open/'s state"
	expect_eq "$(wtry_in "$CG" exchange "$d/open/k" "$d/open/l")" "EPERM" \
		"exchanging a directory above a denied name"
	expect_eq "$(wtry_in "$CG" open "$d/open/k/sub/secret")" "EPERM" "the denied name, still"
}

# Closed: a mount moved (the same struct mount and dentries, another mountpoint) or a
# directory bind-mounted below a denied one: mount_lock's sequence and the chain.
t_atk_dir_mount_move_and_bind() {
	local d=/tmp/e2e-atk-dir-mnt
	umount -R "$d" 2>/dev/null
	rm -rf "$d"
	mkdir -p "$d/open/m" "$d/deny/m" "$d/deny/view" "$d/open/plain"
	mount -t tmpfs none "$d/open/m" || fail "tmpfs"
	mkdir "$d/open/m/sub"
	for f in f1 f2 f3; do echo x >"$d/open/m/sub/$f"; echo x >"$d/open/plain/$f"; done
	apply "$(policy atkmnt <<P
name: atkmnt
cgroups: [$CG]
fs: { deny: [$d/deny/] }
P
)"
	expect_eq "$(wtry_in "$CG" open "$d/open/m/sub/f1")" "ok" "a first open in the mount"
	mount --move "$d/open/m" "$d/deny/m" || fail "mount --move"
	expect_eq "$(wtry_in "$CG" open "$d/deny/m/sub/f2")" "EPERM" "the moved mount, below deny/"
	expect_event op=fs.read path="$d/deny/m/sub/f2" reason=rule
	umount "$d/deny/m"
	expect_eq "$(wtry_in "$CG" open "$d/open/plain/f1")" "ok" "a first open in plain/"
	mount --bind "$d/open/plain" "$d/deny/view" || fail "bind mount"
	expect_eq "$(wtry_in "$CG" open "$d/deny/view/f2")" "EPERM" "plain/ bound below deny/"
	expect_event op=fs.read path="$d/deny/view/f2" reason=rule
	umount "$d/deny/view"
}

# Closed: a kept directory removed, and directories made where its dentry's memory may be
# reused (d_instantiate drops the state), again and again.
t_atk_dir_reused_dentry() {
	local d=/tmp/e2e-atk-dir-reuse i
	rm -rf "$d"
	mkdir -p "$d/open" "$d/deny"
	apply "$(policy atkreuse <<P
name: atkreuse
cgroups: [$CG]
fs: { deny: [$d/deny/] }
P
)"
	for i in 1 2 3 4 5 6 7 8; do
		mkdir "$d/open/x$i"
		echo x >"$d/open/x$i/f"
		expect_eq "$(wtry_in "$CG" open "$d/open/x$i/f")" "ok" "round $i: keep x$i's state"
		rm -rf "$d/open/x$i"
		mkdir "$d/deny/y$i"
		echo x >"$d/deny/y$i/g"
		expect_eq "$(wtry_in "$CG" open "$d/deny/y$i/g")" "EPERM" "round $i: a new directory"
	done
	expect_event op=fs.read path="$d/deny/y8/g" reason=rule
}

# Closed: rule set generations (two applies later the same bank is in use again), and chains
# longer than WARDEN_CHAIN_MAX (never kept) with an ancestor renamed below deny/.
t_atk_dir_generation_and_depth() {
	local d=/tmp/e2e-atk-dir-gen deep
	rm -rf "$d"
	mkdir -p "$d/k" "$d/deny"
	echo x >"$d/k/a"
	echo x >"$d/k/b"
	apply "$(policy atkgen <<P
name: atkgen
cgroups: [$CG]
fs: { deny: [/nonexistent1] }
P
)"
	expect_eq "$(wtry_in "$CG" open "$d/k/a")" "ok" "keep k's state"
	apply "$(policy atkgen <<P
name: atkgen
cgroups: [$CG]
fs: { deny: [/nonexistent2] }
P
)"
	apply "$(policy atkgen <<P
name: atkgen
cgroups: [$CG]
fs: { deny: [$d/k/b, $d/deny/] }
P
)"
	expect_eq "$(wtry_in "$CG" open "$d/k/b")" "EPERM" "a name the third rule set denies"
	expect_event op=fs.read path="$d/k/b" reason=rule
	deep="$d/l1/l2/l3/l4/l5/l6/l7/l8/l9/l10/l11/l12/l13/l14/l15/l16/l17/l18/l19/l20"
	mkdir -p "$deep"
	echo x >"$deep/f1"
	echo x >"$deep/f2"
	expect_eq "$(wtry_in "$CG" open "$deep/f1")" "ok" "a deep directory"
	mv "$d/l1" "$d/deny/l1"
	expect_eq "$(wtry_in "$CG" open "$d/deny/${deep#"$d/"}/f2")" "EPERM" \
		"a deep directory whose top was renamed below deny/"
}
