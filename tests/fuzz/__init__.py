"""Differential fuzzing of glasstorch against torch (see docs/reliability.md)."""
