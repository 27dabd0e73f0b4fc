# The README's two commands. Both install what is missing, build and run.
.PHONY: run test test-full build deps clean format fuzz

deps:
	@bash scripts/install_deps.sh

build: deps
	@cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build build -j $$(nproc) --target euc

# The main job: compile the bundled person_detect model.
run: build
	./build/bin/euc models/person_detect.tflite

# Every test: unit, end-to-end, sanitizer build and fuzzers.
test: deps
	@bash scripts/run_tests.sh

# The whole end-to-end matrix: every accelerator for the large models too.
test-full: deps
	@EUC_FULL_MATRIX=1 bash scripts/run_tests.sh

# Random-graph differential fuzzing for SECONDS seconds (graph_fuzz): every failing graph, its
# minimised version and a note on what failed land in FUZZ_OUT. A new FUZZ_SEED each run.
SECONDS ?= 600
FUZZ_OUT ?= build/fuzz-failures
FUZZ_SEED ?= $(shell date +%s)
fuzz: deps
	@cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build build -j $$(nproc) --target graph_fuzz
	./build/bin/graph_fuzz --seconds $(SECONDS) --seed $(FUZZ_SEED) --out $(FUZZ_OUT) --minimise

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	rm -rf build build-asan
