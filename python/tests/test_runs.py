"""Python and the CLI on the same run directories: save → CLI eval, CLI train → Python load,
the same recipe and seed giving the same metrics either way, and tune's search."""

import json
import os

import numpy as np
import pytest

import gnnrec

from conftest import ROOT, cli_json, require_dataset, run_cli


def test_a_saved_model_is_a_run_the_cli_evaluates_and_recommends_from(small, cli, tmp_path):
    m = gnnrec.LightGCN(dim=16, epochs=2).fit(small, out=str(tmp_path / "fit"), progress=False)
    saved = m.save(str(tmp_path / "saved"))
    ev = cli_json(cli, "eval", "--run", saved, "--k", "10,20")
    py = m.evaluate(k=[10, 20])
    for key in ("recall@20", "ndcg@20", "precision@10", "hit@10"):
        assert ev["metrics"][key] == pytest.approx(py[key], abs=1e-12), key
    user = small.user_ids[3]
    top = cli_json(cli, "recommend", "--run", saved, "--user", str(user), "--k", "10")
    ids, _ = m.recommend(user, k=10)
    assert [str(x["item"]) for x in top["recommendations"]] == [str(i) for i in ids]
    with pytest.raises(FileExistsError):
        m.save(saved)


def test_a_cli_run_opens_in_python_with_the_same_answers(cli, tmp_path):
    out = str(tmp_path / "cli-itemknn")
    run_cli(cli, "train", "--model", "itemknn", "--dataset", "ml-latest-small", "--out", out, "--quiet")
    m = gnnrec.load(out)
    assert type(m) is gnnrec.ItemKNN and m.get_params()["neighbours"] == 50
    recorded = json.load(open(os.path.join(out, "metrics.json")))["metrics"]
    assert m.metrics == recorded
    # evaluate() reloads the run's dataset and scores exactly what the CLI recorded.
    assert m.evaluate(k=[10, 20])["recall@20"] == pytest.approx(recorded["recall@20"], abs=1e-12)
    top = cli_json(cli, "recommend", "--run", out, "--user", "1", "--k", "5")
    ids, scores = m.recommend(1, k=5)
    assert [str(x["item"]) for x in top["recommendations"]] == [str(i) for i in ids]
    assert np.allclose([x["score"] for x in top["recommendations"]], scores, rtol=1e-6)


@pytest.mark.parametrize(
    "recipe", ["pop-ml-latest-small", "lightgcn-ml-latest-small", "ease-ml-100k", "bias-ml-100k"]
)
def test_python_and_cli_give_identical_metrics_for_a_recipe(recipe, cli, tmp_path):
    path = os.path.join(ROOT, "recipes", recipe + ".toml")
    dataset = recipe.split("-", 1)[1]
    if dataset != "ml-latest-small":
        require_dataset(dataset)
    cli_out = str(tmp_path / "cli")
    run_cli(cli, "train", "--recipe", path, "--out", cli_out, "--quiet")
    py = gnnrec.train_recipe(path, out=str(tmp_path / "py"), progress=False)
    cli_metrics = json.load(open(os.path.join(cli_out, "metrics.json")))["metrics"]
    assert py.metrics == cli_metrics


def test_tune_chooses_on_validation_and_resumes(small, tmp_path):
    out = str(tmp_path / "tune")
    grid = {"neighbours": [5, 100]}
    df = gnnrec.tune(gnnrec.ItemKNN, small, grid, out=out, progress=False)
    assert len(df) == 2 and "validation recall@20" in df.columns
    best = gnnrec.load(df.attrs["best"])
    chosen = df.loc[df["validation recall@20"].idxmax(), "neighbours"]
    assert int(chosen) == best.get_params()["neighbours"]
    assert os.path.exists(os.path.join(out, "tune.json"))
    again = gnnrec.tune("itemknn", small, grid, out=out, progress=False)
    assert list(again["seconds"]) == list(df["seconds"]), "scored points are read back, not rerun"
