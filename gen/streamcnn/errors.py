"""The one error type users see: a one-line message naming what is wrong and where."""


class StreamcnnError(Exception):
    """A user-facing error (bad model, config or input). The CLI prints it on one line."""
