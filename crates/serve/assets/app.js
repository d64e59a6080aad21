// The gnnrec explorer: plain JavaScript over the server's own JSON routes, nothing fetched
// from anywhere else. Errors from the server are shown as the message the API returned.
"use strict";

const $ = (id) => document.getElementById(id);
let runs = [];
let basket = [];

function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = !message;
}

// Every call goes through here: the key (when one was given) as a bearer token, the API's
// own error message on failure, the key prompt on 401.
async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  const key = sessionStorage.getItem("gnnrec-key");
  if (key) headers["Authorization"] = "Bearer " + key;
  let response;
  try {
    response = await fetch(path, Object.assign({}, options, { headers }));
  } catch (e) {
    throw new Error("the server did not answer: " + e.message);
  }
  let body = null;
  try {
    body = await response.json();
  } catch (e) {
    body = null;
  }
  if (response.status === 401) {
    $("key-form").hidden = false;
    $("key").focus();
  }
  if (!response.ok) {
    const detail = body && body.error ? body.error.message : response.statusText;
    throw new Error(detail + " (" + response.status + ")");
  }
  return body;
}

async function guarded(work) {
  try {
    showError("");
    await work();
  } catch (e) {
    showError(e.message);
  }
}

function el(tag, text, attrs = {}) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function label(row) {
  return row.title ? row.title + " (" + row.item + ")" : row.item;
}

function fillList(list, rows, shared, extra) {
  list.replaceChildren();
  for (const row of rows) {
    const li = el("li", label(row), { "data-item": row.item });
    if (row.score !== undefined) li.append(el("span", row.score.toFixed(4), { class: "score" }));
    if (shared && shared.has(row.item)) {
      li.classList.add("shared");
      li.append(el("span", " · in both lists", { class: "score" }));
    }
    if (extra) extra(li, row);
    list.append(li);
  }
}

function fillRunSelect(select, withNone) {
  const keep = select.value;
  select.replaceChildren();
  if (withNone) select.append(el("option", "none", { value: "" }));
  for (const r of runs) select.append(el("option", r.name + " — " + r.model, { value: r.name }));
  if ([...select.options].some((o) => o.value === keep)) select.value = keep;
}

async function loadRuns() {
  const body = await api("/v1/runs");
  runs = body.runs;
  const tbody = $("runs-table").querySelector("tbody");
  tbody.replaceChildren();
  for (const r of runs) {
    const tr = el("tr", undefined, { "data-run": r.name });
    const metrics = r.metrics && r.metrics.metrics ? r.metrics.metrics : r.metrics || {};
    const first = ["recall@20", "ndcg@20", "rmse", "mae"];
    const rank = (k) => (first.includes(k) ? first.indexOf(k) : first.length);
    const shown = Object.entries(flatMetrics(metrics))
      .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
      .slice(0, 4)
      .map(([k, v]) => k + " " + v.toFixed(4))
      .join(", ");
    const settings = Object.entries(r.settings || {}).map(([k, v]) => k + " " + v).join(", ");
    for (const v of [r.name, r.model, r.dataset, r.users, r.items, r.fold_in ? "yes" : "no", settings, shown]) tr.append(el("td", String(v)));
    tbody.append(tr);
  }
  for (const id of ["curve-run", "cmp-a", "cmp-b", "user-run", "basket-run", "item-run"]) fillRunSelect($(id), false);
  fillRunSelect($("user-run2"), true);
  if (runs.length > 1) $("cmp-b").value = runs[1].name;
  await drawCurve();
  compareRuns();
}

// Metrics as "name → number", whatever nesting metrics.json uses.
function flatMetrics(m, prefix = "") {
  const out = {};
  for (const [k, v] of Object.entries(m || {})) {
    if (typeof v === "number") out[prefix + k] = v;
    else if (v && typeof v === "object") Object.assign(out, flatMetrics(v, prefix + k + "."));
  }
  return out;
}

function compareRuns() {
  const a = runs.find((r) => r.name === $("cmp-a").value);
  const b = runs.find((r) => r.name === $("cmp-b").value);
  $("cmp-ha").textContent = a ? a.name : "";
  $("cmp-hb").textContent = b ? b.name : "";
  const ma = flatMetrics(a && a.metrics), mb = flatMetrics(b && b.metrics);
  const keys = [...new Set([...Object.keys(ma), ...Object.keys(mb)])].sort();
  const tbody = $("cmp-table").querySelector("tbody");
  tbody.replaceChildren();
  for (const k of keys) {
    const tr = el("tr");
    tr.append(el("td", k), el("td", k in ma ? ma[k].toFixed(4) : "—"), el("td", k in mb ? mb[k].toFixed(4) : "—"));
    tbody.append(tr);
  }
}

// The training curve as an SVG polyline of the loss per epoch.
async function drawCurve() {
  const name = $("curve-run").value;
  const box = $("curve");
  box.replaceChildren();
  if (!name) return;
  const body = await api("/v1/runs/" + encodeURIComponent(name) + "/log");
  const epochs = body.epochs || [];
  if (epochs.length === 0) {
    box.append(el("p", "No training curve: " + body.model + " is fitted in closed form."));
    return;
  }
  const ns = "http://www.w3.org/2000/svg";
  const w = 480, h = 200, pad = 30;
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 " + w + " " + h);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", "training loss per epoch of " + name);
  const losses = epochs.map((e) => e.loss);
  const lo = Math.min(...losses), hi = Math.max(...losses);
  const x = (i) => pad + (epochs.length === 1 ? 0 : (i * (w - 2 * pad)) / (epochs.length - 1));
  const y = (v) => h - pad - (hi === lo ? 0 : ((v - lo) * (h - 2 * pad)) / (hi - lo));
  const polyline = (points, color, dashed) => {
    const line = document.createElementNS(ns, "polyline");
    line.setAttribute("points", points.join(" "));
    line.setAttribute("fill", "none");
    line.setAttribute("stroke", color);
    line.setAttribute("stroke-width", "2");
    if (dashed) line.setAttribute("stroke-dasharray", "5 3");
    svg.append(line);
  };
  polyline(losses.map((v, i) => x(i) + "," + y(v)), "#2a6fdb", false);
  // The monitored metric (its first key) where evaluated, on its own scale, dashed.
  const evaluated = epochs.map((e, i) => [i, e.metrics]).filter(([, m]) => m && Object.keys(m).length);
  if (evaluated.length > 0) {
    const key = Object.keys(evaluated[0][1])[0];
    const vals = evaluated.map(([, m]) => m[key]);
    const mlo = Math.min(...vals), mhi = Math.max(...vals);
    const my = (v) => h - pad - (mhi === mlo ? 0.5 : (v - mlo) / (mhi - mlo)) * (h - 2 * pad);
    polyline(evaluated.map(([i, m]) => x(i) + "," + my(m[key])), "#c05621", true);
    const t = document.createElementNS(ns, "text");
    t.setAttribute("x", w / 2 - 60);
    t.setAttribute("y", pad - 8);
    t.setAttribute("font-size", "11");
    t.setAttribute("fill", "#c05621");
    t.textContent = "- - " + key + " " + mlo.toFixed(4) + "–" + mhi.toFixed(4);
    svg.append(t);
  }
  for (const [text, tx, ty] of [["loss " + hi.toFixed(4), 2, pad - 8], ["loss " + lo.toFixed(4), 2, h - 4], ["epoch " + epochs.length, w - 80, h - 4]]) {
    const t = document.createElementNS(ns, "text");
    t.setAttribute("x", tx);
    t.setAttribute("y", ty);
    t.setAttribute("font-size", "11");
    t.textContent = text;
    svg.append(t);
  }
  box.append(svg);
  const last = epochs.filter((e) => e.metrics).pop();
  if (last) box.append(el("p", "Last evaluated epoch " + last.epoch + ": " + Object.entries(last.metrics).map(([k, v]) => k + " " + v.toFixed(4)).join(", ")));
}

async function showUser(event) {
  event.preventDefault();
  const user = $("user-id").value.trim();
  const k = $("user-k").value;
  const run = $("user-run").value;
  const run2 = $("user-run2").value;
  const q = (r) => "/v1/recommend?user=" + encodeURIComponent(user) + "&k=" + encodeURIComponent(k) + "&run=" + encodeURIComponent(r);
  const history = await api("/v1/users/" + encodeURIComponent(user) + "/history?run=" + encodeURIComponent(run));
  $("history-count").textContent = "(" + history.total + ")";
  fillList($("history"), history.items);
  const first = await api(q(run));
  let second = null;
  if (run2) second = await api(q(run2));
  const shared = second ? new Set(first.items.map((r) => r.item).filter((i) => second.items.some((s) => s.item === i))) : null;
  $("recs-title").textContent = "Recommendations of " + first.run + " (" + first.model + ")";
  fillList($("recs"), first.items, shared);
  $("recs2-box").hidden = !second;
  if (second) {
    $("recs2-title").textContent = "Recommendations of " + second.run + " (" + second.model + ")";
    fillList($("recs2"), second.items, shared);
  }
}

async function search(event) {
  event.preventDefault();
  const body = await api("/v1/items?limit=20&q=" + encodeURIComponent($("search-q").value) + "&run=" + encodeURIComponent($("basket-run").value));
  fillList($("found"), body.items, null, (li, row) => {
    const add = el("button", "add", { type: "button", "aria-label": "add " + label(row) });
    add.addEventListener("click", () => guarded(async () => {
      if (!basket.some((b) => b.item === row.item)) basket.push(row);
      await refreshBasket();
    }));
    li.append(add);
  });
}

async function refreshBasket() {
  fillList($("basket"), basket, null, (li, row) => {
    const remove = el("button", "remove", { type: "button", "aria-label": "remove " + label(row) });
    remove.addEventListener("click", () => guarded(async () => {
      basket = basket.filter((b) => b.item !== row.item);
      await refreshBasket();
    }));
    li.append(remove);
  });
  $("basket-note").textContent = "";
  if (basket.length === 0) {
    $("basket-recs").replaceChildren();
    return;
  }
  const body = await api("/v1/recommend", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ items: basket.map((b) => b.item), k: 10, run: $("basket-run").value }),
  }).catch((e) => {
    $("basket-recs").replaceChildren();
    $("basket-note").textContent = e.message;
    return null;
  });
  if (body) fillList($("basket-recs"), body.items);
}

async function similar(event) {
  event.preventDefault();
  const body = await api("/v1/similar?k=10&item=" + encodeURIComponent($("item-id").value.trim()) + "&run=" + encodeURIComponent($("item-run").value));
  fillList($("similar"), body.items);
}

function switchView(name) {
  for (const b of document.querySelectorAll("nav button")) b.setAttribute("aria-pressed", String(b.dataset.view === name));
  for (const s of document.querySelectorAll("main section")) s.hidden = s.id !== "view-" + name;
}

document.addEventListener("DOMContentLoaded", () => {
  for (const b of document.querySelectorAll("nav button")) b.addEventListener("click", () => switchView(b.dataset.view));
  $("key-form").addEventListener("submit", (e) => {
    e.preventDefault();
    sessionStorage.setItem("gnnrec-key", $("key").value);
    $("key-form").hidden = true;
    guarded(loadRuns);
  });
  $("curve-run").addEventListener("change", () => guarded(drawCurve));
  $("cmp-a").addEventListener("change", compareRuns);
  $("cmp-b").addEventListener("change", compareRuns);
  $("user-form").addEventListener("submit", (e) => guarded(() => showUser(e)));
  $("search-form").addEventListener("submit", (e) => guarded(() => search(e)));
  $("basket-run").addEventListener("change", () => guarded(refreshBasket));
  $("item-form").addEventListener("submit", (e) => guarded(() => similar(e)));
  guarded(loadRuns);
});
