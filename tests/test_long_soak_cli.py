"""Long soaks from the command line: the probe interval grows with the duration, unless set."""

from __future__ import annotations

import json

import pytest

from leakbench.harness.errors import BadInput
from leakbench.harness.scenario import parse_scenario
from leakbench.harness.targets.interval import MAX_SAMPLES, with_sample_interval


def _command(duration: str, interval: str | None = None) -> str:
    scenario = {
        "name": "svc",
        "target": {"kind": "command", "command": ["svc"]},
        "workload": {"duration": duration},
    }
    if interval is not None:
        scenario["probe"] = {"interval": interval}
    return json.dumps(scenario)


def test_a_four_day_soak_is_sampled_at_most_max_samples_times() -> None:
    scenario = parse_scenario(_command("4d"), source="t")
    resolved, warning = with_sample_interval(scenario)
    assert warning is None
    assert resolved.probe.interval > 0.25
    assert 4 * 86400 / resolved.probe.interval == pytest.approx(MAX_SAMPLES)
    # meta.json records the interval actually used
    assert resolved.to_resolved_dict()["probe"]["interval"] == resolved.probe.interval


def test_a_short_soak_keeps_the_default_interval() -> None:
    scenario = parse_scenario(_command("10m"), source="t")
    resolved, warning = with_sample_interval(scenario)
    assert (resolved.probe.interval, warning) == (0.25, None)


@pytest.mark.parametrize("how", ["file", "flag"])
def test_an_interval_the_user_set_wins_with_a_warning(how: str) -> None:
    if how == "file":
        scenario = parse_scenario(_command("4d", "250ms"), source="t")
    else:
        scenario = parse_scenario(_command("4d"), source="t").with_overrides(interval="250ms")
    resolved, warning = with_sample_interval(scenario)
    assert resolved.probe.interval == 0.25
    assert warning is not None and "1,382,400 samples" in warning


def test_the_gateway_is_not_touched() -> None:
    scenario = parse_scenario('{"name": "g", "workload": {"duration": "4d"}}', source="t")
    assert with_sample_interval(scenario) == (scenario, None)


def test_a_bad_interval_flag_names_the_flag() -> None:
    scenario = parse_scenario(_command("1h"), source="t")
    with pytest.raises(BadInput, match=r"^--interval"):
        scenario.with_overrides(interval="soon")
