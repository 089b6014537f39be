#!/usr/bin/env bash
# Installs every Debian package Aether builds with, runs or tests against.
# Idempotent and non-interactive: when everything is present it only runs dpkg-query (well under a second).
set -euo pipefail

PACKAGES=(
  # build: C libraries behind the system-library targets
  pkg-config libpq-dev libhiredis-dev libnftables-dev
  # EventSourcing's durable outbox: GRDB over the system SQLite
  libsqlite3-dev
  # the containerlab images' binaries use the static Swift standard library, whose FoundationNetworking links libcurl
  libcurl4-openssl-dev
  # services the harness and the lab run
  postgresql redis-server redis-tools kea-dhcp4-server kea-ctrl-agent kea-admin
  freeradius freeradius-postgresql freeradius-utils
  # data plane and network tooling (tests and humans only, never the product's data path)
  nftables iproute2 iputils-ping conntrack
  # real DHCP peers
  isc-dhcp-client isc-dhcp-relay udhcpc
  # traffic, inspection and test peers
  iperf3 curl jq dnsutils tshark socat netcat-openbsd
  # the lab upstream's DNS server (dnsmasq-base: the binary, no init script that would start it)
  dnsmasq-base
  # dashboard: headless browser for tests, Chart.js served from its Debian location
  chromium chromium-driver libjs-chart.js python3-selenium
  # a virtual environment for the PyPI tools below
  python3-venv
)

# PyPI tools the tests use that Debian does not package, pinned, in their own environment.
VENV=/var/lib/aether/python
PYPI=(openapi-spec-validator==0.9.0)

install_pypi() {
  if "$VENV/bin/python" -c "import openapi_spec_validator" 2>/dev/null; then return 0; fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing $VENV; run as root to create it" >&2
    return 1
  fi
  echo "install-deps: creating $VENV with ${PYPI[*]}"
  mkdir -p "$(dirname "$VENV")"
  /usr/bin/python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "${PYPI[@]}"
}

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  install_pypi
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages (${missing[*]}); run as root to install them" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer once, never prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get -o DPkg::Lock::Timeout=600 -qq update
apt-get -o DPkg::Lock::Timeout=600 -qq install -y --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
install_pypi
