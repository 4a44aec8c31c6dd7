// auscult dashboard: a single ES module, no build step, no framework.
//
// Data comes from the collector's JSON API (collector/api-types.ts) and stays
// current through the SSE stream at /api/stream. Every value on screen came
// off the wire from an agent (what a device said about itself), so nothing
// is ever rendered through innerHTML: the DOM is built with createElement and
// text nodes, and links are only our own hash routes or checked http(s) URLs.

// ---------------------------------------------------------------------------
// State

const state = {
  /** @type {Map<string, any>} CollectorDevice by id */
  devices: new Map(),
  /** @type {Map<string, any>} CollectorFinding by id */
  findings: new Map(),
  /** @type {Map<string, any>} AgentInfo by id */
  agents: new Map(),
  kbVersion: null,
  loaded: false,
  loadError: null,
  /** Ids of devices that arrived over the stream in the last few seconds (highlighted). */
  fresh: new Map(),
};

const ui = {
  inventory: { q: '', vendor: '', cls: '', agent: '', vulnerable: false, sort: 'risk', dir: 'desc' },
  findings: { q: '', severity: '', kev: false, state: 'open', status: '' },
  /** Finding ids whose explanation is expanded. */
  openFindings: new Set(),
};

const SEVERITY_RANK = { critical: 4, high: 3, medium: 2, low: 1, none: 0 };
const sevRank = (s) => SEVERITY_RANK[String(s ?? '').toLowerCase()] ?? 0;

// ---------------------------------------------------------------------------
// DOM helpers (text only)

/**
 * createElement with properties and children. Strings become text nodes;
 * `text` sets textContent; `on*` adds listeners; everything else is an attribute.
 */
function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = String(v);
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'value') el.value = v;
      else if (k === 'checked') el.checked = Boolean(v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

/** Appends children (nodes, strings, arrays of them; null/false skipped) as nodes and text nodes. */
function append(el, ...children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

/** A link to one of our own routes. */
function routeLink(route, text, props = {}) {
  return h('a', { ...props, href: '#' + route }, text);
}

function deviceHref(id) {
  return `/devices/${encodeURIComponent(id)}`;
}

/** A link only when the URL is http(s); otherwise the text. */
function safeExternalLink(url, text) {
  try {
    const u = new URL(url);
    if (u.protocol === 'https:' || u.protocol === 'http:') return h('a', { href: u.href, rel: 'noopener noreferrer', target: '_blank' }, text ?? u.href);
  } catch {
    /* not a URL */
  }
  return text ?? String(url);
}

function fmtTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

function timeCell(iso) {
  return h('time', { datetime: iso ?? null, title: iso ?? null }, fmtTime(iso));
}

function ago(iso) {
  if (!iso) return 'never';
  const s = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (Number.isNaN(s)) return String(iso);
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

function num(n) {
  return typeof n === 'number' ? n.toLocaleString('en-US') : '—';
}

function severityBadge(sev) {
  if (!sev) return h('span', { class: 'muted' }, '—');
  const s = String(sev).toLowerCase();
  return h('span', { class: `sev sev-${SEVERITY_RANK[s] !== undefined ? s : 'other'}` }, s);
}

function kevBadge() {
  return h('span', { class: 'kev', title: 'In the CISA Known Exploited Vulnerabilities catalog' }, 'KEV');
}

function chips(values, cls = 'chip') {
  const list = (values ?? []).filter((v) => v !== null && v !== undefined && v !== '');
  if (!list.length) return h('span', { class: 'muted' }, '—');
  return list.map((v) => h('span', { class: cls }, v));
}

/** A definition list from [term, value] pairs, skipping empty values. */
function dl(pairs, cls = 'facts') {
  const el = h('dl', { class: cls });
  for (const [term, value] of pairs) {
    if (value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) continue;
    append(el, [h('dt', null, term), h('dd', null, Array.isArray(value) ? chips(value) : value)]);
  }
  return el;
}

// ---------------------------------------------------------------------------
// What a device is called, shown in every view

function deviceName(d) {
  return (
    d.identity?.product ??
    d.model ??
    d.identity?.model ??
    d.dicom?.stationName ??
    d.dicom?.aeTitles?.[0] ??
    d.hl7?.sendingApplications?.[0] ??
    d.dhcp?.hostNames?.[0] ??
    d.ip ??
    d.id
  );
}
const vendorOf = (d) => d.identity?.vendor ?? d.manufacturer ?? null;
const classOf = (d) => d.identity?.deviceClass ?? d.deviceClass ?? null;
const versionOf = (d) => d.identity?.version ?? d.softwareVersions?.[0] ?? null;

function deviceLabel(id) {
  const d = state.devices.get(id);
  return d ? `${deviceName(d)}${d.ip && deviceName(d) !== d.ip ? ` (${d.ip})` : ''}` : id;
}

function deviceRisk(d) {
  return [d.kev ? 1 : 0, sevRank(d.maxSeverity), d.openFindings ?? 0];
}

/** Riskiest first: KEV, then severity, then CVSS, then most recent. */
function compareFindings(a, b) {
  return (
    (b.kev ? 1 : 0) - (a.kev ? 1 : 0) ||
    sevRank(b.severity) - sevRank(a.severity) ||
    (b.cvss?.baseScore ?? -1) - (a.cvss?.baseScore ?? -1) ||
    String(b.lastSeen ?? '').localeCompare(String(a.lastSeen ?? '')) ||
    String(a.id).localeCompare(String(b.id))
  );
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

// ---------------------------------------------------------------------------
// Loading and the live stream

async function getJson(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      const body = await res.json();
      if (body?.error?.message) message = `${body.error.code ?? res.status}: ${body.error.message}`;
    } catch {
      /* not JSON */
    }
    const err = new Error(message);
    err.status = res.status;
    throw err;
  }
  return res.json();
}

function newer(existing, incoming, field) {
  return !existing || String(incoming[field] ?? '') >= String(existing[field] ?? '');
}

function upsertDevice(d, fromStream) {
  if (!d || typeof d.id !== 'string') return;
  const had = state.devices.has(d.id);
  if (!newer(state.devices.get(d.id), d, 'storedLast')) return;
  state.devices.set(d.id, d);
  if (fromStream && !had) {
    state.fresh.set(d.id, Date.now());
    announce(`New device: ${deviceName(d)}`);
  }
}

function upsertFinding(f) {
  if (!f || typeof f.id !== 'string') return;
  if (!newer(state.findings.get(f.id), f, 'lastSeen') && !(f.closedAt && !state.findings.get(f.id)?.closedAt)) return;
  state.findings.set(f.id, f);
}

function upsertAgent(a) {
  if (!a || typeof a.id !== 'string') return;
  state.agents.set(a.id, a);
}

async function loadAll() {
  try {
    const [devices, findings, agents] = await Promise.all([getJson('/api/devices'), getJson('/api/findings'), getJson('/api/agents')]);
    for (const d of devices.devices ?? []) upsertDevice(d, false);
    for (const f of findings.findings ?? []) upsertFinding(f);
    for (const a of agents.agents ?? []) upsertAgent(a);
    state.loaded = true;
    state.loadError = null;
  } catch (err) {
    state.loadError = err instanceof Error ? err.message : String(err);
  }
  scheduleRender(true);
}

let stream = null;
let streamHadError = false;

function connectStream() {
  const live = document.getElementById('live');
  const setLive = (s, text) => {
    live.dataset.state = s;
    live.textContent = text;
  };
  stream = new EventSource('/api/stream');
  stream.addEventListener('open', () => {
    setLive('live', 'live');
    // After an outage, what happened meanwhile came as no events: fetch it.
    if (streamHadError) loadAll();
    streamHadError = false;
  });
  stream.addEventListener('error', () => {
    streamHadError = true;
    setLive('down', 'reconnecting…');
  });
  const on = (type, fn) =>
    stream.addEventListener(type, (e) => {
      let data;
      try {
        data = JSON.parse(e.data);
      } catch {
        return;
      }
      fn(data);
      scheduleRender(false, type, data);
    });
  on('device', (d) => upsertDevice(d, true));
  on('finding', (f) => upsertFinding(f));
  on('agent', (a) => upsertAgent(a));
  on('kb', (k) => {
    state.kbVersion = k?.kbVersion ?? null;
    loadAll();
  });
}

let announceTimer = null;
const announcements = [];
function announce(text) {
  announcements.push(text);
  if (announceTimer) return;
  announceTimer = setTimeout(() => {
    const el = document.getElementById('announce');
    el.textContent = announcements.length > 3 ? `${announcements.length} new devices` : announcements.join('. ');
    announcements.length = 0;
    announceTimer = null;
  }, 1000);
}

// ---------------------------------------------------------------------------
// Rendering: one view at a time; data changes re-render only the data parts

let current = null; // { route, view }
let renderTimer = null;
const pendingEvents = [];

function scheduleRender(full, type, data) {
  if (type) pendingEvents.push({ type, data });
  if (full && current) current.full = true;
  if (renderTimer) return;
  renderTimer = setTimeout(() => {
    renderTimer = null;
    const events = pendingEvents.splice(0);
    renderCounts();
    if (!current || current.full) return route();
    current.view.update?.(events);
  }, 120);
}

function renderCounts() {
  const devices = state.devices.size;
  const open = [...state.findings.values()].filter((f) => !f.closedAt);
  const kev = open.filter((f) => f.kev).length;
  const agents = [...state.agents.values()];
  const connected = agents.filter((a) => a.connected).length;
  const el = document.getElementById('counts');
  el.textContent = `${devices} devices · ${open.length} open findings${kev ? ` (${kev} KEV)` : ''} · ${connected}/${agents.length} agents connected`;
}

function route() {
  const main = document.getElementById('main');
  const hash = location.hash.replace(/^#/, '') || '/devices';
  const parts = hash.split('/').filter(Boolean);
  let view;
  let name = parts[0] ?? 'devices';
  if (!state.loaded && state.loadError) {
    view = errorView(state.loadError);
  } else if (!state.loaded) {
    view = { mount: (el) => append(el, h('p', { class: 'loading' }, 'Loading…')) };
  } else if (name === 'devices' && parts[1]) {
    let id;
    try {
      id = decodeURIComponent(parts.slice(1).join('/'));
    } catch {
      id = parts.slice(1).join('/');
    }
    view = deviceView(id);
  } else if (name === 'findings') view = findingsView();
  else if (name === 'agents') view = agentsView();
  else {
    name = 'devices';
    view = inventoryView();
  }
  for (const a of document.querySelectorAll('nav a')) {
    if (a.dataset.view === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const sameRoute = current?.route === hash;
  current = { route: hash, view, full: false };
  clear(main);
  view.mount(main);
  renderCounts();
  if (!sameRoute) {
    document.title = `${view.title ?? 'auscult'} — auscult`;
    window.scrollTo(0, 0);
  }
}

function errorView(message) {
  return {
    title: 'Error',
    mount: (el) =>
      append(el, h('div', { class: 'error', role: 'alert' }, h('h1', null, 'Cannot load the inventory'), h('p', null, message), h('button', { type: 'button', onclick: () => loadAll() }, 'Try again'))),
  };
}

// ---------------------------------------------------------------------------
// Inventory

const INVENTORY_COLUMNS = [
  { key: 'name', label: 'Device', value: (d) => deviceName(d) },
  { key: 'vendor', label: 'Vendor', value: (d) => vendorOf(d) ?? '' },
  { key: 'class', label: 'Class', value: (d) => classOf(d) ?? '' },
  { key: 'ip', label: 'IP', value: (d) => d.ip ?? '' },
  { key: 'mac', label: 'MAC', value: (d) => d.mac ?? '' },
  { key: 'version', label: 'Version', value: (d) => versionOf(d) ?? '' },
  { key: 'roles', label: 'Roles', value: (d) => (d.roles ?? []).join(' ') },
  { key: 'risk', label: 'Findings', value: deviceRisk },
  { key: 'lastSeen', label: 'Last seen', value: (d) => d.lastSeen ?? '' },
];

function searchText(d) {
  return [
    d.id,
    d.ip,
    ...(d.ips ?? []),
    d.mac,
    d.macVendor,
    d.manufacturer,
    d.model,
    d.serialNumber,
    d.deviceClass,
    d.identity?.vendor,
    d.identity?.product,
    d.identity?.model,
    d.identity?.deviceClass,
    d.identity?.cpe,
    ...(d.softwareVersions ?? []),
    ...(d.roles ?? []),
    ...(d.agents ?? []),
    ...(d.dicom?.aeTitles ?? []),
    d.dicom?.stationName,
    ...(d.hl7?.sendingApplications ?? []),
    ...(d.hl7?.equipmentIds ?? []),
    ...(d.dhcp?.hostNames ?? []),
  ]
    .filter(Boolean)
    .join('\n')
    .toLowerCase();
}

function filteredDevices() {
  const f = ui.inventory;
  const q = f.q.trim().toLowerCase();
  const terms = q ? q.split(/\s+/) : [];
  const col = INVENTORY_COLUMNS.find((c) => c.key === f.sort) ?? INVENTORY_COLUMNS[0];
  const dir = f.dir === 'asc' ? 1 : -1;
  const cmp = (a, b) => {
    const va = col.value(a);
    const vb = col.value(b);
    if (Array.isArray(va)) {
      for (let i = 0; i < va.length; i++) if (va[i] !== vb[i]) return (va[i] - vb[i]) * dir;
      return 0;
    }
    if (va === '' && vb !== '') return 1; // empty last either way
    if (vb === '' && va !== '') return -1;
    return collator.compare(va, vb) * dir;
  };
  return [...state.devices.values()]
    .filter((d) => {
      if (f.vendor && (vendorOf(d) ?? '') !== f.vendor) return false;
      if (f.cls && (classOf(d) ?? '') !== f.cls) return false;
      if (f.agent && !(d.agents ?? []).includes(f.agent)) return false;
      if (f.vulnerable && !(d.openFindings > 0)) return false;
      if (terms.length) {
        const text = searchText(d);
        if (!terms.every((t) => text.includes(t))) return false;
      }
      return true;
    })
    .sort((a, b) => cmp(a, b) || collator.compare(a.id, b.id));
}

function fillSelect(select, allLabel, values, labelOf = (v) => v) {
  const keep = select.value;
  const have = [...select.options].slice(1).map((o) => o.value);
  if (select.options.length && have.length === values.length && have.every((v, i) => v === values[i])) return; // unchanged: keep an open dropdown open
  clear(select);
  select.append(h('option', { value: '' }, allLabel));
  for (const v of values) select.append(h('option', { value: v }, labelOf(v)));
  select.value = values.includes(keep) ? keep : '';
}

function inventoryView() {
  let tbody;
  let countEl;
  let headRow;
  const selects = {};

  const distinct = (fn) => [...new Set([...state.devices.values()].map(fn).filter(Boolean))].sort(collator.compare);

  function refreshFilters() {
    fillSelect(selects.vendor, 'All vendors', distinct(vendorOf));
    fillSelect(selects.cls, 'All classes', distinct(classOf));
    fillSelect(selects.agent, 'All agents', [...new Set([...state.devices.values()].flatMap((d) => d.agents ?? []))].sort(collator.compare), (id) => state.agents.get(id)?.name ?? id);
    selects.vendor.value = ui.inventory.vendor;
    selects.cls.value = ui.inventory.cls;
    selects.agent.value = ui.inventory.agent;
  }

  function renderHead() {
    clear(headRow);
    for (const c of INVENTORY_COLUMNS) {
      const sorted = ui.inventory.sort === c.key;
      const th = h(
        'th',
        { scope: 'col', 'aria-sort': sorted ? (ui.inventory.dir === 'asc' ? 'ascending' : 'descending') : null, class: `col-${c.key}` },
        h(
          'button',
          {
            type: 'button',
            class: 'sort',
            onclick: () => {
              if (ui.inventory.sort === c.key) ui.inventory.dir = ui.inventory.dir === 'asc' ? 'desc' : 'asc';
              else {
                ui.inventory.sort = c.key;
                ui.inventory.dir = c.key === 'risk' || c.key === 'lastSeen' ? 'desc' : 'asc';
              }
              renderHead();
              renderRows();
            },
          },
          c.label,
          h('span', { class: 'arrow', 'aria-hidden': 'true' }, sorted ? (ui.inventory.dir === 'asc' ? ' ▲' : ' ▼') : ''),
        ),
      );
      headRow.append(th);
    }
  }

  function renderRows() {
    const rows = filteredDevices();
    const now = Date.now();
    for (const [id, at] of state.fresh) if (now - at > 6000) state.fresh.delete(id);
    clear(tbody);
    for (const d of rows) {
      tbody.append(
        h(
          'tr',
          { 'data-device-id': d.id, class: state.fresh.has(d.id) ? 'fresh' : null },
          h('td', { class: 'col-name' }, routeLink(deviceHref(d.id), deviceName(d)), deviceName(d) !== d.id ? h('div', { class: 'sub' }, d.id) : null),
          h('td', null, vendorOf(d) ?? h('span', { class: 'muted' }, d.macVendor ? `NIC: ${d.macVendor}` : '—')),
          h('td', null, classOf(d) ?? h('span', { class: 'muted' }, '—')),
          h('td', { class: 'mono' }, d.ip ?? '—'),
          h('td', { class: 'mono' }, d.mac ?? '—'),
          h('td', { class: 'mono' }, versionOf(d) ?? '—'),
          h('td', null, chips(d.roles)),
          h('td', { class: 'col-risk' }, d.openFindings > 0 ? [d.kev ? kevBadge() : null, severityBadge(d.maxSeverity), h('span', { class: 'count' }, ` ${d.openFindings}`)] : h('span', { class: 'muted' }, 'none')),
          h('td', null, timeCell(d.lastSeen)),
        ),
      );
    }
    if (!rows.length) {
      tbody.append(h('tr', { class: 'empty' }, h('td', { colspan: INVENTORY_COLUMNS.length }, state.devices.size ? 'No device matches these filters.' : 'No devices yet: start an agent and they appear here as they are seen.')));
    }
    countEl.textContent = `${rows.length} of ${state.devices.size} devices`;
  }

  return {
    title: 'Inventory',
    mount(main) {
      const f = ui.inventory;
      const search = h('input', {
        id: 'search',
        type: 'search',
        placeholder: 'IP, MAC, vendor, model, AE title, serial…',
        value: f.q,
        autocomplete: 'off',
        oninput: (e) => {
          f.q = e.target.value;
          renderRows();
        },
      });
      const select = (id, key) =>
        (selects[key] = h('select', {
          id,
          onchange: (e) => {
            f[key] = e.target.value;
            renderRows();
          },
        }));
      const vulnerable = h('input', {
        id: 'filter-vulnerable',
        type: 'checkbox',
        checked: f.vulnerable,
        onchange: (e) => {
          f.vulnerable = e.target.checked;
          renderRows();
        },
      });
      headRow = h('tr');
      tbody = h('tbody');
      countEl = h('p', { class: 'result-count', id: 'device-count', role: 'status' });
      append(
        main,
        h('div', { class: 'view-head' }, h('h1', null, 'Inventory'), countEl),
        h(
          'form',
          { class: 'filters', role: 'search', onsubmit: (e) => e.preventDefault() },
          h('label', { class: 'grow' }, h('span', null, 'Search'), search),
          h('label', null, h('span', null, 'Vendor'), select('filter-vendor', 'vendor')),
          h('label', null, h('span', null, 'Class'), select('filter-class', 'cls')),
          h('label', null, h('span', null, 'Agent'), select('filter-agent', 'agent')),
          h('label', { class: 'check' }, vulnerable, h('span', null, 'Vulnerable only')),
        ),
        h('table', { id: 'devices', class: 'data' }, h('caption', { class: 'visually-hidden' }, 'Devices seen on the network'), h('thead', null, headRow), tbody),
      );
      refreshFilters();
      renderHead();
      renderRows();
    },
    update() {
      refreshFilters();
      renderRows();
    },
  };
}

// ---------------------------------------------------------------------------
// Device page

function deviceView(id) {
  let container;
  let detail = null;
  let error = null;
  let inflight = false;
  let again = false;

  async function load() {
    if (inflight) {
      again = true;
      return;
    }
    inflight = true;
    try {
      detail = await getJson(`/api/devices/${encodeURIComponent(id)}`);
      error = null;
    } catch (err) {
      error = err;
    }
    inflight = false;
    if (again) {
      again = false;
      return load();
    }
    if (container?.isConnected) render();
  }

  function render() {
    clear(container);
    if (error) {
      append(
        container,
        h('div', { class: 'error', role: 'alert' }, h('h1', null, error.status === 404 ? 'Unknown device' : 'Cannot load this device'), h('p', null, error.status === 404 ? `No device ${id} is known to the collector.` : error.message), routeLink('/devices', 'Back to the inventory')),
      );
      return;
    }
    if (!detail) {
      container.append(h('p', { class: 'loading' }, 'Loading…'));
      return;
    }
    const d = detail.device;
    const findings = [...(detail.findings ?? [])].sort((a, b) => (a.closedAt ? 1 : 0) - (b.closedAt ? 1 : 0) || compareFindings(a, b));
    const open = findings.filter((f) => !f.closedAt);
    const idn = d.identity ?? null;

    append(
      container,
      h('p', { class: 'crumbs' }, routeLink('/devices', 'Inventory'), ' / ', d.id),
      h(
        'div',
        { class: 'device-head' },
        h('h1', null, deviceName(d)),
        h('p', { class: 'subtitle' }, [vendorOf(d), classOf(d), d.ip].filter(Boolean).join(' · ')),
        h('p', { class: 'risk-line' }, open.length ? [d.kev ? kevBadge() : null, severityBadge(d.maxSeverity), ` ${open.length} open finding${open.length === 1 ? '' : 's'}`] : h('span', { class: 'ok' }, 'No open findings')),
      ),
      h(
        'div',
        { class: 'cards' },
        h(
          'section',
          { class: 'card', 'aria-labelledby': 'h-identity' },
          h('h2', { id: 'h-identity' }, 'Identity'),
          dl([
            ['Vendor', vendorOf(d)],
            ['Product', idn?.product ?? null],
            ['Model', d.model ?? idn?.model ?? null],
            ['Version', idn?.version ?? null],
            ['Software versions', d.softwareVersions],
            ['Serial number', d.serialNumber],
            ['Class', classOf(d)],
            ['Roles', d.roles],
            ['CPE', idn?.cpe ? h('code', null, idn.cpe) : null],
            ['purl', idn?.purl ? h('code', null, idn.purl) : null],
            ['Confidence', idn ? `${Math.round((idn.confidence ?? 0) * 100)} % (${(idn.rules ?? []).join(', ')})` : null],
            ['Embedded software', (idn?.components ?? []).map((c) => [c.vendor, c.product, c.version].filter(Boolean).join(' '))],
          ]),
          idn?.because?.length
            ? h(
                'details',
                { class: 'because' },
                h('summary', null, 'Why the rules say so'),
                h('ul', null, idn.because.map((b) => h('li', null, h('code', null, b.rule), ': ', b.attribute, ' = ', h('q', null, b.value), ` (${b.condition})`))),
              )
            : null,
        ),
        h(
          'section',
          { class: 'card', 'aria-labelledby': 'h-network' },
          h('h2', { id: 'h-network' }, 'Network'),
          dl([
            ['Device id', h('code', null, d.id)],
            ['IP', d.ip],
            ['Other IPs', (d.ips ?? []).filter((x) => x !== d.ip)],
            ['MAC', d.mac ? h('span', null, h('code', null, d.mac), d.macVendor ? ` ${d.macVendor}` : '', d.macLocallyAdministered ? ' (locally administered)' : '') : null],
            ['Agents', (d.agents ?? []).map((a) => state.agents.get(a)?.name ?? a)],
            ['Gateways', (d.gateways ?? []).length ? d.gateways.map((g) => routeLink(deviceHref(g), deviceLabel(g))) : null],
            ['First seen', timeCell(d.firstSeen)],
            ['Last seen', timeCell(d.lastSeen)],
            ['Stored', `${fmtTime(d.storedFirst)} → ${fmtTime(d.storedLast)}`],
          ]),
          protocolFacts(d),
        ),
      ),
      h(
        'section',
        { 'aria-labelledby': 'h-findings' },
        h('h2', { id: 'h-findings' }, `Findings (${open.length} open${findings.length > open.length ? `, ${findings.length - open.length} closed` : ''})`),
        findings.length ? findingsTable(findings, { showDevice: false, id: 'device-findings' }) : h('p', { class: 'muted' }, 'No findings for this device.'),
      ),
      h(
        'section',
        { 'aria-labelledby': 'h-history' },
        h('h2', { id: 'h-history' }, 'Version history'),
        (detail.history ?? []).length
          ? h(
              'table',
              { class: 'data', id: 'history' },
              h('thead', null, h('tr', null, ['When', 'Agent', 'From', 'To', 'Change'].map((t) => h('th', { scope: 'col' }, t)))),
              h('tbody', null, detail.history.map((v) => h('tr', null, h('td', null, timeCell(v.at)), h('td', null, state.agents.get(v.agentId)?.name ?? v.agentId), h('td', { class: 'mono' }, (v.from ?? []).join(', ') || '—'), h('td', { class: 'mono' }, (v.to ?? []).join(', ') || '—'), h('td', null, h('span', { class: `change change-${v.change}` }, v.change))))),
            )
          : h('p', { class: 'muted' }, 'No version change seen.'),
      ),
      h(
        'section',
        { 'aria-labelledby': 'h-peers' },
        h('h2', { id: 'h-peers' }, `Peers (${(d.peers ?? []).length})`),
        (d.peers ?? []).length
          ? h(
              'ul',
              { class: 'peers', id: 'peers' },
              d.peers.map((pid) => {
                const p = (detail.peers ?? []).find((x) => x.id === pid);
                const known = state.devices.get(pid);
                const label = known ? deviceName(known) : p ? [p.manufacturer, p.model].filter(Boolean).join(' ') || p.deviceClass || pid : pid;
                return h('li', null, routeLink(deviceHref(pid), label), h('span', { class: 'sub' }, ` ${p?.ip ?? pid}${p?.deviceClass ? ` · ${p.deviceClass}` : ''}`));
              }),
            )
          : h('p', { class: 'muted' }, 'No protocol peers seen.'),
      ),
      h(
        'section',
        { 'aria-labelledby': 'h-evidence' },
        h('h2', { id: 'h-evidence' }, `Evidence (${(d.evidence ?? []).length})`),
        h(
          'table',
          { class: 'data evidence', id: 'evidence' },
          h('caption', { class: 'visually-hidden' }, 'Where each attribute was observed'),
          h('thead', null, h('tr', null, ['Attribute', 'Value', 'Protocol', 'Field', 'Flow', 'Seen', 'Confidence', 'Last seen'].map((t) => h('th', { scope: 'col' }, t)))),
          h(
            'tbody',
            null,
            (d.evidence ?? []).map((e) =>
              h('tr', null, h('td', null, e.attribute), h('td', { class: 'mono wrap' }, e.value), h('td', null, e.protocol), h('td', { class: 'wrap' }, e.field), h('td', { class: 'mono sub' }, e.flow), h('td', { class: 'num' }, num(e.count), '×'), h('td', null, h('span', { class: `conf conf-${e.confidence}` }, e.confidence)), h('td', null, timeCell(e.lastSeen))),
            ),
          ),
        ),
      ),
    );
  }

  return {
    title: `Device ${id}`,
    mount(main) {
      container = h('div', { class: 'device' });
      main.append(container);
      render();
      load();
    },
    update(events) {
      // Refetch when this device, one of its findings, or the KB changed.
      if (events.some((e) => (e.type === 'device' && e.data?.id === id) || (e.type === 'finding' && e.data?.deviceId === id) || e.type === 'kb')) load();
    },
  };
}

function protocolFacts(d) {
  const parts = [];
  if (d.dicom) {
    parts.push(
      h('h3', null, 'DICOM'),
      dl([
        ['AE titles', d.dicom.aeTitles],
        ['Station', d.dicom.stationName],
        ['Institution', d.dicom.institutionName],
        ['Modalities', d.dicom.modalities],
        ['Implementation', [d.dicom.implementationVersionName, d.dicom.implementationClassUid].filter(Boolean).join(' · ') || null],
        ['SOP classes', d.dicom.sopClasses?.length ? `${d.dicom.sopClasses.length}` : null],
        ['User identity', d.dicom.userIdentityTypes],
        ['Relayed equipment', (d.dicom.relayedEquipment ?? []).map((r) => [r.manufacturer, r.model, r.modality].filter(Boolean).join(' '))],
      ]),
    );
  }
  if (d.hl7) {
    parts.push(
      h('h3', null, 'HL7'),
      dl([
        ['Sending apps', d.hl7.sendingApplications],
        ['Facilities', d.hl7.sendingFacilities],
        ['Receiving apps', d.hl7.receivingApplications],
        ['Versions', d.hl7.versions],
        ['Message types', d.hl7.messageTypes],
        ['Equipment ids', d.hl7.equipmentIds],
        ['MDC codes', d.hl7.mdcCodes],
        ['Profiles', d.hl7.profiles],
      ]),
    );
  }
  if (d.dhcp && (d.dhcp.hostNames?.length || d.dhcp.vendorClasses?.length || d.dhcp.fingerprints?.length)) {
    parts.push(
      h('h3', null, 'DHCP'),
      dl([
        ['Host names', d.dhcp.hostNames],
        ['Vendor classes', d.dhcp.vendorClasses],
        ['Fingerprints', d.dhcp.fingerprints],
      ]),
    );
  }
  return parts;
}

// ---------------------------------------------------------------------------
// Findings

function findingsTable(findings, { showDevice, id }) {
  const head = ['Risk', 'Finding', showDevice ? 'Device' : null, 'CVEs', 'CVSS', 'Status', 'Last seen'].filter(Boolean);
  return h(
    'table',
    { class: 'data findings', id },
    h('caption', { class: 'visually-hidden' }, 'Findings, riskiest first'),
    h('thead', null, h('tr', null, head.map((t) => h('th', { scope: 'col' }, t)))),
    h(
      'tbody',
      null,
      findings.map((f) => {
        const details = h(
          'details',
          {
            open: ui.openFindings.has(f.id),
            ontoggle: (e) => (e.target.open ? ui.openFindings.add(f.id) : ui.openFindings.delete(f.id)),
          },
          h('summary', null, f.title),
          findingExplanation(f),
        );
        return h(
          'tr',
          { 'data-finding-id': f.id, 'data-severity': String(f.severity ?? '').toLowerCase(), 'data-kev': f.kev ? 'true' : 'false', 'data-cvss': f.cvss?.baseScore ?? '', class: f.closedAt ? 'closed' : null },
          h('td', { class: 'col-risk' }, f.kev ? kevBadge() : null, severityBadge(f.severity)),
          h('td', { class: 'col-finding' }, details, h('div', { class: 'sub' }, f.kind, (f.advisoryIds ?? []).length ? ` · ${f.advisoryIds.join(', ')}` : '')),
          showDevice ? h('td', null, routeLink(deviceHref(f.deviceId), deviceLabel(f.deviceId))) : null,
          h('td', { class: 'mono' }, (f.cves ?? []).length ? f.cves.slice(0, 3).join(', ') + (f.cves.length > 3 ? ` +${f.cves.length - 3}` : '') : '—'),
          h('td', { class: 'num' }, f.cvss ? h('span', { title: f.cvss.vectorString }, f.cvss.baseScore.toFixed(1)) : '—'),
          h('td', null, h('span', { class: `status status-${f.status}` }, f.status.replace(/_/g, ' ')), f.closedAt ? h('div', { class: 'sub' }, `closed ${fmtTime(f.closedAt)}${f.closedReason ? `: ${f.closedReason}` : ''}`) : null),
          h('td', null, timeCell(f.lastSeen)),
        );
      }),
    ),
  );
}

function findingExplanation(f) {
  const x = f.explanation ?? {};
  return h(
    'div',
    { class: 'explain' },
    x.summary ? h('p', null, x.summary) : null,
    (x.matched ?? []).length
      ? h('ul', { class: 'matched' }, x.matched.map((m) => h('li', null, h('strong', null, m.attribute), ' = ', h('q', null, m.value), m.protocol ? ` (${m.protocol}${m.field ? `: ${m.field}` : ''})` : '')))
      : null,
    x.product ? h('p', null, 'Advisory product: ', [x.product.vendor, x.product.name].filter(Boolean).join(' '), x.product.versionText ? ` — versions ${x.product.versionText}` : '') : null,
    x.versionCheck ? h('p', null, 'Version check: ', x.versionCheck) : null,
    f.kev ? h('p', null, kevBadge(), ` added ${f.kev.dateAdded}${f.kev.dueDate ? `, due ${f.kev.dueDate}` : ''}; ransomware use: ${f.kev.knownRansomwareCampaignUse}`) : null,
    (f.remediations ?? []).length
      ? h('div', null, h('h4', null, 'Remediation'), h('ul', null, f.remediations.map((r) => h('li', null, h('span', { class: 'chip' }, r.category.replace(/_/g, ' ')), ' ', r.details, r.url ? [' ', safeExternalLink(r.url, 'link')] : null))))
      : null,
    h('p', { class: 'sub' }, `source ${f.source ?? '—'} · first seen ${fmtTime(f.firstSeen)} · id ${f.id}`),
  );
}

function filteredFindings() {
  const f = ui.findings;
  const q = f.q.trim().toLowerCase();
  return [...state.findings.values()]
    .filter((x) => {
      if (f.state === 'open' && x.closedAt) return false;
      if (f.state === 'closed' && !x.closedAt) return false;
      if (f.severity && String(x.severity).toLowerCase() !== f.severity) return false;
      if (f.kev && !x.kev) return false;
      if (f.status && x.status !== f.status) return false;
      if (q) {
        const text = [x.title, x.deviceId, deviceLabel(x.deviceId), ...(x.cves ?? []), ...(x.advisoryIds ?? []), x.explanation?.summary].join('\n').toLowerCase();
        if (!text.includes(q)) return false;
      }
      return true;
    })
    .sort(compareFindings);
}

function findingsView() {
  let slot;
  let countEl;
  const f = ui.findings;

  function renderRows() {
    const rows = filteredFindings();
    clear(slot);
    slot.append(rows.length ? findingsTable(rows, { showDevice: true, id: 'findings' }) : h('p', { class: 'muted empty' }, state.findings.size ? 'No finding matches these filters.' : 'No findings yet.'));
    countEl.textContent = `${rows.length} of ${state.findings.size} findings`;
  }

  const select = (id, key, options) =>
    h(
      'select',
      {
        id,
        onchange: (e) => {
          f[key] = e.target.value;
          renderRows();
        },
      },
      options.map(([value, label]) => h('option', { value, selected: f[key] === value }, label)),
    );

  return {
    title: 'Findings',
    mount(main) {
      slot = h('div');
      countEl = h('p', { class: 'result-count', role: 'status' });
      append(
        main,
        h('div', { class: 'view-head' }, h('h1', null, 'Findings'), countEl),
        h('p', { class: 'hint' }, 'Riskiest first: known exploited (KEV), then severity, then CVSS score.'),
        h(
          'form',
          { class: 'filters', role: 'search', onsubmit: (e) => e.preventDefault() },
          h(
            'label',
            { class: 'grow' },
            h('span', null, 'Search'),
            h('input', {
              id: 'findings-search',
              type: 'search',
              value: f.q,
              placeholder: 'CVE, advisory, device, title…',
              oninput: (e) => {
                f.q = e.target.value;
                renderRows();
              },
            }),
          ),
          h('label', null, h('span', null, 'Severity'), select('filter-severity', 'severity', [['', 'Any'], ['critical', 'Critical'], ['high', 'High'], ['medium', 'Medium'], ['low', 'Low'], ['none', 'None']])),
          h('label', null, h('span', null, 'Status'), select('filter-status', 'status', [['', 'Any'], ['affected', 'Affected'], ['version_unknown', 'Version unknown'], ['under_investigation', 'Under investigation'], ['fixed', 'Fixed'], ['not_affected', 'Not affected']])),
          h('label', null, h('span', null, 'Open or closed'), select('filter-state', 'state', [['open', 'Open'], ['closed', 'Closed'], ['all', 'All']])),
          h(
            'label',
            { class: 'check' },
            h('input', {
              id: 'filter-kev',
              type: 'checkbox',
              checked: f.kev,
              onchange: (e) => {
                f.kev = e.target.checked;
                renderRows();
              },
            }),
            h('span', null, 'KEV only'),
          ),
        ),
        slot,
      );
      renderRows();
    },
    update(events) {
      if (events.some((e) => e.type !== 'agent')) renderRows();
    },
  };
}

// ---------------------------------------------------------------------------
// Agents

function agentsView() {
  let tbody;
  function renderRows() {
    clear(tbody);
    const agents = [...state.agents.values()].sort((a, b) => Number(b.connected) - Number(a.connected) || collator.compare(a.name ?? a.id, b.name ?? b.id));
    for (const a of agents) {
      const s = a.stats ?? {};
      tbody.append(
        h(
          'tr',
          { 'data-agent-id': a.id },
          h('td', null, h('strong', null, a.name ?? a.id), a.name && a.name !== a.id ? h('div', { class: 'sub' }, a.id) : null),
          h('td', null, a.revoked ? h('span', { class: 'state state-revoked' }, 'revoked') : a.connected ? h('span', { class: 'state state-up' }, 'connected') : h('span', { class: 'state state-down' }, 'disconnected')),
          h('td', null, h('span', { title: a.lastSeen ?? '' }, ago(a.lastSeen))),
          h('td', { class: 'mono wrap' }, a.source ?? '—'),
          h('td', { class: 'mono' }, a.version ?? '—'),
          h('td', { class: 'mono' }, a.kbVersion ?? '—'),
          h('td', { class: 'num' }, num(s.packets)),
          h('td', { class: 'num' }, num(s.devices)),
          h('td', { class: 'num' }, num(s.findings)),
          h('td', { class: 'num' }, s.pcapDropped === undefined && s.pcapIfDropped === undefined ? '—' : num((s.pcapDropped ?? 0) + (s.pcapIfDropped ?? 0))),
          h('td', { class: 'num' }, num(s.outboxDepth)),
          h('td', { class: 'num' }, s.uptimeSeconds === undefined ? '—' : s.uptimeSeconds < 120 ? `${s.uptimeSeconds} s` : s.uptimeSeconds < 7200 ? `${Math.round(s.uptimeSeconds / 60)} min` : `${Math.round(s.uptimeSeconds / 3600)} h`),
        ),
      );
    }
    if (!agents.length) tbody.append(h('tr', { class: 'empty' }, h('td', { colspan: 12 }, 'No agent enrolled yet: auscult collector enroll NAME.')));
  }
  return {
    title: 'Agents',
    mount(main) {
      tbody = h('tbody');
      append(
        main,
        h('div', { class: 'view-head' }, h('h1', null, 'Agents')),
        h(
          'table',
          { class: 'data', id: 'agents' },
          h('caption', { class: 'visually-hidden' }, 'Capture agents and their latest statistics'),
          h('thead', null, h('tr', null, ['Agent', 'State', 'Last seen', 'Source', 'Version', 'KB', 'Packets', 'Devices', 'Findings', 'Dropped', 'Outbox', 'Uptime'].map((t) => h('th', { scope: 'col' }, t)))),
          tbody,
        ),
      );
      renderRows();
    },
    update() {
      renderRows();
    },
  };
}

// ---------------------------------------------------------------------------
// Start

window.addEventListener('hashchange', () => {
  route();
  document.getElementById('main').focus({ preventScroll: true });
});
connectStream();
route();
loadAll();
// "last seen 3 min ago" and the fresh-row highlight age even without events.
setInterval(() => {
  if (current && (current.route.startsWith('/agents') || state.fresh.size)) current.view.update?.([]);
}, 5000);
