"""Benchmarks: `make bench` runs every module listed here and prints its figures.

Timings live here, never in pass/fail tests: the machines are shared and noisy, so each
benchmark measures the thing and its baseline side by side in one run and prints ratios.
"""

BENCHMARKS = ("push", "pwa", "dashboard", "recipient_code")
