#!/usr/bin/env node
// Times solc-js parsing the corpus: one standard-JSON compile holding every
// file, with settings.stopAfter "parsing" so solc builds the AST and stops
// before name resolution and code generation; the AST is requested so the
// time includes producing it. One warm-up pass, then the best of --runs.
//
// Usage: node solc-parse.js [--corpus DIR] [--runs N]
'use strict';

const { requirePeer, peerVersion, loadCorpus, bestOf, argValue, report, defaultCorpus } = require('./corpus');

const solc = requirePeer('solc');
const corpus = loadCorpus(argValue('--corpus', defaultCorpus));
const runs = Number(argValue('--runs', '3'));

const sources = {};
for (const f of corpus.files) sources[f.name] = { content: f.content };
const input = JSON.stringify({
  language: 'Solidity',
  sources,
  settings: { stopAfter: 'parsing', outputSelection: { '*': { '': ['ast'] } } },
});

const { seconds, result: errors } = bestOf(runs, () => {
  const out = JSON.parse(solc.compile(input));
  return (out.errors || []).filter((e) => e.severity === 'error').length;
});

report({
  tool: 'solc-js',
  version: peerVersion('solc'),
  files: corpus.files.length,
  lines: corpus.lines,
  bytes: corpus.bytes,
  errors,
  runs,
  seconds,
});
