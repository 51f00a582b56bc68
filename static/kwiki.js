/* kwiki: progressive enhancement for the built wiki. Every page reads fully without it.
   Theme toggle, search (index loaded on first use), link previews, sortable tables, random page.
   Matching folds text exactly as src/search.rs does: NFD, no combining marks, lower case. */
(() => {
  "use strict";
  const root = document.documentElement;
  const base = root.dataset.base || "/";

  /* ---------- Theme: follows the system until the reader picks one; the pick is remembered. */
  const toggle = document.getElementById("theme-toggle");
  const systemDark = window.matchMedia("(prefers-color-scheme: dark)");
  const currentTheme = () => root.dataset.theme || (systemDark.matches ? "dark" : "light");
  const showTheme = () => {
    const dark = currentTheme() === "dark";
    toggle.setAttribute("aria-pressed", String(dark));
    toggle.title = dark ? "Dark theme (click for light)" : "Light theme (click for dark)";
  };
  if (toggle) {
    toggle.hidden = false;
    showTheme();
    systemDark.addEventListener("change", showTheme);
    toggle.addEventListener("click", () => {
      const next = currentTheme() === "dark" ? "light" : "dark";
      root.dataset.theme = next;
      try { localStorage.setItem("kwiki-theme", next); } catch (e) { /* private mode: this page only */ }
      showTheme();
    });
  }

  /* ---------- Search index: fetched on first use, shards by the first two letters of a term. */
  const fold = (s) => s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
  const tokens = (s) => fold(s).match(/[\p{L}\p{N}]+/gu) || [];
  const shardOf = (term) => {
    const cs = Array.from(term).slice(0, 2);
    return cs.length < 2 ? null : cs.map((c) => c.codePointAt(0).toString(16)).join("-");
  };
  let indexPromise = null;
  const shards = new Map();
  const getJSON = (path) => fetch(base + "search/" + path).then((r) => (r.ok ? r.json() : {}));
  const loadIndex = () => {
    if (!indexPromise) {
      indexPromise = getJSON("index.json").then((ix) => {
        const kinds = ix.kinds || [];
        return (ix.docs || []).map(([title, kind, path, aliases, summary, anchors], id) => {
          const names = [title, ...aliases];
          return {
            id, title, path, aliases, summary, anchors: anchors || [], kind: kinds[kind] || "",
            ft: fold(title), fa: aliases.map(fold), words: names.flatMap(tokens),
          };
        });
      });
    }
    return indexPromise;
  };
  const loadShard = (key) => {
    if (!shards.has(key)) shards.set(key, getJSON("t/" + key + ".json").catch(() => ({})));
    return shards.get(key);
  };

  /* Ranks: exact title, exact alias, title prefix, alias prefix, every word starts a name word,
     then body text (pages where every word occurs, those using it most first). */
  async function search(query, limit) {
    const q = fold(query).trim().replace(/\s+/g, " ");
    const qt = tokens(query);
    if (!qt.length) return [];
    const docs = await loadIndex();
    const scores = new Map();
    for (const d of docs) {
      let s = 0;
      if (d.ft === q) s = 1000;
      else if (d.fa.includes(q)) s = 900;
      else if (d.ft.startsWith(q)) s = 800;
      else if (d.fa.some((a) => a.startsWith(q))) s = 700;
      else if (qt.every((t) => d.words.some((w) => w.startsWith(t)))) s = 500;
      if (s) scores.set(d.id, s - d.title.length / 1000);
    }
    const long = qt.filter((t) => shardOf(t));
    if (long.length === qt.length) {
      let hits = null;
      for (const t of long) {
        const shard = await loadShard(shardOf(t));
        const found = new Map();
        for (const [term, ids] of Object.entries(shard)) {
          if (!term.startsWith(t)) continue;
          const weight = term === t ? 2 : 1;
          ids.forEach((id, pos) => {
            const w = weight - Math.min(pos, 999) / 1000;
            if ((found.get(id) || 0) < w) found.set(id, w);
          });
        }
        hits = hits ? new Map([...hits].filter(([id]) => found.has(id)).map(([id, w]) => [id, w + found.get(id)])) : found;
      }
      for (const [id, w] of hits || []) if (!scores.has(id)) scores.set(id, 100 + w);
    }
    return [...scores]
      .sort((a, b) => b[1] - a[1] || docs[a[0]].title.localeCompare(docs[b[0]].title))
      .slice(0, limit)
      .map(([id]) => docs[id]);
  }

  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  };
  const matchedAlias = (d, query) => {
    const q = fold(query).trim();
    return d.fa.some((a) => a === q) && d.ft !== q ? d.aliases[d.fa.indexOf(q)] : "";
  };
  /* A page's address for a query: a section alias typed in full leads to its heading. */
  const hrefFor = (d, query) => {
    const q = fold(query).trim();
    const anchor = d.ft !== q && d.anchors[d.fa.indexOf(q)];
    return base + d.path + (anchor ? "#" + encodeURIComponent(anchor) : "");
  };

  /* ---------- The header search box: a combobox with a list of results. */
  const input = document.getElementById("search-input");
  const list = document.getElementById("search-results");
  if (input && list) {
    let active = -1;
    let results = [];
    let seq = 0;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", "search-results");
    const close = () => {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    };
    const select = (i) => {
      const options = list.querySelectorAll("[role=option]");
      options.forEach((o, j) => o.setAttribute("aria-selected", String(j === i)));
      active = i;
      if (options[i]) {
        input.setAttribute("aria-activedescendant", options[i].id);
        options[i].scrollIntoView({ block: "nearest" });
      }
    };
    // Options carry their address themselves: a link inside an option would be a control
    // nested in a control. Clicks and Enter navigate.
    const option = (id, href, parts) => {
      const li = el("li");
      li.setAttribute("role", "option");
      li.id = id;
      li.setAttribute("aria-selected", "false");
      li.dataset.href = href;
      li.append(...parts);
      li.addEventListener("mousedown", (e) => e.preventDefault());
      li.addEventListener("click", () => { location.href = href; });
      return li;
    };
    const show = (query) => {
      list.replaceChildren();
      results.forEach((d, i) => {
        const parts = [el("span", "sr-title", d.title), el("span", "sr-kind", d.kind)];
        const alias = matchedAlias(d, query);
        if (alias) parts.push(el("span", "sr-alias", "also " + alias));
        list.append(option("search-option-" + i, hrefFor(d, query), parts));
      });
      const all = option("search-option-all", base + "special/search/?q=" + encodeURIComponent(query),
        [results.length ? "All results for “" + query + "”" : "No page matches “" + query + "”: search the text"]);
      all.classList.add("sr-all");
      list.append(all);
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
    };
    const update = async () => {
      const query = input.value.trim();
      const mine = ++seq;
      if (!query) return close();
      const found = await search(query, 8);
      if (mine !== seq) return;
      results = found;
      show(query);
    };
    input.addEventListener("input", update);
    input.addEventListener("focus", () => { loadIndex(); if (input.value.trim()) update(); });
    input.addEventListener("blur", close);
    input.addEventListener("keydown", (e) => {
      const options = list.querySelectorAll("[role=option]");
      if (e.key === "ArrowDown" && options.length) {
        e.preventDefault();
        select((active + 1) % options.length);
      } else if (e.key === "ArrowUp" && options.length) {
        e.preventDefault();
        select(active <= 0 ? options.length - 1 : active - 1);
      } else if (e.key === "Escape") {
        close();
      } else if (e.key === "Enter" && !list.hidden && options.length) {
        e.preventDefault();
        location.href = options[active >= 0 ? active : 0].dataset.href;
      }
    });
    document.addEventListener("keydown", (e) => {
      const t = e.target;
      const typing = t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName);
      if ((e.key === "/" && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) ||
          (e.key === "k" && (e.ctrlKey || e.metaKey))) {
        e.preventDefault();
        input.focus();
        input.select();
      }
    });
  }

  /* ---------- special/search/?q=: the full results page. */
  const page = document.getElementById("search-page");
  if (page) {
    const q = new URLSearchParams(location.search).get("q") || "";
    const field = document.getElementById("search-page-input");
    if (field) field.value = q;
    if (input) input.value = q;
    const out = el("div");
    page.append(out);
    if (q.trim()) {
      search(q, 100).then((found) => {
        out.append(el("p", "", found.length + (found.length === 1 ? " page matches" : " pages match") + " “" + q + "”."));
        const ol = el("ol", "search-page-results");
        for (const d of found) {
          const li = el("li");
          const a = el("a", "", d.title);
          a.href = hrefFor(d, q);
          li.append(a, " ", el("span", "kind", d.kind), el("p", "", d.summary));
          ol.append(li);
        }
        out.append(ol);
      });
    }
  }

  /* ---------- special/random/: goes to a random page. */
  if (document.getElementById("random-page")) {
    loadIndex().then((docs) => {
      if (docs.length) location.replace(base + docs[Math.floor(Math.random() * docs.length)].path);
    });
  }

  /* ---------- Link previews: title, kind and summary of an internal link, on hover or focus. */
  const main = document.querySelector("main");
  const cache = new Map();
  let tip = null;
  let timer = 0;
  let current = null;
  const previewable = (a) =>
    a && a.matches("a[href]") && !a.classList.contains("new") && !a.closest(".toc, .breadcrumbs, #search-results") &&
    a.origin === location.origin && a.pathname.startsWith(base) && a.pathname !== location.pathname &&
    !/\.(xml|json|svg|png|jpe?g)$/.test(a.pathname);
  const fetchPreview = (url) => {
    if (!cache.has(url)) {
      cache.set(url, fetch(url).then((r) => (r.ok ? r.text() : "")).then((html) => {
        const doc = new DOMParser().parseFromString(html, "text/html");
        const h1 = doc.querySelector("main h1");
        if (!h1) return null;
        const desc = doc.querySelector('meta[name="description"]');
        const article = doc.querySelector("article[data-kind]");
        return { title: h1.textContent.trim(), summary: desc ? desc.content : "", kind: article ? article.dataset.kind : "" };
      }).catch(() => null));
    }
    return cache.get(url);
  };
  const hide = () => {
    clearTimeout(timer);
    if (tip) tip.hidden = true;
    if (current) current.removeAttribute("aria-describedby");
    current = null;
  };
  const open = async (a) => {
    const info = await fetchPreview(a.href.split("#")[0]);
    if (!info || current !== a) return;
    if (!tip) {
      tip = el("div");
      tip.id = "link-preview";
      tip.setAttribute("role", "tooltip");
      main.append(tip);
    }
    tip.replaceChildren(el("p", "preview-title", info.title));
    if (info.kind) tip.append(el("p", "preview-kind", info.kind));
    if (info.summary) tip.append(el("p", "preview-summary", info.summary));
    const r = a.getBoundingClientRect();
    const width = Math.min(352, document.documentElement.clientWidth - 16);
    tip.style.width = width + "px";
    tip.style.left = Math.max(8, Math.min(r.left, document.documentElement.clientWidth - width - 8)) + window.scrollX + "px";
    tip.style.top = r.bottom + window.scrollY + 6 + "px";
    tip.hidden = false;
    a.setAttribute("aria-describedby", "link-preview");
  };
  const start = (e) => {
    const a = e.target.closest && e.target.closest("a");
    if (!previewable(a) || a === current) return;
    hide();
    current = a;
    timer = setTimeout(() => open(a), e.type === "focusin" ? 0 : 350);
  };
  const stop = (e) => {
    const a = e.target.closest && e.target.closest("a");
    if (a && a === current && !(e.relatedTarget && tip && tip.contains(e.relatedTarget))) hide();
  };
  if (main && window.fetch && window.DOMParser) {
    main.addEventListener("mouseover", start);
    main.addEventListener("focusin", start);
    main.addEventListener("mouseout", stop);
    main.addEventListener("focusout", stop);
    document.addEventListener("keydown", (e) => { if (e.key === "Escape") hide(); });
  }

  /* ---------- Sortable tables: a button in each header cell sorts by that column. */
  for (const table of document.querySelectorAll("table.sortable")) {
    const heads = [...table.tHead.rows[0].cells];
    const body = table.tBodies[0];
    heads.forEach((th, col) => {
      const button = el("button", "sort", th.textContent);
      button.type = "button";
      th.replaceChildren(button);
      button.addEventListener("click", () => {
        const ascending = th.getAttribute("aria-sort") !== "ascending";
        heads.forEach((h) => h.removeAttribute("aria-sort"));
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        const key = (row) => row.cells[col].textContent.trim();
        const rows = [...body.rows];
        const numeric = rows.every((r) => key(r) === "" || !isNaN(Number(key(r))));
        rows.sort((a, b) => {
          const x = key(a), y = key(b);
          if (x === "" || y === "") return (x === "") - (y === "");
          const c = numeric ? Number(x) - Number(y) : x.localeCompare(y, undefined, { sensitivity: "base" });
          return ascending ? c : -c;
        });
        body.append(...rows);
      });
    });
  }

  /* ---------- Pictures. A page's neighbourhood on a narrow screen scrolls sideways: start with
     the page itself (the top box's centre) in view. */
  for (const box of document.querySelectorAll(".graph-scroll")) {
    if (box.scrollWidth > box.clientWidth) {
      const here = box.querySelector(".here rect");
      const svg = box.querySelector("svg");
      if (here && svg) {
        const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        const centre = (here.x.baseVal.value + here.width.baseVal.value / 2) * scale;
        box.scrollLeft = centre - box.clientWidth / 2;
      }
    }
  }

  /* ---------- The network: zoom and pan by changing the viewBox (the picture works without). */
  const net = document.querySelector(".network-svg");
  if (net && net.viewBox && net.viewBox.baseVal) {
    const vb = net.viewBox.baseVal;
    const full = { x: vb.x, y: vb.y, w: vb.width, h: vb.height };
    const view = { ...full };
    const apply = () => {
      net.setAttribute("viewBox", [view.x, view.y, view.w, view.h].map((n) => n.toFixed(1)).join(" "));
      net.classList.toggle("zoomed", view.w < full.w / 1.9);
      net.dataset.zoom = (full.w / view.w).toFixed(2);
    };
    const zoom = (factor, cx, cy) => {
      const w = Math.min(full.w, Math.max(full.w / 16, view.w / factor));
      const h = (w * full.h) / full.w;
      if (cx === undefined) { cx = view.x + view.w / 2; cy = view.y + view.h / 2; }
      view.x = cx - ((cx - view.x) * w) / view.w;
      view.y = cy - ((cy - view.y) * h) / view.h;
      view.w = w; view.h = h;
      apply();
    };
    const pan = (dx, dy) => { view.x += dx * view.w; view.y += dy * view.h; apply(); };
    const reset = () => { Object.assign(view, full); apply(); };
    const controls = document.createElement("div");
    controls.className = "network-controls";
    for (const [label, text, act] of [["Zoom in", "+", () => zoom(1.5)], ["Zoom out", "−", () => zoom(1 / 1.5)], ["Show all", "⟲", reset]]) {
      const b = document.createElement("button");
      b.type = "button"; b.textContent = text; b.setAttribute("aria-label", label); b.title = label;
      b.addEventListener("click", act);
      controls.append(b);
    }
    net.before(controls);
    net.classList.add("pannable");
    const point = (e) => {
      const r = net.getBoundingClientRect();
      return [view.x + ((e.clientX - r.left) / r.width) * view.w, view.y + ((e.clientY - r.top) / r.height) * view.h];
    };
    net.addEventListener("wheel", (e) => {
      e.preventDefault();
      const [cx, cy] = point(e);
      zoom(e.deltaY < 0 ? 1.2 : 1 / 1.2, cx, cy);
    }, { passive: false });
    let drag = null;
    let dragged = false;
    net.addEventListener("pointerdown", (e) => { drag = { x: e.clientX, y: e.clientY }; dragged = false; });
    net.addEventListener("pointermove", (e) => {
      if (!drag) return;
      const r = net.getBoundingClientRect();
      const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (!dragged && Math.hypot(dx, dy) < 4) return;
      if (!dragged) { dragged = true; net.setPointerCapture(e.pointerId); }
      drag = { x: e.clientX, y: e.clientY };
      pan(-dx / r.width, -dy / r.height);
    });
    const end = () => { drag = null; };
    net.addEventListener("pointerup", end);
    net.addEventListener("pointercancel", end);
    // A drag that ends on a dot does not follow its link.
    net.addEventListener("click", (e) => { if (dragged) { e.preventDefault(); dragged = false; } }, true);
    net.closest(".network-figure").addEventListener("keydown", (e) => {
      const keys = { "+": () => zoom(1.5), "=": () => zoom(1.5), "-": () => zoom(1 / 1.5), "0": reset,
        ArrowLeft: () => pan(-0.1, 0), ArrowRight: () => pan(0.1, 0), ArrowUp: () => pan(0, -0.1), ArrowDown: () => pan(0, 0.1) };
      if (keys[e.key] && !e.ctrlKey && !e.metaKey && !e.altKey) { e.preventDefault(); keys[e.key](); }
    });
  }
})();
