#!/usr/bin/env node
// Prints the side-by-side table of one bench/run.sh run from the JSON lines
// the timers wrote (one object per tool).
//
// Usage: node table.js results.jsonl
'use strict';

const fs = require('fs');

const rows = fs
  .readFileSync(process.argv[2], 'utf8')
  .split('\n')
  .filter((l) => l.trim().startsWith('{'))
  .map((l) => JSON.parse(l));
const byTool = Object.fromEntries(rows.map((r) => [r.tool, r]));

const fmtInt = (n) => Math.round(n).toLocaleString('en-US');
const pad = (cells, widths) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');

function table(header, body) {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => String(r[i]).length)));
  console.log(pad(header, widths));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of body) console.log(pad(r, widths));
}

const ours = byTool['solsec'];
const parsers = ['solsec', '@solidity-parser/parser', 'solc-js'].map((t) => byTool[t]).filter(Boolean);
if (parsers.length > 0) {
  const p0 = parsers[0];
  console.log(`\nParse: ${p0.files} files, ${fmtInt(p0.lines)} lines, ${(p0.bytes / 1e6).toFixed(2)} MB, one core, best of ${p0.runs}`);
  table(
    ['parser', 'version', 'seconds', 'lines/s', 'MB/s', 'errors', 'ours is'],
    parsers.map((p) => [
      p.tool === 'solsec' ? 'solsec (ours)' : p.tool === 'solc-js' ? 'solc-js (stopAfter parsing)' : p.tool,
      p.version,
      p.seconds.toFixed(3),
      fmtInt(p.linesPerSec),
      p.mbPerSec.toFixed(2),
      p.errors,
      ours && p !== ours ? `${(p.seconds / ours.seconds).toFixed(1)}x faster` : '',
    ]),
  );
  if (ours && ours.allocsPerPass !== undefined) {
    console.log(`ours allocates ${fmtInt(ours.allocsPerPass)} objects, ${(ours.allocBytesPerPass / 1e6).toFixed(1)} MB per pass`);
  }
}

const scanners = ['solsec scan', 'solhint'].map((t) => byTool[t]).filter(Boolean);
if (scanners.length > 0) {
  const scan = byTool['solsec scan'];
  console.log('\nScan of the whole corpus: wall clock (process start to exit), all cores, best run; peak RSS');
  table(
    ['scanner', 'seconds', 'peak RSS MB', 'reported', 'ours is'],
    scanners.map((s) => [
      s.tool === 'solhint' ? `solhint ${s.version} (recommended)` : s.tool,
      s.seconds.toFixed(3),
      s.maxRssMB ?? '?',
      s.problems !== undefined ? `${fmtInt(s.problems)} problems` : '',
      scan && s !== scan ? `${(s.seconds / scan.seconds).toFixed(1)}x faster` : '',
    ]),
  );
}
