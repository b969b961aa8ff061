"""Finding the command that starts voxelpipe's Node side."""

from __future__ import annotations

import json
import os
import shlex
import shutil
from pathlib import Path
from typing import List, Optional, Sequence, Union

from .errors import VoxelpipeError

Command = Union[str, Sequence[str]]


def _newest_mtime(folder: Path) -> float:
    newest = 0.0
    for dirpath, _, names in os.walk(folder):
        for n in names:
            try:
                newest = max(newest, os.stat(os.path.join(dirpath, n)).st_mtime)
            except OSError:
                pass
    return newest


def _checkout_command() -> Optional[List[str]]:
    """The voxelpipe of the repository this package sits in (``PYTHONPATH=python`` in a clone)."""
    repo = Path(__file__).resolve().parent.parent.parent
    try:
        if json.loads((repo / "package.json").read_text()).get("name") != "voxelpipe":
            return None
    except (OSError, ValueError):
        return None
    node = shutil.which("node")
    if node is None:
        return None
    # dist/ when it was built from the sources as they are (`npm ci` builds
    # it); the sources through tsx when they were edited since.
    built = repo / "dist" / "cli" / "main.js"
    tsx = repo / "node_modules" / "tsx" / "dist" / "loader.mjs"
    source = repo / "src" / "cli" / "main.ts"
    fresh = built.is_file() and (not source.is_file() or built.stat().st_mtime >= _newest_mtime(repo / "src"))
    if fresh:
        return [node, str(built)]
    if tsx.is_file() and source.is_file():
        return [node, "--import", tsx.as_uri(), str(source)]
    if built.is_file():
        return [node, str(built)]
    return None


def server_command(command: Optional[Command] = None) -> List[str]:
    """The voxelpipe command line, first found of: ``command``, ``$VOXELPIPE_BIN``,
    the checkout this package is in, ``voxelpipe`` on PATH, ``npx --no-install voxelpipe``.

    ``command`` and ``VOXELPIPE_BIN`` may hold several words
    (``"node --import tsx /src/voxelpipe/src/cli/main.ts"``).
    """
    if command is not None:
        return shlex.split(command) if isinstance(command, str) else list(command)
    env = os.environ.get("VOXELPIPE_BIN", "").strip()
    if env:
        return shlex.split(env)
    found = _checkout_command()
    if found:
        return found
    on_path = shutil.which("voxelpipe")
    if on_path:
        return [on_path]
    npx = shutil.which("npx")
    if npx:
        return [npx, "--no-install", "voxelpipe"]
    raise VoxelpipeError(
        "ERR_MISSING_DEPENDENCY",
        "voxelpipe's Node side was not found (no VOXELPIPE_BIN, no voxelpipe on PATH, no npx): "
        "install it with \"npm install voxelpipe\" (Node.js >= 20) or set VOXELPIPE_BIN to its command",
    )
