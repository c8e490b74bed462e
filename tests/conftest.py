"""Shared test setup: `pytester` runs pytest sessions in-process (tests of the pytest plugin)."""

pytest_plugins = ["pytester"]
