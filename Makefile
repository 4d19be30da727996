# scoutgraph developer commands. The README names `make demo` and `make test`.

GRAPHIQL_SRC := $(wildcard graphiql/web/src/*) graphiql/web/build.mjs graphiql/web/package-lock.json

.PHONY: demo test deps graphiql generate check bench load docker

## demo: build the GraphiQL bundle and the binary, then run the gateway on the built-in
## FreeScout emulator. The recipe execs the binary (not `go run`, whose child would outlive
## a make stopped by its PID): make passes its signals to the gateway itself.
demo: graphiql
	go build -o bin/scoutgraph .
	exec ./bin/scoutgraph --demo

## test: install what the tests need when missing, then run every test (go test -race ./...)
## through gotestsum: a line per package, the output of each failed test, every skipped and
## failed test again at the end, then the counts (.ci/test-counts.sh). Fails when a test fails.
test: deps
	@mkdir -p bin
	go tool gotestsum --format pkgname-and-test-fails --format-hide-empty-pkg \
		--jsonfile-timing-events bin/test-events.json --post-run-command 'sh .ci/test-counts.sh' \
		-- -race ./...

## deps: Debian's chromium, the e2e npm packages and the GraphiQL bundle
deps: graphiql
	sh e2e/install.sh

## graphiql: build GraphiQL (pinned npm packages) into graphiql/dist for go:embed
graphiql: graphiql/dist/index.js

graphiql/dist/index.js: $(GRAPHIQL_SRC)
	cd graphiql/web && npm ci --no-audit --no-fund && npm run build

## generate: regenerate gqlgen's code after a schema change, then the inline writers
## built from gqlgen's codegen data (graph/internal/inlinegen)
generate:
	go tool gqlgen generate
	go run ./graph/internal/inlinegen

## check: formatting, vet, and generated code up to date
check:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	go vet ./...
	@gen="graph/generated.go graph/inline_gen.go graph/model/models_gen.go graph/*.resolvers.go go.mod go.sum"; \
	before=$$(cat $$gen | sha256sum); \
	go tool gqlgen generate; \
	go run ./graph/internal/inlinegen || exit 1; \
	after=$$(cat $$gen | sha256sum); \
	if [ "$$before" != "$$after" ]; then git diff --stat; echo "generated code is stale: run make generate and commit"; exit 1; fi
	@echo "check: gofmt, vet and generated code ok"

## bench: the upstream-traffic benchmark (20 ms injected latency, 50 runs per query)
bench:
	go run ./bench

## load: requests/s and gateway CPU per request of the warm inbox under wrk (installed with apt-get
## when missing), on the emulator without latency; BEFORE_BIN=/path/to/old/scoutgraph compares an
## older build with this tree's in the same run (bench/load.sh has the settings)
load:
	bash bench/load.sh

## docker: build the container image
docker:
	docker build -t scoutgraph .
