"""Regenerate the recorded run directories in tests/data/runs: `python tests/data/make_runs.py`.

They stand in for what `leakbench run` writes (docs/run-dir.md) in shapes a live run rarely
gives, shaped like real soaks: a warm-up knee, GC sawtooth and autocorrelated noise on RSS,
bounded caches that fill and plateau, in-flight map entries, a drain phase after the workload.
Only the samples are made up. Every scenario is validated by the product's scenario model, and
every summary is the product's own: `summarize_run` on the written run directory, exactly what
`leakbench report` computes, so a fixture can never say what the product cannot.

- legacy-abort-storm: 20% of runs aborted; raw_buffers keeps every aborted run (about 2 KB/run).
- fixed-abort-storm: same workload, fixed policy; flat after warm-up, nothing retained.
- legacy-crashed: legacy, the target killed mid-run; the last line of samples.jsonl is cut.
- command-target: a plain command target (RSS and children only, no gateway state, no policy).

Deterministic: the same seed gives byte-identical files.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from leakbench.gateway_sim.state import STATE_MAPS
from leakbench.harness.rundir import FORMAT, load_run
from leakbench.harness.scenario import Scenario
from leakbench.harness.units import format_duration
from leakbench.harness.verdict import summarize_run

HERE = Path(__file__).parent / "runs"
RUNS = 20_000
LOAD_SAMPLES = 180
DRAIN_SAMPLES = 20
RATE_PER_S = 4.0  # runs per second of gateway time
ABORT = 0.2
CONCURRENCY = 64
STALE_TTL_S = 3600.0
SWEEP_S = 60.0
DEDUPE_TTL_S = 300.0
WARMUP_FRACTION = 0.2
STARTED = "2026-11-24T09:00:00+00:00"
TYPES = {"dict": 21_000, "tuple": 9_800, "function": 7_400, "list": 3_100, "ChatRunState": 1}
MAP_NAMES = STATE_MAPS


def _scenario(policy: str | None, tracemalloc: bool) -> dict[str, Any]:
    if policy is None:
        return {
            "name": "command-target",
            "description": "A command target driven by a Python driver plugin.",
            "target": {"kind": "command", "command": ["python", "-m", "myservice"]},
            "workload": {"duration": RUNS / 400.0},
            "probe": {"interval": 0.25, "objects": False, "tracemalloc": False, "state": False},
            "verdict": {"warmup": "auto", "max_growth_per_run": 64, "max_rss_growth": 10485760},
            "seed": 7,
        }
    return {
        "name": "abort-storm",
        "description": "Clients abort 20% of runs mid-stream.",
        "target": {"kind": "gateway", "policy": policy, "transport": "embedded"},
        "gateway": {"maintenance_interval": SWEEP_S, "stale_ttl": STALE_TTL_S, "run_timeout": 300},
        "workload": {
            "runs": RUNS,
            "concurrency": CONCURRENCY,
            "rate": RATE_PER_S,
            "reply_chars": {"min": 200, "max": 4000},
            "chunks": {"min": 5, "max": 60},
            "faults": {"abort": ABORT, "timeout": 0.0, "suppressed_output": 0.0},
        },
        "probe": {"interval": 0.25, "objects": True, "tracemalloc": tracemalloc, "state": True},
        "verdict": {"warmup": "auto", "max_growth_per_run": 64, "max_rss_growth": 10485760},
        "seed": 7,
    }


def _meta(name: str, policy: str | None, scenario: dict[str, Any], end: dict) -> dict[str, Any]:
    command = policy is None
    return {
        "format": 1,
        "scenario_name": scenario["name"],
        "scenario": _resolved(scenario),
        "seed": 7,
        "policy": policy,
        "transport": "command" if command else "embedded",
        "target": "command" if command else "gateway",
        "versions": {
            "python": "3.11.7",
            "leakbench": "0.1.0",
            "platform": "Linux-6.1.0-x86_64-with-glibc2.36",
            "packages": {"psutil": "7.0.0", "numpy": "2.4.6", "matplotlib": "3.11.2"},
        },
        "host": {"hostname": "ci-runner", "cpus": 2, "memory_bytes": 25_769_803_776},
        "started_at": STARTED,
        **end,
    }


def _ar1(rng: np.random.Generator, n: int, phi: float, sigma: float) -> np.ndarray:
    noise = np.zeros(n)
    for i in range(1, n):
        noise[i] = phi * noise[i - 1] + rng.normal(0, sigma)
    return noise


def _in_window(t: np.ndarray, total: np.ndarray, width: float) -> np.ndarray:
    """How much of a cumulative count happened in the last `width` seconds at each sample."""
    return total - np.interp(t - width, t, total, left=0)


def _timeline() -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Runs done and gateway time per sample: the load, then a drain past TTL plus a sweep."""
    runs = np.round(np.linspace(0, RUNS, LOAD_SAMPLES)).astype(int)
    load_end = RUNS / RATE_PER_S
    drain = load_end + np.linspace(SWEEP_S, STALE_TTL_S + 2 * SWEEP_S, DRAIN_SAMPLES)
    t = np.concatenate([runs / RATE_PER_S, drain])
    runs = np.concatenate([runs, np.full(DRAIN_SAMPLES, RUNS)])
    phases = ["load"] * LOAD_SAMPLES + ["drain"] * DRAIN_SAMPLES
    return runs, t, phases


def _gateway_samples(policy: str, tracemalloc: bool, seed: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    runs, t, phases = _timeline()
    n = len(runs)
    leaks = policy == "legacy"
    in_flight = np.where(np.array(phases) == "load", rng.integers(20, CONCURRENCY, n), 0)
    in_flight[0] = 0
    aborted_total = np.concatenate([[0], np.cumsum(rng.binomial(np.diff(runs), ABORT))])
    leaked = aborted_total if leaks else np.zeros(n, dtype=int)
    aborted_recently = _in_window(t, aborted_total, STALE_TTL_S)  # aborted_runs ages out
    dedupe = np.minimum(1000, _in_window(t, runs, DEDUPE_TTL_S))
    warmup = 1 - np.exp(-runs / 1500)
    bytes_per_leak = 10_240
    gc_saw = (np.arange(n) % 7) * 90_000
    rss = 38e6 + 9e6 * warmup + leaked * bytes_per_leak + gc_saw + _ar1(rng, n, 0.85, 120_000)
    blocks = 118_000 + 31_000 * warmup + leaked + _ar1(rng, n, 0.8, 250)
    objects = 44_500 + 8_200 * warmup + _ar1(rng, n, 0.8, 120)
    traced = 6.1e6 + 2.4e6 * warmup + leaked * 4_300 + _ar1(rng, n, 0.7, 20_000)
    checkpoints = {LOAD_SAMPLES // 3, 2 * LOAD_SAMPLES // 3, LOAD_SAMPLES - 1}
    samples = []
    for i in range(n):
        raw = int(in_flight[i] + leaked[i])
        transient = int(in_flight[i])
        state = {name: {"entries": transient, "bytes": transient * 120} for name in MAP_NAMES}
        state["raw_buffers"] = {"entries": raw, "bytes": raw * 2_150}
        state["buffers"] = {"entries": transient, "bytes": transient * 2_100}
        aborted = int(aborted_recently[i])
        state["aborted_runs"] = {"entries": aborted, "bytes": aborted * 72}
        state["agent_delta_sent_at"] = {"entries": min(transient, 6), "bytes": 0}
        state["buffered_agent_events"] = {"entries": min(transient, 3), "bytes": 0}
        if leaks:  # only the fixed policy stamps buffer_updated_at
            state["buffer_updated_at"] = {"entries": 0, "bytes": 0}
        sample: dict[str, Any] = {
            "i": i,
            "t_wall": round(0.05 * i, 3),
            "t_gateway": round(float(t[i]), 3),
            "runs_done": int(runs[i]),
            "phase": phases[i],
            "rss": int(rss[i]) // 4096 * 4096,
            "children_rss": 0,
            "heap_blocks": int(blocks[i]),
            "gc_objects": int(objects[i]),
            "gc_counts": [int(rng.integers(0, 700)), int(rng.integers(0, 10)), 0],
            "malloc": {"arena": int(rss[i] * 0.6), "in_use": int(rss[i] * 0.55), "free": 0},
            "state": state,
            "caches": {"agent_run_seq": transient, "dedupe": int(dedupe[i])},
            "controllers": transient,
        }
        if tracemalloc:
            sample["heap_traced"] = int(traced[i])
        if i == n - 1:  # the drain's findings, as the runner records them
            sample["retained_by_path"] = {"abort": {"raw_buffers": int(leaked[i])}} if leaks else {}
        if i in checkpoints:
            types = [
                {"type": name, "count": int(count * (1 + 0.002 * rng.normal())), "deep_bytes": 0}
                for name, count in TYPES.items()
            ]
            types.append({"type": "str", "count": 30_000 + int(leaked[i]), "deep_bytes": 0})
            sample["checkpoint"] = {
                "types_top": sorted(types, key=lambda entry: -entry["count"]),
                "sites_top": [
                    {
                        "site": "gateway_sim/chat_state.py:88",
                        "bytes": int(leaked[i] * 4_300 + 90_000),
                        "count": int(leaked[i] + 40),
                    },
                    {"site": "gateway_sim/provider.py:41", "bytes": 61_000, "count": 300},
                ],
            }
        samples.append(sample)
    return samples


def _command_samples(seed: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    runs = np.round(np.linspace(0, RUNS, LOAD_SAMPLES)).astype(int)
    t = runs / 400.0
    rss = 61e6 + 4e6 * (1 - np.exp(-runs / 2000)) + _ar1(rng, LOAD_SAMPLES, 0.85, 60_000)
    return [
        {
            "i": i,
            "t_wall": round(float(t[i]), 3),
            "t_gateway": round(float(t[i]), 3),
            "runs_done": int(runs[i]),
            "rss": int(rss[i]) // 4096 * 4096,
            "children_rss": 12_582_912,
        }
        for i in range(LOAD_SAMPLES)
    ]


def _resolved(scenario: dict[str, Any]) -> dict[str, Any]:
    """The scenario as the product resolves it into meta.json (raises if the model rejects it)."""
    return Scenario.model_validate(scenario).to_resolved_dict()


def _write(root: Path, name: str, meta: dict, samples: list[dict], cut: bool) -> None:
    """Write the run directory, then its summary as `leakbench report` would compute it."""
    run_dir = root / name
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    (run_dir / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    lines = "".join(json.dumps(s, separators=(",", ":")) + "\n" for s in samples)
    if cut:
        lines = lines[: len(lines) - len(json.dumps(samples[-1])) // 2 - 1]
    (run_dir / "samples.jsonl").write_text(lines)
    summary = summarize_run(load_run(run_dir))
    (run_dir / "summary.json").write_text(
        json.dumps({"format": FORMAT, **summary}, indent=2) + "\n"
    )


def _ended(samples: list[dict], reason: str, detail: str | None = None) -> dict[str, Any]:
    seconds = int(samples[-1]["t_wall"])
    return {
        "ended_at": f"2026-11-24T09:{seconds // 60:02d}:{seconds % 60:02d}+00:00",
        "status": "finished",
        "exit_reason": reason,
        "exit_detail": detail,
    }


def main(root: Path = HERE) -> None:
    """Write the four run directories under `root` (tests/data/runs, or a test's check)."""
    for policy, seed in (("legacy", 11), ("fixed", 12)):
        samples = _gateway_samples(policy, tracemalloc=True, seed=seed)
        meta = _meta(
            f"{policy}-abort-storm", policy, _scenario(policy, True), _ended(samples, "completed")
        )
        _write(root, f"{policy}-abort-storm", meta, samples, cut=False)

    crashed = _gateway_samples("legacy", tracemalloc=False, seed=13)[:121]
    detail = (
        f"target exited with signal 9 (SIGKILL) at gateway time "
        f"{format_duration(crashed[-1]['t_gateway'])}, after {crashed[-1]['runs_done']:,} runs"
    )
    meta = _meta(
        "legacy-crashed",
        "legacy",
        _scenario("legacy", False),
        _ended(crashed, "target-crashed", detail),
    )
    _write(root, "legacy-crashed", meta, crashed, cut=True)

    samples = _command_samples(seed=14)
    meta = _meta("command-target", None, _scenario(None, False), _ended(samples, "completed"))
    _write(root, "command-target", meta, samples, cut=False)


if __name__ == "__main__":
    main()
