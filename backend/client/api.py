"""`RightsClient`: every API call, typed; whatever needs a signature is signed here, locally."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

import httpx
from eth_account.signers.local import LocalAccount
from pydantic import BaseModel, TypeAdapter

from backend.client import signing
from backend.client.errors import ApiError
from backend.client.models import ChainInfo, Recommendations, RecommenderStatus
from backend.services.api_keys import ApiKeyCreated, ApiKeyOut
from backend.services.interactions import InteractionIn, InteractionsOut
from backend.services.market_schemas import (
    Balance,
    DisputeOut,
    DisputeResult,
    LicenseCheck,
    LicenseKind,
    LicenseOut,
    LicenseResult,
    OfferOut,
    OfferResult,
    PayeesOut,
    TxOutcome,
)
from backend.services.metadata import WorkMetadata
from backend.services.provenance_schemas import Provenance
from backend.services.schemas import BatchOut, TypedDataOut, WorkOut, WorkPage

M = TypeVar("M", bound=BaseModel)
SIGNATURE_LIFETIME = 3600


class RightsClient:
    """A synchronous client of one registry API at ``base_url``; ``api_key`` goes with every
    request as `X-API-Key`, ``admin_token`` as the bearer token the admin endpoints need."""

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8000",
        *,
        timeout: float = 60.0,
        api_key: str | None = None,
        admin_token: str | None = None,
        **kwargs: Any,
    ) -> None:
        headers = dict(kwargs.pop("headers", {}))
        if api_key is not None:
            headers["X-API-Key"] = api_key
        if admin_token is not None:
            headers["Authorization"] = f"Bearer {admin_token}"
        self.http = httpx.Client(
            base_url=base_url.rstrip("/"), timeout=timeout, headers=headers, **kwargs
        )
        self._chain: ChainInfo | None = None

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> RightsClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Send, raising `ApiError` for any 4xx/5xx or transport failure."""
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise ApiError("unreachable", f"{self.http.base_url}: {exc}") from exc
        if response.status_code >= 400:
            try:
                body: Any = response.json()
            except ValueError:
                body = response.text
            raise ApiError.from_body(response.status_code, body)
        return response

    def _get(self, model: type[M], path: str, **params: Any) -> M:
        clean = {k: v for k, v in params.items() if v is not None}
        return model.model_validate(self.request("GET", path, params=clean).json())

    def _list(self, model: type[M], path: str, **params: Any) -> list[M]:
        clean = {k: v for k, v in params.items() if v is not None}
        body = self.request("GET", path, params=clean).json()
        return TypeAdapter(list[model]).validate_python(body)  # type: ignore[valid-type]

    def _post(self, model: type[M], path: str, body: dict[str, Any], method: str = "POST") -> M:
        return model.model_validate(self.request(method, path, json=body).json())

    # chain

    def chain(self) -> ChainInfo:
        """The chain id and contract signatures bind to (fetched once)."""
        if self._chain is None:
            self._chain = self._get(ChainInfo, "/v1/chain")
        return self._chain

    # works

    def typed_data(
        self, *, creator: str, deadline: int, works: list[dict[str, Any]]
    ) -> TypedDataOut:
        body = {"creator": creator, "deadline": deadline, "works": works}
        return self._post(TypedDataOut, "/v1/works/typed-data", body)

    def register(
        self,
        account: LocalAccount,
        content_hash: str,
        metadata: WorkMetadata,
        *,
        parent_id: str | None = None,
    ) -> WorkOut:
        """Register one work, signed by ``account`` (its creator)."""
        work = _work(content_hash, metadata, parent_id)
        body = {**work, **self._signed_auth(account, [work])}
        return self._post(WorkOut, "/v1/works", body)

    def register_file(self, account: LocalAccount, path: Path, metadata: WorkMetadata) -> WorkOut:
        """Register a file by its SHA-256, computed here: the file is never uploaded."""
        return self.register(account, signing.sha256_file(path), metadata)

    def register_batch(
        self, account: LocalAccount, works: Sequence[tuple[str, WorkMetadata]]
    ) -> BatchOut:
        """Register many works of ``account`` in one transaction, with one signature."""
        items = [_work(h, m, None) for h, m in works]
        body = {"works": items, **self._signed_auth(account, items)}
        return self._post(BatchOut, "/v1/works/batch", body)

    def _signed_auth(self, account: LocalAccount, works: list[dict[str, Any]]) -> dict[str, Any]:
        deadline = int(time.time()) + SIGNATURE_LIFETIME
        message = self.typed_data(creator=account.address, deadline=deadline, works=works)
        signature = signing.sign_typed_data(message.typed_data, account.key)
        return {"creator": account.address, "deadline": deadline, "signature": signature}

    def work(self, work_id: str) -> WorkOut:
        return self._get(WorkOut, f"/v1/works/{work_id}")

    def works(
        self,
        *,
        creator: str | None = None,
        q: str | None = None,
        limit: int = 20,
        cursor: str | None = None,
    ) -> WorkPage:
        return self._get(WorkPage, "/v1/works", creator=creator, q=q, limit=limit, cursor=cursor)

    def metadata(self, work_id: str) -> bytes:
        """The metadata document, byte for byte as hashed on chain."""
        return self.request("GET", f"/v1/works/{work_id}/metadata").content

    def verify_hash(self, content_hash: str) -> Provenance:
        return self._post(Provenance, "/v1/verify", {"content_hash": content_hash})

    def verify_file(self, path: Path) -> Provenance:
        """Provenance of a file, by its SHA-256 computed here."""
        return self.verify_hash(signing.sha256_file(path))

    def provenance(self, work_id: str) -> Provenance:
        return self._get(Provenance, f"/v1/works/{work_id}/provenance")

    def proof(self, work_id: str) -> dict[str, Any]:
        """The self-contained proof bundle (see `backend.client.proof_check`)."""
        body: dict[str, Any] = self.request("GET", f"/v1/works/{work_id}/proof").json()
        return body

    # the user's own transactions: unsigned from the API, signed here, relayed by the API

    def _transact(
        self, account: LocalAccount, model: type[M], method: str, path: str, body: dict[str, Any]
    ) -> M:
        unsigned = self._post(TxOutcome, path, {**body, "sender": account.address}, method)
        assert unsigned.transaction is not None, "the API returned no transaction to sign"
        signed_tx = signing.sign_transaction(account, unsigned.transaction)
        return self._post(model, path, {**body, "signed_tx": signed_tx}, method)

    def create_offer(
        self,
        account: LocalAccount,
        work_id: str,
        *,
        kind: LicenseKind,
        price_wei: int,
        duration_seconds: int = 0,
        max_supply: int = 0,
        transferable: bool = False,
        terms_uri: str = "",
    ) -> OfferResult:
        body = {
            "kind": kind,
            "price_wei": str(price_wei),
            "duration_seconds": duration_seconds,
            "max_supply": max_supply,
            "transferable": transferable,
            "terms_uri": terms_uri,
        }
        return self._transact(account, OfferResult, "POST", f"/v1/works/{work_id}/offers", body)

    def offers(self, work_id: str) -> list[OfferOut]:
        return self._list(OfferOut, f"/v1/works/{work_id}/offers")

    def set_offer_active(
        self, account: LocalAccount, work_id: str, offer_id: int, active: bool
    ) -> TxOutcome:
        path = f"/v1/works/{work_id}/offers/{offer_id}"
        return self._transact(account, TxOutcome, "PATCH", path, {"active": active})

    def set_payees(
        self, account: LocalAccount, work_id: str, accounts: list[str], shares_bps: list[int]
    ) -> TxOutcome:
        body = {"accounts": accounts, "shares_bps": shares_bps}
        return self._transact(account, TxOutcome, "PUT", f"/v1/works/{work_id}/payees", body)

    def payees(self, work_id: str) -> PayeesOut:
        return self._get(PayeesOut, f"/v1/works/{work_id}/payees")

    def buy_license(self, account: LocalAccount, work_id: str, offer_id: int) -> LicenseResult:
        body = {"work_id": work_id, "offer_id": offer_id}
        return self._transact(account, LicenseResult, "POST", "/v1/licenses", body)

    def licenses(self, *, licensee: str | None = None, work: str | None = None) -> list[LicenseOut]:
        return self._list(LicenseOut, "/v1/licenses", licensee=licensee, work=work)

    def check_license(self, *, work: str, account: str, kind: LicenseKind) -> LicenseCheck:
        return self._get(LicenseCheck, "/v1/licenses/check", work=work, account=account, kind=kind)

    def balance(self, account: str) -> Balance:
        return self._get(Balance, f"/v1/payees/{account}/balance")

    def withdraw(self, account: LocalAccount) -> TxOutcome:
        return self._transact(account, TxOutcome, "POST", "/v1/withdrawals", {})

    def open_dispute(
        self, account: LocalAccount, work_id: str, *, evidence_uri: str, bond_wei: int
    ) -> DisputeResult:
        body = {"work_id": work_id, "evidence_uri": evidence_uri, "bond_wei": str(bond_wei)}
        return self._transact(account, DisputeResult, "POST", "/v1/disputes", body)

    def disputes(self, *, work: str | None = None, status: str | None = None) -> list[DisputeOut]:
        return self._list(DisputeOut, "/v1/disputes", work=work, status=status)

    def resolve_dispute(self, account: LocalAccount, dispute_id: int, upheld: bool) -> TxOutcome:
        """The arbiter's decision; the API also wants the client's admin_token."""
        path = f"/v1/disputes/{dispute_id}/resolve"
        return self._transact(account, TxOutcome, "POST", path, {"upheld": upheld})

    # recommendations

    def record_interactions(
        self, account: LocalAccount, events: list[InteractionIn]
    ) -> InteractionsOut:
        """Post view/play/like/rating events, signed here with EIP-191."""
        chain = self.chain()
        timestamp = int(time.time())
        signature = signing.sign_interactions(
            account,
            chain_id=chain.chain_id,
            contract=chain.registry_address,
            events=events,
            timestamp=timestamp,
        )
        body = {
            "account": account.address,
            "timestamp": timestamp,
            "events": [e.model_dump(exclude_none=True) for e in events],
            "signature": signature,
        }
        return self._post(InteractionsOut, "/v1/interactions", body)

    def recommendations(
        self, account: str, *, k: int = 10, kind: LicenseKind | None = None
    ) -> Recommendations:
        return self._get(Recommendations, f"/v1/recommendations/{account}", k=k, kind=kind)

    def recommender_status(self) -> RecommenderStatus:
        return self._get(RecommenderStatus, "/v1/recommender/status")

    def train(self, *, admin_token: str | None = None) -> RecommenderStatus:
        headers = {"Authorization": f"Bearer {admin_token}"} if admin_token else {}
        response = self.request("POST", "/v1/recommender/train", headers=headers)
        return RecommenderStatus.model_validate(response.json())

    # admin (the client's admin_token)

    def create_api_key(self, name: str) -> ApiKeyCreated:
        """A new API key; its plaintext is in this answer only."""
        return self._post(ApiKeyCreated, "/v1/admin/api-keys", {"name": name})

    def api_keys(self) -> list[ApiKeyOut]:
        return self._list(ApiKeyOut, "/v1/admin/api-keys")

    def revoke_api_key(self, key_id: int) -> ApiKeyOut:
        path = f"/v1/admin/api-keys/{key_id}"
        return ApiKeyOut.model_validate(self.request("DELETE", path).json())


def _work(content_hash: str, metadata: WorkMetadata, parent_id: str | None) -> dict[str, Any]:
    work: dict[str, Any] = {"content_hash": content_hash, "metadata": metadata.model_dump()}
    if parent_id is not None:
        work["parent_id"] = parent_id
    return work
