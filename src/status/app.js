// herald's status page: a read-only view of /api/v1. Every value from the API goes into the
// page as text (never as HTML). Views: the object list (#/?health=&kind=&q=) and one object
// (#/object/<group>/<kind>/<namespace>/<name>, `core` and `_` as in the API).
"use strict";

const HEALTHS = ["unhealthy", "warning", "unknown", "healthy"];
const REFRESH_MS = 5000;
const MAX_ROWS = 1000;
const LATEST_EVENTS = 10;

let objects = [];
// Owners whose grouped Pods, ReplicaSets and Jobs are shown (`group/kind/namespace/name`), and
// those members as last fetched.
const openGroups = new Set();
let members = {};
// Names sort as people count: bulk-2 before bulk-10.
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
const byName = (a, b) => collator.compare(a, b);
// The kinds the list counts under their workload (as the API's `grouped=true` does).
const GROUPED = ["Pod", "ReplicaSet", "ControllerRevision", "Job", "EndpointSlice"];

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null) continue;
    if (k === "class") e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) {
    if (c === undefined || c === null) continue;
    e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

function ref(o) {
  return o.namespace ? `${o.namespace}/${o.name}` : o.name;
}

function label(o) {
  return `${o.kind} ${ref(o)}`;
}

function idOf(o) {
  return [o.group || "core", o.kind, o.namespace || "_", o.name].join("/");
}

function hrefOf(o) {
  const parts = [o.group || "core", o.kind, o.namespace || "_", o.name];
  return "#/object/" + parts.map(encodeURIComponent).join("/");
}

// Whether the list groups: not while one looks for a name or at a grouped kind.
function grouping(params) {
  return !params.get("q") && !GROUPED.includes(params.get("kind") || "");
}

function healthCell(h) {
  return el("td", { class: `health ${h}` }, h || "");
}

function ago(iso) {
  if (!iso) return "";
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (s < 90) return `${Math.round(s)} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 129600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

// `2026-11-23 15:52:13Z` from an RFC 3339 time (seconds are enough to read).
function when(iso) {
  return iso ? iso.replace("T", " ").slice(0, 19) + "Z" : "";
}

async function getJSON(path) {
  const r = await fetch(path, { headers: { Accept: "application/json" } });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.json();
}

function route() {
  const h = location.hash.replace(/^#/, "") || "/";
  if (h.startsWith("/object/")) {
    return { view: "object", path: h.slice("/object/".length) };
  }
  const query = h.includes("?") ? h.slice(h.indexOf("?") + 1) : "";
  return { view: "list", params: new URLSearchParams(query) };
}

function renderHeader(status, r) {
  document.getElementById("cluster").textContent = status.cluster ? `cluster ${status.cluster}` : "";
  const agent = document.getElementById("agent");
  const blind = !status.ready && String(status.notReady || "").startsWith("blind");
  const [text, cls] = blind ? ["blind: data may be stale", "blind"]
    : !status.ready ? ["waiting for the first lists", "waiting"]
    : status.stale ? ["ready, some data stale", "waiting"]
    : ["ready", "ready"];
  agent.textContent = text;
  agent.className = "pill " + cls;
  renderStale(status);
  const current = r.view === "list" ? r.params.get("health") || "" : null;
  const nav = document.getElementById("summary");
  nav.replaceChildren(
    el("a", { href: "#/", class: current === "" ? "active" : null, "data-health": "all" },
      el("span", { class: "count" }, status.objects), "objects"),
    ...HEALTHS.map((h) =>
      el("a", { href: `#/?health=${h}`, class: current === h ? "active" : null, "data-health": h },
        el("span", { class: "count" }, status.health[h] || 0),
        el("span", { class: `health ${h}` }, h))),
  );
}

// Watches that are down: what the page shows of their kinds is as old as their last event.
function renderStale(status) {
  const box = document.getElementById("stale");
  const down = (status.watches || []).filter((w) => !w.up && w.listed);
  box.hidden = down.length === 0;
  if (box.hidden) {
    box.replaceChildren();
    return;
  }
  box.replaceChildren(
    el("strong", {}, `Stale data: ${down.length} watch${down.length === 1 ? " is" : "es are"} down. `),
    "What this page shows of these kinds may be out of date.",
    el("ul", {}, ...down.map((w) => el("li", { "data-kind": w.kind },
      el("strong", {}, w.kind), w.namespace ? ` in ${w.namespace}` : " (all namespaces)",
      `: down since ${when(w.downSince)} (${ago(w.downSince)}), last heard from the API server ${ago(w.lastEventAt) || "never"}`,
      w.lastError ? el("span", { class: "muted" }, ` — ${w.lastError}`) : null))));
}

function rank(h) {
  const i = HEALTHS.indexOf(h);
  return i < 0 ? HEALTHS.length : i;
}

function setParams(params) {
  const q = params.toString();
  history.replaceState(null, "", q ? `#/?${q}` : "#/");
}

// The list's filters are built once per visit, so a refresh never steals the focus.
function listSkeleton(params) {
  const view = document.getElementById("view");
  if (view.dataset.view === "list") return;
  const health = el("select", { id: "filter-health", "aria-label": "health" },
    el("option", { value: "" }, "every health"),
    ...HEALTHS.map((h) => el("option", { value: h }, h)));
  const kind = el("select", { id: "filter-kind", "aria-label": "kind" },
    el("option", { value: "" }, "every kind"));
  const text = el("input", { id: "filter-text", type: "search", placeholder: "namespace or name contains…", "aria-label": "search" });
  health.value = params.get("health") || "";
  text.value = params.get("q") || "";
  const changed = () => {
    const p = new URLSearchParams();
    if (health.value) p.set("health", health.value);
    if (kind.value) p.set("kind", kind.value);
    if (text.value) p.set("q", text.value);
    setParams(p);
    renderHeaderActive(p.get("health") || "");
    if (String(grouping(p)) !== view.dataset.grouping) refresh();
    else renderRows(p);
  };
  health.addEventListener("change", changed);
  kind.addEventListener("change", changed);
  text.addEventListener("input", changed);
  view.dataset.view = "list";
  view.replaceChildren(
    el("h3", {}, "Latest events"),
    el("div", { id: "latest" }),
    el("div", { id: "silences" }),
    el("h3", {}, "Objects"),
    el("div", { class: "filters" }, health, kind, text),
    el("p", { id: "shown", class: "note" }),
    el("table", { id: "objects" },
      el("thead", {}, el("tr", {},
        ...["health", "kind", "object", "ready", "status", "revision", "message", "since"].map((h) => el("th", {}, h)))),
      el("tbody", {})),
  );
}

function renderHeaderActive(health) {
  for (const a of document.querySelectorAll("#summary a")) {
    const h = a.dataset.health === "all" ? "" : a.dataset.health;
    a.className = h === health ? "active" : "";
  }
}

function groupText(g) {
  return Object.keys(g).sort(byName).map((kind) => {
    const n = Object.values(g[kind]).reduce((a, b) => a + b, 0);
    return `${n} ${kind}${n === 1 ? "" : "s"}`;
  }).join(", ");
}

function groupData(g) {
  return Object.keys(g).sort(byName)
    .map((kind) => `${kind}:${Object.values(g[kind]).reduce((a, b) => a + b, 0)}`).join(",");
}

// The worst health among a group's members.
function groupHealth(g) {
  const healths = Object.values(g).flatMap((byHealth) => Object.keys(byHealth));
  return healths.sort((a, b) => rank(a) - rank(b))[0];
}

function objectRow(o, member) {
  const a = o.assessment;
  const ready = (a.ready ? "yes" : "no") + (a.suspended ? " · suspended" : "");
  const id = idOf(o);
  let grouped = null;
  if (o.grouped) {
    const open = openGroups.has(id);
    const worst = groupHealth(o.grouped);
    grouped = el("button", { class: `group health ${worst}`, type: "button", "aria-expanded": String(open) },
      `${open ? "▾" : "▸"} ${groupText(o.grouped)}`);
    grouped.addEventListener("click", () => {
      if (openGroups.has(id)) openGroups.delete(id); else openGroups.add(id);
      refresh();
    });
  }
  return el("tr", { "data-object": label(o), "data-health": a.health, class: member ? "member" : null,
    "data-grouped": o.grouped ? groupData(o.grouped) : null },
    healthCell(a.health),
    el("td", {}, o.kind),
    el("td", {}, member ? "↳ " : null, el("a", { href: hrefOf(o) }, ref(o)), grouped ? " " : null, grouped),
    el("td", {}, ready),
    el("td", {}, o.rolledUpFrom ? `${a.status} (its own)` : a.status),
    el("td", {}, a.revision || ""),
    el("td", { class: "message" }, a.message || ""),
    el("td", { class: "when", title: o.since }, ago(o.since)));
}

function renderRows(params) {
  const health = params.get("health") || "";
  const kind = params.get("kind") || "";
  const text = (params.get("q") || "").toLowerCase();
  const kinds = [...new Set(objects.flatMap((o) => [o.kind, ...Object.keys(o.grouped || {})]))].sort(byName);
  const kindSelect = document.getElementById("filter-kind");
  const keep = kind || kindSelect.value;
  kindSelect.replaceChildren(el("option", { value: "" }, "every kind"), ...kinds.map((k) => el("option", { value: k }, k)));
  kindSelect.value = kinds.includes(keep) ? keep : "";
  document.getElementById("filter-health").value = health;

  const sorted = (list) => list.sort((a, b) => rank(a.assessment.health) - rank(b.assessment.health)
    || byName(a.kind, b.kind) || byName(ref(a), ref(b)));
  const shown = sorted(objects
    .filter((o) => !health || o.assessment.health === health || (o.grouped && groupHealth(o.grouped) === health))
    .filter((o) => !kind || o.kind === kind)
    .filter((o) => !text || ref(o).toLowerCase().includes(text)));
  const rows = shown.slice(0, MAX_ROWS).flatMap((o) => {
    const id = idOf(o);
    const inside = o.grouped && openGroups.has(id) ? sorted((members[id] || []).slice()) : [];
    return [objectRow(o, false), ...inside.map((m) => objectRow(m, true))];
  });
  document.querySelector("#objects tbody").replaceChildren(...rows);
  const total = objects.length;
  document.getElementById("shown").textContent = shown.length > MAX_ROWS
    ? `${MAX_ROWS} of ${shown.length} objects shown: narrow the filter to see the rest.`
    : `${shown.length} of ${total} objects${objects.some((o) => o.grouped) ? " (Pods, ReplicaSets and Jobs counted under their workload)" : ""}.`;
}

async function renderList(params, status) {
  const grouped = grouping(params);
  const [data, events, silences] = await Promise.all([
    getJSON(grouped ? "/api/v1/objects?grouped=true" : "/api/v1/objects"),
    getJSON(`/api/v1/events?limit=${LATEST_EVENTS}`),
    status.notifications ? getJSON("/api/v1/silences") : { items: [] },
  ]);
  objects = data.items || [];
  const open = grouped ? objects.filter((o) => o.grouped && openGroups.has(idOf(o))) : [];
  const fetched = await Promise.all(open.map((o) =>
    getJSON("/api/v1/objects?owner=" + encodeURIComponent(idOf(o)))));
  members = {};
  open.forEach((o, i) => { members[idOf(o)] = fetched[i].items || []; });
  listSkeleton(params);
  document.getElementById("view").dataset.grouping = String(grouped);
  renderRows(params);
  renderEvents(events.items || []);
  renderSilences((silences.items || []).filter((s) => s.active));
}

// Active silences added through the API (those of the configuration file are in the file).
function renderSilences(silences) {
  const box = document.getElementById("silences");
  if (silences.length === 0) {
    box.replaceChildren();
    return;
  }
  const matcher = (m) => {
    const parts = [];
    if (m.kinds && m.kinds.length) parts.push(`kind ${m.kinds.join("|")}`);
    if (m.namespaces && m.namespaces.length) parts.push(`namespace ${m.namespaces.join("|")}`);
    if (m.names && m.names.length) parts.push(`name ${m.names.join("|")}`);
    for (const [k, v] of Object.entries(m.labels || {})) parts.push(`${k}=${v}`);
    return parts.length ? parts.join(", ") : "everything";
  };
  box.replaceChildren(
    el("h3", {}, "Active silences"),
    el("table", { id: "silence-list" },
      el("thead", {}, el("tr", {}, ...["matching", "events", "until", "comment"].map((h) => el("th", {}, h)))),
      el("tbody", {}, ...silences.map((s) => el("tr", { "data-silence": s.id },
        el("td", {}, matcher(s.matcher || {})),
        el("td", {}, s.events && s.events.length ? s.events.join(", ") : "every event"),
        el("td", { class: "when", title: s.until }, when(s.until)),
        el("td", { class: "message" }, s.comment || ""))))),
  );
}

function renderEvents(events) {
  const latest = document.getElementById("latest");
  if (events.length === 0) {
    latest.replaceChildren(el("p", { class: "note" }, "No event since herald started."));
    return;
  }
  latest.replaceChildren(el("table", { id: "events" },
    el("thead", {}, el("tr", {}, ...["when", "event", "object", "now", "message"].map((h) => el("th", {}, h)))),
    el("tbody", {}, ...events.map((e) => el("tr", { "data-event": e.event, "data-object": label(e.object) },
      el("td", { class: "when", title: e.at }, ago(e.at)),
      el("td", {}, e.event),
      el("td", {}, el("a", { href: hrefOf(e.object) }, label(e.object))),
      el("td", { class: e.to ? `health ${e.to.health}` : "" }, e.to ? verdict(e.to) : "deleted"),
      el("td", { class: "message" }, e.via ? `via ${e.via}` : e.message || ""))))));
}

function facts(pairs) {
  return el("dl", { class: "facts" },
    ...pairs.filter(([, v]) => v !== undefined && v !== null && v !== "")
      .flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
}

function relativesTable(id, list) {
  if (!list || list.length === 0) return el("p", { id, class: "note" }, "none");
  list = list.slice().sort((a, b) => byName(a.kind, b.kind) || byName(ref(a), ref(b)));
  return el("table", { id },
    el("thead", {}, el("tr", {}, ...["health", "object", "ready", "status", "message"].map((h) => el("th", {}, h)))),
    el("tbody", {}, ...list.map((o) => o.watched === false
      ? el("tr", { "data-object": label(o) }, el("td", { class: "muted" }, "not watched"), el("td", {}, label(o)), el("td"), el("td"), el("td"))
      : el("tr", { "data-object": label(o), "data-health": o.health },
        healthCell(o.health),
        el("td", {}, el("a", { href: hrefOf(o) }, label(o))),
        el("td", {}, o.ready ? "yes" : "no"),
        el("td", {}, o.status || ""),
        el("td", { class: "message" }, o.message || "")))));
}

function treeLink(n, current) {
  const text = label(n);
  if (current) return el("strong", {}, text);
  return n.watched === false ? el("span", { class: "muted", title: "not watched" }, text)
    : el("a", { href: hrefOf(n) }, text);
}

function treeNode(n, current) {
  const kids = (n.children || []).slice().sort((a, b) => byName(a.kind, b.kind) || byName(ref(a), ref(b)));
  const node = n.node ? { group: "", kind: "Node", namespace: "", name: n.node.name } : null;
  const claims = (n.claims || []).map((c) => ({ group: "", kind: "PersistentVolumeClaim", namespace: n.namespace, name: c }));
  return el("li", { "data-object": label(n), "data-health": n.health || null },
    el("span", { class: `health ${n.health || "none"}`, title: n.health || "not watched" }),
    treeLink(n, current),
    node ? el("span", { class: "placed" }, " on ",
      el("a", { href: hrefOf(node), class: n.node.health ? `health ${n.node.health}` : null, title: n.node.health || "not watched" }, `Node ${node.name}`)) : null,
    ...claims.map((c) => el("span", { class: "placed" }, " · ", el("a", { href: hrefOf(c) }, `claim ${c.name}`))),
    kids.length ? el("ul", {}, ...kids.map((k) => treeNode(k, false))) : null);
}

// Where the object sits: each path down to it from what applies it, and what it applied or
// owns, nested.
function renderTree(o) {
  const t = o.tree;
  if (!t) return null;
  const paths = (t.ancestors || []).map((path) => el("p", { class: "path" },
    ...path.flatMap((n) => [treeLink(n, false), " › "]), el("strong", {}, label(o))));
  return el("div", { id: "tree" },
    ...paths,
    el("ul", { class: "tree" }, treeNode(t.descendants, true)),
    t.truncated ? el("p", { class: "note" }, "Only part of the tree is shown: it is larger than the page draws.") : null);
}

function short(digest) {
  const d = String(digest || "");
  const i = d.indexOf(":");
  return i >= 0 && d.length > i + 13 ? d.slice(0, i + 13) + "…" : d;
}

// One history record in a line: a transition's verdicts, a change's paths or digests, a
// notification's receiver, a warning's reason.
function recordText(r) {
  if (r.type === "warning") return `${r.reason}${r.count > 1 ? ` (x${r.count})` : ""}: ${r.note}`;
  if (r.type === "notification") return `${r.event} to ${r.receiver} (route ${r.route}): ${r.outcome}`;
  const c = r.change;
  if (c && c.type === "spec") {
    const paths = (c.paths || []).map((p) => p.old !== undefined && p.new !== undefined
      ? `${p.path}: ${p.old} → ${p.new}` : `${p.path} (${p.op})`);
    if (c.more) paths.push(`+${c.more} more`);
    const gen = c.fromGeneration !== undefined ? `generation ${c.fromGeneration} → ${c.toGeneration}: ` : "";
    return gen + paths.join("; ");
  }
  if (c && c.type === "image") return `container ${c.container} ${c.image} ${short(c.oldDigest)} → ${short(c.newDigest)}`;
  const moved = `${verdict(r.from)} → ${r.to ? verdict(r.to) : "deleted"}`;
  return r.message ? `${moved}: ${r.message}` : moved;
}

function recordWhat(r) {
  if (r.type === "transition") return (r.events || []).join(", ") || "transition";
  return r.type;
}

// What happened to the object and below it, newest first (herald's history, kept across
// restarts).
function renderTimeline(o) {
  const items = o.timeline || [];
  if (items.length === 0) return el("p", { id: "timeline", class: "note" }, "nothing recorded yet");
  const self = label(o);
  return el("table", { id: "timeline" },
    el("thead", {}, el("tr", {}, ...["at", "what", "object", "details"].map((h) => el("th", {}, h)))),
    el("tbody", {}, ...items.map((r) => {
      const about = r.object ? label(r.object) : self;
      const c = r.change || {};
      return el("tr", { "data-type": recordWhat(r), "data-object": about },
        el("td", { class: "when", title: r.at }, `${when(r.at)} (${ago(r.at)})`),
        el("td", {}, recordWhat(r)),
        el("td", {}, about === self ? "" : el("a", { href: hrefOf(r.object) }, about)),
        el("td", { class: "message", title: c.type === "image" ? `${c.oldDigest} → ${c.newDigest}` : null }, recordText(r)));
    })));
}

// Where a Pod runs and what uses what: a Node's Pods and the objects they belong to, a Pod's
// Services and claims, a Service's Pods, a claim's volume.
function renderPlacement(o) {
  const out = [];
  const more = (shown, total) => total > shown ? el("p", { class: "note" }, `${shown} of ${total} shown.`) : null;
  if (o.hosts) {
    const h = o.hosts;
    out.push(el("h3", {}, "Runs Pods of"), relativesTable("hosts", h.objects || []),
      h.more ? el("p", { class: "note" }, `and ${h.more} more`) : null,
      el("h3", {}, `Pods on this Node (${h.podsTotal || 0})`), relativesTable("node-pods", h.pods || []),
      more((h.pods || []).length, h.podsTotal || 0));
  }
  if (o.node) out.push(el("h3", {}, "Node"), relativesTable("node", [o.node]));
  if (o.claims && o.claims.length) out.push(el("h3", {}, "Volume claims"), relativesTable("claims", o.claims));
  if (o.services && o.services.length) out.push(el("h3", {}, "Services selecting it"), relativesTable("services", o.services));
  if (o.volume) out.push(el("h3", {}, "Volume"), relativesTable("volume", [o.volume]));
  if (o.pods) out.push(el("h3", {}, `Pods it selects (${o.podsTotal || 0})`), relativesTable("pods", o.pods), more(o.pods.length, o.podsTotal || 0));
  return out.filter((x) => x !== null);
}

// A health rolled up from children is said to be theirs: next to it, the object's own status
// (`ReconciliationSucceeded`) would read as a contradiction.
function verdict(v) {
  if (!v) return "—";
  if (v.fromChildren) return `${v.health} from its children (own: ${v.ready ? "ready" : "not ready"}, ${v.status})`;
  return `${v.health}${v.ready ? "" : " (not ready)"} ${v.status}`;
}

async function renderObject(path) {
  const o = await getJSON("/api/v1/objects/" + path);
  const a = o.assessment;
  const view = document.getElementById("view");
  view.dataset.view = "object";
  const own = o.rolledUpFrom
    ? `${o.own.health}: ${o.own.message || o.own.status}`
    : null;
  const transitions = (o.transitions || []).slice().reverse();
  const warnings = o.warnings || [];
  const parts = [
    el("p", {}, el("a", { href: "#/" }, "← every object")),
    el("h2", { id: "object", "data-object": label(o), "data-health": a.health }, label(o)),
    facts([
      ["health", el("span", {}, el("span", { class: `health ${a.health}` }, a.health), o.rolledUpFrom ? " from its children" : null)],
      ["ready", a.ready ? "yes" : "no"],
      ["status", o.rolledUpFrom ? `${a.status} (its own)` : a.status],
      ["message", a.message],
      ["revision", a.revision],
      ["sync", a.sync],
      ["suspended", a.suspended ? "yes" : null],
      ["its own health", own],
      ["judged by", a.check],
      ["since", o.since ? `${when(o.since)} (${ago(o.since)})` : null],
      ["deleted", o.deletedAt ? `${when(o.deletedAt)} (${ago(o.deletedAt)})` : null],
      ["group", o.group || "core"],
    ]),
    warnings.length === 0 ? null : el("h3", {}, "Kubernetes warnings (newest first)"),
    warnings.length === 0 ? null : el("table", { id: "warnings" },
      el("thead", {}, el("tr", {}, ...["at", "object", "reason", "count", "note"].map((h) => el("th", {}, h)))),
      el("tbody", {}, ...warnings.map((w) => el("tr", {},
        el("td", { class: "when", title: w.at }, `${when(w.at)} (${ago(w.at)})`),
        el("td", {}, w.object),
        el("td", {}, w.reason),
        el("td", {}, String(w.count)),
        el("td", { class: "message" }, w.note))))),
    el("h3", {}, "Tree"),
    renderTree(o),
    ...renderPlacement(o),
    o.rolledUpFrom ? el("h3", {}, "Health rolled up from") : null,
    o.rolledUpFrom ? relativesTable("rolled-up-from", o.rolledUpFrom.map((c) => Object.assign({ watched: true }, c))) : null,
    el("h3", {}, "Children"),
    relativesTable("children", o.children),
    el("h3", {}, "Parents"),
    relativesTable("parents", o.parents),
    o.timeline === undefined ? null : el("h3", {}, "Timeline (newest first, with what lies below)"),
    o.timeline === undefined ? null : renderTimeline(o),
    el("h3", {}, "Transitions (newest first)"),
    transitions.length === 0 ? el("p", { class: "note" }, "none") : el("table", { id: "transitions" },
      el("thead", {}, el("tr", {}, ...["at", "from", "to", "message"].map((h) => el("th", {}, h)))),
      el("tbody", {}, ...transitions.map((t) => el("tr", {},
        el("td", { class: "when", title: t.at }, `${when(t.at)} (${ago(t.at)})`),
        el("td", {}, verdict(t.from)),
        el("td", { class: t.to ? `health ${t.to.health}` : "" }, t.to ? verdict(t.to) : "deleted"),
        el("td", { class: "message" }, t.message || ""))))),
  ];
  view.replaceChildren(...parts.filter((p) => p !== null));
}

let timer = null;

async function refresh() {
  clearTimeout(timer);
  const r = route();
  try {
    const status = await getJSON("/api/v1/status");
    renderHeader(status, r);
    if (r.view === "object") await renderObject(r.path);
    else await renderList(r.params, status);
    document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString();
  } catch (e) {
    const view = document.getElementById("view");
    view.dataset.view = "error";
    view.replaceChildren(el("p", { id: "error", class: "note" }, `Cannot read herald's API: ${e.message}`),
      el("p", {}, el("a", { href: "#/" }, "← every object")));
  }
  timer = setTimeout(refresh, REFRESH_MS);
}

window.addEventListener("hashchange", () => {
  document.getElementById("view").dataset.view = "";
  refresh();
});
refresh();
