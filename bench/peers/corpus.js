// Shared by the peer timers: locating bench/.npm, loading the corpus into
// memory once, and the timing loop, so every peer is measured the same way.
'use strict';

const fs = require('fs');
const path = require('path');

const benchDir = path.resolve(__dirname, '..');
const modules = path.join(benchDir, '.npm', 'node_modules');
const defaultCorpus = path.join(modules, '@openzeppelin', 'contracts');

// requirePeer loads a package from bench/.npm, where setup.sh installed it.
function requirePeer(name) {
  return require(require.resolve(name, { paths: [modules] }));
}

function peerVersion(name) {
  return JSON.parse(fs.readFileSync(path.join(modules, name, 'package.json'), 'utf8')).version;
}

// loadCorpus reads every .sol file under dir, sorted by path, so that file
// reads are never part of a timed pass.
function loadCorpus(dir = defaultCorpus) {
  const files = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile() && e.name.endsWith('.sol')) {
        const content = fs.readFileSync(full, 'utf8');
        files.push({ name: path.relative(dir, full).split(path.sep).join('/'), content });
      }
    }
  };
  walk(dir);
  let lines = 0;
  let bytes = 0;
  for (const f of files) {
    // Count lines as `wc -l` does plus a final unterminated line, the same
    // rule bench/parsebench uses.
    const nl = (f.content.match(/\n/g) || []).length;
    lines += nl + (f.content.length > 0 && !f.content.endsWith('\n') ? 1 : 0);
    bytes += Buffer.byteLength(f.content, 'utf8');
  }
  return { dir, files, lines, bytes };
}

// bestOf runs pass once to warm up the JIT, then `runs` more times, and
// returns the fastest pass in seconds together with that pass's result.
function bestOf(runs, pass) {
  let result = pass();
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    result = pass();
    const secs = Number(process.hrtime.bigint() - start) / 1e9;
    if (secs < best) best = secs;
  }
  return { seconds: best, result };
}

function argValue(flag, fallback) {
  const i = process.argv.indexOf(flag);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

// report prints one JSON line that bench/run.sh reads, and a readable line
// on stderr.
function report(entry) {
  const out = {
    ...entry,
    linesPerSec: Math.round(entry.lines / entry.seconds),
    mbPerSec: Number((entry.bytes / 1e6 / entry.seconds).toFixed(2)),
  };
  console.error(
    `${out.tool} ${out.version}: ${out.files} files, ${out.lines} lines, ${out.errors} errors, ` +
      `best of ${out.runs}: ${out.seconds.toFixed(3)} s, ${out.linesPerSec} lines/s, ${out.mbPerSec} MB/s`,
  );
  console.log(JSON.stringify(out));
}

module.exports = { benchDir, modules, defaultCorpus, requirePeer, peerVersion, loadCorpus, bestOf, argValue, report };
