"""glasstorch.fft."""
