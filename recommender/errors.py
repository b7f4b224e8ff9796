"""Exception hierarchy of the recommender library.

Every error derives from :class:`RecommenderError` and mixes in the closest built-in type, so
callers may catch either the library root or the usual ``ValueError``/``KeyError``.
"""

from __future__ import annotations


class RecommenderError(Exception):
    """Root of every error raised by the recommender library."""


class InvalidInputError(RecommenderError, ValueError):
    """Input data is malformed: empty matrix, NaN/negative values, wrong shape or type."""


class UnknownIdError(RecommenderError, KeyError):
    """An external id (address, work id) or an index is not known to the mapping or model."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotFittedError(RecommenderError, RuntimeError):
    """A model was used before :meth:`Recommender.fit` or :meth:`Recommender.load`."""


class ModelFileError(RecommenderError, OSError):
    """A saved model is missing, incomplete or of another model class."""
