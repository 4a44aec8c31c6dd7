#!/usr/bin/env bash
# Re-record the DICOM fixture captures in test/fixtures/dicom/ on the namespace
# testbed (see scripts/testbed/testbed.ts). Needs root, iproute2, ethtool,
# tcpdump, dcmtk and libgdcm-tools. Traffic stays inside namespaces created here
# (192.0.2.0/24, no route out); testbed.ts removes them on exit.
#
#   sudo scripts/testbed/record-fixtures.sh                 # all scenarios
#   sudo scripts/testbed/record-fixtures.sh echo find       # some of them
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ $(id -u) -ne 0 ]]; then echo "record-fixtures: run as root (network namespaces, tcpdump)" >&2; exit 2; fi
exec npx tsx scripts/testbed/record-fixtures.ts test/fixtures/dicom "$@"
