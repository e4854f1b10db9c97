// Checks solc-outline.js's reduction of solc's parse-only AST against the
// expected outline of testdata/constructs.sol (checked by hand against the
// source), so that a change of solc's AST or of the reduction fails here
// instead of showing up as parser mismatches in the cross-check.
//
// Run: node --test bench/crosscheck/solc-outline.test.js (needs bench/setup.sh)
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const test = require('node:test');

const { parseOnly, outline } = require('./solc-outline');

const dir = path.join(__dirname, 'testdata');
const src = fs.readFileSync(path.join(dir, 'constructs.sol'), 'utf8');
const want = JSON.parse(fs.readFileSync(path.join(dir, 'constructs.outline.json'), 'utf8'));

test('the fixture parses without errors', () => {
  const { ast, errors } = parseOnly('constructs.sol', src);
  assert.deepEqual(errors, []);
  assert.ok(ast);
});

test('the outline matches the expected one', () => {
  const { ast } = parseOnly('constructs.sol', src);
  assert.deepEqual(outline(ast), want);
});

test('constructor visibility is derived from the contract being abstract', () => {
  const byName = Object.fromEntries(want.contracts.map((c) => [c.name, c]));
  const ctor = (c) => byName[c].functions.find((f) => f.kind === 'constructor');
  assert.equal(ctor('Owned').visibility, 'internal');
  assert.equal(ctor('Vault').visibility, 'public');
});

test('transient storage is reported as mutability', () => {
  const owned = want.contracts.find((c) => c.name === 'Owned');
  assert.equal(owned.stateVariables.find((v) => v.name === 'lock').mutability, 'transient');
});

test('base-constructor calls count as modifier invocations, dotted names kept', () => {
  const vault = want.contracts.find((c) => c.name === 'Vault');
  assert.deepEqual(vault.bases, ['Owned', 'IVault', 'Lib.Base']);
  assert.deepEqual(vault.functions.find((f) => f.kind === 'constructor').modifiers, ['Lib.Base']);
});

test('free functions are functions with internal visibility, file-level events and errors are left out', () => {
  assert.deepEqual(
    want.freeFunctions.map((f) => [f.kind, f.name, f.visibility]),
    [
      ['function', 'add', 'internal'],
      ['function', 'helper', 'internal'],
    ],
  );
  assert.equal(want.contracts.length, 4);
});
