"""`pip install ./python` gives a working package (installed with the system's setuptools: no network)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile
import unittest

from voxelpipe._launch import server_command

from .helpers import REPO, config, mmar


def _pip() -> bool:
    return subprocess.run([sys.executable, "-m", "pip", "--version"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


@unittest.skipUnless(_pip(), f"no pip for {sys.executable} (Debian: apt-get install python3-pip)")
class Install(unittest.TestCase):
    def test_the_installed_package_serves_batches(self):
        target = tempfile.mkdtemp(prefix="voxelpipe-pip-")
        build = tempfile.mkdtemp(prefix="voxelpipe-src-")
        # A copy of the package source, so that pip's build folders never land in the repository.
        subprocess.run(["cp", "-r", str(REPO / "python"), build], check=True)
        r = subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--no-build-isolation", "--no-deps", "--no-warn-script-location", "--target", target, os.path.join(build, "python")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PIP_ROOT_USER_ACTION": "ignore", "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
        )
        self.assertEqual(r.returncode, 0, r.stderr)
        code = f"""
import json, voxelpipe
from voxelpipe import Pipeline
with Pipeline({config()!r}, mmar={mmar()!r}, workers=0) as p:
    b = next(p.epoch(0))
    print(json.dumps({{"file": voxelpipe.__file__, "shape": list(b["image"].shape)}}))
"""
        # Outside a checkout the Node side is VOXELPIPE_BIN (or voxelpipe on PATH, or npx).
        env = {**os.environ, "PYTHONPATH": target, "VOXELPIPE_BIN": shlex.join(server_command())}
        r = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=target)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout.strip().splitlines()[-1])
        self.assertTrue(out["file"].startswith(target), out["file"])
        self.assertEqual(out["shape"], [4, 1, 16, 16, 16])


if __name__ == "__main__":
    unittest.main()
