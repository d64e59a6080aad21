"""Runs: open any run directory (``load``), continue an interrupted training (``resume``),
the recipes of the published results (``recipes``, ``train_recipe``) and the grid search on
a validation carve-out (``tune``, resumable as in the CLI)."""

from __future__ import annotations

import json
import os
from typing import Optional

from . import _gnnrec
from ._progress import Progress
from .datasets import Dataset
from .models import Model, model_class

__all__ = ["load", "resume", "recipes", "train_recipe", "tune"]


def _model_of(fitted) -> Model:
    settings = json.loads(fitted.settings_json)
    cls = model_class(fitted.model)
    model = cls.__new__(cls)
    model._settings = settings
    model._given = {}
    model._attach(fitted)
    return model


def load(path: str) -> Model:
    """Opens a run directory (one the CLI's ``gnnrec train`` or ``Model.save`` wrote) as a
    model of its class, from its files alone: recommend, fold in and inspect it at once;
    ``evaluate()`` reloads its dataset when asked."""
    return _model_of(_gnnrec.Fitted.open(path))


def resume(path: str, epochs: Optional[int] = None, progress: bool = True) -> Model:
    """Continues the interrupted (or finished) run at ``path`` from its last checkpoint, with
    its settings, seed and split (``epochs`` may extend it); ends with the weights an
    uninterrupted run would have."""
    bar = Progress(progress)
    try:
        return _model_of(_gnnrec.resume(path, epochs, bar))
    finally:
        bar.close()


def _recipes_dir(dir: Optional[str]) -> str:
    if dir is not None:
        return dir
    env = os.environ.get("GNNREC_RECIPES")
    if env:
        return env
    built = os.path.normpath(str(_gnnrec.built_recipes_dir()))
    return built if os.path.isdir(built) else "recipes"


def recipes(dir: Optional[str] = None) -> list:
    """Every recipe (the published results' configurations) as dicts: path, model, dataset,
    split, seed, monitor, config, published metrics. ``dir`` defaults to ``$GNNREC_RECIPES``,
    else the source tree's ``recipes/``."""
    return json.loads(_gnnrec.recipes_json(_recipes_dir(dir)))


def train_recipe(
    path: str,
    out: Optional[str] = None,
    data_dir: Optional[str] = None,
    n_threads: Optional[int] = None,
    progress: bool = True,
) -> Model:
    """Trains a recipe (a path, or a recipe's file name such as ``"ease-ml-100k"``) exactly as
    ``gnnrec train --recipe`` does — the same metrics for the same seed."""
    if not os.path.exists(path):
        candidate = os.path.join(_recipes_dir(None), path if path.endswith(".toml") else path + ".toml")
        if os.path.exists(candidate):
            path = candidate
    bar = Progress(progress)
    try:
        return _model_of(_gnnrec.train_recipe(path, out, data_dir, bar, n_threads))
    finally:
        bar.close()


def tune(
    model,
    dataset: Dataset,
    grid: dict,
    valid_split: str = "per-user",
    valid_fraction: float = 0.1,
    out: Optional[str] = None,
    seed: int = 42,
    n_threads: Optional[int] = None,
    progress: bool = True,
):
    """Searches ``grid`` (setting → list of values) for ``model`` (a class, an instance or a
    name) on a validation carve-out of ``dataset``'s training split, never its test split;
    ``out/tune.json`` is written after every point, so a rerun with the same ``out``
    resumes. The best point is retrained on all of train (``out/best``).

    Returns a pandas DataFrame, one row per point, with the validation metric; its
    ``attrs["best"]`` is the run directory of the retrained best model (scored once on test:
    ``gnnrec.load(df.attrs["best"])``)."""
    name = model if isinstance(model, str) else model.name
    if isinstance(model, Model) and model._given:
        fixed = {k: [v] for k, v in model._given.items() if k not in grid}
        grid = {**fixed, **grid}
    lists = [(k, [_text(v) for v in (vs if isinstance(vs, (list, tuple)) else [vs])]) for k, vs in grid.items()]
    bar = Progress(progress)
    rows_json, metric, fitted = _gnnrec.tune(
        name, lists, dataset._inner, out, seed, valid_fraction, valid_split, bar, n_threads
    )
    rows = json.loads(rows_json)
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover
        return rows
    df = pd.DataFrame(rows)
    df.attrs["best"] = str(fitted.path)
    df.attrs["metric"] = f"validation {metric}"
    return df


def _text(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)
