#!/usr/bin/env python3
"""The synthetic corpus inside a git repository with a long history, for timing what reading
git costs a build (history pages, recent changes, feeds) and what the data export adds.

    python3 benches/git_corpus.py --pages 10000 --commits 3000 --out /var/tmp/kwiki-git-bench
    python3 benches/git_corpus.py --report <built site>/public

The first form generates the corpus with benches/gen_corpus.py (seed 1), then writes its
history with `git fast-import` (thousands of `git commit` runs would take minutes): one commit
adding every page and site.toml, then `--commits` commits each editing one to three pages (an
HTML comment appended, which changes no rendered text) by one of a few authors (one with a
non-ASCII name), one in 100 renaming a page's file instead. The work tree is then checked out,
and the repository's templates/ and static/ copied beside content/ (not committed: compare
builds by cloning the repository and copying each binary's own templates in). Put `--out` on
disk, not on tmpfs: git reads its objects from there.

The second form prints, for a built site, how many files and bytes each optional output adds.
"""

import argparse
import random
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GEN = REPO / "benches" / "gen_corpus.py"
AUTHORS = ["Ada Editor", "Zoë Ünïcode", "김민지", "Sam Writer", "Lee Jung-hoon"]


def generate(pages, commits, out, seed):
    site = out / "site"
    scratch = out / "corpus"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    subprocess.run([sys.executable, str(GEN), "--pages", str(pages), "--seed", str(seed),
                    "--format", "kwiki", "--out", str(scratch)], check=True,
                   stdout=subprocess.DEVNULL)
    files = {}
    for path in sorted((scratch / "content").rglob("*.md")):
        files[path.relative_to(scratch).as_posix()] = path.read_bytes()
    site_toml = (scratch / "site.toml").read_bytes()
    shutil.rmtree(scratch)

    subprocess.run(["git", "init", "-q", "-b", "main", str(site)], check=True)
    rng = random.Random(seed)
    when = 1_700_000_000
    stream = []

    def data(payload):
        stream.append(b"data %d\n" % len(payload))
        stream.append(payload)
        stream.append(b"\n")

    def header(mark, message, author):
        nonlocal when
        when += 3600
        ident = f"{author} <bench@example.invalid> {when} +0000".encode()
        stream.append(b"commit refs/heads/main\nmark :%d\n" % mark)
        stream.append(b"author " + ident + b"\ncommitter " + ident + b"\n")
        data(message.encode())
        if mark > 1:
            stream.append(b"from :%d\n" % (mark - 1))

    header(1, "Corpus: every page", AUTHORS[0])
    stream.append(b"M 100644 inline site.toml\n")
    data(site_toml)
    for path, text in files.items():
        stream.append(b"M 100644 inline " + path.encode() + b"\n")
        data(text)
    paths = list(files)
    for n in range(2, commits + 2):
        author = AUTHORS[n % len(AUTHORS)]
        if n % 100 == 0:
            old = rng.choice(paths)
            new = old[: -len(".md")] + f"-r{n}.md"
            header(n, f"Rename {old}", author)
            stream.append(f'R "{old}" "{new}"\n'.encode())
            files[new] = files.pop(old)
            paths[paths.index(old)] = new
            continue
        edited = sorted(set(rng.choice(paths) for _ in range(rng.randint(1, 3))))
        header(n, f"Revision {n}: {len(edited)} page(s) <edited>", author)
        for path in edited:
            files[path] += b"\n<!-- revision %d -->\n" % n
            stream.append(b"M 100644 inline " + path.encode() + b"\n")
            data(files[path])
    subprocess.run(["git", "-C", str(site), "fast-import", "--quiet"], input=b"".join(stream),
                   check=True)
    # Packed as a clone from a hosting site is: fast-import's pack has every page's versions in
    # forward delta chains, which made `git log` several times slower than on a real clone.
    subprocess.run(["git", "-C", str(site), "repack", "-adfq"], check=True)
    subprocess.run(["git", "-C", str(site), "reset", "-q", "--hard"], check=True)
    for d in ("templates", "static"):
        shutil.copytree(REPO / d, site / d)
    print(f"{site}: {len(files)} pages, {commits + 1} commits")


def report(public):
    """Files and bytes per optional output of a built site."""
    kinds = {}
    for path in public.rglob("*"):
        if not path.is_file():
            continue
        rel = path.relative_to(public).as_posix()
        parts = rel.split("/")
        if rel.startswith("search/"):
            what = "search index"
        elif "history" in parts[:-1] and len(parts) == 4:
            what = "history pages (<page>/history/)"
        elif rel.startswith("recent-changes/"):
            what = "recent changes"
        elif rel == "wiki.json":
            what = "wiki.json"
        elif parts[-1] == "index.json":
            what = "page JSON" if len(parts) == 3 else "kind JSON"
        elif parts[-1] == "index.csv":
            what = "kind CSV"
        elif parts[-1] == "feed.xml":
            what = ("site feed" if len(parts) == 1 else
                    "page feeds" if len(parts) == 3 and parts[0] != "categories" else
                    "kind and category feeds")
        else:
            what = "everything else"
        count, size = kinds.get(what, (0, 0))
        kinds[what] = (count + 1, size + path.stat().st_size)
    print("| output | files | bytes |\n| --- | --- | --- |")
    for what, (count, size) in sorted(kinds.items()):
        print(f"| {what} | {count:,} | {size / 2**20:.1f} MiB |")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--pages", type=int, default=10000)
    p.add_argument("--commits", type=int, default=3000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", type=Path)
    p.add_argument("--report", type=Path, help="a built site's output folder")
    a = p.parse_args()
    if a.report:
        report(a.report)
    elif a.out:
        generate(a.pages, a.commits, a.out, a.seed)
    else:
        p.error("give --out or --report")


if __name__ == "__main__":
    main()
