"""Anchoring an archive: one transaction puts the root of a whole catalogue's Merkle tree on
chain; the service keeps the tree to serve each work's inclusion proof."""

from __future__ import annotations

import time

from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress
from eth_utils.address import to_checksum_address
from hexbytes import HexBytes
from sqlalchemy.orm import Session
from web3.contract.contract import ContractFunction

from backend.chain.accounts import dev_account
from backend.chain.registry import RegistryClient
from backend.chain.typed_data import anchor_message, recover_typed_data_signer
from backend.core import errors
from backend.core.config import Settings
from backend.indexer.indexer import Indexer
from backend.services.archives.schemas import (
    ArchiveAuth,
    ArchiveOut,
    ArchiveTypedDataOut,
    ArchiveTypedDataRequest,
)
from backend.services.archives.store import get_archive, reject_known, store_archive
from backend.services.archives.tree import BuiltArchive, build_archive
from backend.services.schemas import WorkIn


def anchor_archive(
    *,
    settings: Settings,
    session: Session,
    registry: RegistryClient,
    indexer: Indexer,
    auth: ArchiveAuth,
    works: list[WorkIn],
) -> ArchiveOut:
    """Anchor ``works`` under one root: `anchorFor`, relayed and paid for by the service, with
    the archivist's signature; or (dev mode) `anchor` sent by the dev account itself. The tree
    is stored before the root is sent, so that no anchored root is left without its proofs."""
    _check_works(settings, works)
    reject_known(session, [w.content_hash for w in works])
    built = build_archive(_archivist(settings, auth), works)
    fn, sender = _anchor_call(registry, auth, built)
    account = sender or registry.relayer
    gas = registry.estimate(fn, sender=account.address)  # a revert stops here, nothing stored
    store_archive(session, built)
    registry.wait(registry.send(fn, account, gas=gas).tx_hash)
    indexer.sync()
    return get_archive(session, built.root)


def prepare_typed_data(
    *, settings: Settings, registry: RegistryClient, request: ArchiveTypedDataRequest
) -> ArchiveTypedDataOut:
    """What the archivist's wallet signs to anchor ``request.works``, and the root it names."""
    _check_works(settings, request.works)
    archivist = to_checksum_address(request.archivist)
    built = build_archive(archivist, request.works)
    by_content = dict(
        zip((w.content_hash for w in built.works), built.metadata_hashes, strict=True)
    )
    message = anchor_message(
        chain_id=registry.chain_id,
        contract=registry.address,
        archivist=archivist,
        root=built.root,
        count=built.tree.size,
        deadline=request.deadline,
    )
    return ArchiveTypedDataOut(
        typed_data=message,
        root=built.root,
        metadata_hashes=[by_content[w.content_hash] for w in request.works],
    )


def _check_works(settings: Settings, works: list[WorkIn]) -> None:
    if len(works) > settings.max_archive_size:
        raise errors.InvalidInput(
            f"at most {settings.max_archive_size} works per archive", count=len(works)
        )
    content_hashes = [w.content_hash for w in works]
    if len(set(content_hashes)) != len(content_hashes):
        raise errors.InvalidInput("the same content hash appears twice in the archive")
    if any(w.parent_id is not None for w in works):
        raise errors.InvalidInput("derivative works are registered one at a time, not anchored")


def _archivist(settings: Settings, auth: ArchiveAuth) -> ChecksumAddress:
    if auth.dev_account is not None:
        if not settings.dev_mode:
            raise errors.DevModeDisabled("dev_account signing is only available in dev mode")
        if auth.signature is not None:
            raise errors.InvalidInput("give either signature or dev_account, not both")
        return dev_account(auth.dev_account).address
    if auth.archivist is None or auth.deadline is None or auth.signature is None:
        raise errors.InvalidInput(
            "archivist, deadline and signature are required (or dev_account in dev mode)"
        )
    return to_checksum_address(auth.archivist)


def _anchor_call(
    registry: RegistryClient, auth: ArchiveAuth, built: BuiltArchive
) -> tuple[ContractFunction, LocalAccount | None]:
    """The call and its sender (None: the relayer). A signature is checked here so that a bad
    one costs no gas (an ERC-1271 wallet, which has code, is left to the contract to judge)."""
    functions = registry.contract.functions
    root, count = built.tree.root, built.tree.size
    if auth.dev_account is not None:
        return functions.anchor(root, count), dev_account(auth.dev_account)
    if auth.deadline is None or auth.signature is None:
        raise errors.InvalidInput("deadline and signature are required")
    if auth.deadline < time.time():
        raise errors.SignatureExpired("the signature's deadline has passed", deadline=auth.deadline)
    message = anchor_message(
        chain_id=registry.chain_id,
        contract=registry.address,
        archivist=built.archivist,
        root=built.root,
        count=count,
        deadline=auth.deadline,
    )
    signer = recover_typed_data_signer(message, auth.signature)
    if signer != built.archivist and not registry.has_code(built.archivist):
        raise errors.InvalidSignature(
            "the signature is not the archivist's over this archive, chain and contract",
            archivist=built.archivist,
            signer=signer,
        )
    signature = bytes(HexBytes(auth.signature))
    return functions.anchorFor(built.archivist, root, count, auth.deadline, signature), None
