"""Runs the Python tests (python/tests) and prints one JSON line per test, for test/python/python-suite.test.ts.

    python3 test/python/unittest_json.py [pattern]
"""

import json
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = os.path.join(HERE, "..", "..", "python")


class JsonResult(unittest.TestResult):
    def startTest(self, test):
        super().startTest(test)
        self._t = time.monotonic()

    def _emit(self, test, status, detail=""):
        line = {"test": test.id(), "status": status, "detail": detail, "ms": round((time.monotonic() - getattr(self, "_t", time.monotonic())) * 1000)}
        sys.__stdout__.write("@@ " + json.dumps(line) + "\n")
        sys.__stdout__.flush()

    def addSuccess(self, test):
        super().addSuccess(test)
        self._emit(test, "ok")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._emit(test, "fail", self._exc_info_to_string(err, test))

    def addError(self, test, err):
        super().addError(test, err)
        self._emit(test, "fail", self._exc_info_to_string(err, test))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._emit(test, "skip", reason)

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._emit(test, "ok")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._emit(test, "fail", "unexpected success")


def main() -> int:
    sys.path.insert(0, PYTHON)
    pattern = sys.argv[1] if len(sys.argv) > 1 else "test*.py"
    suite = unittest.defaultTestLoader.discover(os.path.join(PYTHON, "tests"), pattern=pattern, top_level_dir=PYTHON)
    result = JsonResult()
    suite.run(result)
    return 0 if result.wasSuccessful() and result.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
