"""EIP-712 messages that a creator signs to have a relayer register works in their name.

The contract checks the same types (`WorkRegistry.sol`); the domain binds chain id and contract
address, the deadline bounds the signature's life, and the content hash, which registers once,
makes a replay fail.
"""

from __future__ import annotations

from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_keys.exceptions import BadSignature
from eth_typing import ChecksumAddress

from backend.core.errors import InvalidSignature

DOMAIN_NAME = "WorkRegistry"
DOMAIN_VERSION = "1"

_DOMAIN_TYPE = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]
REGISTER_TYPE = [
    {"name": "creator", "type": "address"},
    {"name": "contentHash", "type": "bytes32"},
    {"name": "metadataHash", "type": "bytes32"},
    {"name": "deadline", "type": "uint256"},
]
REGISTER_DERIVATIVE_TYPE = [
    {"name": "creator", "type": "address"},
    {"name": "contentHash", "type": "bytes32"},
    {"name": "metadataHash", "type": "bytes32"},
    {"name": "parentId", "type": "uint256"},
    {"name": "deadline", "type": "uint256"},
]
REGISTER_BATCH_TYPE = [
    {"name": "creator", "type": "address"},
    {"name": "contentHashes", "type": "bytes32[]"},
    {"name": "metadataHashes", "type": "bytes32[]"},
    {"name": "deadline", "type": "uint256"},
]

ANCHOR_TYPE = [
    {"name": "archivist", "type": "address"},
    {"name": "root", "type": "bytes32"},
    {"name": "count", "type": "uint32"},
    {"name": "deadline", "type": "uint256"},
]


def _domain(chain_id: int, contract: ChecksumAddress) -> dict[str, Any]:
    return {
        "name": DOMAIN_NAME,
        "version": DOMAIN_VERSION,
        "chainId": chain_id,
        "verifyingContract": contract,
    }


def register_message(
    *,
    chain_id: int,
    contract: ChecksumAddress,
    creator: ChecksumAddress,
    content_hash: str,
    metadata_hash: str,
    deadline: int,
) -> dict[str, Any]:
    """The full EIP-712 typed data (as for `eth_signTypedData_v4`) of one registration."""
    return {
        "types": {"EIP712Domain": _DOMAIN_TYPE, "Register": REGISTER_TYPE},
        "primaryType": "Register",
        "domain": _domain(chain_id, contract),
        "message": {
            "creator": creator,
            "contentHash": content_hash,
            "metadataHash": metadata_hash,
            "deadline": deadline,
        },
    }


def register_derivative_message(
    *,
    chain_id: int,
    contract: ChecksumAddress,
    creator: ChecksumAddress,
    content_hash: str,
    metadata_hash: str,
    parent_id: int,
    deadline: int,
) -> dict[str, Any]:
    """The typed data of a derivative's registration: it also names the parent work."""
    return {
        "types": {"EIP712Domain": _DOMAIN_TYPE, "RegisterDerivative": REGISTER_DERIVATIVE_TYPE},
        "primaryType": "RegisterDerivative",
        "domain": _domain(chain_id, contract),
        "message": {
            "creator": creator,
            "contentHash": content_hash,
            "metadataHash": metadata_hash,
            "parentId": parent_id,
            "deadline": deadline,
        },
    }


def register_batch_message(
    *,
    chain_id: int,
    contract: ChecksumAddress,
    creator: ChecksumAddress,
    content_hashes: list[str],
    metadata_hashes: list[str],
    deadline: int,
) -> dict[str, Any]:
    """The full EIP-712 typed data of a batch registration: one signature for every work."""
    return {
        "types": {"EIP712Domain": _DOMAIN_TYPE, "RegisterBatch": REGISTER_BATCH_TYPE},
        "primaryType": "RegisterBatch",
        "domain": _domain(chain_id, contract),
        "message": {
            "creator": creator,
            "contentHashes": list(content_hashes),
            "metadataHashes": list(metadata_hashes),
            "deadline": deadline,
        },
    }


def anchor_message(
    *,
    chain_id: int,
    contract: ChecksumAddress,
    archivist: ChecksumAddress,
    root: str,
    count: int,
    deadline: int,
) -> dict[str, Any]:
    """The typed data of an archive's anchoring: one signature for a whole Merkle tree."""
    return {
        "types": {"EIP712Domain": _DOMAIN_TYPE, "Anchor": ANCHOR_TYPE},
        "primaryType": "Anchor",
        "domain": _domain(chain_id, contract),
        "message": {"archivist": archivist, "root": root, "count": count, "deadline": deadline},
    }


def sign_typed_data(message: dict[str, Any], private_key: bytes | str) -> str:
    """Sign typed data locally; returns the 65-byte signature as 0x-hex."""
    signed = Account.sign_message(encode_typed_data(full_message=message), private_key)
    return "0x" + bytes(signed.signature).hex()


def recover_typed_data_signer(message: dict[str, Any], signature: str) -> ChecksumAddress:
    """The address that made ``signature`` over ``message``."""
    try:
        signer: ChecksumAddress = Account.recover_message(
            encode_typed_data(full_message=message), signature=signature
        )
    except (BadSignature, ValueError) as exc:
        raise InvalidSignature("the signature cannot be recovered to any account") from exc
    return signer
