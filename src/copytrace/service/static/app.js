// copytrace web page. Every piece of document text goes into the page as text (textContent /
// text nodes), never as HTML. Offsets from the API are Python str indices (code points), so
// texts are sliced as arrays of code points.
"use strict";

const $ = (id) => document.getElementById(id);

function el(tag, text, attrs) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  return node;
}

async function api(method, url, body) {
  const res = await fetch(url, {method, headers: body ? {"Content-Type": "application/json"} : {},
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
    if (!covering.length) { container.appendChild(document.createTextNode(piece)); continue; }
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
  for (const v of ["query-view", "families-view", "stories-view", "pair-view"]) $(v).hidden = v !== view;
}

let lastQuery = null;

async function runQuery() {
  const text = $("query-text").value;
  if (!text.trim()) { $("query-status").textContent = "Paste or choose a document first."; return; }
  $("query-status").textContent = "Searching…";
  try {
    const res = await api("POST", "/query", {text, id: "your document", limit: 50});
    lastQuery = {text, res};
    const body = $("matches").querySelector("tbody");
    body.replaceChildren();
    for (const m of res.matches) {
      const tr = el("tr", null, {"data-id": m.b});
      for (const v of [m.b, m.relation, m.direction, m.similarity.toFixed(2),
                       Math.round(m.containment_ab * 100) + "%", Math.round(m.containment_ba * 100) + "%", m.family, m.story]) {
        tr.appendChild(el("td", v));
      }
      const btn = el("button", "side by side", {class: "link"});
      btn.addEventListener("click", () => openQueryPair(m));
      const td = el("td"); td.appendChild(btn); tr.appendChild(td);
      body.appendChild(tr);
    }
    $("matches").hidden = res.matches.length === 0;
    $("query-status").textContent = res.matches.length ? `${res.matches.length} match(es)` : "No stored document copies it, rewrites it or covers the same story.";
    $("spun-note").textContent = res.suspicious.length ? `${res.suspicious.length} suspicious (spun-looking) phrase(s) in your document.` : "";
  } catch (e) {
    $("query-status").textContent = "Error: " + e.message;
  }
}

async function openQueryPair(m) {
  const other = await api("GET", "/documents/" + encodeURIComponent(m.b));
  showPair(`your document ↔ ${m.b}`, m, {id: "your document", text: lastQuery.text, suspicious: lastQuery.res.suspicious}, other);
}

function showPair(title, pair, a, b) {
  show("pair-view");
  $("pair-title").textContent = title;
  const exact = pair.exact_share == null ? "" : `, ${Math.round(pair.exact_share * 100)}% of passage words identical`;
  $("pair-summary").textContent = `${pair.relation}, direction ${pair.direction}, similarity ${pair.similarity.toFixed(2)}, ${pair.passages.length} passage(s)${exact}`;
  $("left-title").textContent = a.id;
  $("right-title").textContent = b.id;
  const left = pair.passages.map((p) => ({start: p.a[0], end: p.a[1], cls: "shared"}));
  const right = pair.passages.map((p) => ({start: p.b[0], end: p.b[1], cls: "shared"}));
  renderMarked($("left-text"), a.text, left.concat(spunRanges(a.suspicious)));
  renderMarked($("right-text"), b.text, right.concat(spunRanges(b.suspicious)));
}

async function loadFamilies() {
  show("families-view");
  const res = await api("GET", "/families?limit=100");
  fillList($("family-list"), res.families, "No families yet: no stored document copies another.",
           (f) => `${f.size} documents`, openFamily);
}

// A list of named groups: a button per group (opens it) and a short description.
function fillList(list, items, empty, describe, open) {
  list.replaceChildren();
  if (!items.length) list.appendChild(el("li", empty));
  for (const item of items) {
    const li = el("li");
    const btn = el("button", item.id, {class: "link"});
    btn.addEventListener("click", () => open(item.id));
    li.appendChild(btn);
    li.appendChild(document.createTextNode(` — ${describe(item)}`));
    list.appendChild(li);
  }
}

function pairButton(p) {
  const btn = el("button", `${p.a} ↔ ${p.b}`, {class: "link"});
  btn.addEventListener("click", async () => {
    const [a, b] = await Promise.all([api("GET", "/documents/" + encodeURIComponent(p.a)), api("GET", "/documents/" + encodeURIComponent(p.b))]);
    showPair(`${p.a} ↔ ${p.b}`, p, a, b);
  });
  return btn;
}

async function loadStories() {
  show("stories-view");
  const res = await api("GET", "/stories?limit=100");
  fillList($("story-list"), res.stories, "No stories yet: no two families cover the same event.",
           (s) => `${s.families} families, ${s.size} documents`, openStory);
}

async function openStory(id) {
  const story = await api("GET", "/stories/" + encodeURIComponent(id));
  const box = $("story-detail");
  box.replaceChildren(el("h3", `Story of ${story.id} (${story.families.length} families, ${story.size} documents)`));
  const ul = el("ul");
  fillList(ul, story.families, "", (f) => `${f.size} document(s)`,
           (fid) => { show("families-view"); openFamily(fid); });
  box.appendChild(ul);
  const pl = el("ul");
  for (const p of story.links) {
    const li = el("li");
    li.appendChild(pairButton(p));
    li.appendChild(document.createTextNode(` — same story, similarity ${p.similarity.toFixed(2)}, ${p.direction}`));
    pl.appendChild(li);
  }
  box.appendChild(el("h4", "Same-story links"));
  box.appendChild(pl);
}

async function openFamily(id) {
  const fam = await api("GET", "/families/" + encodeURIComponent(id));
  const box = $("family-detail");
  box.replaceChildren(el("h3", `Family of ${fam.id} (${fam.size} documents)`));
  const ul = el("ul");
  for (const m of fam.members) ul.appendChild(el("li", `${m.id} — ${m.relation}${m.date ? ", " + m.date : ""}`));
  box.appendChild(ul);
  const pl = el("ul");
  for (const p of fam.pairs) {
    const li = el("li");
    li.appendChild(pairButton(p));
    li.appendChild(document.createTextNode(` — ${p.relation}, similarity ${p.similarity.toFixed(2)}`));
    pl.appendChild(li);
  }
  box.appendChild(el("h4", "Pairs"));
  box.appendChild(pl);
}

function route() {
  if (location.hash === "#families") loadFamilies().catch((e) => { $("family-list").replaceChildren(el("li", "Error: " + e.message)); });
  else if (location.hash === "#stories") loadStories().catch((e) => { $("story-list").replaceChildren(el("li", "Error: " + e.message)); });
  else show("query-view");
}

document.addEventListener("DOMContentLoaded", () => {
  $("query-run").addEventListener("click", runQuery);
  $("query-file").addEventListener("change", (ev) => {
    const f = ev.target.files[0];
    if (!f) return;
    f.text().then((t) => { $("query-text").value = t; });
  });
  window.addEventListener("hashchange", route);
  route();
  api("GET", "/health").then((h) => { $("health").textContent = `${h.documents} documents indexed`; }).catch(() => {});
});
