"""Archive anchoring against a real anvil node: one root for many works, each claimed later by
its proof (built by the service's Python tree, checked by the contract's OpenZeppelin
`MerkleProof`).

Gas budgets (receipts, deterministic): anchoring 1,000 works <= 50,000 gas directly (50 gas a
work) and <= 54,000 relayed; a claim from a 1,000-work tree (10 proof hashes) <= 68,000.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD
from web3.types import TxReceipt

from backend.chain.compiler import Artifact
from backend.chain.merkle import MerkleTree, archive_leaf
from backend.chain.typed_data import anchor_message, sign_typed_data
from backend.core import errors
from tests.conftest import random_hash
from tests.contracts.conftest import Send, deadline

ANCHOR_BUDGET = 50_000
RELAYED_ANCHOR_BUDGET = 54_000
CLAIM_BUDGET = 68_000
EIP170_LIMIT = 24_576
Reverts = Callable[..., errors.RegistryError]
Works = list[tuple[bytes, bytes]]


def _works(n: int) -> Works:
    return [(HexBytes(random_hash()), HexBytes(random_hash())) for _ in range(n)]


def _tree(archivist: LocalAccount, works: Works) -> tuple[MerkleTree, list[int]]:
    """The tree and, for each work, its leaf's index in it."""
    leaves = [archive_leaf(archivist.address, c, m) for c, m in works]
    tree = MerkleTree(leaves)
    position = {leaf: i for i, leaf in enumerate(tree.leaves)}
    return tree, [position[leaf] for leaf in leaves]


def _claim(
    registry: Contract, archivist: LocalAccount, tree: MerkleTree, work: tuple[bytes, bytes], i: int
) -> Any:
    return registry.functions.claimAnchored(
        archivist.address, tree.root, work[0], work[1], tree.proof(i)
    )


def _anchor_for(
    registry: Contract, archivist: LocalAccount, root: bytes, count: int, **kw: Any
) -> Any:
    until = kw.get("until", deadline())
    message = anchor_message(
        chain_id=31337,
        contract=registry.address,
        archivist=archivist.address,
        root="0x" + root.hex(),
        count=count,
        deadline=until,
    )
    signature = sign_typed_data(message, kw.get("signer", archivist).key)
    return registry.functions.anchorFor(archivist.address, root, count, until, signature)


def _timestamp(w3: Web3, receipt: TxReceipt) -> int:
    return int(w3.eth.get_block(receipt["blockNumber"])["timestamp"])


def test_anchor_records_root_and_emits_event(
    w3: Web3, registry: Contract, creator: LocalAccount, send: Send
) -> None:
    root = HexBytes(random_hash())
    receipt = send(registry.functions.anchor(root, 1_000), creator)
    anchored_at = _timestamp(w3, receipt)
    assert registry.functions.anchorOf(creator.address, root).call() == [anchored_at, 1_000]
    (event,) = registry.events.ArchiveAnchored().process_receipt(receipt, errors=DISCARD)
    assert dict(event["args"]) == {
        "root": root,
        "archivist": creator.address,
        "count": 1_000,
        "anchoredAt": anchored_at,
    }


def test_anchor_gas_per_work_within_budget_at_1000_works(
    registry: Contract, creator: LocalAccount, admin: LocalAccount, send: Send
) -> None:
    tree, _ = _tree(creator, _works(1_000))
    direct = send(registry.functions.anchor(tree.root, tree.size), creator)
    assert direct["gasUsed"] <= ANCHOR_BUDGET, direct["gasUsed"]
    assert direct["gasUsed"] / tree.size <= 50

    other, _ = _tree(creator, _works(1_000))
    relayed = send(_anchor_for(registry, creator, other.root, other.size), admin)
    assert relayed["gasUsed"] <= RELAYED_ANCHOR_BUDGET, relayed["gasUsed"]


def test_anchor_twice_reverts_already_anchored(
    w3: Web3, registry: Contract, creator: LocalAccount, send: Send, reverts: Reverts
) -> None:
    root = HexBytes(random_hash())
    anchored_at = _timestamp(w3, send(registry.functions.anchor(root, 3), creator))
    error = reverts(registry.functions.anchor(root, 4), creator)
    assert error.code == "archive_already_anchored"
    assert error.details == {
        "archivist": creator.address,
        "root": root.to_0x_hex(),
        "anchored_at": anchored_at,
    }


def test_anchor_zero_count_reverts_empty_archive(
    registry: Contract, creator: LocalAccount, reverts: Reverts
) -> None:
    root = random_hash()
    error = reverts(registry.functions.anchor(root, 0), creator)
    assert isinstance(error, errors.InvalidInput)
    assert error.details == {"root": root}


def test_anchor_for_relayed_anchors_for_signer_once(
    registry: Contract,
    creator: LocalAccount,
    stranger: LocalAccount,
    admin: LocalAccount,
    send: Send,
    reverts: Reverts,
) -> None:
    root = HexBytes(random_hash())
    forged = _anchor_for(registry, creator, root, 2, signer=stranger)
    assert isinstance(reverts(forged, admin), errors.InvalidSignature)
    expired = _anchor_for(registry, creator, root, 2, until=deadline(-60))
    assert isinstance(reverts(expired, admin), errors.SignatureExpired)

    call = _anchor_for(registry, creator, root, 2)
    send(call, admin)
    assert registry.functions.anchorOf(creator.address, root).call()[1] == 2
    assert registry.functions.anchorOf(admin.address, root).call() == [0, 0]
    assert reverts(call, admin).code == "archive_already_anchored"  # no replay


def test_claim_anchored_every_leaf_of_python_tree(
    registry: Contract, creator: LocalAccount, stranger: LocalAccount, send: Send
) -> None:
    """An odd-sized tree exercises uneven depths: every proof the Python tree gives is one the
    contract accepts, and anyone may carry the claim out; the token is the archivist's."""
    works = _works(7)
    tree, index = _tree(creator, works)
    send(registry.functions.anchor(tree.root, tree.size), creator)
    for work, i in zip(works, index, strict=True):
        receipt = send(_claim(registry, creator, tree, work, i), stranger)
        (registered,) = registry.events.WorkRegistered().process_receipt(receipt, errors=DISCARD)
        assert registered["args"]["creator"] == creator.address
        assert registered["args"]["metadataHash"] == work[1]
        assert registry.functions.ownerOf(int.from_bytes(work[0])).call() == creator.address
    assert registry.functions.balanceOf(creator.address).call() == 7


def test_claim_anchored_keeps_anchor_time(
    w3: Web3, registry: Contract, creator: LocalAccount, send: Send
) -> None:
    works = _works(3)
    tree, index = _tree(creator, works)
    anchored_at = _timestamp(w3, send(registry.functions.anchor(tree.root, 3), creator))
    w3.provider.make_request("evm_increaseTime", [30])  # type: ignore[arg-type]
    receipt = send(_claim(registry, creator, tree, works[0], index[0]), creator)
    assert _timestamp(w3, receipt) >= anchored_at + 30
    (claimed,) = registry.events.AnchoredWorkClaimed().process_receipt(receipt, errors=DISCARD)
    assert dict(claimed["args"]) == {
        "workId": int.from_bytes(works[0][0]),
        "root": tree.root,
        "anchoredAt": anchored_at,
    }


def test_claim_anchored_bad_proof_reverts_invalid_inclusion_proof(
    registry: Contract, creator: LocalAccount, send: Send, reverts: Reverts
) -> None:
    works = _works(4)
    tree, index = _tree(creator, works)
    send(registry.functions.anchor(tree.root, 4), creator)
    content, meta = works[0]
    path = tree.proof(index[0])
    tampered = [bytes(HexBytes(random_hash()))] + path[1:]
    attempts = {
        "tampered path": (creator.address, content, meta, tampered),
        "other metadata": (creator.address, content, HexBytes(random_hash()), path),
        "another's leaf": (creator.address, HexBytes(random_hash()), meta, path),
    }
    for name, (archivist, c, m, proof) in attempts.items():
        error = reverts(
            registry.functions.claimAnchored(archivist, tree.root, c, m, proof), creator
        )
        assert error.code == "invalid_inclusion_proof", name
        leaf = archive_leaf(archivist, c, m)
        assert error.details == {"root": "0x" + tree.root.hex(), "leaf": "0x" + leaf.hex()}, name


def test_claim_anchored_twice_reverts_already_registered(
    registry: Contract, creator: LocalAccount, send: Send, reverts: Reverts
) -> None:
    works = _works(2)
    tree, index = _tree(creator, works)
    send(registry.functions.anchor(tree.root, 2), creator)
    send(_claim(registry, creator, tree, works[1], index[1]), creator)
    error = reverts(_claim(registry, creator, tree, works[1], index[1]), creator)
    assert isinstance(error, errors.WorkAlreadyRegistered)
    assert error.details["owner"] == creator.address


def test_claim_unanchored_or_copied_root_proves_nothing(
    registry: Contract, creator: LocalAccount, stranger: LocalAccount, send: Send, reverts: Reverts
) -> None:
    """Anchoring someone's root under one's own name does not make their works one's own:
    the leaves name their archivist."""
    works = _works(2)
    tree, index = _tree(creator, works)
    content, meta = works[0]
    error = reverts(_claim(registry, creator, tree, works[0], index[0]), stranger)
    assert isinstance(error, errors.NotFound)
    assert error.details == {"archivist": creator.address, "root": "0x" + tree.root.hex()}

    send(registry.functions.anchor(tree.root, 2), stranger)
    path = tree.proof(index[0])
    copied = registry.functions.claimAnchored(stranger.address, tree.root, content, meta, path)
    assert reverts(copied, stranger).code == "invalid_inclusion_proof"
    send(registry.functions.anchor(tree.root, 2), creator)  # the archivist is not locked out
    send(_claim(registry, creator, tree, works[0], index[0]), stranger)


def test_claim_anchored_gas_within_budget_at_1000_works(
    registry: Contract, creator: LocalAccount, stranger: LocalAccount, send: Send
) -> None:
    works = _works(1_000)
    tree, index = _tree(creator, works)
    send(registry.functions.anchor(tree.root, tree.size), creator)
    send(_claim(registry, creator, tree, works[0], index[0]), stranger)  # archivist owns one
    receipt = send(_claim(registry, creator, tree, works[1], index[1]), stranger)
    assert len(tree.proof(index[1])) >= 9
    assert receipt["gasUsed"] <= CLAIM_BUDGET, receipt["gasUsed"]


def test_registry_bytecode_under_size_limit(artifacts: dict[str, Artifact]) -> None:
    runtime = HexBytes(artifacts["WorkRegistry"].deployed_bytecode)
    assert len(runtime) <= EIP170_LIMIT, len(runtime)
