# Shared by every node's start.sh: containerlab attaches the links after the container
# starts, so each script first waits for its interfaces.
wait_for_interfaces() {
  for interface in "$@"; do
    tries=0
    until [ -e "/sys/class/net/$interface" ]; do
      tries=$((tries + 1))
      [ "$tries" -gt 600 ] && { echo "no $interface after 120 s" >&2; exit 1; }
      sleep 0.2
    done
    ip link set "$interface" up
  done
}
