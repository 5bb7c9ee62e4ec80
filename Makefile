# segstore: PGXS build.  `make && make install`, then see README.md.

MODULE_big = segstore
OBJS = \
	src/segstore.o \
	src/format/seg_record.o \
	src/format/seg_row.o \
	src/format/seg_sealed.o \
	src/maintenance/seg_maintenance.o \
	src/scan/seg_bitmap.o \
	src/scan/seg_prune.o \
	src/scan/seg_scan_exec.o \
	src/scan/seg_scan_path.o \
	src/storage/seg_active.o \
	src/storage/seg_cleanup.o \
	src/storage/seg_evict.o \
	src/storage/seg_files.o src/storage/seg_freeze.o \
	src/storage/seg_manifest.o \
	src/storage/seg_row_marks.o \
	src/storage/seg_seal.o \
	src/storage/seg_sealed_io.o \
	src/storage/seg_shmem.o \
	src/tableam/segam_block_cache.o \
	src/tableam/segam_ddl.o \
	src/tableam/segam_fetch.o \
	src/tableam/segam_handler.o \
	src/tableam/segam_index.o \
	src/tableam/segam_modify.o \
	src/tableam/segam_options.o \
	src/tableam/segam_slot.o src/tableam/segam_sql.o \
	src/tableam/segam_visibility.o

EXTENSION = segstore
DATA = segstore--0.1.0.sql
PGFILEDESC = "segstore - time-partitioned segment storage"

PG_CPPFLAGS = -I$(srcdir)/src
PG_CFLAGS = -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	-Wno-sign-compare $(SEGSTORE_WERROR)
SHLIB_LINK = -lmsgpackc -lzstd

# Tests: pg_regress and isolation specs run against their own temporary,
# preloaded server; TAP tests start theirs.
REGRESS = load options mvcc types seal retention bad_input scan_node pruning \
	publication modify indexes rewrites freeze fetch_cache tid_space
REGRESS_OPTS = --temp-instance=tmp_check_regress --temp-config=$(srcdir)/test/segstore.conf
ISOLATION = insert_interleave seal_concurrency evict_concurrency evict_late_rows \
	modify_rc modify_rr row_locks unique_conflict
ISOLATION_OPTS = --temp-instance=tmp_check_iso --temp-config=$(srcdir)/test/segstore.conf \
	--inputdir=$(srcdir)/test/isolation --outputdir=tmp_check_iso_out
TAP_TESTS = 1
PROVE_TESTS = test/t/*.pl
EXTRA_CLEAN = tmp_check tmp_check_regress tmp_check_iso tmp_check_iso_out results regression.diffs regression.out

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# rebuild every object when one of our headers changes (PGXS tracks none)
$(OBJS): $(wildcard src/*.h src/*/*.h)

# tools/segstore_dump: a frontend program reading segment files offline.
SEGSTORE_DUMP_SRCS = tools/segstore_dump.c src/format/seg_record.c src/format/seg_sealed.c
tools/segstore_dump: $(SEGSTORE_DUMP_SRCS) src/format/segformat.h
	$(CC) $(CFLAGS) $(PG_CFLAGS) -DFRONTEND -I$(srcdir)/src -I$(includedir_server) \
		-I$(includedir_internal) $(SEGSTORE_DUMP_SRCS) -o $@ \
		-L$(pkglibdir) -lpgcommon -lpgport -lmsgpackc -lzstd -lm

all: tools/segstore_dump
install: install-segstore-dump
install-segstore-dump: tools/segstore_dump
	$(INSTALL_PROGRAM) tools/segstore_dump '$(DESTDIR)$(bindir)/segstore_dump'
.PHONY: install-segstore-dump
EXTRA_CLEAN += tools/segstore_dump
