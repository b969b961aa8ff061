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
    # The sources first: in a clone they are what was last edited (dist/ is
    # built once, by `npm ci`), and tsx is there when the dev tools are.
    tsx = repo / "node_modules" / "tsx" / "dist" / "loader.mjs"
    source = repo / "src" / "cli" / "main.ts"
    if tsx.is_file() and source.is_file():
        return [node, "--import", tsx.as_uri(), str(source)]
    built = repo / "dist" / "cli" / "main.js"
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
