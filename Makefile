# plaincnn — every entry point. Plain pattern rules, no configure step.
#
#   make            library + build/bin/plaincnn
#   make test       build and run every test (GoogleTest suites + CLI script)
#   make train      fetch MNIST if needed, build, train LeNet-5
#   make data       fetch and verify MNIST into data/mnist/
#   make bench      speed table (medians, GFLOP/s, ratios), then the lab's rows
#   make bench-lab  the lab's rows alone: training and one prediction in the page
#   make bench-torch the same cases in PyTorch, if python3-torch is installed
#   make docs       Doxygen API reference + course notes → build/docs/html/
#   make post       the AlexNet post → build/post/alexnet.html
#   make lab        the LeNet-5 lab in the browser → build/lab/index.html (emscripten)
#   make mutate     plant bugs in nn/ and lenet/ one at a time; score the tests (not in CI)
#   make fuzz       every libFuzzer target in tests/fuzz/, FUZZ_S seconds each (default 60)
#   make clean      remove build/
#
# Switches:  SANITIZE=1  AddressSanitizer + UBSan (objects in build/san/)
#            DEBUG=1     -O0 -g + sanitizers        (objects in build/debug/)

CXX      ?= g++
CXXFLAGS ?= -O3 -march=native
WARN     := -std=c++17 -Wall -Wextra -Wpedantic -Werror
# sqrt is never given a negative here, so it need not set errno; without
# -fno-math-errno a loop that calls std::sqrt (Adam's update) cannot
# vectorise. GCC 12.2 (Debian 12) targeting AVX-512, as -march=native does on
# recent x86, miscompiles constants made by its straight-line (SLP)
# vectoriser: float v[8] = {7,7,7,7,0,0,0,0} copied to memory comes out as
# eight 7s (tests/test_toolchain.cpp). The hot loops use nn/fast/simd.hpp's vector
# type and loop vectorisation, not SLP, so it is switched off.
MATH     := -fno-math-errno -fno-tree-slp-vectorize
CPPFLAGS := -I. -MMD -MP
LDLIBS   := -pthread

B := build
ifeq ($(SANITIZE),1)
  B := build/san
  CXXFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
  LDFLAGS  += -fsanitize=address,undefined
endif
ifeq ($(DEBUG),1)
  B := build/debug
  CXXFLAGS := -O0 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
  LDFLAGS  += -fsanitize=address,undefined
endif

# The library: the numerical core, the two front-ends and the file formats.
LIB_SRC  := $(wildcard nn/*.cpp nn/fast/*.cpp lenet/*.cpp lenet/*/*.cpp tools/io/*.cpp)
LIB_OBJ  := $(LIB_SRC:%.cpp=$(B)/obj/%.o)
LIB      := $(B)/libplaincnn.a
# The program's own code: its commands, the post's figures and the benchmarks.
# It is linked into the program and the tests, never into the library.
CLI_SRC  := $(filter-out tools/main.cpp,$(wildcard tools/*.cpp tools/figures/*.cpp tools/bench/*.cpp))
CLI_OBJ  := $(CLI_SRC:%.cpp=$(B)/obj/%.o)
CLI_LIB  := $(B)/libplaincnn_cli.a
BIN      := $(B)/bin/plaincnn
TEST_SRC := $(wildcard tests/test_*.cpp)
TESTS    := $(TEST_SRC:tests/%.cpp=$(B)/tests/%)

GTEST_CFLAGS = $(shell pkg-config --cflags gtest_main 2>/dev/null)
GTEST_LIBS   = $(shell pkg-config --libs gtest_main 2>/dev/null)

.PHONY: all test run-tests check-test-tools check-cxx check-gtest train data bench bench-torch docs post clean mutate
.DELETE_ON_ERROR:
# Keep test objects between runs (they are intermediates of a pattern chain).
.SECONDARY:

all: $(BIN)

$(B)/obj/%.o: %.cpp Makefile | check-cxx
	@mkdir -p $(@D)
	$(CXX) $(WARN) $(MATH) $(CXXFLAGS) $(CPPFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(CLI_LIB): $(CLI_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

# The program's archive first: the linker takes from an archive only what the
# objects before it still need.
$(BIN): $(B)/obj/tools/main.o $(CLI_LIB) $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $(LDFLAGS) $^ -o $@ $(LDLIBS)

$(B)/obj/tests/%.o: tests/%.cpp Makefile | check-gtest
	@mkdir -p $(@D)
	$(CXX) $(WARN) $(MATH) $(CXXFLAGS) $(CPPFLAGS) $(GTEST_CFLAGS) -c $< -o $@

$(B)/tests/%: $(B)/obj/tests/%.o $(CLI_LIB) $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $(LDFLAGS) $^ -o $@ $(GTEST_LIBS) $(LDLIBS)

check-cxx:
	@command -v $(CXX) >/dev/null || { echo "make: $(CXX) not found; install it with: apt-get install -y g++"; exit 1; }

check-gtest:
	@pkg-config --exists gtest_main || { echo "make test: GoogleTest not found; install it with: apt-get install -y libgtest-dev pkg-config"; exit 1; }

# make test first checks every tool the suites need and names, in one line,
# the Debian packages that are missing; only then does it build and run.
test: check-test-tools
	@$(MAKE) --no-print-directory run-tests

run-tests: $(TESTS) $(BIN)
	@bash tests/run_tests.sh $(B)

check-test-tools:
	@missing=""; \
	command -v $(CXX) >/dev/null || missing="$$missing g++"; \
	{ command -v pkg-config >/dev/null && pkg-config --exists gtest_main; } || missing="$$missing libgtest-dev pkg-config"; \
	command -v pandoc >/dev/null || missing="$$missing pandoc"; \
	command -v rsvg-convert >/dev/null || missing="$$missing librsvg2-bin"; \
	[ -z "$$missing" ] || { echo "make test: missing tools; install them with: apt-get install -y$$missing"; exit 1; }

data: data/mnist/.verified

data/mnist/.verified: tools/fetch_mnist.sh tools/mnist.sha256
	@bash tools/fetch_mnist.sh data/mnist

# Each run ends with its test-set accuracy and saves its weights as one .npz
# (entries conv2d/kernel, ...): `plaincnn evaluate --weights build/lenet5_keras.npz`
# reads either file, and so does numpy.load.
train: $(BIN) data
	$(BIN) train --api tf1 --save $(B)/lenet5_tf1.npz
	$(BIN) train --api keras --save $(B)/lenet5_keras.npz

# The bench draws seeded random inputs (it needs no data) and also writes its
# figures to build/bench.json; e.g. make bench BENCH_FLAGS="--only lenet,epoch".
# Then come the lab's rows (make bench-lab, below) unless --only leaves them
# out; "--only lab" runs those alone, "--only lenet,lab" both.
bench: $(BIN)
	@only=$$(printf ' %s' $(BENCH_FLAGS) | sed -n 's/.* --only[= ]\([^ ]*\).*/\1/p'); \
	rest=$$(printf '%s' "$$only" | tr , '\n' | grep -vx lab | paste -sd, -); \
	flags=$$(printf ' %s' $(BENCH_FLAGS) | sed 's/ --only[= ][^ ]*//'); \
	if [ -z "$$only" ] || [ -n "$$rest" ]; then \
	  run="$(BIN) bench --json $(B)/bench.json$$flags$${rest:+ --only $$rest}"; echo "$$run"; $$run || exit 1; \
	fi; \
	case ",$$only," in ,, | *,lab,*) $(MAKE) --no-print-directory bench-lab ;; esac

# The course, C3 and epoch cases in PyTorch, to run beside `make bench` in the
# same session (figures also in build/bench_torch.json). Debian's own python3
# is used: another one on PATH (pyenv, a venv) does not see python3-torch.
bench-torch:
	@/usr/bin/python3 -c 'import torch' 2>/dev/null || \
	  { echo "make bench-torch: PyTorch not found; install it with: apt-get install -y python3-torch"; exit 1; }
	@mkdir -p $(B)
	/usr/bin/python3 tools/bench/bench_torch.py --json $(B)/bench_torch.json $(BENCH_FLAGS)

# Doxygen fails on any warning (docs/Doxyfile). MathJax is copied from Debian's
# libjs-mathjax next to the HTML, and the last line refuses pages that would
# load a script or a style sheet from another host: the notes work offline.
docs:
	@command -v doxygen >/dev/null || { echo "make docs: doxygen not found; install it with: apt-get install -y doxygen"; exit 1; }
	@test -f /usr/share/javascript/mathjax/MathJax.js || { echo "make docs: MathJax not found; install it with: apt-get install -y libjs-mathjax"; exit 1; }
	rm -rf build/docs && mkdir -p build/docs
	doxygen docs/Doxyfile
	mkdir -p build/docs/html/mathjax
	cp -r $(addprefix /usr/share/javascript/mathjax/,MathJax.js config extensions fonts jax localization) build/docs/html/mathjax/
	@! grep -rlE --include='*.html' '<(script|link)[^>]*(src|href)="(https?:)?//' build/docs/html || { echo "make docs: the pages above load a script or style from another host"; exit 1; }
	@echo "make docs: build/docs/html/index.html"

# The LeNet-5 lab (docs/lab/): the same nn/, lenet/keras and tools/io sources
# built to WebAssembly by Debian's emscripten, embedded in one page with the
# weights of `make train` (trained first if missing) and a gzipped MNIST
# subset. lab-pack is its native helper (the subset, the native probabilities
# the browser test compares with, the page assembly). No -Werror here: clang
# is not the compiler the warnings are kept clean for. Debian's emcc needs
# NODE_PATH to find its acorn. No threads: a page opened from a file has no
# SharedArrayBuffer, so the fast passes run on one thread.
LAB_DIR     := $(B)/lab
EMXX        ?= em++
LAB_WEIGHTS ?= build/lenet5_keras.npz
LAB_TRAIN   := 6000
LAB_TEST    := 1000
LAB_CXX     := -std=c++17 -Wall -Wextra -O3 -msimd128 -fwasm-exceptions -fno-math-errno
LAB_LINK    := -sSINGLE_FILE=1 -sMODULARIZE=1 -sEXPORT_NAME=createLab -sALLOW_MEMORY_GROWTH=1 \
               -sFORCE_FILESYSTEM=1 -sEXPORTED_RUNTIME_METHODS=FS,ccall,UTF8ToString -sENVIRONMENT=web
LAB_SRC     := $(wildcard nn/*.cpp nn/fast/*.cpp lenet/keras/*.cpp tools/io/*.cpp) lenet/lenet5_keras.cpp docs/lab/lab.cpp
LAB_OBJ     := $(LAB_SRC:%.cpp=$(LAB_DIR)/obj/%.o)
LAB_PACK    := $(B)/bin/lab-pack

.PHONY: lab lab-weights check-emcc
lab: $(LAB_DIR)/index.html $(LAB_DIR)/native.json
	@echo "make lab: $(LAB_DIR)/index.html (open it in a browser; it needs no server)"

check-emcc:
	@command -v $(EMXX) >/dev/null || { echo "make lab: $(EMXX) not found; install it with: apt-get install -y emscripten"; exit 1; }

$(LAB_DIR)/obj/%.o: %.cpp Makefile | check-emcc
	@mkdir -p $(@D)
	NODE_PATH=/usr/share/nodejs $(EMXX) $(LAB_CXX) -I. -MMD -MP -c $< -o $@

$(LAB_DIR)/lab_wasm.js: $(LAB_OBJ)
	NODE_PATH=/usr/share/nodejs $(EMXX) $(LAB_CXX) $(LAB_LINK) $^ -o $@

$(LAB_PACK): $(B)/obj/docs/lab/pack.o $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $(LDFLAGS) $^ -o $@ $(LDLIBS)

lab-weights: $(BIN) data
	@test -f $(LAB_WEIGHTS) || $(BIN) train --api keras --save $(LAB_WEIGHTS)

$(LAB_DIR)/subset.bin.gz: $(LAB_PACK) | data
	@mkdir -p $(@D)
	$(LAB_PACK) subset --data data/mnist --train $(LAB_TRAIN) --test $(LAB_TEST) --out $(LAB_DIR)/subset.bin
	gzip -9 -n -c $(LAB_DIR)/subset.bin > $@.tmp && mv $@.tmp $@ && rm $(LAB_DIR)/subset.bin

$(LAB_DIR)/native.json: $(LAB_PACK) $(wildcard $(LAB_WEIGHTS)) | lab-weights
	$(LAB_PACK) native --data data/mnist --weights $(LAB_WEIGHTS) --count 100 --out $@

$(LAB_DIR)/index.html: docs/lab/index.html docs/lab/lab.css docs/lab/lab.js $(LAB_DIR)/lab_wasm.js \
                       $(LAB_DIR)/subset.bin.gz $(LAB_PACK) $(wildcard $(LAB_WEIGHTS)) | lab-weights
	$(LAB_PACK) page --template docs/lab/index.html --style docs/lab/lab.css --script docs/lab/lab.js \
	  --wasm $(LAB_DIR)/lab_wasm.js --weights $(LAB_WEIGHTS) --subset $(LAB_DIR)/subset.bin.gz \
	  --train $(LAB_TRAIN) --test $(LAB_TEST) --out $@

# The lab's speed (tests/lab_bench.js, figures also in build/bench_lab.json):
# BENCH_LAB_ROUNDS rounds of one training epoch in the page, then the same
# epoch natively (lab-pack speed), and one prediction with every map; medians
# over the rounds, the page's images/s beside the native ones. Without
# emscripten, Chromium or Node it prints one line and succeeds, so that
# make bench does too.
BENCH_LAB_ROUNDS ?= 5
.PHONY: bench-lab run-bench-lab
bench-lab:
	@missing=""; \
	command -v $(EMXX) >/dev/null || missing="$$missing emscripten"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v node >/dev/null || missing="$$missing nodejs"; \
	if [ -n "$$missing" ]; then echo "bench: lab rows skipped: install$$missing"; \
	else $(MAKE) --no-print-directory run-bench-lab; fi

run-bench-lab: $(LAB_DIR)/index.html $(LAB_PACK) data
	node tests/lab_bench.js $(LAB_DIR)/index.html $(LAB_PACK) data/mnist --rounds $(BENCH_LAB_ROUNDS) --json $(B)/bench_lab.json

# ---- fuzzing: every reader and parser under libFuzzer with ASan and UBSan ----
#
# Each tests/fuzz/fuzz_<name>.cpp defines LLVMFuzzerTestOneInput and is found
# by the wildcard below: adding a harness is adding that file and its seeds in
# tests/fixtures/fuzz/<name>/. The library (nn/, lenet/, tools/io/) and
# tools/args.cpp are compiled once more with Debian's clang and the
# sanitizers (objects in build/fuzz/obj/); each target runs FUZZ_S seconds
# from its seeds plus what earlier runs found (build/fuzz/corpus/<name>/). A
# finding stops make with the input saved as build/fuzz/<name>-crash-...: make
# it a fixture and a regression test. -malloc_limit_mb makes one allocation
# above 512 MB a finding and -timeout one input slower than 10 s.
FUZZ_S       ?= 60
FUZZ_CXX     ?= clang++
FUZZ_FLAGS   := -std=c++17 -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz_*.cpp)
FUZZ_BIN     := $(FUZZ_SRC:tests/fuzz/%.cpp=build/fuzz/%)
FUZZ_LIB_SRC := $(LIB_SRC) tools/args.cpp
FUZZ_LIB_OBJ := $(FUZZ_LIB_SRC:%.cpp=build/fuzz/obj/%.o)

.PHONY: fuzz fuzz-build check-fuzz

fuzz: fuzz-build
	@set -e; for t in $(FUZZ_BIN); do \
	  name=$${t##*/fuzz_}; corpus=build/fuzz/corpus/$$name; mkdir -p $$corpus; \
	  $$t -max_total_time=$(FUZZ_S) -timeout=10 -malloc_limit_mb=512 -print_final_stats=1 \
	    -artifact_prefix=build/fuzz/$$name- $$corpus tests/fixtures/fuzz/$$name >build/fuzz/$$name.log 2>&1 \
	    || { tail -40 build/fuzz/$$name.log; echo "make fuzz: $$name found a problem; see build/fuzz/$$name.log"; exit 1; }; \
	  echo "make fuzz: $$name: $$(sed -n 's/^stat::number_of_executed_units: *//p' build/fuzz/$$name.log) executions in $(FUZZ_S) s, no finding"; \
	done

fuzz-build: check-fuzz $(FUZZ_BIN)

check-fuzz:
	@command -v $(FUZZ_CXX) >/dev/null || { echo "make fuzz: $(FUZZ_CXX) not found; install it with: apt-get install -y clang libclang-rt-14-dev"; exit 1; }
	@echo 'extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long) { return 0; }' | \
	  $(FUZZ_CXX) -x c++ -fsanitize=fuzzer - -o /dev/null 2>/dev/null || \
	  { echo "make fuzz: libFuzzer not found; install it with: apt-get install -y libclang-rt-14-dev"; exit 1; }

build/fuzz/obj/%.o: %.cpp Makefile | check-fuzz
	@mkdir -p $(@D)
	$(FUZZ_CXX) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(CPPFLAGS) -c $< -o $@

build/fuzz/libplaincnn_fuzz.a: $(FUZZ_LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

build/fuzz/fuzz_%: build/fuzz/obj/tests/fuzz/fuzz_%.o build/fuzz/libplaincnn_fuzz.a
	$(FUZZ_CXX) $(FUZZ_FLAGS) -fsanitize=fuzzer $^ -o $@ $(LDLIBS)

-include paper-summary/figures.mk

# Mutation testing (tests/mutate.py): MUTATE_SEED picks the sites, MUTATE_N
# (default 20) how many mutants, MUTATE_TIMEOUT the seconds per mutant. It
# builds the tree first, then works on a copy in build/mutate/, niced.
mutate: $(TESTS) $(BIN)
	@command -v python3 >/dev/null || { echo "make mutate: python3 not found; install it with: apt-get install -y python3"; exit 1; }
	nice -n 10 python3 tests/mutate.py


clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(LAB_OBJ:.o=.d) $(B)/obj/docs/lab/pack.d $(B)/obj/tools/main.d \
         $(TEST_SRC:tests/%.cpp=$(B)/obj/tests/%.d) $(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_SRC:tests/fuzz/%.cpp=build/fuzz/obj/tests/fuzz/%.d)
