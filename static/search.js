/* kwiki search: the matching behind the header box, the results page, the 404 page's
   suggestions and the random page. kwiki.js imports this module on first use (focus on the
   search box, or a page that needs it), so pages read without it never load it; the index it
   reads (search/index.json and the shards) loads on first use too.
   Matching folds text exactly as src/search.rs does: NFD, no combining marks, lower case. */
const base = document.documentElement.dataset.base || "/";
const fold = (s) => s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
const tokens = (s) => fold(s).match(/[\p{L}\p{N}]+/gu) || [];
// Hyphens and spaces inside a name are ignorable: "kpop" = "k-pop" = "k pop".
const compact = (s) => fold(s).replace(/[^\p{L}\p{N}]+/gu, "");
const shardOf = (term) => {
  const cs = Array.from(term).slice(0, 2);
  return cs.length < 2 ? null : cs.map((c) => c.codePointAt(0).toString(16)).join("-");
};
// A word finds the words that share its stem: "choreography" finds "choreographer".
const SUFFIXES = ["ations", "ation", "ings", "ing", "ers", "er", "ies", "ied", "ed", "es", "ly", "y", "s", "e"];
const stem = (w) => {
  if (w.length < 5) return w;
  for (const x of SUFFIXES) if (w.endsWith(x) && w.length - x.length >= 4) return w.slice(0, -x.length);
  return w;
};
// Typos: one edit in a word of five to seven letters, two from eight (Damerau–Levenshtein,
// adjacent swaps count once), never in a shorter word.
const allowed = (w) => (w.length >= 8 ? 2 : w.length >= 5 ? 1 : 0);
const distance = (a, b, max) => {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const rows = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2][j - 2] + 1);
      row.push(d);
      best = Math.min(best, d);
    }
    if (best > max) return max + 1;
    rows.push(row);
  }
  return rows[a.length][b.length];
};
/* How a query word meets a word: 3 the same, 2 a prefix, 1 the same stem, 0.5 a typo away. */
const meet = (q, w) => {
  if (w === q) return 3;
  if (w.startsWith(q)) return 2;
  const s = stem(q);
  if (s !== q && w.startsWith(s)) return 1;
  const max = allowed(q);
  if (max && Math.abs(w.length - q.length) <= max && distance(q, w, max) <= max) return 0.5;
  return 0;
};
let indexPromise = null;
const shards = new Map();
let shardKeys = new Set();
const getJSON = (path) => fetch(base + "search/" + path).then((r) => (r.ok ? r.json() : {}));
export const loadIndex = () => {
  if (!indexPromise) {
    indexPromise = getJSON("index.json").then((ix) => {
      const kinds = ix.kinds || [];
      shardKeys = new Set(ix.shards || []);
      return (ix.docs || []).map(([title, kind, path, aliases, summary, anchors], id) => {
        const names = [title, ...aliases];
        return {
          id, title, path, aliases, summary, anchors: anchors || [], kind: kinds[kind] || "",
          ft: fold(title), fa: aliases.map(fold), words: names.flatMap(tokens),
          ct: compact(title), ca: aliases.map(compact),
        };
      });
    });
  }
  return indexPromise;
};
// Only shards the index lists are fetched: a word in a script no page uses asks for nothing.
const loadShard = (key) => {
  if (!shardKeys.has(key)) return Promise.resolve({});
  if (!shards.has(key)) shards.set(key, getJSON("t/" + key + ".json").catch(() => ({})));
  return shards.get(key);
};

/* Ranks: exact title (hyphens and spaces ignored), exact alias, title prefix, alias prefix,
   every word starts a name word, every word meets a name word by its stem, then names a
   typo away, then body text (pages where every word occurs, those using it most first).
   Returns the pages, each with the terms it matched (`marks`), and `fixed`: the query with
   its typos corrected when typos were all that matched. */
export async function search(query, limit) {
  const q = fold(query).trim().replace(/\s+/g, " ");
  const cq = compact(query);
  const qt = tokens(query);
  if (!qt.length) return Object.assign([], { fixed: "" });
  const docs = await loadIndex();
  const scores = new Map();
  const marks = new Map();
  let fixed = null;
  for (const d of docs) {
    let s = 0;
    if (d.ft === q) s = 1000;
    else if (d.ct === cq) s = 950;
    else if (d.fa.includes(q)) s = 900;
    else if (d.ca.includes(cq)) s = 880;
    else if (d.ft.startsWith(q) || d.ct.startsWith(cq)) s = 800;
    else if (d.fa.some((a) => a.startsWith(q)) || d.ca.some((a) => a.startsWith(cq))) s = 700;
    else {
      const best = qt.map((t) => {
        let top = 0, word = "";
        for (const w of d.words) {
          const m = meet(t, w);
          if (m > top) { top = m; word = w; }
        }
        return [top, word];
      });
      const worst = Math.min(...best.map(([m]) => m));
      if (worst >= 2) s = 500;
      else if (worst >= 1) s = 450;
      else if (worst > 0) {
        s = 300;
        if (fixed === null) fixed = best.map(([, w]) => w).join(" ");
      }
    }
    if (s) {
      scores.set(d.id, s - d.title.length / 1000);
      marks.set(d.id, qt);
    }
  }
  if (qt.every((t) => shardOf(t))) {
    let hits = null;
    for (const t of qt) {
      const shard = await loadShard(shardOf(t));
      const found = new Map();
      for (const [term, ids] of Object.entries(shard)) {
        const m = meet(t, term);
        if (!m) continue;
        const weight = m === 3 ? 2 : m === 2 ? 1 : m === 1 ? 0.8 : 0.4;
        ids.forEach((id, pos) => {
          const w = weight - Math.min(pos, 999) / 1000;
          const had = found.get(id);
          if (!had || had.w < w) found.set(id, { w, terms: had ? [...had.terms, term] : [term] });
          else had.terms.push(term);
        });
      }
      hits = hits
        ? new Map([...hits].filter(([id]) => found.has(id)).map(([id, h]) => [id, { w: h.w + found.get(id).w, terms: [...h.terms, ...found.get(id).terms] }]))
        : found;
    }
    for (const [id, h] of hits || []) {
      if (!scores.has(id)) scores.set(id, 100 + h.w);
      marks.set(id, [...(marks.get(id) || []), ...h.terms]);
    }
  }
  const found = [...scores]
    .sort((a, b) => b[1] - a[1] || docs[a[0]].title.localeCompare(docs[b[0]].title))
    .slice(0, limit)
    .map(([id]) => {
      const d = docs[id];
      // A section alias typed in full leads to its heading.
      const anchor = d.ft !== q && d.anchors[d.fa.indexOf(q)];
      const hash = anchor ? "#" + encodeURIComponent(anchor) : "";
      return { ...d, hash, marks: marks.get(id) || qt, score: scores.get(id) };
    });
  const exact = found.some((d) => d.score >= 450);
  return Object.assign(found, { fixed: !exact && fixed && fixed !== qt.join(" ") ? fixed : "" });
}

const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text) e.textContent = text;
  return e;
};
export const matchedAlias = (d, query) => {
  const q = fold(query).trim();
  return d.fa.some((a) => a === q) && d.ft !== q ? d.aliases[d.fa.indexOf(q)] : "";
};
/* A text with the words that meet any of `terms` in <mark>. */
export const marked = (text, terms) => {
  const out = [];
  let last = 0;
  for (const m of text.matchAll(/[\p{L}\p{N}]+/gu)) {
    const w = fold(m[0]);
    if (!terms.some((t) => meet(t, w) > 0)) continue;
    out.push(text.slice(last, m.index), el("mark", "", m[0]));
    last = m.index + m[0].length;
  }
  out.push(text.slice(last));
  return out.filter((x) => x !== "");
};

