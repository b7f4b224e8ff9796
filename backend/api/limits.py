"""The relayed-write limits (backend/services/limits.py) as route dependencies.

`limit_writes` counts a write against the client's allowance. `limit_registrations` also
refuses when the relayer's balance is at its floor, and charges the creator's rate and the
gas budgets: at once for a JSON body, or once `upload_registration` has read a multipart one.
A request refused before anything is sent (a 4xx) gets the creator's charges back, so that no
one can spend a creator's allowance with requests the creator did not sign; one refused because
the chain is unreachable gets the client's write back too.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from backend.api.deps import RegistryDep, SettingsDep, client_identity, require_api_key
from backend.chain.accounts import dev_account
from backend.core import errors
from backend.core.runtime import Runtime
from backend.services.limits import Charge, RelayLimits, check_relayer_balance
from backend.services.schemas import Authorisation

MAX_JSON_BYTES = 4 * 1024 * 1024
_STATE_KEY = "registration_admission"


def get_relay_limits(request: Request) -> RelayLimits:
    runtime: Runtime = request.app.state.runtime
    return runtime.limits


RelayLimitsDep = Annotated[RelayLimits, Depends(get_relay_limits)]
# Listed first, so that an unknown API key is a 401 before anything is counted.
_KeyChecked = Annotated[object, Depends(require_api_key)]


def limit_writes(request: Request, limits: RelayLimitsDep, _: _KeyChecked) -> Iterator[None]:
    """A write the service relays: counted against the client's allowance (429 past it),
    unless the chain could not be reached."""
    client = client_identity(request)
    limits.admit_write(client)
    try:
        yield
    except errors.ChainUnavailable:
        limits.refund_write(client)
        raise


class RegistrationAdmission:
    """The creator charges of one registration request, given back if it is refused."""

    def __init__(self, limits: RelayLimits, *, dev_mode: bool) -> None:
        self.limits = limits
        self.dev_mode = dev_mode
        self.charges: list[Charge] = []

    def admit(self, auth: Authorisation, *, works: int) -> None:
        """Charge the creator the request names; a request that names none is refused later."""
        creator = _claimed_creator(auth, dev_mode=self.dev_mode)
        if creator is not None:
            self.charges.append(self.limits.admit_registration(creator=creator, works=works))

    def refund(self) -> None:
        for charge in self.charges:
            self.limits.refund(charge)
        self.charges.clear()


async def limit_registrations(
    request: Request,
    limits: RelayLimitsDep,
    settings: SettingsDep,
    registry: RegistryDep,
    _: _KeyChecked,
) -> AsyncIterator[None]:
    """Registrations, which the relayer pays for: client rate, relayer balance floor, then the
    creator's rate and the gas budgets."""
    await run_in_threadpool(check_relayer_balance, registry, settings.relayer_min_balance_wei)
    client = client_identity(request)
    limits.admit_write(client)
    admission = RegistrationAdmission(limits, dev_mode=settings.dev_mode)
    setattr(request.state, _STATE_KEY, admission)
    if request.headers.get("content-type", "").startswith("application/json"):
        claim = await _json_claim(request)
        if claim is not None:
            admission.admit(claim[0], works=claim[1])
    try:
        yield
    except errors.ChainUnavailable:
        limits.refund_write(client)
        admission.refund()
        raise
    except errors.RegistryError as exc:
        if exc.status_code < 500:
            admission.refund()
        raise
    except RequestValidationError:
        admission.refund()
        raise


def admit_registration_body(request: Request, auth: Authorisation) -> None:
    """Charge the creator of a registration whose body only the route reads (a multipart
    upload), if the route is limited."""
    admission: RegistrationAdmission | None = getattr(request.state, _STATE_KEY, None)
    if admission is not None:
        admission.admit(auth, works=1)


async def _json_claim(request: Request) -> tuple[Authorisation, int] | None:
    """Who a JSON registration is for and how many works it has; None if the body is not
    readable as one (the route then refuses it)."""
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        raise errors.LengthRequired("a JSON registration needs a Content-Length header")
    if int(length) > MAX_JSON_BYTES:
        raise errors.PayloadTooLarge(f"JSON bodies are limited to {MAX_JSON_BYTES} bytes")
    try:
        data: Any = json.loads(await request.body())
        auth = Authorisation.model_validate(data)
    except (ValueError, ValidationError):
        return None
    works = data.get("works")
    return auth, len(works) if isinstance(works, list) else 1


def _claimed_creator(auth: Authorisation, *, dev_mode: bool) -> str | None:
    if auth.dev_account is not None and dev_mode:
        return str(dev_account(auth.dev_account).address)
    return auth.creator
