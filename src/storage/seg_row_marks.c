/*-------------------------------------------------------------------------
 *
 * seg_row_marks.c
 *	  Deletion and lock records of single rows: the heap tables
 *	  segstore.deleted_rows and segstore.row_locks.
 *
 * NOTES
 *	  Segment files are append-only or immutable, so what heap keeps in a
 *	  tuple's xmax lives here.  A DELETE or UPDATE inserts a deletion
 *	  record (relfilenode, row number, successor) in the deleting
 *	  transaction and command; the record's own xmin and cmin are the
 *	  row's xmax and cmax.  PostgreSQL's MVCC then answers "does this
 *	  snapshot see the deletion" exactly as heap answers it for xmax:
 *	  committed before the snapshot, or our own earlier command.  A
 *	  crashed or aborted deleter's record is simply never visible.
 *
 *	  A lock record (SELECT ... FOR SHARE etc.) means something only while
 *	  the transaction that inserted it runs; VACUUM of the segstore table
 *	  deletes the rest.
 *
 *	  Writers find out who else holds a row through SnapshotDirty, which
 *	  also returns records of transactions still running; segam_modify.c
 *	  waits for those.  Records are inserted with heap_insert and the
 *	  caller's command id (not CatalogTupleInsert, which would use the
 *	  current one), and nothing here increments the command counter.
 *
 *	  Records are keyed by relfilenode: TRUNCATE, rewrites and DROP remove
 *	  a relfilenode's records in the same transaction.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/transam.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/indexing.h"
#include "nodes/execnodes.h"
#include "segstore.h"
#include "storage/procarray.h"
#include "storage/segstorage.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#define DELETED_TABLE	"deleted_rows"
#define DELETED_INDEX	"deleted_rows_row"
#define LOCKS_TABLE		"row_locks"
#define LOCKS_INDEX		"row_locks_row"

/* columns shared by both tables; the third is successor or mode */
#define Anum_relfilenode	1
#define Anum_row_number		2
#define Anum_third			3

static void
init_keys(ScanKeyData *keys, Oid relfilenode, uint64 row_number)
{
	ScanKeyInit(&keys[0], Anum_relfilenode, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(relfilenode));
	ScanKeyInit(&keys[1], Anum_row_number, BTEqualStrategyNumber, F_INT8EQ,
				Int64GetDatum((int64) row_number));
}

/* Insert one record with the caller's command id, and its index entry. */
static void
insert_record(const char *table, const char *index, Oid relfilenode,
			  uint64 row_number, Datum third, CommandId cid)
{
	Relation	rel = table_open(SegCatalogRelid(table, false), RowExclusiveLock);
	Relation	idx = index_open(SegCatalogRelid(index, false), RowExclusiveLock);
	IndexInfo  *info = BuildIndexInfo(idx);
	Datum		values[3];
	bool		nulls[3] = {false, false, false};
	HeapTuple	tuple;

	values[Anum_relfilenode - 1] = ObjectIdGetDatum(relfilenode);
	values[Anum_row_number - 1] = Int64GetDatum((int64) row_number);
	values[Anum_third - 1] = third;
	tuple = heap_form_tuple(RelationGetDescr(rel), values, nulls);
	heap_insert(rel, tuple, cid, 0, NULL);
	index_insert(idx, values, nulls, &tuple->t_self, rel, UNIQUE_CHECK_NO,
				 false, info);
	heap_freetuple(tuple);
	index_close(idx, RowExclusiveLock);
	table_close(rel, RowExclusiveLock);
}

/* Record that (cid of) this transaction deleted or updated a row. */
void
SegRowMarksAddDeletion(Oid relfilenode, uint64 row_number, int64 successor,
					   CommandId cid)
{
	insert_record(DELETED_TABLE, DELETED_INDEX, relfilenode, row_number,
				  Int64GetDatum(successor), cid);
}

/* Record that this transaction holds a row lock of "mode". */
void
SegRowMarksAddLock(Oid relfilenode, uint64 row_number, LockTupleMode mode,
				   CommandId cid)
{
	insert_record(LOCKS_TABLE, LOCKS_INDEX, relfilenode, row_number,
				  Int16GetDatum((int16) mode), cid);
}

/*
 * How a record found through SnapshotDirty stands: its transaction is
 * ours, still running, or committed (aborted ones are not returned).
 */
static SegMarkStatus
record_status(HeapTuple tuple, SnapshotData *dirty, TransactionId *xid)
{
	*xid = HeapTupleHeaderGetXmin(tuple->t_data);
	if (TransactionIdIsValid(dirty->xmin))
	{
		*xid = dirty->xmin;
		return SEG_MARK_RUNNING;
	}
	if (TransactionIdIsCurrentTransactionId(*xid))
		return SEG_MARK_OWN;
	return SEG_MARK_COMMITTED;
}

/*
 * Everything recorded about one row that is not aborted: its deletion
 * (if any) and the locks of running transactions and our own.  Lock
 * records of finished transactions are left out.  out->lockers is
 * palloc'd.
 */
void
SegRowMarksExamine(Oid relfilenode, uint64 row_number, SegRowMarks *out)
{
	SnapshotData dirty;
	ScanKeyData keys[2];
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tuple;
	int			cap = 4;

	memset(out, 0, sizeof(*out));
	out->lockers = palloc(sizeof(SegRowLocker) * cap);
	InitDirtySnapshot(dirty);

	rel = table_open(SegCatalogRelid(DELETED_TABLE, false), AccessShareLock);
	init_keys(keys, relfilenode, row_number);
	scan = systable_beginscan(rel, SegCatalogRelid(DELETED_INDEX, false), true,
							  &dirty, 2, keys);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		bool		isnull;
		TransactionId xid;
		SegMarkStatus status = record_status(tuple, &dirty, &xid);

		/* at most one deletion is not aborted; prefer a committed one */
		if (out->has_deletion && out->deletion.status == SEG_MARK_COMMITTED)
			continue;
		out->has_deletion = true;
		out->deletion.status = status;
		out->deletion.xid = xid;
		out->deletion.cid = status == SEG_MARK_OWN ?
			HeapTupleHeaderGetCmin(tuple->t_data) : InvalidCommandId;
		out->deletion.successor =
			DatumGetInt64(heap_getattr(tuple, Anum_third, RelationGetDescr(rel), &isnull));
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	rel = table_open(SegCatalogRelid(LOCKS_TABLE, false), AccessShareLock);
	init_keys(keys, relfilenode, row_number);
	scan = systable_beginscan(rel, SegCatalogRelid(LOCKS_INDEX, false), true,
							  &dirty, 2, keys);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		bool		isnull;
		TransactionId xid;
		SegMarkStatus status = record_status(tuple, &dirty, &xid);
		SegRowLocker *locker;

		if (status == SEG_MARK_COMMITTED)
			continue;			/* the locker is gone, and so is its lock */
		if (out->nlockers == cap)
		{
			cap *= 2;
			out->lockers = repalloc(out->lockers, sizeof(SegRowLocker) * cap);
		}
		locker = &out->lockers[out->nlockers++];
		locker->xid = xid;
		locker->own = status == SEG_MARK_OWN;
		locker->mode = (LockTupleMode)
			DatumGetInt16(heap_getattr(tuple, Anum_third, RelationGetDescr(rel), &isnull));
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
}

/*
 * Row numbers of a relfilenode whose deletion "snapshot" (MVCC) sees,
 * ascending and without duplicates (palloc'd; *n entries; NULL if none).
 */
uint64 *
SegRowMarksDeletedRows(Oid relfilenode, Snapshot snapshot, int *n)
{
	Oid			table_oid = SegCatalogRelid(DELETED_TABLE, true);
	Oid			index_oid = SegCatalogRelid(DELETED_INDEX, true);
	ScanKeyData key;
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tuple;
	uint64	   *rows = NULL;
	int			cap = 0;

	*n = 0;
	if (!OidIsValid(table_oid) || !OidIsValid(index_oid))
		return NULL;
	rel = table_open(table_oid, AccessShareLock);
	ScanKeyInit(&key, Anum_relfilenode, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(relfilenode));
	scan = systable_beginscan(rel, index_oid, true, snapshot, 1, &key);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		bool		isnull;
		uint64		row = (uint64) DatumGetInt64(heap_getattr(tuple, Anum_row_number,
															  RelationGetDescr(rel), &isnull));

		if (*n > 0 && rows[*n - 1] == row)
			continue;
		if (*n == cap)
		{
			cap = Max(64, cap * 2);
			rows = rows ? repalloc_huge(rows, sizeof(uint64) * cap) :
				palloc(sizeof(uint64) * cap);
		}
		rows[(*n)++] = row;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return rows;
}

/*
 * Every deletion of a relfilenode that is not aborted, ordered by row
 * number (palloc'd; *n entries; NULL if none): for index builds and
 * VACUUM, which must tell deletions in progress from committed ones.
 */
SegRowDeletion *
SegRowMarksAllDeletions(Oid relfilenode, int *n)
{
	Oid			table_oid = SegCatalogRelid(DELETED_TABLE, true);
	Oid			index_oid = SegCatalogRelid(DELETED_INDEX, true);
	SnapshotData dirty;
	ScanKeyData key;
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tuple;
	SegRowDeletion *dels = NULL;
	int			cap = 0;

	*n = 0;
	if (!OidIsValid(table_oid) || !OidIsValid(index_oid))
		return NULL;
	InitDirtySnapshot(dirty);
	rel = table_open(table_oid, AccessShareLock);
	ScanKeyInit(&key, Anum_relfilenode, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(relfilenode));
	scan = systable_beginscan(rel, index_oid, true, &dirty, 1, &key);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		bool		isnull;
		SegRowDeletion *d;

		if (*n == cap)
		{
			cap = Max(64, cap * 2);
			dels = dels ? repalloc_huge(dels, sizeof(SegRowDeletion) * cap) :
				palloc(sizeof(SegRowDeletion) * cap);
		}
		d = &dels[(*n)++];
		d->status = record_status(tuple, &dirty, &d->xid);
		d->cid = InvalidCommandId;
		d->row_number = (uint64) DatumGetInt64(heap_getattr(tuple, Anum_row_number,
															RelationGetDescr(rel), &isnull));
		d->successor = DatumGetInt64(heap_getattr(tuple, Anum_third,
												  RelationGetDescr(rel), &isnull));
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return dels;
}

/* The deletion of row_number in a SegRowMarksAllDeletions array, or NULL. */
const SegRowDeletion *
SegRowDeletionFind(const SegRowDeletion *dels, int n, uint64 row_number)
{
	int			lo = 0;
	int			hi = n - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (dels[mid].row_number == row_number)
			return &dels[mid];
		if (dels[mid].row_number < row_number)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

/*
 * Delete the records of a relfilenode: all of them, or only lock records
 * of transactions that have ended.
 */
static int
delete_records(const char *table, const char *index, Oid relfilenode,
			   bool only_finished_locks)
{
	Oid			table_oid = SegCatalogRelid(table, true);
	Oid			index_oid = SegCatalogRelid(index, true);
	ScanKeyData key;
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tuple;
	int			removed = 0;

	if (!OidIsValid(table_oid) || !OidIsValid(index_oid))
		return 0;
	rel = table_open(table_oid, RowExclusiveLock);
	ScanKeyInit(&key, Anum_relfilenode, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(relfilenode));
	scan = systable_beginscan(rel, index_oid, true, NULL, 1, &key);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		if (only_finished_locks)
		{
			TransactionId xid = HeapTupleHeaderGetXmin(tuple->t_data);

			if (TransactionIdIsCurrentTransactionId(xid) ||
				TransactionIdIsInProgress(xid))
				continue;
		}
		CatalogTupleDelete(rel, &tuple->t_self);
		removed++;
	}
	systable_endscan(scan);
	table_close(rel, RowExclusiveLock);
	return removed;
}

/* Delete every record of a relfilenode (TRUNCATE, rewrite, DROP). */
void
SegRowMarksDeleteAll(Oid relfilenode)
{
	delete_records(DELETED_TABLE, DELETED_INDEX, relfilenode, false);
	delete_records(LOCKS_TABLE, LOCKS_INDEX, relfilenode, false);
}

/*
 * Delete the lock records of transactions that have ended: their locks
 * are gone.  Returns how many were deleted.
 */
int
SegRowMarksRemoveFinishedLocks(Oid relfilenode)
{
	return delete_records(LOCKS_TABLE, LOCKS_INDEX, relfilenode, true);
}
