"""Shared by the Python tests: the demo MMAR (made once), config variants, process checks."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np

from voxelpipe import demo_mmar

REPO = Path(__file__).resolve().parents[2]
_root: Optional[str] = None


def mmar() -> str:
    """The small demo MMAR: $VOXELPIPE_TEST_MMAR (the Node test makes it) or made here once."""
    global _root
    if _root is None:
        _root = os.environ.get("VOXELPIPE_TEST_MMAR") or demo_mmar(tempfile.mkdtemp(prefix="voxelpipe-pytest-"))
    return _root


def demo_config(root: Optional[str] = None) -> str:
    """The demo's Clara config as written (it names a model, loss and optimizer, which voxelpipe ignores with a warning)."""
    return os.path.join(root or mmar(), "config", "config_train.json")


def config(root: Optional[str] = None) -> str:
    """The demo's config without the keys voxelpipe ignores (no warning)."""
    return variant("quiet", lambda c: None, root)


def variant(name: str, edit, root: Optional[str] = None) -> str:
    """A copy of the quiet config beside it, changed by ``edit(config_dict)``."""
    root = root or mmar()
    with open(demo_config(root)) as f:
        c = json.load(f)
    for k in ("loss", "optimizer", "model"):
        c["train"].pop(k, None)
    c["validate"].pop("metrics", None)
    edit(c)
    path = os.path.join(root, "config", f"config_{name}.json")
    with open(path, "w") as f:
        json.dump(c, f)
    return path


def no_cache(c: dict) -> None:
    """The training pipeline without Smart Cache."""
    ip = c["train"]["image_pipeline"]
    ip["name"] = "SegmentationImagePipeline"
    for k in ("num_cache_objects", "replace_percent"):
        ip["args"].pop(k, None)


def copy_mmar(dst: str) -> str:
    shutil.copytree(mmar(), dst)
    return dst


def digest(batch) -> Dict[str, str]:
    return {k: hashlib.sha256(np.ascontiguousarray(v).tobytes()).hexdigest() for k, v in batch.items() if k != "rows"}


def alive(pid: int) -> bool:
    """True while process ``pid`` runs (a zombie counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_gone(pid: int, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return not alive(pid)


def items_of(rows: List[dict]) -> List[int]:
    return [r["item"] for r in rows]
