"""Registering works: check the request off-chain, keep the metadata, relay it on chain."""

from __future__ import annotations

import time
from dataclasses import dataclass

from eth_typing import ChecksumAddress
from eth_utils.address import to_checksum_address
from hexbytes import HexBytes
from sqlalchemy import select
from sqlalchemy.orm import Session
from web3.types import TxReceipt

from backend.chain.accounts import dev_account
from backend.chain.registry import RegistryClient
from backend.chain.typed_data import (
    recover_typed_data_signer,
    register_batch_message,
    register_derivative_message,
    register_message,
    sign_typed_data,
)
from backend.core import errors
from backend.core.config import Settings
from backend.db.models import MetadataDocument, Work
from backend.indexer.events import registrations_in
from backend.indexer.indexer import Indexer
from backend.services.metadata import canonical_document, document_hash
from backend.services.schemas import Authorisation, TypedDataOut, TypedDataRequest, WorkIn, WorkOut
from backend.services.works import metadata_url

DEV_SIGNATURE_LIFETIME = 600


@dataclass(frozen=True)
class Registration:
    tx_hash: str
    block_number: int
    works: list[WorkOut]


def typed_data_for(
    *,
    registry: RegistryClient,
    creator: ChecksumAddress,
    deadline: int,
    content_hashes: list[str],
    metadata_hashes: list[str],
    parent_id: str | None = None,
) -> dict[str, object]:
    """The EIP-712 message the creator signs: `Register` for one work (`RegisterDerivative`
    with a parent), `RegisterBatch` for several."""
    if parent_id is not None:
        return register_derivative_message(
            chain_id=registry.chain_id,
            contract=registry.address,
            creator=creator,
            content_hash=content_hashes[0],
            metadata_hash=metadata_hashes[0],
            parent_id=int(parent_id, 16),
            deadline=deadline,
        )
    if len(content_hashes) == 1:
        return register_message(
            chain_id=registry.chain_id,
            contract=registry.address,
            creator=creator,
            content_hash=content_hashes[0],
            metadata_hash=metadata_hashes[0],
            deadline=deadline,
        )
    return register_batch_message(
        chain_id=registry.chain_id,
        contract=registry.address,
        creator=creator,
        content_hashes=content_hashes,
        metadata_hashes=metadata_hashes,
        deadline=deadline,
    )


def register_works(
    *,
    settings: Settings,
    session: Session,
    registry: RegistryClient,
    indexer: Indexer,
    auth: Authorisation,
    works: list[WorkIn],
) -> Registration:
    """Register ``works`` for one creator in one transaction (`registerFor` for one work,
    `registerBatchFor` for several), relayed and paid for by the service."""
    if len(works) > settings.max_batch_size:
        raise errors.InvalidInput(
            f"at most {settings.max_batch_size} works per batch", count=len(works)
        )
    content_hashes = [w.content_hash for w in works]
    if len(set(content_hashes)) != len(content_hashes):
        raise errors.InvalidInput("the same content hash appears twice in the request")
    parent_id = _parent(works)
    _reject_indexed(session, content_hashes)
    documents = [canonical_document(w.content_hash, w.metadata) for w in works]
    metadata_hashes = [document_hash(d) for d in documents]
    creator, deadline, signature = _authorise(
        settings=settings,
        registry=registry,
        auth=auth,
        content_hashes=content_hashes,
        metadata_hashes=metadata_hashes,
        parent_id=parent_id,
    )
    _store_documents(session, works, documents, metadata_hashes)
    receipt = _send(
        registry, creator, content_hashes, metadata_hashes, deadline, signature, parent_id
    )
    indexer.sync()
    return _registration(registry, receipt, public_url=settings.effective_public_url)


def _parent(works: list[WorkIn]) -> str | None:
    parents = [w.parent_id for w in works if w.parent_id is not None]
    if parents and len(works) > 1:
        raise errors.InvalidInput("register derivative works one at a time, not in a batch")
    return parents[0] if parents else None


def _reject_indexed(session: Session, content_hashes: list[str]) -> None:
    existing = session.scalars(select(Work).where(Work.work_id.in_(content_hashes))).first()
    if existing is not None:
        raise errors.WorkAlreadyRegistered(
            f"work {existing.work_id} is registered already, owned by {existing.owner}",
            content_hash=existing.work_id,
            owner=existing.owner,
            creator=existing.creator,
            tx_hash=existing.tx_hash,
        )


def _authorise(
    *,
    settings: Settings,
    registry: RegistryClient,
    auth: Authorisation,
    content_hashes: list[str],
    metadata_hashes: list[str],
    parent_id: str | None,
) -> tuple[ChecksumAddress, int, str]:
    """The creator, deadline and signature to submit; checked here so that a bad signature
    costs no gas (an ERC-1271 wallet, which has code, is left to the contract to judge)."""
    if auth.dev_account is not None:
        if not settings.dev_mode:
            raise errors.DevModeDisabled("dev_account signing is only available in dev mode")
        if auth.signature is not None:
            raise errors.InvalidInput("give either signature or dev_account, not both")
        account = dev_account(auth.dev_account)
        deadline = int(time.time()) + DEV_SIGNATURE_LIFETIME
        message = typed_data_for(
            registry=registry,
            creator=account.address,
            deadline=deadline,
            content_hashes=content_hashes,
            metadata_hashes=metadata_hashes,
            parent_id=parent_id,
        )
        return account.address, deadline, sign_typed_data(message, account.key)
    if auth.creator is None or auth.deadline is None or auth.signature is None:
        raise errors.InvalidInput(
            "creator, deadline and signature are required (or dev_account in dev mode)"
        )
    creator = to_checksum_address(auth.creator)
    if auth.deadline < time.time():
        raise errors.SignatureExpired("the signature's deadline has passed", deadline=auth.deadline)
    message = typed_data_for(
        registry=registry,
        creator=creator,
        deadline=auth.deadline,
        content_hashes=content_hashes,
        metadata_hashes=metadata_hashes,
        parent_id=parent_id,
    )
    signer = recover_typed_data_signer(message, auth.signature)
    if signer != creator and not registry.has_code(creator):
        raise errors.InvalidSignature(
            "the signature is not the creator's over this request, chain and contract",
            creator=creator,
            signer=signer,
        )
    return creator, auth.deadline, auth.signature


def _store_documents(
    session: Session, works: list[WorkIn], documents: list[bytes], hashes: list[str]
) -> None:
    for work, document, digest in zip(works, documents, hashes, strict=True):
        session.merge(
            MetadataDocument(
                metadata_hash=digest,
                work_id=work.content_hash,
                document=document.decode(),
                title=work.metadata.title,
                creator_name=work.metadata.creator_name,
            )
        )
    session.commit()


def _send(
    registry: RegistryClient,
    creator: ChecksumAddress,
    content_hashes: list[str],
    metadata_hashes: list[str],
    deadline: int,
    signature: str,
    parent_id: str | None,
) -> TxReceipt:
    """`registerDerivativeFor` for a derivative, `registerFor` for one work, else
    `registerBatchFor`: the cheapest call that carries the creator's signature."""
    functions = registry.contract.functions
    hashes = [bytes(HexBytes(h)) for h in content_hashes]
    metas = [bytes(HexBytes(h)) for h in metadata_hashes]
    proof = bytes(HexBytes(signature))
    if parent_id is not None:
        fn = functions.registerDerivativeFor(
            creator, hashes[0], metas[0], int(parent_id, 16), deadline, proof
        )
    elif len(hashes) == 1:
        fn = functions.registerFor(creator, hashes[0], metas[0], deadline, proof)
    else:
        fn = functions.registerBatchFor(creator, hashes, metas, deadline, proof)
    return registry.transact(fn)


def _registration(registry: RegistryClient, receipt: TxReceipt, *, public_url: str) -> Registration:
    timestamp = int(registry.block(receipt["blockNumber"])["timestamp"])
    events = registrations_in(receipt["logs"], registry.address)
    works = [
        WorkOut(
            work_id=e.work_id,
            content_hash=e.work_id,
            creator=e.creator,
            owner=e.creator,
            metadata_hash=e.metadata_hash,
            tx_hash=e.position.tx_hash,
            block_number=e.position.block_number,
            block_hash=e.position.block_hash,
            log_index=e.position.log_index,
            registered_at=timestamp,
            metadata_url=metadata_url(e.work_id, public_url=public_url),
        )
        for e in events
    ]
    return Registration(
        tx_hash=receipt["transactionHash"].to_0x_hex(),
        block_number=receipt["blockNumber"],
        works=works,
    )


def prepare_typed_data(*, registry: RegistryClient, request: TypedDataRequest) -> TypedDataOut:
    """What a creator's wallet signs for ``request``, with the metadata hashes it commits to."""
    metadata_hashes = [
        document_hash(canonical_document(w.content_hash, w.metadata)) for w in request.works
    ]
    message = typed_data_for(
        registry=registry,
        creator=to_checksum_address(request.creator),
        deadline=request.deadline,
        content_hashes=[w.content_hash for w in request.works],
        metadata_hashes=metadata_hashes,
        parent_id=_parent(request.works),
    )
    return TypedDataOut(typed_data=message, metadata_hashes=metadata_hashes)
