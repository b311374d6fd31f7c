# shellcheck shell=bash
# Verdict cache: an open judged before is allowed again from the cache, but never after
# anything its path was computed from changed (rename, bind mount, hard link, new policy).

# warm PATH: open PATH repeatedly in $CG, so its verdict is cached; must be allowed
warm() {
	expect_contains "$(wtry_in "$CG" open-loop "$1" 20)" "ok" "warming $1"
}

t_cache_rename_file_and_directory() {
	local d=/tmp/e2e-cache
	mkdir -p "$d/open/dir" "$d/secret"
	echo x >"$d/open/f"
	echo x >"$d/open/dir/g"
	apply "$(policy cache <<P
name: cache
cgroups: [$CG]
fs: { deny: [$d/secret/] }
P
)"
	warm "$d/open/f"
	warm "$d/open/dir/g"
	mv "$d/open/f" "$d/secret/f"
	expect_eq "$(wtry_in "$CG" open "$d/secret/f")" "EPERM" "a renamed file, opened before"
	expect_event op=fs.read path="$d/secret/f" reason=rule
	mv "$d/open/dir" "$d/secret/dir"
	expect_eq "$(wtry_in "$CG" open "$d/secret/dir/g")" "EPERM" "a file in a renamed directory"
	mv "$d/secret/dir" "$d/open/dir"
	expect_eq "$(wtry_in "$CG" open "$d/open/dir/g")" "ok" "renamed back"
}

t_cache_bind_mount_and_hard_link() {
	local d=/tmp/e2e-cache2
	mkdir -p "$d/open/view" "$d/secret"
	echo x >"$d/secret/f"
	apply "$(policy cache2 <<P
name: cache2
cgroups: [$CG]
fs: { deny: [$d/secret/] }
P
)"
	mount --bind "$d/secret" "$d/open/view" || fail "bind mount"
	# the same file under another mount: its path there is allowed, and cached
	warm "$d/open/view/f"
	expect_eq "$(wtry_in "$CG" open "$d/secret/f")" "EPERM" "the same dentry in its own mount"
	umount "$d/open/view"
	ln "$d/secret/f" "$d/open/link"
	warm "$d/open/link"
	expect_eq "$(wtry_in "$CG" open "$d/secret/f")" "EPERM" "the same inode under its own name"
	expect_event op=fs.read path="$d/secret/f" reason=rule
	# from 5.11 an inode keeps one verdict, for one of its names: names taking turns
	expect_eq "$(wtry_in "$CG" open "$d/open/link")" "ok" "the allowed name again"
	expect_eq "$(wtry_in "$CG" open "$d/secret/f" w)" "EPERM" "the denied name after it"
	warm "$d/open/link"
}

t_cache_policy_change() {
	local d=/tmp/e2e-cache3
	mkdir -p "$d"
	echo x >"$d/f"
	apply "$(policy cache3 <<P
name: cache3
cgroups: [$CG]
fs: { deny: [/nonexistent] }
P
)"
	warm "$d/f"
	apply "$(policy cache3 <<P
name: cache3
cgroups: [$CG]
fs: { deny: [$d/f] }
P
)"
	expect_eq "$(wtry_in "$CG" open "$d/f")" "EPERM" "a cached file after the policy changed"
	expect_event op=fs.read path="$d/f" reason=rule
	apply "$(policy cache3 <<P
name: cache3
cgroups: [$CG]
fs: { read: [$d/f], write: [/tmp/] }
P
)"
	warm "$d/f"
	# a read was allowed and cached; a write of the same file is its own question
	expect_eq "$(wtry_in "$CG" open "$d/f" w)" "ok" "write under the write rule"
	apply "$(policy cache3 <<P
name: cache3
cgroups: [$CG]
fs: { default: deny, read: [$d/f] }
P
)"
	warm "$d/f"
	expect_eq "$(wtry_in "$CG" open "$d/f" w)" "EPERM" "a cached read does not allow a write"
}

# cached_allows: accesses the one installed policy allowed from a cache (warden status)
cached_allows() {
	"$W" status --json | grep -o '"cached":[0-9]*' | head -1 | cut -d: -f2
}

# The kept state of a directory (warden_dirstate): another file there is matched by its name
# alone, whatever rule names it, until a directory on its path is renamed; a rename elsewhere
# keeps it. Writes in a kept directory are judged the same.
t_cache_directory_state() {
	local d=/tmp/e2e-dirstate f n
	rm -rf "$d"
	mkdir -p "$d/a/b" "$d/deny" "$d/other"
	for f in ok1 ok2 ok3 secret x.key; do echo x >"$d/a/b/$f"; done
	touch "$d/other/r"
	apply "$(policy dirstate <<P
name: dirstate
cgroups: [$CG]
fs: { deny: [$d/a/b/secret, "$d/a/b/*.key", $d/deny/] }
P
)"
	expect_eq "$(wtry_in "$CG" open "$d/a/b/ok1")" "ok" "a first open, which keeps a/b's state"
	n=$(cached_allows)
	expect_eq "$(wtry_in "$CG" open "$d/a/b/ok2")" "ok" "another file of the kept directory"
	[ "$(cached_allows)" -gt "$n" ] || fail "a/b's kept state was not used: $("$W" status --json)"
	mv "$d/other/r" "$d/other/s"
	expect_eq "$(wtry_in "$CG" open "$d/a/b/secret")" "EPERM" "a literal deny in a kept directory"
	expect_event op=fs.read path="$d/a/b/secret" reason=rule
	expect_eq "$(wtry_in "$CG" open "$d/a/b/x.key")" "EPERM" "a wildcard deny in a kept directory"
	expect_event op=fs.read path="$d/a/b/x.key" reason=rule
	expect_eq "$(wtry_in "$CG" open "$d/a/b/ok3")" "ok" "after a rename elsewhere"
	# an ancestor renamed into a denied directory: the state kept under its old name is void
	mv "$d/a" "$d/deny/a"
	expect_eq "$(wtry_in "$CG" open "$d/deny/a/b/ok2")" "EPERM" "below a renamed ancestor"
	expect_event op=fs.read path="$d/deny/a/b/ok2" reason=rule
	mv "$d/deny/a" "$d/a"
	expect_eq "$(wtry_in "$CG" open "$d/a/b/ok1")" "ok" "renamed back"
	# writes: entries of a kept directory, and moving a directory above denied names
	expect_eq "$(wtry_in "$CG" create "$d/a/b/new")" "ok" "a create in a kept directory"
	expect_eq "$(wtry_in "$CG" create "$d/a/b/new.key")" "EPERM" "a create a wildcard denies"
	expect_event op=fs.write path="$d/a/b/new.key" reason=rule
	expect_eq "$(wtry_in "$CG" create "$d/a/new")" "ok" "a create that keeps a's state"
	expect_eq "$(wtry_in "$CG" rename "$d/a/b" "$d/a/c")" "EPERM" \
		"renaming a directory above denied names, from a kept directory"
	expect_event op=fs.write path="$d/a/b" reason=rule
	expect_eq "$(wtry_in "$CG" rename "$d/a/new" "$d/a/new2")" "ok" "an allowed rename there"
}

# cached_by PATH: how many more accesses came from a cache when $CG opened PATH (wtry's own
# opens of its libraries count too, the same number each time)
cached_by() {
	local n
	n=$(cached_allows)
	wtry_in "$CG" open "$1" >/dev/null
	echo $(($(cached_allows) - n))
}

# A verdict and a directory's kept state outlive a rename of a file elsewhere (bpf/cache.bpf.h:
# warden_moves); a move of the file itself or of a directory above it (an exchange too) voids
# them, and after a directory moved elsewhere a kept state is used again once its chain is
# checked.
t_cache_moves_elsewhere() {
	local d=/tmp/e2e-moves deep base
	rm -rf "$d"
	# deeper than a directory's kept state goes (WARDEN_CHAIN_MAX): only verdicts are kept
	deep="$d/deep/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16"
	mkdir -p "$d/open/dir" "$d/secret" "$d/else/sub" "$deep"
	for f in "$d/open/f" "$d/open/g" "$d/open/dir/g" "$deep/f" "$deep/g" "$deep/h"; do
		echo x >"$f"
	done
	touch "$d/else/r"
	apply "$(policy moves <<P
name: moves
cgroups: [$CG]
fs: { deny: [$d/secret/] }
P
)"
	warm "$deep/f"
	warm "$d/open/f"
	mv "$d/else/r" "$d/else/s"
	base=$(cached_by "$deep/g")
	expect_eq "$(cached_by "$deep/f")" "$((base + 1))" "a verdict, after a file renamed elsewhere"
	mv "$d/else/sub" "$d/else/sub2"
	base=$(cached_by "$deep/h")
	expect_eq "$(cached_by "$d/open/g")" "$((base + 1))" \
		"a kept state, after a directory moved elsewhere"
	warm "$d/open/f"
	mv "$d/open/f" "$d/secret/f"
	expect_eq "$(wtry_in "$CG" open "$d/secret/f")" "EPERM" "the file itself moved"
	expect_event op=fs.read path="$d/secret/f" reason=rule
	warm "$d/open/dir/g"
	expect_eq "$("$WTRY" exchange "$d/open/dir" "$d/secret")" "ok" "exchange two directories"
	expect_eq "$(wtry_in "$CG" open "$d/secret/g")" "EPERM" "a directory exchanged above it"
	expect_event op=fs.read path="$d/secret/g" reason=rule
	expect_eq "$(wtry_in "$CG" open "$d/open/dir/f")" "ok" "the other side of the exchange"
}
