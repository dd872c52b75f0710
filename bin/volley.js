#!/usr/bin/env node
'use strict';
const { main } = require('../dist/cli/index.js');

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`volley: ${err && err.message ? err.message : err}\n`);
    process.exitCode = 104;
  },
);
