"""The machine the benchmarks ran on: CPU, cores, memory, versions, GPU, load."""
from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path


def _read(path: str) -> str:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return ""


def _cpu_model() -> str:
    for line in _read("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _memory_gib() -> float:
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 2 ** 20
    return float("nan")


def _cgroup_limits() -> str:
    """The container's CPU and memory limits (cgroup v2), where set."""
    parts = []
    cpu = _read("/sys/fs/cgroup/cpu.max").split()
    if len(cpu) == 2 and cpu[0] != "max":
        parts.append(f"cpu.max {int(cpu[0]) / int(cpu[1]):g} cores")
    memory = _read("/sys/fs/cgroup/memory.max")
    if memory and memory != "max":
        parts.append(f"memory.max {int(memory) / 2 ** 30:.1f} GiB")
    return ", ".join(parts) or "none"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


_TORCH_FACTS = """
import json, torch
cuda = torch.cuda.is_available()
print(json.dumps({"threads": torch.get_num_threads(), "cuda": torch.version.cuda,
                  "gpus": [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
                  if cuda else []}))
"""


def torch_facts() -> dict:
    """torch's thread count and CUDA devices, asked in a separate process (this one stays free
    of torch's thread pools, so that it may fork)."""
    done = subprocess.run([sys.executable, "-c", _TORCH_FACTS], capture_output=True, text=True)
    if done.returncode != 0:
        return {"threads": "n/a", "cuda": None, "gpus": [], "error": "torch not importable"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def gpu(facts: dict) -> str:
    """The CUDA device(s) torch sees, or why there is none."""
    if facts.get("gpus"):
        return f"{', '.join(facts['gpus'])} (CUDA {facts['cuda']})"
    if shutil.which("nvidia-smi"):
        done = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True)
        if done.returncode == 0 and done.stdout.strip():
            return f"{done.stdout.strip()} (but torch cannot use it)"
    return "none"


def load() -> tuple[float, float, float]:
    return os.getloadavg()


def describe() -> dict:
    facts = torch_facts()
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)),
        "memory_gib": round(_memory_gib(), 1),
        "cgroup_limits": _cgroup_limits(),
        "os": f"{platform.system()} {platform.release()}",
        "python": sys.version.split()[0],
        "numpy": _version("numpy"),
        "torch": _version("torch"),
        "torch_threads": facts.get("threads", "n/a"),
        "hypothesis": _version("hypothesis"),
        "otter_grader": _version("otter-grader"),
        "gpu": gpu(facts),
        "cuda": bool(facts.get("gpus")),
        "load_at_start": tuple(round(x, 2) for x in load()),
        "user": "root" if os.geteuid() == 0 else "not root",
    }


# ----------------------------------------------------------------------------- load over the run
def _busy_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine since boot (/proc/stat's first line)."""
    fields = [int(x) for x in _read("/proc/stat").splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def _tree_ticks(pid: int) -> int:
    """CPU ticks used by ``pid`` and its live descendants, their reaped children included."""
    from autograder.bench.procs import tree

    total = 0
    for p in tree(pid):
        try:
            stat = Path(f"/proc/{p}/stat").read_bytes()
        except OSError:
            continue
        fields = stat[stat.rindex(b")") + 2:].split()
        total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    return total


class LoadSampler:
    """Samples, every ``every_s`` seconds over the whole run, how much CPU the processes *not*
    started by the bench use (the machine's busy time minus the bench's own process tree's):
    a figure of how shared the machine was, unlike a load average read once."""

    def __init__(self, every_s: float = 1.0):
        import threading

        self.every_s = every_s
        self.others: list[float] = []
        """other processes' CPU use in each interval, in cores"""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> "LoadSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        import time

        hz = os.sysconf("SC_CLK_TCK")
        busy, _ = _busy_ticks()
        ours = _tree_ticks(os.getpid())
        last = time.monotonic()
        while not self._stop.wait(self.every_s):
            now_busy, _ = _busy_ticks()
            now_ours = _tree_ticks(os.getpid())
            now = time.monotonic()
            others = (now_busy - busy) - max(0, now_ours - ours)
            self.others.append(max(0.0, others / hz / max(now - last, 1e-6)))
            busy, ours, last = now_busy, now_ours, now

    def summary(self, cores: int) -> dict:
        """Mean, 90th percentile and largest CPU use of other processes (cores), and whether
        the run counts as loaded (others used a tenth of the machine on average, or a quarter
        of it for a tenth of the run)."""
        values = sorted(self.others)
        if not values:
            return {"samples": 0, "loaded": False}
        mean = sum(values) / len(values)
        p90 = values[min(len(values) - 1, int(0.9 * len(values)))]
        return {"samples": len(values), "every_s": self.every_s, "mean_cores": round(mean, 2),
                "p90_cores": round(p90, 2), "max_cores": round(values[-1], 2),
                "loaded": mean > 0.1 * cores or p90 > 0.25 * cores}
