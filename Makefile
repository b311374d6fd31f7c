# warden: BPF LSM policy enforcer. See README.md.
#
#   make              build build/warden (and the e2e helpers)
#   make deps         install the Debian packages the build and tests need
#   make test         unit tests, then the e2e suite in VMs on 5.10, 6.1 and 6.12
#   make demo         build, then show a real denial and its event in a VM
#   make unit         unit tests only (no root, no VM)
#   make fuzz         fuzz the policy parser and compiler (FUZZ_SECONDS per target, default 60)
#   make e2e KERNELS="6.1"   e2e suite on some kernels only
#   make bench        cost per open+close in a VM with an instruction-counting clock
#   make format / format-check
#   make SANITIZE=1   build userspace and unit tests with ASan and UBSan
#   make install      /usr/local/bin/warden, its man pages, bash completion and the systemd unit

CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
BUILD := build
KERNELS ?= 5.10 6.1 6.12

WARNINGS := -Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 $(WARNINGS) -I$(BUILD) -Iuserspace
ifeq ($(SANITIZE),1)
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif
LIBS := -lbpf -lelf -lz -lyaml

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Ivmlinux -Ibpf $(BPF_VARIANT)
BPF_OBJS := file cgroup net proc guard probe
BPF_HEADERS := $(wildcard bpf/*.h)

POLICY_SRCS := userspace/policy/parse.c userspace/policy/compile.c userspace/policy/dfa.c \
	userspace/policy/trie.c userspace/policy/diag.c \
	userspace/policy/ruleset.c userspace/policy/decide.c \
	userspace/policy/cgpattern.c
USER_SRCS := $(wildcard userspace/*.c) $(POLICY_SRCS)
USER_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(USER_SRCS))
# The candidate build of the deciding programs (bpf/decide.bpf.h: WARDEN_CANDIDATE).
CAND_OBJS := file net proc guard
SKELS := $(patsubst %,$(BUILD)/%.skel.h,$(BPF_OBJS)) $(patsubst %,$(BUILD)/cand_%.skel.h,$(CAND_OBJS))

UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
E2E_HELPERS := $(BUILD)/tests/wtry $(BUILD)/tests/wnet $(BUILD)/tests/wbench \
	$(BUILD)/tests/warden-next $(BUILD)/tests/wproc $(BUILD)/tests/wattr \
	$(BUILD)/tests/wtry-execstack

.PHONY: all deps test unit fuzz e2e demo bench format format-check clean install deb deb-check \
	image image-check FORCE
all: $(BUILD)/warden $(E2E_HELPERS)

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(BPF_HEADERS) vmlinux/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(BPFTOOL) gen skeleton $< name warden_$*_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/cand/bpf/%.bpf.o: bpf/%.bpf.c $(BPF_HEADERS) vmlinux/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -DWARDEN_CANDIDATE -c $< -o $@

$(BUILD)/cand_%.skel.h: $(BUILD)/cand/bpf/%.bpf.o
	$(BPFTOOL) gen skeleton $< name warden_cand_$*_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/userspace/%.o: userspace/%.c $(wildcard userspace/*.h userspace/policy/*.h) bpf/abi.h $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

# The version is git describe's (a fresh clone without tags: the commit), kept in a header that
# is rewritten only when it changes.
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo unknown)
$(BUILD)/version.h: FORCE
	@mkdir -p $(@D)
	@echo '#define WARDEN_VERSION "$(VERSION)"' > $@.tmp
	@cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@
# The identity of this build's programs (loader.c: an upgrade replaces programs of another
# build), hashed here rather than at every start-up: the objects are megabytes.
PROGRAM_OBJS := $(patsubst %,$(BUILD)/bpf/%.bpf.o,file cgroup net proc guard)
$(BUILD)/programs_id.h: $(PROGRAM_OBJS)
	@echo "#define WARDEN_PROGRAMS_ID 0x$$(cat $^ | sha256sum | cut -c1-16)ULL" > $@.tmp
	@mv $@.tmp $@
$(BUILD)/userspace/loader.o: $(BUILD)/programs_id.h
$(BUILD)/userspace/main.o: $(BUILD)/version.h
$(BUILD)/userspace/metrics.o: $(BUILD)/version.h
FORCE:

$(BUILD)/warden: $(USER_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# Unit tests link the policy code (no libbpf, no syscalls beyond reading files).
$(BUILD)/tests/test_%: tests/unit/test_%.c $(patsubst %.c,$(BUILD)/%.o,$(POLICY_SRCS) userspace/output.c)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) -lcmocka -lyaml

# warden learn's generator is tested with the policy code it writes for.
$(BUILD)/tests/test_learn: $(BUILD)/userspace/learn.o
# the daemon's metrics text and --metrics ADDR:PORT
$(BUILD)/tests/test_metrics: $(BUILD)/userspace/metrics_render.o

# Allocation failures: the policy code and libyaml (its static library, so that its calls are
# wrapped too) allocate through test_alloc.c's wrappers, which fail the allocations it chooses.
$(BUILD)/tests/test_alloc: private LDFLAGS += \
	-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=vasprintf,--wrap=free \
	-Wl,--wrap=yaml_parser_load \
	-l:libyaml.a

# The upgrade test's "new build": the same warden whose BPF programs differ (WARDEN_VARIANT).
$(BUILD)/tests/warden-next: $(USER_SRCS) $(wildcard userspace/*.h userspace/policy/*.h bpf/*)
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/next BPF_VARIANT=-DWARDEN_VARIANT=2 \
		$(BUILD)/next/warden
	@mkdir -p $(@D)
	cp $(BUILD)/next/warden $@

# Fuzz targets (libFuzzer, clang): the policy code built again with ASan and UBSan, every
# report fatal. One binary per tests/fuzz/*.c, its seed corpus in tests/fuzz/corpus/NAME/.
FUZZ_CC ?= clang
FUZZ_CFLAGS := -g -O1 -std=gnu11 $(WARNINGS) -Iuserspace -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_SECONDS ?= 60
FUZZ_TEST_SECONDS ?= 5
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/*.c))
FUZZ_OBJS := $(patsubst userspace/policy/%.c,$(BUILD)/fuzz/obj/%.o,$(POLICY_SRCS))
.SECONDARY: $(FUZZ_OBJS)

$(BUILD)/fuzz/obj/%.o: userspace/policy/%.c userspace/policy/policy.h bpf/abi.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_COVERAGE) -c $< -o $@

# The automaton's set loops compare bits millions of times per input: tracing those comparisons
# (which guides the fuzzer through parsers) only slows it down threefold there.
$(BUILD)/fuzz/obj/dfa.o: FUZZ_COVERAGE := -fno-sanitize-coverage=trace-cmp

$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_OBJS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ -lyaml

$(BUILD)/tests/%: tests/e2e/%.c tests/e2e/wcgroup.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS) -lpthread

# wtry with PT_GNU_STACK asking for an executable stack (exec_memory's exec-time case)
$(BUILD)/tests/wtry-execstack: tests/e2e/wtry.c tests/e2e/wcgroup.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -z execstack -o $@ $< $(LDFLAGS) -lpthread

deps:
	@tests/deps

unit: $(UNIT_TESTS)
	@tests/run-unit $(UNIT_TESTS)

fuzz: $(FUZZ_TARGETS)
	@tests/run-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

e2e: all
	@tests/run-e2e $(KERNELS)

test: deps
	@$(MAKE) --no-print-directory -j$(shell nproc) all $(UNIT_TESTS) $(FUZZ_TARGETS)
	@FUZZ_SECONDS=$(FUZZ_TEST_SECONDS) tests/run-all $(KERNELS)

demo: deps
	@$(MAKE) --no-print-directory all
	@tests/vm/run -- tests/demo

# Cost per open, in a VM whose clock counts instructions (a denial flood first, in a boot of
# two CPUs; then the first table on each of BENCH_OTHER, a boot each); writes
# docs/performance.md.
BENCH_OTHER ?= 5.10 6.12
bench: deps
	@tests/deps bench
	@$(MAKE) --no-print-directory all
	@rm -f $(BUILD)/bench-flood.md $(BUILD)/bench-table-*.md
	@tests/vm/run --kernel $(or $(BENCH_KERNEL),6.1) --smp 2 \
		-- env WARDEN_BENCH_FLOOD=$(abspath $(BUILD))/bench-flood.md tests/bench
	@for k in $(BENCH_OTHER); do \
		WARDEN_VM_TIMEOUT=5400 tests/vm/run --kernel $$k --smp 1 --icount -- \
			env WARDEN_BENCH_TABLE=$(abspath $(BUILD))/bench-table-$$k.md tests/bench || exit 1; \
	done
	@WARDEN_VM_TIMEOUT=5400 tests/vm/run --kernel $(or $(BENCH_KERNEL),6.1) --smp 1 --icount \
		-- tests/bench

FORMAT_SRCS = $(shell git ls-files '*.c' '*.h' | grep -v '^vmlinux/')
format:
	clang-format -i $(FORMAT_SRCS)

format-check:
	@clang-format --dry-run --Werror $(FORMAT_SRCS) && echo "format: ok"

PREFIX ?= /usr/local
UNITDIR ?= /etc/systemd/system
install: $(BUILD)/warden
	install -D -m 0755 $(BUILD)/warden $(DESTDIR)$(PREFIX)/bin/warden
	install -d -m 0755 $(DESTDIR)$(UNITDIR)
	sed 's|/usr/local/bin/warden|$(PREFIX)/bin/warden|' userspace/systemd/warden.service \
		> $(DESTDIR)$(UNITDIR)/warden.service
	install -d -m 0755 $(DESTDIR)/etc/warden/policies
	install -D -m 0644 docs/man/warden.8 $(DESTDIR)$(PREFIX)/share/man/man8/warden.8
	install -D -m 0644 docs/man/warden-policy.5 $(DESTDIR)$(PREFIX)/share/man/man5/warden-policy.5
	install -D -m 0644 userspace/completion/warden \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/warden

# A Debian package of the committed tree (debhelper, debian/): build/deb/warden_VERSION_amd64.deb,
# VERSION from git describe (a tag v1.2 three commits on: 1.2+3.gHASH; no tag: 0~gitDATE.HASH),
# checked by lintian.
DEB_VERSION = $(shell v=$$(git describe --tags 2>/dev/null) && echo "$${v\#v}" | \
	sed 's/-\([0-9]*\)-g/+\1.g/' || echo "0~git$$(git log -1 --format=%cd \
	--date=format:%Y%m%d%H%M%S).$$(git rev-parse --short HEAD)")
deb:
	@tests/deps deb
	rm -rf $(BUILD)/deb && mkdir -p $(BUILD)/deb/src
	git archive HEAD | tar -x -C $(BUILD)/deb/src
	printf 'warden (%s) unstable; urgency=medium\n\n  * Built from git %s.\n\n -- %s  %s\n' \
		"$(DEB_VERSION)" "$(VERSION)" "warden developers <warden@users.noreply.github.com>" "$$(date -R)" \
		> $(BUILD)/deb/src/debian/changelog
	cd $(BUILD)/deb/src && DEB_BUILD_OPTIONS=noddebs dpkg-buildpackage -b -us -uc
	lintian --fail-on error $(BUILD)/deb/warden_*_amd64.deb
	@ls $(BUILD)/deb/warden_*_amd64.deb

# The package installed in the VM (KERNEL, default 6.1): systemd-analyze verify, doctor, the
# daemon enforcing from /etc/warden/policies, removal (tests/deb/check).
deb-check: deb $(BUILD)/tests/wtry
	tests/vm/run --kernel $(or $(KERNEL),6.1) -- tests/deb/check $$(ls $(BUILD)/deb/warden_*_amd64.deb)

# The container image (deploy/image/build): $(BUILD)/image/warden.tar, an OCI archive of
# localhost/warden:VERSION built from the package and Debian's, no base image pulled.
image: deb
	@tests/deps image
	@mkdir -p $(BUILD)/image
	deploy/image/build $$(ls $(BUILD)/deb/warden_*_amd64.deb) $(BUILD)/image/warden.tar $(VERSION)

# The image run by podman in the VM as the DaemonSet runs it (tests/image/check).
image-check: image all
	tests/vm/run --kernel $(or $(KERNEL),6.1) -- tests/image/check $(BUILD)/image/warden.tar

clean:
	rm -rf $(BUILD)
