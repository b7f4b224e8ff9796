#!/usr/bin/env bash
# Static analysis of contracts/ with slither, kept out of the project's dependencies: slither
# lives in a throw-away virtual environment (created on first use), and compiles through our
# solcjs shim in standard-JSON mode, since no native solc can be installed here.
#
#   scripts/slither.sh [OUT.json]   default: docs/security/slither.json (triage: slither.md)
#
# The contracts are given by absolute path so that the shim's import callback, which only reads
# under contracts/ and node_modules/, finds the top-level sources crytic-compile names as URLs.
# Findings inside OpenZeppelin (node_modules) are filtered out. Exit status 0 unless slither
# itself fails: the findings are triaged by hand, not gated on.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${SLITHER_VENV:-/tmp/slither-venv}"
OUT="${1:-docs/security/slither.json}"

if [ ! -x "$VENV/bin/slither" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet slither-analyzer==0.11.6 crytic-compile==0.4.2
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
raw="$tmp/slither.json"
"$VENV/bin/slither" "$PWD/contracts/" \
  --solc contracts/toolchain/solc-standard-json.cjs --solc-standard-json \
  --filter-paths node_modules --fail-none --json "$raw"

# Paths relative to the repository, so that the recorded output does not depend on the checkout.
"$VENV/bin/python" - "$raw" "$OUT" "$PWD/" <<'PY'
import json, sys
raw, out, root = sys.argv[1:]
text = open(raw).read().replace(root, "")
report = json.loads(text)
assert report["success"], report["error"]
with open(out, "w") as f:
    json.dump(report, f, indent=1, sort_keys=True)
    f.write("\n")
for d in report["results"].get("detectors", []):
    print(f"{d['impact']:>13} {d['confidence']:>6}  {d['check']}: {d['first_markdown_element']}")
PY
