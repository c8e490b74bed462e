"""The pytest plugin (harness.pytest_plugin): `leak_soak` fixture and marker, in real sessions.

Each test runs a small pytest session in-process with `pytester`; the plugin is the installed
one (the `pytest11` entry point), as in any project that installs leakbench.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import textwrap
from xml.etree import ElementTree

import pytest

# pytester's in-process sessions forget the modules first imported inside them, and numpy cannot
# be imported twice in one process: load the soak's statistics here, once.
import leakbench.harness.pytest_plugin.gate  # noqa: F401
from leakbench.harness.pytest_plugin.scaling import IterationScale

LEAKING = """
    LEAKED = []

    class Session:
        def __init__(self, number):
            self.number = number
            self.name = f"session {number}"

    def open_session():
        LEAKED.append(Session(len(LEAKED)))

    def test_open_session(leak_soak):
        leak_soak(open_session, signals=("heap", "objects", "rss"))
"""

CLEAN = """
    import functools
    import itertools
    import json

    KEYS = itertools.cycle(range(500))

    @functools.lru_cache(maxsize=128)
    def lookup(key):
        return [str(key)] * 8

    def handle():
        json.loads(json.dumps({"key": lookup(next(KEYS)), "rows": list(range(20))}))

    def test_handle(leak_soak):
        result = leak_soak(handle)
        assert result.verdict == "no-leak"
        assert result.calls == 2000
        assert set(result.slopes) == {"heap", "rss"}
        assert result.summary["signals"]["heap"]["unit"] == "blocks"
"""

# The heap creeps up and jumps once, late in the soak: the blocks rise steadily, but one level
# shift fits better than a line (the one-jump rule): inconclusive.
ONE_JUMP = """
    import itertools
    import pytest

    HELD = []

    def jump_once(calls=itertools.count()):
        HELD.append(object())
        if next(calls) == 1300:
            HELD.extend(object() for _ in range(3000))

    def test_jump(leak_soak):
        leak_soak(jump_once, confirm=False, inconclusive={policy!r})
"""


def run_pytest(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """An inner pytest run. The outer session already imported leakbench (it is a plugin), so
    the inner one cannot rewrite its asserts: that warning is about the test setup, not a soak."""
    return pytester.runpytest("-W", "ignore::pytest.PytestAssertRewriteWarning", *args)


def write(pytester: pytest.Pytester, source: str) -> None:
    pytester.makepyfile(test_soaked=textwrap.dedent(source))


def test_a_leak_fails_the_test_with_the_evidence(pytester: pytest.Pytester) -> None:
    write(pytester, LEAKING)
    result = run_pytest(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*leak_soak: leak after 2000 calls*",
            "*heap*leak*blocks/call; 99% bounds * to * blocks, tolerance 0.5 blocks, MDL *",
            "*objects*leak*1 objects/call*",
            "*grew over 400 more calls (gc census, tracemalloc):",
            "*type test_soaked.Session: +*1/call*",
            "*held in test_soaked.LEAKED (module global, 5 of 5 sampled): test_soaked.LEAKED?…?",
            "*site test_soaked.py:*",
        ]
    )


def test_allocating_and_a_bounded_cache_pass(pytester: pytest.Pytester) -> None:
    write(pytester, CLEAN)
    result = run_pytest(pytester, "--junitxml=report.xml")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*leakbench soaks*", "no-leak*test_handle (2000 calls*No leak*"])
    properties = {
        node.get("name"): node.get("value")
        for node in ElementTree.parse(pytester.path / "report.xml").iter("property")
    }
    assert properties["leakbench_verdict"] == "no-leak"


def test_the_marker_soaks_the_body_with_fixtures_set_up_once(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        """
        import itertools
        import pytest

        BODY_CALLS = itertools.count()
        SETUPS = itertools.count()
        LEAKED = []

        @pytest.fixture
        def document():
            next(SETUPS)
            return {"rows": list(range(10))}

        @pytest.mark.leak_soak(iterations=300)
        def test_clean_body(document):
            next(BODY_CALLS)
            sorted(document["rows"], reverse=True)

        @pytest.mark.leak_soak(iterations=300, attribute=False)
        def test_leaking_body():
            LEAKED.append(object())

        def test_counts():
            assert next(BODY_CALLS) == 300
            assert next(SETUPS) == 1
        """,
    )
    result = run_pytest(pytester)
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*test_leaking_body*", "*leak_soak: leak after 300 calls*"])


def test_leakbench_off_skips_both_forms(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        LEAKING
        + """
    @pytest.mark.leak_soak
    def test_marked():
        open_session()
    """.replace("@pytest", "import pytest\n    @pytest", 1),
    )
    result = run_pytest(pytester, "--leakbench-off", "-rs")
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines(["*leak soaks are off (--leakbench-off)*"])


@pytest.mark.parametrize(
    ("policy", "outcome"), [("fail", "failed"), ("xfail", "xfailed"), ("warn", "passed")]
)
def test_an_inconclusive_verdict_follows_its_policy(
    pytester: pytest.Pytester, policy: str, outcome: str
) -> None:
    write(pytester, ONE_JUMP.format(policy=policy))
    result = run_pytest(pytester, "-rx")
    result.assert_outcomes(**{outcome: 1}, warnings=1 if policy == "warn" else 0)
    result.stdout.fnmatch_lines(
        ["*leak_soak: inconclusive after 2000 calls*", "*in one jump rather than steadily*"]
    )
    if policy == "warn":
        result.stdout.fnmatch_lines(["*test_soaked.py:*: InconclusiveSoak: leak_soak*"])


def test_tracemalloc_judges_bytes_and_sees_growth_without_new_objects(
    pytester: pytest.Pytester,
) -> None:
    """A buffer extended in place makes no heap block and no gc object; traced bytes see it."""
    write(
        pytester,
        """
        import tracemalloc

        BUFFER = bytearray()

        def append_record():
            BUFFER.extend(bytes(1000))

        def test_buffer(leak_soak):
            try:
                leak_soak(append_record, iterations=500, tracemalloc=True)
            finally:
                assert not tracemalloc.is_tracing()
        """,
    )
    result = run_pytest(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*heap*leak*KB/call*tolerance 64.0 B*",
            "*site test_soaked.py:6: *",
        ]
    )


def test_a_tolerance_the_test_sets_is_reported_as_set_and_the_default_as_default(
    pytester: pytest.Pytester,
) -> None:
    write(
        pytester,
        """
        import pytest

        @pytest.mark.parametrize(
            ("options", "unit", "tolerance", "source"),
            [
                ({"per_iteration": "1KiB", "tracemalloc": True}, "bytes", 1024, "scenario"),
                ({"tracemalloc": True}, "bytes", 64, "default"),
                ({"objects_per_iteration": 2.0}, "blocks", 2.0, "scenario"),
                ({}, "blocks", 0.5, "default"),
            ],
        )
        def test_source(leak_soak, options, unit, tolerance, source):
            result = leak_soak(lambda: None, iterations=200, signals=("heap",), **options)
            heap = result.summary["signals"]["heap"]
            assert heap["unit"] == unit
            assert (heap["tolerance_per_run"], heap["tolerance_source"]) == (tolerance, source)
        """,
    )
    run_pytest(pytester).assert_outcomes(passed=4)


def test_iterations_option_sets_or_scales_every_soak(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        """
        def test_counted(leak_soak):
            result = leak_soak(lambda: None, iterations=1000)
            print("calls:", result.calls)
        """,
    )
    run_pytest(pytester, "-s", "--leakbench-iterations", "400").stdout.fnmatch_lines(
        ["*calls: 400"]
    )
    run_pytest(pytester, "-s", "--leakbench-iterations=0.5x").stdout.fnmatch_lines(["*calls: 500"])


def test_unknown_options_are_named(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        """
        def test_typo(leak_soak):
            leak_soak(lambda: None, iteration=500)
        """,
    )
    result = run_pytest(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*unknown option(s) iteration; known: attribute, confirm*"])


@pytest.mark.parametrize(
    ("text", "scale"),
    [("5000", IterationScale(count=5000)), ("4x", IterationScale(factor=4.0))],
)
def test_iteration_scale_parses_counts_and_factors(text: str, scale: IterationScale) -> None:
    assert IterationScale.parse(text) == scale
    assert scale.apply(1000) == (5000 if scale.count else 4000)


@pytest.mark.parametrize("text", ["0", "-3", "x", "0x", "lots"])
def test_iteration_scale_refuses_nonsense(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=r"positive count|must be positive"):
        IterationScale.parse(text)


def test_loading_the_plugin_imports_no_statistics() -> None:
    """Every pytest session of anyone who installs leakbench loads the plugin."""
    heavy = ("numpy", "scipy", "ruptures", "pydantic", "pympler", "psutil")
    code = (
        "import sys, leakbench.harness.pytest_plugin; "
        f"print([m for m in {heavy!r} if m in sys.modules])"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == "[]"
