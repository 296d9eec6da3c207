"""Watching a measured subprocess: wall time, CPU time, peak memory; the machine and the commit.

Peak memory is taken two ways, both over the whole process tree (the Python process running
Dagster and the dbt subprocess it starts):

- `peak_tree_rss_bytes`: the largest *sum* of resident set sizes of the process and all its
  descendants, sampled from /proc every `SAMPLE_SECONDS` (what the machine had to hold at once;
  can miss a spike shorter than the sampling interval);
- `max_process_rss_bytes`: the kernel's high-water mark of the largest single process of the
  tree (`wait4` rusage `ru_maxrss`, which includes reaped descendants such as dbt).
"""

from __future__ import annotations

import os
import platform
import subprocess
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_SECONDS = 0.2
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Measured:
    returncode: int
    process_wall_s: float
    cpu_s: float
    peak_tree_rss_bytes: int
    max_process_rss_bytes: int
    load_start: list[float]
    load_end: list[float]

    def as_dict(self) -> dict:
        return asdict(self)


def load_average() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def _process_table() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, resident bytes) of every process visible in /proc."""
    table: dict[int, tuple[int, int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # The command name is in parentheses and may itself contain spaces or parentheses.
        fields = stat[stat.rfind(b")") + 2 :].split()
        table[int(entry.name)] = (int(fields[1]), int(fields[21]) * PAGE_SIZE)
    return table


def tree_rss(root: int) -> int:
    """Resident bytes of `root` and all its descendants, summed."""
    table = _process_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _rss) in table.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        if pid in table:
            total += table[pid][1]
        todo.extend(children.get(pid, ()))
    return total


def run_measured(
    command: list[str],
    log_path: Path,
    *,
    cwd: Path = PROJECT_ROOT,
    env: dict[str, str] | None = None,
) -> Measured:
    """Run `command` (stdout and stderr to `log_path`), watching its process tree."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    load_start = load_average()
    peak = 0
    done = threading.Event()
    with log_path.open("wb") as log:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=cwd, env=env)

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, tree_rss(process.pid))
                done.wait(SAMPLE_SECONDS)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        sampler.join()
    return Measured(
        returncode=process.returncode,
        process_wall_s=round(wall, 3),
        cpu_s=round(usage.ru_utime + usage.ru_stime, 3),
        peak_tree_rss_bytes=peak,
        max_process_rss_bytes=usage.ru_maxrss * 1024,  # Linux reports KiB
        load_start=load_start,
        load_end=load_average(),
    )


def _git(*args: str) -> str:
    result = subprocess.run(
        ["git", "--no-optional-locks", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.rstrip() if result.returncode == 0 else ""


def head_commit() -> str:
    return _git("rev-parse", "HEAD").strip()


def commit_info() -> dict:
    """HEAD's short hash and whether tracked files differ from it (read-only git commands)."""
    changed = [
        line[3:] for line in _git("status", "--porcelain", "--untracked-files=no").splitlines()
    ]
    head = _git("rev-parse", "--short", "HEAD").strip() or "unknown"
    return {
        "commit": head,
        "dirty": bool(changed),
        "label": f"{head}{'-dirty' if changed else ''}",
        "changed_files": changed,
    }


# A fixed DuckDB workload (hash aggregate, sort, string join; 2 threads) timed before every
# scenario: the sandbox moves between hosts whose speed differs up to ~2x, and rows are told
# apart by `host` and this figure (lower = faster). It varies by ~20% on one host: it flags a
# different host, it is no factor to convert figures between hosts.
CALIBRATION_SQL = (
    "select count(distinct h), sum(k) from"
    " (select hash(i % 3000000) as h, i % 7 as k from range(20000000) as t(i))",
    "select sum(x) from (select i as x from range(5000000) as t(i) order by hash(i) limit 10)",
    "create or replace temp table calibration as"
    " select i, cast(hash(i) as varchar) as s from range(3000000) as t(i)",
    "select count(*) from calibration as a inner join calibration as b on a.s = b.s",
)


def calibration_s(repeats: int = 3) -> float:
    """Best of `repeats` timings of CALIBRATION_SQL after one warm-up, in seconds."""
    import duckdb  # the project's DuckDB, imported only when measuring

    with duckdb.connect() as con:
        con.execute("set threads = 2")
        con.execute("set enable_progress_bar = false")
        timings = []
        for _ in range(repeats + 1):
            started = time.perf_counter()
            for sql in CALIBRATION_SQL:
                con.execute(sql).fetchall()
            timings.append(time.perf_counter() - started)
    return round(min(timings[1:]), 2)


def host_info() -> dict:
    """The host a scenario ran on: CPU model, kernel and calibration time."""
    machine = machine_info()
    return {
        "cpu_model": machine["cpu_model"],
        "kernel": machine["kernel"],
        "calibration_s": calibration_s(),
    }


def machine_info() -> dict:
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    total_kib = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal:"))
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    return {
        "cores": os.cpu_count(),
        "ram_bytes": total_kib * 1024,
        "cpu_model": cpu,
        "python": platform.python_version(),
        "kernel": platform.release(),
        "load_at_start": load_average(),
    }
