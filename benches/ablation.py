#!/usr/bin/env python3
"""What each feature costs: kwiki with its pictures, search index, link sentences and page
template taken away one after another, against the floor, in one alternating run.

    python3 benches/ablation.py [--pages 10000] [--runs 9] [--out-root /dev/shm]

The switches are not in kwiki: this script exports the committed tree (`git archive HEAD`) to
a scratch folder, applies `benches/ablation.patch` there (environment switches KW_NOPIC,
KW_NOSEARCH, KW_NOCTX, read once), builds it into `target/ablation`, and checks that the
patched binary without switches writes the same files as `target/release/kwiki`. The page
template is taken away by a copy of the corpus whose `page.html` prints only the title and the
content. Each step removes a feature's work and its output, so a step's saving is what that
feature costs, end to end. Reports medians of wall and CPU time (user + system, from wait4).
"""

import argparse
import filecmp
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benches"))
from compare import corpus, measure  # noqa: E402  (the same corpora and timing as compare.py)

MINIMAL_PAGE = "<!DOCTYPE html><title>{{ page.title }}</title>{{ page.content | safe }}\n"


def same_tree(a: Path, b: Path) -> bool:
    cmp = filecmp.dircmp(a, b)
    if cmp.left_only or cmp.right_only or cmp.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(a, b, cmp.common_files, shallow=False)
    if mismatch or errors:
        return False
    return all(same_tree(a / d, b / d) for d in cmp.common_dirs)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--out-root", default="/dev/shm" if Path("/dev/shm").is_dir() else "/tmp")
    ap.add_argument("--corpus-root", default="/tmp/kwiki-bench")
    args = ap.parse_args()

    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "kwiki", "--example", "floor"],
                   cwd=REPO, check=True)
    kwiki = REPO / "target" / "release" / "kwiki"
    floor = REPO / "target" / "release" / "examples" / "floor"
    target_dir = REPO / "target" / "ablation"
    with tempfile.TemporaryDirectory() as scratch:
        archive = subprocess.run(["git", "archive", "HEAD"], cwd=REPO, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", scratch], input=archive, check=True)
        subprocess.run(["git", "apply", str(REPO / "benches" / "ablation.patch")], cwd=scratch, check=True)
        subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "kwiki",
                        "--target-dir", str(target_dir)], cwd=scratch, check=True)
    ablated = target_dir / "release" / "kwiki"

    site = corpus(args.pages, "kwiki", Path(args.corpus_root))
    minimal = Path(args.corpus_root) / f"corpus-kwiki-{args.pages}-minimal-page"
    shutil.rmtree(minimal, ignore_errors=True)
    shutil.copytree(site, minimal)
    (minimal / "templates" / "page.html").write_text(MINIMAL_PAGE)

    out_root = Path(args.out_root) / f"kwiki-ablation-{os.getpid()}"
    out_root.mkdir(parents=True)
    try:
        # Without switches the patched binary must be kwiki itself.
        for name, binary in (("a", kwiki), ("b", ablated)):
            subprocess.run([binary, "build", "--root", site, "--out", out_root / name], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not same_tree(out_root / "a", out_root / "b"):
            sys.exit("the patched binary without switches writes different files: fix the patch")

        steps = [
            ("floor", [floor, site / "content", "OUT"], {}),
            ("kwiki", [ablated, "build", "--root", site, "--out", "OUT"], {}),
            ("- pictures", [ablated, "build", "--root", site, "--out", "OUT"], {"KW_NOPIC": "1"}),
            ("- search index", [ablated, "build", "--root", site, "--out", "OUT"],
             {"KW_NOPIC": "1", "KW_NOSEARCH": "1"}),
            ("- link sentences", [ablated, "build", "--root", site, "--out", "OUT"],
             {"KW_NOPIC": "1", "KW_NOSEARCH": "1", "KW_NOCTX": "1"}),
            ("- page template", [ablated, "build", "--root", minimal, "--out", "OUT"],
             {"KW_NOPIC": "1", "KW_NOSEARCH": "1", "KW_NOCTX": "1"}),
        ]
        wall = {name: [] for name, _, _ in steps}
        cpu = {name: [] for name, _, _ in steps}
        for _ in range(args.runs):
            for name, cmd, switches in steps:
                out = out_root / "out"
                shutil.rmtree(out, ignore_errors=True)
                seconds, _, cpu_seconds, _ = measure([out if c == "OUT" else c for c in cmd],
                                                     env=dict(os.environ, **switches))
                wall[name].append(seconds)
                cpu[name].append(cpu_seconds)
    finally:
        shutil.rmtree(out_root, ignore_errors=True)

    floor_wall = statistics.median(wall["floor"])
    print(f"{args.pages} pages, output on {args.out_root}, medians of {args.runs} alternating runs; "
          "each step also takes away the ones above it")
    print(f"  {'':18} {'wall s':>7} {'x floor':>8} {'cpu s':>7}")
    for name, _, _ in steps:
        w = statistics.median(wall[name])
        print(f"  {name:18} {w:7.3f} {w / floor_wall:8.2f} {statistics.median(cpu[name]):7.3f}")


if __name__ == "__main__":
    main()
