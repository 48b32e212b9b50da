# mk/fuzz.mk: libFuzzer targets for the parsers (see tests/fuzz/README.md).
# Included from the Makefile; needs clang with the libFuzzer runtime
# (Debian: clang and libclang-rt-14-dev).
#
#   make fuzz-build             build tests/fuzz/bin/fuzz-{proto,config,jid,text,spool,clean,lock,journal}
#   make fuzz                   run each target FUZZ_SECONDS (default 60)
#   make -j4 fuzz               ... all four at once
#   make fuzz-run-jid           one target only
#   make fuzz-regress           replay the committed corpora once (quick)
#   make fuzz-known             which reported bugs (tests/fuzz/known/) are fixed
#   make fuzz-coverage          line/branch coverage the corpora reach (llvm-cov)
#   make fuzz-clean             remove binaries, objects and scratch corpora
#
# New corpus entries and crash reproducers go to tests/fuzz/work/<target>/,
# never into the committed seeds in tests/fuzz/corpus/<target>/.
# FUZZ_STRICT=1 in the environment makes known, reported bugs fail again.

_fuzz_saved_goal := $(.DEFAULT_GOAL)

FUZZ_CC       ?= clang
FUZZ_SECONDS  ?= 60
FUZZ_FLAGS    ?=
FUZZ_DIR       = tests/fuzz
FUZZ_BIN       = $(FUZZ_DIR)/bin
FUZZ_OBJ       = $(FUZZ_DIR)/obj
FUZZ_WORK      = $(FUZZ_DIR)/work
FUZZ_TARGETS   = proto config jid text spool clean lock journal
FUZZ_SAN       = -fsanitize=address,undefined -fno-sanitize-recover=all \
                 -fno-omit-frame-pointer
FUZZ_CFLAGS    = -std=c11 -D_GNU_SOURCE -Isrc/common -Isrc/xmppd -g -O1 \
                 -Wall -Wextra $(FUZZ_SAN)
FUZZ_LIB_CFLAGS = $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link
FUZZ_LD_FLAGS  = $(FUZZ_SAN) -fsanitize=fuzzer

# The objects each target links (config.o is a special build, see below).
FUZZ_OBJ_proto  = proto text jid
FUZZ_OBJ_config = config-fuzz filecheck secret log util jid text sockdir home
FUZZ_OBJ_jid    = jid text
FUZZ_OBJ_text   = text
FUZZ_OBJ_spool  = spool proto sockdir home
FUZZ_OBJ_clean  = text
FUZZ_OBJ_lock   = sockdir
FUZZ_OBJ_journal = journal spool proto sockdir util log home

# Per-target libFuzzer options: largest input, and the dictionary if any.
FUZZ_OPTS_proto  = -max_len=40000 -dict=$(FUZZ_DIR)/proto.dict
FUZZ_OPTS_config = -max_len=8192 -dict=$(FUZZ_DIR)/config.dict
FUZZ_OPTS_jid    = -max_len=4096 -dict=$(FUZZ_DIR)/jid.dict
FUZZ_OPTS_text   = -max_len=4096
FUZZ_OPTS_spool  = -max_len=65536 -dict=$(FUZZ_DIR)/spool.dict
FUZZ_OPTS_clean  = -max_len=8192 -dict=$(FUZZ_DIR)/clean.dict
FUZZ_OPTS_lock   = -max_len=8192
FUZZ_OPTS_journal = -max_len=65536

FUZZ_PROGS = $(FUZZ_TARGETS:%=$(FUZZ_BIN)/fuzz-%)
FUZZ_HDRS  = src/common/*.h src/xmppd/*.h $(FUZZ_DIR)/fuzz.h mk/fuzz.mk

.PHONY: fuzz fuzz-build fuzz-clean fuzz-regress fuzz-known \
        $(FUZZ_TARGETS:%=fuzz-run-%) $(FUZZ_TARGETS:%=fuzz-regress-%)

fuzz-build: $(FUZZ_PROGS)

# Keep the harness objects (make would delete them as intermediates).
.SECONDARY: $(FUZZ_TARGETS:%=$(FUZZ_OBJ)/fuzz-%.o)

$(FUZZ_OBJ)/%.o: src/common/%.c $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_LIB_CFLAGS) -c -o $@ $<

$(FUZZ_OBJ)/%.o: src/xmppd/%.c $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_LIB_CFLAGS) -c -o $@ $<

# config.c with its open() routed through the harness, which confines
# "#include" to the harness's own files (see tests/fuzz/fuzz-config.c).
$(FUZZ_OBJ)/config-fuzz.o: src/xmppd/config.c $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_LIB_CFLAGS) -Dopen=fuzz_config_open -c -o $@ $<

# The harnesses themselves get the sanitizers but no coverage feedback:
# their reference models would only add noise (and time) to the search.
$(FUZZ_OBJ)/fuzz-%.o: $(FUZZ_DIR)/fuzz-%.c $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

# Each program: its harness and the objects listed in FUZZ_OBJ_<target>.
$(FUZZ_BIN)/fuzz-proto:  $(FUZZ_OBJ_proto:%=$(FUZZ_OBJ)/%.o)
$(FUZZ_BIN)/fuzz-config: $(FUZZ_OBJ_config:%=$(FUZZ_OBJ)/%.o)
$(FUZZ_BIN)/fuzz-jid:    $(FUZZ_OBJ_jid:%=$(FUZZ_OBJ)/%.o)
$(FUZZ_BIN)/fuzz-text:   $(FUZZ_OBJ_text:%=$(FUZZ_OBJ)/%.o)
$(FUZZ_BIN)/fuzz-spool:  $(FUZZ_OBJ_spool:%=$(FUZZ_OBJ)/%.o)
$(FUZZ_BIN)/fuzz-clean:  $(FUZZ_OBJ_clean:%=$(FUZZ_OBJ)/%.o)
$(FUZZ_BIN)/fuzz-lock:   $(FUZZ_OBJ_lock:%=$(FUZZ_OBJ)/%.o)
$(FUZZ_BIN)/fuzz-journal: $(FUZZ_OBJ_journal:%=$(FUZZ_OBJ)/%.o)

$(FUZZ_BIN)/fuzz-%: $(FUZZ_OBJ)/fuzz-%.o
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_LD_FLAGS) -o $@ $^

fuzz: $(FUZZ_TARGETS:%=fuzz-run-%)

# TMPDIR: what a crashed fuzz-config leaves (its temporary folder) stays
# in the scratch area.
$(FUZZ_TARGETS:%=fuzz-run-%): fuzz-run-%: $(FUZZ_BIN)/fuzz-%
	@mkdir -p $(FUZZ_WORK)/$* $(FUZZ_WORK)/tmp
	TMPDIR=$(abspath $(FUZZ_WORK)/tmp) \
	$(FUZZ_BIN)/fuzz-$* -max_total_time=$(FUZZ_SECONDS) \
	    -print_final_stats=1 -artifact_prefix=$(FUZZ_WORK)/$*- \
	    $(FUZZ_OPTS_$*) $(FUZZ_FLAGS) $(FUZZ_WORK)/$* $(FUZZ_DIR)/corpus/$*

fuzz-regress: $(FUZZ_TARGETS:%=fuzz-regress-%)

$(FUZZ_TARGETS:%=fuzz-regress-%): fuzz-regress-%: $(FUZZ_BIN)/fuzz-%
	$(FUZZ_BIN)/fuzz-$* -runs=0 $(FUZZ_OPTS_$*) $(FUZZ_DIR)/corpus/$*

# Source coverage of what the corpora (committed and scratch) reach:
# the same harnesses built with clang's coverage instead of sanitizers.
FUZZ_COV          = $(FUZZ_DIR)/cov
FUZZ_LLVM_COV     ?= llvm-cov
FUZZ_LLVM_PROFDATA ?= llvm-profdata
FUZZ_COV_CFLAGS   = -std=c11 -D_GNU_SOURCE -Isrc/common -Isrc/xmppd -g -O0 \
                    -fprofile-instr-generate -fcoverage-mapping

.PHONY: fuzz-coverage
.SECONDARY: $(FUZZ_TARGETS:%=$(FUZZ_COV)/obj/fuzz-%.o)

$(FUZZ_COV)/obj/%.o: src/common/%.c $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_COV_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_COV)/obj/%.o: src/xmppd/%.c $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_COV_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_COV)/obj/config-fuzz.o: src/xmppd/config.c $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_COV_CFLAGS) -fsanitize=fuzzer-no-link \
	    -Dopen=fuzz_config_open -c -o $@ $<

$(FUZZ_COV)/obj/fuzz-%.o: $(FUZZ_DIR)/fuzz-%.c $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_COV_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_COV)/fuzz-proto:  $(FUZZ_OBJ_proto:%=$(FUZZ_COV)/obj/%.o)
$(FUZZ_COV)/fuzz-config: $(FUZZ_OBJ_config:%=$(FUZZ_COV)/obj/%.o)
$(FUZZ_COV)/fuzz-jid:    $(FUZZ_OBJ_jid:%=$(FUZZ_COV)/obj/%.o)
$(FUZZ_COV)/fuzz-text:   $(FUZZ_OBJ_text:%=$(FUZZ_COV)/obj/%.o)
$(FUZZ_COV)/fuzz-spool:  $(FUZZ_OBJ_spool:%=$(FUZZ_COV)/obj/%.o)
$(FUZZ_COV)/fuzz-clean:  $(FUZZ_OBJ_clean:%=$(FUZZ_COV)/obj/%.o)
$(FUZZ_COV)/fuzz-lock:   $(FUZZ_OBJ_lock:%=$(FUZZ_COV)/obj/%.o)
$(FUZZ_COV)/fuzz-journal: $(FUZZ_OBJ_journal:%=$(FUZZ_COV)/obj/%.o)

$(FUZZ_COV)/fuzz-%: $(FUZZ_COV)/obj/fuzz-%.o
	$(FUZZ_CC) -fsanitize=fuzzer -fprofile-instr-generate -o $@ $^

fuzz-coverage: $(FUZZ_TARGETS:%=$(FUZZ_COV)/fuzz-%)
	@set -e; for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(FUZZ_WORK)/$$t; rm -f $(FUZZ_COV)/$$t.profraw; \
	    LLVM_PROFILE_FILE=$(FUZZ_COV)/$$t.profraw $(FUZZ_COV)/fuzz-$$t \
	        -runs=0 -max_len=65536 $(FUZZ_DIR)/corpus/$$t \
	        $(FUZZ_WORK)/$$t >$(FUZZ_COV)/$$t.log 2>&1; \
	    $(FUZZ_LLVM_PROFDATA) merge -sparse -o $(FUZZ_COV)/$$t.profdata \
	        $(FUZZ_COV)/$$t.profraw; \
	    echo "== fuzz-$$t"; \
	    $(FUZZ_LLVM_COV) report $(FUZZ_COV)/fuzz-$$t \
	        -instr-profile=$(FUZZ_COV)/$$t.profdata \
	        -ignore-filename-regex='\.h$$'; \
	done

# The reproducers of reported bugs, under FUZZ_STRICT=1: which are fixed.
fuzz-known: fuzz-build
	@mkdir -p $(FUZZ_WORK)/tmp; \
	for f in $(FUZZ_DIR)/known/*; do \
	    t=$${f##*/}; t=$${t%%-*}; \
	    if FUZZ_STRICT=1 TMPDIR=$(abspath $(FUZZ_WORK)/tmp) \
	        $(FUZZ_BIN)/fuzz-$$t $$f \
	        >/dev/null 2>&1; \
	    then echo "fixed:   $$f"; else echo "present: $$f"; fi; \
	done

fuzz-clean:
	rm -rf $(FUZZ_BIN) $(FUZZ_OBJ) $(FUZZ_WORK) $(FUZZ_COV)

.DEFAULT_GOAL := $(_fuzz_saved_goal)
