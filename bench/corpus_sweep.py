"""The corpus sweep: every real leak (leaky and fixed) and every hard negative, judged through
the `command` target at several soak lengths; one Markdown table.

    python bench/corpus_sweep.py [--only real|negatives] [--lengths 10,20,30,60] [--out DIR]

Negatives are also judged at twice their plateau time. Each real package runs in its own venv
without leakbench (tests/corpus/venvs.py). Results go to DIR/results.jsonl as they come.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from corpus.judge import judge, top
from corpus.programs import NEGATIVES, REAL_LEAKS
from corpus.venvs import build, python_of


def attribution(summary: dict) -> str:
    parts = []
    for key, field in (("types", "type"), ("holders", "holder"), ("sites", "site")):
        names = top(summary, key, field)[:1]
        if names:
            parts.append(f"{key[:-1]} {names[0]}")
    signals = summary.get("signals", {})
    if signals.get("rss", {}).get("allocator_retention"):
        parts.append("retention")
    if "native" in summary.get("headline", ""):
        parts.append("native")
    return "; ".join(parts) or "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=("real", "negatives"))
    parser.add_argument("--lengths", default="10,20,30,60")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    lengths = [float(x) for x in args.lengths.split(",")]
    out = args.out or Path(tempfile.mkdtemp(prefix="corpus-sweep-"))
    out.mkdir(parents=True, exist_ok=True)
    jobs = []
    if args.only != "negatives":
        for leak in REAL_LEAKS:
            for version in (leak.leaky, leak.fixed):
                python = python_of(build(leak.requirement(version)))
                expect = "leak" if version == leak.leaky else "no-leak"
                for seconds in lengths:
                    jobs.append((f"{leak.package} {version}", python, leak.driver, seconds, expect))
    if args.only != "real":
        for negative in NEGATIVES:
            twice = 2 * negative.plateau
            for seconds in sorted({*lengths, max(twice, 10.0)}):
                expect = "no-leak" if seconds >= twice else "not leak"
                jobs.append((negative.name, Path(sys.executable), negative.driver, seconds, expect))
    rows = []
    with (out / "results.jsonl").open("a", encoding="utf-8") as results:
        for index, (label, python, driver, seconds, expect) in enumerate(jobs):
            judged = judge(
                driver.stem, python, driver, seconds, out / f"{index:03d}-{driver.stem}-{seconds:g}"
            )
            ok = judged.verdict != "leak" if expect == "not leak" else judged.verdict == expect
            row = {
                "program": label,
                "seconds": seconds,
                "expect": expect,
                "verdict": judged.verdict,
                "code": judged.code,
                "ok": ok,
                "attribution": attribution(judged.summary),
                "headline": judged.headline,
            }
            rows.append(row)
            results.write(json.dumps(row) + "\n")
            results.flush()
            print(json.dumps(row), flush=True)
    print("\n| program | soak | expected | verdict | right | attribution seen |")
    print("| --- | --- | --- | --- | --- | --- |")
    for row in rows:
        print(
            f"| {row['program']} | {row['seconds']:g} s | {row['expect']} | {row['verdict']} | "
            f"{'yes' if row['ok'] else '**no**'} | {row['attribution']} |"
        )


if __name__ == "__main__":
    main()
