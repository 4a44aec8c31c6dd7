#!/usr/bin/env bash
# Installs everything auscult and its test suite need on a fresh Debian machine
# with Node 20 (run as root). Safe to run again: it skips what is present.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  libpcap-dev        # libpcap headers: the pcap addon builds against them
  dcmtk              # real DICOM peers for the testbed (storescu, storescp, ...)
  libgdcm-tools      # gdcmscu: a second, independent DICOM implementation
  tcpdump            # records testbed traffic on the bridge (the SPAN port)
  tshark             # cross-checks decoding; the benchmark's peer
  tcpreplay          # tcprewrite: VLAN tags and address rewriting for fixtures and bench; tcpreplay for the live agent test
  openssl            # self-signed certificates for the agent uplink tests
  iproute2           # ip netns / veth / bridge for the testbed
  ethtool            # turns off segmentation offloads so frames look like a wire
  python3-hl7        # MLLP peer (mllp_send, asyncio server) and an independent HL7 reading
  dnsmasq-base       # DHCP server for the DHCP testbed
  busybox            # udhcpc: one DHCP client
  isc-dhcp-client    # dhclient: another DHCP client
  chromium           # headless browser for the dashboard tests (driven by playwright-core)
  fonts-liberation   # text in the headless browser (a recommend of chromium, which setup skips)
  nmap               # active checks (issue 6): -oX - parsed by auscult; NSE dicom-ping
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: need root to install: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -d node_modules/pcap/build/Release || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi
