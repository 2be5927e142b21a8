#!/usr/bin/env node
// Sends rows of a CSV to a running `pipewright serve` as prediction requests whose distribution
// shifts over time, and attaches each row's true label through POST /v1/feedback: the traffic a
// monitoring pipeline (data.predictions + monitor.drift) should flag. Plain Node 20, no packages.
//
//   node resources/scripts/shifting-traffic.mjs --url http://127.0.0.1:8080 --model breast-cancer
//
// For --shift-after seconds the rows go as they are; then the --columns are multiplied by a factor
// that grows from 1 to --max-scale over --ramp seconds and stays there. Stops after --duration
// seconds or --requests requests (whichever comes first), or on Ctrl-C, and prints a summary.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const USAGE = `usage: node shifting-traffic.mjs [--url URL] [--model NAME] [--csv FILE] [--label COLUMN]
  [--rate REQ_PER_S] [--batch ROWS] [--duration S] [--requests N] [--shift-after S] [--ramp S]
  [--max-scale F] [--columns A,B,... | --columns 'mean_*,worst_*'] [--label-share 0..1] [--token T] [--seed N]`;

const { values: o } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:8080' },
    model: { type: 'string', default: 'breast-cancer' },
    csv: { type: 'string', default: join(here, '..', 'data', 'breast_cancer.csv') },
    label: { type: 'string', default: 'diagnosis' },
    rate: { type: 'string', default: '5' },
    batch: { type: 'string', default: '1' },
    duration: { type: 'string', default: '600' },
    requests: { type: 'string' },
    'shift-after': { type: 'string', default: '60' },
    ramp: { type: 'string', default: '120' },
    'max-scale': { type: 'string', default: '1.5' },
    columns: { type: 'string', default: 'mean_*,worst_*' },
    'label-share': { type: 'string', default: '1' },
    token: { type: 'string' },
    seed: { type: 'string', default: '1' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (o.help) {
  console.log(USAGE);
  process.exit(0);
}

function number(name, min, max) {
  const v = Number(o[name]);
  if (!Number.isFinite(v) || v < min || v > max) {
    console.error(`--${name} must be a number from ${min} to ${max} (got ${o[name]})\n${USAGE}`);
    process.exit(2);
  }
  return v;
}
const rate = number('rate', 0.01, 10_000);
const batch = Math.floor(number('batch', 1, 10_000));
const duration = number('duration', 0, 1e7);
const maxRequests = o.requests === undefined ? Infinity : Math.floor(number('requests', 1, 1e9));
const shiftAfter = number('shift-after', 0, 1e7);
const ramp = number('ramp', 0, 1e7);
const maxScale = number('max-scale', -1e6, 1e6);
const labelShare = number('label-share', 0, 1);

/** A CSV with a header; fields may be quoted ("a, b" and "" for a quote). */
function readCsv(path) {
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    console.error(`${path}: ${e.code ?? e.message}`);
    process.exit(2);
  }
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
    } else field += ch;
  }
  if (field !== '' || row.length) rows.push([...row, field]);
  return rows;
}

const [header, ...lines] = readCsv(o.csv);
const labelAt = header.indexOf(o.label);
if (labelAt < 0) {
  console.error(`${o.csv}: no column ${o.label} (columns: ${header.join(', ')}); give the label column with --label`);
  process.exit(2);
}
const patterns = o.columns.split(',').map((p) => p.trim()).filter(Boolean).map((p) => new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`));
const shifted = new Set(header.filter((h, i) => i !== labelAt && patterns.some((re) => re.test(h))));
if (shifted.size === 0) console.error(`note: --columns ${o.columns} matches no column, so nothing shifts`);
const asValue = (s) => (s === '' ? null : Number.isFinite(Number(s)) ? Number(s) : s);
const rows = lines.map((l) => {
  const inputs = {};
  header.forEach((h, i) => {
    if (i !== labelAt) inputs[h] = asValue(l[i] ?? '');
  });
  return { inputs, label: asValue(l[labelAt] ?? '') };
});

// a small seeded generator (mulberry32): the same --seed sends the same rows in the same order
let state = Number(o.seed) >>> 0;
function random() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const headers = { 'content-type': 'application/json', ...(o.token ? { authorization: `Bearer ${o.token}` } : {}) };
async function post(path, body, extra = {}) {
  const res = await fetch(new URL(path, o.url), { method: 'POST', headers: { ...headers, ...extra }, body: JSON.stringify(body) });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

/** The factor the shifted columns get `t` seconds after the start. */
function scaleAt(t) {
  if (t < shiftAfter) return 1;
  const f = ramp === 0 ? 1 : Math.min(1, (t - shiftAfter) / ramp);
  return 1 + (maxScale - 1) * f;
}

const run = `shift-${Date.now().toString(36)}`;
const start = Date.now();
let sent = 0;
let answered = 0;
let failed = 0;
let labelled = 0;
let correct = 0;
let stop = false;
process.on('SIGINT', () => (stop = true));
console.log(`sending ${o.model} requests to ${o.url}: ${rate}/s, ${batch} row(s) each; ${[...shifted].join(', ') || 'no column'} × up to ${maxScale} from ${shiftAfter} s on (over ${ramp} s)`);

let lastReport = start;
while (!stop && sent < maxRequests && (Date.now() - start) / 1000 < duration) {
  const t = (Date.now() - start) / 1000;
  const scale = scaleAt(t);
  const picked = Array.from({ length: batch }, () => rows[Math.floor(random() * rows.length)]);
  const instances = picked.map((r) => {
    const x = { ...r.inputs };
    for (const c of shifted) if (typeof x[c] === 'number') x[c] = x[c] * scale;
    return x;
  });
  const requestId = `${run}-${sent}`;
  sent++;
  try {
    const a = await post(`/v1/models/${encodeURIComponent(o.model)}:predict`, { instances }, { 'x-request-id': requestId });
    if (a.status !== 200) {
      failed++;
      if (failed <= 3) console.error(`request ${requestId}: ${a.status} ${JSON.stringify(a.json).slice(0, 300)}`);
    } else {
      answered++;
      a.json.predictions.forEach((p, i) => {
        if (p && typeof p === 'object' && p.label === picked[i].label) correct++;
      });
      if (random() < labelShare) {
        const f = await post('/v1/feedback', { request_id: requestId, label: picked.map((r) => r.label) });
        if (f.status === 200) labelled++;
        else if (failed++ < 3) console.error(`feedback ${requestId}: ${f.status} ${JSON.stringify(f.json).slice(0, 300)}`);
      }
    }
  } catch (e) {
    failed++;
    if (failed <= 3) console.error(`request ${requestId}: ${e.cause?.code ?? e.message} (is pipewright serve running at ${o.url}?)`);
  }
  if (Date.now() - lastReport >= 10_000) {
    lastReport = Date.now();
    console.log(`${Math.round(t)} s: ${sent} sent, scale ${scale.toFixed(2)}, accuracy so far ${answered ? ((100 * correct) / (answered * batch)).toFixed(1) : '-'}%`);
  }
  const next = start + (sent / rate) * 1000;
  const wait = next - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}
console.log(`done: ${sent} requests (${answered} answered, ${failed} failed), ${labelled} labelled; accuracy ${answered ? ((100 * correct) / (answered * batch)).toFixed(1) : '-'}%; final scale ${scaleAt((Date.now() - start) / 1000).toFixed(2)}`);
process.exit(failed && !answered ? 1 : 0);
