"""Scoped control of torch's intra-op thread count."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch


@contextmanager
def torch_threads(count: int) -> Iterator[None]:
    """Run the block with ``count`` intra-op threads (0 keeps the current count).

    The loops of small ops in iALS and BPR run with one thread: intra-op threads meet at a
    barrier after every op, which costs more than it gains on small tensors and stalls badly
    as soon as another process competes for the cores.
    """
    previous = torch.get_num_threads()
    if count:
        torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)
