"""The Function base the indexing ops share."""

from __future__ import annotations

from ...autograd.function import Function


class _Op(Function):
    array_io = True
