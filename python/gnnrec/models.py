"""One class per registered model, generated from the registry: ``gnnrec.LightGCN(dim=64,
layers=3)``, ``gnnrec.BSPM(...)``, ``gnnrec.GCN(...)`` — their keys, defaults, ranges and
docstrings are those ``gnnrec models`` prints. A wrong key raises ``TypeError`` naming the
valid ones; a value out of range ``ValueError`` naming what the key accepts."""

from __future__ import annotations

import json
import os
import shutil
from typing import Iterable, Optional

import numpy as np

from . import _gnnrec
from ._progress import Progress
from .datasets import Dataset, _ids_array

__all__ = ["Model", "MODEL_CLASSES", "model_class"]

# Class names of the registered models (the registry's names otherwise, capitalised).
_CLASS_NAMES = {
    "pop": "Popularity",
    "bias": "Biases",
    "itemknn": "ItemKNN",
    "mf": "MF",
    "ease": "EASE",
    "gcn": "GCN",
    "lightgcn": "LightGCN",
    "irgnn": "IRGNN",
    "gfcf": "GFCF",
    "bspm": "BSPM",
    "chebycf": "ChebyCF",
    "simgcl": "SimGCL",
    "xsimgcl": "XSimGCL",
}


class Model:
    """A gnnrec model: settings, then ``fit``, then questions.

    Subclasses are generated for every registered model; their ``__init__`` takes the model's
    keys as keyword arguments. After ``fit`` (or ``gnnrec.load``): ``recommend``,
    ``recommend_for_history`` (fold-in), ``similar_items``, ``predict`` (rating models),
    ``evaluate``, ``user_embeddings`` / ``item_embeddings``, ``history``, ``metrics``,
    ``save``.
    """

    name: str = ""
    _info: dict = {}

    def __init__(self, **settings):
        keys = [k["name"] for k in self._info.get("keys", [])]
        unknown = [k for k in settings if k not in keys]
        if unknown:
            raise TypeError(
                f"{type(self).__name__}() got unexpected keyword argument(s) "
                f"{', '.join(repr(k) for k in unknown)}; valid: {', '.join(keys)}"
            )
        # The registry checks every value (ranges, cross-key rules) and completes defaults.
        self._settings = json.loads(_gnnrec.check_settings(self.name, json.dumps(settings)))
        self._given = dict(settings)
        self._fitted = None
        self._item_ids = None
        self._user_ids = None

    # ---- scikit-learn's conventions -----------------------------------------------------
    def get_params(self, deep: bool = True) -> dict:
        """Every setting, defaults included."""
        return dict(self._settings)

    def set_params(self, **settings) -> "Model":
        """Changes settings (checked as in ``__init__``); a fitted model must be refitted."""
        merged = {**self._given, **settings}
        type(self).__init__(self, **merged)
        return self

    def __repr__(self) -> str:
        given = ", ".join(f"{k}={v!r}" for k, v in self._given.items())
        state = "" if self._fitted is None else f" fitted at {self._fitted.path}"
        return f"{type(self).__name__}({given}){state}"

    # ---- training ---------------------------------------------------------------------
    def fit(
        self,
        dataset: Dataset,
        valid=None,
        *,
        valid_split: str = "random",
        out: Optional[str] = None,
        seed: int = 42,
        k: Iterable[int] = (10, 20),
        n_threads: Optional[int] = None,
        progress: bool = True,
    ) -> "Model":
        """Trains on ``dataset``'s training split into a run directory (``out``, default
        ``runs/<model>-<dataset>-<time>``, which ``gnnrec eval``/``recommend``/``serve``
        accept) and scores it on the test split (``metrics``).

        ``valid``: what an iterative model watches to pick its best epoch and stop early —
        None (train the configured epochs), a fraction of train carved out (``0.1``;
        ``valid_split`` ``"random"`` or ``"per-user"``) or ``"test"`` (the LightGCN paper's
        protocol, labelled so). Ctrl-C stops within a second and keeps the last finished
        epoch: ``gnnrec.resume(path)`` continues it. The GIL is released while training.
        """
        if not isinstance(dataset, Dataset):
            raise TypeError(f"fit takes a gnnrec.Dataset, not {type(dataset).__name__}")
        monitor, fraction = "none", 0.1
        if valid == "test":
            monitor = "test"
        elif valid is not None:
            monitor, fraction = "validation", float(valid)
        bar = Progress(progress)
        try:
            fitted = _gnnrec.fit(
                self.name,
                json.dumps(self._settings),
                dataset._inner,
                out,
                seed,
                list(k),
                monitor,
                fraction,
                valid_split,
                bar,
                n_threads,
            )
        finally:
            bar.close()
        self._attach(fitted)
        return self

    def _attach(self, fitted) -> None:
        self._fitted = fitted
        self._item_ids = _ids_array(fitted.item_ids())
        self._user_ids = _ids_array(fitted.user_ids())

    def _need(self):
        if self._fitted is None:
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit(dataset) first")
        return self._fitted

    # ---- questions ----------------------------------------------------------------------
    def _ids(self, idx: np.ndarray) -> np.ndarray:
        ids = self._item_ids[np.maximum(idx, 0)]
        missing = idx < 0
        if missing.any():
            if ids.dtype == object:
                ids[missing] = None
            else:
                ids = ids.copy()
                ids[missing] = -1
        return ids

    def recommend(self, users, k: int = 10, exclude_seen: bool = True, items=None):
        """The top ``k`` items of each user (raw ids), best first, as ``(ids, scores)``
        arrays of shape ``(len(users), k)`` — or ``(k,)`` for one user. Each user's training
        items are excluded unless ``exclude_seen=False``; only ``items`` are ranked when
        given. Where fewer than ``k`` items can be ranked, ids are -1 (None) and scores NaN."""
        fitted = self._need()
        one = np.isscalar(users) or isinstance(users, str)
        batch = [users] if one else users
        if isinstance(batch, np.ndarray) and batch.dtype.kind in "iu":
            batch = batch.astype(np.int64, copy=False)
        idx, scores = fitted.recommend(batch, k, exclude_seen, items)
        ids = self._ids(idx)
        return (ids[0], scores[0]) if one else (ids, scores)

    def recommend_for_history(self, items, k: int = 10, exclude_seen: bool = True):
        """The top ``k`` items for a user the model never saw, from their item history (raw
        ids): fold-in, without retraining. ``ValueError`` for a model that cannot fold in."""
        idx, scores = self._need().recommend_histories([list(items)], k, exclude_seen, None)
        return self._ids(idx)[0], scores[0]

    def similar_items(self, item, k: int = 10):
        """The ``k`` items the model recommends to a history of just ``item``, itself
        excluded (what the server's /v1/similar answers)."""
        idx, scores = self._need().similar_items(item, k)
        return self._ids(idx)[0], scores[0]

    def predict(self, users, items) -> np.ndarray:
        """Predicted ratings of the pairs ``(users[j], items[j])`` (rating models)."""
        return self._need().predict(users, items)

    def evaluate(self, dataset: Optional[Dataset] = None, k: Iterable[int] = (10, 20)) -> dict:
        """The test metrics at each cut-off in ``k`` — recall, precision, NDCG, hit rate
        (full ranking, training items excluded) and RMSE/MAE for rating models — on
        ``dataset``'s split (default: the data trained on). The same numbers as
        ``gnnrec eval``."""
        inner = None if dataset is None else dataset._inner
        return self._need().evaluate(inner, list(k))

    @property
    def metrics(self) -> dict:
        """The test metrics recorded when the model was trained (``metrics.json``)."""
        return json.loads(self._need().metrics_json) or {}

    @property
    def path(self) -> str:
        """The run directory."""
        return str(self._need().path)

    def weights(self) -> dict:
        """Every weight array by name: read-only float32 views of the weights the fitted
        model holds (taken out of the model once; later calls copy nothing)."""
        return self._need().weights()

    def _embedding(self, names):
        w = self.weights()
        for n in names:
            if n in w:
                return w[n]
        return None

    @property
    def user_embeddings(self):
        """The users' final embeddings (n_users × dim), where the model has them."""
        return self._embedding(("user_embedding", "user_vector"))

    @property
    def item_embeddings(self):
        """The items' final embeddings (n_items × dim), where the model has them."""
        return self._embedding(("item_embedding", "item_vector"))

    @property
    def history(self):
        """The training curve: one row per epoch (epoch, loss, seconds, the monitored
        metrics, eval_seconds) as a pandas DataFrame (a list of dicts without pandas)."""
        rows = []
        for r in self._need().history():
            row = {k: v for k, v in r.items() if k != "metrics"}
            row.update(r.get("metrics") or {})
            rows.append(row)
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover
            return rows
        return pd.DataFrame(rows)

    @property
    def user_ids(self) -> np.ndarray:
        """Raw user ids by index."""
        self._need()
        return self._user_ids

    @property
    def item_ids(self) -> np.ndarray:
        """Raw item ids by index."""
        self._need()
        return self._item_ids

    def save(self, path: str) -> str:
        """Copies the run directory to ``path`` (which must not exist): a run directory
        ``gnnrec eval``, ``gnnrec recommend``, ``gnnrec serve`` and ``gnnrec.load`` accept."""
        src = self.path
        if os.path.exists(path):
            raise FileExistsError(f"{path} exists; save writes a new run directory")
        tmp = f"{path}.partial"
        if os.path.exists(tmp):
            shutil.rmtree(tmp)
        shutil.copytree(src, tmp)
        os.replace(tmp, path)
        return path


def _doc(info: dict) -> str:
    lines = [
        f"{info['about']}",
        "",
        f"Task: {info['task']}; trains: {info['training']}; fold-in: {info['fold_in']}.",
        "",
        "Parameters (keyword arguments; the defaults are the registry's):",
    ]
    for k in info["keys"]:
        lines.append(f"    {k['name']} = {json.dumps(k['default'])}  ({k['range']})")
        lines.append(f"        {k['help']}")
    lines.append("")
    lines.append(Model.__doc__ or "")
    return "\n".join(lines)


def _generate() -> dict:
    out = {}
    for info in json.loads(_gnnrec.models_json()):
        cls_name = _CLASS_NAMES.get(info["name"], info["name"].capitalize())
        out[cls_name] = type(
            cls_name,
            (Model,),
            {"name": info["name"], "_info": info, "__doc__": _doc(info), "__module__": "gnnrec"},
        )
    return out


MODEL_CLASSES = _generate()


def model_class(name: str):
    """The class of the registered model ``name`` (``"lightgcn"`` → ``gnnrec.LightGCN``)."""
    for cls in MODEL_CLASSES.values():
        if cls.name == name:
            return cls
    raise ValueError(
        f"unknown model `{name}`; known: {', '.join(c.name for c in MODEL_CLASSES.values())}"
    )
