#!/usr/bin/env bash
# A client / router / server lab in three network namespaces joined by veth pairs.
#
#   <prefix>cli  198.18.1.2/24  2001:2:0:1::2/64 ── veth ── <prefix>rtr  198.18.1.1  2001:2:0:1::1
#   <prefix>srv  198.18.2.2/24  2001:2:0:2::2/64 ── veth ── <prefix>rtr  198.18.2.1  2001:2:0:2::1
#
# The router forwards between the two; nothing else is reachable. Addresses come from the benchmarking
# ranges (198.18.0.0/15, 2001:2::/48) only.
#
# usage: lab.sh up PREFIX | down PREFIX | list
set -euo pipefail

cmd=${1:-}; prefix=${2:-}

die() { echo "lab.sh: $*" >&2; exit 2; }

check_prefix() {
  [[ -n "$prefix" ]] || die "missing PREFIX (e.g. tpx-$$-)"
  [[ "$prefix" =~ ^[a-z0-9-]{1,10}$ ]] || die "PREFIX must be 1-10 of [a-z0-9-] (veth names are at most 15 chars): $prefix"
}

up() {
  check_prefix
  local cli=${prefix}cli rtr=${prefix}rtr srv=${prefix}srv
  for ns in "$cli" "$rtr" "$srv"; do ip netns add "$ns"; done
  ip link add "${prefix}c0" type veth peer name "${prefix}r0"
  ip link add "${prefix}s0" type veth peer name "${prefix}r1"
  ip link set "${prefix}c0" netns "$cli"
  ip link set "${prefix}r0" netns "$rtr"
  ip link set "${prefix}r1" netns "$rtr"
  ip link set "${prefix}s0" netns "$srv"

  for ns in "$cli" "$rtr" "$srv"; do
    ip -n "$ns" link set lo up
    # DAD would hold IPv6 addresses tentative for a second or two.
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
  done

  ip -n "$cli" link set "${prefix}c0" name eth0
  ip -n "$srv" link set "${prefix}s0" name eth0
  ip -n "$rtr" link set "${prefix}r0" name cli0
  ip -n "$rtr" link set "${prefix}r1" name srv0

  ip -n "$cli" addr add 198.18.1.2/24 dev eth0
  ip -n "$cli" addr add 2001:2:0:1::2/64 dev eth0 nodad
  ip -n "$cli" link set eth0 up
  ip -n "$cli" route add default via 198.18.1.1
  ip -n "$cli" -6 route add default via 2001:2:0:1::1

  ip -n "$srv" addr add 198.18.2.2/24 dev eth0
  ip -n "$srv" addr add 2001:2:0:2::2/64 dev eth0 nodad
  ip -n "$srv" link set eth0 up
  ip -n "$srv" route add default via 198.18.2.1
  ip -n "$srv" -6 route add default via 2001:2:0:2::1

  ip -n "$rtr" addr add 198.18.1.1/24 dev cli0
  ip -n "$rtr" addr add 2001:2:0:1::1/64 dev cli0 nodad
  ip -n "$rtr" addr add 198.18.2.1/24 dev srv0
  ip -n "$rtr" addr add 2001:2:0:2::1/64 dev srv0 nodad
  ip -n "$rtr" link set cli0 up
  ip -n "$rtr" link set srv0 up
  ip netns exec "$rtr" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
  echo "lab ${prefix}: ${cli} ${rtr} ${srv}"
}

down() {
  check_prefix
  local ns
  for ns in "${prefix}cli" "${prefix}rtr" "${prefix}srv"; do
    if ip netns list | grep -qw "^$ns"; then
      # Processes left in a namespace keep it alive after `ip netns del`; they are the caller's to stop.
      ip netns del "$ns" || true
    fi
  done
}

list() { ip netns list | grep -E '^[a-z0-9-]+(cli|rtr|srv)( |$)' || true; }

case "$cmd" in
  up) up ;;
  down) down ;;
  list) list ;;
  *) die "usage: lab.sh up PREFIX | down PREFIX | list" ;;
esac
