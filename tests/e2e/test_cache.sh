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
