"""The package's API on the bundled data: models from the registry, data in and out,
questions to a fitted model, and the errors each bad input raises."""

import json
import os

import numpy as np
import pandas as pd
import polars as pl
import pytest
import scipy.sparse as sp

import gnnrec


def test_every_registered_model_has_a_class_with_the_registry_keys():
    names = {m["name"] for m in gnnrec.models()}
    assert names == {c.name for c in gnnrec.MODEL_CLASSES.values()}
    for m in gnnrec.models():
        cls = gnnrec.model_class(m["name"])
        params = cls().get_params()
        assert set(params) >= {k["name"] for k in m["keys"]}
        for k in m["keys"]:
            assert k["name"] in cls.__doc__ and k["help"] in cls.__doc__
    assert gnnrec.LightGCN().get_params()["layers"] == 3


def test_wrong_keys_and_values_name_what_is_valid():
    with pytest.raises(TypeError, match=r"'dimm'.*valid: .*\bdim\b"):
        gnnrec.LightGCN(dimm=8)
    with pytest.raises(ValueError, match="lr"):
        gnnrec.LightGCN(lr=-1.0)
    with pytest.raises(ValueError, match="schedule"):
        gnnrec.LightGCN(schedule="sideways")
    with pytest.raises(ValueError, match="unknown model"):
        gnnrec.model_class("nope")


def test_dataset_parts_and_id_maps(small):
    assert (small.n_users, small.n_items) == (610, 9724)
    train, test = small.train_csr(), small.test_csr()
    assert train.shape == (610, 9724) and train.nnz + test.nnz == 100836
    assert train.multiply(test).nnz == 0, "train and test share no pair"
    df = small.train_df()
    assert len(df) == train.nnz and set(df.columns) >= {"user", "item", "rating", "time"}
    u = small.user_ids[5]
    assert small.user_index(u) == 5
    assert small.item_ids[small.item_index(small.item_ids[7])] == small.item_ids[7]
    with pytest.raises(KeyError):
        small.user_index(10**9)


def test_from_pandas_polars_and_scipy_agree():
    df = pd.DataFrame(
        {"u": [3, 1, 1, 2, 2, 3] * 5, "i": ["a", "b", "c", "a", "d", "e"] * 5, "r": [5.0, 3, 4, 2, 1, 5] * 5}
    )
    d1 = gnnrec.Dataset.from_pandas(df, user="u", item="i", rating="r")
    assert d1.notes and d1.n_users == 3 and d1.n_items == 5
    d2 = gnnrec.Dataset.from_polars(pl.DataFrame(df.to_dict("list")), user="u", item="i", rating="r")
    assert np.array_equal(d1.user_ids, d2.user_ids) and list(d1.item_ids) == list(d2.item_ids)
    m = sp.random(30, 40, density=0.2, format="csr", random_state=0)
    d3 = gnnrec.Dataset.from_scipy(m)
    total = d3.train_csr().nnz + d3.test_csr().nnz
    assert total == m.nnz


def test_bad_dataframes_raise_clear_errors():
    df = pd.DataFrame({"user": [1, 2], "item": [1, 2]})
    with pytest.raises(ValueError, match="no column 'rating'"):
        gnnrec.Dataset.from_pandas(df, rating="rating")
    nan_ids = pd.DataFrame({"user": [1.0, float("nan")], "item": [1, 2]})
    with pytest.raises(ValueError, match=r"column `user`, row 1"):
        gnnrec.Dataset.from_pandas(nan_ids)
    none_ids = pd.DataFrame({"user": ["a", None], "item": [1, 2]})
    with pytest.raises(ValueError, match=r"column `user`, row 1: the id is missing"):
        gnnrec.Dataset.from_pandas(none_ids)
    with pytest.raises(gnnrec.DataError, match="empty"):
        gnnrec.Dataset.from_pandas(pd.DataFrame({"user": [], "item": []}))
    bad_rating = pd.DataFrame({"user": [1, 2], "item": [1, 2], "r": [1.0, float("inf")]})
    with pytest.raises(gnnrec.DataError, match=r"column `r`, row 1"):
        gnnrec.Dataset.from_pandas(bad_rating, rating="r")
    with pytest.raises(ValueError, match="row 1"):
        gnnrec.Dataset.from_polars(pl.DataFrame({"user": [1, None], "item": [1, 2]}))


def test_missing_and_unknown_datasets(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        gnnrec.datasets.load("ml-100k", data_dir=str(tmp_path))
    with pytest.raises(ValueError, match="unknown dataset"):
        gnnrec.datasets.load("ml-100kk")
    with pytest.raises(ValueError, match="official splits|split"):
        gnnrec.datasets.load("ml-latest-small", split="u9")


def test_questions_to_a_fitted_model(small, tmp_path):
    m = gnnrec.ItemKNN(neighbours=50).fit(small, out=str(tmp_path / "knn"), progress=False)
    users = small.user_ids[:4]
    ids, scores = m.recommend(users, k=10)
    assert ids.shape == scores.shape == (4, 10)
    assert np.all(np.diff(scores, axis=1) <= 0), "best first"
    train = small.train_csr()
    for r, u in enumerate(users):
        seen = set(small.item_ids[train[small.user_index(u)].indices])
        assert not seen & set(ids[r]), "training items are excluded"
    # One user: one row; candidates restrict the ranking.
    one_ids, _ = m.recommend(users[0], k=3, items=small.item_ids[:50], exclude_seen=False)
    assert one_ids.shape == (3,) and set(one_ids) <= set(small.item_ids[:50])
    # Fewer candidates than K: padded with -1 and NaN.
    few, few_scores = m.recommend(users[0], k=5, items=small.item_ids[:2], exclude_seen=False)
    assert list(few[2:]) == [-1, -1, -1] and np.isnan(few_scores[2:]).all()
    # Fold-in of a trained user's history equals recommending the user (item-KNN folds in
    # natively).
    u0 = small.user_index(users[0])
    history = small.item_ids[train[u0].indices]
    h_ids, h_scores = m.recommend_for_history(history, k=10)
    assert np.array_equal(h_ids, ids[0]) and np.allclose(h_scores, scores[0], rtol=1e-5)
    sim, _ = m.similar_items(small.item_ids[0], k=5)
    assert small.item_ids[0] not in sim and len(sim) == 5
    ev = m.evaluate(k=[20])
    assert ev["recall@20"] == pytest.approx(m.metrics["recall@20"], abs=1e-12)
    with pytest.raises(ValueError, match="not in run"):
        m.recommend([10**9])
    with pytest.raises(ValueError, match="k must be positive"):
        m.recommend(users, k=0)
    with pytest.raises(ValueError, match="predicts no ratings"):
        m.predict(users[:1], small.item_ids[:1])


def test_embeddings_history_and_rating_models(small, tmp_path):
    lgn = gnnrec.LightGCN(dim=16, epochs=2).fit(small, out=str(tmp_path / "l"), progress=False)
    assert lgn.user_embeddings.shape == (610, 16) and lgn.item_embeddings.shape == (9724, 16)
    assert list(lgn.history["epoch"]) == [1, 2]
    # Views of the weights the fitted model holds: no copy on later calls, read-only.
    again = lgn.user_embeddings
    assert np.shares_memory(again, lgn.weights()["user_embedding"])
    assert not again.flags.writeable
    with pytest.raises(ValueError):
        again[0, 0] = 1.0
    # n_threads: the run records the pool it trained on.
    one = gnnrec.MF(dim=8, epochs=1).fit(small, out=str(tmp_path / "t1"), n_threads=1, progress=False)
    assert json.load(open(os.path.join(one.path, "config.json")))["threads"] == 1
    with pytest.raises(ValueError, match="cannot score item histories|fold"):
        gnnrec.GCN(epochs=1).fit(small, out=str(tmp_path / "g"), progress=False).similar_items(1)
    bias = gnnrec.Biases().fit(small, out=str(tmp_path / "b"), progress=False)
    p = bias.predict(small.user_ids[:3], small.item_ids[:3])
    assert p.shape == (3,) and np.all((p >= 0.5) & (p <= 5.0))
    assert "rmse" in bias.evaluate()


def test_graphs_as_scipy(small):
    a = gnnrec.graph.user_item(small)
    n = small.n_users + small.n_items
    assert a.shape == (n, n) and (a - a.T).nnz == 0 and a.nnz == 2 * small.train_csr().nnz
    g = gnnrec.graph.item_item(small, weight="count")
    x = (small.train_csr() > 0).astype(np.float32)
    co = (x.T @ x).tocsr()
    co.setdiag(0)
    co.eliminate_zeros()
    assert g.shape == co.shape and abs(g - co).max() < 1e-4
    # Time-weighted: pairs far apart in time decay to nothing and are dropped.
    decay = gnnrec.graph.item_item(small, weight="decay", tau_days=7)
    assert 0 < decay.nnz <= co.nnz and decay.max() <= g.max()


def test_recipes_are_listed():
    rs = gnnrec.recipes()
    assert any(r["model"] == "ease" and r["dataset"] == "ml-100k" for r in rs)
