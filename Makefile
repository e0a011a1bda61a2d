# Orderbrug. `make run` builds and starts the app; `make test` runs what CI
# runs (see .ci/run). Run `.ci/setup` (or `.ci/setup test`) once first.
GO ?= .ci/go
BIN ?= orderbrug
DATA ?=

.PHONY: build run test check bench fuzz release package package-windows screenshots clean

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

# The Windows package in dist/ (orderbrug.exe, orderbrug-cli.exe, LEESMIJ.txt and a zip),
# cross-built with mingw, then checked; signed when ORDERBRUG_SIGN_PFX is set. See
# .ci/package-windows (also: .ci/package-windows --check [ZIP]).
package-windows:
	GO=$(GO) .ci/package-windows

clean:
	rm -f $(BIN) *.tar.xz
	rm -rf dist
