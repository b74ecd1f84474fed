# Setup of the offline command tests (validate, test, route): no simulator.
# Source it first:
#   source "$SRC_DIR/tests/lib/cli.sh"
# Turns on set -euo pipefail, checks SIPSYNC/SRC_DIR/SCRATCH, starts in an
# empty $SCRATCH, sources sim.sh (fail, same, sipsync_expect) and unsets
# the secret variables of the examples, so that each scenario sets the
# ones it needs.
set -euo pipefail
: "${SIPSYNC:?}" "${SRC_DIR:?}" "${SCRATCH:?}"
rm -rf "$SCRATCH" && mkdir -p "$SCRATCH" && cd "$SCRATCH"

source "$SRC_DIR/tests/lib/sim.sh"

unset SIP_FALLBACK_SECRET SIP_FALLBACK_SECRET_NEXT PBX_SALES_PASSWORD PBX_SUPPORT_PASSWORD

# the route test fixtures, and the two agents the fixtures and examples use
F="$SRC_DIR/tests/fixtures/routes"
A1=0b6f3c1e-8d2a-4c55-9a71-3e5f0c2d9b14
A2=7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f
