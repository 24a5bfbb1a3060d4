# The two commands a newcomer needs:
#   make demo   installs what is missing, builds, and stylises the bundled sample
#   make test   installs what is missing, builds, and runs the whole test suite
# Both are idempotent and quick when everything is in place.

SWIFT ?= swift
BIN = .build/release/stylize-video
SAMPLE_CLIP = samples/clip.mp4
SAMPLE_STYLE = samples/style.png

.PHONY: demo test deps weights build samples bench clean

deps:
	@bash scripts/install-deps.sh

weights: deps
	@bash scripts/fetch-weights.sh >/dev/null

build: deps
	$(SWIFT) build -c release

samples: build
	@bash scripts/make-samples.sh

# About 2 minutes on 2 cores: the first second of the clip (24 frames, with its audio) at
# 192x108. Drop --preview and --size for the whole clip at its own 384x216 (much longer).
DEMO_OUT = samples/clip-stylized.mp4
demo: weights samples
	$(BIN) $(SAMPLE_CLIP) --style $(SAMPLE_STYLE) -o $(DEMO_OUT) --overwrite \
	  --preview 24 --size 192
	@echo "Result: $(DEMO_OUT)"

# --no-parallel: the engine sets OpenBLAS's process-wide thread count around its Winograd
# products, so engines in tests running side by side disturb each other's results.
test: weights
	$(SWIFT) test -c release --disable-xctest --no-parallel

bench: weights build
	$(BIN) bench

clean:
	rm -rf .build
