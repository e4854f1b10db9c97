#!/usr/bin/env node
// Times solhint with its recommended rule set over the corpus, as a user runs
// it from the command line: wall clock of the whole process (start-up
// included) and its peak RSS. solhint exits non-zero when it reports
// problems, which is expected on any real code base and not a failure here.
//
// Usage: node solhint.js [--corpus DIR] [--runs N]
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');

const { spawnSync } = require('child_process');

const { modules, peerVersion, loadCorpus, argValue, defaultCorpus } = require('./corpus');
const { bestRun } = require('./measure');

const corpusDir = path.resolve(argValue('--corpus', defaultCorpus));
const runs = Number(argValue('--runs', '3'));
const corpus = loadCorpus(corpusDir);

// A throw-away config directory keeps any .solhint.json of the corpus or the
// repository from changing which rules run.
const cfgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'solhint-bench-'));
const cfg = path.join(cfgDir, '.solhint.json');
fs.writeFileSync(cfg, JSON.stringify({ extends: 'solhint:recommended' }));
const ignore = path.join(cfgDir, '.solhintignore');
fs.writeFileSync(ignore, '');

const bin = path.join(modules, 'solhint', 'solhint.js');
// --disc: no update check over the network; --noPoster: no banner. solhint
// only accepts files below its working directory, so it runs in the corpus.
const args = [bin, '--disc', '--noPoster', '-c', cfg, '--ignore-path', ignore, '-f', 'unix', '**/*.sol'];
try {
  // The warm-up run also tells how many problems solhint reports, and shows
  // that it really linted: exit 0 (clean) or 1 (problems found); anything
  // else is a crash, which would make the timing meaningless.
  // Its report goes to a file: solhint exits before a pipe is drained, which
  // would cut the report short.
  const reportFile = path.join(cfgDir, 'report.txt');
  const fd = fs.openSync(reportFile, 'w');
  const warm = spawnSync(process.execPath, args, { cwd: corpusDir, stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
  fs.closeSync(fd);
  if (warm.status !== 0 && warm.status !== 1) {
    console.error(warm.stderr);
    throw new Error(`solhint exited ${warm.status}`);
  }
  const summary = fs.readFileSync(reportFile, 'utf8').match(/(\d+) problem/);
  const problems = summary ? Number(summary[1]) : 0;
  const m = bestRun(runs, process.execPath, args, { cwd: corpusDir }, false);
  const out = {
    tool: 'solhint',
    version: peerVersion('solhint'),
    rules: 'solhint:recommended',
    files: corpus.files.length,
    lines: corpus.lines,
    problems,
    runs,
    ...m,
  };
  console.error(
    `solhint ${out.version} (recommended): ${out.files} files, best of ${runs}: ${m.seconds.toFixed(3)} s wall, ` +
      `peak RSS ${m.maxRssMB ?? '?'} MB, ${problems} problems reported`,
  );
  console.log(JSON.stringify(out));
} finally {
  fs.rmSync(cfgDir, { recursive: true, force: true });
}
