#!/usr/bin/env bash
# Captures real DHCP packets on this machine as test vectors for DHCPKit:
#   ISC dhclient and busybox udhcpc on a client port, ISC dhcrelay (-a: Option 82 circuit-id)
#   relaying to the harness's Kea. tshark records both sides of the relay; each frame becomes
#   Tests/DHCPKitTests/Vectors/captured/<client>-<n>-<side>-<type>.hex (whole Ethernet frame).
# Needs root and a built aether-lab (`swift build`). Usage: scripts/capture-dhcp-vectors.sh
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=Tests/DHCPKitTests/Vectors/captured
export AETHER_TEST_INSTANCE=9            # a private harness: never disturbs a running make test
LAB=.build/debug/aether-lab
WORK=$(mktemp -d)
NS=aet-t9-cap
cleanup() {
  for p in $(jobs -p); do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  $LAB services down --profile test --purge >/dev/null 2>&1 || true
  rm -rf "$WORK" /etc/netns/$NS-h1 /etc/netns/$NS-h2
}
trap cleanup EXIT

$LAB services up --profile test >/dev/null
SVC=aet-t9-svc
for n in h1 h2 relay; do ip netns add $NS-$n; ip -n $NS-$n link set lo up; done
for h in h1 h2; do mkdir -p /etc/netns/$NS-$h; echo "# capture" > /etc/netns/$NS-$h/resolv.conf; done
ip link add eth0 netns $NS-h1 address 02:00:5e:10:00:01 type veth peer name port1 netns $NS-relay
ip link add eth0 netns $NS-h2 address 02:00:5e:10:00:02 type veth peer name port2 netns $NS-relay
ip link add up0 netns $NS-relay type veth peer name cap0 netns $SVC
ip -n $SVC link set cap0 master svcbr
for l in $NS-h1:eth0 $NS-h2:eth0 $NS-relay:port1 $NS-relay:port2 $NS-relay:up0 $SVC:cap0; do ip -n ${l%%:*} link set ${l##*:} up; done
ip -n $NS-relay addr add 100.64.0.1/25 dev port1
ip -n $NS-relay addr add 100.64.0.129/25 dev port2
ip -n $NS-relay addr add 198.18.0.250/24 dev up0
ip -n $SVC route replace 100.64.0.0/24 via 198.18.0.250
ip netns exec $NS-relay sysctl -qw net.ipv4.ip_forward=1

ip netns exec $NS-relay dhcrelay -4 -d -a -id port1 -id port2 -iu up0 198.18.0.1 >"$WORK/dhcrelay.log" 2>&1 &
for side in port1 port2 up0; do
  ip netns exec $NS-relay tshark -q -i $side -f 'udp port 67 or udp port 68' -F pcap -w "$WORK/$side.pcap" >"$WORK/tshark-$side.log" 2>&1 &
done
until grep -q 'Socket/fallback' "$WORK/dhcrelay.log" 2>/dev/null; do sleep 0.1; done
for side in port1 port2 up0; do until grep -q 'Capturing on' "$WORK/tshark-$side.log" 2>/dev/null; do sleep 0.1; done; done

ip netns exec $NS-h1 dhclient -1 -lf "$WORK/h1.leases" -pf "$WORK/h1.pid" eth0
ip netns exec $NS-h1 dhclient -r -lf "$WORK/h1.leases" -pf "$WORK/h1.pid" eth0
printf '#!/bin/sh\nexit 0\n' > "$WORK/udhcpc.sh"; chmod +x "$WORK/udhcpc.sh"
ip netns exec $NS-h2 udhcpc -i eth0 -n -q -f -t 5 -T 2 -s "$WORK/udhcpc.sh" -x hostname:h2 >/dev/null 2>&1
# tshark flushes its file when it stops.
for p in $(jobs -p); do kill -INT "$p" 2>/dev/null || true; done
wait 2>/dev/null || true

rm -f "$OUT"/*.hex
python3 - "$WORK" "$OUT" <<'PY'
import struct, sys, os
work, out = sys.argv[1:]
names = {1: "discover", 2: "offer", 3: "request", 4: "decline", 5: "ack", 6: "nak", 7: "release", 8: "inform"}
clients = {"port1": "dhclient", "port2": "udhcpc"}
for side in ("port1", "port2", "up0"):
    data = open(os.path.join(work, side + ".pcap"), "rb").read()
    if data[:4] == b"\x0a\x0d\x0d\x0a":
        raise SystemExit("tshark wrote pcapng; expected pcap")
    offset, n = 24, 0
    while offset + 16 <= len(data):
        _, _, incl, _ = struct.unpack("<IIII", data[offset:offset + 16])
        frame = data[offset + 16:offset + 16 + incl]
        offset += 16 + incl
        dhcp = frame[42:]
        mtype, i = None, 240
        while i < len(dhcp) and dhcp[i] != 255:
            if dhcp[i] == 0: i += 1; continue
            if dhcp[i] == 53: mtype = dhcp[i + 2]
            i += 2 + dhcp[i + 1]
        n += 1
        chaddr = dhcp[28:34].hex(":")
        client = clients.get(side) or ("dhclient" if chaddr.endswith("01") else "udhcpc")
        where = "relayed" if side == "up0" else "client"
        name = f"{client}-{n:02d}-{where}-{names.get(mtype, 'unknown')}.hex"
        with open(os.path.join(out, name), "w") as f:
            f.write(f"# {client} {names.get(mtype)} seen on the relay's {side}, captured with tshark by\n")
            f.write("# scripts/capture-dhcp-vectors.sh (ISC dhcrelay -a -> Kea 2.2 from the harness). Whole Ethernet frame.\n")
            for k in range(0, len(frame), 16):
                f.write(" ".join(f"{b:02x}" for b in frame[k:k + 16]) + "\n")
print(f"wrote {len(os.listdir(out))} vectors to {out}")
PY
