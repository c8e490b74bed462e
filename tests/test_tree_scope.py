"""`verdict.scope`: its default per target, its check, and the tolerance it reaches."""

from __future__ import annotations

import pytest

from leakbench.harness.errors import BadInput
from leakbench.harness.scenario import parse_scenario
from leakbench.harness.verdict.tolerances import tolerances_for

COMMAND = "name: c\ntarget: {kind: command, command: [sleep, 60]}\nworkload: {duration: 5s}\n"
GATEWAY = "name: g\nworkload: {runs: 100}\n"


@pytest.mark.parametrize(
    ("text", "scope"),
    [
        (COMMAND, "tree"),
        (GATEWAY, "process"),
        (COMMAND + "verdict: {scope: process}\n", "process"),
        (GATEWAY + "verdict: {scope: tree}\n", "tree"),
    ],
)
def test_scope_defaults_by_target_and_reaches_meta_and_tolerances(text: str, scope: str) -> None:
    scenario = parse_scenario(text, source="s.yaml")
    assert scenario.to_resolved_dict()["verdict"]["scope"] == scope
    assert tolerances_for(scenario).scope == scope


def test_an_unknown_scope_is_bad_input_naming_the_field() -> None:
    with pytest.raises(BadInput, match=r"verdict\.scope"):
        parse_scenario(COMMAND + "verdict: {scope: family}\n", source="s.yaml")
