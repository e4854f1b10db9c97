#!/usr/bin/env node
// Times @solidity-parser/parser over the corpus: every file parsed from
// memory, with node locations and ranges on (our parser records exact
// positions for every node too), tolerant mode so a bad file is counted rather
// than ending the run. One warm-up pass, then the best of --runs passes.
//
// Usage: node solidity-parser.js [--corpus DIR] [--runs N]
'use strict';

const { requirePeer, peerVersion, loadCorpus, bestOf, argValue, report, defaultCorpus } = require('./corpus');

const parser = requirePeer('@solidity-parser/parser');
const corpus = loadCorpus(argValue('--corpus', defaultCorpus));
const runs = Number(argValue('--runs', '5'));

const { seconds, result: errors } = bestOf(runs, () => {
  let errs = 0;
  for (const f of corpus.files) {
    try {
      const ast = parser.parse(f.content, { loc: true, range: true, tolerant: true });
      errs += (ast.errors || []).length;
    } catch (e) {
      errs++;
    }
  }
  return errs;
});

report({
  tool: '@solidity-parser/parser',
  version: peerVersion('@solidity-parser/parser'),
  files: corpus.files.length,
  lines: corpus.lines,
  bytes: corpus.bytes,
  errors,
  runs,
  seconds,
});
