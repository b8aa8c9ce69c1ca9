# Convenience targets; the scripts are the source of truth (see README.md).
.PHONY: run test build release clean

run:
	scripts/run.sh

test:
	scripts/test.sh

build:
	swift build

release:
	swift build -c release

clean:
	rm -rf .build .state
