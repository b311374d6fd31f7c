# shellcheck shell=bash
# Attacks a security review of docs/security.md's claims found working, kept as regression
# tests: each FAILS if the bypass comes back.

# A file with a deny rule gets an unruled name by renaming a directory above it: the rename
# judges the two directory names (no rule), never the denied names below them.
t_attack_rename_ancestor() {
	local d=/tmp/e2e-atk-ren
	rm -rf "$d" "$d-2"
	mkdir -p "$d/sub/bin"
	echo secret >"$d/sub/secret"
	cp /usr/bin/true "$d/sub/bin/tool"
	apply "$(policy ren <<P
name: ren
cgroups: [$CG]
fs: { deny: [$d/sub/secret] }
exec: { deny: [$d/sub/bin/tool] }
P
)"
	expect_eq "$(wtry_in "$CG" open "$d/sub/secret")" "EPERM" "the denied file, by its name"
	expect_eq "$(wtry_in "$CG" exec "$d/sub/bin/tool" 2>&1)" "EPERM" "the denied program"
	expect_eq "$(in_cg "$CG" mv "$d" "$d-2" 2>&1 >/dev/null | grep -c 'not permitted')" "1" \
		"renaming a directory above denied names"
	expect_event op=fs.write path="$d" reason=rule
	expect_eq "$(in_cg "$CG" mv "$d/sub/bin" "$d/bin2" 2>&1 >/dev/null | grep -c 'not permitted')" \
		"1" "renaming the directory of a denied program"
	expect_eq "$(in_cg "$CG" ln "$d/sub/bin/tool" "$d/tool2" 2>&1 >/dev/null | grep -c 'not permitted')" \
		"1" "a hard link to a program exec denies"
	expect_eq "$(wtry_in "$CG" open "$d/sub/secret")" "EPERM" "the denied file, still"
	# wildcard rules below a directory count too
	mkdir -p "$d/w/a" "$d/other"
	echo x >"$d/w/a/key"
	apply "$(policy ren <<P
name: ren
cgroups: [$CG]
fs: { deny: ["$d/w/*/key"] }
P
)"
	expect_eq "$(in_cg "$CG" mv "$d/w" "$d/w2" 2>&1 >/dev/null | grep -c 'not permitted')" "1" \
		"renaming a directory above a wildcard deny"
	expect_eq "$(in_cg "$CG" mv "$d/other" "$d/other2" 2>&1 >/dev/null | grep -c 'not permitted')" \
		"0" "a directory below which nothing is denied"
	[ -e "$d/other2" ] || fail "the allowed rename did not happen"
}

# New namespaces other than mount and user ones through clone(2), which unshare(2) refuses
# (the capable() check is judged only inside unshare).
t_attack_clone_namespaces() {
	apply "$(policy ns <<P
name: ns
cgroups: [$CG]
P
)"
	local out
	out=$(in_cg "$CG" python3 - <<'PY'
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
SIGCHLD = 17
flags = {"net": 0x40000000, "uts": 0x04000000, "ipc": 0x08000000, "pid": 0x20000000,
         "cgroup": 0x02000000}
for name, f in flags.items():
    r = libc.unshare(f)
    print("unshare-" + name, "ok" if r == 0 else os.strerror(ctypes.get_errno()))
for name, f in flags.items():
    before = os.readlink("/proc/self/ns/" + name)
    pid = libc.syscall(56, f | SIGCHLD, 0, 0, 0, 0)
    if pid == 0:
        if name == "pid":
            os._exit(0 if os.getpid() == 1 else 1)
        os._exit(0 if os.readlink("/proc/self/ns/" + name) != before else 1)
    if pid < 0:
        print("clone-" + name, os.strerror(ctypes.get_errno()))
        continue
    _, st = os.waitpid(pid, 0)
    print("clone-" + name, "new-namespace" if os.WEXITSTATUS(st) == 0 else "same")
PY
)
	echo "      $out" | tr '\n' ' ' >&2
	echo >&2
	expect_contains "$out" "unshare-net Operation not permitted" "unshare(CLONE_NEWNET)"
	expect_contains "$out" "clone-net Operation not permitted" "clone(CLONE_NEWNET)"
	expect_contains "$out" "clone-pid Operation not permitted" "clone(CLONE_NEWPID)"
}


# The same through a unix socket: its bound path follows the rename of its directory, so a
# socket fs.write denies is reached under the new name.
t_attack_rename_unix_socket() {
	local d=/tmp/e2e-atk-sock
	rm -rf "$d" "$d-2"
	mkdir -p "$d/run"
	python3 - "$d/run/denied.sock" >"$T/listen.out" 2>&1 <<'PY' &
import socket, sys, threading
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(8)
print("ready", flush=True)
threading.Thread(target=lambda: [s.accept()[0].close() for _ in iter(int, 1)], daemon=True).start()
threading.Event().wait(30)
PY
	local lp=$!
	while ! grep -q ready "$T/listen.out" 2>/dev/null; do sleep 0.1; done
	apply "$(policy sock <<P
name: sock
cgroups: [$CG]
fs: { deny: [$d/run/denied.sock] }
P
)"
	local out
	out=$(in_cg "$CG" python3 - "$d" <<'PY'
import os, socket, sys
d = sys.argv[1]
def conn(p):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(p)
        return "ok"
    except OSError as e:
        return os.strerror(e.errno)
print("before", conn(d + "/run/denied.sock"))
try:
    os.rename(d + "/run", d + "/run2")
    print("rename ok")
except OSError as e:
    print("rename", os.strerror(e.errno))
print("after", conn(d + "/run2/denied.sock"))
PY
)
	kill "$lp" 2>/dev/null
	echo "      $out" | tr '\n' ' ' >&2
	echo >&2
	expect_contains "$out" "before Operation not permitted" "the denied socket by its name"
	expect_contains "$out" "rename Operation not permitted" "renaming the denied socket's directory"
	expect_event op=fs.write path="$d/run"
}

# Under a default deny a rename or a hard link may not give a file a right its name lacked (as
# Landlock's refer): a file the process may write but not read is not moved or linked where it
# may be read, nor a program it may not run where it may (an exchange counts both ways).
t_attack_rename_gains_rights() {
	local d=/tmp/e2e-atk-gain
	rm -rf "$d"
	mkdir -p "$d/open" "$d/hidden/dir" "$d/bin" "$d/stash"
	echo secret >"$d/hidden/s"
	echo secret >"$d/hidden/dir/t"
	echo x >"$d/open/x"
	cp /usr/bin/true "$d/stash/tool"
	apply "$(policy gain <<P
name: gain
cgroups: [$CG]
fs: { default: deny, read: [$d/open/, "$d/*.txt"], write: [$d/] }
exec: { default: deny, allow: [$d/bin/] }
P
)"
	expect_eq "$(wtry_in "$CG" open "$d/hidden/s")" "EPERM" "the unreadable file"
	expect_eq "$(wtry_in "$CG" rename "$d/hidden/s" "$d/open/s")" "EPERM" "moved where it is readable"
	expect_event op=fs.write path="$d/open/s" reason=rule
	expect_eq "$(wtry_in "$CG" rename "$d/hidden/s" "$d/s.txt")" "EPERM" "renamed to a readable name"
	expect_eq "$(wtry_in "$CG" link "$d/hidden/s" "$d/open/l")" "EPERM" "linked where it is readable"
	expect_event op=fs.write path="$d/open/l" reason=rule
	expect_eq "$(wtry_in "$CG" rename "$d/hidden/dir" "$d/open/dir")" "EPERM" "its directory moved"
	expect_eq "$(wtry_in "$CG" exchange "$d/hidden/s" "$d/open/x")" "EPERM" "exchanged"
	expect_eq "$(wtry_in "$CG" rename "$d/stash/tool" "$d/bin/tool")" "EPERM" \
		"a program moved where it may run"
	expect_eq "$(wtry_in "$CG" open "$d/open/s")" "ENOENT" "nothing moved"
	# losing rights, or keeping them, is allowed
	expect_eq "$(wtry_in "$CG" rename "$d/open/x" "$d/hidden/x")" "ok" "moved where it is not readable"
	expect_eq "$(wtry_in "$CG" rename "$d/hidden/x" "$d/hidden/y")" "ok" "renamed in place"
	expect_eq "$(wtry_in "$CG" link "$d/hidden/y" "$d/stash/y")" "ok" "linked where it is not readable"
}

# Write is withheld as read is: a hard link may not give a file a writable name, nor a
# directory moved (its own name writable) make what is below it writable.
t_attack_write_gain() {
	local d=/tmp/e2e-atk-wgain
	rm -rf "$d"
	mkdir -p "$d/ro/x" "$d/open"
	echo keep >"$d/ro/x/f"
	echo keep >"$d/ro/g"
	echo w >"$d/open/a"
	apply "$(policy wgain <<P
name: wgain
cgroups: [$CG]
fs: { default: deny, read: [$d/], write: [$d/ro/x, $d/open/] }
P
)"
	expect_eq "$(wtry_in "$CG" open "$d/ro/g" w)" "EPERM" "the file is not writable"
	expect_eq "$(wtry_in "$CG" link "$d/ro/g" "$d/open/g")" "EPERM" "linked where it is writable"
	expect_event op=fs.write path="$d/open/g" reason=rule
	expect_eq "$(wtry_in "$CG" rename "$d/ro/x" "$d/open/x")" "EPERM" \
		"its directory moved where what is below it is writable"
	expect_event op=fs.write path="$d/open/x" reason=rule
	expect_eq "$(wtry_in "$CG" open "$d/open/x/f" w)" "ENOENT" "nothing moved"
	expect_eq "$(wtry_in "$CG" link "$d/open/a" "$d/open/b")" "ok" "a writable file linked"
	expect_eq "$(wtry_in "$CG" open "$d/ro/x/f" w)" "EPERM" "still not writable"
}

# A directory moved gives what is below it the rules below its new name: rules there (literal
# or wildcard) may allow nothing that the old name's directory rules did not already allow.
t_attack_dir_move_gains_below() {
	local d=/tmp/e2e-atk-below
	rm -rf "$d"
	mkdir -p "$d/hidden/a" "$d/hidden/b/doc" "$d/hidden/c" "$d/pub" "$d/w/z" "$d/open/o/doc" \
		"$d/src/a/b"
	echo x >"$d/src/a/b/x.c"
	echo secret >"$d/hidden/a/s"
	echo secret >"$d/hidden/b/doc/t"
	echo x >"$d/open/o/doc/x"
	apply "$(policy below <<P
name: below
cgroups: [$CG]
fs: { default: deny, read: [$d/open/, $d/pub/deep/s, "$d/w/*/doc/*", "$d/src/**/*.c"], write: [$d/] }
P
)"
	expect_eq "$(wtry_in "$CG" open "$d/hidden/a/s")" "EPERM" "the unreadable file"
	expect_eq "$(wtry_in "$CG" rename "$d/hidden/a" "$d/pub/deep")" "EPERM" \
		"moved where a literal rule below allows reading"
	expect_event op=fs.write path="$d/pub/deep" reason=rule
	expect_eq "$(wtry_in "$CG" rename "$d/hidden/a" "$d/pub/deep")" "EPERM" "and again"
	expect_eq "$(wtry_in "$CG" rename "$d/hidden/b" "$d/w/y")" "EPERM" \
		"moved where a wildcard below allows reading"
	expect_event op=fs.write path="$d/w/y" reason=rule
	expect_eq "$(wtry_in "$CG" exchange "$d/w/z" "$d/hidden/b")" "EPERM" "exchanged into it"
	expect_eq "$(wtry_in "$CG" open "$d/pub/deep/s")" "ENOENT" "nothing moved"
	expect_eq "$(wtry_in "$CG" open "$d/w/y/doc/t")" "ENOENT" "nothing moved there either"
	# what was readable below its old name, or what nothing below the new one allows, moves
	expect_eq "$(wtry_in "$CG" rename "$d/open/o" "$d/w/o")" "ok" "readable before"
	expect_eq "$(wtry_in "$CG" open "$d/w/o/doc/x")" "ok" "and after"
	expect_eq "$(wtry_in "$CG" rename "$d/src/a" "$d/src/c")" "ok" "wildcards alike below both"
	expect_eq "$(wtry_in "$CG" open "$d/src/c/b/x.c")" "ok" "read where it was readable before"
	expect_eq "$(wtry_in "$CG" rename "$d/hidden/c" "$d/hidden/e")" "ok" "nothing allowed below"
	expect_eq "$(wtry_in "$CG" rename "$d/hidden/a/s" "$d/hidden/c2")" "ok" "a file, not a directory"
}

# A hard link's source read while another process renames it: the new name's bytes cut to the
# old name's length ("pubq" read as "pub") gave the source the rules of $d/pub, and the link
# into the readable directory looked like no gain. A path is read until one walk saw no move.
t_attack_link_torn_name() {
	local d=/tmp/e2e-atk-torn out
	rm -rf "$d"
	mkdir -p "$d/pub"
	echo secret >"$d/zzz"
	apply "$(policy atktorn <<P
name: atktorn
cgroups: [$CG]
fs: { default: deny, read: [$d/pub/], write: [$d/] }
P
)"
	expect_eq "$(wtry_in "$CG" link "$d/zzz" "$d/pub/g")" "EPERM" "the link, by itself"
	expect_event op=fs.write path="$d/pub/g" reason=rule
	out=$(wtry_in "$CG" race-link 8000 "$d/zzz" "$d/pubq" "$d/pub/g")
	echo "      $out" >&2
	expect_contains "$out" "link ok=0 " "links of a file being renamed"
	expect_eq "$(wtry_in "$CG" open "$d/pub/g")" "ENOENT" "the link's name, after the race"
}

# A directory shown at a second place by a bind mount, readable only there: a file renamed or
# linked into it from a directory the rules hide gains that name too
t_attack_rename_into_bind_alias() {
	local d=/tmp/e2e-atk-alias i
	umount "$d/view" "$d"/x* 2>/dev/null
	rm -rf "$d"
	mkdir -p "$d/src/hidden/dir" "$d/src/pub" "$d/view"
	echo secret >"$d/src/hidden/s"
	echo p >"$d/src/pub/p"
	echo x >"$d/src/hidden/dir/f"
	mkdir "$d/src/pub/da"
	mount --bind "$d/src/pub" "$d/view" || fail "bind mount"
	apply "$(policy atkalias <<P
name: atkalias
cgroups: [$CG]
fs: { default: deny, read: [$d/view/], write: [$d/src/] }
P
)"
	expect_eq "$(wtry_in "$CG" open "$d/view/p")" "ok" "the alias, readable"
	expect_eq "$(wtry_in "$CG" rename "$d/src/hidden/s" "$d/src/pub/s")" "EPERM" "a rename"
	expect_event op=fs.write path="$d/view/s" reason=rule
	expect_eq "$(wtry_in "$CG" link "$d/src/hidden/s" "$d/src/pub/l")" "EPERM" "a link"
	expect_event op=fs.write path="$d/view/l" reason=rule
	expect_eq "$(wtry_in "$CG" rename "$d/src/hidden/dir" "$d/src/pub/dir")" "EPERM" \
		"a directory"
	expect_event op=fs.write path="$d/view/dir" reason=rule
	expect_eq "$(wtry_in "$CG" exchange "$d/src/pub/p" "$d/src/hidden/s")" "EPERM" \
		"an exchange (the hidden file moves to the shown name)"
	expect_event op=fs.write path="$d/view/p" reason=rule
	expect_eq "$(wtry_in "$CG" open "$d/view/s")" "ENOENT" "nothing reached the alias"
	# moves that gain nothing through the alias
	expect_eq "$(wtry_in "$CG" rename "$d/src/hidden/s" "$d/src/hidden/t")" "ok" \
		"a rename among hidden names"
	expect_eq "$(wtry_in "$CG" rename "$d/src/pub/p" "$d/src/pub/q")" "ok" \
		"a rename inside the shown directory"
	expect_eq "$(wtry_in "$CG" link "$d/src/pub/q" "$d/src/pub/q2")" "ok" \
		"a link inside the shown directory"
	expect_eq "$(wtry_in "$CG" rename "$d/src/pub/da" "$d/src/pub/db")" "ok" \
		"a directory renamed inside the shown directory"
	expect_eq "$(wtry_in "$CG" rename "$d/src/pub/q" "$d/src/hidden/q")" "ok" \
		"a rename out of the shown directory"
	# more names (binds no rule names): judged all, no false refusal
	for i in 1 2 3 4 5 6; do
		mkdir -p "$d/x$i" && mount --bind "$d/src" "$d/x$i" || fail "bind mount $i"
	done
	expect_eq "$(wtry_in "$CG" rename "$d/src/pub/q2" "$d/src/pub/q3")" "ok" \
		"a rename inside the shown directory, with 8 names"
	expect_eq "$(wtry_in "$CG" rename "$d/src/hidden/q" "$d/src/pub/q")" "EPERM" \
		"a rename into the shown directory, with 8 names"
	expect_event op=fs.write path="$d/view/q" reason=rule
	for i in 1 2 3 4 5 6; do umount "$d/x$i"; done
	umount "$d/view"
}
