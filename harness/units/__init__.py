"""Numbers with units, both ways: `parse` reads what people write (`90s`, `10MB/h`) into SI
base units, `format` writes figures people read (`2.05 KB`, `55.9 min`), and `fields` holds the
pydantic field types of scenario files. One place, so the scenario files, the CLI, the
verdict's headline, the plots, the HTML and the terminal agree. Importing this package loads
no pydantic (the pytest plugin and the progress bar use it).
"""

from leakbench.harness.units.format import (
    MISSING,
    byte_unit,
    format_amount,
    format_bytes,
    format_duration,
    format_interval,
    format_number,
    format_p_value,
    format_percent,
    format_quantity,
    format_tick,
    time_unit,
)
from leakbench.harness.units.parse import (
    format_duration_spec,
    parse_duration,
    parse_rate,
    parse_size,
    parse_size_rate,
)

__all__ = [
    "MISSING",
    "byte_unit",
    "format_amount",
    "format_bytes",
    "format_duration",
    "format_duration_spec",
    "format_interval",
    "format_number",
    "format_p_value",
    "format_percent",
    "format_quantity",
    "format_tick",
    "parse_duration",
    "parse_rate",
    "parse_size",
    "parse_size_rate",
    "time_unit",
]
