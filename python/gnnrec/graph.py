"""The graphs of a dataset's training split as scipy CSR matrices: the user–item graph and
the item–item co-occurrence graph (optionally time-weighted), built by gnnrec's graph crate."""

from __future__ import annotations

from typing import Optional

from . import _gnnrec
from .datasets import Dataset

__all__ = ["user_item", "item_item"]


def _csr(parts):
    import scipy.sparse as sp

    indptr, indices, data, shape = parts
    return sp.csr_matrix((data, indices, indptr), shape=shape)


def user_item(dataset: Dataset, normalized: bool = False):
    """The ``(n_users + n_items)``-square symmetric user–item adjacency of the training
    split (users first); ``normalized=True``: D^-1/2 A D^-1/2, the matrix LightGCN
    propagates with."""
    return _csr(_gnnrec.user_item(dataset._inner, normalized))


def item_item(
    dataset: Dataset,
    weight: str = "cosine",
    min_support: int = 1,
    top_k: Optional[int] = None,
    window_days: Optional[float] = None,
    tau_days: float = 30.0,
):
    """The item–item co-occurrence graph of the training split: ``weight`` one of
    ``count``, ``cosine``, ``jaccard``, ``time``, ``decay`` (time-weighted: co-occurrences
    close in time weigh more, scale ``tau_days``); pairs in at least ``min_support`` users;
    each item's ``top_k`` heaviest neighbours; co-occurrences within ``window_days``."""
    return _csr(
        _gnnrec.item_item(dataset._inner, weight, min_support, top_k, window_days, tau_days)
    )
