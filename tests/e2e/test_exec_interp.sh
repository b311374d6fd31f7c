# shellcheck shell=bash
# Exec semantics: the ELF interpreter (PT_INTERP) the kernel loads for an allowed program is
# part of that exec, and only a deny rule refuses it; the dynamic loader run directly, a
# script's #! interpreter and a binfmt_misc interpreter are programs of their own, judged by
# the exec rules. Each check as root and as uid 65534.

INTERP_LDSO=$(readlink -f /lib64/ld-linux-x86-64.so.2)

# as_in CGROUP UID OP ARGS...: wtry joins CGROUP, becomes UID (and its group), then does OP
as_in() {
	"$WTRY" --cgroup "$CGROOT$1" --uid "$2" "${@:3}"
}

t_exec_interp_elf() {
	local uid out off
	chmod 755 "$T"
	echo hello >"$T/hello"
	chmod 644 "$T/hello"
	# a copy of cat whose interpreter does not exist: its exec fails after the kernel read it
	cp /usr/bin/cat "$T/nointerp"
	off=$(grep -boa /lib64/ld-linux-x86-64.so.2 "$T/nointerp" | head -1 | cut -d: -f1)
	[ -n "$off" ] || fail "no PT_INTERP string in cat"
	printf /lib64/ld-linux-x86-64.so.X | dd of="$T/nointerp" bs=1 seek="$off" conv=notrunc status=none
	chmod 755 "$T/nointerp"
	cg_make "$CG/allow" "$CG/ldso" "$CG/noldso"
	apply "$(policy interp-allow <<P
name: interp-allow
cgroups: [$CG/allow]
exec: { default: deny, allow: [/usr/bin/cat, $T/nointerp] }
P
)" "$(policy interp-ldso <<P
name: interp-ldso
cgroups: [$CG/ldso]
exec: { default: deny, allow: [/usr/bin/cat, $INTERP_LDSO] }
P
)" "$(policy interp-noldso <<P
name: interp-noldso
cgroups: [$CG/noldso]
exec: { default: deny, allow: [/usr/bin/cat], deny: [$INTERP_LDSO] }
P
)"
	for uid in 0 65534; do
		# an allow list naming only the program: its interpreter comes with it
		expect_eq "$(as_in "$CG/allow" $uid exec /usr/bin/cat "$T/hello")" hello \
			"an allowed program (uid $uid)"
		# what the failed exec of an allowed program recorded does not serve the next exec
		expect_eq "$(as_in "$CG/allow" $uid exec-after "$T/nointerp" /usr/bin/od "$T/hello")" \
			EPERM "a denied program after a failed exec (uid $uid)"
		expect_event op=exec cgroup="$CG/allow" uid=$uid path=/usr/bin/od reason=default
		# the dynamic loader run directly is a program of its own
		expect_eq "$(as_in "$CG/allow" $uid exec "$INTERP_LDSO" /usr/bin/cat "$T/hello")" \
			EPERM "the loader run directly (uid $uid)"
		expect_event op=exec cgroup="$CG/allow" uid=$uid path="$INTERP_LDSO" reason=default
		# allowed, it still cannot run a program the exec rules deny
		out=$(as_in "$CG/ldso" $uid exec "$INTERP_LDSO" /usr/bin/od "$T/hello" 2>&1)
		case "$out" in *0000000*) fail "od ran through the loader (uid $uid): $out" ;; esac
		expect_event op=exec cgroup="$CG/ldso" uid=$uid path=/usr/bin/od reason=default
		expect_eq "$(as_in "$CG/ldso" $uid exec "$INTERP_LDSO" /usr/bin/cat "$T/hello")" \
			hello "an allowed program through the loader (uid $uid)"
		# a deny rule naming the interpreter wins over the program's allow rule
		expect_eq "$(as_in "$CG/noldso" $uid exec /usr/bin/cat "$T/hello")" EPERM \
			"an allowed program whose interpreter is denied (uid $uid)"
		expect_event op=exec cgroup="$CG/noldso" uid=$uid path="$INTERP_LDSO" \
			program=/usr/bin/cat reason=rule
	done
	expect_no_event cgroup="$CG/allow" program=/usr/bin/cat
}

# Interpreters named by data a process may write (a script's #! line, a binfmt_misc magic)
# cannot widen the exec rules, also when the file they run is an allowed dynamic ELF.
t_exec_interp_script_misc() {
	local uid m bm=/proc/sys/fs/binfmt_misc
	chmod 755 "$T"
	printf '#!/usr/bin/dash\necho script-ok\n' >"$T/ok"
	printf '#!/usr/bin/od -c\n' >"$T/bad"
	printf '#!%s /usr/bin/od\n' "$INTERP_LDSO" >"$T/ldso"
	# copies of cat marked in e_ident's padding (bytes 9-15, which the kernel ignores)
	cp /usr/bin/cat "$T/marked"
	printf WRDNOPN | dd of="$T/marked" bs=1 seek=9 conv=notrunc status=none
	cp /usr/bin/cat "$T/markedf"
	printf WRDNFIL | dd of="$T/markedf" bs=1 seek=9 conv=notrunc status=none
	chmod 755 "$T/ok" "$T/bad" "$T/ldso" "$T/marked" "$T/markedf"
	modprobe binfmt_misc 2>/dev/null
	[ -e $bm/register ] || mount -t binfmt_misc binfmt_misc $bm || fail "cannot mount binfmt_misc"
	trap "echo -1 >$bm/warden-open 2>/dev/null; echo -1 >$bm/warden-file 2>/dev/null" EXIT
	# one handler opens its interpreter at each exec, the other ('F') clones the file it
	# opened when it was registered
	echo ':warden-open:M:9:WRDNOPN::/usr/bin/od:' >$bm/register || fail "cannot register"
	echo ':warden-file:M:9:WRDNFIL::/usr/bin/od:F' >$bm/register || fail "cannot register"
	expect_contains "$("$T/marked" | head -1)" 0000000 "the handler, untagged"
	apply "$(policy interp-script <<P
name: interp-script
cgroups: [$CG]
exec: { default: deny, allow: [/usr/bin/dash, "$T/"] }
P
)"
	for uid in 0 65534; do
		expect_eq "$(as_in "$CG" $uid exec "$T/ok")" script-ok \
			"a script whose interpreter is allowed (uid $uid)"
		expect_eq "$(as_in "$CG" $uid exec "$T/bad")" EPERM \
			"a script whose interpreter is not allowed (uid $uid)"
		expect_event op=exec uid=$uid path=/usr/bin/od program="$T/bad" reason=default
		expect_eq "$(as_in "$CG" $uid exec "$T/ldso")" EPERM \
			"a script naming the loader (uid $uid)"
		expect_event op=exec uid=$uid path="$INTERP_LDSO" program="$T/ldso" reason=default
		for m in marked markedf; do
			expect_eq "$(as_in "$CG" $uid exec "$T/$m")" EPERM \
				"a binfmt_misc interpreter not allowed ($m, uid $uid)"
			expect_event op=exec uid=$uid path=/usr/bin/od program="$T/$m" reason=default
		done
	done
}
