"""The run directory (docs/run-dir.md): written as the run goes, read back after any crash, and
held in memory as columns."""

from leakbench.harness.rundir.columns import ColumnBuilder, SampleColumns
from leakbench.harness.rundir.reader import (
    RunData,
    SampleScan,
    iter_samples,
    load_run,
    read_columns,
    read_samples,
)
from leakbench.harness.rundir.writer import (
    FORMAT,
    META,
    PLOT_FILES,
    REPORT,
    RUN_FILES,
    SAMPLES,
    SIDECAR,
    SUMMARY,
    RunStore,
    write_json_atomically,
)

__all__ = [
    "FORMAT",
    "META",
    "PLOT_FILES",
    "REPORT",
    "RUN_FILES",
    "SAMPLES",
    "SIDECAR",
    "SUMMARY",
    "ColumnBuilder",
    "RunData",
    "RunStore",
    "SampleColumns",
    "SampleScan",
    "iter_samples",
    "load_run",
    "read_columns",
    "read_samples",
    "write_json_atomically",
]
