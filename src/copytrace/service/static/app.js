// copytrace web page. Every view has its own URL (#query, #match/N, #families, #family/ID,
// #stories, #story/ID, #pair/A/B, #add): links are real links, so Back, Forward, reload and a
// copied address all work. Every piece of document text goes into the page as text
// (textContent / text nodes), never as HTML; the story picture is SVG made by the server with
// every name escaped, parsed as XML. Offsets from the API are Python str indices (code
// points), so texts are sliced as arrays of code points.
"use strict";

const $ = (id) => document.getElementById(id);
const VIEWS = ["query-view", "families-view", "family-view", "stories-view", "story-view",
               "pair-view", "add-view"];
// what each relation means, from the server's relations table (GET /relations): the page never
// spells a relation name itself
let RELATIONS = {};
const copiesText = (rel) => Boolean((RELATIONS[rel] || {}).copies_text);

function el(tag, text, attrs) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  return node;
}

function link(text, hash) { return el("a", text, {href: hash}); }
function badge(rel) { return el("span", rel, {class: `rel rel-${rel}`}); }
const enc = encodeURIComponent;
const plural = (n, one, many) => `${n} ${n === 1 ? one : (many || one + "s")}`;

async function api(method, url, body, headers) {
  const res = await fetch(url, {method, headers: {...(body ? {"Content-Type": "application/json"} : {}), ...(headers || {})},
                                body: body ? JSON.stringify(body) : undefined});
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(typeof data.detail === "string" ? data.detail : `HTTP ${res.status}`);
  return data;
}

// Render text with marked ranges: ranges = [{start, end, cls, title}] in code points.
function renderMarked(container, text, ranges) {
  container.replaceChildren();
  const cps = Array.from(text);
  const cuts = new Set([0, cps.length]);
  for (const r of ranges) { cuts.add(Math.max(0, r.start)); cuts.add(Math.min(cps.length, r.end)); }
  const points = [...cuts].sort((a, b) => a - b);
  for (let k = 0; k + 1 < points.length; k++) {
    const s = points[k], e = points[k + 1];
    const piece = cps.slice(s, e).join("");
    const covering = ranges.filter((r) => r.start <= s && r.end >= e);
    let node = document.createTextNode(piece);
    for (const r of covering) {
      const m = el("mark", null, {class: r.cls});
      if (r.title) m.title = r.title;
      m.appendChild(node);
      node = m;
    }
    container.appendChild(node);
  }
}

function spunRanges(list) {
  return (list || []).map((p) => ({start: p.start, end: p.end, cls: "suspicious", title: `spun? likely original: ${p.original}`}));
}

function show(view) {
  for (const v of VIEWS) $(v).hidden = v !== view;
  window.scrollTo(0, 0);
}

// "who was first", in words, for a pair seen from its a side
function firstOf(pair, aName, bName) {
  if (pair.direction === "a->b") return `${aName} (the source)`;
  if (pair.direction === "b->a") return `${bName} (the source)`;
  if (pair.direction === "neither") return "neither: both spun from a third text";
  return "unknown";
}

// ---- checking a document ------------------------------------------------------------------

let lastQuery = null;  // {text, res, docs}: the last query's matches, for #match/N

async function runQuery() {
  const text = $("query-text").value;
  if (!text.trim()) { $("query-status").textContent = "Paste or choose a document first."; return; }
  $("query-status").textContent = "Searching…";
  try {
    const res = await api("POST", "/query", {text, id: "your document", limit: 50});
    const docs = await Promise.all(res.matches.slice(0, 50).map(
      (m) => api("GET", "/documents/" + enc(m.b)).catch(() => ({id: m.b}))));
    lastQuery = {text, res, docs};
    renderMatches();
  } catch (e) {
    $("query-status").textContent = "Error: " + e.message;
  }
}

function renderMatches() {
  const {res, docs} = lastQuery;
  const body = $("matches").querySelector("tbody");
  body.replaceChildren();
  res.matches.forEach((m, k) => {
    const d = docs[k] || {id: m.b};
    const tr = el("tr", null, {"data-id": m.b});
    const who = el("td");
    who.appendChild(el("b", d.title || m.b));
    if (d.title) who.appendChild(el("span", m.b, {class: "sub"}));
    if (d.url) who.appendChild(/^https?:\/\//i.test(d.url)  // never a javascript: link
      ? el("a", d.url, {href: d.url, class: "sub", rel: "noreferrer noopener"}) : el("span", d.url, {class: "sub"}));
    tr.appendChild(who);
    const rel = el("td"); rel.appendChild(badge(m.relation)); tr.appendChild(rel);
    tr.appendChild(el("td", firstOf(m, "your document", "it")));
    tr.appendChild(el("td", m.similarity.toFixed(2)));
    tr.appendChild(el("td", m.passages.length ? `${Math.round(m.containment_ab * 100)}% of yours · ${Math.round(m.containment_ba * 100)}% of it` : "—"));
    tr.appendChild(el("td", d.date || ""));
    const groups = el("td");
    groups.appendChild(link("family", "#family/" + enc(m.family)));
    groups.appendChild(document.createTextNode(" · "));
    groups.appendChild(link("story", "#story/" + enc(m.story)));
    tr.appendChild(groups);
    const open = el("td"); open.appendChild(link("side by side", `#match/${k}`)); tr.appendChild(open);
    body.appendChild(tr);
  });
  $("matches").hidden = $("matches-hint").hidden = res.matches.length === 0;
  $("query-status").textContent = res.matches.length ? plural(res.matches.length, "match", "matches")
    : "No stored document copies it, rewrites it or covers the same story.";
  const note = $("spun-note");
  note.replaceChildren();
  if (res.suspicious.length) {
    note.appendChild(el("p", `${plural(res.suspicious.length, "suspicious (spun-looking) phrase")} in your document, with the phrase it likely replaced:`));
    const ul = el("ul");
    for (const p of res.suspicious.slice(0, 40)) ul.appendChild(el("li", `“${p.phrase}” (${p.original}?)`));
    note.appendChild(ul);
  }
}

async function readFile(file, into, status) {
  // the server reads it with the command line's readers: an .html page becomes its main text
  status.textContent = `Reading ${file.name}…`;
  const res = await fetch("/read?name=" + enc(file.name), {method: "POST", body: file,
                                                          headers: {"Content-Type": "application/octet-stream"}});
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(typeof data.detail === "string" ? data.detail : `HTTP ${res.status}`);
  if (!data.documents.length) {
    throw new Error(`${file.name}: ${data.skipped.length ? data.skipped[0].reason : "no document in it"}`);
  }
  into.value = data.documents[0].text;
  status.textContent = `${file.name}: ${data.documents[0].title || "read"}` +
    (data.documents.length > 1 ? ` (the first of ${data.documents.length} documents in the file)` : "");
  return data.documents[0];
}

// ---- pairs side by side -------------------------------------------------------------------

function showPair(pair, a, b) {
  show("pair-view");
  $("pair-title").textContent = `${a.title || a.id} ↔ ${b.title || b.id}`;
  const exact = pair.exact_share == null ? "" : ` · ${Math.round(pair.exact_share * 100)}% of passage words identical`;
  $("pair-summary").replaceChildren(badge(pair.relation), document.createTextNode(
    ` · who was first: ${firstOf(pair, a.id, b.id)} · similarity ${pair.similarity.toFixed(2)} · ${plural(pair.passages.length, "passage")}${exact}`));
  const legend = $("pair-legend");
  legend.replaceChildren();
  if (pair.passages.length) {
    legend.appendChild(el("mark", copiesText(pair.relation) ? "copied passage" : "shared passage", {class: "shared"}));
    legend.appendChild(document.createTextNode(" "));
  } else {
    const what = (RELATIONS[pair.relation] || {}).description || "related by meaning";
    legend.appendChild(document.createTextNode(`No words in common: ${pair.relation}, ${what} `));
  }
  legend.appendChild(el("mark", "suspicious (spun-looking) phrase", {class: "suspicious"}));
  for (const [side, d] of [["left", a], ["right", b]]) {
    $(side + "-title").textContent = d.id;
    $(side + "-meta").textContent = [d.title, d.date, d.url].filter(Boolean).join(" · ");
  }
  const left = pair.passages.map((p) => ({start: p.a[0], end: p.a[1], cls: "shared"}));
  const right = pair.passages.map((p) => ({start: p.b[0], end: p.b[1], cls: "shared"}));
  renderMarked($("left-text"), a.text, left.concat(spunRanges(a.suspicious)));
  renderMarked($("right-text"), b.text, right.concat(spunRanges(b.suspicious)));
}

async function openMatch(k) {
  if (!lastQuery || !lastQuery.res.matches[k]) { location.replace("#query"); return; }
  const m = lastQuery.res.matches[k];
  const other = await api("GET", "/documents/" + enc(m.b));
  showPair(m, {id: "your document", text: lastQuery.text, suspicious: lastQuery.res.suspicious}, other);
}

async function openPair(a, b) {
  const [da, db] = await Promise.all([api("GET", "/documents/" + enc(a)), api("GET", "/documents/" + enc(b))]);
  let pair = da.pairs.find((p) => p.a === a && p.b === b);
  if (!pair) {
    const back = da.pairs.find((p) => p.a === b && p.b === a);
    if (!back) throw new Error(`no stored pair of ${a} and ${b}`);
    return showPair(back, db, da);
  }
  showPair(pair, da, db);
}

function pairItem(p, describe) {
  const li = el("li");
  li.appendChild(link(`${p.a} ↔ ${p.b}`, `#pair/${enc(p.a)}/${enc(p.b)}`));
  li.appendChild(document.createTextNode(" "));
  li.appendChild(badge(p.relation));
  li.appendChild(document.createTextNode(` ${describe(p)}`));
  return li;
}

// ---- families and stories -----------------------------------------------------------------

function fillList(list, items, empty, describe, hashOf) {
  list.replaceChildren();
  if (!items.length) list.appendChild(el("li", empty));
  for (const item of items) {
    const li = el("li");
    li.appendChild(link(item.id, hashOf(item.id)));
    li.appendChild(document.createTextNode(` — ${describe(item)}`));
    list.appendChild(li);
  }
}

async function loadFamilies() {
  show("families-view");
  const res = await api("GET", "/families?limit=100");
  fillList($("family-list"), res.families, "No families yet: no stored document copies another.",
           (f) => plural(f.size, "document"), (id) => "#family/" + enc(id));
}

async function openFamily(id) {
  const fam = await api("GET", "/families/" + enc(id));
  show("family-view");
  $("family-title").textContent = `Family of ${fam.id} (${plural(fam.size, "document")})`;
  const body = $("family-members").querySelector("tbody");
  body.replaceChildren();
  // in time order: who published first (undated last), the source (the family's id) first
  // among equals
  const members = [...fam.members].sort((x, y) => ((x.date || "~") < (y.date || "~") ? -1 : (x.date || "~") > (y.date || "~") ? 1
    : (x.id === fam.id ? -1 : y.id === fam.id ? 1 : x.id < y.id ? -1 : 1)));
  for (const m of members) {
    const tr = el("tr", null, {"data-id": m.id});
    tr.appendChild(el("td", m.date || "undated"));
    tr.appendChild(el("td", m.id));
    const rel = el("td"); rel.appendChild(badge(m.relation)); tr.appendChild(rel);
    tr.appendChild(el("td", m.chars));
    body.appendChild(tr);
  }
  const pl = $("family-pairs");
  pl.replaceChildren();
  for (const p of fam.pairs) pl.appendChild(pairItem(p, (q) => `similarity ${q.similarity.toFixed(2)}`));
  if (!fam.pairs.length) pl.appendChild(el("li", "None: no stored document copies this one."));
}

async function loadStories() {
  show("stories-view");
  const res = await api("GET", "/stories?limit=100");
  fillList($("story-list"), res.stories, "No stories yet: no two families cover the same event.",
           (s) => `${plural(s.families, "family", "families")}, ${plural(s.size, "document")}`, (id) => "#story/" + enc(id));
}

async function openStory(id) {
  const story = await api("GET", "/stories/" + enc(id));
  show("story-view");
  $("story-title").textContent = `Story of ${story.id} (${plural(story.families.length, "family", "families")}, ${plural(story.size, "document")})`;
  const picture = $("story-picture");
  picture.replaceChildren();
  const res = await fetch("/story-picture/" + enc(id));
  if (res.ok) {
    const svg = new DOMParser().parseFromString(await res.text(), "image/svg+xml").documentElement;
    if (svg && svg.nodeName === "svg") picture.appendChild(document.importNode(svg, true));
  }
  fillList($("story-families"), story.families, "", (f) => plural(f.size, "document"), (fid) => "#family/" + enc(fid));
  const pl = $("story-links");
  pl.replaceChildren();
  for (const p of story.links) pl.appendChild(pairItem(p, (q) => `similarity ${q.similarity.toFixed(2)}`));
}

// ---- adding documents ---------------------------------------------------------------------

async function addDocument() {
  const status = $("add-status");
  const doc = {id: $("add-id").value.trim(), text: $("add-text").value};
  for (const f of ["title", "url", "date"]) if ($("add-" + f).value.trim()) doc[f] = $("add-" + f).value.trim();
  if (!doc.id || !doc.text.trim()) { status.textContent = "An id and a text are needed."; return; }
  status.textContent = "Adding…";
  try {
    const key = $("add-key").value;
    const res = await api("POST", "/documents", {documents: [doc]}, key ? {"X-API-Key": key} : {});
    if (!res.added.length) { status.textContent = "Not added: " + (res.skipped[0] || {}).reason; return; }
    status.replaceChildren(document.createTextNode(`Added ${res.added[0]} (${plural(res.pairs.length, "related pair")}). `),
                           link("its family", "#family/" + enc(res.added[0])));
    refreshHealth();
  } catch (e) {
    status.textContent = "Error: " + e.message;
  }
}

// ---- routing ------------------------------------------------------------------------------

function route() {
  const [name, ...rest] = location.hash.replace(/^#/, "").split("/");
  const arg = rest.map(decodeURIComponent);
  const fail = (e) => { show("query-view"); $("query-status").textContent = "Error: " + e.message; };
  if (name === "families") loadFamilies().catch(fail);
  else if (name === "family" && arg[0]) openFamily(arg[0]).catch(fail);
  else if (name === "stories") loadStories().catch(fail);
  else if (name === "story" && arg[0]) openStory(arg[0]).catch(fail);
  else if (name === "pair" && arg.length === 2) openPair(arg[0], arg[1]).catch(fail);
  else if (name === "match") openMatch(Number(arg[0])).catch(fail);
  else if (name === "add") show("add-view");
  else show("query-view");
}

function refreshHealth() {
  api("GET", "/health").then((h) => { $("health").textContent = `${plural(h.documents, "document")} indexed`; }).catch(() => {});
}

document.addEventListener("DOMContentLoaded", async () => {
  RELATIONS = Object.fromEntries(((await api("GET", "/relations").catch(() => ({}))).relations || [])
    .map((r) => [r.name, r]));
  $("query-run").addEventListener("click", runQuery);
  $("query-file").addEventListener("change", (ev) => {
    const f = ev.target.files[0];
    if (f) readFile(f, $("query-text"), $("query-status")).catch((e) => { $("query-status").textContent = "Error: " + e.message; });
  });
  $("add-file").addEventListener("change", (ev) => {
    const f = ev.target.files[0];
    if (!f) return;
    readFile(f, $("add-text"), $("add-status")).then((d) => {
      if (!$("add-id").value) $("add-id").value = f.name.replace(/\.[^.]*$/, "");
      for (const k of ["title", "url", "date"]) if (d[k] && !$("add-" + k).value) $("add-" + k).value = d[k];
    }).catch((e) => { $("add-status").textContent = "Error: " + e.message; });
  });
  $("add-run").addEventListener("click", addDocument);
  window.addEventListener("hashchange", route);
  route();
  refreshHealth();
});
