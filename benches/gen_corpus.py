#!/usr/bin/env python3
# Vendored from the team's shared/bench/gen_corpus.py so that CI, which has only this repository,
# can run the regression guard (benches/compare.py --guard). Keep it identical to the original.
"""Deterministic synthetic K-pop wiki corpus, for build benchmarks.

    gen_corpus.py --pages N --out DIR --format {kwiki,zola,hugo} [--seed S] [--hugo-links {ref,url}]

Writes N pages to DIR/content/<kind>/<slug>.md, kinds: groups ~30%, people ~30%, songs ~20%,
agencies ~5%, concepts ~15%. Each page is ~2-6 KB of Markdown (headings, paragraphs, lists,
emphasis; a table on ~35% of pages, footnotes on ~30%) with 10-30 links to distinct other pages.
Link targets follow the entity relations (group -> agency, members, songs; song -> artist ...)
plus a power-law popularity draw, so a few hub pages collect thousands of inbound links.

The same --pages and --seed give the same logical pages, front matter and links in every
format; only the syntax differs (all randomness is spent before rendering):

  kwiki  TOML front matter between +++ lines (title, aliases, kind-specific fields at top level);
         links [[Title]] or [[Title|label]]. Writes content/ and a site.toml declaring the kinds
         and fields (no templates: use the project's own).
  zola   runnable site: config.toml, templates/{base,index,section,page}.html, content/_index.md
         and content/<kind>/_index.md; fields under [extra]; links [label](@/kind/slug.md).
  hugo   runnable site: hugo.toml, layouts/_default/{baseof,list,single}.html, _index.md files;
         fields as top-level params, `aliases` renamed `alt_titles` (in Hugo and Zola a
         top-level `aliases` means redirect URLs); links [label]({{< ref "kind/slug.md" >}})
         (default, checked at build time like Zola's @/) or, with --hugo-links url,
         plain [label](/kind/slug/) (the shortcodes make Hugo's build ~1.4-1.7x slower).

Titles are unique ignoring case; link targets are always canonical titles (aliases appear only
as labels); labelled [[a|b]] links never occur in table cells, where the | would split the cell.
Stdlib only. Prints corpus statistics on stdout.
"""
import argparse
import bisect
import os
import random
import re
import statistics
import sys

KINDS = [("groups", 0.30), ("people", 0.30), ("songs", 0.20), ("agencies", 0.05), ("concepts", 0.15)]

SURNAMES = [("Kim", "김"), ("Lee", "이"), ("Park", "박"), ("Choi", "최"), ("Jung", "정"), ("Kang", "강"),
            ("Cho", "조"), ("Yoon", "윤"), ("Jang", "장"), ("Lim", "임"), ("Han", "한"), ("Oh", "오"),
            ("Seo", "서"), ("Shin", "신"), ("Kwon", "권"), ("Hwang", "황"), ("Ahn", "안"), ("Song", "송"),
            ("Jeon", "전"), ("Hong", "홍")]
GIVEN = [("min", "민"), ("ji", "지"), ("seo", "서"), ("yeon", "연"), ("ha", "하"), ("eun", "은"),
         ("soo", "수"), ("jin", "진"), ("hyun", "현"), ("woo", "우"), ("jun", "준"), ("young", "영"),
         ("na", "나"), ("ri", "리"), ("chae", "채"), ("yu", "유"), ("da", "다"), ("bin", "빈"),
         ("tae", "태"), ("hee", "희"), ("sung", "성"), ("kyung", "경"), ("ho", "호"), ("yoon", "윤"),
         ("jae", "재"), ("won", "원"), ("mi", "미"), ("so", "소"), ("hye", "혜"), ("in", "인")]
GROUP_WORDS = ("Stellar Nova Crimson Velvet Lunar Echo Prism Neon Aurora Blossom Cosmic Dream Eclipse "
               "Fable Glow Halo Iris Jewel Kaleido Lumen Mirage Nebula Orbit Pulse Quartz Radiant Saga "
               "Tempo Unity Vivid Wave Zenith Amber Blaze Cipher Dawn Ember Flare Gravity Horizon Ivory "
               "Jade Karma Legend Melody Nectar Onyx Phoenix Quest Ripple Spark Tide Utopia Vortex "
               "Whisper Xenon Youth Zephyr Sugar Crystal").split()
GROUP_SUFFIX = ["", "", "", "Girls", "Boys", "Nine", "Seven", "X", "Club", "Rise", "Crew", "Twelve",
                "Heart", "Project", "Unit", "Kingdom", "Class"]
SONG_A = ("Midnight Golden Electric Silent Summer Wild Sweet Broken Lucky Secret Red Blue Crazy First "
          "Last Paper Neon Velvet Burning Falling Lonely Dizzy Shining Frozen Restless Tiny Dangerous "
          "Magic Savage Pink").split()
SONG_B = ("Love Heart Dream Night Fire Rain Star Moon Kiss Road Game Flower Signal Runner Light "
          "Paradise Shot Bloom Island Mirror Fever Butterfly Diary Promise Mood Letter Wings Ocean "
          "Highway Sunset").split()
AGENCY_ADJ = ["", "", "Blue", "New", "Grand", "Bright", "Royal", "Green", "Open", "Pure"]
AGENCY_WORDS = ("Starlight Haneul Bada Noeul Bom Gaeul Saebyeok Dal Byeol Sori Maeum Nuri Hana Dul "
                "Ttang Namu Kkot Baram Gureum Mulgyeol").split()
AGENCY_SUFFIX = ["Entertainment", "Entertainment", "Music", "Media", "Label", "Creative", "Company"]
CONCEPTS = ["Music show", "Comeback", "Fandom", "Lightstick", "Trainee system", "Sub-unit", "Fan sign",
            "Photocard", "All-kill", "Maknae", "Visual", "Main vocalist", "Main dancer", "Center",
            "Rookie award", "Daesang", "Bonsang", "Fan chant", "Survival show", "Debut showcase",
            "Variety show", "Reality show", "Pre-debut", "Hiatus", "Disbandment", "Contract dispute",
            "World tour", "Fan meeting", "Cover dance", "Dance practice", "Music video", "Teaser",
            "Concept photo", "Album version", "Repackage", "Mini album", "Single album",
            "Digital single", "Soundtrack", "Collaboration"]
CONCEPT_MOD = ("Japanese Global Online Unit Solo Special Winter Summer Anniversary Virtual Live Fan-made "
               "Official Second-generation Third-generation Fourth-generation Fifth-generation Regional "
               "Charity Seasonal Chinese American European Mobile Broadcast Independent Annual "
               "Surprise Early Late Domestic Overseas Acoustic Remixed Limited Deluxe Hybrid Rookie "
               "Veteran Trending").split()
POSITIONS = ["Leader", "Main vocalist", "Lead vocalist", "Sub-vocalist", "Main rapper", "Lead rapper",
             "Main dancer", "Lead dancer", "Visual", "Maknae"]
GENRES = ["Dance-pop", "Ballad", "Hip hop", "R&B", "Electropop", "EDM", "Synth-pop", "Pop rock",
          "Moombahton", "Teen pop"]
CITIES = ["Seoul", "Gangnam, Seoul", "Mapo, Seoul", "Seongdong, Seoul", "Yongsan, Seoul", "Busan", "Incheon"]
CATEGORIES = ["Industry", "Fandom", "Television", "Awards", "Music", "Performance", "Business", "History"]
HEADINGS = {
    "groups": ["History", "Pre-debut", "Debut and early years", "Commercial success", "Members",
               "Discography", "Videography", "Concerts and tours", "Awards and nominations",
               "Artistry", "Public image", "Endorsements"],
    "people": ["Early life", "Career", "Pre-debut", "Solo activities", "Personal life", "Discography",
               "Filmography", "Artistry", "Philanthropy", "Awards and nominations"],
    "songs": ["Background", "Composition", "Release and promotion", "Music video",
              "Commercial performance", "Critical reception", "Live performances", "Track listing",
              "Credits and personnel", "Charts"],
    "agencies": ["History", "Artists", "Former artists", "Subsidiaries", "Controversies", "Business",
                 "Trainee program"],
    "concepts": ["Overview", "History", "Origins", "Usage", "Reception", "Criticism", "Notable examples",
                 "Cultural impact"],
}
GENERIC_LABEL = {"groups": "the group", "people": "the singer", "songs": "the single",
                 "agencies": "the label", "concepts": "the term"}
KIND_WEIGHT = {"agencies": 4.0, "groups": 2.0, "concepts": 1.5, "people": 1.0, "songs": 0.6}
VOCAB = ("the a an of in on with for and to from by as was were is are had has its their her his "
         "after before during while later also which that this group album single song chart music "
         "video stage performance fans fandom debut comeback release released recorded promoted "
         "title track mini studio concert tour award nomination broadcast variety show program "
         "producer choreography vocals rap dance member members agency company contract trainee "
         "years first second third new record sales million streams views week number one peak "
         "domestic global audience critics reviewers praised described noted reported announced "
         "confirmed teaser concept styling photoshoot interview magazine endorsement brand campaign "
         "season episode live online platform label lyrics melody synth bass beat hook bridge chorus "
         "verse ballad pop retro modern bright dark powerful soft energetic emotional iconic").split()
PUBLISHERS = ["Yonhap", "Korea Herald", "Billboard", "Soompi", "Dispatch", "Naver News", "IZM", "Melon"]


class Link:
    __slots__ = ("target", "label")

    def __init__(self, target, label=None):
        self.target, self.label = target, label


class Page:
    def __init__(self, idx, kind, title, slug, aliases, fields):
        self.idx, self.kind, self.title, self.slug = idx, kind, title, slug
        self.aliases, self.fields = aliases, fields  # fields: ordered list of (key, value)
        self.links, self.blocks = [], []

    def field(self, key):
        return dict(self.fields).get(key)


def kind_counts(n):
    raw = [(k, n * share) for k, share in KINDS]
    counts = {k: int(x) for k, x in raw}
    rest = sorted(raw, key=lambda kx: -(kx[1] - int(kx[1])))  # stable: ties keep KINDS order
    for k, _ in rest[: n - sum(counts.values())]:
        counts[k] += 1
    for k in ("agencies", "groups"):  # relations need at least one of each
        if counts[k] == 0:
            big = max(counts, key=counts.get)
            counts[big] -= 1
            counts[k] = 1
    return counts


def slugify(title):
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "page"


class Corpus:
    def __init__(self, n, seed):
        self.rng = random.Random(seed)
        self.pages, self.taken, self.slugs = [], set(), set()
        self.build(n)

    # ---- names -------------------------------------------------------------------------
    def unique_title(self, base, quals):
        # unique ignoring case: wikilink resolvers usually match titles case-insensitively
        for t in [base] + ["%s (%s)" % (base, q) for q in quals]:
            if t.lower() not in self.taken:
                self.taken.add(t.lower())
                return t
        i = 2
        while ("%s (%s %d)" % (base, quals[-1], i)).lower() in self.taken:
            i += 1
        t = "%s (%s %d)" % (base, quals[-1], i)
        self.taken.add(t.lower())
        return t

    def add(self, kind, title, aliases, fields):
        slug, i = slugify(title), 2
        while (kind, slug) in self.slugs:
            slug, i = "%s-%d" % (slugify(title), i), i + 1
        self.slugs.add((kind, slug))
        p = Page(len(self.pages), kind, title, slug, aliases, fields)
        self.pages.append(p)
        return p

    def person_name(self):
        r = self.rng
        (s, sh), (g1, h1), (g2, h2) = r.choice(SURNAMES), r.choice(GIVEN), r.choice(GIVEN)
        return "%s %s-%s" % (s, g1.capitalize(), g2), (g1 + g2).capitalize(), sh + h1 + h2

    def zipf_pick(self, items, s=1.1):
        weights = [1.0 / (i + 1) ** s for i in range(len(items))]
        return self.rng.choices(items, weights)[0]

    # ---- entities ----------------------------------------------------------------------
    def build(self, n):
        r, c = self.rng, kind_counts(n)
        for _ in range(c["agencies"]):
            base = " ".join(w for w in (r.choice(AGENCY_ADJ), r.choice(AGENCY_WORDS),
                                        r.choice(AGENCY_SUFFIX)) if w)
            founded = r.randint(1988, 2022)
            title = self.unique_title(base, ["company", "founded %d" % founded])
            short = base.split()[-2] if len(base.split()) > 1 else base
            self.add("agencies", title, [short.upper()] if r.random() < 0.5 else [],
                     [("founded", founded), ("headquarters", r.choice(CITIES)),
                      ("founder", self.person_name()[0])])
        agencies = list(self.pages)
        self.groups = []
        for _ in range(c["groups"]):
            w, suf = r.choice(GROUP_WORDS), r.choice(GROUP_SUFFIX)
            base = w.upper() if not suf and r.random() < 0.3 else " ".join(x for x in (w, suf) if x)
            debut = r.randint(1996, 2025)
            title = self.unique_title(base, ["group", "%d group" % debut, "band"])
            aliases = []
            if " " in base:
                aliases.append("".join(x[0] for x in base.split()))
            if r.random() < 0.4:
                aliases.append(base.upper().replace(" ", ""))
            ag = self.zipf_pick(agencies)
            g = self.add("groups", title, aliases,
                         [("agency", ag.title), ("debut", debut), ("members", []),
                          ("status", r.choice(["active", "active", "active", "hiatus", "disbanded"])),
                          ("fandom", r.choice(GROUP_WORDS) + r.choice(["", "s", "ies", "ers"]))])
            g.agency, g.size, g.member_pages, g.songs = ag, r.randint(3, 9), [], []
            self.groups.append(g)
        self.soloists = []
        for _ in range(c["people"]):
            name, short, hangul = self.person_name()
            born = r.randint(1975, 2008)
            title = self.unique_title(name, ["singer, born %d" % born, "rapper, born %d" % born, "singer"])
            grp = r.choice(self.groups) if r.random() < 0.85 else None
            ag = grp.agency if grp else self.zipf_pick(agencies)
            fields = ([("group", grp.title)] if grp else []) + [
                ("agency", ag.title), ("birth_year", born),
                ("positions", sorted(r.sample(POSITIONS, r.randint(1, 3)), key=POSITIONS.index))]
            p = self.add("people", title, [short, hangul], fields)
            p.group, p.agency, p.hangul, p.songs = grp, ag, hangul, []
            if grp:
                grp.member_pages.append(p)
            else:
                self.soloists.append(p)
        for g in self.groups:  # members = pages assigned to the group + page-less names
            names = [m.title for m in g.member_pages]
            while len(names) < g.size:
                names.append(self.person_name()[0])
            g.fields[2] = ("members", names)
        for _ in range(c["songs"]):
            artist = r.choice(self.soloists) if self.soloists and r.random() < 0.2 else r.choice(self.groups)
            roll = r.random()
            base = (r.choice(SONG_B) if roll < 0.15 else "My " + r.choice(SONG_B) if roll < 0.25
                    else r.choice(SONG_A) + " " + r.choice(SONG_B))
            year = r.randint(1998, 2025)
            title = self.unique_title(base, ["song", "%s song" % artist.title, "%d song" % year])
            s = self.add("songs", title, [base] if base != title else [],
                         [("artist", artist.title), ("year", year),
                          ("album", r.choice(SONG_A) + " " + r.choice(SONG_B)), ("genre", r.choice(GENRES))])
            s.artist = artist
            artist.songs.append(s)
        self.years = []
        for i in range(c["concepts"]):
            if i < 34:
                base = "%d in K-pop" % (1992 + i)
            elif r.random() < 0.1:
                base = r.choice(CONCEPTS)
            else:
                base = r.choice(CONCEPT_MOD) + " " + r.choice(CONCEPTS).lower()
            p = self.add("concepts", self.unique_title(base, ["concept", "term"]),
                         [base.lower()] if r.random() < 0.3 else [], [("category", r.choice(CATEGORIES))])
            if i < 34:
                self.years.append(p)
        self.choose_links()
        for p in self.pages:
            self.write_body(p)

    # ---- links -------------------------------------------------------------------------
    def related(self, p):
        k = p.kind
        if k == "groups":
            return [p.agency] + p.member_pages[:6] + p.songs[:4]
        if k == "people":
            if p.group:
                mates = [m for m in p.group.member_pages if m is not p][:4]
                return [p.group, p.agency] + mates + p.group.songs[:2]
            return [p.agency] + p.songs[:3]
        if k == "songs":
            a = p.artist
            out = [a, a.agency] + [s for s in a.songs if s is not p][:2]
            return out + (a.member_pages[:2] if a.kind == "groups" else [])
        if k == "agencies":
            return [g for g in self.groups if g.agency is p][:10] + [s for s in self.soloists if s.agency is p][:3]
        return self.rng.sample(self.years, min(2, len(self.years)))

    def choose_links(self):
        r, n = self.rng, len(self.pages)
        order = list(range(n))
        r.shuffle(order)
        weights = [0.0] * n
        for rank, i in enumerate(order):
            weights[i] = KIND_WEIGHT[self.pages[i].kind] / (rank + 1) ** 0.7
        cum, acc = [], 0.0
        for w in weights:
            acc += w
            cum.append(acc)
        for p in self.pages:
            k = min(r.randint(10, 30), n - 1)
            chosen, seen = [], {p.idx}
            for q in self.related(p):
                if q.idx not in seen and len(chosen) < k:
                    seen.add(q.idx)
                    chosen.append(q.idx)
            while len(chosen) < k:
                j = min(bisect.bisect_right(cum, r.random() * acc), n - 1)
                if j not in seen:
                    seen.add(j)
                    chosen.append(j)
            p.links = chosen

    def label_for(self, t):
        r, q = self.rng, self.pages[t]
        if r.random() >= 0.25:
            return None
        latin = [a for a in q.aliases if a.isascii() and a != q.title]
        if latin and r.random() < 0.6:
            return r.choice(latin)
        return q.title.lower() if q.kind == "concepts" else GENERIC_LABEL[q.kind]

    # ---- body --------------------------------------------------------------------------
    def words(self, lo, hi):
        r, out = self.rng, []
        for _ in range(r.randint(lo, hi)):
            w = r.choice(VOCAB)
            x = r.random()
            out.append("*%s*" % w if x < 0.03 else "**%s**" % w if x < 0.045 else
                       str(r.randint(1990, 2025)) if x < 0.06 else w)
        return out

    def sentence(self, queue, nlinks, fnotes):
        toks = self.words(8, 22)
        i = toks[0].find(next((ch for ch in toks[0] if ch.isalpha()), "*"))
        toks[0] = toks[0][:i] + toks[0][i:].capitalize() if i >= 0 else toks[0]
        out = [" ".join(toks)]
        for _ in range(nlinks):
            if not queue:
                break
            t = queue.pop(0)
            words = out[-1].split(" ")
            cut = self.rng.randint(1, len(words))
            out[-1:] = [" ".join(words[:cut]) + " ", Link(t, self.label_for(t)), " " + " ".join(words[cut:])]
        out[-1] = out[-1].rstrip() + "."
        if fnotes is not None and self.rng.random() < 0.12 and len(fnotes) < 4:
            fnotes.append(len(fnotes) + 1)
            out[-1] += "[^%d]" % len(fnotes)
        return out

    def lead(self, p):
        r, f = self.rng, p.field
        if p.kind == "groups":
            kind = r.choice(["girl group", "boy group", "co-ed group"])
            return ["**%s** is a South Korean %s formed by " % (p.title, kind), Link(p.agency.idx),
                    ". The group debuted in %d with %d members." % (f("debut"), len(f("members")))]
        if p.kind == "people":
            main = p.group or p.agency
            role = "a member of " if p.group else "a soloist signed to "
            return ["**%s** (Korean: %s; born %d) is a South Korean singer and %s" % (
                p.title, p.hangul, f("birth_year"), role), Link(main.idx), "."]
        if p.kind == "songs":
            return ['"**%s**" is a song recorded by ' % p.title, Link(p.artist.idx),
                    ", released in %d on the album *%s*." % (f("year"), f("album"))]
        if p.kind == "agencies":
            return ["**%s** is a South Korean entertainment company founded in %d and headquartered in %s." % (
                p.title, f("founded"), f("headquarters"))]
        return ["**%s** is a term used in the K-pop industry and its fandom." % p.title]

    def write_body(self, p):
        r = self.rng
        first = self.lead(p)
        queue = [t for t in p.links if not any(isinstance(x, Link) and x.target == t for x in first)]
        budget = r.randint(1200, 4100)  # logical characters of body text
        heads = sorted(r.sample(HEADINGS[p.kind], r.randint(3, min(6, len(HEADINGS[p.kind])))),
                       key=HEADINGS[p.kind].index)
        rate = len(queue) / max(1.0, budget / 110.0)  # links per sentence so the queue drains in time
        fnotes = [] if r.random() < 0.3 else None
        blocks, acc, size = [("p", first)], [0.0], [0]

        def para(nsent):
            inl = []
            for _ in range(nsent):
                acc[0] += rate
                nl = int(acc[0])
                acc[0] -= nl
                inl += self.sentence(queue, nl, fnotes) + [" "]
            inl[-1:] = []
            size[0] += logical_len(inl)
            blocks.append(("p", inl))

        para(r.randint(1, 3))
        list_at = r.randrange(len(heads))
        table_at = r.randrange(len(heads)) if r.random() < 0.35 else -1
        for hi, h in enumerate(heads):
            blocks.append(("h", 2, h))
            target = size[0] + (budget - size[0]) / (len(heads) - hi)
            if p.kind in ("groups", "people") and r.random() < 0.25:
                y = r.randint(1998, 2022)
                blocks.append(("h", 3, "%d–%d" % (y, y + r.randint(1, 3))))
            while True:
                para(r.randint(2, 6))
                if size[0] >= target:
                    break
            if hi == list_at:
                items = []
                for _ in range(r.randint(3, 8)):
                    item = self.words(3, 9)
                    if queue and r.random() < 0.6:
                        t = queue.pop(0)
                        items.append([Link(t, self.label_for(t)), " – " + " ".join(item)])
                    else:
                        items.append([" ".join(item).capitalize()])
                blocks.append(("ul", items))
            if hi == table_at:
                rows = []
                for _ in range(r.randint(3, 8)):
                    cell = [Link(queue.pop(0))] if queue and r.random() < 0.5 else [" ".join(self.words(1, 3))]
                    rows.append([[str(r.randint(1998, 2025))], cell, [" ".join(self.words(2, 5))]])
                blocks.append(("table", ["Year", "Title", "Notes"], rows))
        if queue:  # links the text did not absorb
            blocks.append(("h", 2, "See also"))
            blocks.append(("ul", [[Link(t, self.label_for(t))] for t in queue]))
        if fnotes:
            defs = ["%s (%d). *%s*. %s." % (self.person_name()[0], r.randint(2000, 2025),
                                            " ".join(self.words(3, 7)).capitalize(), r.choice(PUBLISHERS))
                    for _ in fnotes]
            blocks.append(("fn", defs))
        p.blocks = blocks


def logical_len(inlines):
    return sum(len(x) if isinstance(x, str) else 4 + len(str(x.label or "")) for x in inlines)


# ---- rendering ---------------------------------------------------------------------------
class Raw(str):
    """A TOML value written as it is (an inline table made by --data)."""


def tq(v):
    if isinstance(v, Raw):
        return str(v)
    if isinstance(v, list):
        return "[" + ", ".join(tq(x) for x in v) + "]"
    if isinstance(v, int):
        return str(v)
    return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Renderer:
    def __init__(self, corpus, fmt, hugo_links):
        self.pages, self.fmt, self.hugo_links = corpus.pages, fmt, hugo_links

    def link(self, l):
        q = self.pages[l.target]
        if self.fmt == "kwiki":
            return "[[%s|%s]]" % (q.title, l.label) if l.label else "[[%s]]" % q.title
        text = l.label or q.title
        if self.fmt == "zola":
            return "[%s](@/%s/%s.md)" % (text, q.kind, q.slug)
        if self.hugo_links == "ref":
            return '[%s]({{< ref "%s/%s.md" >}})' % (text, q.kind, q.slug)
        return "[%s](/%s/%s/)" % (text, q.kind, q.slug)

    def inl(self, inlines):
        return "".join(x if isinstance(x, str) else self.link(x) for x in inlines)

    def front_matter(self, p):
        lines = ["+++", "title = " + tq(p.title)]
        fields = [("aliases", p.aliases)] + p.fields
        if self.fmt == "zola":
            lines += ["", "[extra]"]
        elif self.fmt == "hugo":
            fields[0] = ("alt_titles", p.aliases)
        lines += ["%s = %s" % (k, tq(v)) for k, v in fields]
        return "\n".join(lines + ["+++"])

    def page(self, p):
        out = [self.front_matter(p)]
        for b in p.blocks:
            if b[0] == "h":
                out.append("#" * b[1] + " " + b[2])
            elif b[0] == "p":
                out.append(self.inl(b[1]))
            elif b[0] == "ul":
                out.append("\n".join("- " + self.inl(i) for i in b[1]))
            elif b[0] == "table":
                rows = ["| " + " | ".join(b[1]) + " |", "|" + "---|" * len(b[1])]
                rows += ["| " + " | ".join(self.inl(c) for c in row) + " |" for row in b[2]]
                out.append("\n".join(rows))
            elif b[0] == "raw":
                out.append(b[1])
            elif b[0] == "fn":
                out.append("\n".join("[^%d]: %s" % (i + 1, d) for i, d in enumerate(b[1])))
        return "\n\n".join(out) + "\n"


SITE_TITLE = "K-pop Wiki (synthetic)"
SECTION_TITLES = {"groups": "Groups", "people": "People", "songs": "Songs", "agencies": "Agencies",
                  "concepts": "Concepts"}
INFOBOX_KEYS = ["aliases", "agency", "debut", "members", "status", "fandom", "group", "birth_year", "positions",
                "artist", "year", "album", "genre", "founded", "headquarters", "founder", "category"]

# The kinds and fields of the corpus, in the schema sketched in DESIGN.md. If the generator's
# site.toml schema differs, keep the meaning (which field links to which kind) and adapt the syntax.
KWIKI_SITE = """title = "%s"
base_url = "https://kwiki.example/"

[kinds.group]
folder = "groups"
name = "Group"
plural = "Groups"
[kinds.group.fields]
agency  = { label = "Agency", link = "agency", inverse = "Artists" }
debut   = { label = "Debut", type = "year" }
members = { label = "Members", link = "person", many = true, inverse = "Member of" }
status  = { label = "Status", type = "text" }
fandom  = { label = "Fandom", type = "text" }

[kinds.person]
folder = "people"
name = "Person"
plural = "People"
[kinds.person.fields]
group      = { label = "Group", link = "group" }
agency     = { label = "Agency", link = "agency", inverse = "Artists" }
birth_year = { label = "Born", type = "year" }
positions  = { label = "Positions", type = "list" }

[kinds.song]
folder = "songs"
name = "Song"
plural = "Songs"
[kinds.song.fields]
artist = { label = "Artist", link = ["group", "person"], inverse = "Songs" }
year   = { label = "Released", type = "year" }
album  = { label = "Album", type = "text" }
genre  = { label = "Genre", type = "text" }

[kinds.agency]
folder = "agencies"
name = "Agency"
plural = "Agencies"
[kinds.agency.fields]
founded      = { label = "Founded", type = "year" }
headquarters = { label = "Headquarters", type = "text" }
founder      = { label = "Founder", type = "text" }

[kinds.concept]
folder = "concepts"
name = "Concept"
plural = "Concepts"
[kinds.concept.fields]
category = { label = "Category", type = "text" }
""" % SITE_TITLE

ZOLA_FILES = {
    "config.toml": """base_url = "https://kwiki.example"
title = "%s"
compile_sass = false
build_search_index = false
generate_feeds = false
generate_robots_txt = false
""" % SITE_TITLE,
    "templates/base.html": """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{% block title %}{{ config.title }}{% endblock title %}</title></head>
<body><nav><a href="{{ config.base_url }}/">{{ config.title }}</a></nav>
<main>{% block content %}{% endblock content %}</main></body></html>
""",
    "templates/index.html": """{% extends "base.html" %}
{% block content %}<h1>{{ config.title }}</h1>
<ul>{% for s in section.subsections %}{% set sub = get_section(path=s, metadata_only=true) %}<li><a href="{{ sub.path }}">{{ sub.title }}</a></li>{% endfor %}</ul>
{% endblock content %}
""",
    "templates/section.html": """{% extends "base.html" %}
{% block title %}{{ section.title }} | {{ config.title }}{% endblock title %}
{% block content %}<h1>{{ section.title }}</h1>
{{ section.content | safe }}
<ul>{% for p in section.pages %}<li><a href="{{ p.path }}">{{ p.title }}</a></li>{% endfor %}</ul>
{% endblock content %}
""",
    "templates/page.html": """{% extends "base.html" %}
{% block title %}{{ page.title }} | {{ config.title }}{% endblock title %}
{% block content %}<article><h1>{{ page.title }}</h1>
<dl class="infobox">{% for key in %s %}{% if page.extra[key] %}{% set v = page.extra[key] %}<dt>{{ key }}</dt><dd>{% if v is iterable %}{{ v | join(sep=", ") }}{% else %}{{ v }}{% endif %}</dd>{% endif %}{% endfor %}</dl>
{{ page.content | safe }}
</article>
{% endblock content %}
""".replace("%s", "[" + ", ".join('"%s"' % k for k in INFOBOX_KEYS) + "]"),
}
HUGO_FILES = {
    "hugo.toml": """baseURL = "https://kwiki.example/"
title = "%s"
languageCode = "en"
disableKinds = ["taxonomy", "term", "RSS"]
""" % SITE_TITLE,
    "layouts/_default/baseof.html": """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ block "title" . }}{{ .Site.Title }}{{ end }}</title></head>
<body><nav><a href="{{ "/" | relURL }}">{{ .Site.Title }}</a></nav>
<main>{{ block "main" . }}{{ end }}</main></body></html>
""",
    "layouts/_default/list.html": """{{ define "title" }}{{ .Title }} | {{ .Site.Title }}{{ end }}
{{ define "main" }}<h1>{{ .Title }}</h1>
{{ .Content }}
<ul>{{ range .Pages.ByTitle }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>
{{ end }}
""",
    "layouts/_default/single.html": """{{ define "title" }}{{ .Title }} | {{ .Site.Title }}{{ end }}
{{ define "main" }}<article><h1>{{ .Title }}</h1>
<dl class="infobox">{{ range $key := slice %s }}{{ with index $.Params $key }}<dt>{{ $key }}</dt><dd>{{ if reflect.IsSlice . }}{{ delimit . ", " }}{{ else }}{{ . }}{{ end }}</dd>{{ end }}{{ end }}</dl>
{{ .Content }}
</article>
{{ end }}
""".replace("%s", " ".join('"%s"' % k for k in ["alt_titles"] + INFOBOX_KEYS[1:])),
}


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    return len(text.encode("utf-8"))


DATA_SITE = """
[[navboxes]]
kind = "group"
field = "members"
"""

DATA_QUERY = "```query\nfrom song\nwhere artist = this\nshow title, year, album\nsort year desc, title\n```"


def add_data(corpus, seed):
    """Members of each group with since (the debut), a role and, for some, an until; a
    discography query on each group page. Its own random stream: the rest of the corpus is the
    same as without --data."""
    r = random.Random(seed * 7919 + 24)
    for p in corpus.pages:
        if p.kind != "groups":
            continue
        debut = p.field("debut")
        members = []
        for name in p.field("members"):
            if r.random() < 0.3:
                members.append(name)
                continue
            parts = ["name = %s" % tq(name), "since = %d" % debut, "role = %s" % tq(r.choice(POSITIONS))]
            if r.random() < 0.25:
                parts.append("until = \"%d-%02d\"" % (debut + r.randint(0, 8), r.randint(1, 12)))
            members.append(Raw("{ " + ", ".join(parts) + " }"))
        p.fields = [("members", members) if k == "members" else (k, v) for k, v in p.fields]
        p.blocks.append(("h", 2, "Discography"))
        p.blocks.append(("raw", DATA_QUERY))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--format", choices=["kwiki", "zola", "hugo"], required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--hugo-links", choices=["ref", "url"], default="ref")
    ap.add_argument("--data", action="store_true",
                    help="kwiki only: members with periods and roles, a query per group page and a "
                         "members navbox (issue 24's fan-wiki data)")
    a = ap.parse_args(argv)
    if a.data and a.format != "kwiki":
        ap.error("--data needs --format kwiki")
    if a.pages < 11:
        ap.error("--pages must be at least 11")
    if os.path.isdir(a.out) and os.listdir(a.out):
        ap.error("%s exists and is not empty" % a.out)
    corpus = Corpus(a.pages, a.seed)
    if a.data:
        add_data(corpus, a.seed)
    rnd = Renderer(corpus, a.format, a.hugo_links)
    content = os.path.join(a.out, "content")
    sizes = []
    for p in corpus.pages:
        sizes.append(write(os.path.join(content, p.kind, p.slug + ".md"), rnd.page(p)))
    if a.format == "kwiki":
        write(os.path.join(a.out, "site.toml"), KWIKI_SITE + (DATA_SITE if a.data else ""))
    else:
        files = ZOLA_FILES if a.format == "zola" else HUGO_FILES
        for rel, text in files.items():
            write(os.path.join(a.out, rel), text)
        extra = "\nsort_by = \"title\"" if a.format == "zola" else ""
        write(os.path.join(content, "_index.md"), '+++\ntitle = "%s"\n+++\n' % SITE_TITLE)
        for kind, title in SECTION_TITLES.items():
            write(os.path.join(content, kind, "_index.md"), '+++\ntitle = "%s"%s\n+++\n' % (title, extra))
    total = sum(sizes)
    inbound = [0] * len(corpus.pages)
    for p in corpus.pages:
        for t in p.links:
            inbound[t] += 1
    kinds = {}
    for p in corpus.pages:
        kinds[p.kind] = kinds.get(p.kind, 0) + 1
    top = max(range(len(inbound)), key=inbound.__getitem__)
    print("pages=%d (%s) format=%s seed=%d" % (len(corpus.pages), " ".join(
        "%s=%d" % kv for kv in kinds.items()), a.format, a.seed))
    print("markdown bytes=%d (%.1f MiB) page bytes min/median/max=%d/%d/%d" % (
        total, total / 2**20, min(sizes), statistics.median(sizes), max(sizes)))
    print("links=%d inbound median=%d max=%d (%s)" % (
        sum(inbound), statistics.median(inbound), inbound[top], corpus.pages[top].title))


if __name__ == "__main__":
    sys.exit(main())
