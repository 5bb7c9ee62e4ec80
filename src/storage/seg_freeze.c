/*-------------------------------------------------------------------------
 *
 * seg_freeze.c
 *	  Freezing sealed segments, so that xid wraparound can never change
 *	  what a row's stored xid means, and the relfrozenxid that follows.
 *
 * NOTES
 *	  Every stored row carries the 32-bit xid of its inserting
 *	  transaction.  PostgreSQL truncates the commit log below the oldest
 *	  relfrozenxid of all tables, and after 2^31 more transactions an old
 *	  xid reads as one in the future; heap therefore rewrites old xmins as
 *	  "frozen".  Our sealed files are immutable, so the mark lives in the
 *	  segment's manifest row instead (SegManifestMarkFrozen):
 *
 *		- a sealed segment is frozen by VACUUM once its newest row's xid
 *		  (max_xid, recorded at seal time as a 64-bit xid) precedes the
 *		  freeze cutoff.  Sealing drops rows of aborted transactions, so
 *		  such a segment holds only committed rows, unless rows of running
 *		  (e.g. prepared) transactions were kept (pending_rows): then
 *		  VACUUM reads the file, gives up while one of them still runs,
 *		  and otherwise records the aborted ones in aborted_rows;
 *		- readers then take every row of the segment as inserted by
 *		  FrozenTransactionId, the aborted ones by InvalidTransactionId
 *		  (SegManifestRowVersion), without looking at the stored xid.
 *
 *	  Both facts (committed long ago; aborted) hold for every snapshot,
 *	  so a reader may see the frozen mark or not, whatever its snapshot.
 *	  But a snapshot that does not see the mark looks the stored xids up
 *	  in the commit log, so a segment holds relfrozenxid back until its
 *	  frozen manifest row is seen by every snapshot (the VACUUM after the
 *	  one that froze it, once older snapshots are gone).
 *
 *	  Active files cannot be marked (they grow, and may hold rows of
 *	  aborted transactions), so VACUUM seals the ones whose rows all
 *	  precede the cutoff (SegSealColdSegments) and the rest hold the
 *	  table's relfrozenxid back: it becomes the oldest xid still stored
 *	  in an active file (the superseded active file of a sealed segment
 *	  too, while snapshots may still read it) or an unfrozen sealed
 *	  segment, or VACUUM's oldest xmin if that is older than all of them.
 *
 *	  Locking: the caller (VACUUM) holds ShareUpdateExclusiveLock on the
 *	  table, which keeps seals, evictions, quarantines and cleanup out.
 *	  Rows appended meanwhile belong to transactions newer than VACUUM's
 *	  oldest xmin, so they cannot hold relfrozenxid back.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/transam.h"
#include "miscadmin.h"
#include "storage/procarray.h"
#include "storage/segstorage.h"
#include "utils/snapmgr.h"

/*
 * Does every snapshot see the manifest row as it is now?  Only then can
 * its frozen mark stand in for the rows' xids: an older snapshot still
 * reads the version before the mark and looks the xids up in the commit
 * log, which must not be truncated under it.
 */
static bool
seen_by_all(const SegManifestEntry *e, TransactionId oldest_xmin)
{
	return TransactionIdPrecedes(e->xmin, oldest_xmin) &&
		TransactionIdDidCommit(e->xmin);
}

static TransactionId
xid_of(uint64 full_xid)
{
	return XidFromFullTransactionId(FullTransactionIdFromU64(full_xid));
}

static TransactionId
older_xid(TransactionId a, TransactionId b)
{
	/* rows a rewrite copied as frozen need no commit log: not b */
	if (!TransactionIdIsNormal(b))
		return a;
	return TransactionIdPrecedes(b, a) ? b : a;
}

/*
 * Freeze a sealed segment with rows of transactions that were running
 * when it was sealed: read it, and give up if one of them still runs.
 */
static bool
freeze_pending_segment(Oid relfilenode, const SegManifestEntry *e,
					   const char *path)
{
	SegSealedReader *reader = SegSealedReaderOpen(path);
	SegSealedRow row;
	uint64	   *aborted = NULL;
	int			naborted = 0;
	int			cap = 0;
	bool		freezable = true;

	while (SegSealedReaderNext(reader, &row))
	{
		CHECK_FOR_INTERRUPTS();
		if (TransactionIdIsInProgress(row.xmin))
		{
			freezable = false;
			break;
		}
		if (TransactionIdDidCommit(row.xmin))
			continue;
		if (naborted == cap)
		{
			cap = Max(16, cap * 2);
			aborted = aborted ? repalloc(aborted, sizeof(uint64) * cap) :
				palloc(sizeof(uint64) * cap);
		}
		aborted[naborted++] = row.row_number;	/* file order: ascending */
	}
	SegSealedReaderClose(reader);
	if (freezable)
		SegManifestMarkFrozen(relfilenode, e->segment_id, aborted, naborted);
	if (aborted != NULL)
		pfree(aborted);
	return freezable;
}

/*
 * Freeze the sealed segments of rel whose rows all precede freeze_limit,
 * and return the xid the table's relfrozenxid can advance to (never past
 * oldest_xmin).  *nfrozen: segments frozen now.  Caller holds
 * ShareUpdateExclusiveLock on rel.
 */
TransactionId
SegFreezeSegments(Relation rel, TransactionId oldest_xmin,
				  TransactionId freeze_limit, int *nfrozen)
{
	Oid			relfilenode = rel->rd_node.relNode;
	FullTransactionId next = ReadNextFullTransactionId();
	uint64		limit = SegFullXid(freeze_limit, next);
	TransactionId new_frozen_xid = oldest_xmin;
	int			nentries;
	SegManifestEntry *entries = SegManifestList(relfilenode, GetLatestSnapshot(),
												&nentries);
	int			nfiles;
	SegSegmentFile *files;

	*nfrozen = 0;
	for (int i = 0; i < nentries; i++)
	{
		const SegManifestEntry *e = &entries[i];
		char		path[MAXPGPATH];

		if (e->row_count <= 0)
			continue;
		if (e->frozen)
		{
			if (!seen_by_all(e, oldest_xmin))
				new_frozen_xid = older_xid(new_frozen_xid, xid_of(e->min_xid));
			continue;
		}
		/* an evicted segment's sealed file may still be read: keep its xids */
		if (!e->evicted && e->max_xid < limit)
		{
			SegSealedPath(MyDatabaseId, relfilenode, e->segment_id,
						  e->bucket_start, path);
			if (!e->pending_rows)
			{
				SegManifestMarkFrozen(relfilenode, e->segment_id, NULL, 0);
				(*nfrozen)++;
			}
			/* a quarantined file cannot be read */
			else if (!e->quarantined &&
					 freeze_pending_segment(relfilenode, e, path))
				(*nfrozen)++;
		}
		/* frozen now or not, snapshots before this VACUUM need the xids */
		new_frozen_xid = older_xid(new_frozen_xid, xid_of(e->min_xid));
	}

	/* every active file, superseded by a seal or not */
	files = SegFilesListSegments(MyDatabaseId, relfilenode, &nfiles);
	for (int i = 0; i < nfiles; i++)
	{
		SegActiveReader *reader = SegActiveReaderOpen(files[i].path);
		SegRecordHeader hdr;
		const char *payload;

		while (SegActiveReaderNext(reader, &hdr, &payload))
			new_frozen_xid = older_xid(new_frozen_xid, hdr.xmin);
		SegActiveReaderClose(reader);
	}
	pfree(files);
	pfree(entries);
	return new_frozen_xid;
}
