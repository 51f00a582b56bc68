#!/usr/bin/env python3
"""Whole-process benchmark: kwiki against the Markdown "floor" and Hugo on the same corpus.

    python3 benches/compare.py --pages 1000 10000 --runs 5 [--out-root /dev/shm] [--no-hugo]
    python3 benches/compare.py --pages 1000 --runs 5 --guard 6   # CI regression guard
    python3 benches/compare.py --pages 10000 --runs 1 --no-hugo --serve   # edit-to-reload

For each size it generates the synthetic corpus with ../shared/bench/gen_corpus.py (seed 1) in
kwiki and Hugo formats, builds `kwiki` and the `floor` example in release mode, then runs floor,
kwiki and Hugo in turn (alternating, so machine noise hits all three alike), each into a fresh
output folder under --out-root (tmpfs by default; pass a disk path to measure on disk). It reports
medians of wall time and peak memory (the child's own max RSS, from wait4), kwiki's stage
timings (`build -v`), and kwiki's time as ratios to the floor and to Hugo.

--write-bound: after each kwiki run, the `write_only` example writes kwiki's finished output
again into a fresh folder (read into memory first, not timed): what writing those files costs by
itself, beside the floor, which writes only the Markdown's HTML. Off by default: on a disk, the
extra files it creates and deletes change what the other tools' runs cost.

--guard R fails (exit 1) when kwiki's median exceeds R times the floor's median in the same run:
a ratio, never an absolute time, so it holds on a slow or busy machine.
"""

import atexit
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GEN = REPO / "benches" / "gen_corpus.py"  # a copy of ../shared/bench/gen_corpus.py


def measure(cmd, cwd=None, env=None):
    """Runs a command; returns (wall seconds, peak RSS in MiB, CPU seconds (user + system),
    stdout). Exits when the command fails."""
    started = time.perf_counter()
    proc = subprocess.Popen([str(c) for c in cmd], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    out = proc.stdout.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{out}")
    return seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime, out


def run(cmd, cwd=None):
    """Runs a command; returns (seconds, peak RSS in MiB, stdout)."""
    seconds, mib, _, out = measure(cmd, cwd)
    return seconds, mib, out


def corpus(pages, fmt, base):
    target = base / f"corpus-{fmt}-{pages}"
    if not (target / "content").is_dir():
        if not GEN.is_file():
            sys.exit(f"no corpus generator at {GEN}")
        shutil.rmtree(target, ignore_errors=True)
        subprocess.run([sys.executable, str(GEN), "--pages", str(pages), "--seed", "1",
                        "--format", fmt, "--out", str(target)], check=True,
                       stdout=subprocess.DEVNULL)
    if fmt == "kwiki":
        # The corpus has no templates of its own: always the repository's current ones.
        for d in ("templates", "static"):
            shutil.rmtree(target / d, ignore_errors=True)
            shutil.copytree(REPO / d, target / d)
    return target


def serve_reload(kwiki, site, runs):
    """Edit-to-reload time of `kwiki serve`: from appending a sentence to one page to the
    build event on the live-reload stream (what makes an open tab reload). Returns the times."""
    import http.client
    import queue
    import threading
    proc = subprocess.Popen([str(kwiki), "serve", "--root", str(site), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = None
        for line in proc.stdout:
            m = re.search(r"Serving .* at (http://[^ ]+)", line)
            if m:
                url = m.group(1)
                break
        if not url:
            sys.exit("kwiki serve did not start")
        host, port = re.match(r"http://([^:/]+):(\d+)", url).groups()
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        conn.request("GET", "/__kwiki/events")
        resp = conn.getresponse()
        events = queue.Queue()

        def read():
            for raw in resp:
                if raw.startswith(b"event: build"):
                    events.put(time.perf_counter())
        threading.Thread(target=read, daemon=True).start()
        page = sorted((site / "content").glob("*/*.md"))[0]
        original = page.read_text()
        times = []
        time.sleep(0.5)
        try:
            for run in range(runs):
                while not events.empty():
                    events.get()
                started = time.perf_counter()
                page.write_text(f"{original}\nEdited {run} times in the benchmark.\n")
                times.append(events.get(timeout=30) - started)
                time.sleep(0.2)
        finally:
            page.write_text(original)
        return times
    finally:
        proc.terminate()
        proc.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out-root", default="/dev/shm" if Path("/dev/shm").is_dir() else "/tmp")
    ap.add_argument("--corpus-root", default="/tmp/kwiki-bench")
    ap.add_argument("--no-hugo", action="store_true")
    ap.add_argument("--guard", type=float, help="fail if kwiki/floor exceeds this ratio")
    ap.add_argument("--write-bound", action="store_true",
                    help="also time writing kwiki's finished output alone (examples/write_only)")
    ap.add_argument("--serve", action="store_true",
                    help="also measure kwiki serve's edit-to-reload time for a one-page edit")
    args = ap.parse_args()

    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "kwiki", "--example", "floor",
                    "--example", "write_only"], cwd=REPO, check=True)
    # Cargo puts its output under CARGO_TARGET_DIR when that is set (relative to the repository).
    target_dir = REPO / os.environ.get("CARGO_TARGET_DIR", "target")
    write_only = target_dir / "release" / "examples" / "write_only"
    kwiki = target_dir / "release" / "kwiki"
    floor = target_dir / "release" / "examples" / "floor"
    hugo = None if args.no_hugo else shutil.which("hugo")
    corpus_root = Path(args.corpus_root)
    corpus_root.mkdir(parents=True, exist_ok=True)
    out_root = Path(args.out_root) / f"kwiki-bench-{os.getpid()}"
    # Removed however the script ends (a failed guard, an exception, Ctrl-C). kwiki removes a
    # replaced output in a background process, which may still be at work: try again briefly.
    def remove_out_root():
        for _ in range(50):
            shutil.rmtree(out_root, ignore_errors=True)
            if not out_root.exists():
                return
            time.sleep(0.1)
    atexit.register(remove_out_root)
    failed = False
    for pages in args.pages:
        site = corpus(pages, "kwiki", corpus_root)
        hugo_site = corpus(pages, "hugo", corpus_root) if hugo else None
        tools = {
            "floor": lambda out: [floor, site / "content", out],
            "kwiki": lambda out: [kwiki, "build", "-v", "--root", site, "--out", out],
        }
        if hugo:
            tools["hugo"] = lambda out: [hugo, "--quiet", "--source", hugo_site, "--destination", out]
        times = {t: [] for t in tools}
        memory = {t: [] for t in tools}
        stages = {}
        written = []
        for _ in range(args.runs):
            for name, cmd in tools.items():
                out = out_root / name
                shutil.rmtree(out, ignore_errors=True)
                out.parent.mkdir(parents=True, exist_ok=True)
                seconds, mib, text = run([str(c) for c in cmd(out)])
                times[name].append(seconds)
                memory[name].append(mib)
                if name == "kwiki":
                    m = re.search(r"Stages: (.*)", text)
                    for part in (m.group(1).split(", ") if m else []):
                        stage, value, _ = part.split(" ")
                        stages.setdefault(stage, []).append(float(value))
                if name == "kwiki" and args.write_bound:
                    again = out_root / "written"
                    shutil.rmtree(again, ignore_errors=True)
                    _, _, text = run([str(write_only), str(out), str(again)])
                    m = re.search(r"written in ([0-9.]+) s", text)
                    if m:
                        written.append(float(m.group(1)))
                    shutil.rmtree(again, ignore_errors=True)
        remove_out_root()
        med = {t: statistics.median(v) for t, v in times.items()}
        print(f"\n{pages} pages, output on {args.out_root}, medians of {args.runs} alternating runs")
        print(f"  {'tool':6} {'wall s':>8} {'peak MiB':>9}")
        for t in tools:
            print(f"  {t:6} {med[t]:8.3f} {statistics.median(memory[t]):9.0f}")
        print("  kwiki stages: " + ", ".join(f"{s} {statistics.median(v):.3f} s" for s, v in stages.items()))
        if written:
            w = statistics.median(written)
            print(f"  writing kwiki's output alone (write_only): {w:.3f} s = {w / med['floor']:.2f}x the floor")
        ratio = med["kwiki"] / med["floor"]
        line = f"  kwiki / floor = {ratio:.2f}x"
        if hugo:
            line += f"; hugo / kwiki = {med['hugo'] / med['kwiki']:.2f}x (kwiki is that many times faster)"
        print(line)
        if args.serve:
            reloads = serve_reload(kwiki, site, 11)
            print(f"  kwiki serve, one-page edit to reload event: median {statistics.median(reloads) * 1000:.0f} ms"
                  f" (min {min(reloads) * 1000:.0f}, max {max(reloads) * 1000:.0f}, {len(reloads)} edits)")
        if args.guard and ratio > args.guard:
            print(f"  REGRESSION: kwiki/floor {ratio:.2f}x is above the guard {args.guard}x")
            failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
