/*-------------------------------------------------------------------------
 *
 * segam_visibility.c
 *	  Whether a stored row is visible to a snapshot.
 *
 * NOTES
 *	  Every row carries the id of the (sub)transaction that inserted it and
 *	  the command id within it.  Rows are never updated or deleted yet, so
 *	  visibility is the xmin half of heap's rules (heapam_visibility.c):
 *	  a row of our own transaction is visible to commands after the one
 *	  that inserted it, unless its subtransaction rolled back; a row of
 *	  another transaction is visible once that transaction committed
 *	  before the snapshot was taken.  A crashed transaction never
 *	  committed, so its rows are never visible.
 *
 *	  The table's relfrozenxid stays at its creation xid (nothing is
 *	  frozen yet), so the commit log these checks need is never truncated
 *	  away under us.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/transam.h"
#include "access/xact.h"
#include "storage/procarray.h"
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
