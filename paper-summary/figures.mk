# make post: the AlexNet post (course task 6), included by the Makefile.
#
#   build/post/alexnet.html      one self-contained page
#   build/post/medium/           Markdown and PNG figures for Medium / LinkedIn
#   build/post-cache/            cached experiment results, per build of plaincnn
#                                (a warm run takes seconds; changed code runs afresh)
#
# paper-summary/render.sh runs one `plaincnn figures NAME` per figure
# (architecture, examples, relu-tanh, kernels, ablation), converts the SVGs to
# PNG with rsvg-convert, and runs pandoc twice. It builds into a temporary
# folder and swaps it in at the end, so a failure leaves build/post/ as it was.
# POST_FLAGS=--quick gives tiny runs on synthetic data (what the tests use).

POST_OUT   ?= build/post
POST_CACHE ?= build/post-cache
POST_FLAGS ?=

.PHONY: check-post-tools

check-post-tools:
	@command -v pandoc >/dev/null || { echo "make post: pandoc not found; install it with: apt-get install -y pandoc"; exit 1; }
	@command -v rsvg-convert >/dev/null || { echo "make post: rsvg-convert not found; install it with: apt-get install -y librsvg2-bin"; exit 1; }

post: check-post-tools $(BIN) data
	@bash paper-summary/render.sh --plaincnn $(BIN) --out $(POST_OUT) --cache $(POST_CACHE) --data data/mnist $(POST_FLAGS)
