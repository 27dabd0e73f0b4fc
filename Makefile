# The README's two commands. Both install what is missing, build and run.
.PHONY: run test test-full build deps clean format

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

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	rm -rf build build-asan
