#!/usr/bin/env bash
# Re-record the DHCP fixture captures in test/fixtures/dhcp/ (see
# scripts/testbed/record-dhcp.ts). Needs root, iproute2, tcpdump, dnsmasq-base,
# busybox and isc-dhcp-client. The DHCP server and clients run only inside
# network namespaces created for the run (192.0.2.0/24, no route out), which
# are removed on exit.
#
#   sudo scripts/testbed/record-dhcp.sh [OUT_DIR]     # default test/fixtures/dhcp
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ $(id -u) -ne 0 ]]; then echo "record-dhcp: run as root (network namespaces, tcpdump)" >&2; exit 2; fi
for tool in ip tcpdump dnsmasq busybox dhclient; do
  command -v "$tool" >/dev/null || { echo "record-dhcp: missing $tool (apt-get install iproute2 tcpdump dnsmasq-base busybox isc-dhcp-client)" >&2; exit 2; }
done
exec npx tsx scripts/testbed/record-dhcp.ts "${1:-test/fixtures/dhcp}"
