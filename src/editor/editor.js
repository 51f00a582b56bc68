// kwiki serve's browser editor: the page's text, a form for its front matter generated from the
// kind's schema, `check`'s problems at their lines and a preview from the real pipeline, all
// through the server's /__kwiki/api/ (JSON, with the session's token). Served only by serve.

const $ = (id) => document.getElementById(id);
const token = document.querySelector('meta[name="kwiki-token"]').content;
const query = new URLSearchParams(location.search);
const text = $('text');
const status = (message) => { $('status').textContent = message; };

const state = {
  path: query.get('path') || '',
  newTitle: query.get('new'),
  base: null, // the text as opened (null: a page that does not exist yet)
  saved: '', // the text last saved or opened, to tell unsaved changes
  kinds: [],
  kind: null,
  names: {},
  aliases: {},
  categories: [],
  values: {}, // the front matter's values, as the server parsed them
  problems: [],
  textEdits: 0, // counts edits made in the text, so a late form answer never overwrites one
};

/** The text as the file will hold it: a textarea gives `\n` line ends, so a file opened with
 * `\r\n` gets them back. */
let crlf = false;
const current = () => (crlf ? text.value.replace(/\r?\n/g, '\r\n') : text.value);

async function api(name, body) {
  const response = await fetch('/__kwiki/api/' + name, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Kwiki-Token': token },
    body: JSON.stringify(body),
  });
  let data = {};
  try { data = await response.json(); } catch { data = { error: response.statusText }; }
  return { status: response.status, data };
}

function fatal(message) {
  $('fatal').textContent = message;
  $('fatal').hidden = false;
}

// ---------------------------------------------------------------------------------------------
// The gutter: line numbers, and a mark and a band at each problem's line.

function lineHeight() {
  return parseFloat(getComputedStyle(text).lineHeight) || 21;
}

let lineCount = 0;
function drawGutter() {
  const lines = text.value.split('\n').length;
  if (lines !== lineCount) {
    lineCount = lines;
    let numbers = '';
    for (let i = 1; i <= lines; i++) numbers += i + '\n';
    $('numbers').textContent = numbers;
  }
  const lh = lineHeight();
  const marks = $('marks');
  const bands = $('bands');
  marks.replaceChildren();
  const inner = document.createElement('div');
  inner.className = 'inner';
  for (const p of state.problems) {
    if (!p.line) continue;
    const top = 8 + (p.line - 1) * lh;
    const mark = document.createElement('span');
    mark.className = p.severity;
    mark.dataset.line = p.line;
    mark.style.top = top + 'px';
    mark.title = `${p.line}:${p.column} ${p.message}`;
    marks.append(mark);
    const band = document.createElement('div');
    band.className = p.severity;
    band.dataset.line = p.line;
    band.style.top = top + 'px';
    inner.append(band);
  }
  bands.replaceChildren(inner);
  syncScroll();
}

function syncScroll() {
  const y = -text.scrollTop;
  $('numbers').style.transform = `translateY(${y}px)`;
  $('marks').style.transform = `translateY(${y}px)`;
  const inner = $('bands').firstChild;
  if (inner) inner.style.transform = `translate(${-text.scrollLeft}px, ${y}px)`;
}

/** Puts the cursor at a line and column (1-based; the column counts characters). */
function moveTo(line, column) {
  const lines = text.value.split('\n');
  let offset = 0;
  for (let i = 0; i < Math.min(line - 1, lines.length); i++) offset += lines[i].length + 1;
  const here = Array.from(lines[line - 1] || '').slice(0, Math.max(0, column - 1)).join('');
  offset += here.length;
  text.focus();
  text.setSelectionRange(offset, offset);
  const lh = lineHeight();
  const top = (line - 1) * lh;
  if (top < text.scrollTop || top > text.scrollTop + text.clientHeight - 2 * lh) {
    text.scrollTop = Math.max(0, top - text.clientHeight / 3);
  }
  syncScroll();
}

function showProblems(list, elsewhere) {
  state.problems = list;
  const ul = $('problems');
  ul.replaceChildren();
  for (const p of list) {
    const li = document.createElement('li');
    li.className = p.severity;
    const button = document.createElement('button');
    button.type = 'button';
    const where = document.createElement('span');
    where.className = 'where';
    where.textContent = p.line ? `line ${p.line}:${p.column} ` : '';
    button.append(where, `${p.severity}[${p.code}]: ${p.message}`);
    for (const n of p.notes || []) button.append(document.createElement('br'), `note: ${n}`);
    if (p.line) button.addEventListener('click', () => moveTo(p.line, p.column));
    li.append(button);
    ul.append(li);
  }
  const errors = list.filter((p) => p.severity === 'error').length;
  $('count').textContent = list.length
    ? `(${errors} error${errors === 1 ? '' : 's'}, ${list.length - errors} warning${list.length - errors === 1 ? '' : 's'})`
    : '(none)';
  const link = $('bar-problems');
  link.textContent = errors ? `${errors} error${errors === 1 ? '' : 's'}` : list.length ? `${list.length} warning${list.length === 1 ? '' : 's'}` : 'No problems';
  link.className = errors ? 'bad' : list.length ? 'warn' : '';
  showFieldProblems(list);
  if (elsewhere) {
    const li = document.createElement('li');
    li.className = 'elsewhere note';
    li.textContent = `${elsewhere} error${elsewhere === 1 ? '' : 's'} in other files keep the site from building (kwiki check lists them).`;
    ul.append(li);
  }
  drawGutter();
}

// ---------------------------------------------------------------------------------------------
// Preview: the draft through the real pipeline, 300 ms after the last keystroke, one at a time.

let previewTimer = null;
let previewing = false;
let previewAgain = false;
function schedulePreview(delay = 300) {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(runPreview, delay);
}

async function runPreview() {
  if (!state.path) return;
  if (previewing) { previewAgain = true; return; }
  previewing = true;
  const sent = text.value;
  try {
    const { status: code, data } = await api('preview', { path: state.path, text: current() });
    if (code === 503 && data.busy) { previewAgain = true; return; }
    if (code !== 200) { status(data.error || `preview failed (${code})`); return; }
    showProblems(data.diagnostics.map(fromDiagnostic), data.elsewhere);
    if (data.html !== null) {
      // The page's own scripts would not run in the sandboxed frame: they are left out.
      const doc = new DOMParser().parseFromString(data.html, 'text/html');
      for (const script of doc.querySelectorAll('script:not([type="application/ld+json"])')) script.remove();
      // The frame runs no script (sandboxed), so the editor may read its scroll position and
      // keep it across previews.
      const frame = $('preview');
      const y = frame.contentWindow ? frame.contentWindow.scrollY : 0;
      frame.onload = () => { if (y) frame.contentWindow.scrollTo(0, y); };
      frame.srcdoc = '<!DOCTYPE html>' + doc.documentElement.outerHTML;
      $('preview-note').textContent = `(rendered in ${data.ms} ms)`;
    } else {
      $('preview-note').textContent = data.failed
        ? '(the last version without errors: this one does not build)'
        : '';
    }
    if (data.href) $('back').href = data.href;
    if (text.value === sent) takeValues(data.fields);
    document.body.dataset.previewed = String(Number(document.body.dataset.previewed || 0) + 1);
  } catch (e) {
    status('preview failed: ' + e.message);
  } finally {
    previewing = false;
    if (previewAgain) { previewAgain = false; schedulePreview(50); }
  }
}

/** The front-matter key whose value spans `line` (1-based), if the line is in the front matter. */
function keyAtLine(lines, line) {
  if (lines[0] !== '+++') return null;
  const end = lines.indexOf('+++', 1);
  if (end === -1 || line <= 1 || line > end) return null;
  for (let i = line - 1; i >= 1; i--) {
    const m = /^\s*([A-Za-z0-9_-]+)\s*=/.exec(lines[i]);
    if (m) return m[1];
  }
  return null;
}

/** A problem in a front-matter value is also said under that field of the form. */
function showFieldProblems(list) {
  const lines = text.value.split('\n').map((l) => l.replace(/\s+$/, ''));
  for (const note of $('fields').querySelectorAll('.problem')) note.remove();
  for (const p of list) {
    const key = p.line && keyAtLine(lines, p.line);
    const box = key && $('fields').querySelector(`.field[data-key="${CSS.escape(key)}"]`);
    if (!box) continue;
    const note = document.createElement('p');
    note.className = `problem ${p.severity}`;
    note.textContent = `Line ${p.line}: ${p.message}`;
    box.append(note);
  }
}

function fromDiagnostic(d) {
  return { severity: d.severity, code: d.code, line: d.line, column: d.column, message: d.message, notes: d.notes || [] };
}

// ---------------------------------------------------------------------------------------------
// The form: generated from the kind's fields; an edit rewrites that key in the text (on the
// server, which keeps comments and layout); the text's values fill it again when it is not
// being edited.

const TYPES = {
  year: { pattern: '-?[0-9]{1,4}', inputmode: 'numeric', hint: 'A year, such as 2018.' },
  number: { pattern: '-?[0-9]+([.][0-9]+)?', inputmode: 'decimal', hint: 'A number.' },
  date: { pattern: '[0-9]{4}-[0-9]{2}-[0-9]{2}', inputmode: 'numeric', hint: 'A date: YYYY-MM-DD.', placeholder: 'YYYY-MM-DD' },
  url: { type: 'url', hint: 'A full address: https://…' },
};

function kindOf(id) { return state.kinds.find((k) => k.id === id); }

function datalistFor(field) {
  const id = field.key === 'categories' ? 'names-categories' : `names-${field.kinds.join('-')}`;
  if (!document.getElementById(id)) {
    const list = document.createElement('datalist');
    list.id = id;
    const titles = field.key === 'categories'
      ? state.categories
      : [...new Set(field.kinds.flatMap((k) => state.names[k] || []))].sort();
    for (const t of titles) {
      const option = document.createElement('option');
      option.value = t;
      list.append(option);
    }
    $('datalists').append(list);
  }
  return id;
}

/** Checks one input as it is typed; says what is wrong, or what a name leads to. */
function check(field, input, hint) {
  const value = input.value.trim();
  const type = TYPES[field.type];
  let message = type ? type.hint : '';
  let level = '';
  input.setCustomValidity('');
  if (value && type && type.pattern && !new RegExp(`^(?:${type.pattern})$`).test(value)) {
    level = 'bad';
    message = `Not ${field.type === 'date' ? 'a date' : field.type === 'year' ? 'a year' : 'a number'}: ${type.hint}`;
  } else if (value && field.type === 'url' && !/^https?:\/\/\S+$/.test(value)) {
    level = 'bad';
    message = 'Not an http(s) address.';
  } else if (value && field.type === 'link') {
    const known = new Set(field.kinds.flatMap((k) => [...(state.names[k] || []), ...(state.aliases[k] || [])]));
    if (!known.has(value)) {
      level = 'warn';
      const kinds = field.kinds.map((k) => kindOf(k)?.name || k).join(' or ');
      message = `No ${kinds} page has this title or alias: it will be a red link.`;
    } else {
      message = '';
    }
  }
  if (level === 'bad') input.setCustomValidity(message);
  input.setAttribute('aria-invalid', level === 'bad' ? 'true' : 'false');
  hint.textContent = message;
  hint.className = 'hint' + (level ? ' ' + level : '');
}

function buildForm() {
  const form = $('fields');
  form.replaceChildren();
  $('datalists').replaceChildren();
  const kind = kindOf(state.kind);
  const fields = kind
    ? kind.fields
    : [{ key: 'title', label: 'Title', type: 'text', many: false, kinds: [] }, { key: 'summary', label: 'Summary', type: 'text', many: false, kinds: [] }];
  for (const field of fields) {
    const box = document.createElement('div');
    box.className = 'field';
    box.dataset.key = field.key;
    const id = `field-${field.key}`;
    const hint = document.createElement('p');
    hint.className = 'hint';
    hint.id = `${id}-hint`;
    const caption = document.createElement(field.many ? 'span' : 'label');
    caption.className = 'label';
    caption.id = `${id}-label`;
    caption.textContent = field.label + (field.hidden ? ' (not shown on the page)' : '');
    if (!field.many) caption.htmlFor = id;
    box.append(caption);
    const makeInput = (value, n) => {
      const input = document.createElement('input');
      const type = TYPES[field.type] || {};
      input.type = type.type || 'text';
      if (type.inputmode) input.inputMode = type.inputmode;
      if (type.placeholder) input.placeholder = type.placeholder;
      if (field.type === 'link' || field.key === 'categories') input.setAttribute('list', datalistFor(field));
      input.value = value ?? '';
      input.setAttribute('aria-describedby', hint.id);
      if (field.many) input.setAttribute('aria-label', `${field.label} ${n}`);
      else input.id = id;
      input.addEventListener('input', () => { check(field, input, hint); fieldChanged(field); });
      return input;
    };
    if (field.many) {
      const list = document.createElement('div');
      list.className = 'many';
      list.setAttribute('role', 'group');
      list.setAttribute('aria-labelledby', caption.id);
      const addRow = (value) => {
        const row = document.createElement('div');
        row.className = 'row';
        const input = makeInput(value, list.children.length + 1);
        const remove = document.createElement('button');
        remove.type = 'button';
        remove.textContent = 'Remove';
        remove.setAttribute('aria-label', `Remove ${field.label} ${list.children.length + 1}`);
        remove.addEventListener('click', () => { row.remove(); fieldChanged(field, true); });
        row.append(input, remove);
        list.append(row);
        return input;
      };
      box._addRow = addRow;
      box.append(list);
      const add = document.createElement('button');
      add.type = 'button';
      add.textContent = `Add ${field.label.toLowerCase()}`;
      add.addEventListener('click', () => addRow('').focus());
      box.append(add);
    } else {
      box.append(makeInput('', 0));
    }
    const textOnly = document.createElement('p');
    textOnly.className = 'text-only';
    textOnly.hidden = true;
    textOnly.textContent = 'This value holds tables (details such as a section or a year): edit it in the text below.';
    box.append(textOnly, hint);
    form.append(box);
  }
  fillForm();
}

/** Puts the text's values into the form (unless the form is being edited). */
function fillForm() {
  const kind = kindOf(state.kind);
  for (const box of $('fields').querySelectorAll('.field')) {
    if (box.contains(document.activeElement)) continue;
    const entry = state.values[box.dataset.key];
    const editable = !entry || entry.editable;
    const value = entry ? entry.value : null;
    box.querySelector('.text-only').hidden = editable;
    const field = (kind ? kind.fields : []).find((f) => f.key === box.dataset.key) || { many: false };
    if (field.many) {
      const list = box.querySelector('.many');
      list.replaceChildren();
      const items = Array.isArray(value) ? value : value === null ? [] : [value];
      for (const item of items) box._addRow(String(item));
      for (const el of box.querySelectorAll('input, button')) el.disabled = !editable;
    } else {
      const input = box.querySelector('input');
      input.value = value === null || value === undefined ? '' : Array.isArray(value) ? value.join(', ') : String(value);
      input.disabled = !editable;
    }
  }
}

function takeValues(fields) {
  if (fields.error) {
    $('fields-note').textContent = fields.error;
    $('fields-note').hidden = false;
    for (const el of $('fields').querySelectorAll('input, button')) el.disabled = true;
    return;
  }
  $('fields-note').hidden = true;
  state.values = fields.values;
  fillForm();
}

const fieldTimers = new Map();
function fieldChanged(field, now = false) {
  clearTimeout(fieldTimers.get(field.key));
  fieldTimers.set(field.key, setTimeout(() => writeField(field), now ? 0 : 150));
}

async function writeField(field) {
  const box = $('fields').querySelector(`.field[data-key="${CSS.escape(field.key)}"]`);
  const inputs = [...box.querySelectorAll('input')];
  const value = field.many ? inputs.map((i) => i.value) : inputs[0].value;
  const edits = state.textEdits;
  const sent = text.value;
  const { status: code, data } = await api('field', { path: state.path, text: current(), key: field.key, value });
  if (code !== 200) { status(data.error || `could not set ${field.label}`); return; }
  // The text changed meanwhile (typed there): the form's answer would undo it.
  if (edits !== state.textEdits || text.value !== sent) return;
  const { scrollTop, scrollLeft } = text;
  text.value = data.text;
  text.scrollTop = scrollTop;
  text.scrollLeft = scrollLeft;
  changed();
}

// ---------------------------------------------------------------------------------------------
// Opening, saving, conflicts.

function changed() {
  const dirty = current() !== state.saved;
  $('save').disabled = !dirty || !state.path;
  status(dirty ? 'Unsaved changes' : 'Saved');
  drawGutter();
  schedulePreview();
}

async function open() {
  const request = state.newTitle !== null && !state.path ? { new: state.newTitle } : { path: state.path };
  const { status: code, data } = await api('open', request);
  if (code !== 200) { fatal(data.error || `could not open the page (${code})`); return; }
  state.kinds = data.kinds;
  state.names = data.names || {};
  state.aliases = data.aliases || {};
  state.categories = data.categories || [];
  crlf = data.text.includes('\r\n');
  text.value = data.text;
  if (data.choices) {
    // A new page, from a red link: the kind decides the folder.
    $('new-page').hidden = false;
    $('new-title').textContent = data.new;
    document.title = `New page ${data.new} — kwiki serve`;
    const select = $('new-kind');
    for (const c of data.choices) {
      const option = document.createElement('option');
      option.value = c.kind;
      option.textContent = c.name;
      option.dataset.path = c.path;
      option.dataset.exists = c.exists;
      select.append(option);
    }
    const pick = () => {
      const option = select.selectedOptions[0];
      state.kind = option.value;
      state.path = option.dataset.path;
      $('new-path').textContent = state.path;
      $('path').textContent = state.path;
      $('new-exists').hidden = option.dataset.exists !== 'true';
      buildForm();
      changed();
    };
    select.addEventListener('change', pick);
    state.base = null;
    state.saved = '';
    takeValues(data.fields);
    pick();
    $('back').href = '/';
  } else {
    state.kind = data.kind;
    state.base = data.text;
    state.saved = data.text;
    $('path').textContent = data.path;
    document.title = `Edit ${data.path} — kwiki serve`;
    if (data.href) $('back').href = data.href;
    takeValues(data.fields);
    buildForm();
    changed();
  }
  document.body.dataset.ready = 'true';
}

async function save(base = state.base) {
  if (!state.path) return;
  const sending = current();
  status('Saving…');
  const { status: code, data } = await api('save', { path: state.path, text: sending, base });
  if (code === 200) {
    state.base = sending;
    state.saved = sending;
    $('conflict').hidden = true;
    if (!$('new-page').hidden) {
      // Created: from now on this is the page's editor.
      $('new-page').hidden = true;
      history.replaceState(null, '', `?path=${encodeURIComponent(state.path)}`);
    }
    changed();
    status('Saved');
    return;
  }
  if (code === 409) {
    $('mine').value = sending;
    $('theirs').value = data.disk === null ? '(the file was deleted)' : data.disk;
    $('conflict').hidden = false;
    $('conflict').dataset.disk = data.disk === null ? '' : data.disk;
    $('conflict').dataset.deleted = String(data.disk === null);
    $('overwrite').focus();
    status('Not saved: the file changed on disk');
    return;
  }
  status(data.error || `Not saved (${code})`);
}

$('save').addEventListener('click', () => save());
$('overwrite').addEventListener('click', () => {
  const deleted = $('conflict').dataset.deleted === 'true';
  if (deleted) { state.base = null; }
  save(deleted ? null : $('conflict').dataset.disk);
});
$('take').addEventListener('click', () => {
  // Yours stays in the left pane until the panel is closed.
  text.value = $('conflict').dataset.disk;
  state.base = text.value;
  state.saved = text.value;
  state.textEdits++;
  changed();
});
$('close-conflict').addEventListener('click', () => { $('conflict').hidden = true; });
$('fields').addEventListener('submit', (e) => e.preventDefault());
document.addEventListener('keydown', (e) => {
  if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's') {
    e.preventDefault();
    if (!$('save').disabled) save();
  }
});
text.addEventListener('input', () => { state.textEdits++; changed(); });
text.addEventListener('scroll', syncScroll);
text.addEventListener('blur', () => { clearTimeout(previewTimer); runPreview(); });
window.addEventListener('beforeunload', (e) => {
  if (current() !== state.saved) e.preventDefault();
});

open().catch((e) => fatal('could not open the page: ' + e.message));
