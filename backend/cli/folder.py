"""Registering a folder in batches, resumable: a state file in the folder records what is done."""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from eth_account.signers.local import LocalAccount

from backend.client import signing
from backend.client.api import RightsClient
from backend.client.errors import ApiError
from backend.services.metadata import WorkMetadata

STATE_FILE = ".rights-registered.json"


@dataclass
class Summary:
    registered: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "registered": len(self.registered),
            "already_registered": len(self.already),
            "skipped_done": len(self.skipped),
            "files": {"registered": self.registered, "already_registered": self.already},
        }


def media_type(path: Path) -> str:
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed.lower() if guessed else "application/octet-stream"


def files_of(folder: Path) -> list[Path]:
    """Every regular file below the folder, hidden files (and the state file) excluded."""
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


class FolderState:
    """`{relative path: content hash}` of files whose registration is done."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / STATE_FILE
        self.done: dict[str, str] = {}
        if self.path.is_file():
            self.done = dict(json.loads(self.path.read_text()).get("done", {}))

    def mark(self, names: list[str], content_hash: str) -> None:
        for name in names:
            self.done[name] = content_hash

    def save(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"done": self.done}, indent=1, sort_keys=True))
        tmp.replace(self.path)


def register_folder(
    client: RightsClient,
    account: LocalAccount,
    folder: Path,
    metadata_for: Callable[[Path], WorkMetadata],
    *,
    batch_size: int,
    progress: Callable[[int], None],
    on_total: Callable[[int], None],
) -> Summary:
    """Register the folder's files not yet done, ``batch_size`` per signed transaction."""
    saved = FolderState(folder)
    summary = Summary()
    pending: dict[str, list[str]] = {}
    paths: dict[str, Path] = {}
    files = files_of(folder)
    on_total(len(files))
    for path in files:
        name = path.relative_to(folder).as_posix()
        content_hash = signing.sha256_file(path)
        if saved.done.get(name) == content_hash:
            summary.skipped.append(name)
            progress(1)
            continue
        pending.setdefault(content_hash, []).append(name)
        paths.setdefault(content_hash, path)
    hashes = list(pending)
    for start in range(0, len(hashes), batch_size):
        batch = hashes[start : start + batch_size]
        _register_batch(client, account, batch, paths, metadata_for, pending, saved, summary)
        saved.save()
        progress(sum(len(pending[h]) for h in batch))
    return summary


def _register_batch(
    client: RightsClient,
    account: LocalAccount,
    batch: list[str],
    paths: dict[str, Path],
    metadata_for: Callable[[Path], WorkMetadata],
    pending: dict[str, list[str]],
    saved: FolderState,
    summary: Summary,
) -> None:
    """One batch; a work registered already (409) counts as done and the rest is retried."""
    remaining = list(batch)
    while remaining:
        try:
            client.register_batch(account, [(h, metadata_for(paths[h])) for h in remaining])
        except ApiError as exc:
            taken = str(exc.details.get("content_hash", ""))
            if exc.code != "work_already_registered" or taken not in remaining:
                raise
            saved.mark(pending[taken], taken)
            summary.already.extend(pending[taken])
            remaining.remove(taken)
            continue
        for content_hash in remaining:
            saved.mark(pending[content_hash], content_hash)
            summary.registered.extend(pending[content_hash])
        return
