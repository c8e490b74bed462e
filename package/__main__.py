"""`python -m leakbench` is the `leakbench` command."""

from leakbench.harness.cli import main

main()
