"""The demo MMAR (synthetic CT-like volumes, a Clara spleen config), made by ``voxelpipe demo``."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from typing import Optional, Union

from ._launch import Command, server_command
from .errors import VoxelpipeError

__all__ = ["demo_mmar"]


def demo_mmar(out: Optional[Union[str, os.PathLike]] = None, *, size: str = "small", seed: int = 0, command: Optional[Command] = None) -> str:
    """Writes the demo MMAR to ``out`` (default: a new temporary folder) and returns its root.

    ``size`` is ``"small"`` (5 volumes 48x48x24..28, seconds) or ``"full"``
    (10 volumes 192x192x64..80). Its Clara config is ``<root>/config/config_train.json``.
    """
    root = os.path.abspath(os.fspath(out)) if out is not None else tempfile.mkdtemp(prefix="voxelpipe-demo-")
    cmd = [*server_command(command), "demo", "--out", root, "--size", size, "--seed", str(int(seed)), "--json", "--no-progress"]
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        last = r.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["(no message)"]
        raise VoxelpipeError("ERR_SERVER_DIED", f"voxelpipe demo exited with code {r.returncode}: {last[0]}")
    return json.loads(r.stdout.decode().strip().splitlines()[-1])["out"]
