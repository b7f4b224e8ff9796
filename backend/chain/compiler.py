"""Compile the Solidity contracts with the pinned compiler, cached by a hash of every source.

Every imported file is resolved here and passed inline in the standard-JSON ``sources``, so
the same input works for the pinned solcjs (which has no filesystem access) and for a native
``solc`` configured through ``SOLC_BINARY``.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import solcx
from solcx.exceptions import SolcError

REPO_ROOT = Path(__file__).resolve().parents[2]
CONTRACTS_DIR = REPO_ROOT / "contracts"
NODE_MODULES = REPO_ROOT / "node_modules"
SOLCJS_SHIM = CONTRACTS_DIR / "toolchain" / "solc-standard-json.cjs"
DEFAULT_CACHE_DIR = REPO_ROOT / "build" / "contracts"

COMPILER_SETTINGS: dict[str, Any] = {
    "evmVersion": "prague",
    "optimizer": {"enabled": True, "runs": 1_000_000},
    "viaIR": True,
    "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}},
}
_IMPORT = re.compile(r'^\s*import\s+(?:[^"\']*\s+from\s+)?["\']([^"\']+)["\']\s*;', re.MULTILINE)


class CompilationError(RuntimeError):
    """The compiler rejected the contracts; the message carries its diagnostics."""


@dataclass(frozen=True)
class Artifact:
    """One compiled contract."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: str
    deployed_bytecode: str


def compile_contracts(
    *,
    roots: list[str] | None = None,
    with_test_contracts: bool = False,
    solc_binary: Path | None = None,
    cache_dir: Path = DEFAULT_CACHE_DIR,
    source_dir: Path = CONTRACTS_DIR,
) -> dict[str, Artifact]:
    """Compile ``roots`` (paths under ``source_dir``; by default every ``.sol`` outside
    ``toolchain/``, and outside ``test/`` unless ``with_test_contracts``) and return artifacts
    by contract name, reusing the cache when nothing changed. ``source_dir`` is ``contracts/``
    but for the benchmark's peers (``benchmarks/contracts/``), which the service never sees."""
    if roots is None:
        skipped = {"toolchain"} if with_test_contracts else {"toolchain", "test"}
        roots = sorted(
            p.relative_to(source_dir).as_posix()
            for p in source_dir.rglob("*.sol")
            if not skipped.intersection(p.relative_to(source_dir).parts)
        )
    sources = _collect_sources(roots, source_dir)
    binary = solc_binary or SOLCJS_SHIM
    standard_input = {"language": "Solidity", "sources": sources, "settings": COMPILER_SETTINGS}
    key = _cache_key(standard_input, solcx.wrapper.get_version_str_from_solc_binary(binary))
    cache_file = cache_dir / f"{key}.json"
    if cache_file.exists():
        output = json.loads(cache_file.read_text())
    else:
        try:
            output = solcx.compile_standard(standard_input, solc_binary=binary, allow_empty=True)
        except SolcError as exc:
            raise CompilationError(exc.message) from None
        _raise_on_errors(output)
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(output))
        tmp.replace(cache_file)
    return _artifacts(output, roots)


def _collect_sources(roots: list[str], source_dir: Path) -> dict[str, dict[str, str]]:
    sources: dict[str, dict[str, str]] = {}
    pending = list(roots)
    while pending:
        unit = pending.pop()
        if unit in sources:
            continue
        text = _resolve(unit, source_dir).read_text()
        sources[unit] = {"content": text}
        for target in _IMPORT.findall(text):
            if target.startswith("."):
                target = posixpath.normpath(posixpath.join(posixpath.dirname(unit), target))
            pending.append(target)
    return dict(sorted(sources.items()))


def _resolve(unit: str, source_dir: Path) -> Path:
    for root in (source_dir, NODE_MODULES):
        candidate = root / unit
        if candidate.is_file():
            return candidate
    raise CompilationError(f"cannot resolve Solidity import {unit!r}")


def _cache_key(standard_input: dict[str, Any], version: str) -> str:
    blob = json.dumps([version, standard_input], sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:32]


def _raise_on_errors(output: dict[str, Any]) -> None:
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise CompilationError("\n".join(e.get("formattedMessage", e["message"]) for e in errors))


def _artifacts(output: dict[str, Any], roots: list[str]) -> dict[str, Artifact]:
    artifacts: dict[str, Artifact] = {}
    for unit in roots:
        for name, compiled in output["contracts"].get(unit, {}).items():
            artifacts[name] = Artifact(
                name=name,
                abi=compiled["abi"],
                bytecode="0x" + compiled["evm"]["bytecode"]["object"],
                deployed_bytecode="0x" + compiled["evm"]["deployedBytecode"]["object"],
            )
    return artifacts
