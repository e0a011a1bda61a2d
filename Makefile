# Orderbrug. `make run` builds and starts the app; `make test` runs what CI
# runs (see .ci/run). Run `.ci/setup` (or `.ci/setup test`) once first.
GO ?= .ci/go
BIN ?= orderbrug
DATA ?=

.PHONY: build run test check bench fuzz release package screenshots clean

build:
	$(GO) build -o $(BIN) .

run: build
	./$(BIN) $(if $(DATA),--data-dir $(DATA))

# Everything CI runs, on this machine.
test:
	.ci/run

# Quick loop while developing: vet and tests without -race.
check:
	$(GO) vet ./...
	$(GO) test ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./sync/... ./app/... ./ui/...

fuzz:
	ORDERBRUG_FUZZTIME=60s .ci/run

# A smaller binary without debug information.
release:
	$(GO) build -trimpath -ldflags '-s -w' -o $(BIN) .

# A Linux desktop package (tar.xz with .desktop file and icon), via fyne.io/tools.
package:
	$(GO) install fyne.io/tools/cmd/fyne@v1.7.4
	PATH="$$($(GO) env GOPATH)/bin:$$PATH" GOTOOLCHAIN=go1.26.11 fyne package -os linux -release

clean:
	rm -f $(BIN) *.tar.xz
