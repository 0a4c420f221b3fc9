#!/usr/bin/env bash
# The tproxy demo: a client / router / server lab in network namespaces, the appliance running in the router,
# and live traffic from the client to the server through it.
#
#   sudo native/demo/demo.sh          build if needed, start everything, attach to the appliance's console
#                                     (try: tproxy:connections, tproxy:stats, tproxy:doctor; `exit` ends the demo)
#   sudo native/demo/demo.sh --once   the same without a console: prints what it saw; exit 0 only if the
#                                     traffic went through the proxy
#
# Everything it creates (namespaces, rules, processes, the runtime copy) is removed when it ends.
set -euo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd -P)
ONCE=false
case "${1:-}" in
  --once) ONCE=true ;;
  "") ;;
  -h|--help) sed -n '2,10s/^# \{0,1\}//p' "$0"; exit 0 ;;
  *) echo "usage: native/demo/demo.sh [--once]" >&2; exit 2 ;;
esac

say() { printf '\033[1m== %s\033[0m\n' "$*"; }
die() { echo "demo: $*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "run as root (it creates network namespaces and nftables rules): sudo $0 $*"

# --- what a fresh Debian machine may lack -----------------------------------------------------------------
missing=()
command -v ip > /dev/null || missing+=(iproute2)
command -v nft > /dev/null || missing+=(nftables)
command -v java > /dev/null || missing+=(openjdk-17-jdk-headless)
command -v mvn > /dev/null || missing+=(maven)
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

if [[ ! -x "$ROOT/distribution/target/tproxy/bin/tproxy" ]]; then
  say "building tproxy (mvn install -DskipTests)"
  (cd "$ROOT" && mvn -q -B install -DskipTests)
fi

PREFIX="tpxd$((RANDOM % 10000))-"
HOME_COPY=$(mktemp -d /tmp/tproxy-demo-XXXXXX)
PIDS=()

cleanup() {
  set +e
  [[ -x "$HOME_COPY/bin/stop" ]] && "$HOME_COPY/bin/stop" > /dev/null 2>&1
  for pid in "${PIDS[@]}"; do kill "$pid" 2> /dev/null; done
  ip netns exec "${PREFIX}rtr" "$ROOT/native/tproxy-host" down > /dev/null 2>&1
  "$ROOT/native/lab/lab.sh" down "$PREFIX" > /dev/null 2>&1
  rm -rf "$HOME_COPY"
}
trap cleanup EXIT INT TERM

say "lab: ${PREFIX}cli (198.18.1.2) -> ${PREFIX}rtr -> ${PREFIX}srv (198.18.2.2)"
"$ROOT/native/lab/lab.sh" up "$PREFIX" > /dev/null

say "router: native/tproxy-host up --port 9876 --dports 80 --in-iface cli0"
ip netns exec "${PREFIX}rtr" "$ROOT/native/tproxy-host" up --port 9876 --dports 80 --in-iface cli0

say "router: starting the appliance (bin/start)"
cp -r "$ROOT/distribution/target/tproxy/"{bin,etc,bundle,deploy,lib} "$HOME_COPY/"
ip netns exec "${PREFIX}rtr" "$HOME_COPY/bin/start"

say "server: demo server on 198.18.2.2:80"
ip netns exec "${PREFIX}srv" java "$ROOT/native/demo/DemoTraffic.java" server 198.18.2.2 80 > "$HOME_COPY/log/server.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 50); do grep -q listening "$HOME_COPY/log/server.out" 2> /dev/null && break; sleep 0.2; done

say "client: 5 connections to 198.18.2.2:80, one line per second each"
ip netns exec "${PREFIX}cli" java "$ROOT/native/demo/DemoTraffic.java" client 198.18.2.2 80 5 > "$HOME_COPY/log/client.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 50); do grep -q answered "$HOME_COPY/log/client.out" 2> /dev/null && break; sleep 0.2; done
cat "$HOME_COPY/log/client.out"

console() { "$HOME_COPY/bin/client" "$@"; }

if $ONCE; then
  sleep 2
  say "tproxy:connections"
  connections=$(console 'tproxy:connections') || die "tproxy:connections failed: $connections"
  echo "$connections"
  say "tproxy:stats"
  console 'tproxy:stats' || true
  say "tproxy:doctor"
  console 'tproxy:doctor' || true
  relayed=$(grep -c '198.18.2.2:80' <<< "$connections" || true)
  if [[ $relayed -ge 5 ]] && grep -q '198.18.1.2 says' "$HOME_COPY/log/client.out"; then
    say "OK: $relayed live connections went through the proxy, and the server saw the client's own address"
    exit 0
  fi
  die "the traffic did not go through the proxy (live connections seen: $relayed)"
fi

say "attached to the appliance's console; try tproxy:connections, tproxy:stats, tproxy:doctor, help tproxy; 'exit' ends the demo"
console || true
