# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The client's notebook, done right, with gnnrec
#
# The notebook gnnrec exists for: a GCN rating regression on MovieLens latest-small with a
# layers × hidden-size grid and side features, LightGCN, an item–item co-occurrence graph on
# ml-100k feeding IRGNN, and Last.fm with time-weighted edges. Here every setting is chosen
# on a validation carve-out of the training split (never on test), every model is scored once
# on test with full ranking (each user's training items excluded), and every number is the
# one the command line gives for the same recipe and seed.
#
# Open it with `jupytext --to ipynb examples/notebooks/gnnrec_tour.py` (or run it as a
# script: CI does, headless, and checks its metrics against the recipes' numbers). It needs
# `pip install './python[notebook]'` and `GNNREC_DATA` pointing at the datasets (ml-100k,
# lastfm, lastfm-hetrec; ml-latest-small is bundled).

# %%
import os
import sys
import time

import matplotlib

if "ipykernel" not in sys.modules:  # run as a script (CI): draw to files only
    matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import gnnrec

OUT = os.environ.get("GNNREC_NOTEBOOK_OUT", "runs/notebook")
os.makedirs(OUT, exist_ok=True)
PLOTS = os.environ.get("GNNREC_NOTEBOOK_PLOTS", OUT)
results = []  # (part, model, dataset, metric, ours, recipe's number, published elsewhere)
recipes = {os.path.basename(r["path"])[:-5]: r for r in gnnrec.recipes()}
started = time.time()


def show(fig, name):
    fig.savefig(os.path.join(PLOTS, name + ".png"), dpi=80, bbox_inches="tight")
    plt.show()


def record(part, recipe, model, metrics):
    print(f"[{time.time() - started:.0f} s] {recipe} trained")
    r = recipes[recipe]
    for key, value in r["published"].items():
        if isinstance(value, (int, float)):
            results.append(
                dict(part=part, model=r["model"], dataset=r["dataset"], metric=key,
                     ours=metrics[key], recipe=value, reference=r["published"].get("reference", ""))
            )


# %% [markdown]
# ## 1. GCN rating regression with side features, the grid chosen on validation
#
# The original notebook picked layers × hidden on the test set. `gnnrec.tune` carves 10% of
# the training interactions out for validation, trains every grid point on the rest, and
# retrains the best on all of train; `tune.json` is written after every point (a rerun
# resumes).

# %%
small = gnnrec.datasets.load("ml-latest-small")
print(small)
grid = gnnrec.tune(
    gnnrec.GCN(features="item", epochs=10, patience=0),
    small,
    {"layers": [1, 2], "hidden": [32, 64]},
    valid_split="random",
    out=os.path.join(OUT, "gcn-grid"),
    progress=False,
)
grid

# %%
table = grid.pivot(index="layers", columns="hidden", values="validation rmse").astype(float)
fig, ax = plt.subplots(figsize=(4, 3))
im = ax.imshow(table.values, cmap="viridis_r")
ax.set_xticks(range(len(table.columns)), table.columns)
ax.set_yticks(range(len(table.index)), table.index)
ax.set_xlabel("hidden")
ax.set_ylabel("layers")
ax.set_title("validation RMSE (lower is better)")
for (i, j), v in np.ndenumerate(table.values):
    ax.text(j, i, f"{v:.3f}", ha="center", va="center", bbox=dict(facecolor="white", alpha=0.8))
show(fig, "gcn-grid")

# %% [markdown]
# The committed recipe is the result of the full search (docs/tuning/): one layer, 64 hidden,
# item features, 60 epochs. Trained from Python it gives the recipe's numbers exactly.

# %%
gcn = gnnrec.train_recipe("gcn-ml-latest-small", out=os.path.join(OUT, "gcn"), progress=False)
record("1. GCN ratings", "gcn-ml-latest-small", gcn, gcn.metrics)
print({k: round(gcn.metrics[k], 4) for k in ("rmse", "mae")})
pairs = small.test_df().head(5)
pairs.assign(predicted=gcn.predict(pairs["user"].to_numpy(), pairs["item"].to_numpy()))

# %% [markdown]
# ## 2. LightGCN on latest-small

# %%
lgn = gnnrec.train_recipe("lightgcn-ml-latest-small", out=os.path.join(OUT, "lightgcn"), progress=False)
record("2. LightGCN", "lightgcn-ml-latest-small", lgn, lgn.metrics)
curve = lgn.history
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(curve["epoch"], curve["loss"])
ax.set_xlabel("epoch")
ax.set_ylabel("BPR loss")
ax.set_title("LightGCN on ml-latest-small")
show(fig, "lightgcn-curve")
ids, scores = lgn.recommend(small.user_ids[0], k=5)
titles = small.item_titles
pd.DataFrame({"item": ids, "title": [titles[small.item_index(i)] for i in ids], "score": scores})

# %% [markdown]
# ## 3. The item–item co-occurrence graph of ml-100k, time-weighted, feeding IRGNN
#
# Co-occurrences close in time weigh more under the `decay` weight (scale τ days). The
# graph comes from the training split only (u1), so no test interaction leaks into it.

# %%
ml100k = gnnrec.datasets.load("ml-100k", split="u1")
cosine = gnnrec.graph.item_item(ml100k, weight="cosine")
decay = gnnrec.graph.item_item(ml100k, weight="decay", tau_days=7)
fig, ax = plt.subplots(figsize=(5, 3))
ax.hist(np.diff(cosine.indptr), bins=50, alpha=0.6, label="cosine")
ax.hist(np.diff(decay.indptr), bins=50, alpha=0.6, label="decay, τ = 7 days")
ax.set_xlabel("neighbours per item")
ax.set_ylabel("items")
ax.legend()
show(fig, "item-graph-degrees")
print(f"{cosine.nnz} cosine edges, {decay.nnz} decay edges (pairs decayed to zero dropped)")

# %%
irgnn = gnnrec.train_recipe("irgnn-ml-100k", out=os.path.join(OUT, "irgnn"), progress=False)
record("3. IRGNN", "irgnn-ml-100k", irgnn, irgnn.metrics)
irgnn_decay = gnnrec.IRGNN(**{**irgnn.get_params(), "item_graph": "decay", "tau": 7.0}).fit(
    ml100k, out=os.path.join(OUT, "irgnn-decay"), progress=False
)
pd.DataFrame(
    [
        {"graph": "cosine", **{k: irgnn.metrics[k] for k in ("recall@20", "ndcg@20")}},
        {"graph": "decay τ=7", **{k: irgnn_decay.metrics[k] for k in ("recall@20", "ndcg@20")}},
    ]
)

# %% [markdown]
# ## 4. Last.fm: time-weighted edges on the raw HetRec data, and the LightGCN split

# %%
hetrec = gnnrec.train_recipe("irgnn-lastfm-hetrec-decay-tau7", out=os.path.join(OUT, "lastfm-hetrec"), progress=False)
record("4. Last.fm (HetRec, time-weighted)", "irgnn-lastfm-hetrec-decay-tau7", hetrec, hetrec.metrics)
lastfm = gnnrec.train_recipe("lightgcn-lastfm", out=os.path.join(OUT, "lastfm"), progress=False)
record("4. Last.fm (LightGCN split)", "lightgcn-lastfm", lastfm, lastfm.metrics)

# %% [markdown]
# ## The table: ours against the recipes' numbers and the published ones

# %%
summary = pd.DataFrame(results)
summary["ours"] = summary["ours"].round(4)
summary

# %%
fig, ax = plt.subplots(figsize=(7, 3))
ranking = summary[summary.metric == "recall@20"]
ax.barh(ranking["dataset"] + " " + ranking["model"], ranking["ours"])
ax.set_xlabel("recall@20 on test (chosen on validation)")
show(fig, "summary")

# %% [markdown]
# Every number above is what `gnnrec train --recipe recipes/<name>.toml` prints for the same
# seed today (the package's tests check Python and the CLI agree exactly). The recipes' numbers
# were measured when each recipe was committed (docs/results.md names the commit); code changes
# since can move the last digits (the GCN's RMSE by 0.0005 here), so the check below allows
# 0.001 and fails the notebook (and CI) beyond it.

# %%
summary["diff"] = (summary["ours"] - summary["recipe"]).round(4)
print(summary[["model", "dataset", "metric", "ours", "recipe", "diff"]].to_string(index=False))
drift = summary[summary["diff"].abs() > 1e-3]
assert drift.empty, f"metrics drifted from the recipes:\n{drift}"
print(f"all {len(summary)} metrics match their recipes; {time.time() - started:.0f} s in all")
