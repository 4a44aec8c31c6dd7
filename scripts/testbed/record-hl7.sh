#!/usr/bin/env bash
# Re-record the HL7 v2 / MLLP fixture captures in test/fixtures/hl7/ on the
# namespace testbed (see scripts/testbed/testbed.ts and hl7-tools.ts). Needs
# root, iproute2, ethtool, tcpdump, python3-hl7 (mllp_send, hl7.mllp) and the
# npm devDependency node-hl7-client. Traffic stays inside namespaces created
# here (192.0.2.0/24, no route out); testbed.ts removes them on exit.
#
#   sudo scripts/testbed/record-hl7.sh                      # all scenarios
#   sudo scripts/testbed/record-hl7.sh corpus gateway       # some of them
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ $(id -u) -ne 0 ]]; then echo "record-hl7: run as root (network namespaces, tcpdump)" >&2; exit 2; fi
exec npx tsx scripts/testbed/record-hl7.ts test/fixtures/hl7 "$@"
