"""Demo catalogue for `make run`: MovieLens 100K (read from the installed recbole wheel, never
copied) replayed through the API and the chain, so that every feature has something real to
show. Movies become registered works with licence offers, users sign their ratings as
interaction events, dev accounts 2-5 take four users' tastes and buy licences, and a model is
trained. Without recbole a small synthetic catalogue is used instead."""

from __future__ import annotations

import hashlib
import logging
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak

from backend.chain.accounts import dev_account
from backend.client.signing import sign_interactions
from backend.services.interactions import InteractionIn
from recommender.data.movielens import movielens_path
from recommender.errors import RecommenderError

log = logging.getLogger(__name__)
MOVIES = 200
USERS = 150
TASTE_ACCOUNTS = (2, 3, 4, 5)
Rating = tuple[int, int, float, int]


def seed(base_url: str) -> dict[str, Any]:
    """Fill an empty registry; a registry that has works already is left alone."""
    with httpx.Client(base_url=base_url, timeout=120) as api:
        if api.get("/v1/works", params={"limit": 1}).json()["items"]:
            return {"skipped": "the registry has works already"}
        ratings, titles = _catalogue()
        movies = [m for m, _ in Counter(r[1] for r in ratings).most_common(MOVIES)]
        kept = [r for r in ratings if r[1] in set(movies)]
        users = [u for u, _ in Counter(r[0] for r in kept).most_common(USERS)]
        works = _register(api, movies, titles)
        for position, movie in enumerate(movies):
            kind = "commercial" if position % 3 else "personal"
            _post(
                api,
                f"/v1/works/{works[movie]}/offers",
                {"kind": kind, "price_wei": 10**15 * (1 + position % 5), "dev_account": 1},
            )
        chain = api.get("/v1/chain").json()
        for position, user in enumerate(users):
            history = [r for r in kept if r[0] == user]
            signer = _user_key(user, position)
            _sign_and_post(api, chain, signer, history, works)
            if position < len(TASTE_ACCOUNTS):
                _buy_favourites(api, history, works, TASTE_ACCOUNTS[position])
        trained = _post(api, "/v1/recommender/train", {})
        return {"works": len(works), "accounts": len(users), "model": trained}


def _catalogue() -> tuple[list[Rating], dict[int, str]]:
    try:
        path = movielens_path()
    except RecommenderError:
        return _synthetic(), {}
    table = np.loadtxt(path, skiprows=1, dtype=np.float64)
    ratings = [(int(u), int(i), float(r), int(t)) for u, i, r, t in table]
    return ratings, _titles(path.with_suffix(".item"))


def _titles(path: Path) -> dict[int, str]:
    titles: dict[int, str] = {}
    for line in path.read_text(encoding="latin-1").splitlines()[1:]:
        fields = line.split("\t")
        titles[int(fields[0])] = f"{fields[1]} ({fields[2]})" if len(fields) > 2 else fields[1]
    return titles


def _synthetic() -> list[Rating]:
    rng = np.random.default_rng(0)
    ratings: list[Rating] = []
    for user in range(USERS):
        group = user % 4
        for item in rng.choice(50, size=12, replace=False):
            liked = item % 4 == group
            ratings.append((user, int(item), 5.0 if liked else 2.0, 1_700_000_000 + user))
    return ratings


def _register(api: httpx.Client, movies: list[int], titles: dict[int, str]) -> dict[int, str]:
    works: dict[int, str] = {}
    for start in range(0, len(movies), 100):
        chunk = movies[start : start + 100]
        body = {
            "works": [
                {
                    "content_hash": "0x" + hashlib.sha256(f"ml-100k/{m}".encode()).hexdigest(),
                    "metadata": {
                        "title": titles.get(m, f"Movie {m}")[:200],
                        "media_type": "video/mp4",
                        "tags": ["movielens"],
                    },
                }
                for m in chunk
            ],
            "dev_account": 1,
        }
        registered = _post(api, "/v1/works/batch", body)["works"]
        works.update({m: w["work_id"] for m, w in zip(chunk, registered, strict=True)})
    return works


def _user_key(user: int, position: int) -> LocalAccount:
    if position < len(TASTE_ACCOUNTS):
        return dev_account(TASTE_ACCOUNTS[position])
    key: LocalAccount = Account.from_key(keccak(text=f"rights-registry demo user {user}"))
    return key


def _sign_and_post(
    api: httpx.Client,
    chain: dict[str, Any],
    signer: LocalAccount,
    history: list[Rating],
    works: dict[int, str],
) -> None:
    for start in range(0, len(history), 100):
        events = [
            InteractionIn(work_id=works[item], kind="like" if rating >= 4 else "view")
            for _, item, rating, _ in history[start : start + 100]
        ]
        timestamp = int(time.time())
        signature = sign_interactions(
            signer,
            chain_id=chain["chain_id"],
            contract=chain["registry_address"],
            events=events,
            timestamp=timestamp,
        )
        body = {
            "account": signer.address,
            "timestamp": timestamp,
            "events": [e.model_dump(exclude_none=True) for e in events],
            "signature": signature,
        }
        _post(api, "/v1/interactions", body)


def _buy_favourites(
    api: httpx.Client, history: list[Rating], works: dict[int, str], dev: int
) -> None:
    favourites = sorted(history, key=lambda r: -r[2])[:3]
    for _, item, _, _ in favourites:
        _post(api, "/v1/licenses", {"work_id": works[item], "offer_id": 1, "dev_account": dev})


def _post(api: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = api.post(path, json=body)
    if response.status_code >= 400:
        raise RuntimeError(f"demo: {path} answered {response.status_code}: {response.text}")
    result: dict[str, Any] = response.json()
    return result
