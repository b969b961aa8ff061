"""The child process running ``voxelpipe serve --stdio`` and the pipe to it.

Requests go to the child's stdin, one JSON object per line; replies come
from its stdout, read by a thread into a queue so that waiting for one can
notice the child's death (never a hang) and stay interruptible. The child's
stderr is passed on to ours, and its last lines are kept for the message
raised when it dies.
"""

from __future__ import annotations

import collections
import json
import queue
import signal
import subprocess
import sys
import threading
from typing import Any, Dict, List, Optional

from .errors import VoxelpipeError

PROTOCOL_VERSION = 1

_EOF = object()
_POLL_S = 0.25


def _describe_exit(code: Optional[int]) -> str:
    if code is None:
        return "stopped answering"
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


class Server:
    """One ``voxelpipe serve --stdio`` child."""

    def __init__(self, command: List[str], stderr=None):
        self._stderr = stderr if stderr is not None else sys.stderr
        try:
            # A session of its own: a Ctrl-C in the terminal reaches Python
            # alone, which then closes the child cleanly (slot files removed).
            self.proc = subprocess.Popen(
                [*command, "serve", "--stdio"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as e:
            raise VoxelpipeError(
                "ERR_MISSING_DEPENDENCY",
                f"cannot start voxelpipe's Node side ({' '.join(command)}): {e.strerror or e}; "
                "install it with \"npm install voxelpipe\" or set VOXELPIPE_BIN",
            ) from None
        self.command = command
        self._replies: "queue.Queue[Any]" = queue.Queue()
        self.stderr_tail: "collections.deque[str]" = collections.deque(maxlen=8)
        self._out = threading.Thread(target=self._read_stdout, name="voxelpipe-stdout", daemon=True)
        self._err = threading.Thread(target=self._read_stderr, name="voxelpipe-stderr", daemon=True)
        self._out.start()
        self._err.start()
        self.dead: Optional[VoxelpipeError] = None
        # Set by the client once the child said hello: only then is it worth asking it to close.
        self.greeted = False

    @property
    def pid(self) -> int:
        return self.proc.pid

    # -- threads ---------------------------------------------------------
    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            msg = None
            if line.startswith("{"):
                try:
                    msg = json.loads(line)
                except ValueError:
                    msg = None
            if isinstance(msg, dict) and isinstance(msg.get("op"), str):
                self._replies.put(msg)
            elif line.strip():
                # Not the protocol (the server sends everything else to stderr): pass it on.
                self._write_stderr(line + "\n")
        self._replies.put(_EOF)

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for raw in self.proc.stderr:
            line = raw.decode("utf-8", "replace")
            if line.strip():
                self.stderr_tail.append(line.rstrip("\n"))
            self._write_stderr(line)

    def _write_stderr(self, s: str) -> None:
        try:
            self._stderr.write(s)
            self._stderr.flush()
        except (OSError, ValueError):
            pass  # our stderr is gone (interpreter exit): nothing to tell

    # -- requests and replies -----------------------------------------------
    def send(self, msg: Dict[str, Any]) -> None:
        if self.dead:
            raise self.dead
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write((json.dumps(msg) + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            raise self._died() from None

    def recv(self, timeout: Optional[float] = None) -> Dict[str, Any]:
        """The next reply; raises ERR_SERVER_DIED when the child is gone, TimeoutError after ``timeout``."""
        if self.dead:
            raise self.dead
        waited = 0.0
        while True:
            try:
                msg = self._replies.get(timeout=_POLL_S)
            except queue.Empty:
                waited += _POLL_S
                if self.proc.poll() is not None and not self._out.is_alive() and self._replies.empty():
                    raise self._died() from None
                if timeout is not None and waited >= timeout:
                    raise TimeoutError(f"no reply from the voxelpipe server (pid {self.pid}) in {timeout:.0f} s") from None
                continue
            if msg is _EOF:
                raise self._died()
            return msg

    def _died(self) -> VoxelpipeError:
        if self.dead:
            return self.dead
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        self._err.join(timeout=1)
        last = " | ".join(l.strip() for l in list(self.stderr_tail)[-3:])
        self.dead = VoxelpipeError(
            "ERR_SERVER_DIED",
            f"the voxelpipe server (pid {self.pid}) {_describe_exit(code)}" + (f"; its last words: {last}" if last else ""),
        )
        return self.dead

    # -- shutdown ------------------------------------------------------------
    def stop(self, grace_s: float = 10.0) -> None:
        """Asks the child to close, then waits for it; terminates, then kills, one that does not exit."""
        if self.proc.poll() is None and not self.dead and self.greeted:
            try:
                self.send({"op": "close"})
                while self.recv(timeout=grace_s).get("op") != "closed":
                    pass
            except (VoxelpipeError, TimeoutError):
                pass
        if self.proc.stdin:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
        for action in (None, self.proc.terminate, self.proc.kill):
            if action is not None:
                try:
                    action()
                except OSError:
                    pass
            try:
                self.proc.wait(timeout=(5 if self.greeted else 0.5) if action is None else 3)
                break
            except subprocess.TimeoutExpired:
                continue
        self._out.join(timeout=1)
        self._err.join(timeout=1)
        for f in (self.proc.stdout, self.proc.stderr):
            try:
                if f:
                    f.close()
            except OSError:
                pass

