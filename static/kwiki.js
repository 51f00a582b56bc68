/* kwiki: progressive enhancement for the built wiki. Every page reads fully without it.
   Theme toggle, search (search.js and the index loaded on first use), link previews and note
   previews, redirect notes, sortable tables, random page, the network's zoom and pan. */
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
    const picked = root.dataset.theme && root.dataset.theme !== (systemDark.matches ? "dark" : "light");
    toggle.title = (dark ? "Dark theme" : "Light theme") +
      (picked ? " (click to follow the system again)" : " (click for " + (dark ? "light" : "dark") + ")");
  };
  if (toggle) {
    toggle.hidden = false;
    showTheme();
    systemDark.addEventListener("change", showTheme);
    // A click picks the theme the system does not show; on a picked theme, it goes back to
    // following the system (which then shows the other one).
    toggle.addEventListener("click", () => {
      const system = systemDark.matches ? "dark" : "light";
      const next = currentTheme() === system ? (system === "dark" ? "light" : "dark") : null;
      try {
        if (next) localStorage.setItem("kwiki-theme", next);
        else localStorage.removeItem("kwiki-theme");
      } catch (e) { /* private mode: this page only */ }
      if (next) root.dataset.theme = next;
      else delete root.dataset.theme;
      showTheme();
    });
  }

  /* ---------- Search: the matching (search.js) and the index load on first use. */
  let searchModule = null;
  const lib = () => (searchModule = searchModule || import(base + "search.js"));
  const loadIndex = () => lib().then((m) => m.loadIndex());
  const search = (query, limit) => lib().then((m) => m.search(query, limit));
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  };

  /* ---------- The header search box: a combobox with a list of results, each a real link. */
  const input = document.getElementById("search-input");
  const list = document.getElementById("search-results");
  if (input && list) {
    let active = -1;
    let shownFor = null;
    let seq = 0;
    // The shortcut hint only where there is a keyboard to press it.
    if (matchMedia("(hover: hover) and (pointer: fine)").matches) input.placeholder = "Search (press /)";
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
    // Each option is a link (Ctrl-click, middle-click and the address on hover work); focus
    // stays in the box, which points at the selected one.
    const option = (id, href, parts) => {
      const a = el("a");
      a.href = href;
      a.setAttribute("role", "option");
      a.tabIndex = -1;
      a.id = id;
      a.setAttribute("aria-selected", "false");
      a.append(...parts);
      a.addEventListener("mousedown", (e) => e.preventDefault());
      return a;
    };
    const resultsHref = (query) => base + "special/search/?q=" + encodeURIComponent(query);
    const show = (query, results) => {
      list.replaceChildren();
      results.forEach((d, i) => {
        const parts = [el("span", "sr-title", d.title), el("span", "sr-kind", d.kind)];
        const alias = d.alias;
        if (alias) parts.push(el("span", "sr-alias", "also " + alias));
        list.append(option("search-option-" + i, base + d.path + d.hash, parts));
      });
      const all = option("search-option-all", resultsHref(query),
        [results.length ? "All results for “" + query + "”" : "No page matches “" + query + "”: search the text"]);
      all.classList.add("sr-all");
      list.append(all);
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
      shownFor = query;
    };
    const update = async () => {
      const query = input.value.trim();
      const mine = ++seq;
      if (!query) return close();
      const found = await search(query, 8);
      if (mine !== seq) return;
      show(query, found);
    };
    input.addEventListener("input", update);
    input.addEventListener("focus", () => { loadIndex(); if (input.value.trim()) update(); });
    input.addEventListener("blur", close);
    input.addEventListener("keydown", async (e) => {
      const options = list.querySelectorAll("[role=option]");
      if (e.key === "ArrowDown" && options.length && !list.hidden) {
        e.preventDefault();
        select((active + 1) % options.length);
      } else if (e.key === "ArrowUp" && options.length && !list.hidden) {
        e.preventDefault();
        select(active <= 0 ? options.length - 1 : active - 1);
      } else if (e.key === "Escape" && !list.hidden) {
        e.preventDefault(); // a search field would clear itself
        close();
      } else if (e.key === "Enter") {
        e.preventDefault();
        const query = input.value.trim();
        if (!query) return;
        // An option the reader chose in the list of this very query; else the query as typed,
        // once its results are in: the best page, or the results page when none matches.
        if (active >= 0 && !list.hidden && shownFor === query && options[active]) {
          location.href = options[active].href;
          return;
        }
        const found = await search(query, 1);
        if (input.value.trim() !== query) return;
        location.href = found.length ? base + found[0].path + found[0].hash : resultsHref(query);
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
  let marker = null;
  const resultList = (found) => {
    const ol = el("ol", "search-page-results");
    for (const d of found) {
      const li = el("li");
      const a = el("a", "", d.title);
      a.href = base + d.path + (d.hash || "");
      const p = el("p", "snippet");
      p.append(...marker(d.summary, d.marks));
      li.append(a, " ", el("span", "kind", d.kind), p);
      ol.append(li);
    }
    return ol;
  };
  const page = document.getElementById("search-page");
  if (page) {
    const q = new URLSearchParams(location.search).get("q") || "";
    const field = document.getElementById("search-page-input");
    if (field) field.value = q;
    if (input) input.value = q;
    const out = el("div");
    page.append(out);
    if (q.trim()) {
      Promise.all([search(q, 100), lib()]).then(([found, m]) => {
        marker = m.marked;
        if (found.fixed) {
          const p = el("p", "did-you-mean", "Did you mean ");
          const a = el("a", "", found.fixed);
          a.href = base + "special/search/?q=" + encodeURIComponent(found.fixed);
          p.append(a, "?");
          out.append(p);
        }
        out.append(el("p", "", found.length
          ? found.length + (found.length === 1 ? " page matches" : " pages match") + " “" + q + "”."
          : "No page matches “" + q + "”."));
        if (found.length) out.append(resultList(found));
      });
    }
  }

  /* ---------- The 404 page: the pages closest to the address that was asked for. */
  const suggestions = document.getElementById("suggestions");
  if (suggestions) {
    const rest = decodeURIComponent(location.pathname.startsWith(base) ? location.pathname.slice(base.length) : location.pathname);
    const words = rest.split("/").filter(Boolean).pop() || "";
    const query = words.replace(/[-_.+]+/g, " ").replace(/\s+html?$/, "").trim();
    if (query) {
      search(query, 5).then((found) => {
        if (!found.length) return;
        const ul = el("ul");
        for (const d of found) {
          const li = el("li");
          const a = el("a", "", d.title);
          a.href = base + d.path;
          li.append(a, " ", el("span", "kind", d.kind));
          ul.append(li);
        }
        suggestions.append(el("p", "", "Pages with a name close to “" + query + "”:"), ul);
        suggestions.hidden = false;
      });
    }
  }

  /* ---------- special/random/: goes to a random page. */
  if (document.getElementById("random-page")) {
    loadIndex().then((docs) => {
      const pages = docs.filter((d) => !d.path.startsWith("disambiguation/"));
      if (pages.length) location.replace(base + pages[Math.floor(Math.random() * pages.length)].path);
    });
  }

  /* ---------- Link previews: title, kind and summary of an internal link, on hover or focus;
     a footnote marker shows its note. Pages not meant to be found (noindex: search, random,
     404) are not previewed. */
  const main = document.querySelector("main");
  const cache = new Map();
  let tip = null;
  let timer = 0;
  let current = null;
  const isNote = (a) => a && a.matches("sup.fnref a[href^='#']");
  const previewable = (a) =>
    a && a.matches("a[href]") && (isNote(a) || (
      !a.classList.contains("new") && !a.closest(".toc, .breadcrumbs, #search-results, #link-preview") &&
      a.origin === location.origin && a.pathname.startsWith(base) && a.pathname !== location.pathname &&
      !/\.(xml|json|svg|png|jpe?g)$/.test(a.pathname)));
  const fetchPreview = (url) => {
    if (!cache.has(url)) {
      cache.set(url, fetch(url).then((r) => (r.ok ? r.text() : "")).then((html) => {
        const doc = new DOMParser().parseFromString(html, "text/html");
        const h1 = doc.querySelector("main h1");
        if (!h1 || doc.querySelector('meta[name="robots"][content*="noindex"]')) return null;
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
  const place = (a) => {
    const r = a.getBoundingClientRect();
    const vw = document.documentElement.clientWidth;
    const width = Math.min(352, vw - 16);
    tip.style.width = width + "px";
    tip.style.left = Math.max(8, Math.min(r.left, vw - width - 8)) + window.scrollX + "px";
    tip.style.top = "0px";
    tip.hidden = false;
    const h = tip.offsetHeight;
    // Below the link, or above it when the window has no room below and has room above.
    const below = r.bottom + 6 + h <= window.innerHeight || r.top - 6 - h < 0;
    tip.style.top = (below ? r.bottom + 6 : r.top - 6 - h) + window.scrollY + "px";
  };
  const open = async (a) => {
    let parts;
    if (isNote(a)) {
      const note = document.getElementById(decodeURIComponent(a.hash.slice(1)));
      if (!note) return;
      const body = note.cloneNode(true);
      body.querySelectorAll(".fn-backs").forEach((x) => x.remove());
      body.querySelectorAll("[id]").forEach((x) => x.removeAttribute("id"));
      const p = el("div", "preview-note");
      p.append(...body.childNodes);
      parts = [el("p", "preview-kind", "Note " + a.textContent.replace(/[[\]]/g, "")), p];
    } else {
      const info = await fetchPreview(a.href.split("#")[0]);
      if (!info) return;
      parts = [el("p", "preview-title", info.title)];
      if (info.kind) parts.push(el("p", "preview-kind", info.kind));
      if (info.summary) parts.push(el("p", "preview-summary", info.summary));
    }
    if (current !== a) return;
    if (!tip) {
      tip = el("div");
      tip.id = "link-preview";
      tip.setAttribute("role", "tooltip");
      main.append(tip);
      // The pointer may move onto the preview (to read it, or follow a link in a note); it
      // closes when the pointer leaves it for anything but its link.
      tip.addEventListener("mouseleave", (e) => {
        if (!(current && e.relatedTarget && current.contains(e.relatedTarget))) hide();
      });
    }
    tip.replaceChildren(...parts);
    place(a);
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
    main.addEventListener("mouseover", (e) => { if (!(tip && tip.contains(e.target))) start(e); });
    main.addEventListener("focusin", (e) => { if (!(tip && tip.contains(e.target))) start(e); });
    main.addEventListener("mouseout", stop);
    main.addEventListener("focusout", stop);
    document.addEventListener("keydown", (e) => { if (e.key === "Escape") hide(); });
  }

  /* ---------- A redirect's target says where the reader came from ("Redirected from SM"). */
  try {
    const came = JSON.parse(sessionStorage.getItem("kwiki-redirect") || "null");
    sessionStorage.removeItem("kwiki-redirect");
    const header = document.querySelector(".page-header, main h1");
    if (came && came.to === location.pathname && header) {
      const p = el("p", "redirected-from", "(Redirected from " + came.from + ")");
      if (header.matches("h1")) header.after(p);
      else header.querySelector("h1").after(p);
    }
  } catch (e) { /* no storage: no note */ }

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
    // Panning stays within the picture: the view never leaves the whole drawing.
    const apply = () => {
      view.x = Math.min(Math.max(view.x, full.x), full.x + full.w - view.w);
      view.y = Math.min(Math.max(view.y, full.y), full.y + full.h - view.h);
      net.setAttribute("viewBox", [view.x, view.y, view.w, view.h].map((n) => n.toFixed(1)).join(" "));
      net.classList.toggle("zoomed", view.w < full.w / 1.9);
      net.classList.toggle("zoomed-in", view.w < full.w * 0.999);
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
    // Two fingers pinch: the distance between them zooms about their midpoint.
    const touches = new Map();
    let pinch = 0;
    net.addEventListener("pointerdown", (e) => {
      drag = { x: e.clientX, y: e.clientY }; dragged = false;
      if (e.pointerType === "touch") {
        touches.set(e.pointerId, e);
        if (touches.size === 2) {
          const [a, b] = [...touches.values()];
          pinch = Math.hypot(a.clientX - b.clientX, a.clientY - b.clientY);
          drag = null;
        }
      }
    });
    net.addEventListener("pointermove", (e) => {
      if (touches.has(e.pointerId)) touches.set(e.pointerId, e);
      if (touches.size === 2 && pinch) {
        const [a, b] = [...touches.values()];
        const d = Math.hypot(a.clientX - b.clientX, a.clientY - b.clientY);
        const [cx, cy] = point({ clientX: (a.clientX + b.clientX) / 2, clientY: (a.clientY + b.clientY) / 2 });
        if (d > 0) zoom(d / pinch, cx, cy);
        pinch = d;
        dragged = true;
        return;
      }
      // Not zoomed in, a touch drag is the page's scroll, not a pan.
      if (!drag || (e.pointerType === "touch" && !net.classList.contains("zoomed-in"))) return;
      const r = net.getBoundingClientRect();
      const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (!dragged && Math.hypot(dx, dy) < 4) return;
      if (!dragged) { dragged = true; net.setPointerCapture(e.pointerId); }
      drag = { x: e.clientX, y: e.clientY };
      pan(-dx / r.width, -dy / r.height);
    });
    const end = (e) => {
      drag = null;
      touches.delete(e.pointerId);
      if (touches.size < 2) pinch = 0;
    };
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
