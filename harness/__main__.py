"""`python -m harness` is the `leakbench` command."""

from harness.cli import main

main()
