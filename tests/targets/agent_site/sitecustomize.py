"""A target's own sitecustomize: it must still run under leakbench's agent."""

import os

marker = os.environ.get("AGENT_TEST_SITECUSTOMIZE_MARKER")
if marker:
    with open(marker, "w", encoding="utf-8") as out:
        out.write(str(os.getpid()))
