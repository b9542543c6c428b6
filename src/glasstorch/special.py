"""glasstorch.special."""
