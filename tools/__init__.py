"""Administrators' command-line tools (run from the repository root with PYTHONPATH=layers/common:.)."""
