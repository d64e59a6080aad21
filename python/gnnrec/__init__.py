"""gnnrec: graph recommenders from a Rust core — LightGCN, XSimGCL, SimGCL, BSPM, GF-CF,
ChebyCF, EASE^R, IRGNN, MF-BPR, item-KNN, a rating GCN — trained, evaluated with full ranking
and chosen on validation, exactly as the ``gnnrec`` command line does.

    >>> import gnnrec
    >>> data = gnnrec.datasets.load("ml-latest-small")
    >>> model = gnnrec.LightGCN(epochs=5).fit(data, progress=False)
    >>> ids, scores = model.recommend(data.user_ids[:3], k=10)
    >>> model.evaluate(k=[20])["recall@20"]

Models: one class per registered model (``gnnrec.MODEL_CLASSES``). Data:
``gnnrec.datasets`` and ``gnnrec.Dataset``. Runs: ``gnnrec.load``, ``gnnrec.resume``,
``gnnrec.tune``, ``gnnrec.recipes``, ``gnnrec.train_recipe``. Graphs: ``gnnrec.graph``.
Errors: ``FileNotFoundError`` (missing data), ``ValueError`` (bad settings or requests),
``gnnrec.DataError`` (data that cannot be read: file or column, line or row, reason).
"""

from . import datasets, graph
from ._gnnrec import DataError, __version__
from .datasets import Dataset
from .models import MODEL_CLASSES, Model, model_class
from .runs import load, recipes, resume, train_recipe, tune

globals().update(MODEL_CLASSES)


def models() -> list:
    """Every registered model: dicts with name, task, about, training, fold_in and keys
    (name, help, range, default) — what ``gnnrec models`` prints."""
    import json

    from . import _gnnrec

    return json.loads(_gnnrec.models_json())


__all__ = [
    "DataError",
    "Dataset",
    "MODEL_CLASSES",
    "Model",
    "__version__",
    "datasets",
    "graph",
    "load",
    "model_class",
    "models",
    "recipes",
    "resume",
    "train_recipe",
    "tune",
    *MODEL_CLASSES,
]
