"""Turn Solidity custom-error revert data into the service's exceptions."""

from __future__ import annotations

import re
from typing import Any

from eth_abi.abi import decode
from eth_utils.abi import function_signature_to_4byte_selector
from eth_utils.address import to_checksum_address
from hexbytes import HexBytes

from backend.core import errors

_BY_NAME: dict[str, type[errors.RegistryError]] = {
    "WorkAlreadyRegistered": errors.WorkAlreadyRegistered,
    "SignatureExpired": errors.SignatureExpired,
    "InvalidSignature": errors.InvalidSignature,
    "InvalidBatch": errors.InvalidInput,
    "ZeroContentHash": errors.InvalidInput,
    "ERC721NonexistentToken": errors.NotFound,
    "NotWorkOwner": errors.Forbidden,
    "AccessControlUnauthorizedAccount": errors.Forbidden,
    "OwnableUnauthorizedAccount": errors.Forbidden,
    "OfferSoldOut": errors.Conflict,
    "WorkFlagged": errors.Conflict,
    "DisputeNotOpen": errors.Conflict,
    "LicenseAlreadyHeld": errors.Conflict,
    "ArchiveAlreadyAnchored": errors.Conflict,
    "EmptyArchive": errors.InvalidInput,
    "ArchiveNotAnchored": errors.NotFound,
}
# For these the Solidity error's own name is the more precise code.
_NAMED_CODES = (errors.Forbidden, errors.Conflict, errors.TransactionReverted)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _jsonable(value: Any, abi_type: str = "") -> Any:
    if abi_type == "address":
        return to_checksum_address(value)
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


class RevertDecoder:
    """Decodes revert data against every error in a contract ABI."""

    def __init__(self, abi: list[dict[str, Any]]) -> None:
        self._errors: dict[bytes, dict[str, Any]] = {}
        for item in abi:
            if item.get("type") == "error":
                types = ",".join(i["type"] for i in item["inputs"])
                self._errors[function_signature_to_4byte_selector(f"{item['name']}({types})")] = (
                    item
                )

    def to_exception(self, data: object) -> errors.RegistryError:
        raw = HexBytes(data if isinstance(data, (str, bytes)) else b"")
        item = self._errors.get(bytes(raw[:4]))
        if item is None:
            return errors.TransactionReverted("the contract reverted", data=raw.to_0x_hex())
        values = decode([i["type"] for i in item["inputs"]], bytes(raw[4:]))
        details = {
            _snake(i["name"]) or f"arg{n}": _jsonable(v, i["type"])
            for n, (i, v) in enumerate(zip(item["inputs"], values, strict=True))
        }
        name = item["name"]
        message = f"{name}({', '.join(f'{k}={v}' for k, v in details.items())})"
        exc_type = _BY_NAME.get(name, errors.TransactionReverted)
        exc = exc_type(message, **details)
        if exc_type in _NAMED_CODES:
            exc.code = _snake(name)
        return exc
