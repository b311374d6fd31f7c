# shellcheck shell=bash
# Exact path decisions, and unix sockets judged by their paths and names.

# Every rule hit is exact: names that differ from an allowed program by a byte, a length or a
# component (what a hash collision would look like to a rule) run nothing, and a directory rule
# covers nothing but its own directory.
t_exact_path_decisions() {
	local d=/tmp/e2e-exact n
	mkdir -p "$d/bin" "$d/binx"
	cp /usr/bin/true "$d/bin/allowed"
	for n in allowed2 allowe allowea Allowed "allowed " allowed.; do cp /usr/bin/true "$d/bin/$n"; done
	cp /usr/bin/true "$d/binx/allowed"
	cp /usr/bin/true "$d/bi"
	echo x >"$d/readable"
	echo x >"$d/readablf"
	chmod -R a+rX "$d"
	apply "$(policy exact <<P
name: exact
cgroups: [$CG]
fs: { deny: [$d/readablf] }
exec:
  default: deny
  allow: [$d/bin/allowed, /usr/bin/setpriv, $WTRY, /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2,
          /lib64/ld-linux-x86-64.so.2]
P
)"
	expect_eq "$(in_cg "$CG" setpriv --reuid 65534 --regid 65534 --clear-groups "$d/bin/allowed" && echo ok)" \
		"ok" "the allowed program"
	for n in bin/allowed2 bin/allowe bin/allowea bin/Allowed "bin/allowed " bin/allowed. binx/allowed bi; do
		expect_eq "$(in_cg "$CG" setpriv --reuid 65534 --regid 65534 --clear-groups "$WTRY" exec "$d/$n" 2>&1)" \
			"EPERM" "exec of $d/$n"
	done
	expect_event op=exec path="$d/bin/allowed2" reason=default uid=65534
	expect_event op=exec path="$d/binx/allowed" reason=default
	expect_eq "$(wtry_in "$CG" open "$d/readable")" "ok" "a file next to a denied one"
	expect_eq "$(wtry_in "$CG" open "$d/readablf")" "EPERM" "the denied file"
	expect_event op=fs.read path="$d/readablf" reason=rule
}

# Components of every length are matched exactly, whichever map holds them (bpf/abi.h: names
# under 16 bytes in warden_fs_short, longer ones in warden_fs_rule): names of 15 and 16 bytes
# that share 15, names that differ only in their 17th byte, a name of 255 bytes, and directory
# rules on both sides of the limit, denied and (by default deny) allowed. The files denied are
# opened after a file beside them was allowed, so their directory's kept state (bpf/cache.bpf.h:
# dirstate_name) judges them by name.
t_names_of_every_length() {
	local d=/tmp/e2e-names s15=abcdefghijklmno l16=abcdefghijklmnop l255 n
	l255=$(printf 'n%.0s' $(seq 255))
	mkdir -p "$d/$s15/x" "$d/$l16/x" "$d/${l16}q/x" "$d/${l16}r/x" "$d/$l255"
	for n in "$s15/x/f" "$s15/x/g" "$s15/x/$l16" "$l16/x/f" "$l16/x/g" "${l16}q/x/f" "${l16}r/x/f" \
		"$l255/f" "$l255/g"; do
		echo x >"$d/$n"
	done
	apply "$(policy names <<P
name: names
cgroups: [$CG]
fs: { deny: [$d/$s15/x/g, $d/$s15/x/$l16, $d/$l16/x/f, $d/${l16}q/, $d/$l255/f] }
P
)"
	for n in "$s15/x/f" "$l16/x/g" "${l16}r/x/f" "$l255/g"; do
		expect_eq "$(wtry_in "$CG" open "$d/$n")" "ok" "open of $d/$n"
	done
	for n in "$s15/x/g" "$s15/x/$l16" "$l16/x/f" "${l16}q/x/f" "$l255/f"; do
		expect_eq "$(wtry_in "$CG" open "$d/$n")" "EPERM" "open of $d/$n"
	done
	expect_event op=fs.read path="$d/$l16/x/f" reason=rule
	expect_event op=fs.read path="$d/$s15/x/$l16" reason=rule
	expect_event op=fs.read path="$d/${l16}q/x/f" reason=rule
	expect_event op=fs.read path="$d/$l255/f" reason=rule
	apply "$(policy names <<P
name: names
cgroups: [$CG]
fs: { default: deny, read: [$d/$l16/, $d/$s15/x/f, $d/$l255/g] }
P
)"
	for n in "$l16/x/f" "$s15/x/f" "$l255/g"; do
		expect_eq "$(wtry_in "$CG" open "$d/$n")" "ok" "open of $d/$n (allowed)"
	done
	for n in "$s15/x/g" "${l16}q/x/f" "$l255/f"; do
		expect_eq "$(wtry_in "$CG" open "$d/$n")" "EPERM" "open of $d/$n (default)"
	done
	expect_event op=fs.read path="$d/${l16}q/x/f" reason=default
	expect_event op=fs.read path="$d/$s15/x/g" reason=default
}

# A file on an overlay is judged once, by the path the process opened. overlayfs's own open of
# the real file below it (in the same task, with the mounter's credentials; under the overlay's
# path before 6.6 and the layer's after) is not judged again: the layer's path needs no rule,
# and a refused file gives one event, under its overlay path.
t_overlay_judged_by_its_path() {
	local d=/tmp/e2e-ovl
	mkdir -p "$d/lower/sub" "$d/upper" "$d/work" "$d/merged"
	echo x >"$d/lower/sub/ok"
	echo x >"$d/lower/sub/secret"
	mount -t overlay overlay -o "lowerdir=$d/lower,upperdir=$d/upper,workdir=$d/work" \
		"$d/merged" || fail "cannot mount the overlay"
	apply "$(policy ovl <<P
name: ovl
cgroups: [$CG]
fs: { default: deny, read: [$d/merged/], deny: [$d/merged/sub/secret] }
P
)"
	local ok secret lower
	ok=$(wtry_in "$CG" open "$d/merged/sub/ok")
	secret=$(wtry_in "$CG" open "$d/merged/sub/secret")
	lower=$(wtry_in "$CG" open "$d/lower/sub/ok")
	umount "$d/merged"
	expect_eq "$ok" "ok" "a file the overlay path allows"
	expect_eq "$secret" "EPERM" "a file the overlay path denies"
	expect_eq "$lower" "EPERM" "the layer's own path, opened directly"
	events
	expect_eq "$(event_count op=fs.read path="$d/merged/sub/secret" reason=rule)" 1 \
		"one event for the denied overlay file"
	expect_eq "$(event_count op=fs.read)" 2 "events in all"
	expect_eq "$(event_count op=fs.read path="$d/lower/sub/ok" reason=default)" 1 \
		"one event for the layer's path opened directly"
}

# unix_listen: serve stream sockets at $d/ok.sock, $d/denied.sock, a datagram socket at
# $d/denied-d.sock, and abstract names e2e-ok-1 and e2e-secret, from outside the cgroup.
unix_listen() {
	python3 - "$1" >"$T/listen.out" 2>&1 <<'PY' &
import os, socket, sys, threading
d = sys.argv[1]
socks = []
for name, kind in (("ok.sock", socket.SOCK_STREAM), ("denied.sock", socket.SOCK_STREAM),
                   ("denied-d.sock", socket.SOCK_DGRAM), ("\0e2e-ok-1", socket.SOCK_STREAM),
                   ("\0e2e-secret", socket.SOCK_STREAM)):
    s = socket.socket(socket.AF_UNIX, kind)
    s.bind(name if name[0] == "\0" else os.path.join(d, name))
    if name[0] != "\0":
        os.chmod(os.path.join(d, name), 0o777)
    if kind == socket.SOCK_STREAM:
        s.listen(16)
        threading.Thread(target=lambda s=s: [s.accept()[0].close() for _ in iter(int, 1)],
                         daemon=True).start()
    socks.append(s)
print("ready", flush=True)
threading.Event().wait(60)
PY
	for _ in $(seq 50); do grep -q ready "$T/listen.out" 2>/dev/null && return; sleep 0.1; done
	fail "the unix listeners did not start: $(cat "$T/listen.out")"
}

# unix_try TARGET...: as uid 65534 in $CG, connect to each (a path, or @name), or send a
# datagram to it with "dgram:PATH"; prints the outcome of each
unix_try() {
	in_cg "$CG" setpriv --reuid 65534 --regid 65534 --clear-groups python3 -c '
import errno, socket, sys
for t in sys.argv[1:]:
    kind = socket.SOCK_DGRAM if t.startswith("dgram:") else socket.SOCK_STREAM
    t = t.split(":", 1)[1] if t.startswith("dgram:") else t
    addr = "\0" + t[1:] if t.startswith("@") else t
    s = socket.socket(socket.AF_UNIX, kind)
    try:
        if kind == socket.SOCK_DGRAM:
            s.sendto(b"x", addr)
        else:
            s.connect(addr)
        print("ok")
    except OSError as e:
        print(errno.errorcode[e.errno])
    s.close()
' "$@" | tr '\n' ' '
}

# A socket reached by path is fs.write of the path it was bound to; abstract names follow the
# "@name" connect rules.
# A library on an overlay mounted below /, mapped executable, or mapped readable and then made
# executable: from 6.8 the mapping's vma holds overlayfs's real file, whose own path is the
# layer's ("/usr/lib/evil.so" here); mprotect judges it by the overlay path the task opened.
t_overlay_library_by_its_path() {
	local d=/tmp/e2e-ovlib
	rm -rf "$d"
	mkdir -p "$d/lower/usr/lib" "$d/upper" "$d/work" "$d/merged"
	head -c 4096 /dev/zero >"$d/lower/usr/lib/evil.so"
	mount -t overlay overlay -o "lowerdir=$d/lower,upperdir=$d/upper,workdir=$d/work" \
		"$d/merged" || fail "cannot mount the overlay"
	apply "$(policy ovlib <<P
name: ovlib
cgroups: [$CG]
libraries: { default: deny, allow: [/usr/lib/] }
P
)"
	expect_eq "$(wtry_in "$CG" mmap-exec "$d/merged/usr/lib/evil.so")" "EPERM" "mmap PROT_EXEC"
	expect_eq "$(wtry_in "$CG" mprotect-exec "$d/merged/usr/lib/evil.so")" "EPERM" \
		"mmap, then mprotect PROT_EXEC"
	events
	[ "$(event_count op=library path="$d/merged/usr/lib/evil.so" reason=default)" -eq 2 ] ||
		fail "not two library events for the overlay path: $(cat "$T/events.json")"
	umount "$d/merged"
}

# A file reached through a bind mount of a subdirectory, then moved out of that subdirectory
# through another mount of the same filesystem: walking up from it never meets the bind mount's
# root, and the names read up to the filesystem's root name a path relative to it (here
# "/e2e-escape/lib/evil.so" on /tmp's tmpfs), which the rules must not judge. It is refused,
# unresolved (EXDEV); found by an attack on the libraries rules.
t_paths_moved_out_of_bind_mount() {
	local d=/tmp/e2e-escape
	rm -rf "$d"
	mkdir -p "$d/x" "$d/bm" "$d/lib"
	head -c 4096 /dev/zero >"$d/x/evil.so"
	head -c 4096 /dev/zero >"$d/x/evil2.so"
	mount --bind "$d/x" "$d/bm" || fail "cannot bind-mount $d/x"
	apply "$(policy escape <<P
name: escape
cgroups: [$CG]
libraries: { default: deny, allow: [/e2e-escape/lib/, $d/bm/] }
P
)"
	expect_eq "$(wtry_in "$CG" mmap-exec "$d/bm/evil.so")" "ok" "mapped through the bind mount"
	expect_eq "$(wtry_in "$CG" mmap-exec "$d/bm/evil.so" "$d/x/evil.so" "$d/lib/evil.so")" \
		"EPERM" "mapped after a move out of the bind mount's subtree"
	expect_eq "$(wtry_in "$CG" mprotect-exec "$d/bm/evil2.so" "$d/x/evil2.so" "$d/lib/evil2.so")" \
		"EPERM" "mprotect after a move out of the bind mount's subtree"
	expect_event op=library reason=unresolved error=18
	expect_eq "$(wtry_in "$CG" mmap-exec "$d/lib/evil.so")" "EPERM" "by its own path"
	expect_event op=library path="$d/lib/evil.so" reason=default
	umount "$d/bm"
}

t_unix_sockets_by_path_and_name() {
	local d=/tmp/e2e-unix listener
	rm -rf "$d"
	mkdir -p "$d"
	chmod 777 "$d"
	unix_listen "$d"
	listener=$!
	ln "$d/denied.sock" "$d/link.sock"
	apply "$(policy unix <<P
name: unix
cgroups: [$CG]
fs: { deny: [$d/denied.sock, $d/denied-d.sock] }
net:
  connect: { allow: ["@e2e-ok-*", "127.0.0.1"], deny: ["@e2e-secret"] }
P
)"
	expect_eq "$(unix_try "$d/ok.sock" "$d/denied.sock" "$d/link.sock" "dgram:$d/denied-d.sock" \
		@e2e-ok-1 @e2e-secret)" "ok EPERM EPERM EPERM ok EPERM " \
		"ok, denied, a hard link to it, a denied datagram peer, abstract ok, abstract denied"
	expect_event op=fs.write path="$d/denied.sock" uid=65534
	expect_event op=fs.write path="$d/denied-d.sock"
	expect_event op=net.connect path=@e2e-secret reason=rule
	apply "$(policy unix <<P
name: unix
cgroups: [$CG]
fs: { default: deny, read: [/], write: [$d/ok.sock] }
net:
  connect: { default: deny, allow: ["@e2e-ok-1"] }
P
)"
	expect_eq "$(unix_try "$d/ok.sock" "$d/denied.sock" @e2e-ok-1 @e2e-secret)" "ok EPERM ok EPERM " \
		"with defaults deny: only what is named"
	expect_event op=net.connect path=@e2e-secret reason=default
	expect_event op=fs.write path="$d/denied.sock" reason=default
	kill "$listener" 2>/dev/null
	true
}
