# Analysis engine: the parser cross-check against solc-js, the parser fuzz
# target and the side-by-side benchmarks with the npm peers (bench/).
# Included by the main Makefile; recipes run from the repository root.

GO ?= go
FUZZTIME ?= 30s
# The corpus bench/setup.sh installs from npm; never committed.
ANALYSIS_CORPUS := bench/.npm/node_modules/@openzeppelin/contracts
ANALYSIS_SOLC_OUTLINES := bench/.npm/solc-outlines.json

.PHONY: bench-analysis crosscheck fuzz

bench-analysis: ## parser and scanner throughput side by side with @solidity-parser/parser, solc-js and solhint
	bash bench/run.sh

crosscheck: ## compare our parser with solc-js on the OpenZeppelin corpus (every mismatch printed)
	bash bench/setup.sh
	node bench/crosscheck/solc-outline.js $(ANALYSIS_CORPUS) $(ANALYSIS_SOLC_OUTLINES)
	bash bench/gorun.sh crosscheck -corpus $(ANALYSIS_CORPUS) -solc $(ANALYSIS_SOLC_OUTLINES)

fuzz: ## fuzz the Solidity parser for FUZZTIME (default 30s); it must never panic
	$(GO) test ./services/internal/solidity -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME)
