"""Shared fixtures of the Python package's tests: the CLI binary built beside the package,
the datasets (a test that needs an absent one fails under CI=true and is skipped, visibly,
elsewhere) and small helpers."""

import json
import os
import subprocess
import sys

import pytest

import gnnrec

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def require_dataset(name: str) -> None:
    """Fails under CI=true, skips elsewhere, when dataset ``name`` is not in the data dir."""
    folder = {d["name"]: d["folder"] for d in gnnrec.datasets.known()}[name]
    path = os.path.join(gnnrec.datasets.data_dir(), folder)
    if name == "ml-latest-small" or os.path.isdir(path):
        return
    message = f"dataset {name} is not in {path}"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI=true: every dataset must be present)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def cli() -> str:
    """The `gnnrec` binary of the same source tree ($GNNREC_BIN, else target/release)."""
    path = os.environ.get("GNNREC_BIN") or os.path.join(ROOT, "target", "release", "gnnrec")
    if not os.path.exists(path):
        message = f"the gnnrec binary is not at {path}: cargo build --release -p gnnrec"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def run_cli(cli: str, *args: str, cwd=None) -> str:
    """Runs the CLI and returns its stdout; fails the test with its stderr."""
    p = subprocess.run([cli, *args], capture_output=True, text=True, cwd=cwd)
    assert p.returncode == 0, f"gnnrec {' '.join(args)} failed:\n{p.stderr}"
    return p.stdout


def cli_json(cli: str, *args: str, cwd=None):
    """Runs the CLI with --json and parses what it printed."""
    return json.loads(run_cli(cli, *args, "--json", cwd=cwd))


@pytest.fixture(scope="session")
def small():
    """MovieLens latest-small, bundled."""
    return gnnrec.datasets.load("ml-latest-small")


PYTHON = sys.executable
