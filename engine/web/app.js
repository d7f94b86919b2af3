// The scientia search page: a client of /info, /search, /documents/{id} and /sparql.
// Every text from the index goes into the page through textContent, never as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";
let lastResultsHash = "#";

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

function svgElement(tag, attributes = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
}

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = !message;
}

async function request(path, options = {}) {
  const response = await fetch(path, options);
  if (!response.ok) {
    let detail = response.statusText;
    try {
      const body = await response.json();
      detail = typeof body.detail === "string" ? body.detail
        : (body.detail || []).map((d) => `${(d.loc || []).slice(1).join(".")}: ${d.msg}`).join("; ");
    } catch (_) { /* not JSON: keep the status text */ }
    throw new Error(`${response.status}: ${detail}`);
  }
  return response;
}

// ---- the inference chain as a graph -------------------------------------------------------
// The knowledge signal's chain is a list of steps: `query names "spicy pizza" → SpicyPizza`,
// then `SpicyPizza ⊒ AmericanHot (inferred from …)` per step, then `document mentions "…"`.
const RELATIONS = { "⊒": "has subclass", "∋": "has instance" };

function chainGraph(chain) {
  const nodes = [];
  const edges = [];
  const node = (label, kind) => { nodes.push({ label, kind }); return nodes.length - 1; };
  for (const step of chain) {
    let m;
    if ((m = step.match(/^query names "(.*)" → (.+)$/))) {
      const query = node(`“${m[1]}”`, "query");
      edges.push({ from: query, to: node(m[2], "entity"), label: "names" });
    } else if ((m = step.match(/^document mentions "(.*)"$/))) {
      const last = nodes.length ? nodes.length - 1 : node("?", "entity");
      edges.push({ from: last, to: node("document", "document"), label: `mentions “${m[1]}”` });
    } else if ((m = step.match(/^(\S+) (\S+) (\S+)(?: \((.*)\))?$/))) {
      let from = nodes.length - 1;
      if (from < 0 || nodes[from].label !== m[1]) from = node(m[1], "entity");
      edges.push({ from, to: node(m[3], "entity"), label: RELATIONS[m[2]] || m[2], symbol: m[2],
                   inferred: Boolean(m[4]), why: m[4] || "asserted" });
    } else {
      const from = nodes.length - 1;
      const to = node(step, "entity");
      if (from >= 0) edges.push({ from, to, label: "" });
    }
  }
  return { nodes, edges };
}

function drawChain(chain) {
  const { nodes, edges } = chainGraph(chain);
  const rowHeight = 58, boxHeight = 28, left = 8;
  const boxWidth = Math.min(300, Math.max(...nodes.map((n) => n.label.length * 7.2 + 24), 120));
  const svg = svgElement("svg", { class: "chain-graph", width: boxWidth + 320,
                                  height: (nodes.length - 1) * rowHeight + boxHeight + 2,
                                  role: "img", "aria-label": "inference chain" });
  edges.forEach((edge) => {
    const group = svgElement("g", { class: `edge${edge.inferred ? " inferred" : ""}` });
    const x = left + boxWidth / 2;
    const y1 = edge.from * rowHeight + boxHeight, y2 = edge.to * rowHeight;
    group.append(svgElement("line", { x1: x, y1, x2: x, y2: y2 - 2, "marker-end": "url(#arrow)" }));
    const label = svgElement("text", { x: x + 10, y: (y1 + y2) / 2 + 4 });
    label.textContent = edge.symbol ? `${edge.symbol} ${edge.label}${edge.inferred ? " (inferred)" : ""}` : edge.label;
    const title = svgElement("title");
    title.textContent = edge.why || edge.label;
    label.append(title);
    group.append(label);
    svg.append(group);
  });
  const defs = svgElement("defs");
  const marker = svgElement("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7,
                                        markerHeight: 7, orient: "auto-start-reverse" });
  marker.append(svgElement("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "#5b6570" }));
  defs.append(marker);
  svg.prepend(defs);
  nodes.forEach((n, i) => {
    const group = svgElement("g", { class: `node ${n.kind}`, transform: `translate(${left},${i * rowHeight})` });
    group.append(svgElement("rect", { width: boxWidth, height: boxHeight, rx: 5 }));
    const text = svgElement("text", { x: boxWidth / 2, y: 18, "text-anchor": "middle" });
    text.textContent = n.label.length > 40 ? `${n.label.slice(0, 39)}…` : n.label;
    const title = svgElement("title");
    title.textContent = n.label;
    group.append(text, title);
    svg.append(group);
  });
  const steps = element("ol");
  chain.forEach((step) => steps.append(element("li", {}, step)));
  return element("figure", { class: "chain" }, svg, element("figcaption", {}, "why the reasoner brought it in", steps));
}

// ---- search -------------------------------------------------------------------------------
function hitItem(hit) {
  const title = element("a", { class: "hit-title", href: `#doc/${encodeURIComponent(hit.id)}` }, hit.title || hit.id);
  const head = element("div", { class: "hit-head" },
    element("span", { class: "hit-rank" }, `${hit.rank}`), title,
    element("span", { class: "hit-id" }, hit.id),
    element("span", { class: "hit-score", title: "fused score" }, hit.score.toFixed(4)));
  const flat = hit.text.replace(/\s+/g, " ").trim();
  const snippet = element("p", { class: "snippet" }, flat.length > 240 ? `${flat.slice(0, 239)}…` : flat);
  const table = element("table", { class: "signals" },
    element("tr", {}, element("th", {}, "signal"), element("th", {}, "rank"), element("th", {}, "score")));
  const item = element("li", { class: "hit" }, head, snippet, table);
  for (const [name, evidence] of Object.entries(hit.signals)) {
    table.append(element("tr", { class: `signal-${name.replace(/\W/g, "-")}` }, element("td", {}, name),
      element("td", {}, `${evidence.rank}`), element("td", {}, evidence.score.toFixed(4))));
  }
  for (const evidence of Object.values(hit.signals)) {
    if (evidence.chain && evidence.chain.length) item.append(drawChain(evidence.chain));
  }
  return item;
}

async function search(query, mode, fusion, k, filters) {
  showError("");
  $("status").textContent = "searching…";
  const body = { query, k, fusion, filters };
  if (mode) body.mode = mode;
  const started = performance.now();
  try {
    const response = await request("/search", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    const answer = await response.json();
    const results = $("results");
    results.replaceChildren(...answer.hits.map(hitItem));
    const count = answer.hits.length;
    $("status").textContent = `${count} ${count === 1 ? "result" : "results"} in ${Math.round(performance.now() - started)} ms`
      + ` (generation ${answer.generation})`;
  } catch (error) {
    // a failed search leaves no results of an earlier one on the page, as if they answered it
    $("results").replaceChildren();
    $("status").textContent = "";
    showError(error.message);
  }
}

function searchFromHash() {
  const params = new URLSearchParams(location.hash.slice(2));
  const query = params.get("q");
  if (!query) return;
  $("query").value = query;
  if (params.get("mode")) $("mode").value = params.get("mode");
  if (params.get("fusion")) $("fusion").value = params.get("fusion");
  if (params.get("k")) $("k").value = params.get("k");
  $("filters").value = params.getAll("filter").join("; ");
  search(query, params.get("mode"), params.get("fusion") || $("fusion").value, Number(params.get("k") || 10), params.getAll("filter"));
}

function submitSearch(event) {
  event.preventDefault();
  const params = new URLSearchParams({ q: $("query").value.trim(), mode: $("mode").value, fusion: $("fusion").value,
                                       k: $("k").value });
  $("filters").value.split(";").map((f) => f.trim()).filter(Boolean).forEach((f) => params.append("filter", f));
  const hash = `#?${params}`;
  if (location.hash === hash) searchFromHash(); else location.hash = hash;
}

// ---- one document -------------------------------------------------------------------------
async function showDocument(id) {
  showError("");
  try {
    const documentBody = await (await request(`/documents/${encodeURIComponent(id)}`)).json();
    $("doc-title").textContent = documentBody.title || documentBody.id;
    $("doc-id").textContent = documentBody.id;
    $("doc-text").textContent = documentBody.text;
    const metadata = $("doc-metadata");
    metadata.replaceChildren();
    for (const [key, value] of Object.entries(documentBody.metadata || {})) {
      metadata.append(element("dt", {}, key), element("dd", {}, typeof value === "string" ? value : JSON.stringify(value)));
    }
  } catch (error) {
    showError(error.message);
  }
}

// ---- SPARQL -------------------------------------------------------------------------------
function cell(value) {
  if (value === undefined || value === null) return "";
  if (typeof value === "object") return value.value ?? JSON.stringify(value);
  return String(value);
}

async function runSparql(event) {
  event.preventDefault();
  showError("");
  const out = $("sparql-results");
  $("sparql-status").textContent = "running…";
  const started = performance.now();
  try {
    const response = await request("/sparql", {
      method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json, text/turtle;q=0.9" },
      body: JSON.stringify({ query: $("sparql-query").value }) });
    const elapsed = `${Math.round(performance.now() - started)} ms`;
    if (!(response.headers.get("content-type") || "").includes("json")) {
      out.replaceChildren(element("pre", { class: "graph" }, await response.text()));
      $("sparql-status").textContent = `graph in ${elapsed}`;
      return;
    }
    const answer = await response.json();
    if ("boolean" in answer) {
      out.replaceChildren(element("p", { class: "boolean" }, String(answer.boolean)));
      $("sparql-status").textContent = `ASK in ${elapsed}`;
      return;
    }
    const table = element("table", { class: "sparql" },
      element("tr", {}, ...answer.columns.map((name) => element("th", {}, `?${name}`))));
    answer.rows.forEach((row) => table.append(element("tr", {}, ...answer.columns.map((name) => element("td", {}, cell(row[name]))))));
    out.replaceChildren(table);
    $("sparql-status").textContent = `${answer.rows.length} ${answer.rows.length === 1 ? "row" : "rows"} in ${elapsed}`;
  } catch (error) {
    $("sparql-status").textContent = "";
    out.replaceChildren();
    showError(error.message);
  }
}

// ---- navigation ---------------------------------------------------------------------------
function show(panel) {
  for (const name of ["search", "document", "sparql"]) $(`${name}-panel`).hidden = name !== panel;
  $("tab-search").setAttribute("aria-selected", String(panel !== "sparql"));
  $("tab-sparql").setAttribute("aria-selected", String(panel === "sparql"));
}

function route() {
  const hash = location.hash;
  if (hash.startsWith("#doc/")) {
    show("document");
    showDocument(decodeURIComponent(hash.slice(5)));
  } else if (hash === "#sparql") {
    show("sparql");
  } else {
    lastResultsHash = hash || "#";
    show("search");
    searchFromHash();
  }
}

// The filter box's hint names this index's own fields (it has none to filter on: say so).
function filterExample(fields) {
  if (!fields.length) return "this index has no metadata to filter on";
  return fields.slice(0, 2).map((field) => `${field}=…`).join("; ");
}

async function start() {
  $("search-form").addEventListener("submit", submitSearch);
  $("sparql-form").addEventListener("submit", runSparql);
  $("tab-search").addEventListener("click", () => { location.hash = lastResultsHash; });
  $("tab-sparql").addEventListener("click", () => { location.hash = "#sparql"; });
  $("back").addEventListener("click", () => { location.hash = lastResultsHash; });
  window.addEventListener("hashchange", route);
  try {
    const info = await (await request("/info")).json();
    $("mode").replaceChildren(...info.modes.map((m) => element("option", { value: m }, m)));
    $("mode").value = info.default_mode;
    $("fusion").replaceChildren(...info.fusion_methods.map((f) => element("option", { value: f }, f)));
    $("fusion").value = info.default_fusion;
    $("filters").placeholder = filterExample(info.metadata_fields);
    $("filters").disabled = !info.metadata_fields.length;
    $("index-info").textContent = `${info.documents.toLocaleString("en")} documents, generation ${info.generation}`
      + (info.knowledge_graph ? ", with an ontology" : "")
      + (info.metadata_fields.length ? `; filter on ${info.metadata_fields.join(", ")}` : "");
    $("tab-sparql").hidden = !info.knowledge_graph;
    if (info.stale) showError(`Answers come from generation ${info.generation}: ${info.stale}`);
  } catch (error) {
    showError(error.message);
  }
  route();
}

start();
