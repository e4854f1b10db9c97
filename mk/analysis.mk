# Analysis engine: the parser cross-check against solc-js, the parser fuzz
# target and the side-by-side benchmarks with the npm peers (bench/).
# Included by the main Makefile; recipes run from the repository root.

GO ?= go
FUZZTIME ?= 30s
# The corpus bench/setup.sh installs from npm; never committed.
ANALYSIS_CORPUS := bench/.npm/node_modules/@openzeppelin/contracts
ANALYSIS_SOLC_OUTLINES := bench/.npm/solc-outlines.json
# Our own fixture of constructs the corpus lacks (transient storage, free
# functions, user-defined operators, ...), cross-checked the same way.
ANALYSIS_FIXTURE_OUTLINES := bench/.npm/solc-outlines-fixture.json

.PHONY: bench-analysis crosscheck fuzz

bench-analysis: ## parser and scanner throughput side by side with @solidity-parser/parser, solc-js and solhint
	bash bench/run.sh

crosscheck: ## compare our parser with solc-js on the OpenZeppelin corpus (every mismatch printed)
	bash bench/setup.sh
	node --test bench/crosscheck/solc-outline.test.js
	node bench/crosscheck/solc-outline.js bench/crosscheck/testdata $(ANALYSIS_FIXTURE_OUTLINES)
	bash bench/gorun.sh crosscheck -corpus bench/crosscheck/testdata -solc $(ANALYSIS_FIXTURE_OUTLINES)
	node bench/crosscheck/solc-outline.js $(ANALYSIS_CORPUS) $(ANALYSIS_SOLC_OUTLINES)
	bash bench/gorun.sh crosscheck -corpus $(ANALYSIS_CORPUS) -solc $(ANALYSIS_SOLC_OUTLINES)

fuzz: ## fuzz the Solidity parser for FUZZTIME (default 30s); it must never panic
	$(GO) test ./services/internal/solidity -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME)
