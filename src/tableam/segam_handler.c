/*-------------------------------------------------------------------------
 *
 * segam_handler.c
 *	  The segstore table access method: callbacks in TableAmRoutine order.
 *
 * NOTES
 *	  Rows go to the active segment of their time bucket (seg_active.c),
 *	  one MessagePack array each (seg_row.c), framed with the inserting
 *	  transaction and command id and a table-wide row number that gives
 *	  the TID.  Scans read the segment files of the relfilenode in segment
 *	  id order and return the rows the snapshot can see
 *	  (segam_visibility.c) in virtual slots; values stay valid until the
 *	  next row.
 *
 *	  Locking: appends need no lock beyond the RowExclusiveLock the
 *	  executor holds (each writer owns its segment).  Scans need only
 *	  AccessShareLock: files are never modified except by appending, and
 *	  only DROP/TRUNCATE/rewrites, under AccessExclusiveLock, remove them.
 *
 *	  What is not built yet (UPDATE, DELETE, row locks, indexes, TID
 *	  fetches, ANALYZE sampling, CLUSTER, TABLESAMPLE) raises
 *	  feature_not_supported naming the operation.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/amapi.h"
#include "access/detoast.h"
#include "access/heapam.h"
#include "access/multixact.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/pg_am.h"
#include "catalog/storage.h"
#include "commands/defrem.h"
#include "commands/vacuum.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "segstore.h"
#include "optimizer/plancat.h"
#include "pgstat.h"
#include "storage/bufmgr.h"
#include "storage/predicate.h"
#include "storage/procarray.h"
#include "storage/segstorage.h"
#include "tableam/segam.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

PG_FUNCTION_INFO_V1(segstore_tableam_handler);

/* Shared state of a parallel scan: workers take whole segments in turn. */
typedef struct SegParallelScanDescData
{
	ParallelTableScanDescData base;
	pg_atomic_uint32 next_segment;
} SegParallelScanDescData;

typedef struct SegScanDescData
{
	TableScanDescData base;
	MemoryContext scan_context;
	SegScanSegment *segments;
	int			nsegments;
	int			next_segment;	/* non-parallel scans */
	int			current_segment;	/* index of the segment being read */
	SegActiveReader *reader;	/* that segment's reader if active */
	SegSealedReader *sealed_reader; /* that segment's reader if sealed */
	uint64		analyze_next_row;	/* ANALYZE: the sampled block's rows */
	uint64		analyze_end_row;
	SegRowStorer storer;
	SegVisibilityCache visibility;
	SegDeletedSet deleted;
	SegScanFilter filter;		/* set by the segstore scan node */
	int		   *needed_attrs;	/* filter.needed_columns as 0-based list */
	int			nneeded_attrs;
	SegScanCounts counts;		/* segments and blocks read and skipped */
	SegFetcher *fetcher;		/* bitmap scans, ANALYZE: rows by TID */
	TBMIterateResult *bitmap_page;	/* bitmap scans: the current page */
	SegRowDeletion *analyze_deletions;	/* ANALYZE: every deletion */
	int			analyze_ndeletions;
	int			bitmap_next;	/* its next offset (index or number) */
} SegScanDescData;

typedef SegScanDescData *SegScanDesc;

static const TableAmRoutine segam_methods;

static void
not_supported(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("%s is not supported on segstore tables yet", what)));
}

/* Oid of the segstore access method in this database, or InvalidOid. */
Oid
SegAccessMethodOid(void)
{
	return get_am_oid(SEGSTORE_AM_NAME, true);
}

/* Is relid a table using segstore?  Safe for any relid. */
bool
SegIsSegstoreRelid(Oid relid)
{
	HeapTuple	tuple;
	bool		result = false;
	Oid			am = SegAccessMethodOid();

	if (!OidIsValid(am))
		return false;
	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (HeapTupleIsValid(tuple))
	{
		Form_pg_class cls = (Form_pg_class) GETSTRUCT(tuple);

		result = cls->relam == am && RELKIND_HAS_TABLE_AM(cls->relkind);
		ReleaseSysCache(tuple);
	}
	return result;
}

/* Is rel (opened) a table using segstore? */
bool
SegIsSegstoreRelation(Relation rel)
{
	return rel->rd_tableam == &segam_methods;
}

/* ------------------------------------------------------------------------
 * Slot related callbacks
 * ------------------------------------------------------------------------
 */

static const TupleTableSlotOps *
segam_slot_callbacks(Relation relation)
{
	return SegSlotOps();
}

/* ------------------------------------------------------------------------
 * Table scan callbacks
 * ------------------------------------------------------------------------
 */

static TableScanDesc
segam_scan_begin(Relation relation, Snapshot snapshot, int nkeys,
				 ScanKey key, ParallelTableScanDesc parallel_scan,
				 uint32 flags)
{
	SegScanDesc scan;
	MemoryContext oldcxt;
	MemoryContext scan_context;

	if (flags & SO_TYPE_SAMPLESCAN)
		not_supported("TABLESAMPLE");

	scan_context = AllocSetContextCreate(CurrentMemoryContext,
										 "segstore scan",
										 ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(scan_context);

	scan = palloc0(sizeof(SegScanDescData));
	scan->base.rs_rd = relation;
	scan->base.rs_snapshot = snapshot;
	scan->base.rs_nkeys = nkeys;
	scan->base.rs_flags = flags;
	scan->base.rs_parallel = parallel_scan;
	scan->scan_context = scan_context;
	scan->visibility.xid = InvalidTransactionId;

	/*
	 * SERIALIZABLE: rows are not in pages, so reads are tracked for the
	 * whole relation (a conflict may be reported where heap would not).
	 */
	if (snapshot != NULL && IsMVCCSnapshot(snapshot))
		PredicateLockRelation(relation, snapshot);

	/* our own buffered rows must be in the files for us to see them */
	SegActiveFlushRelation(relation->rd_node.relNode);
	scan->segments = SegSealScanList(relation, snapshot, &scan->nsegments);
	SegRowStorerInit(&scan->storer, scan_context);
	SegDeletedSetInit(&scan->deleted, relation->rd_node.relNode, scan_context);
	if (flags & (SO_TYPE_BITMAPSCAN | SO_TYPE_ANALYZE))
		scan->fetcher = SegFetcherCreate(relation);

	MemoryContextSwitchTo(oldcxt);
	return (TableScanDesc) scan;
}

/* Close the sealed reader, adding up its block counts. */
static void
close_sealed_reader(SegScanDesc scan)
{
	uint32		read;
	uint32		skipped;

	SegSealedReaderBlockCounts(scan->sealed_reader, &read, &skipped);
	scan->counts.blocks_read += read;
	scan->counts.blocks_skipped += skipped;
	SegSealedReaderClose(scan->sealed_reader);
	scan->sealed_reader = NULL;
}

static void
segam_scan_end(TableScanDesc sscan)
{
	SegScanDesc scan = (SegScanDesc) sscan;

	if (scan->reader)
		SegActiveReaderClose(scan->reader);
	if (scan->sealed_reader)
		SegSealedReaderClose(scan->sealed_reader);
	if (scan->fetcher)
		SegFetcherEnd(scan->fetcher);
	if (scan->base.rs_flags & SO_TEMP_SNAPSHOT)
		UnregisterSnapshot(scan->base.rs_snapshot);
	MemoryContextDelete(scan->scan_context);
}

static void
segam_scan_rescan(TableScanDesc sscan, ScanKey key, bool set_params,
				  bool allow_strat, bool allow_sync, bool allow_pagemode)
{
	SegScanDesc scan = (SegScanDesc) sscan;

	if (scan->reader)
		SegActiveReaderClose(scan->reader);
	if (scan->sealed_reader)
		close_sealed_reader(scan);
	scan->reader = NULL;
	scan->next_segment = 0;
}

/*
 * Set what the scan may skip and decode.  "filter" and what it points to
 * must stay valid until the scan ends; call before the first row.  The
 * filter stays in force across rescans.
 */
void
SegScanSetFilter(TableScanDesc sscan, const SegScanFilter *filter)
{
	SegScanDesc scan = (SegScanDesc) sscan;

	Assert(scan->reader == NULL && scan->sealed_reader == NULL);
	scan->filter = *filter;
	scan->needed_attrs = NULL;
	scan->nneeded_attrs = 0;
	if (filter->needed_columns != NULL)
	{
		int			natts = RelationGetNumberOfAttributes(scan->base.rs_rd);

		scan->needed_attrs = MemoryContextAlloc(scan->scan_context,
												sizeof(int) * Max(natts, 1));
		for (int i = 0; i < natts; i++)
			if (filter->needed_columns[i])
				scan->needed_attrs[scan->nneeded_attrs++] = i;
	}
}

/* Add what the scan read and skipped so far to *counts. */
void
SegScanAddCounts(TableScanDesc sscan, SegScanCounts *counts)
{
	SegScanDesc scan = (SegScanDesc) sscan;
	uint32		read = 0;
	uint32		skipped = 0;

	if (scan->sealed_reader != NULL)
		SegSealedReaderBlockCounts(scan->sealed_reader, &read, &skipped);
	counts->segments_read += scan->counts.segments_read;
	counts->segments_skipped += scan->counts.segments_skipped;
	counts->blocks_read += scan->counts.blocks_read + read;
	counts->blocks_skipped += scan->counts.blocks_skipped + skipped;
}

/* Index of the next segment for this scan (or this parallel worker). */
static int
claim_next_segment(SegScanDesc scan)
{
	if (scan->base.rs_parallel != NULL)
	{
		SegParallelScanDescData *pscan = (SegParallelScanDescData *) scan->base.rs_parallel;

		return (int) pg_atomic_fetch_add_u32(&pscan->next_segment, 1);
	}
	return scan->next_segment++;
}

/* May the scan's filter want rows with time values in [lo, hi]? */
static bool
range_wanted(SegScanDesc scan, int64 lo, int64 hi)
{
	return scan->filter.time_filter == NULL ||
		scan->filter.time_filter(scan->filter.time_filter_arg, lo, hi);
}

/*
 * The time values an active segment can hold: its bucket.  A writer only
 * appends to a segment whose bucket has the same start and end as the
 * row's (seg_active.c), so the header's bounds hold for every row.
 */
static bool
active_segment_wanted(SegScanDesc scan, SegActiveReader *reader)
{
	const SegActiveHeader *hdr = SegActiveReaderHeader(reader);
	int64		hi = hdr->bucket_end;

	if (hdr->bucket_start == hdr->bucket_end)
		hi = hdr->bucket_start; /* an infinity bucket */
	else if (hi != DT_NOEND)
		hi--;
	return range_wanted(scan, hdr->bucket_start, hi);
}

/*
 * Open the next segment this scan (or this parallel worker) reads,
 * skipping those the filter rules out and quarantined ones.  False when
 * none is left.
 */
static bool
open_next_segment(SegScanDesc scan)
{
	MemoryContext oldcxt;

	/*
	 * Segments created after another participant listed them come last
	 * (ids only grow) and hold no rows our shared snapshot can see.
	 */
	for (;;)
	{
		int			index = claim_next_segment(scan);
		SegScanSegment *seg;

		if (index >= scan->nsegments)
			return false;
		seg = &scan->segments[index];
		if (seg->sealed &&
			!range_wanted(scan, seg->manifest->min_time, seg->manifest->max_time))
		{
			scan->counts.segments_skipped++;
			continue;
		}
		if (seg->quarantined)
		{
			ereport(WARNING,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("skipping quarantined segment file \"%s\"", seg->path)));
			continue;
		}

		oldcxt = MemoryContextSwitchTo(scan->scan_context);
		scan->current_segment = index;
		if (seg->sealed)
		{
			scan->sealed_reader = SegSealedReaderOpen(seg->path);
			if (scan->filter.needed_columns != NULL)
				SegSealedReaderSetColumns(scan->sealed_reader,
										  scan->filter.needed_columns,
										  RelationGetNumberOfAttributes(scan->base.rs_rd));
			if (scan->filter.time_filter != NULL)
				SegSealedReaderSetFilter(scan->sealed_reader,
										 scan->filter.time_filter,
										 scan->filter.time_filter_arg);
		}
		else
			scan->reader = SegActiveReaderOpen(seg->path);
		MemoryContextSwitchTo(oldcxt);

		if (scan->reader != NULL && !active_segment_wanted(scan, scan->reader))
		{
			SegActiveReaderClose(scan->reader);
			scan->reader = NULL;
			scan->counts.segments_skipped++;
			continue;
		}
		scan->counts.segments_read++;
		return true;
	}
}

/* Next stored row of the scan, visible or not; false at the end. */
static bool
next_record(SegScanDesc scan, SegStoredRow *row)
{
	for (;;)
	{
		const SegScanSegment *seg;

		if (scan->reader == NULL && scan->sealed_reader == NULL &&
			!open_next_segment(scan))
			return false;
		seg = &scan->segments[scan->current_segment];
		if (SegReadNextStored(scan->reader, scan->sealed_reader, seg->manifest,
							  seg->path, row))
		{
			CHECK_FOR_INTERRUPTS();
			return true;
		}
		if (scan->reader != NULL)
		{
			SegActiveReaderClose(scan->reader);
			scan->reader = NULL;
		}
		else
			close_sealed_reader(scan);
	}
}

/* The scan's next stored row, visible or not (index builds decide). */
bool
SegScanNextStored(TableScanDesc sscan, SegStoredRow *row)
{
	return next_record((SegScanDesc) sscan, row);
}

/* Decode a stored row into the slot, only the columns the scan needs. */
static void
store_record(SegScanDesc scan, const SegStoredRow *row, TupleTableSlot *slot)
{
	SegRowStorerStore(&scan->storer, scan->base.rs_rd, row,
					  scan->needed_attrs, scan->nneeded_attrs, slot);
}

static bool
segam_scan_getnextslot(TableScanDesc sscan, ScanDirection direction,
					   TupleTableSlot *slot)
{
	SegScanDesc scan = (SegScanDesc) sscan;
	SegStoredRow row;

	if (direction == BackwardScanDirection)
		not_supported("scanning backward");

	ExecClearTuple(slot);
	while (next_record(scan, &row))
	{
		if (!SegRowSatisfies(row.row_number, row.xmin, row.cmin,
							 scan->base.rs_snapshot, &scan->visibility,
							 &scan->deleted))
			continue;
		store_record(scan, &row, slot);
		return true;
	}
	return false;
}

/* ------------------------------------------------------------------------
 * Parallel aware scan callbacks
 * ------------------------------------------------------------------------
 */

static Size
segam_parallelscan_estimate(Relation rel)
{
	return sizeof(SegParallelScanDescData);
}

static Size
segam_parallelscan_initialize(Relation rel, ParallelTableScanDesc pscan)
{
	SegParallelScanDescData *spscan = (SegParallelScanDescData *) pscan;

	spscan->base.phs_relid = RelationGetRelid(rel);
	spscan->base.phs_syncscan = false;
	pg_atomic_init_u32(&spscan->next_segment, 0);
	return sizeof(SegParallelScanDescData);
}

static void
segam_parallelscan_reinitialize(Relation rel, ParallelTableScanDesc pscan)
{
	SegParallelScanDescData *spscan = (SegParallelScanDescData *) pscan;

	pg_atomic_write_u32(&spscan->next_segment, 0);
}

/* ------------------------------------------------------------------------
 * Index scan callbacks (indexes come with UPDATE/DELETE support)
 * ------------------------------------------------------------------------
 */

typedef struct SegIndexFetchData
{
	IndexFetchTableData base;
	SegFetcher *fetcher;
} SegIndexFetchData;

static IndexFetchTableData *
segam_index_fetch_begin(Relation rel)
{
	SegIndexFetchData *fetch = palloc0(sizeof(SegIndexFetchData));

	fetch->base.rel = rel;
	fetch->fetcher = SegFetcherCreate(rel);
	return &fetch->base;
}

static void
segam_index_fetch_reset(IndexFetchTableData *scan)
{
	/* the fetcher keeps its files open across rescans */
}

static void
segam_index_fetch_end(IndexFetchTableData *scan)
{
	SegIndexFetchData *fetch = (SegIndexFetchData *) scan;

	SegFetcherEnd(fetch->fetcher);
	pfree(fetch);
}

/*
 * Fetch one row for an index scan.  Rows are never chained (no HOT), so
 * *call_again stays false.  *all_dead is left alone: index entries of
 * dead rows go at VACUUM, not by hint.
 */
static bool
segam_index_fetch_tuple(struct IndexFetchTableData *scan, ItemPointer tid,
						Snapshot snapshot, TupleTableSlot *slot,
						bool *call_again, bool *all_dead)
{
	SegIndexFetchData *fetch = (SegIndexFetchData *) scan;

	*call_again = false;
	if (IsMVCCSnapshot(snapshot))
		PredicateLockRelation(scan->rel, snapshot);
	return SegFetcherFetch(fetch->fetcher, tid, snapshot, slot);
}

/* ------------------------------------------------------------------------
 * Callbacks for non-modifying operations on individual tuples
 * ------------------------------------------------------------------------
 */

/*
 * Fetch a row version (UPDATE's old row, triggers, EvalPlanQual).  The
 * slot is materialized: the fetcher is shared by the whole transaction,
 * and its next row would overwrite the values.
 */
static bool
segam_fetch_row_version(Relation relation, ItemPointer tid,
						Snapshot snapshot, TupleTableSlot *slot)
{
	if (!SegFetcherFetch(SegFetcherForRelation(relation), tid, snapshot, slot))
		return false;
	ExecMaterializeSlot(slot);
	return true;
}

static bool
segam_tuple_tid_valid(TableScanDesc scan, ItemPointer tid)
{
	return ItemPointerIsValid(tid) &&
		ItemPointerGetOffsetNumber(tid) <= MaxHeapTuplesPerPage;
}

static void
segam_get_latest_tid(TableScanDesc sscan, ItemPointer tid)
{
	SegModifyLatestTid(sscan->rs_rd, tid);
}

static bool
segam_tuple_satisfies_snapshot(Relation rel, TupleTableSlot *slot,
							   Snapshot snapshot)
{
	return SegFetcherVisible(SegFetcherForRelation(rel), &slot->tts_tid,
							 snapshot);
}

/*
 * Index entries are removed by VACUUM only (segam_relation_vacuum): no
 * entry is ever marked dead by an index scan, so none is known deletable.
 */
static TransactionId
segam_index_delete_tuples(Relation rel, TM_IndexDeleteOp *delstate)
{
	return InvalidTransactionId;
}

/* ------------------------------------------------------------------------
 * Functions for manipulations of physical tuples
 * ------------------------------------------------------------------------
 */

/* per-row scratch memory of inserts, and the reusable encode buffer */
static MemoryContext insert_context = NULL;
static msgpack_sbuffer encode_buffer = {0, NULL, 0};

/*
 * Fetch the slot's out-of-line TOAST values into insert_context.  Opening
 * a TOAST table processes invalidations, which free the options cached in
 * the relcache entry, so this runs before SegOptionsGet and nothing after
 * it until the row is appended may process invalidations.  Returns the
 * values to encode (the slot's own array if nothing was external).
 */
static Datum *
fetch_external_values(TupleDesc tupdesc, TupleTableSlot *slot)
{
	Datum	   *values = slot->tts_values;

	for (int i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);

		if (att->attlen != -1 || slot->tts_isnull[i] ||
			!VARATT_IS_EXTERNAL(DatumGetPointer(slot->tts_values[i])))
			continue;
		if (values == slot->tts_values)
		{
			values = MemoryContextAlloc(insert_context, sizeof(Datum) * tupdesc->natts);
			memcpy(values, slot->tts_values, sizeof(Datum) * tupdesc->natts);
		}
		values[i] = PointerGetDatum(detoast_external_attr((struct varlena *) DatumGetPointer(values[i])));
	}
	return values;
}

/*
 * Append the slot's row as inserted by (xid, cid): the current
 * transaction, or the original inserter when a rewrite copies a row.
 * Sets the slot's TID.
 */
void
SegInsertRow(Relation rel, TupleTableSlot *slot, TransactionId xid, CommandId cid)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	const SegTableOptions *opts;
	SegAppendTarget target;
	SegWriter  *writer;
	Datum	   *values;
	int64		time_value;
	uint64		row_number;
	MemoryContext oldcxt;

	if (insert_context == NULL)
		insert_context = AllocSetContextCreate(TopMemoryContext,
											   "segstore insert",
											   ALLOCSET_DEFAULT_SIZES);
	/* the encode buffer outlives the per-row context; repalloc keeps it there */
	if (encode_buffer.data == NULL)
	{
		encode_buffer.data = MemoryContextAlloc(TopMemoryContext, 8192);
		encode_buffer.alloc = 8192;
	}

	slot_getallattrs(slot);
	oldcxt = MemoryContextSwitchTo(insert_context);
	values = fetch_external_values(tupdesc, slot);
	MemoryContextSwitchTo(oldcxt);
	opts = SegOptionsGet(rel);

	if (opts->time_attnum == 0)
		time_value = GetCurrentStatementStartTimestamp();
	else if (slot->tts_isnull[opts->time_attnum - 1])
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("null value in column \"%s\" of relation \"%s\" violates not-null constraint",
						NameStr(TupleDescAttr(tupdesc, opts->time_attnum - 1)->attname),
						RelationGetRelationName(rel)),
				 errdetail("The time column of a segstore table cannot be null."),
				 errtablecol(rel, opts->time_attnum)));
	else
		time_value = SegTimeFromDatum(opts->time_type,
									  values[opts->time_attnum - 1]);

	target.rel = rel;
	target.bucket = SegBucketStart(time_value, opts->segment_interval);
	target.bucket_end = SegBucketEnd(target.bucket, opts->segment_interval);
	target.time_type = opts->time_type;
	target.max_segment_size = opts->max_segment_size;

	oldcxt = MemoryContextSwitchTo(insert_context);
	encode_buffer.size = 0;
	SegRowEncode(opts->layout, tupdesc, values, slot->tts_isnull, &encode_buffer);
	MemoryContextSwitchTo(oldcxt);
	MemoryContextReset(insert_context);

	if (encode_buffer.size > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("row is too big: %zu bytes, maximum is %zu",
						encode_buffer.size, (size_t) MaxAllocSize)));
	writer = SegActiveGetWriter(&target);
	row_number = SegActiveAppend(writer, xid, cid, time_value,
								 encode_buffer.data, (uint32) encode_buffer.size);

	/* give back the memory of an unusually large row */
	if (encode_buffer.alloc > 8 * 1024 * 1024)
	{
		pfree(encode_buffer.data);
		encode_buffer.data = NULL;
		encode_buffer.alloc = 0;
	}

	SegRowNumberToTid(row_number, &slot->tts_tid);
	slot->tts_tableOid = RelationGetRelid(rel);
	SegSlotSetVersion(slot, xid, cid);
}

/*
 * Index entries must never point at a row other backends cannot find in
 * the files (a unique check would take it for dead): a table with
 * indexes writes its buffered rows out before they are indexed.
 */
static void
flush_for_indexes(Relation rel)
{
	if (rel->rd_rel->relhasindex)
		SegActiveFlushRelation(rel->rd_node.relNode);
}

static void
segam_tuple_insert(Relation relation, TupleTableSlot *slot, CommandId cid,
				   int options, BulkInsertState bistate)
{
	CheckForSerializableConflictIn(relation, NULL, InvalidBlockNumber);
	SegInsertRow(relation, slot, GetCurrentTransactionId(), cid);
	flush_for_indexes(relation);
}

/*
 * INSERT ... ON CONFLICT: the row is inserted like any other.  If a
 * conflict shows up after all, it is deleted by its own transaction, so
 * nobody ever sees it.  Unlike heap there is no speculative-insertion
 * token: a concurrent inserter of the same key waits for our whole
 * transaction rather than just this insertion.
 */
static void
segam_tuple_insert_speculative(Relation relation, TupleTableSlot *slot,
							   CommandId cid, int options,
							   BulkInsertState bistate, uint32 specToken)
{
	segam_tuple_insert(relation, slot, cid, options, bistate);
}

static void
segam_tuple_complete_speculative(Relation relation, TupleTableSlot *slot,
								 uint32 specToken, bool succeeded)
{
	if (!succeeded)
		SegRowMarksAddDeletion(relation->rd_node.relNode,
							   SegTidToRowNumber(&slot->tts_tid),
							   SEG_SUCCESSOR_DELETED,
							   GetCurrentCommandId(true));
}

static void
segam_multi_insert(Relation relation, TupleTableSlot **slots, int ntuples,
				   CommandId cid, int options, BulkInsertState bistate)
{
	TransactionId xid = GetCurrentTransactionId();

	CheckForSerializableConflictIn(relation, NULL, InvalidBlockNumber);
	for (int i = 0; i < ntuples; i++)
		SegInsertRow(relation, slots[i], xid, cid);
	flush_for_indexes(relation);
}

/*
 * With a crosscheck snapshot (foreign-key checks in REPEATABLE READ), a
 * row that snapshot does not see counts as concurrently updated.
 */
static TM_Result
crosscheck_row(Relation relation, ItemPointer tid, Snapshot crosscheck,
			   TM_FailureData *tmfd)
{
	if (crosscheck == InvalidSnapshot ||
		SegFetcherVisible(SegFetcherForRelation(relation), tid, crosscheck))
		return TM_Ok;
	tmfd->ctid = *tid;
	tmfd->xmax = InvalidTransactionId;
	tmfd->cmax = InvalidCommandId;
	return TM_Updated;
}

/*
 * DELETE: record the deletion beside the segment (segam_modify.c has the
 * rules for who may).  The executor always waits (wait is true).
 */
static TM_Result
segam_tuple_delete(Relation relation, ItemPointer tid, CommandId cid,
				   Snapshot snapshot, Snapshot crosscheck, bool wait,
				   TM_FailureData *tmfd, bool changingPart)
{
	TM_Result	result;
	bool		holds_lock;

	CheckForSerializableConflictIn(relation, tid, ItemPointerGetBlockNumber(tid));
	result = SegModifyAcquireRow(relation, tid, LockTupleExclusive,
								 wait ? LockWaitBlock : LockWaitError, cid,
								 tmfd, &holds_lock);
	if (result != TM_Ok)
		return result;
	result = crosscheck_row(relation, tid, crosscheck, tmfd);
	if (result == TM_Ok)
		SegRowMarksAddDeletion(relation->rd_node.relNode, SegTidToRowNumber(tid),
							   changingPart ? SEG_SUCCESSOR_MOVED : SEG_SUCCESSOR_DELETED,
							   cid);
	SegModifyReleaseRow(relation, tid, LockTupleExclusive);
	return result;
}

/*
 * UPDATE: the new version is appended like an insert (to the bucket of
 * its own time value), and the old one gets a deletion record naming it.
 * Every update takes the FOR UPDATE lock mode (see segam_modify.c) and
 * every index gets an entry for the new version (there is no HOT).
 */
static TM_Result
segam_tuple_update(Relation relation, ItemPointer otid, TupleTableSlot *slot,
				   CommandId cid, Snapshot snapshot, Snapshot crosscheck,
				   bool wait, TM_FailureData *tmfd,
				   LockTupleMode *lockmode, bool *update_indexes)
{
	TM_Result	result;
	bool		holds_lock;

	*lockmode = LockTupleExclusive;
	*update_indexes = false;
	CheckForSerializableConflictIn(relation, otid, ItemPointerGetBlockNumber(otid));
	result = SegModifyAcquireRow(relation, otid, LockTupleExclusive,
								 wait ? LockWaitBlock : LockWaitError, cid,
								 tmfd, &holds_lock);
	if (result != TM_Ok)
		return result;
	result = crosscheck_row(relation, otid, crosscheck, tmfd);
	if (result == TM_Ok)
	{
		SegInsertRow(relation, slot, GetCurrentTransactionId(), cid);
		flush_for_indexes(relation);
		SegRowMarksAddDeletion(relation->rd_node.relNode, SegTidToRowNumber(otid),
							   (int64) SegTidToRowNumber(&slot->tts_tid), cid);
		*update_indexes = true;
	}
	SegModifyReleaseRow(relation, otid, LockTupleExclusive);
	return result;
}

/*
 * SELECT ... FOR UPDATE / SHARE, and EvalPlanQual's lock of the newest
 * version: record a lock (unless we hold one at least as strong), then
 * fetch the row.  With TUPLE_LOCK_FLAG_FIND_LAST_VERSION an updated row
 * is followed to its newest version, and *tid is changed to it.
 */
static TM_Result
segam_tuple_lock(Relation relation, ItemPointer tid, Snapshot snapshot,
				 TupleTableSlot *slot, CommandId cid, LockTupleMode mode,
				 LockWaitPolicy wait_policy, uint8 flags,
				 TM_FailureData *tmfd)
{
	SegFetcher *fetcher = SegFetcherForRelation(relation);
	TM_Result	result;
	bool		holds_lock;
	TransactionId xmin;
	CommandId	cmin;

	/*
	 * Like heap, a row this transaction inserted in this command or a later
	 * one is invisible to the lock: the executor then finds its xmin in
	 * the slot (INSERT ... ON CONFLICT DO UPDATE affecting a row twice).
	 */
	if (SegFetcherFetch(fetcher, tid, SnapshotAny, slot) &&
		SegSlotGetVersion(slot, &xmin, &cmin) &&
		TransactionIdIsCurrentTransactionId(xmin) && cmin >= cid)
	{
		tmfd->traversed = false;
		return TM_Invisible;
	}

	tmfd->traversed = false;
	for (;;)
	{
		result = SegModifyAcquireRow(relation, tid, mode, wait_policy, cid,
									 tmfd, &holds_lock);
		if (result == TM_Ok)
			break;
		if (result != TM_Updated || !(flags & TUPLE_LOCK_FLAG_FIND_LAST_VERSION) ||
			ItemPointerIndicatesMovedPartitions(&tmfd->ctid))
			return result;
		*tid = tmfd->ctid;
		tmfd->traversed = true;
	}
	if (!holds_lock)
		SegRowMarksAddLock(relation->rd_node.relNode, SegTidToRowNumber(tid),
						   mode, cid);
	SegModifyReleaseRow(relation, tid, mode);

	/* the slot holds the row unless we followed its updates */
	if ((tmfd->traversed || TTS_EMPTY(slot)) &&
		!SegFetcherFetch(fetcher, tid, SnapshotAny, slot))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("could not find row (%u,%u) of relation \"%s\" that was just locked",
						ItemPointerGetBlockNumber(tid), ItemPointerGetOffsetNumber(tid),
						RelationGetRelationName(relation))));
	ExecMaterializeSlot(slot);
	return TM_Ok;
}

static void
segam_finish_bulk_insert(Relation relation, int options)
{
	/* rows are made durable at pre-commit */
}

/* ------------------------------------------------------------------------
 * DDL related callbacks
 * ------------------------------------------------------------------------
 */

static void
segam_relation_set_new_filenode(Relation rel, const RelFileNode *newrnode,
								char persistence, TransactionId *freezeXid,
								MultiXactId *minmulti)
{
	SMgrRelation srel;
	bool		is_new_table = newrnode->relNode == rel->rd_node.relNode;

	if (persistence != RELPERSISTENCE_PERMANENT)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("segstore tables cannot be temporary or unlogged")));

	/*
	 * Segment files live under pg_segstore whatever the tablespace, and
	 * orphan cleanup (seg_cleanup.c) relies on the main fork being in the
	 * database's default tablespace.
	 */
	if (newrnode->spcNode != MyDatabaseTableSpace)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("segstore tables cannot be placed in a tablespace other than the database's default"),
				 errdetail("Segment files are kept under $PGDATA/pg_segstore.")));

	/*
	 * Nothing is frozen, so the commit log must keep every xid that ever
	 * inserted a row: pin relfrozenxid at the oldest xid still running.
	 */
	*freezeXid = RecentXmin;
	*minmulti = GetOldestMultiXactId();

	/*
	 * The (empty) main fork reserves the relfilenode number, so no other
	 * relation is given it while our directory uses it, and keeps tools
	 * that look for it happy.
	 */
	srel = RelationCreateStorage(*newrnode, persistence, true);
	smgrclose(srel);

	SegFilesCreateTableDir(MyDatabaseId, newrnode->relNode);
	SegFilesScheduleDelete(MyDatabaseId, newrnode->relNode, false);
	if (!is_new_table)
	{
		/* TRUNCATE or a rewrite: the old files go if this commits */
		SegFilesScheduleDelete(MyDatabaseId, rel->rd_node.relNode, true);
		SegManifestDeleteAll(rel->rd_node.relNode);
		SegRowMarksDeleteAll(rel->rd_node.relNode);
	}
	else
		SegOptionsNoteCreated(RelationGetRelid(rel));
}

static void
segam_relation_nontransactional_truncate(Relation rel)
{
	/* the table was created in this transaction: drop its rows in place */
	SegActiveDiscardRelation(rel->rd_node.relNode);
	SegManifestDeleteAll(rel->rd_node.relNode);
	SegRowMarksDeleteAll(rel->rd_node.relNode);
	SegFilesRemoveSegments(MyDatabaseId, rel->rd_node.relNode);
	SegShmemForgetTable(MyDatabaseId, rel->rd_node.relNode);
}

static void
segam_relation_copy_data(Relation rel, const RelFileNode *newrnode)
{
	not_supported("ALTER TABLE ... SET TABLESPACE");
}

static void
segam_relation_copy_for_cluster(Relation OldTable, Relation NewTable,
								Relation OldIndex, bool use_sort,
								TransactionId OldestXmin,
								TransactionId *xid_cutoff,
								MultiXactId *multi_cutoff,
								double *num_tuples,
								double *tups_vacuumed,
								double *tups_recently_dead)
{
	SegCopyForCluster(OldTable, NewTable, OldIndex, num_tuples, tups_vacuumed);
	*tups_recently_dead = 0;
	/* rows keep their inserting xids: nothing was frozen */
	*xid_cutoff = OldTable->rd_rel->relfrozenxid;
	*multi_cutoff = OldTable->rd_rel->relminmxid;
}

static void
segam_relation_vacuum(Relation rel, VacuumParams *params,
					  BufferAccessStrategy bstrategy)
{
	SegVacuumRelation(rel, params, bstrategy);
}

/*
 * ANALYZE samples blocks of the TID space (see segam_relation_size): a
 * block is the 291 row numbers that map to it, fetched by number (one
 * block decode per sealed block touched; rows that do not exist, such as
 * the unused end of a segment's chunk, cost a binary search).  ANALYZE
 * then extrapolates the live rows per sampled block to the whole TID
 * space, an unbiased estimate however unevenly rows fill it.
 */
static bool
segam_scan_analyze_next_block(TableScanDesc sscan, BlockNumber blockno,
							  BufferAccessStrategy bstrategy)
{
	SegScanDesc scan = (SegScanDesc) sscan;

	scan->analyze_next_row = (uint64) blockno * MaxHeapTuplesPerPage;
	scan->analyze_end_row = scan->analyze_next_row + MaxHeapTuplesPerPage;
	return true;
}

static bool
segam_scan_analyze_next_tuple(TableScanDesc sscan, TransactionId OldestXmin,
							  double *liverows, double *deadrows,
							  TupleTableSlot *slot)
{
	SegScanDesc scan = (SegScanDesc) sscan;
	SegStoredRow row;

	ExecClearTuple(slot);
	if (scan->analyze_deletions == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(scan->scan_context);

		scan->analyze_deletions = SegRowMarksAllDeletions(sscan->rs_rd->rd_node.relNode,
														  &scan->analyze_ndeletions);
		if (scan->analyze_deletions == NULL)
			scan->analyze_deletions = palloc(sizeof(SegRowDeletion));
		MemoryContextSwitchTo(old);
	}
	while (scan->analyze_next_row < scan->analyze_end_row)
	{
		const SegRowDeletion *d;

		if (!SegFetcherFind(scan->fetcher, scan->analyze_next_row++,
							sscan->rs_snapshot, &row))
			continue;
		if (TransactionIdIsCurrentTransactionId(row.xmin))
			;					/* our own rows count as live, like heap */
		else if (TransactionIdIsInProgress(row.xmin))
			continue;
		else if (!TransactionIdDidCommit(row.xmin))
		{
			*deadrows += 1;
			continue;
		}
		/* deleted: dead once the deleter committed (heap counts its own as dead too) */
		d = SegRowDeletionFind(scan->analyze_deletions, scan->analyze_ndeletions,
							   row.row_number);
		if (d != NULL && d->status != SEG_MARK_RUNNING)
		{
			*deadrows += 1;
			continue;
		}
		*liverows += 1;
		store_record(scan, &row, slot);
		return true;
	}
	return false;
}

static double
segam_index_build_range_scan(Relation tableRelation, Relation indexRelation,
							 IndexInfo *indexInfo, bool allow_sync,
							 bool anyvisible, bool progress,
							 BlockNumber start_blockno, BlockNumber numblocks,
							 IndexBuildCallback callback, void *callback_state,
							 TableScanDesc scan)
{
	return SegIndexBuildRangeScan(tableRelation, indexRelation, indexInfo,
								  start_blockno, numblocks, callback,
								  callback_state, scan);
}

static void
segam_index_validate_scan(Relation tableRelation, Relation indexRelation,
						  IndexInfo *indexInfo, Snapshot snapshot,
						  ValidateIndexState *state)
{
	SegIndexValidateScan(tableRelation, indexRelation, indexInfo, snapshot,
						 state);
}

/* ------------------------------------------------------------------------
 * Miscellaneous callbacks
 * ------------------------------------------------------------------------
 */

/*
 * The size of the table's TID space: every block number its rows' TIDs
 * can have (row numbers handed out so far, see SegRowNumberToTid), so
 * that BRIN and bitmap scans cover every row.  pg_relation_size() looks
 * at the (empty) main fork instead; segstore.segments shows bytes on disk.
 */
static uint64
segam_relation_size(Relation rel, ForkNumber forkNumber)
{
	uint64		rows;

	if (forkNumber != MAIN_FORKNUM && forkNumber != InvalidForkNumber)
		return 0;
	rows = SegShmemChunkCount(MyDatabaseId, rel->rd_node.relNode) * SEG_CHUNK_ROWS;
	return (rows + MaxHeapTuplesPerPage - 1) / MaxHeapTuplesPerPage * BLCKSZ;
}

static bool
segam_relation_needs_toast_table(Relation rel)
{
	/* values are stored whole in the segment, never in a TOAST table */
	return false;
}

/* ------------------------------------------------------------------------
 * Planner related callbacks
 * ------------------------------------------------------------------------
 */

/*
 * Pages are the bytes of the segment files (what a scan reads).  Rows are
 * the density ANALYZE or VACUUM saw (reltuples per block of TID space)
 * times the TID space now, or, for a table never analyzed, its bytes
 * over the width of a row.
 */
static void
segam_estimate_rel_size(Relation rel, int32 *attr_widths,
						BlockNumber *pages, double *tuples,
						double *allvisfrac)
{
	uint64		bytes = SegFilesTotalBytes(MyDatabaseId, rel->rd_node.relNode);
	BlockNumber tid_blocks = RelationGetNumberOfBlocks(rel);
	BlockNumber relpages = rel->rd_rel->relpages;
	double		reltuples = rel->rd_rel->reltuples;

	*allvisfrac = 0;
	*pages = (BlockNumber) Min((bytes + BLCKSZ - 1) / BLCKSZ, (uint64) MaxBlockNumber);
	if (bytes == 0 || tid_blocks == 0)
		*tuples = 0;
	else if (relpages > 0 && reltuples >= 0)
		*tuples = rint(reltuples / relpages * tid_blocks);
	else
	{
		int32		width = get_rel_data_width(rel, attr_widths);

		*tuples = rint((double) bytes / (width + SEG_RECORD_HEADER_SIZE));
	}
}

/* ------------------------------------------------------------------------
 * Executor related callbacks
 * ------------------------------------------------------------------------
 */

/*
 * Bitmap scans: a TID bitmap page is a range of 291 row numbers (see
 * SegRowNumberToTid); each of its rows is fetched by number.  A lossy
 * page tries every offset, and the executor rechecks the conditions.
 */
static bool
segam_scan_bitmap_next_block(TableScanDesc sscan, TBMIterateResult *tbmres)
{
	SegScanDesc scan = (SegScanDesc) sscan;

	scan->bitmap_page = tbmres;
	scan->bitmap_next = 0;
	return true;
}

static bool
segam_scan_bitmap_next_tuple(TableScanDesc sscan, TBMIterateResult *tbmres,
							 TupleTableSlot *slot)
{
	SegScanDesc scan = (SegScanDesc) sscan;
	int			count = tbmres->ntuples >= 0 ? tbmres->ntuples : MaxHeapTuplesPerPage;

	while (scan->bitmap_next < count)
	{
		ItemPointerData tid;
		OffsetNumber offset = tbmres->ntuples >= 0 ?
			tbmres->offsets[scan->bitmap_next] : (OffsetNumber) (scan->bitmap_next + 1);

		scan->bitmap_next++;
		ItemPointerSet(&tid, tbmres->blockno, offset);
		if (SegFetcherFetch(scan->fetcher, &tid, scan->base.rs_snapshot, slot))
		{
			pgstat_count_heap_fetch(scan->base.rs_rd);
			return true;
		}
	}
	ExecClearTuple(slot);
	return false;
}

static bool
segam_scan_sample_next_block(TableScanDesc scan, SampleScanState *scanstate)
{
	not_supported("TABLESAMPLE");
	return false;
}

static bool
segam_scan_sample_next_tuple(TableScanDesc scan, SampleScanState *scanstate,
							 TupleTableSlot *slot)
{
	not_supported("TABLESAMPLE");
	return false;
}

/* ------------------------------------------------------------------------
 * Definition of the segstore table access method.
 * ------------------------------------------------------------------------
 */

static const TableAmRoutine segam_methods = {
	.type = T_TableAmRoutine,

	.slot_callbacks = segam_slot_callbacks,

	.scan_begin = segam_scan_begin,
	.scan_end = segam_scan_end,
	.scan_rescan = segam_scan_rescan,
	.scan_getnextslot = segam_scan_getnextslot,

	.parallelscan_estimate = segam_parallelscan_estimate,
	.parallelscan_initialize = segam_parallelscan_initialize,
	.parallelscan_reinitialize = segam_parallelscan_reinitialize,

	.index_fetch_begin = segam_index_fetch_begin,
	.index_fetch_reset = segam_index_fetch_reset,
	.index_fetch_end = segam_index_fetch_end,
	.index_fetch_tuple = segam_index_fetch_tuple,

	.tuple_insert = segam_tuple_insert,
	.tuple_insert_speculative = segam_tuple_insert_speculative,
	.tuple_complete_speculative = segam_tuple_complete_speculative,
	.multi_insert = segam_multi_insert,
	.tuple_delete = segam_tuple_delete,
	.tuple_update = segam_tuple_update,
	.tuple_lock = segam_tuple_lock,
	.finish_bulk_insert = segam_finish_bulk_insert,

	.tuple_fetch_row_version = segam_fetch_row_version,
	.tuple_get_latest_tid = segam_get_latest_tid,
	.tuple_tid_valid = segam_tuple_tid_valid,
	.tuple_satisfies_snapshot = segam_tuple_satisfies_snapshot,
	.index_delete_tuples = segam_index_delete_tuples,

	.relation_set_new_filenode = segam_relation_set_new_filenode,
	.relation_nontransactional_truncate = segam_relation_nontransactional_truncate,
	.relation_copy_data = segam_relation_copy_data,
	.relation_copy_for_cluster = segam_relation_copy_for_cluster,
	.relation_vacuum = segam_relation_vacuum,
	.scan_analyze_next_block = segam_scan_analyze_next_block,
	.scan_analyze_next_tuple = segam_scan_analyze_next_tuple,
	.index_build_range_scan = segam_index_build_range_scan,
	.index_validate_scan = segam_index_validate_scan,

	.relation_size = segam_relation_size,
	.relation_needs_toast_table = segam_relation_needs_toast_table,

	.relation_estimate_size = segam_estimate_rel_size,

	.scan_bitmap_next_block = segam_scan_bitmap_next_block,
	.scan_bitmap_next_tuple = segam_scan_bitmap_next_tuple,
	.scan_sample_next_block = segam_scan_sample_next_block,
	.scan_sample_next_tuple = segam_scan_sample_next_tuple
};

Datum
segstore_tableam_handler(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(&segam_methods);
}
