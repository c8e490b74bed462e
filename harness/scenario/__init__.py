"""Scenario files (design §4): the model (`model`), the YAML with line numbers
(`yaml_source`), error messages a person can act on (`messages`) and finding/loading (`loader`).
"""

from leakbench.harness.scenario.gateway import (
    CountRange,
    DurationRange,
    Faults,
    GatewaySettings,
    Workload,
)
from leakbench.harness.scenario.loader import (
    builtin_names,
    find_scenario_file,
    load_scenario,
    parse_scenario,
    read_scenario_text,
)
from leakbench.harness.scenario.model import (
    CommandTarget,
    GatewayTarget,
    PolicyFlags,
    Probe,
    ReadyCheck,
    Scenario,
    Verdict,
)

__all__ = [
    "CommandTarget",
    "CountRange",
    "DurationRange",
    "Faults",
    "GatewaySettings",
    "GatewayTarget",
    "PolicyFlags",
    "Probe",
    "ReadyCheck",
    "Scenario",
    "Verdict",
    "Workload",
    "builtin_names",
    "find_scenario_file",
    "load_scenario",
    "parse_scenario",
    "read_scenario_text",
]
