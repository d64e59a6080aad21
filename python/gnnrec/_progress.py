"""Training progress for people: a tqdm bar per epoch where tqdm is installed (a plain line
otherwise) and every event on the ``gnnrec`` logger. The Rust side calls a ``Progress`` with
``(event, data)``: ``("start", (epoch, steps))``, ``("steps", n)``, ``("epoch", record)``,
``("message", text)``."""

from __future__ import annotations

import logging
import sys

logger = logging.getLogger("gnnrec")

try:  # pragma: no cover - depends on the environment
    from tqdm.auto import tqdm as _tqdm
except ImportError:  # pragma: no cover
    _tqdm = None


def describe(record: dict) -> str:
    """One line of an epoch's record: loss, seconds and the monitored metrics."""
    text = f"epoch {record['epoch']}: loss {record['loss']:.4f} ({record['seconds']:.1f} s)"
    for key, value in (record.get("metrics") or {}).items():
        text += f", {key} {value:.4f}"
    return text


class Progress:
    """The callable a training reports to. ``show=False`` only logs."""

    def __init__(self, show: bool = True):
        self.show = show
        self._bar = None
        self._steps = 0
        self._total = 0
        self._epoch = 0

    def __call__(self, event: str, data) -> None:
        if event == "start":
            self._epoch, self._total = data
            self._steps = 0
            if self.show and _tqdm is not None:
                self._bar = _tqdm(total=self._total, desc=f"epoch {self._epoch}", leave=False)
        elif event == "steps":
            self._steps += data
            if self._bar is not None:
                self._bar.update(data)
            elif self.show:
                sys.stderr.write(f"\repoch {self._epoch}: {self._steps}/{self._total} steps")
                sys.stderr.flush()
        elif event == "epoch":
            self.close()
            line = describe(data)
            logger.info(line)
            if self.show and _tqdm is None:
                sys.stderr.write("\r" + line + "\n")
        elif event == "message":
            logger.info(data)

    def close(self) -> None:
        """Closes the bar of the current epoch, if any."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
