// Package analysis is the semantic model of a Solidity project that the
// detectors work on. Load reads a project (single files, directories,
// Foundry and Hardhat layouts), parses every file in parallel and resolves
// imports; on top of the parsed files it builds contracts with their C3
// linearization, resolved symbols (state variables, functions and their
// overrides, modifiers, events, errors, using-for), a call graph, a
// control-flow graph per function with modifier bodies spliced in, the state
// variables each function reads and writes (transitively through internal
// calls), and the taint of values a caller controls.
//
// The model is deliberately approximate where Solidity's full type checker
// would be needed: it is built for finding security issues quickly, not for
// compiling. Where a name cannot be resolved the model says so (an unknown
// call kind, a nil callee) rather than guessing.
package analysis
