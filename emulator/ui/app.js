// The emulator's live dashboard: plain DOM, no dependencies, no CDN. It reads the control
// plane (/_emulator/...) and follows GET /_emulator/events/stream: nothing polls.
"use strict";

const PAGE = 50;             // calls per page; older pages by cursor, so 10,000 calls stay fast
const MAX_ROWS = 200;        // rows kept on the live first page before the oldest drop off
const TOKEN_KEY = "callingbox-emulator-token";
const state = { org: null, orgs: [], clock: null, clockAt: 0, source: null, route: "", refresh: null };

// -- plumbing ------------------------------------------------------------------------------------
function token() { return sessionStorage.getItem(TOKEN_KEY) || ""; }

async function api(path, options = {}) {
  const headers = { ...(options.headers || {}) };
  if (token()) headers["X-Emulator-Token"] = token();
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { ...options, headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  if (response.status === 401) { askToken(); throw new Error("the control token is needed"); }
  const data = await response.json();
  if (!response.ok) throw new Error(data.error || `${response.status}`);
  return data;
}

function askToken() {
  const form = document.getElementById("token-form");
  form.hidden = false;
  form.onsubmit = (e) => {
    e.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, document.getElementById("token").value.trim());
    form.hidden = true;
    start();
  };
}

function showError(err) {
  const box = document.getElementById("error");
  box.textContent = err ? String(err.message || err) : "";
  box.hidden = !err;
}

// Every value goes in as text (never as HTML): call fields and webhook bodies are user data.
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else if (k.startsWith("on")) node[k] = v; else node.setAttribute(k, v);
  }
  for (const c of children.flat(Infinity)) node.append(c instanceof Node ? c : document.createTextNode(c ?? ""));
  return node;
}
const status = (s) => el("span", { class: `s-${s}`, "data-status": s }, s);
const time = (iso) => iso ? el("span", { title: iso }, iso.replace("T", " ").replace(/\.\d+Z$/, "Z")) : "-";
const json = (v) => el("pre", { class: "mono" }, typeof v === "string" ? v : JSON.stringify(v, null, 2));
function table(heads, rows) {
  return el("table", {}, el("thead", {}, el("tr", {}, heads.map((h) => el("th", {}, h)))), el("tbody", {}, rows));
}

// -- clock -------------------------------------------------------------------------------------
function setClock(clock) {
  state.clock = clock; state.clockAt = performance.now();
  document.getElementById("clock-mode").value = clock.mode;
  document.getElementById("clock-speed").value = clock.speed;
  drawClock();
}
function drawClock() {
  const c = state.clock;
  if (!c) return;
  const unix = c.mode === "realtime" ? c.unix + (performance.now() - state.clockAt) / 1000 * c.speed : c.unix;
  document.getElementById("clock-now").textContent =
    `${new Date(unix * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z")} (${c.mode}${c.mode === "realtime" ? ` x${c.speed}` : ""})`;
}
setInterval(drawClock, 250);  // redraws the realtime clock locally; no request

function wireClock() {
  document.getElementById("clock-form").onsubmit = async (e) => {
    e.preventDefault();
    const mode = document.getElementById("clock-mode").value;
    const speed = Number(document.getElementById("clock-speed").value);
    try { setClock(await api("/_emulator/clock", { method: "POST", body: { mode, speed } })); showError(null); }
    catch (err) { showError(err); }
  };
  document.getElementById("advance-form").onsubmit = async (e) => {
    e.preventDefault();
    const seconds = Number(document.getElementById("advance-seconds").value);
    try { setClock((await api("/_emulator/clock/advance", { method: "POST", body: { seconds } })).clock); showError(null); }
    catch (err) { showError(err); }
  };
  document.getElementById("step").onclick = async () => {
    try { setClock((await api("/_emulator/clock/step", { method: "POST", body: {} })).clock); showError(null); }
    catch (err) { showError(err); }
  };
}

// -- the event stream ------------------------------------------------------------------------------
function connect() {
  if (state.source) state.source.close();
  const url = "/_emulator/events/stream" + (token() ? `?token=${encodeURIComponent(token())}` : "");
  const source = new EventSource(url);
  state.source = source;
  const badge = document.getElementById("live");
  source.addEventListener("open", () => { badge.textContent = "live"; badge.className = "badge live"; });
  source.onerror = () => { badge.textContent = "reconnecting"; badge.className = "badge off"; };
  const on = (type, fn) => source.addEventListener(type, (m) => fn(JSON.parse(m.data)));
  for (const t of ["call.queued", "call.ringing", "call.answered", "call.completed", "call.failed",
    "call.no_answer", "call.busy", "call.canceled"]) on(t, onCall);
  on("delivery.attempt", (item) => touched(item));
  on("sink.received", (item) => touched(item));
  on("clock.changed", (item) => setClock(item.data));
  on("emulator.reset", () => { loadOrgs().then(render); });
  // After an overflow or a restart the browser reconnects by itself, sending Last-Event-ID: nothing is missed.
}

function onCall(item) {
  if (!state.orgs.some((o) => o.id === item.org_id) && !state.orgsLoading) {  // a new org: list it
    state.orgsLoading = true;
    loadOrgs().finally(() => { state.orgsLoading = false; });
  }
  if (item.org_id === state.org && state.route === "calls") upsertRow(item.data);
  touched(item);
}

// A view that shows what an item touched re-reads it once the burst is over.
function touched(item) {
  if (!state.refresh || !state.refresh.wants(item)) return;
  clearTimeout(state.refresh.timer);
  state.refresh.timer = setTimeout(state.refresh.run, 150);
}

// -- views ---------------------------------------------------------------------------------------
const views = {
  calls: callsView, call: callView, endpoints: endpointsView, scenarios: scenariosView, sinks: sinksView,
  sink: sinkView, orgs: orgsView,
};

async function render() {
  const [, name = "calls", arg] = (location.hash || "#/calls").split("/");
  state.route = name;
  state.refresh = null;
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("active", a.hash === `#/${name}`);
  const view = document.getElementById("view");
  try { view.replaceChildren(await (views[name] || callsView)(decodeURIComponent(arg || ""))); showError(null); }
  catch (err) { showError(err); }
}

function callRow(call) {
  // A dialect's call may name how it ended (disposition) and carry no result status.
  const outcome = call.error_code || (call.answered_by === "machine" ? "voicemail" : "") || call.disposition ||
    (call.result_status && call.result_status !== "pending" ? `result ${call.result_status}` : "");
  return el("tr", { "data-call": call.id },
    el("td", {}, status(call.status)),
    el("td", { class: "mono" }, el("a", { href: `#/call/${call.id}` }, call.id.slice(0, 8))),
    el("td", {}, call.to_number), el("td", {}, call.from_number),
    el("td", { class: "mono" }, call.agent_id ? call.agent_id.slice(0, 8) : "-"),
    el("td", {}, outcome), el("td", {}, call.duration_seconds == null ? "-" : `${call.duration_seconds} s`),
    el("td", {}, time(call.created_at)));
}

function upsertRow(call) {
  const body = document.querySelector("#calls tbody");
  if (!body) return;
  const row = callRow(call);
  row.classList.add("flash");
  const old = body.querySelector(`tr[data-call="${call.id}"]`);
  if (old) { old.replaceWith(row); return; }
  if (body.dataset.first !== "1") return;  // an older page: new calls show on the first
  body.prepend(row);
  while (body.rows.length > MAX_ROWS) body.lastElementChild.remove();
}

async function callsView(after) {
  const q = new URLSearchParams({ org_id: state.org, limit: PAGE });
  if (after) q.set("starting_after", after);
  const page = await api(`/_emulator/calls?${q}`);
  const t = table(["status", "call", "to", "from", "agent", "outcome", "duration", "created (virtual)"],
    page.data.map(callRow));
  t.id = "calls";
  t.tBodies[0].dataset.first = after ? "0" : "1";
  const last = page.data[page.data.length - 1];
  const pager = el("div", { class: "pager" },
    after ? el("a", { href: "#/calls" }, "newest") : "live: new calls appear at the top",
    page.has_more && last ? el("a", { href: `#/calls/${last.id}`, id: "older" }, "older") : "");
  return el("section", {}, el("h2", {}, "Calls"), pager, t);
}

function kv(pairs) { return el("dl", {}, pairs.map(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])); }

async function callView(id) {
  const box = el("section", { id: "call" });
  const draw = async () => {
    const d = await api(`/_emulator/calls/${id}`);
    const c = d.call;
    box.replaceChildren(
      el("h2", {}, "Call ", el("span", { class: "mono" }, c.id), " ", status(c.status)),
      kv([["to", c.to_number], ["from", c.from_number], ["direction", c.direction], ["agent", c.agent_id || "-"],
        ["answered by", c.answered_by || c.disposition || "-"],
        ["error", c.error_code ? `${c.error_code}: ${c.error_message}` : (c.error_message || "-")],
        ["duration", c.duration_seconds == null ? "-" : `${c.duration_seconds} s`],
        ["billing", c.billing_amount_milli_cents == null ? (c.reservation_status ? `hold ${c.reservation_status}` : "-") :
          `${c.billed_duration_seconds} s billed, ${c.billing_amount_milli_cents} milli-cents (${c.reservation_status})`],
        ["webhook status", c.webhook_status || "-"]]),
      el("h3", {}, "Timeline"),
      table(["event", "status", "virtual time", "wall time"], d.events.map((e) =>
        el("tr", {}, el("td", {}, e.type), el("td", {}, status(e.status)), el("td", {}, time(e.created)),
          el("td", {}, time(e.wall))))),
      el("h3", {}, "Transcript"),
      d.transcript.length ? table(["role", "text"], d.transcript.map((s) =>
        el("tr", {}, el("td", {}, s.role), el("td", {}, s.text)))) : el("p", { class: "muted" }, "none"),
      el("h3", {}, "Result ", el("span", { class: "muted" }, c.result_status || "")),
      (c.result ?? c.structured_answers) ? json(c.result ?? c.structured_answers)
        : el("p", { class: "muted" }, c.result_error || "none"),
      el("h3", {}, "Webhook deliveries"),
      d.deliveries.length ? table(["event", "url", "status", "attempts", "last response", "last error"],
        d.deliveries.map((w) => el("tr", { "data-delivery": w.id }, el("td", {}, w.event_type),
          el("td", { class: "mono" }, w.url), el("td", {}, status(w.status)), el("td", {}, String(w.attempt_count)),
          el("td", {}, w.last_response_status == null ? "-" : String(w.last_response_status)),
          el("td", {}, w.last_error || "")))) : el("p", { class: "muted" }, "none"),
      el("h3", {}, `Attempts (${d.attempts.length})`),
      el("div", { id: "attempts" }, d.attempts.map((a) => el("details", {
        class: `attempt ${a.response_status >= 200 && a.response_status < 300 ? "good" : "bad"}`, "data-attempt": a.attempt },
        el("summary", {}, `${a.event_type} attempt ${a.attempt} at `, time(a.sent_at), ` -> `,
          a.response_status == null ? `error: ${a.error}` : `HTTP ${a.response_status}`, ` (${a.latency_ms.toFixed(1)} ms)`),
        el("div", {}, "request to ", el("span", { class: "mono" }, a.url)), json(a.request_headers), json(a.request_body),
        el("div", {}, "response"), json(a.response_body || a.error || "")))));
  };
  await draw();
  state.refresh = { wants: (item) => item.call_id === id, run: () => draw().catch(showError) };
  return box;
}

async function endpointsView() {
  const box = el("section", {});
  const draw = async () => {
    const list = await api(`/_emulator/orgs/${state.org}/webhook_endpoints`);
    box.replaceChildren(el("h2", {}, "Webhook endpoints"), list.data.length ? table(
      ["url", "status", "consecutive failed deliveries", "disabled", "events"], list.data.map((e) => el("tr", {},
        el("td", { class: "mono" }, e.url), el("td", {}, status(e.status)), el("td", {}, String(e.consecutive_failures)),
        el("td", {}, e.disabled_reason ? `${e.disabled_reason} at ${e.disabled_at}` : "-"),
        el("td", {}, e.enabled_events.join(", "))))) : el("p", { class: "muted" }, "This org has no webhook endpoints."));
  };
  await draw();
  state.refresh = { wants: (item) => item.type === "delivery.attempt" && item.org_id === state.org,
    run: () => draw().catch(showError) };
  return box;
}

async function scenariosView() {
  const list = await api("/_emulator/scenarios");
  return el("section", {}, el("h2", {}, "Scenarios"), table(["name", "outcome", "match", "source", "description"],
    list.data.map((s) => el("tr", {}, el("td", { class: "mono" }, s.name), el("td", {}, s.outcome),
      el("td", { class: "mono" }, s.match ? JSON.stringify(s.match) : "by name"), el("td", {}, s.source),
      el("td", {}, s.description || "")))));
}

async function sinksView() {
  const box = el("section", {});
  const draw = async () => {
    const list = await api("/_emulator/sinks");
    box.replaceChildren(el("h2", {}, "Sinks"), el("p", { class: "muted" },
      "Webhook receivers built in: point a webhook_url at /_emulator/sinks/<name>."), list.data.length ? table(
      ["sink", "items", "last received"], list.data.map((s) => el("tr", {},
        el("td", {}, el("a", { href: `#/sink/${encodeURIComponent(s.name)}` }, s.name)), el("td", {}, String(s.count)),
        el("td", {}, time(s.last_received_at))))) : el("p", { class: "muted" }, "Nothing has arrived yet."));
  };
  await draw();
  state.refresh = { wants: (item) => item.type === "sink.received", run: () => draw().catch(showError) };
  return box;
}

async function sinkView(name) {
  const list = await api(`/_emulator/sinks/${encodeURIComponent(name)}`);
  return el("section", {}, el("h2", {}, `Sink ${name}`), table(["received", "event", "call", "verified", "body"],
    list.data.slice().reverse().map((w) => el("tr", {}, el("td", {}, time(w.received_at)), el("td", {}, w.event_type || "-"),
      el("td", { class: "mono" }, w.call_id ? el("a", { href: `#/call/${w.call_id}` }, w.call_id.slice(0, 8)) : "-"),
      el("td", {}, w.verified ? `yes (${w.verified_with})` : `no ${w.error || ""}`),
      el("td", {}, el("details", {}, el("summary", {}, `${w.body_bytes} bytes`), json(w.raw_body)))))));
}

async function orgsView() {
  await loadOrgs();
  return el("section", {}, el("h2", {}, "Orgs"), table(["name", "id", "balance", "held", "created"],
    state.orgs.map((o) => el("tr", {}, el("td", {}, o.name), el("td", { class: "mono" }, o.id),
      el("td", {}, `$${(o.balance_milli_cents / 100000).toFixed(2)}`), el("td", {}, `$${(o.held_milli_cents / 100000).toFixed(2)}`),
      el("td", {}, time(o.created_at))))));
}

async function loadOrgs() {
  state.orgs = (await api("/_emulator/orgs")).data;
  if (!state.orgs.some((o) => o.id === state.org)) state.org = state.orgs.length ? state.orgs[0].id : null;
  const select = document.getElementById("org");
  select.replaceChildren(...state.orgs.map((o) => el("option", { value: o.id }, `${o.name} (${o.id.slice(0, 8)})`)));
  select.value = state.org;
}

async function start() {
  try {
    setClock(await api("/_emulator/clock"));
    await loadOrgs();
    connect();
    await render();
  } catch (err) { showError(err); }
}

document.addEventListener("DOMContentLoaded", () => {
  wireClock();
  document.getElementById("org").onchange = (e) => { state.org = e.target.value; render(); };
  window.addEventListener("hashchange", render);
  start();
});
