"""One module per `leakbench` subcommand (memray's layout); harness.cli only mounts them."""
