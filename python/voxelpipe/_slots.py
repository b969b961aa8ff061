"""The client's view of the server's slot files: one ``mmap`` per slot,
mapped once and grown when a batch needs more, and numpy arrays made on it
without a copy (docs/python.md gives the file layout)."""

from __future__ import annotations

import json
import mmap
import os
import re
import shutil
from typing import Any, Dict, List, Optional

import numpy as np

from .errors import VoxelpipeError

MAGIC = b"VXPSLOT1"
# The folder the server makes (slots.ts: voxelpipe-<pid>-<mkdtemp suffix>); nothing else is ever removed.
_DIR_NAME = re.compile(r"^voxelpipe-\d+-[A-Za-z0-9]{6}$")

DTYPES = {name: np.dtype(name) for name in ("uint8", "int8", "int16", "uint16", "int32", "uint32", "float32", "float64")}


class Slots:
    def __init__(self, directory: str, count: int):
        if not _DIR_NAME.match(os.path.basename(directory)):
            raise VoxelpipeError("ERR_PROTOCOL", f"bridge: the server named {directory!r} as its slot folder, expected .../voxelpipe-<pid>-<suffix>")
        self.dir = directory
        self.maps: List[Optional[mmap.mmap]] = [None] * count

    def path(self, slot: int) -> str:
        return os.path.join(self.dir, f"slot-{slot}")

    def _map(self, slot: int, size: int) -> mmap.mmap:
        m = self.maps[slot]
        if m is not None and len(m) >= size:
            return m
        fd = os.open(self.path(slot), os.O_RDWR)
        try:
            # Writable and shared: arrays on it are ordinary writable arrays
            # (torch.from_numpy accepts them without a warning).
            m = mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        finally:
            os.close(fd)
        old, self.maps[slot] = self.maps[slot], m
        if old is not None:
            _close_map(old)
        return m

    def arrays(self, msg: Dict[str, Any]) -> Dict[str, np.ndarray]:
        """The batch of a ``batch`` message as arrays on its slot (no copy)."""
        slot, seq = msg["slot"], msg["seq"]
        m = self._map(slot, msg["bytes"])
        if m[:8] != MAGIC:
            raise VoxelpipeError("ERR_PROTOCOL", f"bridge: {self.path(slot)} does not start with {MAGIC.decode()}")
        n = int.from_bytes(m[8:12], "little")
        header = json.loads(m[12 : 12 + n])
        if header.get("seq") != seq:
            raise VoxelpipeError("ERR_PROTOCOL", f"bridge: {self.path(slot)} holds write {header.get('seq')}, the message announced write {seq}")
        out = {}
        for name, f in msg["fields"].items():
            dt = DTYPES.get(f["dtype"])
            if dt is None:
                raise VoxelpipeError("ERR_PROTOCOL", f"bridge: field {name!r} has dtype {f['dtype']!r}, expected one of {', '.join(DTYPES)}")
            a = np.frombuffer(m, dtype=dt, count=f["nbytes"] // dt.itemsize, offset=f["offset"])
            out[name] = a.reshape(f["shape"])
        return out

    def close(self) -> None:
        """Unmaps what no array still uses and removes the folder (the server normally did)."""
        for i, m in enumerate(self.maps):
            if m is not None:
                _close_map(m)
            self.maps[i] = None
        shutil.rmtree(self.dir, ignore_errors=True)


def _close_map(m: mmap.mmap) -> None:
    try:
        m.close()
    except BufferError:
        # Arrays still point into it: the mapping lives until they are freed
        # (the file is unlinked, so its memory goes back then).
        pass
