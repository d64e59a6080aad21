"""Datasets: those gnnrec knows by name (``load``), and any interactions a user holds
(``Dataset.from_pandas``, ``from_polars``, ``from_scipy``) — read by the same rules as the
command line: ids integers or strings, duplicates removed and counted, every refusal naming
the column and row. Train and test come out as scipy CSR matrices (users × items) and as
DataFrames with raw ids."""

from __future__ import annotations

import json
import math
from typing import Any, Optional, Sequence

import numpy as np

from . import _gnnrec

__all__ = ["Dataset", "load", "fetch", "license", "known", "data_dir"]


def known() -> list:
    """The datasets gnnrec knows by name: dicts with name, folder, about, obtain."""
    return json.loads(_gnnrec.datasets_json())


def data_dir(explicit: Optional[str] = None) -> str:
    """The data directory: ``explicit``, else ``$GNNREC_DATA``, else ``./data``."""
    return str(_gnnrec.data_dir(explicit))


def load(name: str, split: Optional[str] = None, data_dir: Optional[str] = None) -> "Dataset":
    """Loads a dataset gnnrec knows by name (``ml-latest-small``, ``ml-100k``, ``lastfm``,
    ``gowalla``, ...; see ``known()``) or a path to an interactions file, with ``split``
    (``u1``, ``random:0.2:42``, ``temporal:last=1``; default: the dataset's own).

    Raises ``FileNotFoundError`` when the dataset is not in the data directory (the message
    says where it was looked for and how to get it) and ``ValueError`` for an unknown name.
    """
    return Dataset(_gnnrec.Dataset.load(name, split, data_dir))


def fetch(
    name: str,
    data_dir: Optional[str] = None,
    accept_license: bool = False,
    mirror: Optional[str] = None,
    timeout: float = 60.0,
) -> str:
    """Downloads dataset ``name`` from its publisher into the data directory, as ``gnnrec
    data fetch`` does (resumable, every pinned file's sha256 checked, placed in one rename),
    and returns its folder. The dataset's license must be accepted: without
    ``accept_license=True`` a ``PermissionError`` shows it and nothing is downloaded (see
    ``license(name)``). ``mirror``: a server holding the publishers' trees under their host
    names. A dataset already present is left as it is."""
    import os

    info = {d["name"]: d for d in known()}
    directory = _gnnrec.data_dir(data_dir)
    if name in info and os.path.isdir(os.path.join(directory, info[name]["folder"])):
        return os.path.join(directory, info[name]["folder"])
    return str(_gnnrec.fetch(name, directory, accept_license, mirror, timeout))


def license(name: str) -> str:
    """The size and license terms of dataset ``name``, which ``fetch`` asks to accept."""
    size, terms = _gnnrec.license(name)
    return f"{name} ({size}): {terms}"


def _id_column(values, name: str, table: str):
    """An id column as the extension takes it: an int64 array, or a list of str."""
    arr = np.asarray(values)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64, copy=False)
    if arr.dtype.kind == "f":
        bad = np.flatnonzero(~np.isfinite(arr))
        if bad.size:
            raise ValueError(f"{table}, column `{name}`, row {bad[0]}: the id is {arr[bad[0]]}")
        if np.any(arr != np.round(arr)):
            row = int(np.flatnonzero(arr != np.round(arr))[0])
            raise ValueError(f"{table}, column `{name}`, row {row}: {arr[row]} is not an integer id")
        return arr.astype(np.int64)
    out = []
    for row, v in enumerate(arr.tolist()):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            raise ValueError(f"{table}, column `{name}`, row {row}: the id is missing")
        out.append(str(v))
    return out


def _float_column(values, name: str, table: str):
    arr = np.asarray(values)
    if arr.dtype.kind not in "iuf":
        raise ValueError(f"{table}, column `{name}`: values must be numbers, not {arr.dtype}")
    return (name, arr.astype(np.float32))


def _time_column(values, name: str, table: str):
    arr = np.asarray(values)
    if arr.dtype.kind == "M":
        arr = arr.astype("datetime64[s]").astype(np.int64)
    elif arr.dtype.kind == "f":
        bad = np.flatnonzero(~np.isfinite(arr))
        if bad.size:
            raise ValueError(f"{table}, column `{name}`, row {bad[0]}: the time is missing")
    elif arr.dtype.kind not in "iu":
        raise ValueError(f"{table}, column `{name}`: times must be Unix seconds or datetimes")
    return (name, arr.astype(np.int64))


class Dataset:
    """A dataset and the split trained and tested on.

    Build one with ``gnnrec.datasets.load(name)``, ``Dataset.from_pandas(df, user=, item=,
    rating=, time=)``, ``Dataset.from_polars`` or ``Dataset.from_scipy(matrix)``; change the
    split with ``with_split``. ``train_csr()`` / ``test_csr()`` are users × items scipy CSR
    matrices (values: the ratings or weights, else 1), ``train_df()`` / ``test_df()`` pandas
    DataFrames with raw ids; ``user_ids`` / ``item_ids`` map an index to its raw id and
    ``user_index`` / ``item_index`` a raw id to its index.
    """

    def __init__(self, inner: "_gnnrec.Dataset"):
        self._inner = inner
        self._user_ids = None
        self._item_ids = None

    # ---- construction ---------------------------------------------------------------
    @classmethod
    def from_columns(
        cls,
        user_ids: Sequence,
        item_ids: Sequence,
        *,
        ratings=None,
        weights=None,
        times=None,
        name: str = "interactions",
        split: Optional[str] = None,
        table: str = "table",
        columns=("user", "item", "rating", "weight", "time"),
    ) -> "Dataset":
        """A dataset from parallel sequences of user ids, item ids and optional ratings,
        weights and times (Unix seconds or datetimes)."""
        u, i, r, w, t = columns
        return cls(
            _gnnrec.Dataset.from_columns(
                name,
                table,
                u,
                _id_column(user_ids, u, table),
                i,
                _id_column(item_ids, i, table),
                None if ratings is None else _float_column(ratings, r, table),
                None if weights is None else _float_column(weights, w, table),
                None if times is None else _time_column(times, t, table),
                split,
            )
        )

    @classmethod
    def from_pandas(
        cls,
        df,
        user: str = "user",
        item: str = "item",
        rating: Optional[str] = None,
        weight: Optional[str] = None,
        time: Optional[str] = None,
        *,
        name: str = "dataframe",
        split: Optional[str] = None,
    ) -> "Dataset":
        """A dataset from a pandas DataFrame's columns (``rating``: explicit ratings;
        ``weight``: implicit strengths such as play counts; ``time``: Unix seconds or
        datetimes). Missing columns, missing ids, non-finite ratings and an empty frame
        raise ``ValueError`` / ``gnnrec.DataError`` naming the column and row."""
        return cls._from_frame(
            df, lambda c: df[c].to_numpy(), user, item, rating, weight, time, name, split
        )

    @classmethod
    def from_polars(
        cls,
        df,
        user: str = "user",
        item: str = "item",
        rating: Optional[str] = None,
        weight: Optional[str] = None,
        time: Optional[str] = None,
        *,
        name: str = "dataframe",
        split: Optional[str] = None,
    ) -> "Dataset":
        """As ``from_pandas``, from a polars DataFrame."""

        def col(c):
            s = df[c]
            if s.null_count() > 0:
                row = int(s.is_null().arg_max())
                raise ValueError(f"DataFrame, column `{c}`, row {row}: the value is missing")
            return s.to_numpy()

        return cls._from_frame(df, col, user, item, rating, weight, time, name, split)

    @classmethod
    def _from_frame(cls, df, col, user, item, rating, weight, time, name, split) -> "Dataset":
        """A DataFrame's named columns (read by ``col``), the missing ones refused by name."""
        wanted = [c for c in (user, item, rating, weight, time) if c is not None]
        missing = [c for c in wanted if c not in df.columns]
        if missing:
            raise ValueError(
                f"DataFrame has no column {', '.join(repr(c) for c in missing)}; "
                f"its columns: {', '.join(map(str, df.columns))}"
            )
        get = lambda c: None if c is None else col(c)  # noqa: E731
        return cls.from_columns(
            get(user),
            get(item),
            ratings=get(rating),
            weights=get(weight),
            times=get(time),
            name=name,
            split=split,
            table="DataFrame",
            columns=(user, item, rating or "rating", weight or "weight", time or "time"),
        )

    @classmethod
    def from_scipy(
        cls, matrix, *, values: str = "weight", name: str = "matrix", split: Optional[str] = None
    ) -> "Dataset":
        """A dataset from a users × items scipy sparse matrix: rows are user ids, columns
        item ids, stored entries interactions (``values="rating"``: ratings, ``"weight"``:
        weights, ``None``: ignored)."""
        coo = matrix.tocoo()
        if coo.nnz == 0:
            raise ValueError("scipy matrix: no stored entries, so no interactions")
        data = coo.data
        return cls.from_columns(
            coo.row.astype(np.int64),
            coo.col.astype(np.int64),
            ratings=data if values == "rating" else None,
            weights=data if values == "weight" else None,
            name=name,
            split=split,
            table="scipy matrix",
            columns=("row", "column", "value", "value", "time"),
        )

    def with_split(self, split: str) -> "Dataset":
        """The same dataset with another split (``u2``, ``random:0.1:7``, ``temporal:last=1``)."""
        return Dataset(self._inner.with_split(split))

    # ---- description ----------------------------------------------------------------
    @property
    def name(self) -> str:
        """The dataset's name."""
        return self._inner.name

    @property
    def split(self) -> str:
        """The split's name."""
        return self._inner.split

    @property
    def n_users(self) -> int:
        """Users."""
        return self._inner.n_users

    @property
    def n_items(self) -> int:
        """Items."""
        return self._inner.n_items

    @property
    def rating_scale(self):
        """``(min, max)`` of the ratings, or None."""
        return self._inner.rating_scale

    @property
    def official_splits(self) -> list:
        """The splits the dataset ships with."""
        return self._inner.official_splits

    @property
    def notes(self) -> list:
        """What loading noted (duplicates removed)."""
        return self._inner.notes()

    def __repr__(self) -> str:
        return repr(self._inner)

    # ---- ids ------------------------------------------------------------------------
    @property
    def user_ids(self) -> np.ndarray:
        """Raw user ids by index (int64, or object array of str)."""
        if self._user_ids is None:
            self._user_ids = _ids_array(self._inner.user_ids())
        return self._user_ids

    @property
    def item_ids(self) -> np.ndarray:
        """Raw item ids by index (int64, or object array of str)."""
        if self._item_ids is None:
            self._item_ids = _ids_array(self._inner.item_ids())
        return self._item_ids

    def user_index(self, raw) -> int:
        """The index of raw user id ``raw`` (KeyError if unknown)."""
        return _index_of(self.user_ids, raw, "user")

    def item_index(self, raw) -> int:
        """The index of raw item id ``raw`` (KeyError if unknown)."""
        return _index_of(self.item_ids, raw, "item")

    @property
    def item_titles(self):
        """Item titles by index, where the dataset has them."""
        return self._inner.item_titles()

    # ---- parts ----------------------------------------------------------------------
    def columns(self, part: str = "train") -> dict:
        """A part (``"train"``, ``"test"``, ``"all"``) as numpy columns: ``user``, ``item``
        (indices) and ``rating`` / ``weight`` / ``time`` where present."""
        return self._inner.columns(part)

    def _csr(self, part: str):
        import scipy.sparse as sp

        c = self.columns(part)
        values = c.get("rating", c.get("weight"))
        if values is None:
            values = np.ones(len(c["user"]), dtype=np.float32)
        return sp.csr_matrix(
            (values, (c["user"], c["item"])), shape=(self.n_users, self.n_items)
        )

    def train_csr(self):
        """The training interactions as a users × items ``scipy.sparse.csr_matrix``."""
        return self._csr("train")

    def test_csr(self):
        """The test interactions as a users × items ``scipy.sparse.csr_matrix``."""
        return self._csr("test")

    def _df(self, part: str):
        import pandas as pd

        c = self.columns(part)
        out = {"user": self.user_ids[c["user"]], "item": self.item_ids[c["item"]]}
        for key in ("rating", "weight", "time"):
            if key in c:
                out[key] = c[key]
        return pd.DataFrame(out)

    def train_df(self):
        """The training interactions as a pandas DataFrame with raw ids."""
        return self._df("train")

    def test_df(self):
        """The test interactions as a pandas DataFrame with raw ids."""
        return self._df("test")


def _ids_array(ids: Any) -> np.ndarray:
    if isinstance(ids, np.ndarray):
        return ids
    out = np.empty(len(ids), dtype=object)
    out[:] = ids
    return out


def _index_of(ids: np.ndarray, raw, what: str) -> int:
    if ids.dtype == object:
        hits = np.flatnonzero(ids == str(raw))
    else:
        try:
            hits = np.flatnonzero(ids == int(raw))
        except (TypeError, ValueError):
            hits = np.array([], dtype=np.int64)
    if hits.size == 0:
        raise KeyError(f"{what} `{raw}` is not in the dataset ({len(ids)} {what}s)")
    return int(hits[0])
