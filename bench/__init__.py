"""Benchmarks: each prints its figures and ends with one line `bench <name>: key=value ...`.

Every figure is a ratio or a bound measured within one run, so a busy machine slows both
sides of a ratio alike. `python -m bench <name> [--quick]`, or `python -m bench all`.
"""
