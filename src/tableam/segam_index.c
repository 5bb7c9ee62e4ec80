/*-------------------------------------------------------------------------
 *
 * segam_index.c
 *	  Building indexes on segstore tables, validating concurrently built
 *	  ones, VACUUM removing index entries of dead rows, and VACUUM FULL /
 *	  CLUSTER copying the live rows.
 *
 * NOTES
 *	  A build reads rows in TID (row number) order: BRIN summarizes block
 *	  ranges as rows arrive and needs them in order.  Row numbers grow
 *	  within each segment file, and each chunk of row numbers lives in one
 *	  segment (seg_shmem.c), so walking the chunk log in order and reading
 *	  each chunk's rows from its segment's reader, with every reader only
 *	  moving forward, gives all rows in TID order.  A parallel btree build
 *	  instead reads the segments its participant is handed (order does not
 *	  matter to btree).
 *
 *	  Which rows get entries, as heap decides for its tuples:
 *	  - rows of aborted transactions: none;
 *	  - rows whose deletion committed before every running snapshot:
 *	    none (dead to everyone);
 *	  - rows deleted more recently, or by us: an entry marked not alive,
 *	    so a unique index does not count them;
 *	  - CREATE INDEX CONCURRENTLY: the rows its snapshot sees, and later
 *	    validate adds those the snapshot missed.
 *
 *	  VACUUM FULL and CLUSTER copy the rows that are live for everyone,
 *	  keeping their inserting xid and command id (CLUSTER in index order).
 *	  Rows deleted by a committed transaction are not copied even when an
 *	  older snapshot could still see them: a deletion record cannot be
 *	  carried to the new files with its original xid.  Like TRUNCATE, this
 *	  is not MVCC-safe for such snapshots.
 *
 *	  VACUUM finds dead rows (aborted inserts, deletions behind the
 *	  horizon) and bulk-deletes their index entries.  Segment files are
 *	  immutable, so the rows themselves stay until their segment is
 *	  evicted; their deletion records stay too, and keep them invisible.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heaptoast.h"
#include "access/htup_details.h"
#include "access/multixact.h"
#include "access/tableam.h"
#include "access/transam.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "commands/progress.h"
#include "commands/vacuum.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "storage/procarray.h"
#include "storage/segstorage.h"
#include "tableam/segam.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/tuplesort.h"

/* ---- reading every row in row-number order ---- */

typedef struct OrderedSegment
{
	SegScanSegment *segment;
	SegActiveReader *active;
	SegSealedReader *sealed;
	bool		has_next;		/* "next" holds the reader's next row */
	bool		done;
	SegStoredRow next;
} OrderedSegment;

typedef struct OrderedRows
{
	uint32	   *chunk_segments;
	uint64		nchunks;
	uint64		chunk;			/* the chunk being read */
	uint64		end_row;		/* stop before this row number */
	OrderedSegment *segments;	/* by segment id */
	int			nsegments;
} OrderedRows;

static void
ordered_begin(OrderedRows *o, Relation rel, Snapshot snapshot,
			  uint64 start_row, uint64 end_row)
{
	int			n;
	SegScanSegment *list;

	SegActiveFlushRelation(rel->rd_node.relNode);
	memset(o, 0, sizeof(*o));
	o->chunk_segments = SegShmemReadChunkLog(MyDatabaseId, rel->rd_node.relNode,
											 &o->nchunks);
	o->chunk = start_row / SEG_CHUNK_ROWS;
	o->end_row = end_row;
	list = SegSealScanList(rel, snapshot, &n);
	o->segments = palloc0(sizeof(OrderedSegment) * Max(n, 1));
	o->nsegments = n;
	for (int i = 0; i < n; i++)
		o->segments[i].segment = &list[i];
}

static OrderedSegment *
ordered_find(OrderedRows *o, uint32 segment_id)
{
	int			lo = 0;
	int			hi = o->nsegments - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;
		uint32		id = o->segments[mid].segment->segment_id;

		if (id == segment_id)
			return &o->segments[mid];
		if (id < segment_id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

/* Read the segment's next row into s->next; false at its end. */
static bool
ordered_advance(OrderedSegment *s)
{
	if (s->active == NULL && s->sealed == NULL)
	{
		if (s->segment->quarantined)
		{
			ereport(WARNING,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("skipping quarantined segment file \"%s\"", s->segment->path)));
			return false;
		}
		if (s->segment->sealed)
			s->sealed = SegSealedReaderOpen(s->segment->path);
		else
			s->active = SegActiveReaderOpen(s->segment->path);
	}
	return SegReadNextStored(s->active, s->sealed, s->segment->manifest,
							 s->segment->path, &s->next);
}

/*
 * The next row in row-number order, visible or not; false at the end.
 * The row stays valid until the next call.
 */
static bool
ordered_next(OrderedRows *o, SegStoredRow *row)
{
	while (o->chunk < o->nchunks &&
		   o->chunk * SEG_CHUNK_ROWS < o->end_row)
	{
		OrderedSegment *s = NULL;

		CHECK_FOR_INTERRUPTS();
		if (o->chunk_segments[o->chunk] != 0)
			s = ordered_find(o, o->chunk_segments[o->chunk]);
		if (s == NULL || s->done)
		{
			o->chunk++;
			continue;
		}
		if (!s->has_next)
		{
			if (!ordered_advance(s))
			{
				s->done = true;
				continue;
			}
			s->has_next = true;
		}
		/* rows of a chunk we are not at yet wait in "next" */
		if (s->next.row_number / SEG_CHUNK_ROWS > o->chunk)
		{
			o->chunk++;
			continue;
		}
		s->has_next = false;
		if (s->next.row_number >= o->end_row)
			return false;
		*row = s->next;
		return true;
	}
	return false;
}

static void
ordered_end(OrderedRows *o)
{
	for (int i = 0; i < o->nsegments; i++)
	{
		if (o->segments[i].active)
			SegActiveReaderClose(o->segments[i].active);
		if (o->segments[i].sealed)
			SegSealedReaderClose(o->segments[i].sealed);
	}
}

/* ---- deciding what a row is ---- */

typedef enum RowState
{
	ROW_DEAD,					/* no snapshot can see it */
	ROW_LIVE,
	ROW_RECENTLY_DEAD			/* deleted, but some snapshot may see it */
} RowState;

/*
 * What a stored row is for everyone, with deletions "dels".  A row of a
 * transaction still running is waited for (CREATE INDEX holds a lock
 * writers conflict with, so only prepared transactions can be running).
 */
static RowState
row_state(Relation rel, const SegStoredRow *row, const SegRowDeletion *dels,
		  int ndels, TransactionId oldest_xmin, bool wait)
{
	const SegRowDeletion *d;

	if (!TransactionIdIsCurrentTransactionId(row->xmin))
	{
		if (wait && TransactionIdIsInProgress(row->xmin))
			XactLockTableWait(row->xmin, rel, NULL, XLTW_None);
		if (TransactionIdIsInProgress(row->xmin))
			return ROW_LIVE;	/* VACUUM: not dead yet */
		if (!TransactionIdDidCommit(row->xmin))
			return ROW_DEAD;
	}
	d = SegRowDeletionFind(dels, ndels, row->row_number);
	if (d == NULL)
		return ROW_LIVE;
	if (d->status == SEG_MARK_COMMITTED &&
		TransactionIdPrecedes(d->xid, oldest_xmin))
		return ROW_DEAD;
	return ROW_RECENTLY_DEAD;
}

/* ---- index builds ---- */

/*
 * table_index_build_range_scan for segstore (see the file header).
 * "next_stored" reads the rows of a parallel scan; NULL reads every row
 * in order.  Returns the number of live rows.
 */
double
SegIndexBuildRangeScan(Relation rel, Relation index, IndexInfo *info,
					   BlockNumber start_blockno, BlockNumber numblocks,
					   IndexBuildCallback callback, void *callback_state,
					   TableScanDesc scan)
{
	EState	   *estate = CreateExecutorState();
	ExprContext *econtext = GetPerTupleExprContext(estate);
	TupleTableSlot *slot = table_slot_create(rel, NULL);
	ExprState  *predicate;
	Snapshot	snapshot = NULL;
	bool		registered = false;
	TransactionId oldest_xmin = GetOldestNonRemovableTransactionId(rel);
	SegRowDeletion *dels;
	int			ndels;
	OrderedRows ordered;
	MemoryContext build_context;
	MemoryContext oldcxt;
	SegRowStorer *storer;
	SegVisibilityCache cache = {InvalidTransactionId, false};
	SegDeletedSet deleted;
	double		reltuples = 0;
	Datum		values[INDEX_MAX_KEYS];
	bool		isnull[INDEX_MAX_KEYS];
	uint64		start_row = (uint64) start_blockno * MaxHeapTuplesPerPage;
	uint64		end_row = numblocks == InvalidBlockNumber ? PG_UINT64_MAX :
		(uint64) (start_blockno + numblocks) * MaxHeapTuplesPerPage;

	/* an index without the quarantined rows would be wrong once they are back */
	SegCheckNoQuarantine(RelationGetRelid(rel), "build an index on");
	econtext->ecxt_scantuple = slot;
	predicate = ExecPrepareQual(info->ii_Predicate, estate);

	if (scan != NULL)
		snapshot = scan->rs_snapshot;
	else if (info->ii_Concurrent)
	{
		snapshot = RegisterSnapshot(GetTransactionSnapshot());
		registered = true;
	}
	else
		snapshot = SnapshotAny;
	/* only an MVCC snapshot decides by itself; otherwise see row_state */
	if (!IsMVCCSnapshot(snapshot))
		snapshot = NULL;

	/* readers and decode buffers live here, and go at the end */
	build_context = AllocSetContextCreate(CurrentMemoryContext,
										  "segstore index build",
										  ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(build_context);
	dels = SegRowMarksAllDeletions(rel->rd_node.relNode, &ndels);
	SegDeletedSetInit(&deleted, rel->rd_node.relNode, build_context);
	storer = palloc(sizeof(SegRowStorer));
	SegRowStorerInit(storer, build_context);
	if (scan == NULL)
		ordered_begin(&ordered, rel, snapshot, start_row, end_row);

	for (;;)
	{
		SegStoredRow row;
		bool		alive = true;

		if (scan != NULL ? !SegScanNextStored(scan, &row) : !ordered_next(&ordered, &row))
			break;
		if (row.row_number < start_row || row.row_number >= end_row)
			continue;
		if (snapshot != NULL)
		{
			if (!SegRowSatisfies(row.row_number, row.xmin, row.cmin, snapshot,
								 &cache, &deleted))
				continue;
		}
		else
		{
			RowState state = row_state(rel, &row, dels, ndels, oldest_xmin, true);

			if (state == ROW_DEAD)
				continue;
			alive = state == ROW_LIVE;
		}
		if (alive)
			reltuples += 1;

		MemoryContextReset(econtext->ecxt_per_tuple_memory);
		SegRowStorerStore(storer, rel, &row, NULL, 0, slot);
		if (predicate != NULL && !ExecQual(predicate, econtext))
			continue;
		MemoryContextSwitchTo(oldcxt);
		FormIndexDatum(info, slot, estate, values, isnull);
		callback(index, &slot->tts_tid, values, isnull, alive, callback_state);
		MemoryContextSwitchTo(build_context);
	}

	if (scan == NULL)
		ordered_end(&ordered);
	else
		table_endscan(scan);
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(build_context);
	if (registered)
		UnregisterSnapshot(snapshot);
	ExecDropSingleTupleTableSlot(slot);
	FreeExecutorState(estate);
	info->ii_ExpressionsState = NIL;
	info->ii_PredicateState = NULL;
	return reltuples;
}

static int
compare_tids(const void *a, const void *b)
{
	return ItemPointerCompare((ItemPointer) a, (ItemPointer) b);
}

/*
 * CREATE INDEX CONCURRENTLY's last pass: insert entries for the rows
 * "snapshot" sees that the index does not have yet.  The index's TIDs
 * come sorted in state->tuplesort.
 */
void
SegIndexValidateScan(Relation rel, Relation index, IndexInfo *info,
					 Snapshot snapshot, ValidateIndexState *state)
{
	EState	   *estate = CreateExecutorState();
	ExprContext *econtext = GetPerTupleExprContext(estate);
	TupleTableSlot *slot = table_slot_create(rel, NULL);
	ExprState  *predicate;
	ItemPointerData *tids;
	int64		ntids = 0;
	int64		cap = 1024;
	Datum		tsdatum;
	bool		tsnull;
	OrderedRows ordered;
	MemoryContext validate_context;
	MemoryContext oldcxt;
	SegRowStorer *storer;
	SegVisibilityCache cache = {InvalidTransactionId, false};
	SegDeletedSet deleted;
	SegStoredRow row;
	Datum		values[INDEX_MAX_KEYS];
	bool		isnull[INDEX_MAX_KEYS];

	econtext->ecxt_scantuple = slot;
	predicate = ExecPrepareQual(info->ii_Predicate, estate);

	tids = palloc(sizeof(ItemPointerData) * cap);
	while (tuplesort_getdatum(state->tuplesort, true, &tsdatum, &tsnull, NULL))
	{
		if (ntids == cap)
		{
			cap *= 2;
			tids = repalloc_huge(tids, sizeof(ItemPointerData) * cap);
		}
		/* the datums are int8-encoded TIDs, see validate_index_callback */
		itemptr_decode(&tids[ntids++], DatumGetInt64(tsdatum));
	}
	qsort(tids, ntids, sizeof(ItemPointerData), compare_tids);

	validate_context = AllocSetContextCreate(CurrentMemoryContext,
											 "segstore index validate",
											 ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(validate_context);
	SegDeletedSetInit(&deleted, rel->rd_node.relNode, validate_context);
	storer = palloc(sizeof(SegRowStorer));
	SegRowStorerInit(storer, validate_context);
	ordered_begin(&ordered, rel, snapshot, 0, PG_UINT64_MAX);
	while (ordered_next(&ordered, &row))
	{
		ItemPointerData tid;

		if (!SegRowSatisfies(row.row_number, row.xmin, row.cmin, snapshot,
							 &cache, &deleted))
			continue;
		SegRowNumberToTid(row.row_number, &tid);
		if (bsearch(&tid, tids, ntids, sizeof(ItemPointerData), compare_tids) != NULL)
			continue;
		MemoryContextReset(econtext->ecxt_per_tuple_memory);
		SegRowStorerStore(storer, rel, &row, NULL, 0, slot);
		if (predicate != NULL && !ExecQual(predicate, econtext))
			continue;
		MemoryContextSwitchTo(oldcxt);
		FormIndexDatum(info, slot, estate, values, isnull);
		index_insert(index, values, isnull, &tid, rel,
					 info->ii_Unique ? UNIQUE_CHECK_YES : UNIQUE_CHECK_NO,
					 false, info);
		MemoryContextSwitchTo(validate_context);
		state->tups_inserted += 1;
	}
	ordered_end(&ordered);
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(validate_context);
	ExecDropSingleTupleTableSlot(slot);
	FreeExecutorState(estate);
	info->ii_ExpressionsState = NIL;
	info->ii_PredicateState = NULL;
}

/* ---- VACUUM FULL and CLUSTER ---- */

/* The inserting transaction and command of one copied row. */
typedef struct RowInserter
{
	uint64		row_number;
	TransactionId xmin;
	CommandId	cmin;
} RowInserter;

static int
compare_inserters(const void *a, const void *b)
{
	uint64		ra = ((const RowInserter *) a)->row_number;
	uint64		rb = ((const RowInserter *) b)->row_number;

	return ra < rb ? -1 : ra > rb ? 1 : 0;
}

void
SegCopyForCluster(Relation old_table, Relation new_table, Relation old_index,
				  double *num_tuples, double *tups_vacuumed)
{
	MemoryContext copy_context;
	MemoryContext oldcxt;
	TupleTableSlot *slot;
	TupleTableSlot *new_slot;
	Tuplesortstate *sort = NULL;
	SegRowStorer *storer;
	TransactionId oldest_xmin = GetOldestNonRemovableTransactionId(old_table);
	SegRowDeletion *dels;
	int			ndels;
	OrderedRows ordered;
	SegStoredRow row;
	RowInserter *inserters = NULL;	/* CLUSTER: who inserted each row */
	int64		ninserters = 0;
	int64		inserters_cap = 0;

	SegCheckNoQuarantine(RelationGetRelid(old_table),
						 old_index != NULL ? "cluster" : "rewrite");
	copy_context = AllocSetContextCreate(CurrentMemoryContext, "segstore rewrite",
										 ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(copy_context);
	slot = MakeSingleTupleTableSlot(RelationGetDescr(old_table), &TTSOpsVirtual);
	new_slot = MakeSingleTupleTableSlot(RelationGetDescr(new_table), &TTSOpsVirtual);
	storer = palloc(sizeof(SegRowStorer));

	*num_tuples = 0;
	*tups_vacuumed = 0;
	SegRowStorerInit(storer, copy_context);
	dels = SegRowMarksAllDeletions(old_table->rd_node.relNode, &ndels);
	if (old_index != NULL)
		sort = tuplesort_begin_cluster(RelationGetDescr(old_table), old_index,
									   maintenance_work_mem, NULL, TUPLESORT_NONE);

	ordered_begin(&ordered, old_table, NULL, 0, PG_UINT64_MAX);
	while (ordered_next(&ordered, &row))
	{
		if (row_state(old_table, &row, dels, ndels, oldest_xmin, true) != ROW_LIVE)
		{
			*tups_vacuumed += 1;
			continue;
		}
		SegRowStorerStore(storer, old_table, &row, NULL, 0, slot);
		*num_tuples += 1;
		if (sort != NULL)
		{
			HeapTuple	tuple = ExecCopySlotHeapTuple(slot);

			/* rows come in row-number order: "inserters" stays sorted */
			if (ninserters == inserters_cap)
			{
				inserters_cap = Max(1024, inserters_cap * 2);
				inserters = inserters ?
					repalloc_huge(inserters, sizeof(RowInserter) * inserters_cap) :
					palloc(sizeof(RowInserter) * inserters_cap);
			}
			inserters[ninserters].row_number = row.row_number;
			inserters[ninserters].xmin = row.xmin;
			inserters[ninserters].cmin = row.cmin;
			ninserters++;
			/* the sort keeps t_self: it names the row again afterwards */
			SegRowNumberToTid(row.row_number, &tuple->t_self);
			tuplesort_putheaptuple(sort, tuple);
			heap_freetuple(tuple);
			continue;
		}
		ExecClearTuple(new_slot);
		memcpy(new_slot->tts_values, slot->tts_values,
			   sizeof(Datum) * slot->tts_tupleDescriptor->natts);
		memcpy(new_slot->tts_isnull, slot->tts_isnull,
			   sizeof(bool) * slot->tts_tupleDescriptor->natts);
		ExecStoreVirtualTuple(new_slot);
		SegInsertRow(new_table, new_slot, row.xmin, row.cmin);
	}
	ordered_end(&ordered);

	if (sort != NULL)
	{
		HeapTuple	tuple;

		tuplesort_performsort(sort);
		while ((tuple = tuplesort_getheaptuple(sort, true)) != NULL)
		{
			RowInserter key;
			RowInserter *inserter;

			CHECK_FOR_INTERRUPTS();
			key.row_number = SegTidToRowNumber(&tuple->t_self);
			inserter = bsearch(&key, inserters, ninserters, sizeof(RowInserter),
							   compare_inserters);
			if (inserter == NULL)
				elog(ERROR, "row " UINT64_FORMAT " was lost while sorting", key.row_number);
			ExecForceStoreHeapTuple(tuple, new_slot, false);
			slot_getallattrs(new_slot);
			SegInsertRow(new_table, new_slot, inserter->xmin, inserter->cmin);
		}
		tuplesort_end(sort);
	}
	ExecDropSingleTupleTableSlot(slot);
	ExecDropSingleTupleTableSlot(new_slot);
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(copy_context);
}

/* ---- VACUUM ---- */

/*
 * What VACUUM knows about the rows, to tell an index which of its TIDs
 * point to dead rows: rows it found dead, and the row numbers present in
 * the files (as ranges), so that a row missing from a sealed segment (a
 * rolled-back row the seal dropped) or from an evicted segment counts as
 * dead too.  A row missing from an active segment may still be on its way
 * into the file, so only what was found dead counts there.
 */
typedef struct VacuumRows
{
	uint64	   *dead;			/* ascending */
	int64		ndead;
	int64		dead_cap;
	uint64	   *present_start;	/* ascending, disjoint ranges */
	uint64	   *present_end;	/* inclusive */
	int64		npresent;
	int64		present_cap;
	OrderedRows *ordered;		/* its chunk log and segment list */
} VacuumRows;

static void
add_dead(VacuumRows *v, uint64 row_number)
{
	if (v->ndead == v->dead_cap)
	{
		v->dead_cap = Max(1024, v->dead_cap * 2);
		v->dead = v->dead ? repalloc_huge(v->dead, sizeof(uint64) * v->dead_cap) :
			palloc(sizeof(uint64) * v->dead_cap);
	}
	v->dead[v->ndead++] = row_number;
}

/* Rows come in row-number order: extend the last range or start one. */
static void
add_present(VacuumRows *v, uint64 row_number)
{
	if (v->npresent > 0 && v->present_end[v->npresent - 1] + 1 == row_number)
	{
		v->present_end[v->npresent - 1] = row_number;
		return;
	}
	if (v->npresent == v->present_cap)
	{
		v->present_cap = Max(256, v->present_cap * 2);
		v->present_start = v->present_start ?
			repalloc_huge(v->present_start, sizeof(uint64) * v->present_cap) :
			palloc(sizeof(uint64) * v->present_cap);
		v->present_end = v->present_end ?
			repalloc_huge(v->present_end, sizeof(uint64) * v->present_cap) :
			palloc(sizeof(uint64) * v->present_cap);
	}
	v->present_start[v->npresent] = row_number;
	v->present_end[v->npresent] = row_number;
	v->npresent++;
}

static bool
is_present(const VacuumRows *v, uint64 row_number)
{
	int64		lo = 0;
	int64		hi = v->npresent - 1;

	while (lo <= hi)
	{
		int64		mid = lo + (hi - lo) / 2;

		if (row_number < v->present_start[mid])
			hi = mid - 1;
		else if (row_number > v->present_end[mid])
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

/* IndexBulkDeleteCallback: does the TID point to a dead row? */
static bool
row_is_dead(ItemPointer tid, void *arg)
{
	VacuumRows *v = (VacuumRows *) arg;
	uint64		row_number = SegTidToRowNumber(tid);
	uint64		chunk = row_number / SEG_CHUNK_ROWS;
	OrderedSegment *s;

	if (SegRowNumberSearch(v->dead, v->ndead, row_number) >= 0)
		return true;
	/* a chunk handed out after VACUUM read the chunk log: a new row */
	if (chunk >= v->ordered->nchunks || v->ordered->chunk_segments[chunk] == 0)
		return false;

	/*
	 * The chunk's segment existed before the segment list was read (its
	 * file is made before it takes chunks), and VACUUM's lock keeps seals,
	 * evictions and cleanup out: a segment missing from the list is
	 * evicted.
	 */
	s = ordered_find(v->ordered, v->ordered->chunk_segments[chunk]);
	if (s == NULL)
		return true;
	if (!s->segment->sealed || s->segment->quarantined)
		return false;
	return !is_present(v, row_number);
}

/*
 * VACUUM: remove the files no snapshot needs; seal the active segments
 * whose rows are all older than the freeze cutoff and freeze the sealed
 * ones (seg_freeze.c); remove the index entries of rows no snapshot can
 * see any more and of rows that are gone (see VacuumRows); forget lock
 * records of finished transactions; update the table's statistics
 * (reltuples, relpages) and relfrozenxid.
 */
void
SegVacuumRelation(Relation rel, VacuumParams *params,
				  BufferAccessStrategy bstrategy)
{
	TransactionId oldest_xmin;
	TransactionId freeze_limit;
	TransactionId new_frozen_xid;
	MultiXactId oldest_mxact;
	MultiXactId multixact_cutoff;
	SegCleanupResult cleanup;
	int			nfrozen;
	SegRowDeletion *dels;
	int			ndels;
	OrderedRows ordered;
	SegStoredRow row;
	VacuumRows	rows;
	double		live = 0;
	Relation   *indexes;
	int			nindexes;
	BlockNumber pages;

	(void) vacuum_set_xid_limits(rel, params->freeze_min_age,
								 params->freeze_table_age,
								 params->multixact_freeze_min_age,
								 params->multixact_freeze_table_age,
								 &oldest_xmin, &oldest_mxact,
								 &freeze_limit, &multixact_cutoff);

	/* files no snapshot needs, then freezing (see seg_freeze.c) */
	SegCleanupTable(rel, &cleanup);
	(void) SegSealColdSegments(rel, freeze_limit);
	new_frozen_xid = SegFreezeSegments(rel, oldest_xmin, freeze_limit, &nfrozen);

	SegRowMarksRemoveFinishedLocks(rel->rd_node.relNode);
	dels = SegRowMarksAllDeletions(rel->rd_node.relNode, &ndels);

	memset(&rows, 0, sizeof(rows));
	/* rows come in row-number order, so both arrays are sorted */
	ordered_begin(&ordered, rel, NULL, 0, PG_UINT64_MAX);
	rows.ordered = &ordered;
	while (ordered_next(&ordered, &row))
	{
		add_present(&rows, row.row_number);
		if (row_state(rel, &row, dels, ndels, oldest_xmin, false) == ROW_DEAD)
			add_dead(&rows, row.row_number);
		else
			live += 1;
	}
	ordered_end(&ordered);

	vac_open_indexes(rel, RowExclusiveLock, &nindexes, &indexes);
	for (int i = 0; i < nindexes; i++)
	{
		IndexVacuumInfo ivinfo;
		IndexBulkDeleteResult *stats = NULL;

		memset(&ivinfo, 0, sizeof(ivinfo));
		ivinfo.index = indexes[i];
		ivinfo.analyze_only = false;
		ivinfo.report_progress = false;
		ivinfo.estimated_count = false;
		ivinfo.message_level = DEBUG2;
		ivinfo.num_heap_tuples = live;
		ivinfo.strategy = bstrategy;
		stats = index_bulk_delete(&ivinfo, stats, row_is_dead, &rows);
		stats = index_vacuum_cleanup(&ivinfo, stats);
		if (stats != NULL && !stats->estimated_count)
			vac_update_relstats(indexes[i], stats->num_pages, stats->num_index_tuples,
								0, false, InvalidTransactionId,
								InvalidMultiXactId, NULL, NULL, false);
		if (stats != NULL)
			pfree(stats);
	}
	vac_close_indexes(nindexes, indexes, NoLock);

	pages = (BlockNumber) Min((uint64) MaxBlockNumber,
							  RelationGetNumberOfBlocks(rel));
	/* rows carry no multixacts: any multixact now running is newer */
	vac_update_relstats(rel, pages, live, 0, rel->rd_rel->relhasindex,
						new_frozen_xid, oldest_mxact, NULL, NULL, false);
}
