#!/usr/bin/env node
// Parses every .sol file under a corpus directory with solc-js, stopping after
// the parsing phase, and writes the normalised outline of each file as one
// JSON document:
//
//   {"solc": "<version>", "files": {"<path relative to corpus>": Outline}, "errors": {"<path>": ["msg"]}}
//
// The Outline shape is the one bench/crosscheck/main.go compares against our
// parser's solidity.Summarize. Parse-only ASTs carry no semantic annotations,
// so a few values are derived here exactly as solc derives them once it has
// analysed the contract; each such place says so below.
//
// Usage: node solc-outline.js <corpus-dir> <out.json>
'use strict';

const fs = require('fs');
const path = require('path');

// solc comes from bench/.npm, where bench/setup.sh installs the pinned version.
const solc = require(require.resolve('solc', { paths: [path.join(__dirname, '..', '.npm', 'node_modules')] }));

function listSolidityFiles(root) {
  const out = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && entry.name.endsWith('.sol')) out.push(full);
    }
  };
  walk(root);
  return out;
}

// parseOnly returns {ast, errors} for one source; imports are not resolved
// because stopAfter "parsing" never reads them.
function parseOnly(name, content) {
  const input = {
    language: 'Solidity',
    sources: { [name]: { content } },
    settings: { stopAfter: 'parsing', outputSelection: { '*': { '': ['ast'] } } },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors || [])
    .filter((e) => e.severity === 'error')
    .map((e) => (e.formattedMessage || e.message).trim());
  const source = output.sources && output.sources[name];
  return { ast: source ? source.ast : null, errors };
}

function outlineFunction(node, contract) {
  if (node.nodeType === 'ModifierDefinition') {
    // Modifiers have no mutability and invoke no modifiers of their own.
    return { kind: 'modifier', name: node.name, visibility: node.visibility, mutability: 'nonpayable', modifiers: [] };
  }
  const kind = node.kind === 'freeFunction' ? 'function' : node.kind;
  let visibility = node.visibility;
  if (visibility === undefined && kind === 'constructor') {
    // solc only reports a constructor's visibility after analysis, when it
    // knows the contract: internal in an abstract contract, public otherwise.
    visibility = contract && contract.abstract ? 'internal' : 'public';
  }
  return {
    kind,
    name: kind === 'function' || kind === 'modifier' ? node.name : '',
    visibility,
    mutability: node.stateMutability,
    modifiers: (node.modifiers || []).map((m) => m.modifierName.name || (m.modifierName.namePath ?? '')),
  };
}

function outlineStateVariable(node) {
  // Parse-only ASTs report `transient` as a storage location and leave
  // mutability "mutable"; the outline folds it into mutability.
  const mutability = node.storageLocation === 'transient' ? 'transient' : node.mutability;
  return { name: node.name, visibility: node.visibility, mutability };
}

function outlineContract(node) {
  const kind = node.contractKind === 'contract' && node.abstract ? 'abstract' : node.contractKind;
  const c = {
    name: node.name,
    kind,
    bases: (node.baseContracts || []).map((b) => b.baseName.name ?? b.baseName.namePath),
    functions: [],
    stateVariables: [],
    events: [],
    errors: [],
  };
  for (const member of node.nodes || []) {
    switch (member.nodeType) {
      case 'FunctionDefinition':
      case 'ModifierDefinition':
        c.functions.push(outlineFunction(member, node));
        break;
      case 'VariableDeclaration':
        c.stateVariables.push(outlineStateVariable(member));
        break;
      case 'EventDefinition':
        c.events.push(member.name);
        break;
      case 'ErrorDefinition':
        c.errors.push(member.name);
        break;
      default:
        break;
    }
  }
  return c;
}

function outline(ast) {
  const o = { imports: [], contracts: [], freeFunctions: [] };
  for (const node of ast.nodes || []) {
    switch (node.nodeType) {
      case 'ImportDirective':
        o.imports.push(node.file);
        break;
      case 'ContractDefinition':
        o.contracts.push(outlineContract(node));
        break;
      case 'FunctionDefinition':
        o.freeFunctions.push(outlineFunction(node, null));
        break;
      default:
        break;
    }
  }
  return o;
}

function main() {
  const [corpus, outFile] = process.argv.slice(2);
  if (!corpus || !outFile) {
    console.error('usage: node solc-outline.js <corpus-dir> <out.json>');
    process.exit(2);
  }
  const result = { solc: solc.version(), files: {}, errors: {} };
  const files = listSolidityFiles(corpus);
  for (const file of files) {
    const rel = path.relative(corpus, file).split(path.sep).join('/');
    const { ast, errors } = parseOnly(rel, fs.readFileSync(file, 'utf8'));
    if (errors.length > 0 || !ast) {
      result.errors[rel] = errors.length > 0 ? errors : ['solc returned no AST'];
      continue;
    }
    result.files[rel] = outline(ast);
  }
  fs.writeFileSync(outFile, JSON.stringify(result));
  const failed = Object.keys(result.errors).length;
  console.error(`solc-outline: solc ${result.solc}: ${files.length} files, ${failed} with errors -> ${outFile}`);
  process.exit(failed > 0 ? 1 : 0);
}

module.exports = { parseOnly, outline };

if (require.main === module) main();
