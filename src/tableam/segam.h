/*-------------------------------------------------------------------------
 *
 * segam.h
 *	  The segstore table access method: callbacks, table options,
 *	  visibility, DDL hooks and SQL-callable functions.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGAM_H
#define SEGAM_H

#include "access/htup_details.h"
#include "access/relscan.h"
#include "access/tableam.h"
#include "catalog/index.h"
#include "executor/tuptable.h"
#include "format/segformat.h"
#include "nodes/parsenodes.h"
#include "storage/itemptr.h"
#include "storage/segstorage.h"
#include "utils/rel.h"
#include "utils/snapshot.h"
#include "utils/timestamp.h"

#define SEG_DEFAULT_SEGMENT_INTERVAL	INT64CONST(86400000000)	/* 1 day */
#define SEG_DEFAULT_MAX_SEGMENT_SIZE	INT64CONST(256 * 1024 * 1024)
#define SEG_MIN_MAX_SEGMENT_SIZE		INT64CONST(16 * 1024)
#define SEG_MAX_MAX_SEGMENT_SIZE		(INT64CONST(1024) * 1024 * 1024 * 1024)
#define SEG_DEFAULT_SEAL_AFTER			INT64CONST(3600000000)	/* 1 hour */
#define SEG_DEFAULT_COMPRESSION_LEVEL	6
#define SEG_DEFAULT_BLOCK_SIZE			(32 * 1024)

/* Row number n lives at TID (n / 291, n % 291 + 1), see DESIGN.md 3.3. */
static inline void
SegRowNumberToTid(uint64 row_number, ItemPointer tid)
{
	ItemPointerSet(tid, (BlockNumber) (row_number / MaxHeapTuplesPerPage),
				   (OffsetNumber) (row_number % MaxHeapTuplesPerPage + 1));
}

/* ---- segam_options.c ---- */

/* Effective options of a segstore table, cached in rd_amcache. */
typedef struct SegTableOptions
{
	AttrNumber	time_attnum;	/* 0: partitioned by ingest time */
	Oid			time_type;		/* timestamptz, timestamp or date; else 0 */
	int64		segment_interval;	/* microseconds */
	int64		max_segment_size;	/* bytes */
	int64		seal_after;		/* microseconds after the bucket ends */
	int64		retention;		/* microseconds rows are kept; 0: forever */
	int			compression_level;	/* zstd level of sealed blocks */
	int			block_size;		/* target raw bytes of a sealed block */
	SegRowLayout *layout;		/* how each column is written; same chunk */
} SegTableOptions;

extern const SegTableOptions *SegOptionsGet(Relation rel);
extern void SegOptionsApply(Relation rel, SegTableOptions *opts, List *defs);
extern void SegOptionsStore(Relation rel, List *defs, bool reset);
extern void SegOptionsDelete(Oid relid);
extern void SegOptionsUnmirror(Oid relid);
extern void SegOptionsRemirror(Relation rel);
extern Oid	SegOptionsTableOwner(void);
extern bool SegOptionsIsOurs(const DefElem *def);
extern List *SegOptionsExtract(List **options);
extern void SegOptionsBeginCreate(List *defs);
extern void SegOptionsNoteCreated(Oid relid);
extern Oid	SegOptionsEndCreate(List **defs);
extern void SegOptionsAbortCreate(void);
/* the time value of every date too late for a timestamp (see SegTimeFromDatum) */
#define SEG_TIME_DATE_BEYOND	(END_TIMESTAMP - 1)

extern int64 SegTimeFromDatum(Oid time_type, Datum value);
extern int64 SegCutoffTimeValue(const SegTableOptions *opts, TimestampTz cutoff);
extern int64 SegBucketStart(int64 time_value, int64 interval);
extern int64 SegBucketEnd(int64 bucket_start, int64 interval);

/* ---- segam_visibility.c ---- */

/* Last transaction looked up by one scan, to skip repeated clog lookups. */
typedef struct SegVisibilityCache
{
	TransactionId xid;
	bool		visible;
} SegVisibilityCache;

/*
 * The rows whose deletion one MVCC snapshot sees, loaded on first use
 * (seg_row_marks.c); loaded again when asked about another snapshot.
 */
typedef struct SegDeletedSet
{
	Oid			relfilenode;
	MemoryContext context;		/* where "rows" lives */
	bool		loaded;
	Snapshot	snapshot;		/* loaded for this snapshot, as it was then */
	CommandId	curcid;
	TransactionId xmin;
	TransactionId xmax;
	uint64	   *rows;			/* ascending */
	int			nrows;
} SegDeletedSet;

extern bool SegRowVisible(TransactionId xmin, CommandId cmin,
						  Snapshot snapshot, SegVisibilityCache *cache);
extern void SegDeletedSetInit(SegDeletedSet *set, Oid relfilenode,
							  MemoryContext context);
extern bool SegRowSatisfies(uint64 row_number, TransactionId xmin,
							CommandId cmin, Snapshot snapshot,
							SegVisibilityCache *cache, SegDeletedSet *deleted);

/* ---- segam_block_cache.c ---- */

/* A sealed segment's block index, cached (see segam_block_cache.c). */
typedef struct SegCachedIndex
{
	uint32		nblocks;
	int64		bytes;			/* the manifest's, to recognise the segment */
	int64		raw_bytes;
	int64		row_count;
	uint64	   *first_rows;		/* per block */
	uint64	   *last_rows;
} SegCachedIndex;

/* A sealed block, cached with each row packed as one MessagePack array. */
typedef struct SegCachedBlock
{
	uint32		nrows;
	uint64	   *rows;			/* row numbers, ascending */
	uint32	   *xmins;
	uint32	   *cmins;
	uint32	   *ends;			/* row i is payload[ends[i - 1] .. ends[i]) */
	char	   *payload;
} SegCachedBlock;

extern int	segstore_fetch_cache_size;

extern const SegCachedIndex *SegBlockCacheIndex(Oid relfilenode,
												const SegManifestEntry *manifest);
extern const SegCachedIndex *SegBlockCachePutIndex(Oid relfilenode,
												   const SegManifestEntry *manifest,
												   const SegSealedFile *file);
extern uint64 SegBlockCacheRemovals(void);
extern const SegCachedBlock *SegBlockCacheGet(Oid relfilenode, uint32 segment_id,
											  uint32 block);
extern const SegCachedBlock *SegBlockCachePut(Oid relfilenode, uint32 segment_id,
											  uint32 block,
											  const SegSealedBlock *blk);

/* ---- segam_fetch.c ---- */

/* One stored row as the readers return it; valid until they move on. */
typedef struct SegStoredRow
{
	uint64		row_number;
	TransactionId xmin;
	CommandId	cmin;
	const char *payload;		/* active segments: the encoded row */
	uint32		payload_len;
	const SegSealedBlock *block;	/* sealed segments: the row's block */
	uint32		index;			/* and its position there */
	const char *path;			/* the segment file, for errors */
} SegStoredRow;

/* Decodes stored rows into slots; one per scan or fetcher. */
typedef struct SegRowStorer
{
	MemoryContext context;		/* where the layout and decoder live */
	SegRowLayout *layout;		/* for layout_desc, the last slot's descriptor */
	TupleDesc	layout_desc;
	SegRowDecoder decoder;
	MemoryContextCallback decoder_callback;
} SegRowStorer;

typedef struct SegFetcher SegFetcher;

extern void SegRowStorerInit(SegRowStorer *storer, MemoryContext context);
extern void SegRowStorerStore(SegRowStorer *storer, Relation rel,
							  const SegStoredRow *row, const int *attrs,
							  int nattrs, TupleTableSlot *slot);
extern bool SegReadNextStored(SegActiveReader *active, SegSealedReader *sealed,
							  const SegManifestEntry *manifest,
							  const char *path, SegStoredRow *row);
extern SegFetcher *SegFetcherCreate(Relation rel);
extern void SegFetcherEnd(SegFetcher *fetcher);
extern bool SegFetcherFind(SegFetcher *fetcher, uint64 row_number,
						   Snapshot snapshot, SegStoredRow *row);
extern bool SegFetcherVisible(SegFetcher *fetcher, ItemPointer tid,
							  Snapshot snapshot);
extern bool SegFetcherFetch(SegFetcher *fetcher, ItemPointer tid,
							Snapshot snapshot, TupleTableSlot *slot);
extern SegFetcher *SegFetcherForRelation(Relation rel);
extern void SegFetchAtEOXact(void);

static inline uint64
SegTidToRowNumber(ItemPointer tid)
{
	return (uint64) ItemPointerGetBlockNumberNoCheck(tid) * MaxHeapTuplesPerPage +
		ItemPointerGetOffsetNumberNoCheck(tid) - 1;
}

/* ---- segam_slot.c ---- */

extern const TupleTableSlotOps *SegSlotOps(void);
extern void SegSlotSetVersion(TupleTableSlot *slot, TransactionId xmin,
							  CommandId cmin);
extern bool SegSlotGetVersion(TupleTableSlot *slot, TransactionId *xmin,
							  CommandId *cmin);

/* ---- segam_index.c ---- */

extern double SegIndexBuildRangeScan(Relation rel, Relation index,
									 IndexInfo *info,
									 BlockNumber start_blockno,
									 BlockNumber numblocks,
									 IndexBuildCallback callback,
									 void *callback_state,
									 TableScanDesc scan);
extern void SegIndexValidateScan(Relation rel, Relation index,
								 IndexInfo *info, Snapshot snapshot,
								 ValidateIndexState *state);
extern void SegCopyForCluster(Relation old_table, Relation new_table,
							  Relation old_index, double *num_tuples,
							  double *tups_vacuumed);
extern void SegVacuumRelation(Relation rel, struct VacuumParams *params,
							  BufferAccessStrategy bstrategy);

/* ---- segam_modify.c ---- */

extern TM_Result SegModifyAcquireRow(Relation rel, ItemPointer tid,
									 LockTupleMode mode, LockWaitPolicy policy,
									 CommandId cid, TM_FailureData *tmfd,
									 bool *holds_lock);
extern void SegModifyReleaseRow(Relation rel, ItemPointer tid,
								LockTupleMode mode);
extern void SegModifyLatestTid(Relation rel, ItemPointer tid);

/* ---- segam_handler.c ---- */

/*
 * What a scan may skip and what it must decode, set by the segstore scan
 * node (src/scan) before the scan's first row.
 */
typedef struct SegScanFilter
{
	/* can a row with a time value in [lo, hi] be wanted?  NULL: yes */
	bool		(*time_filter) (void *arg, int64 lo, int64 hi);
	void	   *time_filter_arg;
	const bool *needed_columns; /* per relation attribute; NULL: all */
} SegScanFilter;

/* What a scan read and skipped, for EXPLAIN ANALYZE. */
typedef struct SegScanCounts
{
	uint64		segments_read;
	uint64		segments_skipped;
	uint64		blocks_read;	/* blocks of sealed segments */
	uint64		blocks_skipped;
} SegScanCounts;

extern void SegInsertRow(Relation rel, TupleTableSlot *slot, TransactionId xid,
						 CommandId cid);
extern void SegScanSetFilter(TableScanDesc scan, const SegScanFilter *filter);
extern bool SegScanNextStored(TableScanDesc scan, SegStoredRow *row);
extern void SegScanAddCounts(TableScanDesc scan, SegScanCounts *counts);
extern Oid	SegAccessMethodOid(void);
extern bool SegIsSegstoreRelid(Oid relid);
extern bool SegIsSegstoreRelation(Relation rel);

/* ---- segam_sql.c ---- */

extern List *SegSealTable(Relation rel, int64 bucket_end_before);
extern List *SegSealColdSegments(Relation rel, TransactionId cold_before);

/* ---- segam_ddl.c ---- */

extern void SegDdlInstallHooks(void);
extern void SegCheckNoQuarantine(Oid relid, const char *operation);

#endif							/* SEGAM_H */
