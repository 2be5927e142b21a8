#!/usr/bin/env node
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const cli = path.join(__dirname, '..', 'dist', 'cli.cjs');
if (!fs.existsSync(cli)) {
  process.stderr.write('pipewright: the CLI is not built yet; run `npm run build:node` (npm install does it for you)\n');
  process.exit(2);
}
require(cli).runCli();
