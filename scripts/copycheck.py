#!/usr/bin/env python3
"""List runs of 12 or more consecutive words shared between content pages and the seeds.
Text inside "..." or “...” quotation marks is ignored. Usage: scripts/copycheck.py content/*/*.md (seeds from ../shared/seeds, or KWIKI_SEEDS)"""
import re, sys, glob, os
N = 12
SEEDS = sorted(glob.glob(os.path.join(os.environ.get('KWIKI_SEEDS', os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'shared', 'seeds')), '*.txt')))
if not SEEDS:
    sys.exit("copycheck: no seed documents found (put them in ../shared/seeds or set KWIKI_SEEDS)")
def words(t):
    t = t.replace('’', "'").replace('‘', "'")
    return re.findall(r"[a-z0-9']+", t.lower())
grams = {}
for s in SEEDS:
    w = words(open(s, encoding='utf-8').read())
    for i in range(len(w) - N + 1):
        grams.setdefault(' '.join(w[i:i+N]), os.path.basename(s))
def strip(text):
    # drop front matter, quotations, wikilink targets
    if text.startswith('+++'):
        end = text.find('\n+++', 3)
        if end > 0:
            text = text[end + 4:]
    text = re.sub(r'"[^"\n]*"', ' QUOTE ', text)
    text = re.sub(r'“[^”]*”', ' QUOTE ', text)
    text = re.sub(r'\[\[([^\]|]*)\|([^\]]*)\]\]', r'\2', text)
    text = re.sub(r'\[\[([^\]]*)\]\]', r'\1', text)
    return text
bad = 0
for f in sys.argv[1:]:
    w = words(strip(open(f, encoding='utf-8').read()))
    i = 0
    while i <= len(w) - N:
        g = ' '.join(w[i:i+N])
        if g in grams:
            j = i + N
            while j < len(w) and ' '.join(w[j-N+1:j+1]) in grams:
                j += 1
            print(f"{f}: {j-i} words copied from {grams[g]}: {' '.join(w[i:j])}")
            bad += 1
            i = j
        else:
            i += 1
sys.exit(1 if bad else 0)
