# shellcheck shell=bash
# Live operations: replacing a policy in force is atomic.

# Processes loop on opens whose verdicts differ between policies A and B while A and B are
# applied alternately: every verdict must be A's or B's. "common" is allowed by both (a moment
# with no rules, or A's default with B's rules, would deny it); "secret" is denied by both (A's
# rules with B's default would allow it).
t_atomic_policy_swap() {
	local d=/tmp/e2e-swap i out pids=() f
	mkdir -p "$d"
	for f in common secret a other; do echo x >"$d/$f"; done
	policy swap-a >/dev/null <<P
name: swap
cgroups: [$CG]
fs:
  default: deny
  read: [$d/common, $d/a]
P
	policy swap-b >/dev/null <<P
name: swap
cgroups: [$CG]
fs:
  deny: [$d/a, $d/secret]
P
	apply "$T/swap-a.yaml"
	for i in 1 2; do
		# 20 s: an apply takes seconds on 5.10 under TCG, and two rounds must fit
		"$WTRY" --cgroup "$CGROOT$CG" open-for 20000 "$d/common" "$d/secret" "$d/a" "$d/other" \
			>"$T/loop$i.out" &
		pids+=($!)
	done
	sleep 0.5
	i=0
	while kill -0 "${pids[0]}" 2>/dev/null; do
		apply "$T/swap-b.yaml"
		apply "$T/swap-a.yaml"
		i=$((i + 1))
	done
	wait "${pids[@]}"
	[ $i -ge 2 ] || fail "only $i rounds of A and B during the loop"
	for f in "$T"/loop*.out; do
		out=$(cat "$f")
		expect_contains "$out" "$d/common ok=" "common"
		grep -q "^$d/common .*eperm=0 other=0$" "$f" || fail "common was denied: $out"
		grep -q "^$d/secret ok=0 " "$f" || fail "secret was allowed: $out"
		grep -q "^$d/a ok=[1-9].* eperm=[1-9]" "$f" || fail "the loop did not see both policies: $out"
		grep -q "^$d/other ok=[1-9].* eperm=[1-9]" "$f" || fail "the loop did not see both policies: $out"
	done
	echo "$i rounds of A and B" >&2
}

# Concurrent applies of two versions of one policy (and of another policy) take the lock in
# turn: the verdicts stay A's or B's, and the state at the end is whole.
t_concurrent_applies_serialize() {
	local d=/tmp/e2e-concurrent f out pids=()
	mkdir -p "$d"
	for f in common secret a other; do echo x >"$d/$f"; done
	policy cc-a >/dev/null <<P
name: cc
cgroups: [$CG]
fs:
  default: deny
  read: [$d/common, $d/a]
P
	policy cc-b >/dev/null <<P
name: cc
cgroups: [$CG]
fs:
  deny: [$d/a, $d/secret]
P
	cg_make "$CG/other"
	policy cc-other >/dev/null <<P
name: cc-other
cgroups: [$CG/other]
fs: { deny: [$d/common] }
P
	apply "$T/cc-a.yaml"
	"$WTRY" --cgroup "$CGROOT$CG" open-for 8000 "$d/common" "$d/secret" >"$T/loop.out" &
	pids+=($!)
	for f in cc-a cc-b cc-other; do
		(
			end=$((SECONDS + 7))
			while [ $SECONDS -lt $end ]; do
				"$W" apply "$T/$f.yaml" >/dev/null 2>>"$T/errors" || echo "apply $f failed" >>"$T/errors"
			done
		) &
	done
	wait
	[ ! -s "$T/errors" ] || fail "$(cat "$T/errors")"
	grep -q "^$d/common .*eperm=0 other=0$" "$T/loop.out" || fail "common was denied: $(cat "$T/loop.out")"
	grep -q "^$d/secret ok=0 " "$T/loop.out" || fail "secret was allowed: $(cat "$T/loop.out")"
	out=$("$W" status --json)
	expect_eq "$(echo "$out" | python3 -c 'import json,sys; print(sorted(p["name"] for p in json.load(sys.stdin)["policies"]))')" \
		"['cc', 'cc-other']" "the policies at the end"
	expect_eq "$(wtry_in "$CG/other" open "$d/common")" "EPERM" "the other policy"
	# nothing of a replaced rule set is left behind: the trie nodes are those of the rule sets
	# in force (cc's: the root, tmp, e2e-concurrent and two files; cc-other's: one file)
	expect_eq "$(fs_nodes)" "9" "fs trie nodes in the map"
}

# The trie nodes in warden_fs_short and warden_fs_rule, without the rule sets' markers (parent
# 0xffffffff, which count the keys each rule set wrote: userspace/rskeys.h)
fs_nodes() {
	local m
	for m in warden_fs_short warden_fs_rule; do
		bpftool map dump pinned "/sys/fs/bpf/warden/$m" -j
	done | python3 -c '
import json, sys
dec = json.JSONDecoder()
text, keys = sys.stdin.read(), []
while text.strip():
    dump, end = dec.raw_decode(text.strip())
    text = text.strip()[end:]
    keys += [bytes(int(b, 16) for b in e["key"]) for e in dump]
print(sum(k[4:8] != b"\xff" * 4 for k in keys))'
}

# The rule sets' key lists (userspace/rskeys.h)
rulesets_listed() { find /run/warden/rulesets -type f 2>/dev/null | wc -l; }

# Rewrite the list of the rule set that names DIR, as a confined root could: its key of the
# file named a renamed (rename: a key not in the map) or replaced by the rule set's marker
# (marker: the one key of the rule set its count leaves out).
forge_list() { # DIR rename|marker
	python3 - "$(grep -l "$(basename "$1")" /run/warden/rulesets/*)" "$2" <<'PY'
import struct, sys
p, how = sys.argv[1], sys.argv[2]
b = open(p, "rb").read()
magic, rs, nfs, nnet = struct.unpack("<IIII", b[:16])
out, off = b[:16], 16
for i in range(nfs):
    parent, n = struct.unpack("<IH", b[off:off + 6])
    name = b[off + 6:off + 6 + n]
    off += 6 + n
    if name == b"a":
        parent, name = (parent, b"z") if how == "rename" else (0xFFFFFFFF, b"")
    out += struct.pack("<IH", parent, len(name)) + name
open(p, "wb").write(out + b[off:])
PY
}

# A task judged again and again keeps its cgroup's tag from one decision to the next
# (bpf/decide.bpf.h: tag_cached): every change of tags reaches its next decision, whether the
# policy is removed, the cgroup bound to another policy or the task moved to another cgroup; a
# replace (same policy, new rule set) changes no tag and is in force at once all the same.
t_running_task_follows_tag_changes() {
	local d=/tmp/e2e-tagcache f
	mkdir -p "$d"
	for f in one two; do echo x >"$d/$f"; done
	cg_make "$CG/a" "$CG/b"
	for f in one two; do
		policy "tc-$f" >/dev/null <<P
name: tc-$f
cgroups: [$CG/a]
fs: { deny: [$d/$f] }
P
	done
	policy tc-two-one >/dev/null <<P
name: tc-two
cgroups: [$CG/a]
fs: { deny: [$d/one] }
P
	apply "$T/tc-one.yaml"
	opener_start "$CG/a"
	for f in 1 2 3; do expect_eq "$(opener "$d/one")" EPERM "one under tc-one ($f)"; done
	expect_eq "$(opener "$d/two")" ok "two under tc-one"
	"$W" remove tc-one >/dev/null || fail "warden remove failed"
	expect_eq "$(opener "$d/one")" ok "one once tc-one is removed"
	apply "$T/tc-two.yaml"
	expect_eq "$(opener "$d/two")" EPERM "two once the cgroup is bound to tc-two"
	expect_eq "$(opener "$d/one")" ok "one under tc-two"
	expect_event op=fs.read policy=tc-two path="$d/two" pid="$OPENER_PID"
	apply "$T/tc-two-one.yaml"
	expect_eq "$(opener "$d/one")" EPERM "one once tc-two is replaced"
	expect_eq "$(opener "$d/two")" ok "two once tc-two is replaced"
	echo "$OPENER_PID" >"$CGROOT$CG/b/cgroup.procs"
	expect_eq "$(opener "$d/one")" ok "one once moved to an unbound cgroup"
	echo "$OPENER_PID" >"$CGROOT$CG/a/cgroup.procs"
	expect_eq "$(opener "$d/one")" EPERM "one once moved back"
	expect_event op=fs.read policy=tc-two path="$d/one" pid="$OPENER_PID"
	opener_stop
}

# bindgen_mapping ARGS...: which of `warden ARGS...`'s mmap calls is its last shared mapping of
# a page (warden_bindgen, made even once tags changed), counted as strace's when= counts them
bindgen_mapping() {
	strace -f -o "$T/mmap.trace" -e trace=mmap "$W" "$@" >/dev/null 2>&1
	grep -E '^([0-9]+ +)?mmap\(' "$T/mmap.trace" |
		grep -n 'mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_SHARED' | tail -n 1 | cut -d: -f1
}

# An apply or remove killed after it changed a tag and before it said so (the last mapping of
# warden_bindgen, loader_tags_changing) leaves no running task on its old tag: the generation
# was made odd before the change, and no tag is used or kept while it is. The next whole
# change makes it even again, and tags are kept as before.
t_killed_apply_leaves_no_kept_tag() {
	local d=/tmp/e2e-tagkill k
	mkdir -p "$d"
	echo s >"$d/one"
	cg_make "$CG/a"
	policy tk-outer >/dev/null <<P
name: tk-outer
cgroups: [$CG]
fs: { deny: [/nonexistent] }
P
	policy tk-inner >/dev/null <<P
name: tk-inner
cgroups: [$CG/a]
fs: { deny: [$d/one] }
P
	apply "$T/tk-outer.yaml"
	opener_start "$CG/a"
	expect_eq "$(opener "$d/one")$(opener "$d/one")" "okok" "one under tk-outer"
	# the call to kill, counted from the same state: the last shared mapping of a page
	apply "$T/tk-inner.yaml"
	"$W" remove tk-inner >/dev/null || fail "warden remove failed"
	k=$(bindgen_mapping apply "$T/tk-inner.yaml")
	[ -n "$k" ] || fail "no mapping of warden_bindgen in apply"
	"$W" remove tk-inner >/dev/null || fail "warden remove failed"
	expect_eq "$(opener "$d/one")$(opener "$d/one")" "okok" "one under tk-outer again"
	(strace -f -o /dev/null -e trace=mmap -e inject=mmap:signal=KILL:when="$k" \
		"$W" apply "$T/tk-inner.yaml" >/dev/null 2>&1) 2>/dev/null && fail "the apply was not killed"
	expect_eq "$(wtry_in "$CG/a" open "$d/one")" "EPERM" "a new process, after the killed apply"
	expect_eq "$(opener "$d/one")" "EPERM" "the running task, after the killed apply"
	expect_event op=fs.read policy=tk-inner path="$d/one" pid="$OPENER_PID"
	k=$(bindgen_mapping remove tk-inner)
	[ -n "$k" ] || fail "no mapping of warden_bindgen in remove"
	apply "$T/tk-inner.yaml"
	expect_eq "$(opener "$d/one")$(opener "$d/one")" "EPERMEPERM" "one under tk-inner"
	(strace -f -o /dev/null -e trace=mmap -e inject=mmap:signal=KILL:when="$k" \
		"$W" remove tk-inner >/dev/null 2>&1) 2>/dev/null && fail "the remove was not killed"
	expect_eq "$(opener "$d/one")" "ok" "the running task, after the killed remove"
	apply "$T/tk-inner.yaml"
	expect_eq "$(opener "$d/one")$(opener "$d/one")" "EPERMEPERM" "one under tk-inner again"
	opener_stop
}

# A rule set is emptied by the keys its list names, as far as its marker's count vouches for
# them: a list that is lost, cut short, changed to name another key or the marker itself leaves
# nothing behind (the whole map is read instead), and a replaced rule set leaves no list. The
# last policy denies by default: a key of an older version left in its slot would allow a.
t_replace_clears_by_list() {
	local d=/tmp/e2e-rskeys f lists
	mkdir -p "$d"
	for f in a b c d; do echo x >"$d/$f"; done
	for f in b c d; do # versions that allow a and deny one other file each
		policy "rk-$f" >/dev/null <<P
name: rk
cgroups: [$CG]
fs: { read: [$d/a], deny: [$d/$f] }
P
	done
	policy rk-strict >/dev/null <<P
name: rk
cgroups: [$CG]
fs: { default: deny, read: [$d/c] }
P
	lists=$(rulesets_listed)
	apply "$T/rk-b.yaml"
	expect_eq "$(rulesets_listed)" "$((lists + 1))" "lists after one apply"
	forge_list "$d" rename
	apply "$T/rk-c.yaml"
	expect_eq "$(fs_nodes)" "5" "fs trie nodes after a replace with a changed list"
	rm -f "$(grep -l e2e-rskeys /run/warden/rulesets/*)" # lost
	apply "$T/rk-d.yaml"
	expect_eq "$(fs_nodes)" "5" "fs trie nodes after a replace with a lost list"
	truncate -s 20 "$(grep -l e2e-rskeys /run/warden/rulesets/*)" # cut short
	apply "$T/rk-b.yaml"
	expect_eq "$(fs_nodes)" "5" "fs trie nodes after a replace with a list cut short"
	forge_list "$d" marker
	apply "$T/rk-strict.yaml"
	apply "$T/rk-strict.yaml" # back into the slot the forged list emptied
	expect_eq "$(rulesets_listed)" "$((lists + 1))" "lists after replaces"
	expect_eq "$(wtry_in "$CG" open "$d/a")" "EPERM" "a, allowed only by older versions"
	expect_event op=fs.read path="$d/a" reason=default
	expect_eq "$(wtry_in "$CG" open "$d/c")" "ok" "c, allowed now"
	"$W" remove rk >/dev/null
	expect_eq "$(fs_nodes)" "0" "fs trie nodes after the policy is removed"
	expect_eq "$(rulesets_listed)" "$lists" "lists after the policy is removed"
}

# warden's files in /run/warden are written and removed only in the directories it made: a
# directory replaced by a symlink (as a confined root could) is refused, not followed. The
# target holds files named as warden's would be, which an apply and a remove must not touch.
t_run_warden_symlink_refused() {
	local v=/tmp/e2e-victim i
	mkdir -p "$v"
	for ((i = 0; i < 2048; i++)); do : >"$v/$i"; done
	echo keep >"$v/rs-one.yaml"
	echo keep >"$v/rs-one.file"
	policy rs-one >/dev/null <<P
name: rs-one
cgroups: [$CG]
fs: { deny: [$v/] }
P
	rm -rf /run/warden/rulesets /run/warden/policies
	ln -s "$v" /run/warden/rulesets
	ln -s "$v" /run/warden/policies
	apply "$T/rs-one.yaml"
	expect_eq "$(wtry_in "$CG" open "$v/rs-one.yaml")" "EPERM" "the policy, installed without its lists"
	expect_event op=fs.read path="$v/rs-one.yaml" reason=rule
	"$W" remove rs-one >/dev/null
	rm -f /run/warden/rulesets /run/warden/policies
	expect_eq "$(find "$v" -type f | wc -l)" "2050" "files in the symlinks' target"
	expect_eq "$(cat "$v/rs-one.yaml" "$v/rs-one.file")" "keep
keep" "the policy's names there"
}

# A re-apply whose system calls fail one at a time (each bpf() call of it in turn, made to
# fail by strace) either says it failed or leaves the policy in force: a binding that cannot
# be read is not taken for "unbound", which left the cgroup unconfined while apply said
# "applied".
t_apply_failures_keep_binding() {
	local d=/tmp/e2e-applyfail n k rc
	mkdir -p "$d"
	echo s >"$d/secret"
	apply "$(policy keep <<P
name: keep
cgroups: [$CG]
fs: { deny: [$d/secret] }
P
)"
	n=$(strace -f -c -e trace=bpf "$W" apply "$T/keep.yaml" 2>&1 >/dev/null | awk '$NF == "bpf" { print $4 }')
	[ "${n:-0}" -gt 10 ] || fail "cannot count apply's bpf() calls: '$n'"
	for ((k = 1; k <= n; k++)); do
		strace -f -o /dev/null -e trace=bpf -e inject=bpf:error=ENOMEM:when=$k \
			"$W" apply "$T/keep.yaml" >/dev/null 2>&1
		rc=$?
		if [ $rc -eq 0 ]; then
			expect_eq "$(wtry_in "$CG" open "$d/secret")" "EPERM" "after apply with bpf() call $k failing"
		fi
		apply "$T/keep.yaml"
	done
	expect_event op=fs.read path="$d/secret" reason=rule
}
