"""Registering works: check the request off-chain, keep the metadata, relay it on chain through
the write outbox."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from eth_typing import ChecksumAddress
from eth_utils.address import to_checksum_address
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
from backend.db.models import MetadataDocument, Operation, Work
from backend.indexer.events import registrations_in
from backend.indexer.indexer import Indexer
from backend.services.metadata import canonical_document, document_hash
from backend.services.outbox import CONFIRMED, FAILED, Outbox
from backend.services.outbox_calls import RegistrationCall
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


@dataclass(frozen=True)
class Pending:
    """Accepted and recorded, not confirmed yet: the client follows the operation."""

    operation: Operation


def register_works(
    *,
    settings: Settings,
    session: Session,
    registry: RegistryClient,
    indexer: Indexer,
    outbox: Outbox,
    auth: Authorisation,
    works: list[WorkIn],
    idempotency_key: str | None = None,
) -> Registration | Pending:
    """Register ``works`` for one creator in one transaction, relayed and paid for by the
    service through the outbox: the result once confirmed within `write_wait_seconds`, else
    the pending operation. A retry with the same ``idempotency_key`` gets the first result."""
    if len(works) > settings.max_batch_size:
        raise errors.InvalidInput(
            f"at most {settings.max_batch_size} works per batch", count=len(works)
        )
    content_hashes = [w.content_hash for w in works]
    if len(set(content_hashes)) != len(content_hashes):
        raise errors.InvalidInput("the same content hash appears twice in the request")
    parent_id = _parent(works)
    documents = [canonical_document(w.content_hash, w.metadata) for w in works]
    metadata_hashes = [document_hash(d) for d in documents]
    if idempotency_key is not None:
        subject = RegistrationCall(
            creator=_creator(settings, auth),
            content_hashes=content_hashes,
            metadata_hashes=metadata_hashes,
            deadline=0,
            signature="0x",
            parent_id=parent_id,
        )
        first = outbox.existing(session, idempotency_key, subject)
        if first is not None:
            session.close()  # no connection held while waiting for the chain
            return _outcome(settings, registry, indexer, outbox, first)
    _reject_indexed(session, content_hashes)
    creator, deadline, signature = _authorise(
        settings=settings,
        registry=registry,
        auth=auth,
        content_hashes=content_hashes,
        metadata_hashes=metadata_hashes,
        parent_id=parent_id,
    )
    call = RegistrationCall(
        creator=creator,
        content_hashes=content_hashes,
        metadata_hashes=metadata_hashes,
        deadline=deadline,
        signature=signature,
        parent_id=parent_id,
    )
    gas = registry.estimate(call.function(registry), sender=registry.relayer.address)
    _stage_documents(session, works, documents, metadata_hashes)
    op = outbox.submit(session, call, idempotency_key=idempotency_key, gas=gas)
    session.close()
    return _outcome(settings, registry, indexer, outbox, op)


def _outcome(
    settings: Settings,
    registry: RegistryClient,
    indexer: Indexer,
    outbox: Outbox,
    op: Operation,
) -> Registration | Pending:
    settled = outbox.settle(op.id, settings.write_wait_seconds)
    if settled.status == FAILED:
        raise errors.rebuild(
            settled.error_code or "transaction_failed",
            settled.error_message or "the registration failed",
            json.loads(settled.error_details or "{}"),
        )
    if settled.status != CONFIRMED or settled.tx_hash is None:
        return Pending(settled)
    receipt = outbox.receipt(settled)
    if receipt is None:  # the chain lost it since: the outbox sends it again
        return Pending(settled)
    indexer.sync(wait=False)  # under load the running sync (or the next poll) covers it
    return _registration(registry, receipt, public_url=settings.effective_public_url)


def _creator(settings: Settings, auth: Authorisation) -> ChecksumAddress:
    """Who registers, before any signature is checked (to look an idempotent retry up)."""
    if auth.dev_account is not None and settings.dev_mode:
        return dev_account(auth.dev_account).address
    if auth.creator is None:
        raise errors.InvalidInput("creator is required (or dev_account in dev mode)")
    return to_checksum_address(auth.creator)


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


def _stage_documents(
    session: Session, works: list[WorkIn], documents: list[bytes], hashes: list[str]
) -> None:
    """Add the metadata documents to the session: the outbox commits them with the operation,
    so that two requests for the same work at once meet at one conflict. Documents kept from an
    earlier attempt (one that failed) are left as they are: the same hash, the same bytes."""
    kept = set(
        session.scalars(
            select(MetadataDocument.metadata_hash).where(MetadataDocument.metadata_hash.in_(hashes))
        )
    )
    session.add_all(
        MetadataDocument(
            metadata_hash=digest,
            work_id=work.content_hash,
            document=document.decode(),
            title=work.metadata.title,
            creator_name=work.metadata.creator_name,
        )
        for work, document, digest in zip(works, documents, hashes, strict=True)
        if digest not in kept
    )


def _registration(registry: RegistryClient, receipt: TxReceipt, *, public_url: str) -> Registration:
    timestamp = registry.block_timestamp(receipt["blockHash"].to_0x_hex())
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
