// Package solidity is a hand-written lexer and error-tolerant
// recursive-descent parser for Solidity 0.4.x to 0.8.x, including inline
// assembly parsed into Yul nodes. It uses only the standard library.
//
// Parse returns a typed AST (SourceUnit) and every syntax error in source
// order; it never panics and keeps every declaration that parsed, so one
// broken function does not hide the rest of a file from analysis.
//
// Positions: every node has a Span of byte offsets with 1-based line and
// column (columns count bytes). Spans follow solc's "src" conventions so
// results can be compared with solc output: a statement or variable
// declaration ends before its ';', a compound statement ends with its body,
// and the SourceUnit runs from its first token to the end of the file.
//
// Design choices:
//   - The lexer tokenises the whole file up front into a flat slice of
//     offsets; names in the AST are substrings of a single string copy of
//     the source, so there is no allocation per token or per identifier.
//   - Contextual keywords (from, error, revert, global, transient, layout,
//     receive, fallback, and all Yul keywords) stay identifiers and are
//     recognised by position, because real code uses them as names.
//   - Where the grammar is ambiguous (`a.b[2] x;` versus `a.b[2] = x;`) the
//     parser reads an expression and reinterprets it as a type when a name
//     follows; tuple declarations are tried speculatively and rewound.
//   - Recovery: a missing ';' is reported and assumed; otherwise the parser
//     skips to the next ';', '}' or declaration keyword at the same brace
//     depth. A function body that runs into `function`, `contract` etc. is
//     closed there, so a forgotten '}' costs one error, not the rest of the
//     file. Errors at or before the last reported offset are suppressed to
//     avoid cascades, and at most maxErrors (200) are kept per file. Nesting
//     deeper than maxDepth (1000) is reported and the statement skipped.
//
// Node JSON (encoding/json) carries "kind" (the Go type name, close to
// solc's nodeType) and "src" on every node. Walk and Inspect traverse every
// node in source order, Yul included. Summarize produces the Outline used to
// cross-check this parser against solc.
package solidity
