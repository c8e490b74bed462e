"""Rendering a run directory into what people read: PNG plots, a self-contained HTML report,
a before/after comparison, JUnit XML for CI and a terminal summary. One module per output format;
every renderer reads only the run directory, so a report can be rebuilt after any crash."""
