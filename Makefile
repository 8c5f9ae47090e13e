# The two set-up commands a newcomer runs are `make demo` and `make test`;
# both install what they need (into $(TOOLS_DIR), offline-safe and cached).
TOOLS_DIR ?= $(CURDIR)/.tools
export PLUMB_TOOLS_DIR := $(abspath $(TOOLS_DIR))
GO ?= go
# A count, not a duration: see scripts/fuzz.sh (golang/go#75804).
FUZZTIME ?= 3000x

.PHONY: all build tools test check unit fuzz demo dashboard bench clean

all: build

build:
	$(GO) build -o bin/plumb ./cmd/plumb

# tools: OpenTofu, Terraform, providers, the filesystem mirror and env.sh.
tools:
	scripts/tools.sh

check:
	scripts/check.sh

# Every test runs under the race detector, and so does the plumb binary the
# end-to-end tests start (queue workers, jobs, locks and the runner share it).
# cmd/plumb's end-to-end tests run real engines, PostgreSQL, MinIO and
# Chromium: on a loaded 2-core machine they outlast go test's default
# 10-minute limit per package.
unit: tools
	PLUMB_E2E_RACE=1 $(GO) test -race -timeout 25m ./...

fuzz: tools
	FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

test: check unit fuzz

# demo keeps its data in .demo/ (replaced by the next run) for make dashboard.
demo: tools build
	scripts/demo.sh

# dashboard: bin/plumb serve on make demo's data, with the GitHub test server
# (internal/githubdemo) for the login, until Ctrl-C (prints the URL and logins).
dashboard: build
	$(GO) build -o bin/githubdemo ./internal/githubdemo
	scripts/dashboard.sh

bench: tools build
	scripts/bench.sh

clean:
	rm -rf bin
