# shellcheck shell=bash
# Attributes, module autoloading and SCTP's extra peers (issue 8's last gaps). Extended
# attributes, times and owners are judged in the kernel's inode hooks, which every form of the
# call reaches: setxattr, lsetxattr, fsetxattr and io_uring's setxattr and fsetxattr,
# removexattr and its fd and link forms, utimensat, futimens, utimes and utime, chown and
# fchown. security.* and trusted.* are never changed by a tagged process (op=tamper
# what=xattr); every other attribute change, POSIX ACLs among them, is fs.write of the file.

# attrs_setup: $T/a (fs.write allowed) and $T/d (fs.write not allowed), each with a file of
# root's (f) and one of uid 65534's (n), twins outside the policy's view for the baseline, and
# the helpers where uid 65534 can run them.
attrs_setup() {
	chmod 755 "$T"
	cp "$REPO/build/tests/wattr" "$REPO/build/tests/wnet" "$T/"
	mkdir -p "$T/a" "$T/d"
	touch "$T/a/f" "$T/a/n" "$T/d/f" "$T/d/n" "$T/base" "$T/basen"
	chown 65534:65534 "$T/a/n" "$T/d/n" "$T/basen"
	"$T/wattr" "$T/d/f" set=user.x >/dev/null || true # where user.* xattrs exist
	apply "$(policy attrs <<P
name: attrs
cgroups: [$CG]
fs:
  default: deny
  read: [/]
  write: [$T/a/]
P
)"
}

# attr_in [--nobody] PATH OP...: wattr in $CG, as root or as uid 65534
attr_in() {
	if [ "$1" = --nobody ]; then
		shift
		in_cg "$CG" setpriv --reuid 65534 --regid 65534 --clear-groups "$T/wattr" "$@"
	else
		in_cg "$CG" "$T/wattr" "$@"
	fi
}

# every OP of a wattr line failed with EPERM
all_eperm() { # LINE WHAT
	local w
	for w in $1; do
		[ "${w##*:}" = EPERM ] || fail "$2: expected EPERM, got '$w' in: $1"
	done
}

t_sound_attrs() {
	local ops="set=user.x fset=user.y times now futimens acl" base
	attrs_setup
	# allowed: what the same calls give outside the cgroup (tmpfs before 6.6 has no user.*
	# xattrs: EOPNOTSUPP, after warden let the call through)
	base=$("$T/wattr" "$T/base" $ops chown=65534)
	expect_eq "$(attr_in "$T/a/f" $ops chown=65534)" "$base" "root: attributes of a writable file"
	base=$(setpriv --reuid 65534 --regid 65534 --clear-groups "$T/wattr" "$T/basen" $ops)
	expect_eq "$(attr_in --nobody "$T/a/n" $ops)" "$base" "uid 65534: attributes of its writable file"
	# not writable by the policy: every change, by path, by fd and with the current time
	all_eperm "$(attr_in "$T/d/f" $ops rm=user.x frm=user.x lset=user.z chown=1)" \
		"root: attributes of a file fs.write does not allow"
	all_eperm "$(attr_in --nobody "$T/d/n" $ops)" "uid 65534: attributes of its own file"
	expect_event op=fs.write uid=0 path="$T/d/f"
	expect_event op=fs.write uid=65534 path="$T/d/n"
	# security.* and trusted.*: never, even on a file the policy lets it write
	all_eperm "$(attr_in "$T/a/f" cap set=security.x fset=trusted.x rm=security.capability \
		set=trusted.overlay.redirect)" "root: security.* and trusted.* of a writable file"
	expect_event op=tamper what=xattr uid=0 path="$T/a/f"
}

# On-demand module loading: socket(2) of an address family whose module is not loaded makes
# the kernel run modprobe, outside the cgroup. Refused (the kernel then reports the family as
# unsupported, EAFNOSUPPORT, not EPERM), for root and for uid 65534, with the module named.
t_sound_module_request() {
	attrs_setup
	grep -q '^appletalk ' /proc/modules && rmmod appletalk
	expect_eq "$(in_cg "$CG" "$T/wnet" family 5)" EAFNOSUPPORT "root: socket(AF_APPLETALK)"
	expect_eq "$(in_cg "$CG" setpriv --reuid 65534 --regid 65534 --clear-groups "$T/wnet" family 5)" \
		EAFNOSUPPORT "uid 65534: socket(AF_APPLETALK)"
	expect_event op=tamper what=module uid=0 path=net-pf-5
	expect_event op=tamper what=module uid=65534 path=net-pf-5
	grep -q '^appletalk ' /proc/modules && fail "appletalk was loaded"
	# outside the cgroup the same call loads it
	expect_eq "$("$T/wnet" family 5)" ok "socket(AF_APPLETALK) outside the cgroup"
}

# SCTP: the SCTP_DSTADDRV4/V6 control messages of a sendmsg that starts an association add
# peers that no LSM hook sees; each is judged as net.connect on the primary address's port.
t_sound_sctp_dstaddrs() {
	chmod 755 "$T"
	cp "$REPO/build/tests/wnet" "$T/"
	modprobe sctp || fail "cannot load the sctp module"
	apply "$(policy sctp <<P
name: sctp
cgroups: [$CG]
net:
  connect: { default: deny, allow: ["127.0.0.1:5432", "127.0.0.4:5432", "[::1]:5432"] }
P
)"
	local nb="setpriv --reuid 65534 --regid 65534 --clear-groups $T/wnet"
	expect_eq "$(in_cg "$CG" $nb sendmsg sctp4 127.0.0.1 5432 dst=127.0.0.4)" ok \
		"an allowed extra peer"
	expect_eq "$(in_cg "$CG" $nb sendmsg sctp4 127.0.0.1 5432 dst=127.0.0.4 dst=127.0.0.3)" \
		EPERM "a denied extra IPv4 peer"
	expect_eq "$(in_cg "$CG" $nb sendmsg sctp6 ::1 5432 dst=::2)" EPERM "a denied extra IPv6 peer"
	expect_eq "$(in_cg "$CG" $nb uring-sendmsg sctp4 127.0.0.1 5432 dst=127.0.0.5)" EPERM \
		"a denied extra peer through io_uring"
	expect_event op=net.connect uid=65534 addr=127.0.0.3 port=5432
	expect_event op=net.connect uid=65534 addr=::2 port=5432
	expect_event op=net.connect uid=65534 addr=127.0.0.5 port=5432
}
