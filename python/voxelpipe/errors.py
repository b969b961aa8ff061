"""The one error type of voxelpipe, on the Python side."""

from __future__ import annotations

__all__ = ["VoxelpipeError", "VoxelpipeWarning"]


class VoxelpipeError(Exception):
    """A failure voxelpipe reports in one line, with a stable ``code``.

    Errors raised by the Node side (a corrupt file, a bad config key, ...)
    carry its message and code unchanged (``ERR_CORRUPT_GZIP``,
    ``ERR_CONFIG``, ...). The Python side adds a few codes of its own:
    ``ERR_SERVER_DIED`` (the Node process exited or was killed),
    ``ERR_PROTOCOL`` (a reply it cannot understand), ``ERR_MISSING_DEPENDENCY``
    (no Node side found) and ``ERR_ABORTED`` (an epoch was superseded, or the
    pipeline is closed).
    """

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"VoxelpipeError({self.code!r}, {self.message!r})"


class VoxelpipeWarning(UserWarning):
    """A warning of the Node side (a skipped sample, a retried worker, an ignored config key)."""
