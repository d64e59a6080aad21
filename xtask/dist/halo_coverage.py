"""How many item rows a rank of a distributed LightGCN / MF-BPR reads each layer.

For a dataset in the LightGCN adjacency-list format (train.txt: `user item item ...`), cut
users and items into N contiguous blocks as `gnnrec train --distributed` does
(gnnrec_dist::Blocks), and print, for each N, the edges per item per shard, the mean share of
the items a rank's edges touch (its halo, as a fraction of I) and the mean and largest share
owned by other ranks (the rows it fetches and pushes each propagation).
docs/results.md ("Beyond one machine") uses these to check the measured bytes and to project
1B interactions. Assumes raw user and item ids are the indices 0..U-1 and 0..I-1 (true of
`gnnrec data synth` and of the LightGCN splits, whose id maps sort the same ids).

    python3 xtask/dist/halo_coverage.py DIR/train.txt N_ITEMS [N ...]
"""

import bisect
import sys


def blocks(n, ranks):
    base, extra = divmod(n, ranks)
    starts = [0]
    for r in range(ranks):
        starts.append(starts[-1] + base + (1 if r < extra else 0))
    return starts


def main():
    path, n_items = sys.argv[1], int(sys.argv[2])
    ranks_list = [int(x) for x in sys.argv[3:]] or [2, 4, 16, 64]
    rows = []
    for line in open(path):
        fields = line.split()
        if fields:
            rows.append((int(fields[0]), [int(x) for x in fields[1:]]))
    n_users = max(u for u, _ in rows) + 1
    edges = sum(len(items) for _, items in rows)
    for n in ranks_list:
        ub, ib = blocks(n_users, n), blocks(n_items, n)
        touched = [set() for _ in range(n)]
        for u, items in rows:
            touched[bisect.bisect_right(ub, u) - 1].update(items)
        remote = [
            sum(1 for i in touched[r] if not ib[r] <= i < ib[r + 1]) for r in range(n)
        ]
        print(
            f"N={n} edges/item/shard={edges / n / n_items:.2f} "
            f"halo/I mean={sum(len(t) for t in touched) / n / n_items:.3f} "
            f"remote/I mean={sum(remote) / n / n_items:.3f} max={max(remote) / n_items:.3f}"
        )


if __name__ == "__main__":
    main()
