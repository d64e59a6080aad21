"""Renumbers a LightGCN-format dataset by scipy's reverse Cuthill-McKee order of its
symmetric user-item graph, users and items each kept in their block in that order: the RCM
lever of issue 17 (python rcm.py SRC_DIR DST_DIR; needs numpy and scipy)."""
import sys, os, numpy as np, scipy.sparse as sp
from scipy.sparse.csgraph import reverse_cuthill_mckee
src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst, exist_ok=True)
rows = {n: [list(map(int, l.split())) for l in open(os.path.join(src, n)) if l.strip()] for n in ("train.txt", "test.txt")}
nu = 1 + max(r[0] for n in rows for r in rows[n])
ni = 1 + max(i for n in rows for r in rows[n] for i in r[1:])
u = np.array([r[0] for r in rows["train.txt"] for _ in r[1:]]); i = np.array([x for r in rows["train.txt"] for x in r[1:]])
n = nu + ni
a = sp.coo_matrix((np.ones(len(u)), (u, i + nu)), shape=(n, n)).tocsr()
a = (a + a.T).tocsr()
perm = reverse_cuthill_mckee(a, symmetric_mode=True)  # new -> old
# users and items keep their blocks: order each block by its position in the RCM order
pos = np.empty(n, dtype=np.int64); pos[perm] = np.arange(n)
uorder = np.argsort(pos[:nu], kind="stable"); iorder = np.argsort(pos[nu:], kind="stable")
un = np.empty(nu, dtype=np.int64); un[uorder] = np.arange(nu)
inn = np.empty(ni, dtype=np.int64); inn[iorder] = np.arange(ni)
for name in rows:
    out = sorted(([int(un[r[0]])] + [int(inn[x]) for x in r[1:]] for r in rows[name]), key=lambda r: r[0])
    with open(os.path.join(dst, name), "w") as f:
        for r in out: f.write(" ".join(map(str, r)) + "\n")
