"""PyTorch Geometric's LightGCN step at the paper's settings on gowalla, timed for `cargo xtask
bench --pyg PYTHON` (not run by CI: it needs torch and torch_geometric).

The same work as gnnrec's `lightgcn_gowalla/step_batch_2048` bench: the normalised user-item
adjacency as a sparse CSR tensor built once (`--layout edge_index`: PyG's default message passing), dim 64, 3 layers, a batch of 2,048 (user, positive, uniform
negative) triples, BPR loss with L2 1e-4 on the batch's ego embeddings, Adam lr 0.001. It times
`--steps` steps after `--warmup` and prints one JSON object: seconds per step (mean and best),
the epoch they imply (x ceil(train / batch) steps), peak RSS, versions and thread count.
`--device cuda` runs the same step on a GPU (each timed step ends with a synchronisation).
"""

import argparse
import json
import math
import os
import resource
import time

import torch
import torch_geometric
from torch_geometric.nn.models import LightGCN
from torch_geometric.utils import to_torch_csr_tensor


def read_lightgcn_file(path):
    users, items = [], []
    with open(path) as f:
        for line in f:
            ids = line.split()
            if len(ids) < 2:
                continue
            u = int(ids[0])
            for i in ids[1:]:
                users.append(u)
                items.append(int(i))
    return torch.tensor(users), torch.tensor(items)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", required=True, help="folder with gowalla's train.txt")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=2048)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--device", default="cpu", help="torch device: cpu (default) or cuda")
    ap.add_argument("--layout", choices=["csr", "edge_index"], default="csr",
                    help="csr: normalised sparse adjacency built once (default); "
                         "edge_index: PyG's default message passing")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    users, items = read_lightgcn_file(os.path.join(args.data, "train.txt"))
    n_users, n_items = int(users.max()) + 1, int(items.max()) + 1
    n = n_users + n_items
    src = torch.cat([users, items + n_users])
    dst = torch.cat([items + n_users, users])
    edge_index = torch.stack([src, dst])
    model = LightGCN(num_nodes=n, embedding_dim=64, num_layers=3)
    if args.layout == "csr":
        # The normalised adjacency computed once, as a torch CSR tensor (the layers' own
        # normalisation, recomputed every call, switched off): PyG's fastest CPU path.
        deg = torch.bincount(src, minlength=n).float()
        w = deg[src].rsqrt() * deg[dst].rsqrt()
        adj = to_torch_csr_tensor(edge_index, w, size=(n, n))
        for conv in model.convs:
            conv.normalize = False
    else:
        # PyG's default: an edge_index, normalised by each layer on every call.
        adj = edge_index
    dev = torch.device(args.device)
    model, adj, users, items = model.to(dev), adj.to(dev), users.to(dev), items.to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=0.001)

    def sync():
        if dev.type == "cuda":
            torch.cuda.synchronize()

    def step():
        k = torch.randint(0, users.numel(), (args.batch,), device=dev)
        u, p = users[k], items[k] + n_users
        q = torch.randint(0, n_items, (args.batch,), device=dev) + n_users
        emb = model.get_embedding(adj)
        pos = (emb[u] * emb[p]).sum(-1)
        neg = (emb[u] * emb[q]).sum(-1)
        ids = torch.cat([u, p, q])
        loss = model.recommendation_loss(pos, neg, node_id=ids, lambda_reg=1e-4)
        opt.zero_grad()
        loss.backward()
        opt.step()

    for _ in range(args.warmup):
        step()
    sync()
    times = []
    for _ in range(args.steps):
        t0 = time.perf_counter()
        step()
        sync()
        times.append(time.perf_counter() - t0)
    mean = sum(times) / len(times)
    steps_per_epoch = math.ceil(users.numel() / args.batch)
    print(json.dumps({
        "step_seconds": mean,
        "best_step_seconds": min(times),
        "steps_timed": args.steps,
        "epoch_seconds": mean * steps_per_epoch,
        "steps_per_epoch": steps_per_epoch,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "threads": args.threads,
        "torch": torch.__version__,
        "torch_geometric": torch_geometric.__version__,
        "nodes": n,
        "train": users.numel(),
        "layout": args.layout,
        "device": str(dev) if dev.type == "cpu" else torch.cuda.get_device_name(dev),
    }))


if __name__ == "__main__":
    main()
