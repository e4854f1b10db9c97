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

// The targets, checked against this run's numbers.
const targets = [];
const check = (name, have, ok) => targets.push(`${ok ? 'met ' : 'MISSED'}  ${name}: ${have}`);
const sp = byTool['@solidity-parser/parser'];
if (ours) {
  check('parse at least 150k lines/s on one core', `${fmtInt(ours.linesPerSec)} lines/s`, ours.linesPerSec >= 150000);
  check('0 syntax errors on the corpus', `${ours.errors}`, ours.errors === 0);
  if (sp) check('parse at least 20x @solidity-parser/parser', `${(sp.seconds / ours.seconds).toFixed(1)}x`, sp.seconds / ours.seconds >= 20);
}
const scan = byTool['solsec scan'];
const lint = byTool['solhint'];
if (scan) {
  // Exit 0 or 1 (findings at or above --fail-on) is a completed scan;
  // anything else means the time measured an error path.
  check('scan completes (exit 0 or 1)', `exit ${scan.status}`, scan.status === 0 || scan.status === 1);
  check('scan the corpus in under 1 s wall', `${scan.seconds.toFixed(3)} s`, scan.seconds < 1);
  if (scan.maxRssMB !== null) check('scan peak memory under 200 MB', `${scan.maxRssMB} MB`, scan.maxRssMB < 200);
  if (lint) check('scan at least 10x faster than solhint', `${(lint.seconds / scan.seconds).toFixed(1)}x`, lint.seconds / scan.seconds >= 10);
}
if (targets.length > 0) {
  console.log('\nTargets (issue 8)');
  for (const t of targets) console.log(`  ${t}`);
}
