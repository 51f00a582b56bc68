/* kwiki serve: reloads this tab after each good build and shows build errors over the page.
   Injected only by `kwiki serve`, never part of `kwiki build` output. */
(() => {
  "use strict";
  const key = "kwiki-serve-scroll:" + location.pathname;
  const saved = sessionStorage.getItem(key);
  if (saved !== null) {
    sessionStorage.removeItem(key);
    const [x, y] = saved.split(",").map(Number);
    const restore = () => window.scrollTo(x, y);
    if (document.readyState === "complete") restore();
    else window.addEventListener("load", restore);
  }
  // Under serve, a red link leads to the browser editor, to write the page it wants.
  const missing = " (page does not exist)";
  for (const a of document.querySelectorAll("a.new[title]")) {
    const title = a.getAttribute("title");
    if (title.endsWith(missing)) a.href = "/__kwiki/edit?new=" + encodeURIComponent(title.slice(0, -missing.length));
  }
  let generation = null;
  /* One diagnostic as `check` prints it, with a coloured bar (errors and warnings alike). */
  const problemItem = (p, colour, margin, padding) => {
    const item = document.createElement("pre");
    item.style.cssText = "white-space:pre-wrap;margin:" + margin + ";padding:" + padding +
      ";border-left:4px solid " + colour + ";background:#ffffff14";
    item.textContent = p.location + ": " + p.severity + "[" + p.code + "]: " + p.message +
      p.notes.map((n) => "\n    note: " + n).join("");
    return item;
  };
  let box = null;
  const hide = () => { if (box) { box.remove(); box = null; } };
  const show = (problems) => {
    hide();
    box = document.createElement("div");
    box.id = "kwiki-serve-errors";
    box.setAttribute("role", "alert");
    box.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;background:rgb(20 20 26/.94);" +
      "color:#fff;font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,monospace;padding:2rem";
    const h = document.createElement("h2");
    h.textContent = "Build failed: " + problems.length + (problems.length === 1 ? " problem" : " problems") +
      ". Still showing the last good build; fix and save to recover.";
    h.style.cssText = "font:600 18px system-ui,sans-serif;margin:0 0 1rem;color:#ff8a80";
    box.append(h);
    for (const p of problems) box.append(problemItem(p, "#ff8a80", "0 0 1rem", ".75rem"));
    const close = document.createElement("button");
    close.type = "button";
    close.textContent = "Hide";
    close.style.cssText = "position:absolute;top:1rem;right:1rem;font:inherit";
    close.addEventListener("click", hide);
    box.append(close);
    document.body.append(box);
  };
  // Warnings of a good build: a small panel in a corner, opened by itself when the build has
  // more warnings than this tab last saw (a rename's new red links show at once).
  let panel = null;
  const hideWarnings = () => { if (panel) { panel.remove(); panel = null; } };
  const showWarnings = (warnings, count) => {
    hideWarnings();
    if (!count) { sessionStorage.setItem("kwiki-serve-warnings", "0"); return; }
    const seen = Number(sessionStorage.getItem("kwiki-serve-warnings") || "0");
    sessionStorage.setItem("kwiki-serve-warnings", String(count));
    panel = document.createElement("details");
    panel.id = "kwiki-serve-warnings";
    panel.open = count > seen;
    panel.style.cssText = "position:fixed;right:1rem;bottom:1rem;z-index:2147483646;max-width:min(46rem,calc(100vw - 2rem));" +
      "max-height:60vh;overflow:auto;background:rgb(20 20 26/.95);color:#fff;border-radius:6px;" +
      "font:13px/1.5 ui-monospace,SFMono-Regular,Menlo,monospace;padding:.5rem .75rem;box-shadow:0 2px 12px #0006";
    const summary = document.createElement("summary");
    summary.textContent = count + (count === 1 ? " warning" : " warnings") +
      (count > warnings.length ? " (first " + warnings.length + " shown; kwiki check lists all)" : "");
    summary.style.cssText = "cursor:pointer;font:600 14px system-ui,sans-serif;color:#ffd180";
    panel.append(summary);
    for (const p of warnings) panel.append(problemItem(p, "#ffd180", ".5rem 0 0", ".5rem"));
    document.body.append(panel);
  };
  const events = new EventSource("/__kwiki/events");
  events.addEventListener("build", (e) => {
    if (!e.data) return;
    const state = JSON.parse(e.data);
    if (state.problems.length) { hideWarnings(); return show(state.problems); }
    hide();
    if (generation !== null && state.generation !== generation) {
      sessionStorage.setItem(key, window.scrollX + "," + window.scrollY);
      location.reload();
      return;
    }
    generation = state.generation;
    showWarnings(state.warnings || [], state.warning_count || 0);
  });
})();
