#!/usr/bin/env python3
"""The explorer's benchmarks: every scenario of bench/scenarios in every search mode, against
the foundation's plain BFS (the baseline), and the first counterexample of every catalogue race.

    bench/run.py [--bin build/pagecheck] [--threads 1,2,4,8,16] [--repeat 3] [--quick]
                 [--only NAME,...] [--timeout 900] [--out bench/results/HOST-DATE.csv]

Prints a Markdown table and writes one CSV row per run (the fastest of --repeat runs). Figures
are to be read as ratios taken in one run (bench/README.md): the machine's load is recorded with
every row, and CPU seconds (user + system of that process) next to wall seconds: on a shared
machine states per CPU second is the per-core figure, wall seconds the speed-up.
"""
import argparse
import csv
import datetime
import json
import os
import platform
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Each mode: name, extra arguments, whether --quick keeps it.
MODES = [
    ("baseline", ["--strategy", "foundation"], True),
    ("bfs", [], True),
    ("dfs", ["--strategy", "dfs"], False),
    ("sleep", ["--por", "sleep"], True),
    ("dpor", ["--por", "dpor"], True),
    ("symmetry", ["--symmetry"], True),
    ("sleep+symmetry", ["--por", "sleep", "--symmetry"], False),
    ("full-states", ["--full-states"], False),
]

# The scaled scenarios and the variant each runs against (holds there: the whole space).
SCENARIOS = [
    ("contended-4cpu", "v6.10"),
    ("contended-4cpu-large", "v6.10"),
    ("regions-4cpu", "v6.10"),
    ("inuse-4cpu-large", "v6.10"),
    ("symmetric-4cpu", "v6.10"),
    ("isolate-expand-all-layouts", "v6.10"),
]

COLUMNS = ["scenario", "variant", "mode", "threads", "verdict", "states", "transitions", "seconds", "wall_s",
           "cpu_s", "states_per_s", "states_per_cpu_s", "bytes_per_state", "peak_rss_mb", "reduction", "speedup",
           "vs_baseline", "load1", "exit"]


def load1():
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def run(binary, scenario, variant, args, timeout):
    """One pagecheck run: its JSON, wall time and peak RSS (of that process alone)."""
    path = os.path.join(ROOT, "bench", "scenarios", scenario + ".toml")
    target = path if os.path.exists(path) else scenario
    cmd = [binary, "check", target, "--variant", variant, "--json", "--no-progress"] + args
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    bufs = {}
    readers = [threading.Thread(target=lambda n=n, f=f: bufs.__setitem__(n, f.read()))
               for n, f in (("out", p.stdout), ("err", p.stderr))]
    for t in readers:
        t.start()
    killer = threading.Timer(timeout, p.kill)
    killer.start()
    # wait4 gives this process's own peak RSS (RUSAGE_CHILDREN would be the largest so far).
    _, status, ru = os.wait4(p.pid, 0)
    killer.cancel()
    for t in readers:
        t.join()
    p.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - t0
    out, err = bufs.get("out", b""), bufs.get("err", b"")
    rss_kb = ru.ru_maxrss
    cpu = ru.ru_utime + ru.ru_stime
    try:
        j = json.loads(out)
    except ValueError:
        j = None
    return j, wall, rss_kb / 1024.0, p.returncode, err.decode(errors="replace").strip(), cpu


def best_of(n, binary, scenario, variant, args, timeout):
    """The fastest of n runs (engine seconds): the least disturbed by the machine's other load."""
    best = None
    for _ in range(max(1, n)):
        r = run(binary, scenario, variant, args, timeout)
        if r[0] is None:
            return r
        if best is None or r[0]["stats"]["seconds"] < best[0]["stats"]["seconds"]:
            best = r
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "pagecheck"))
    ap.add_argument("--threads", default="1,2", help="thread counts of the BFS scaling runs")
    ap.add_argument("--quick", action="store_true", help="fewer modes, no large scenario")
    ap.add_argument("--only", default="", help="comma-separated scenario names")
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--repeat", type=int, default=1, help="runs per mode; the fastest is kept")
    ap.add_argument("--out", default="")
    a = ap.parse_args()
    threads = [int(t) for t in a.threads.split(",") if t]
    only = set(filter(None, a.only.split(",")))
    host = platform.node() or "host"
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = a.out or os.path.join(ROOT, "bench", "results", f"{host}-{stamp}.csv")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    print(f"# pagecheck benchmarks, {stamp}, commit {commit}, {host}: {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()}\n")

    rows = []
    with open(out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()

        def emit(row):
            rows.append(row)
            w.writerow(row)
            f.flush()
            print("  " + " ".join(f"{k}={row[k]}" for k in ("scenario", "mode", "threads", "verdict", "states",
                                                             "seconds", "peak_rss_mb")), file=sys.stderr)

        for scenario, variant in SCENARIOS:
            if only and scenario not in only:
                continue
            if a.quick and scenario.endswith("-large"):
                continue
            base = {}
            runs = []
            for mode, args, quick in MODES:
                if a.quick and not quick:
                    continue
                if mode == "full-states" and scenario.endswith("-large"):
                    continue  # whole states of the large scenario: about 6 GB
                for t in (threads if mode == "bfs" else [1]):
                    runs.append((mode, args + (["--threads", str(t)] if t > 1 else []), t))
            for mode, args, t in runs:
                ld = load1()
                j, wall, rss, code, err, cpu = best_of(a.repeat, a.bin, scenario, variant, args, a.timeout)
                row = {k: "" for k in COLUMNS}
                row.update(scenario=scenario, variant=variant, mode=mode, threads=t, wall_s=f"{wall:.2f}",
                           cpu_s=f"{cpu:.2f}", peak_rss_mb=f"{rss:.0f}", load1=f"{ld:.2f}", exit=code)
                if j is None:
                    row["verdict"] = "error: " + err.splitlines()[-1] if err else "error"
                    emit(row)
                    continue
                s = j["stats"]
                secs = max(s["seconds"], 1e-6)
                row.update(verdict=j["verdict"], states=s["states"], transitions=s["transitions"],
                           seconds=f"{s['seconds']:.3f}", states_per_s=f"{s['states'] / secs:.0f}",
                           states_per_cpu_s=f"{s['states'] / max(cpu, 1e-6):.0f}",
                           bytes_per_state=f"{s.get('bytes_per_state', 0):.1f}")
                if mode in ("baseline", "bfs") and t == 1:
                    base[mode] = (s["states"], secs)
                if "bfs" in base:
                    row["reduction"] = f"{s['states'] / base['bfs'][0]:.4f}"
                    row["speedup"] = f"{base['bfs'][1] / secs:.2f}"
                if "baseline" in base:
                    row["vs_baseline"] = f"{base['baseline'][1] / secs:.2f}"
                emit(row)

        # First counterexamples of the catalogue's races.
        races = []
        listing = subprocess.run([a.bin, "list", "scenarios", "--json"], capture_output=True, text=True)
        for sc in json.loads(listing.stdout or "[]"):
            for spec, verdict in sc.get("expect", {}).items():
                if verdict == "violated":
                    races.append((sc["name"], spec))
        for scenario, variant in races:
            if only and scenario not in only:
                continue
            for mode, args in (("bfs", []), ("dfs", ["--strategy", "dfs"]), ("dpor", ["--por", "dpor"]),
                               ("preemption-bound 1", ["--preemption-bound", "1"])):
                ld = load1()
                j, wall, rss, code, err, cpu = best_of(a.repeat, a.bin, scenario, variant, args, a.timeout)
                row = {k: "" for k in COLUMNS}
                row.update(scenario=scenario, variant=variant, mode="first-cex " + mode, threads=1,
                           wall_s=f"{wall:.3f}", cpu_s=f"{cpu:.3f}", peak_rss_mb=f"{rss:.0f}", load1=f"{ld:.2f}",
                           exit=code)
                if j:
                    row.update(verdict=j["verdict"], states=j["stats"]["states"],
                               transitions=j["stats"]["transitions"], seconds=f"{j['stats']['seconds']:.4f}")
                emit(row)

    # The table.
    print("| scenario | variant | mode | thr | verdict | states | transitions | s | CPU s | states/CPU s | "
          "B/state | RSS MB | reduction | speed-up | vs baseline | load |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(str(r[k]) for k in ("scenario", "variant", "mode", "threads", "verdict", "states",
                                                     "transitions", "seconds", "cpu_s", "states_per_cpu_s",
                                                     "bytes_per_state", "peak_rss_mb", "reduction", "speedup",
                                                     "vs_baseline", "load1")) + " |")
    print(f"\nCSV: {out}")


if __name__ == "__main__":
    main()
