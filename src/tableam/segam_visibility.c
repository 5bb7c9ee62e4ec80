/*-------------------------------------------------------------------------
 *
 * segam_visibility.c
 *	  Whether a stored row is visible to a snapshot.
 *
 * NOTES
 *	  Every row carries the id of the (sub)transaction that inserted it and
 *	  the command id within it: the xmin half of heap's rules
 *	  (heapam_visibility.c).  A row of our own transaction is visible to
 *	  commands after the one that inserted it, unless its subtransaction
 *	  rolled back; a row of another transaction is visible once that
 *	  transaction committed before the snapshot was taken.  A crashed
 *	  transaction never committed, so its rows are never visible.
 *
 *	  The xmax half is a deletion record in segstore.deleted_rows
 *	  (seg_row_marks.c), a heap row whose own visibility to an MVCC
 *	  snapshot is exactly whether the snapshot sees the deletion.  A scan
 *	  loads the deletions its snapshot sees once, sorted, and looks each
 *	  row up there; dirty and self snapshots (unique checks, constraint
 *	  checks) ask about the single row.
 *
 *	  Rows of a frozen sealed segment come here with FrozenTransactionId
 *	  (or InvalidTransactionId if their transaction aborted) in place of
 *	  their stored xid (seg_freeze.c), which the rules below take as
 *	  committed for every snapshot (or for none) without the commit log.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/transam.h"
#include "access/xact.h"
#include "storage/procarray.h"
#include "storage/segstorage.h"
#include "tableam/segam.h"
#include "utils/snapmgr.h"

static bool
committed_and_not_running(TransactionId xid)
{
	if (TransactionIdIsInProgress(xid))
		return false;
	return TransactionIdDidCommit(xid);
}

/*
 * Is a row inserted by (xmin, cmin) visible to "snapshot"?  "cache" may
 * be NULL; if given it must belong to a scan using this one snapshot.
 */
bool
SegRowVisible(TransactionId xmin, CommandId cmin, Snapshot snapshot,
			  SegVisibilityCache *cache)
{
	bool		visible;

	if (TransactionIdIsCurrentTransactionId(xmin))
	{
		switch (snapshot->snapshot_type)
		{
			case SNAPSHOT_MVCC:
				return cmin < snapshot->curcid;
			case SNAPSHOT_ANY:
			case SNAPSHOT_SELF:
			case SNAPSHOT_DIRTY:
			case SNAPSHOT_NON_VACUUMABLE:
				return true;
			default:
				break;
		}
		goto unsupported;
	}

	if (cache != NULL && cache->xid == xmin)
		return cache->visible;

	switch (snapshot->snapshot_type)
	{
		case SNAPSHOT_MVCC:
			visible = !XidInMVCCSnapshot(xmin, snapshot) &&
				TransactionIdDidCommit(xmin);
			break;
		case SNAPSHOT_ANY:
			return true;
		case SNAPSHOT_SELF:
			visible = committed_and_not_running(xmin);
			break;
		case SNAPSHOT_DIRTY:
			if (TransactionIdIsInProgress(xmin))
			{
				snapshot->xmin = xmin;
				return true;
			}
			return TransactionIdDidCommit(xmin);
		case SNAPSHOT_NON_VACUUMABLE:
			/* everything except rows of aborted transactions */
			return TransactionIdIsInProgress(xmin) || TransactionIdDidCommit(xmin);
		default:
			goto unsupported;
	}

	if (cache != NULL && snapshot->snapshot_type == SNAPSHOT_MVCC)
	{
		cache->xid = xmin;
		cache->visible = visible;
	}
	return visible;

unsupported:
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("segstore tables cannot be read with snapshot type %d",
					(int) snapshot->snapshot_type),
			 errdetail("Logical decoding of segstore tables is not supported.")));
	return false;				/* keep compiler quiet */
}

void
SegDeletedSetInit(SegDeletedSet *set, Oid relfilenode, MemoryContext context)
{
	memset(set, 0, sizeof(*set));
	set->relfilenode = relfilenode;
	set->context = context;
}

/* Does the MVCC snapshot see a deletion of row_number? */
static bool
deleted_in_snapshot(SegDeletedSet *set, uint64 row_number, Snapshot snapshot)
{
	if (!set->loaded || set->snapshot != snapshot ||
		set->curcid != snapshot->curcid || set->xmin != snapshot->xmin ||
		set->xmax != snapshot->xmax)
	{
		MemoryContext old = MemoryContextSwitchTo(set->context);

		if (set->rows != NULL)
			pfree(set->rows);
		set->rows = SegRowMarksDeletedRows(set->relfilenode, snapshot, &set->nrows);
		MemoryContextSwitchTo(old);
		set->loaded = true;
		set->snapshot = snapshot;
		set->curcid = snapshot->curcid;
		set->xmin = snapshot->xmin;
		set->xmax = snapshot->xmax;
	}
	return SegRowNumberSearch(set->rows, set->nrows, row_number) >= 0;
}

/*
 * Is the stored row (row_number, xmin, cmin) visible to "snapshot",
 * deletions included?  Like heap, a dirty snapshot sees a row whose
 * deletion is still running and reports the deleter in snapshot->xmax
 * (and a running inserter in snapshot->xmin).
 */
bool
SegRowSatisfies(uint64 row_number, TransactionId xmin, CommandId cmin,
				Snapshot snapshot, SegVisibilityCache *cache,
				SegDeletedSet *deleted)
{
	SegRowMarks marks;

	if (snapshot->snapshot_type == SNAPSHOT_DIRTY)
	{
		snapshot->xmin = snapshot->xmax = InvalidTransactionId;
		snapshot->speculativeToken = 0;
	}
	if (!SegRowVisible(xmin, cmin, snapshot, cache))
		return false;
	switch (snapshot->snapshot_type)
	{
		case SNAPSHOT_MVCC:
			return !deleted_in_snapshot(deleted, row_number, snapshot);
		case SNAPSHOT_ANY:
		case SNAPSHOT_NON_VACUUMABLE:
			/* deleted rows count as live until VACUUM removes them */
			return true;
		case SNAPSHOT_SELF:
		case SNAPSHOT_DIRTY:
			SegRowMarksExamine(deleted->relfilenode, row_number, &marks);
			pfree(marks.lockers);
			if (!marks.has_deletion)
				return true;
			if (marks.deletion.status == SEG_MARK_RUNNING)
			{
				if (snapshot->snapshot_type == SNAPSHOT_DIRTY)
					snapshot->xmax = marks.deletion.xid;
				return true;
			}
			return false;
		default:
			/* SegRowVisible refused the other kinds */
			break;
	}
	return false;
}
