"""Check a proof bundle (from `GET /v1/works/{id}/proof`), or an archived work's inclusion
proof (the `anchor` of a `POST /v1/verify` answer), and the file it is about against any
Ethereum JSON-RPC endpoint. Standalone: the checker (`backend/client/proof_check.py`) needs only
web3 and the standard library, never the registry's service or database.

Usage: python scripts/verify_proof.py PROOF.json FILE --rpc URL      (exit 1 if a check fails)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from web3 import Web3  # noqa: E402

from backend.client.proof_check import Check, check_bundle, check_inclusion  # noqa: E402

__all__ = ["Check", "check_bundle", "main"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", type=Path, help="a proof bundle or an inclusion proof")
    parser.add_argument("file", type=Path, nargs="?")
    parser.add_argument("--rpc", required=True, help="Ethereum JSON-RPC URL")
    args = parser.parse_args()
    bundle = json.loads(args.bundle.read_text())
    file_bytes = args.file.read_bytes() if args.file else None
    checker = check_inclusion if "leaf" in bundle else check_bundle  # an inclusion proof has one
    checks = checker(bundle, file_bytes, Web3(Web3.HTTPProvider(args.rpc)))
    for check in checks:
        print(f"{'PASS' if check.ok else 'FAIL'}  {check.name:24} {check.detail}")
    return 0 if all(c.ok for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
