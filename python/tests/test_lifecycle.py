"""Closing: close(), garbage collection, interpreter exit, KeyboardInterrupt, a dying child."""

from __future__ import annotations

import gc
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import unittest
from unittest import mock

from voxelpipe import Pipeline, VoxelpipeError

from .helpers import REPO, alive, config, mmar, wait_gone


def run_script(body: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """Runs ``body`` in a fresh interpreter that can import voxelpipe; its first stdout line is JSON."""
    prelude = f"import json, os, signal, sys\nsys.path.insert(0, {str(REPO / 'python')!r})\nfrom voxelpipe import Pipeline\n"
    code = prelude + textwrap.dedent(body).replace("CONFIG", repr(config())).replace("MMAR", repr(mmar()))
    return subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, text=True)


class Lifecycle(unittest.TestCase):
    def assert_cleaned(self, pid: int, shm: str):
        self.assertTrue(wait_gone(pid), f"the voxelpipe server (pid {pid}) still runs")
        self.assertFalse(os.path.exists(shm), f"{shm} was not removed")

    def test_close_stops_the_child_and_removes_the_shared_memory(self):
        p = Pipeline(config(), mmar=mmar(), workers=0)
        next(p.epoch(0))
        pid, shm = p.pid, p.shm_dir
        self.assertTrue(alive(pid))
        self.assertTrue(os.path.isdir(shm))
        p.close()
        p.close()
        self.assertTrue(p.closed)
        self.assert_cleaned(pid, shm)
        with self.assertRaises(VoxelpipeError) as c:
            p.epoch(0)
        self.assertEqual((c.exception.code, str(c.exception)), ("ERR_ABORTED", "the pipeline is closed"))

    def test_garbage_collection_closes_it(self):
        p = Pipeline(config(), mmar=mmar(), workers=0)
        it = p.epoch(0)
        next(it)  # a batch held: the pipeline, its batch and the batch's release form a cycle
        pid, shm = p.pid, p.shm_dir
        del p, it
        gc.collect()
        self.assert_cleaned(pid, shm)

    def test_interpreter_exit_closes_it(self):
        r = run_script(
            """
            p = Pipeline(CONFIG, mmar=MMAR, workers=0)
            b = next(p.epoch(0))
            print(json.dumps({"pid": p.pid, "shm": p.shm_dir}), flush=True)
            sys.exit(3)   # no close(): the exit must do it
            """
        )
        self.assertEqual(r.returncode, 3, r.stderr)
        info = json.loads(r.stdout.splitlines()[0])
        self.assert_cleaned(info["pid"], info["shm"])

    def test_keyboard_interrupt_in_the_loop_closes_it(self):
        # SIGINT to the Python process alone, as Ctrl-C in a terminal does (the child has its own session).
        for with_block in (False, True):
            loop = """
                for b in p.epoch(0):
                    os.kill(os.getpid(), signal.SIGINT)
                    import time; time.sleep(5)
            """
            body = (
                "p = Pipeline(CONFIG, mmar=MMAR, workers=0)\n"
                'print(json.dumps({"pid": p.pid, "shm": p.shm_dir}), flush=True)\n'
                + ("with p:\n" + textwrap.indent(textwrap.dedent(loop), "    ") if with_block else textwrap.dedent(loop))
            )
            r = run_script(body)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("KeyboardInterrupt", r.stderr)
            info = json.loads(r.stdout.splitlines()[0])
            self.assert_cleaned(info["pid"], info["shm"])

    def test_python_killed_outright_leaves_nothing_behind(self):
        # SIGKILL: no finalizer runs; the child sees its stdin close and cleans up itself.
        r = run_script(
            """
            p = Pipeline(CONFIG, mmar=MMAR, workers=2)
            b = next(p.epoch(0))
            print(json.dumps({"pid": p.pid, "shm": p.shm_dir}), flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
            """
        )
        self.assertEqual(r.returncode, -signal.SIGKILL)
        info = json.loads(r.stdout.splitlines()[0])
        self.assert_cleaned(info["pid"], info["shm"])

    def test_the_child_dying_raises_and_never_hangs(self):
        p = Pipeline(config(), mmar=mmar(), workers=0, slots=1)
        it = p.epoch(0)
        next(it)
        pid, shm = p.pid, p.shm_dir
        os.kill(pid, signal.SIGKILL)
        t = time.monotonic()
        with self.assertRaises(VoxelpipeError) as c:
            for _ in it:
                pass
        self.assertLess(time.monotonic() - t, 10)
        self.assertEqual(c.exception.code, "ERR_SERVER_DIED")
        self.assertRegex(str(c.exception), rf"^the voxelpipe server \(pid {pid}\) was killed by SIGKILL")
        with self.assertRaises(VoxelpipeError):
            p.num_batches(0)
        self.assertTrue(os.path.isdir(shm))  # the server could not remove it ...
        p.close()
        self.assert_cleaned(pid, shm)  # ... so close() did

    def test_a_child_that_fails_to_start_raises_with_its_last_words(self):
        with self.assertRaises(VoxelpipeError) as c:
            Pipeline(config(), mmar=mmar(), command=[sys.executable, "-c", "import sys; sys.stderr.write('no node here\\n'); sys.exit(7)"])
        self.assertEqual(c.exception.code, "ERR_SERVER_DIED")
        self.assertRegex(str(c.exception), r"exited with code 7; its last words: no node here$")
        with self.assertRaises(VoxelpipeError) as c:
            Pipeline(config(), mmar=mmar(), command=["/nonexistent/voxelpipe"])
        self.assertEqual(c.exception.code, "ERR_MISSING_DEPENDENCY")

    def test_a_command_that_is_not_voxelpipe_times_out_and_is_stopped(self):
        from voxelpipe import pipeline

        with mock.patch.object(pipeline, "_HELLO_TIMEOUT_S", 1.0):
            with self.assertRaises(VoxelpipeError) as c:
                Pipeline(config(), mmar=mmar(), command=[sys.executable, "-c", "import sys, time; print(sys.argv[1:], flush=True); time.sleep(60)"])
        self.assertEqual(c.exception.code, "ERR_TIMEOUT")
        self.assertRegex(str(c.exception), r"did not say hello in 1 s: is it voxelpipe \(serve --stdio\)\?$")


if __name__ == "__main__":
    unittest.main()
