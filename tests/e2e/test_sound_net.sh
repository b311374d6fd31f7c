# shellcheck shell=bash
# Every way an IPv4 or IPv6 socket gets a peer or a local address is judged (issue 8, section
# 2): each check runs as uid 65534 inside the confined cgroup, through the C helper wnet.

# as_nobody WNET-ARGS...: wnet as uid 65534 in $CG
as_nobody() {
	in_cg "$CG" setpriv --reuid 65534 --regid 65534 --clear-groups "$T/wnet" "$@"
}

# nobody_is RESULT WHAT WNET-ARGS...
nobody_is() {
	local want=$1 what=$2
	shift 2
	expect_eq "$(as_nobody "$@")" "$want" "$what ($*)"
}

# net_event KEY=VALUE...: an event has all these fields; checked after the checks of a test,
# with one drain (grep, not python: start-up time). Ports differ between checks, so each
# finds its own event.
net_event() {
	local line kv ok
	[ -n "${net_drained:-}" ] || events
	net_drained=1
	while read -r line; do
		ok=1
		for kv in "$@"; do
			case "$line" in
			*"\"${kv%%=*}\":\"${kv#*=}\""* | *"\"${kv%%=*}\":${kv#*=},"*) ;;
			*)
				ok=0
				break
				;;
			esac
		done
		[ $ok = 1 ] && return 0
	done <"$T/events.json"
	fail "no event with $*; events were: $(cat "$T/events.json")"
}

net_setup() {
	chmod 755 "$T"
	cp "$REPO/build/tests/wnet" "$T/wnet"
	# unprivileged ICMP (ping) sockets for everyone
	sysctl -qw net.ipv4.ping_group_range="0 2147483647"
}

# Peers: every sockaddr form the kernel accepts, and sends to an address without connect.
t_net_sound_peers() {
	net_setup
	apply "$(policy peers <<P
name: peers
cgroups: [$CG]
net:
  connect: { default: deny, allow: ["127.0.0.1:5432", "[::1]:5432"] }
P
)"
	# a sockaddr_in6 without sin6_scope_id (SIN6_LEN_RFC2133, 24 bytes) is a whole address
	nobody_is ECONNREFUSED "24-byte sockaddr_in6, allowed" connect tcp6 ::1 5432 len=24
	nobody_is EPERM "24-byte sockaddr_in6" connect tcp6 ::1 5433 len=24
	nobody_is EPERM "shorter than the kernel takes" connect udp6 ::1 5432 len=20
	# an IPv6 UDP socket connects and sends to an AF_INET sockaddr as IPv4
	nobody_is ok "AF_INET on a UDP6 socket, allowed" connect udp6 127.0.0.1 5432
	nobody_is EPERM "AF_INET on a UDP6 socket" connect udp6 127.0.0.1 5434
	nobody_is EPERM "sendmsg AF_INET on a UDP6 socket" sendmsg udp6 127.0.0.1 5435
	# connect(AF_UNSPEC) disconnects; a send with AF_UNSPEC goes to the IPv4 address
	nobody_is ok "connect AF_UNSPEC (a disconnect)" connect udp4 127.0.0.1 5436 family=0
	nobody_is EPERM "sendto AF_UNSPEC on UDP4" sendto udp4 127.0.0.1 5436 family=0
	nobody_is ok "sendto, allowed" sendto udp4 127.0.0.1 5432
	nobody_is EPERM "sendto UDP" sendto udp4 127.0.0.1 5437
	nobody_is EPERM "sendto UDP6" sendto udp6 ::1 5438
	# ICMP sockets have no port: judged as port 0, which no rule here allows
	nobody_is EPERM "ping socket" sendto ping4 127.0.0.1 5432
	nobody_is EPERM "ping6 socket" sendto ping6 ::1 5432
	nobody_is EPERM "TCP Fast Open" fastopen tcp4 127.0.0.1 5439
	nobody_is EPERM "io_uring sendmsg" uring-sendmsg udp4 127.0.0.1 5440
	nobody_is EPERM "IPv4-mapped sendto" sendto udp6 ::ffff:127.0.0.1 5441
	# 0.0.0.0 and :: reach the local host: judged as 127.0.0.1 and ::1
	nobody_is EPERM "connect to 0.0.0.0" connect tcp4 0.0.0.0 5442
	nobody_is ECONNREFUSED "connect to 0.0.0.0, allowed as 127.0.0.1" connect tcp4 0.0.0.0 5432
	# raw sockets need root: judged as port 0, protocol raw
	expect_eq "$(in_cg "$CG" "$T/wnet" sendto raw4 127.0.0.1 5432)" EPERM "raw socket as root"
	expect_eq "$("$T/wnet" sendto udp4 127.0.0.1 5437)" ok "outside the cgroup"
	# the events of the denials above
	net_event op=net.connect uid=65534 addr=::1 port=5433 reason=default
	net_event op=net.connect uid=65534 reason=unreadable
	net_event op=net.connect addr=127.0.0.1 port=5434 proto=udp
	net_event op=net.connect addr=127.0.0.1 port=5435 proto=udp
	net_event op=net.connect addr=127.0.0.1 port=5436
	net_event op=net.connect uid=65534 addr=127.0.0.1 port=5437 proto=udp
	net_event op=net.connect addr=::1 port=5438
	net_event op=net.connect uid=65534 addr=127.0.0.1 port=0 proto=other
	net_event op=net.connect addr=::1 port=0 proto=other
	net_event op=net.connect addr=127.0.0.1 port=5439 proto=tcp
	net_event op=net.connect addr=127.0.0.1 port=5440
	net_event op=net.connect addr=127.0.0.1 port=5441
	net_event op=net.connect addr=127.0.0.1 port=5442
	net_event op=net.connect uid=0 addr=127.0.0.1 port=0
}

# Local addresses: bind in every form, listen and the first send on an unbound socket, and [::]
# that also receives IPv4.
t_net_sound_local() {
	net_setup
	apply "$(policy local <<P
name: local
cgroups: [$CG]
net:
  bind: { default: deny, allow: ["8080/tcp", "[::]:8081", "0.0.0.0:0/udp"] }
P
)"
	nobody_is EPERM "listen on an unbound socket" listen tcp4
	nobody_is ok "bind AF_UNSPEC 0.0.0.0 (the kernel's IPv4), allowed" bind tcp4 0.0.0.0 8080 family=0
	nobody_is EPERM "bind AF_UNSPEC 0.0.0.0" bind tcp4 0.0.0.0 8082 family=0
	nobody_is ok "24-byte sockaddr_in6, allowed" bind tcp6 ::1 8080 len=24
	nobody_is EPERM "24-byte sockaddr_in6" bind tcp6 ::1 8083 len=24
	# a first send binds a port the kernel chooses: port 0 at the wildcard address
	nobody_is ok "autobind allowed by 0.0.0.0:0/udp" sendto udp4 127.0.0.1 9
	nobody_is EPERM "autobind of a dual-stack UDP6 socket" sendto udp6 ::1 9
	# [::] without IPV6_V6ONLY receives IPv4 too: 0.0.0.0:8081 must be allowed as well
	nobody_is ok "[::] with IPV6_V6ONLY" bind tcp6 :: 8081 v6only=1
	nobody_is EPERM "[::] without IPV6_V6ONLY" bind tcp6 :: 8081 v6only=0
	# the events of the denials above
	net_event op=net.bind uid=65534 addr=0.0.0.0 port=0 proto=tcp reason=default
	net_event op=net.bind addr=0.0.0.0 port=8082
	net_event op=net.bind uid=65534 addr=::1 port=8083
	net_event op=net.bind addr=:: port=0 proto=udp
	net_event op=net.bind addr=0.0.0.0 port=8081
}

# SCTP: connectx, bindx and sendmsg address lists, each address judged.
t_net_sound_sctp() {
	net_setup
	modprobe sctp || fail "cannot load the sctp module"
	apply "$(policy sctp <<P
name: sctp
cgroups: [$CG]
net:
  connect: { default: deny, allow: ["127.0.0.1:5432"] }
  bind: { default: deny, allow: ["127.0.0.1:9000", "[::1]:9000"] }
P
)"
	nobody_is ok "bindx, allowed" bindx sctp4 127.0.0.1 9000
	nobody_is EPERM "bindx, second address denied" bindx sctp6 ::1 9000 127.0.0.2 9000
	nobody_is EPERM "connectx, second address denied" connectx sctp4 127.0.0.1 5432 127.0.0.1 5443
	nobody_is EPERM "sendto starts an association" sendto sctp4 127.0.0.1 5444
	nobody_is EPERM "connect(2) of SCTP" connect sctp6 ::1 5445
	# the events of the denials above
	net_event op=net.bind uid=65534 addr=127.0.0.2 port=9000
	net_event op=net.connect uid=65534 addr=127.0.0.1 port=5443
	net_event op=net.connect addr=127.0.0.1 port=5444
	net_event op=net.connect addr=::1 port=5445
}
