"""voxelpipe batches as numpy arrays: a Node child serves them through shared memory."""

from __future__ import annotations

import collections
import json
import os
import time
import warnings
import weakref
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Union

import numpy as np

from ._launch import Command, server_command
from ._server import PROTOCOL_VERSION, Server
from ._slots import Slots
from .errors import VoxelpipeError, VoxelpipeWarning

__all__ = ["Pipeline", "Epoch", "Batch"]

_HELLO_TIMEOUT_S = 60.0  # a Node process says hello within seconds, even on a busy machine
_OPEN_TIMEOUT_S = 600.0  # opening reads the datalist and starts workers; a huge datalist may take a while


class Batch(dict):
    """One batch: ``{"image": ndarray, "label": ndarray, ..., "rows": [...]}``.

    The arrays are views on a shared-memory slot, valid until the next batch
    is asked for or :meth:`release` is called; after that the server may
    write another batch into the same memory. Copy what you keep
    (``np.array(a)``, ``tensor.clone()``), or open the pipeline with
    ``copy=True`` for arrays you own.
    """

    def __init__(self, fields: Union[Mapping[str, Any], Sequence[Any]] = (), *, epoch: Optional[int] = None, index: Optional[int] = None, release: Any = None):
        super().__init__(fields)
        self.epoch = epoch
        self.index = index
        self._release = release

    @property
    def rows(self) -> List[Dict[str, Any]]:
        """Where each row came from: ``{"position", "item", "crop", "source"}``."""
        return self.get("rows", [])

    def release(self) -> None:
        """Hands the slot back to the server now (idempotent). The arrays must not be used after this."""
        r, self._release = self._release, None
        if r is not None:
            r()


class _State:
    """What closing needs, apart from the Pipeline (so that garbage collection can close it)."""

    def __init__(self, server: Server):
        self.server = server
        self.slots: Optional[Slots] = None
        self.closed = False
        # A forked copy (DataLoader workers, multiprocessing) shares the pipe
        # to the child: only the process that started it may talk or close.
        self.owner = os.getpid()

    def shutdown(self) -> None:
        if self.closed or os.getpid() != self.owner:
            return
        try:
            self.server.stop()
        finally:
            if self.slots is not None:
                self.slots.close()
            self.closed = True


class Pipeline:
    """A voxelpipe pipeline of a Clara config, its batches as numpy arrays.

    ::

        with Pipeline(config="mmar/config/config_train.json", mmar="mmar", seed=0, workers=2) as p:
            for batch in p.epoch(0):
                batch["image"]   # np.ndarray [B, 1, 96, 96, 96] float32, on shared memory
                batch["rows"]    # where each row came from

    Starts ``voxelpipe serve --stdio`` (``command``, ``$VOXELPIPE_BIN``, this
    checkout, ``voxelpipe`` on PATH or ``npx``), which runs the pipeline with
    its worker threads and writes each batch once into a slot file in
    ``/dev/shm``; the arrays are mapped on it. The batches are those of
    ``pipeline.epoch(e)`` in Node, bit for bit. The rank and world size come
    from RANK/WORLD_SIZE (torchrun), OMPI_COMM_WORLD_*, PMI_* or the
    arguments. Close it (``with``, :meth:`close`); garbage collection and
    interpreter exit close it too.
    """

    def __init__(
        self,
        config: Union[str, os.PathLike],
        *,
        mmar: Optional[Union[str, os.PathLike]] = None,
        env: Optional[Union[str, os.PathLike]] = None,
        section: Optional[str] = None,
        seed: int = 0,
        workers: Optional[int] = None,
        prefetch: Optional[int] = None,
        set: Optional[Union[Mapping[str, Any], Sequence[str]]] = None,
        rank: Optional[int] = None,
        world_size: Optional[int] = None,
        cache_dir: Optional[Union[str, os.PathLike]] = None,
        skip_bad_samples: Optional[bool] = None,
        copy: bool = False,
        slots: int = 3,
        shm_dir: Optional[Union[str, os.PathLike]] = None,
        command: Optional[Command] = None,
    ):
        request = _open_request(config, mmar, env, section, seed, workers, prefetch, set, rank, world_size, cache_dir, skip_bad_samples, slots, shm_dir)
        self.copy = bool(copy)
        server = Server(server_command(command))
        self._state = _State(server)
        self._finalizer = weakref.finalize(self, _State.shutdown, self._state)
        self._server = server
        self._stream_id = 0
        self._stream: Optional[int] = None
        self._pending: "collections.deque[Dict[str, Any]]" = collections.deque()
        self._current: Optional[Batch] = None
        self._lengths: Dict[int, Optional[int]] = {}
        try:
            try:
                hello = server.recv(timeout=_HELLO_TIMEOUT_S)
            except TimeoutError:
                raise VoxelpipeError("ERR_TIMEOUT", f"{' '.join(server.command)} did not say hello in {_HELLO_TIMEOUT_S:.0f} s: is it voxelpipe (serve --stdio)?") from None
            server.greeted = hello.get("op") == "hello"
            if hello.get("op") != "hello" or hello.get("protocol") != PROTOCOL_VERSION:
                raise VoxelpipeError(
                    "ERR_PROTOCOL",
                    f"bridge: {' '.join(server.command)} speaks protocol {hello.get('protocol')!r}, this package speaks {PROTOCOL_VERSION}: install matching versions",
                )
            self.version: str = hello.get("version", "?")
            server.send(request)
            try:
                opened = self._reply("opened", timeout=_OPEN_TIMEOUT_S)
            except TimeoutError:
                raise VoxelpipeError("ERR_TIMEOUT", f"the voxelpipe server (pid {server.pid}) did not open the pipeline in {_OPEN_TIMEOUT_S:.0f} s") from None
            self._state.slots = Slots(opened["dir"], opened["slots"])
        except BaseException:
            self.close()
            raise
        self.description: str = opened["describe"]
        self.rank: int = opened["rank"]
        self.world_size: int = opened["world_size"]
        self.slots: int = opened["slots"]
        self.shm_dir: str = opened["dir"]
        for w in opened.get("warnings", []):
            warnings.warn(w, VoxelpipeWarning, stacklevel=2)

    # -- the public face ---------------------------------------------------
    def describe(self) -> str:
        """One line: the chain, the batch size, workers, cache, rank."""
        return self.description

    @property
    def pid(self) -> int:
        """The Node child's process id."""
        return self._server.pid

    @property
    def closed(self) -> bool:
        return self._state.closed

    def epoch(self, e: int) -> "Epoch":
        """The batches of epoch ``e`` (starts it now: the server works ahead while you set up).

        Starting an epoch ends the one before (its iterator then raises ``ERR_ABORTED``).
        """
        self._check_open()
        e = _whole("epoch", e)
        self._stream_id += 1
        self._stream = self._stream_id
        self._pending.clear()
        self._server.send({"op": "epoch", "stream": self._stream, "epoch": e})
        return Epoch(self, e, self._stream)

    def batches(self, start: int = 0, epochs: Optional[int] = None) -> Iterator[Batch]:
        """Epochs ``start``, ``start + 1``, ...: ``epochs`` of them, or endless."""
        e = _whole("start", start)
        while epochs is None or e < start + epochs:
            yield from self.epoch(e)
            e += 1

    def num_batches(self, e: int) -> Optional[int]:
        """Batches in epoch ``e``, or None when it cannot be known ahead (``skip_bad_samples``)."""
        self._check_open()
        e = _whole("epoch", e)
        if e not in self._lengths:
            self._server.send({"op": "length", "epoch": e})
            self._lengths[e] = self._reply("length")["batches"]
        return self._lengths[e]

    def metrics(self) -> Dict[str, Any]:
        """The Node pipeline's ``metrics()``: samples, batches, samplesPerSecond,
        transformMs (mean per transform), cache (Smart Cache items, bytes), pool utilization."""
        self._check_open()
        self._server.send({"op": "metrics"})
        return self._reply("metrics")["metrics"]

    def close(self) -> None:
        """Stops the Node child and removes the shared memory (idempotent)."""
        self._current = None
        self._state.shutdown()
        self._finalizer.detach()

    def __enter__(self) -> "Pipeline":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else f"pid {self.pid}"
        return f"<voxelpipe.Pipeline {getattr(self, 'description', '?')} ({state})>"

    # -- messages ---------------------------------------------------------------
    def _check_open(self) -> None:
        if self._state.closed:
            raise VoxelpipeError("ERR_ABORTED", "the pipeline is closed")
        if os.getpid() != self._state.owner:
            raise VoxelpipeError(
                "ERR_INVALID_ARGUMENT",
                f"this pipeline belongs to process {self._state.owner}, this is process {os.getpid()} (a fork): open a Pipeline in this process",
            )

    def _receive(self, timeout: Optional[float] = None) -> Optional[Dict[str, Any]]:
        """The next reply, after handling those that need no caller: warnings,
        and batches of a stream no longer listened to (released at once). None for one of those."""
        msg = self._server.recv(timeout)
        op = msg.get("op")
        if op == "warning":
            warnings.warn(str(msg.get("message")), VoxelpipeWarning, stacklevel=4)
            return None
        if op in ("batch", "end") or (op == "error" and "stream" in msg):
            if msg.get("stream") != self._stream:
                if op == "batch":
                    self._release_slot(msg["slot"])
                return None
        return msg

    def _reply(self, op: str, timeout: Optional[float] = None) -> Dict[str, Any]:
        """Waits for the reply ``op`` to a request; stream messages meanwhile wait in ``_pending``."""
        while True:
            msg = self._receive(timeout)
            if msg is None:
                continue
            if msg["op"] == op:
                return msg
            if msg["op"] == "error" and "stream" not in msg:
                raise VoxelpipeError(msg.get("code", "ERR_INTERNAL"), msg.get("message", "?"))
            if msg["op"] in ("batch", "end", "error"):
                self._pending.append(msg)
                continue
            raise VoxelpipeError("ERR_PROTOCOL", f"bridge: expected a {op!r} reply, got {json.dumps(msg)[:200]}")

    def _next_stream_message(self, stream: int) -> Dict[str, Any]:
        while True:
            if self._pending:
                return self._pending.popleft()
            msg = self._receive()
            if msg is None:
                continue
            if msg["op"] in ("batch", "end", "error"):
                if msg["op"] == "error" and "stream" not in msg:
                    raise VoxelpipeError(msg.get("code", "ERR_INTERNAL"), msg.get("message", "?"))
                return msg
            raise VoxelpipeError("ERR_PROTOCOL", f"bridge: unexpected reply during an epoch: {json.dumps(msg)[:200]}")

    def _release_slot(self, slot: int) -> None:
        if not self._state.closed and os.getpid() == self._state.owner:
            self._server.send({"op": "release", "slot": slot})

    def _release_current(self) -> None:
        b, self._current = self._current, None
        if b is not None:
            b.release()

    def _make_batch(self, msg: Dict[str, Any]) -> Batch:
        arrays = self._state.slots.arrays(msg)  # type: ignore[union-attr]
        slot = msg["slot"]
        fields: Dict[str, Any] = dict(arrays)
        if self.copy:
            fields = {k: np.array(a, copy=True) for k, a in arrays.items()}
            del arrays
            self._release_slot(slot)
            release = None
        else:
            released = [False]

            def release() -> None:
                if not released[0]:
                    released[0] = True
                    self._release_slot(slot)

        fields["rows"] = msg["rows"]
        return Batch(fields, epoch=msg["epoch"], index=msg["index"], release=release)


class Epoch:
    """The batches of one epoch: an iterator, with ``len()`` when the count is known ahead."""

    def __init__(self, pipeline: Pipeline, epoch: int, stream: int):
        self._p = pipeline
        self.epoch = epoch
        self._stream = stream
        self._done = False
        self.stats: Dict[str, float] = {"batches": 0, "client_ms": 0.0}

    def __iter__(self) -> "Epoch":
        return self

    def __len__(self) -> int:
        n = self._p.num_batches(self.epoch)
        if n is None:
            raise TypeError("this epoch's batch count is not known ahead (skip_bad_samples is on)")
        return n

    def __next__(self) -> Batch:
        p = self._p
        t0 = time.perf_counter()
        p._release_current()
        if self._done:
            raise StopIteration
        if p._stream != self._stream:
            self._done = True
            raise VoxelpipeError("ERR_ABORTED", f"epoch {self.epoch} was ended by a later call of epoch() (one epoch at a time per pipeline)")
        p._check_open()
        t1 = time.perf_counter()
        msg = p._next_stream_message(self._stream)
        t2 = time.perf_counter()
        op = msg["op"]
        if op == "end":
            self._done = True
            p._stream = None
            self.stats.update({k: msg[k] for k in ("write_ms", "slot_wait_ms", "pipeline_ms")})
            raise StopIteration
        if op == "error":
            self._done = True
            p._stream = None
            raise VoxelpipeError(msg.get("code", "ERR_INTERNAL"), msg.get("message", "?"))
        batch = p._make_batch(msg)
        if not p.copy:
            p._current = batch
        self.stats["batches"] += 1
        self.stats["client_ms"] += ((t1 - t0) + (time.perf_counter() - t2)) * 1000
        return batch


def _whole(name: str, v: Any, minimum: int = 0) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < minimum:
        raise VoxelpipeError("ERR_INVALID_ARGUMENT", f"{name}: expected a whole number >= {minimum}, got {v!r}")
    return int(v)


def _path(v: Any) -> Optional[str]:
    return None if v is None else os.path.abspath(os.fspath(v))


def _open_request(config, mmar, env, section, seed, workers, prefetch, set_, rank, world_size, cache_dir, skip_bad_samples, slots, shm_dir) -> Dict[str, Any]:
    if section not in (None, "train", "validate"):
        raise VoxelpipeError("ERR_INVALID_ARGUMENT", f"section: expected 'train' or 'validate', got {section!r}")
    if (rank is None) != (world_size is None):
        raise VoxelpipeError("ERR_INVALID_ARGUMENT", "rank and world_size: give both or neither (neither: from RANK/WORLD_SIZE)")
    req: Dict[str, Any] = {"op": "open", "config": _path(config), "seed": _whole("seed", seed), "slots": _whole("slots", slots, 1)}
    if section is not None:
        req["section"] = section
    for key, v in (("mmar", mmar), ("env", env), ("cache_dir", cache_dir), ("shm_dir", shm_dir)):
        if v is not None:
            req[key] = _path(v)
    for key, v, low in (("workers", workers, 0), ("prefetch", prefetch, 0), ("rank", rank, 0), ("world_size", world_size, 1)):
        if v is not None:
            req[key] = _whole(key, v, low)
    if skip_bad_samples is not None:
        req["skip_bad_samples"] = bool(skip_bad_samples)
    if set_ is not None:
        if isinstance(set_, Mapping):
            # JSON values (numbers, lists, strings...) as --set takes them.
            req["set"] = [f"{k}={json.dumps(v)}" for k, v in set_.items()]
        elif isinstance(set_, (list, tuple)) and all(isinstance(s, str) for s in set_):
            req["set"] = list(set_)
        else:
            raise VoxelpipeError("ERR_INVALID_ARGUMENT", f"set: expected a dict of KEY: value or a list of 'KEY=VALUE', got {set_!r}")
    return req
