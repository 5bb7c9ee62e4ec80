/*-------------------------------------------------------------------------
 *
 * segam_modify.c
 *	  Who may delete, update or lock a row, and waiting for whoever holds
 *	  it: heap's concurrency rules over deletion and lock records.
 *
 * NOTES
 *	  Heap records a row's deleter or lockers in the tuple's xmax; segment
 *	  files cannot change, so segstore keeps them in segstore.deleted_rows
 *	  and segstore.row_locks (seg_row_marks.c).  The protocol follows
 *	  heap_delete / heap_lock_tuple:
 *
 *	  1. Take the heavyweight tuple lock of the wanted mode (LockTuple), so
 *	     that waiters queue fairly and two writers cannot both find the
 *	     row free and both record themselves.
 *	  2. Look at the row's records through SnapshotDirty.  A deletion by a
 *	     transaction still running, or a conflicting lock of one: wait for
 *	     that transaction (XactLockTableWait), then look again.
 *	  3. A committed deletion: TM_Deleted, or TM_Updated with the new
 *	     version's TID, and the executor re-checks the row (EvalPlanQual)
 *	     in READ COMMITTED or raises a serialization failure otherwise.
 *	     Our own deletion: TM_SelfModified or TM_Invisible, as heap.
 *	  4. Otherwise the caller records its deletion or lock, and only then
 *	     releases the tuple lock (SegModifyReleaseRow).
 *
 *	  Every UPDATE records the strongest lock mode (FOR UPDATE), as if it
 *	  changed a key column: a FOR KEY SHARE locker waits for any update.
 *	  Heap lets a non-key update and FOR KEY SHARE run together, carrying
 *	  the lock over to the new version; segstore's records cannot carry
 *	  it, so it keeps them apart.  This is stricter than heap, never
 *	  looser.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "storage/lmgr.h"
#include "storage/segstorage.h"
#include "tableam/segam.h"
#include "utils/rel.h"

/* The heavyweight lock mode of each row lock mode, as heapam.c maps them. */
static const LOCKMODE row_lock_modes[] = {
	[LockTupleKeyShare] = AccessShareLock,
	[LockTupleShare] = RowShareLock,
	[LockTupleNoKeyExclusive] = ExclusiveLock,
	[LockTupleExclusive] = AccessExclusiveLock
};

static void
could_not_lock(Relation rel)
{
	ereport(ERROR,
			(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
			 errmsg("could not obtain lock on row in relation \"%s\"",
					RelationGetRelationName(rel))));
}

/*
 * Wait for transaction xid as the policy says.  False if the policy is
 * to skip and xid still runs.
 */
static bool
wait_for(Relation rel, ItemPointer tid, TransactionId xid,
		 LockWaitPolicy policy, XLTW_Oper oper)
{
	switch (policy)
	{
		case LockWaitBlock:
			XactLockTableWait(xid, rel, tid, oper);
			return true;
		case LockWaitSkip:
			return ConditionalXactLockTableWait(xid);
		case LockWaitError:
			if (!ConditionalXactLockTableWait(xid))
				could_not_lock(rel);
			return true;
	}
	return false;
}

/*
 * Get the right to delete, update or lock (in "mode") the row at tid for
 * command cid.  On TM_Ok the caller records what it does and then calls
 * SegModifyReleaseRow; on any other result the tuple lock is already
 * released and *tmfd says why, as heap fills it in.  *holds_lock is set
 * when this transaction already holds a lock of at least "mode".
 */
TM_Result
SegModifyAcquireRow(Relation rel, ItemPointer tid, LockTupleMode mode,
					LockWaitPolicy policy, CommandId cid,
					TM_FailureData *tmfd, bool *holds_lock)
{
	Oid			relfilenode = rel->rd_node.relNode;
	uint64		row_number = SegTidToRowNumber(tid);
	LOCKMODE	hwmode = row_lock_modes[mode];
	XLTW_Oper	oper = mode == LockTupleExclusive ? XLTW_Delete : XLTW_Lock;
	TM_Result	result = TM_Ok;
	SegRowMarks marks;

	*holds_lock = false;
	switch (policy)
	{
		case LockWaitBlock:
			LockTuple(rel, tid, hwmode);
			break;
		case LockWaitSkip:
			if (!ConditionalLockTuple(rel, tid, hwmode))
				return TM_WouldBlock;
			break;
		case LockWaitError:
			if (!ConditionalLockTuple(rel, tid, hwmode))
				could_not_lock(rel);
			break;
	}

	for (;;)
	{
		bool		waited = false;

		SegRowMarksExamine(relfilenode, row_number, &marks);
		if (marks.has_deletion)
		{
			const SegRowDeletion *d = &marks.deletion;

			if (d->status == SEG_MARK_RUNNING)
			{
				if (!wait_for(rel, tid, d->xid, policy, oper))
				{
					result = TM_WouldBlock;
					break;
				}
				continue;
			}
			tmfd->xmax = d->xid;
			tmfd->cmax = d->status == SEG_MARK_OWN ? d->cid : InvalidCommandId;
			if (d->successor >= 0)
				SegRowNumberToTid((uint64) d->successor, &tmfd->ctid);
			else if (d->successor == SEG_SUCCESSOR_MOVED)
				ItemPointerSetMovedPartitions(&tmfd->ctid);
			else
				tmfd->ctid = *tid;
			if (d->status == SEG_MARK_OWN)
				result = d->cid >= cid ? TM_SelfModified : TM_Invisible;
			else
				result = d->successor == SEG_SUCCESSOR_DELETED ? TM_Deleted : TM_Updated;
			break;
		}
		for (int i = 0; i < marks.nlockers; i++)
		{
			const SegRowLocker *l = &marks.lockers[i];

			if (l->own)
			{
				if (l->mode >= mode)
					*holds_lock = true;
				continue;
			}
			if (!DoLockModesConflict(row_lock_modes[l->mode], hwmode))
				continue;
			if (!wait_for(rel, tid, l->xid, policy, oper))
			{
				result = TM_WouldBlock;
				break;
			}
			waited = true;
			break;
		}
		if (result != TM_Ok || !waited)
			break;
		pfree(marks.lockers);
	}
	pfree(marks.lockers);
	if (result != TM_Ok)
		UnlockTuple(rel, tid, hwmode);
	return result;
}

/* Let others at the row again, once what we did is recorded. */
void
SegModifyReleaseRow(Relation rel, ItemPointer tid, LockTupleMode mode)
{
	UnlockTuple(rel, tid, row_lock_modes[mode]);
}

/*
 * The newest version of the row at tid that committed (or that we wrote):
 * follows UPDATE successors, as heap follows t_ctid.
 */
void
SegModifyLatestTid(Relation rel, ItemPointer tid)
{
	for (;;)
	{
		SegRowMarks marks;
		bool		follow;

		SegRowMarksExamine(rel->rd_node.relNode, SegTidToRowNumber(tid), &marks);
		follow = marks.has_deletion && marks.deletion.successor >= 0 &&
			marks.deletion.status != SEG_MARK_RUNNING;
		if (follow)
			SegRowNumberToTid((uint64) marks.deletion.successor, tid);
		pfree(marks.lockers);
		if (!follow)
			return;
	}
}
