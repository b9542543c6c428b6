"""All layers. Each family lives in its own file; this re-exports them."""

from .module import Module  # noqa: F401
