#!/usr/bin/env node
// Latency of sequential REST API calls, for bench/run-api-latency.sh.
//
//   node bench/api-latency.js API_URL PATH [--calls N] [--warmup N] [--fresh]
//   node bench/api-latency.js API_URL --rate-ms MS
//
// Makes WARMUP calls (not counted), then CALLS calls of GET API_URL+PATH, one after the other,
// from this process. Each call is timed with process.hrtime.bigint() from just before
// http.request() to the response's 'end' (status line, headers and the whole body read).
// By default the calls share one keep-alive connection (an Agent with maxSockets 1); with
// --fresh every call opens its own connection (agent: false, `Connection: close`), so the time
// includes the TCP connect and the server's accept.
//
// Around the measured calls (outside the timed part) it reads GET /v1/status and
// GET /v1/metrics/http_reqs, so the caller sees that the test was running with its VUs and how
// many requests the engine made per second while the calls were being measured.
//
// Prints one JSON object on stdout: ms figures (min, p50, p90, p99, max, mean; percentiles are
// nearest-rank over the CALLS samples), errors (non-200 answers or failed calls) and the load
// figures; `items` is the length of the body's `data` when it is a list (the metrics served).
// With --rate-ms it makes no timed calls: it reads http_reqs, waits MS milliseconds, reads it
// again and prints {"reqsPerS": N}, the engine's rate with no API traffic but those two reads.
// Exits 1 when the API cannot be reached at all.
'use strict';
const http = require('node:http');

function usage(msg) {
  if (msg) process.stderr.write(`api-latency: ${msg}\n`);
  process.stderr.write('usage: node bench/api-latency.js API_URL PATH [--calls N] [--warmup N] [--fresh]\n');
  process.stderr.write('       node bench/api-latency.js API_URL --rate-ms MS\n');
  process.exit(2);
}

const args = process.argv.slice(2);
const positional = [];
let calls = 1000;
let warmup = 20;
let fresh = false;
let rateMs = 0;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--calls') calls = Number(args[++i]);
  else if (a === '--warmup') warmup = Number(args[++i]);
  else if (a === '--fresh') fresh = true;
  else if (a === '--rate-ms') rateMs = Number(args[++i]);
  else if (a.startsWith('--')) usage(`unknown option ${a}`);
  else positional.push(a);
}
if (positional.length !== (rateMs > 0 ? 1 : 2)) usage();
if (!(Number.isInteger(rateMs) && rateMs >= 0)) usage('bad --rate-ms');
if (!(Number.isInteger(calls) && calls > 0) || !(Number.isInteger(warmup) && warmup >= 0)) usage('bad --calls or --warmup');
const base = new URL(positional[0]);
const path = positional[1];
if (base.hostname !== '127.0.0.1' && base.hostname !== 'localhost' && base.hostname !== '[::1]') {
  usage(`only loopback API URLs: ${base.hostname}`);
}

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** One GET; resolves to { status, body, ns } with ns the time to the end of the body. */
function get(p, agent) {
  return new Promise((resolve) => {
    const headers = agent ? {} : { Connection: 'close' };
    const t0 = process.hrtime.bigint();
    const req = http.request(
      { host: base.hostname, port: base.port, path: p, method: 'GET', agent: agent || false, headers },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const ns = process.hrtime.bigint() - t0;
          resolve({ status: res.statusCode, body: Buffer.concat(chunks), ns });
        });
        res.on('error', (e) => resolve({ status: 0, error: e.message, ns: process.hrtime.bigint() - t0 }));
      },
    );
    req.on('error', (e) => resolve({ status: 0, error: e.message, ns: process.hrtime.bigint() - t0 }));
    req.end();
  });
}

async function getJson(p) {
  const r = await get(p, keepAlive);
  if (r.status !== 200) return null;
  try {
    return JSON.parse(r.body.toString('utf8'));
  } catch {
    return null;
  }
}

/** Status and request count of the test, read outside the timed calls. */
async function probe() {
  const [status, reqs] = [await getJson('/v1/status'), await getJson('/v1/metrics/http_reqs')];
  const a = status && status.data && status.data.attributes;
  const sample = reqs && reqs.data && reqs.data.attributes && reqs.data.attributes.sample;
  return {
    atNs: process.hrtime.bigint(),
    running: a ? a.running : null,
    paused: a ? a.paused : null,
    vus: a ? a.vus : null,
    httpReqs: sample && typeof sample.count === 'number' ? sample.count : null,
  };
}

function nearestRank(sorted, p) {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

function loadRate(before, after) {
  const s = Number(after.atNs - before.atNs) / 1e9;
  return before.httpReqs !== null && after.httpReqs !== null && s > 0 ? Math.round((after.httpReqs - before.httpReqs) / s) : null;
}

async function main() {
  if (rateMs > 0) {
    const before = await probe();
    await new Promise((resolve) => setTimeout(resolve, rateMs));
    const after = await probe();
    keepAlive.destroy();
    process.stdout.write(`${JSON.stringify({ reqsPerS: loadRate(before, after), running: before.running && after.running, vus: after.vus })}\n`);
    return;
  }
  const agent = fresh ? null : keepAlive;
  const first = await get('/v1/status', keepAlive);
  if (first.status !== 200) {
    process.stderr.write(`api-latency: GET ${base.origin}/v1/status: ${first.error || `HTTP ${first.status}`}\n`);
    process.exit(1);
  }
  for (let i = 0; i < warmup; i++) await get(path, agent);

  const before = await probe();
  const ms = [];
  let errors = 0;
  let bytes = 0;
  let last = null;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) {
    const r = await get(path, agent);
    if (r.status !== 200) errors++;
    else {
      bytes = r.body.length;
      last = r.body;
    }
    ms.push(Number(r.ns) / 1e6);
  }
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const after = await probe();
  keepAlive.destroy();

  const sorted = [...ms].sort((x, y) => x - y);
  const round = (x) => Math.round(x * 1000) / 1000;
  let items = null;
  try {
    const data = last && JSON.parse(last.toString('utf8')).data;
    if (Array.isArray(data)) items = data.length;
  } catch {
    // not JSON: leave items null
  }
  const out = {
    path,
    connection: fresh ? 'fresh' : 'keep-alive',
    calls,
    warmup,
    errors,
    bodyBytes: bytes,
    items,
    wallMs: round(wallMs),
    min: round(sorted[0]),
    p50: round(nearestRank(sorted, 50)),
    p90: round(nearestRank(sorted, 90)),
    p99: round(nearestRank(sorted, 99)),
    max: round(sorted[sorted.length - 1]),
    mean: round(ms.reduce((s, x) => s + x, 0) / ms.length),
    over5ms: ms.filter((x) => x >= 5).length,
    test: {
      runningBefore: before.running,
      runningAfter: after.running,
      pausedBefore: before.paused,
      vusBefore: before.vus,
      vusAfter: after.vus,
      // The engine's requests per second between the two probes (the measured calls in between).
      reqsPerS: loadRate(before, after),
    },
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((e) => {
  process.stderr.write(`api-latency: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
