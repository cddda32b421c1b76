"""Eager-mode machinery: GradientTape and custom gradients."""
