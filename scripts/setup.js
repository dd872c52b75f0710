#!/usr/bin/env node
// Sets everything up from a clean clone: npm dependencies, the native addon (release build), and
// the TypeScript build. Idempotent and incremental, so `npm test` and `npm run demo` call it first.
'use strict';
const { execSync } = require('node:child_process');
const { existsSync, statSync } = require('node:fs');

function run(cmd) {
  process.stderr.write(`> ${cmd}\n`);
  execSync(cmd, { stdio: ['ignore', 'inherit', 'inherit'], cwd: root });
}

try {
  execSync('cargo --version', { stdio: 'ignore' });
} catch {
  process.stderr.write('volley setup: cargo (Rust) is required to build the engine: https://rustup.rs\n');
  process.exit(1);
}
// `npm install` against the committed lock (not `npm ci`): the registry here serves only Linux
// builds of platform packages, so the lock may lack other platforms' entries (DESIGN.md, Toolchain).
const root = `${__dirname}/..`;
const installed = `${root}/node_modules/.package-lock.json`;
const stale = !existsSync(installed) || statSync(`${root}/package-lock.json`).mtimeMs > statSync(installed).mtimeMs;
if (stale || process.env.CI) {
  run('npm install --no-audit --no-fund');
}
run('npm run --silent build:native');
run('npm run --silent build:ts');
