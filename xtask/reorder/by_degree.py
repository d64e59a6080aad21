"""Renumbers a LightGCN-format dataset (train.txt, test.txt) by decreasing training degree,
users and items each in their own block: the node-order lever of issue 17, measured by
training on the renumbered copy (python3 by_degree.py SRC_DIR DST_DIR)."""
import sys, collections
src, dst = sys.argv[1], sys.argv[2]
import os
os.makedirs(dst, exist_ok=True)
rows = {}
for name in ("train.txt", "test.txt"):
    rows[name] = [list(map(int, l.split())) for l in open(os.path.join(src, name)) if l.strip()]
ud = collections.Counter(); idg = collections.Counter()
for r in rows["train.txt"]:
    ud[r[0]] += len(r) - 1
    for i in r[1:]:
        idg[i] += 1
users = sorted({r[0] for n in rows for r in rows[n]}, key=lambda u: (-ud[u], u))
items = sorted({i for n in rows for r in rows[n] for i in r[1:]}, key=lambda i: (-idg[i], i))
un = {u: k for k, u in enumerate(users)}; inn = {i: k for k, i in enumerate(items)}
for name in rows:
    out = sorted(([un[r[0]]] + [inn[i] for i in r[1:]] for r in rows[name]), key=lambda r: r[0])
    with open(os.path.join(dst, name), "w") as f:
        for r in out:
            f.write(" ".join(map(str, r)) + "\n")
