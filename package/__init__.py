"""leakbench: memory-leak diagnostics and soak testing for long-running services.

The repository keeps the product's shape in top-level folders (`probe/`, `gateway_sim/`,
`harness/`, `reports/`, `scenarios/`); the distribution installs them under this one package,
so that `pip install leakbench` adds a single importable name (docs/architecture.md). This
folder is called `package/`, not `leakbench/`, so that a shell in the repository's root never
imports it in place of the installed package.
"""
