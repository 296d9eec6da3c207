"""The benchmark behind `make bench` (issue 5): `bench/run.py` measures, `BENCHMARKS.md` reports.

`run.py` orchestrates (data per scale, one fresh subprocess per measured run), `worker.py` is
what runs in those subprocesses, `measure.py` watches them (wall, CPU, peak memory),
`report.py` writes the Markdown.
"""
