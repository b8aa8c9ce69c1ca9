# Convenience targets; scripts/run.sh and scripts/test.sh are the two commands of the README.
#
#   make bench                         # side-by-side benchmarks, writes BENCHMARKS.md (Benchmarks/run.sh)
#   make install DESTDIR=/tmp/stage    # binaries, units, sysusers/tmpfiles, catalog, config, man pages
#   make man                           # regenerate man/ from the --help texts
#   make config-example                # regenerate systemd/webprofiled.toml.example from the settings table
#   make deb                           # Debian package (debian/, Swift runtime linked statically): .build-deb/webprofiled_<version>_<arch>.deb

PREFIX ?= /usr
DESTDIR ?=
CONFIGURATION ?= release
UNITDIR ?= $(PREFIX)/lib/systemd/system
SWIFT_BUILD = swift build -c $(CONFIGURATION)

.PHONY: run test bench build release install man clean config-example deb

run:
	scripts/run.sh

test:
	scripts/test.sh

bench:
	Benchmarks/run.sh

build:
	swift build

release:
	$(SWIFT_BUILD) --product webprofiled
	$(SWIFT_BUILD) --product webprofilectl

install: release
	$(eval BIN := $(shell $(SWIFT_BUILD) --show-bin-path))
	install -D -m 0755 $(BIN)/webprofiled $(DESTDIR)$(PREFIX)/sbin/webprofiled
	install -D -m 0755 $(BIN)/webprofilectl $(DESTDIR)$(PREFIX)/bin/webprofilectl
	install -D -m 0644 systemd/webprofiled.service $(DESTDIR)$(UNITDIR)/webprofiled.service
	install -D -m 0644 systemd/webprofiled.socket $(DESTDIR)$(UNITDIR)/webprofiled.socket
	install -D -m 0644 systemd/webprofiled-operator.socket $(DESTDIR)$(UNITDIR)/webprofiled-operator.socket
	install -D -m 0644 systemd/webprofiled-metrics.service $(DESTDIR)$(UNITDIR)/webprofiled-metrics.service
	install -D -m 0644 systemd/webprofiled-metrics.timer $(DESTDIR)$(UNITDIR)/webprofiled-metrics.timer
	install -D -m 0644 systemd/sysusers.d-webprofiled.conf $(DESTDIR)$(PREFIX)/lib/sysusers.d/webprofiled.conf
	install -D -m 0644 systemd/tmpfiles.d-webprofiled.conf $(DESTDIR)$(PREFIX)/lib/tmpfiles.d/webprofiled.conf
	install -D -m 0644 systemd/webprofiled.catalog $(DESTDIR)$(PREFIX)/lib/systemd/catalog/webprofiled.catalog
	install -D -m 0644 systemd/webprofiled.toml.example $(DESTDIR)$(PREFIX)/share/doc/webprofiled/webprofiled.toml.example
	test -e $(DESTDIR)/etc/webprofiled/webprofiled.toml || install -D -m 0644 systemd/webprofiled.toml.example $(DESTDIR)/etc/webprofiled/webprofiled.toml
	install -D -m 0644 man/webprofiled.8 $(DESTDIR)$(PREFIX)/share/man/man8/webprofiled.8
	install -D -m 0644 man/webprofilectl.1 $(DESTDIR)$(PREFIX)/share/man/man1/webprofilectl.1

config-example:
	swift build --product webprofiled
	: > .build/empty.toml
	{ sed -n 1,3p systemd/webprofiled.toml.example; .build/debug/webprofiled --config .build/empty.toml --print-config | tail -n +2 \
	  | sed 's/^threads = .*/# threads = (the number of cores)/'; } > .build/example.toml
	mv .build/example.toml systemd/webprofiled.toml.example

man:
	mkdir -p man
	swift package --allow-writing-to-package-directory generate-manual --configuration debug --output-directory man
	mv man/webprofiled.1 man/webprofiled.8
	sed -i 's/^\.Dt WEBPROFILED 1$$/.Dt WEBPROFILED 8/' man/webprofiled.8

clean:
	rm -rf .build .state

# dpkg-buildpackage writes everything into .build-deb/ (not ..): the .deb, the -dbgsym .ddeb,
# the .buildinfo and the .changes; SwiftPM builds in .build-deb/swift, kept between runs.
# `lintian .build-deb/webprofiled_*.changes` checks the result.
DEB_OUT = $(CURDIR)/.build-deb
DEB_VERSION = $(shell dpkg-parsechangelog -S Version)
DEB_ARCH = $(shell dpkg-architecture -qDEB_HOST_ARCH)
DEB_BASE = webprofiled_$(DEB_VERSION)_$(DEB_ARCH)

deb:
	mkdir -p $(DEB_OUT)
	WEBPROFILES_KEEP_SWIFT_SCRATCH=1 DEB_DESTDIR=$(DEB_OUT) nice -n 10 dpkg-buildpackage -b --no-sign \
	    --buildinfo-option=-u$(DEB_OUT) --buildinfo-file=$(DEB_OUT)/$(DEB_BASE).buildinfo \
	    --changes-option=-u$(DEB_OUT) --changes-file=$(DEB_OUT)/$(DEB_BASE).changes
	@echo $(DEB_OUT)/$(DEB_BASE).deb
