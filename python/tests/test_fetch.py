"""``gnnrec.datasets.fetch`` against a loopback mirror (no internet here): nothing is
downloaded until the license is accepted, then the dataset arrives and loads by name."""

import http.server
import os
import threading

import pytest

import gnnrec


def test_fetch_needs_the_license_then_the_dataset_loads(tmp_path):
    root = tmp_path / "mirror" / "raw.githubusercontent.com/gusye1234/LightGCN-PyTorch/master/data/amazon-book"
    root.mkdir(parents=True)
    (root / "train.txt").write_text("".join(f"{u} {u % 7} {(u + 2) % 7} {(u + 4) % 7}\n" for u in range(12)))
    (root / "test.txt").write_text("".join(f"{u} {(u + 1) % 7}\n" for u in range(12)))
    (root / "user_list.txt").write_text("org_id remap_id\n")
    (root / "item_list.txt").write_text("org_id remap_id\n")
    requests = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):
            super().__init__(*a, directory=str(tmp_path / "mirror"), **k)

        def log_message(self, *a):
            requests.append(self.path)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    mirror = f"http://127.0.0.1:{server.server_address[1]}"
    data_dir = str(tmp_path / "data")
    try:
        with pytest.raises(PermissionError, match="accept_license=True"):
            gnnrec.datasets.fetch("amazon-book", data_dir=data_dir, mirror=mirror)
        assert requests == [], "nothing is downloaded before the license is accepted"
        assert "amazon-book" in gnnrec.datasets.license("amazon-book")
        folder = gnnrec.datasets.fetch("amazon-book", data_dir=data_dir, mirror=mirror, accept_license=True)
        assert os.path.isfile(os.path.join(folder, "train.txt")) and len(requests) == 4
        data = gnnrec.datasets.load("amazon-book", data_dir=data_dir)
        assert data.n_users == 12
        with pytest.raises(ValueError, match="no dataset"):
            gnnrec.datasets.fetch("nope", data_dir=data_dir, accept_license=True)
    finally:
        server.shutdown()
