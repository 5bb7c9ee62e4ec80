/*-------------------------------------------------------------------------
 *
 * seg_manifest.c
 *	  The segment manifest: rows of the heap table segstore.manifest, one
 *	  per segment that is sealed or evicted.  A segment without a row is a
 *	  plain active file.
 *
 * NOTES
 *	  Sealing inserts a 'sealed' row in the sealing transaction, so the
 *	  switch from an active file to its sealed file is transactional: a
 *	  scan whose snapshot sees the row reads the sealed file, any other
 *	  scan reads the active file, which is removed only once no snapshot
 *	  can miss the row (SegManifestRemovalHorizon).
 *
 *	  Eviction is the same kind of switch: it updates a sealed row to
 *	  'evicted' (or inserts an 'evicted' row for an active segment).  A
 *	  snapshot that sees the new version skips the segment; an older one
 *	  still reads its files, which cleanup removes once the evicting
 *	  transaction is behind the horizon, and only then deletes the row.
 *	  Segment ids are never reused (seg_shmem.c), so a deleted row cannot
 *	  come to describe another segment.
 *
 *	  Rows are keyed by (relfilenode, segment id): TRUNCATE and rewrites,
 *	  which give a table a new relfilenode, delete the old rows in the same
 *	  transaction.
 *
 *	  Seal, evict, cleanup and quarantine take ShareUpdateExclusiveLock on
 *	  the table, which conflicts with itself: a manifest change is
 *	  committed before another transaction's cleanup can look at it, and
 *	  the changing transaction itself sees its rows (command counter).
 *
 *	  Access goes through the table's primary-key index with the caller's
 *	  snapshot; writes go through CatalogTupleInsert/Update/Delete, which
 *	  keep the index up to date.
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
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "segstore.h"
#include "storage/procarray.h"
#include "storage/segstorage.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"

#define MANIFEST_TABLE	"manifest"
#define MANIFEST_INDEX	"manifest_pkey"

enum
{
	Anum_relfilenode = 1,
	Anum_segment_id,
	Anum_state,
	Anum_bucket_start,
	Anum_bucket_end,
	Anum_min_time,
	Anum_max_time,
	Anum_row_count,
	Anum_raw_bytes,
	Anum_bytes,
	Anum_quarantined,
	Anum_min_xid,
	Anum_max_xid,
	Anum_pending_rows,
	Anum_frozen,
	Anum_aborted_rows,
	Natts_manifest = Anum_aborted_rows
};

/*
 * Oid of a relation of the extension's schema (its tables and indexes),
 * or InvalidOid if missing and missing_ok.
 */
Oid
SegCatalogRelid(const char *name, bool missing_ok)
{
	Oid			nsp = get_namespace_oid(SEGSTORE_SCHEMA_NAME, missing_ok);
	Oid			relid = OidIsValid(nsp) ? get_relname_relid(name, nsp) : InvalidOid;

	if (!OidIsValid(relid) && !missing_ok)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("segstore catalog table \"%s.%s\" does not exist",
						SEGSTORE_SCHEMA_NAME, name),
				 errhint("Run ALTER EXTENSION segstore UPDATE.")));
	return relid;
}

/* Record a sealed or evicted segment (in the current transaction). */
void
SegManifestInsert(Oid relfilenode, const SegManifestEntry *e)
{
	Relation	rel = table_open(SegCatalogRelid(MANIFEST_TABLE, false), RowExclusiveLock);
	Datum		values[Natts_manifest];
	bool		nulls[Natts_manifest];
	HeapTuple	tuple;

	memset(nulls, 0, sizeof(nulls));
	values[Anum_relfilenode - 1] = ObjectIdGetDatum(relfilenode);
	values[Anum_segment_id - 1] = Int64GetDatum(e->segment_id);
	values[Anum_state - 1] = CStringGetTextDatum(e->evicted ? "evicted" : "sealed");
	values[Anum_bucket_start - 1] = Int64GetDatum(e->bucket_start);
	values[Anum_bucket_end - 1] = Int64GetDatum(e->bucket_end);
	values[Anum_min_time - 1] = Int64GetDatum(e->min_time);
	values[Anum_max_time - 1] = Int64GetDatum(e->max_time);
	nulls[Anum_min_time - 1] = nulls[Anum_max_time - 1] = e->row_count <= 0;
	values[Anum_row_count - 1] = Int64GetDatum(e->row_count);
	nulls[Anum_row_count - 1] = e->row_count < 0;
	values[Anum_raw_bytes - 1] = Int64GetDatum(e->raw_bytes);
	values[Anum_bytes - 1] = Int64GetDatum(e->bytes);
	values[Anum_quarantined - 1] = BoolGetDatum(false);
	values[Anum_min_xid - 1] = Int64GetDatum((int64) e->min_xid);
	values[Anum_max_xid - 1] = Int64GetDatum((int64) e->max_xid);
	nulls[Anum_min_xid - 1] = nulls[Anum_max_xid - 1] = e->row_count <= 0;
	values[Anum_pending_rows - 1] = BoolGetDatum(e->pending_rows);
	values[Anum_frozen - 1] = BoolGetDatum(false);
	nulls[Anum_aborted_rows - 1] = true;

	tuple = heap_form_tuple(RelationGetDescr(rel), values, nulls);
	CatalogTupleInsert(rel, tuple);
	heap_freetuple(tuple);
	table_close(rel, RowExclusiveLock);

	/* later steps of this transaction (cleanup, scans) must see the row */
	CommandCounterIncrement();
}

/* Fill e->aborted_rows from a bigint[] (sorted when it was written). */
static void
read_row_numbers(Datum array, SegManifestEntry *e)
{
	Datum	   *elems;
	bool	   *elem_nulls;
	int			n;

	deconstruct_array(DatumGetArrayTypeP(array), INT8OID, sizeof(int64),
					  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems, &elem_nulls, &n);
	e->aborted_rows = palloc(sizeof(uint64) * Max(n, 1));
	for (int i = 0; i < n; i++)
		e->aborted_rows[i] = (uint64) DatumGetInt64(elems[i]);
	e->naborted = n;
}

/*
 * The manifest rows of a relfilenode that "snapshot" sees, sealed and
 * evicted, ordered by segment id (palloc'd array; *n entries).  Each
 * entry's xmin is the transaction that sealed or evicted the segment.
 * An extension without a manifest gives none.
 */
SegManifestEntry *
SegManifestList(Oid relfilenode, Snapshot snapshot, int *n)
{
	Oid			table_oid = SegCatalogRelid(MANIFEST_TABLE, true);
	Oid			index_oid = SegCatalogRelid(MANIFEST_INDEX, true);
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tuple;
	int			cap = 16;
	SegManifestEntry *entries = palloc(sizeof(SegManifestEntry) * cap);

	*n = 0;
	if (!OidIsValid(table_oid) || !OidIsValid(index_oid))
		return entries;

	rel = table_open(table_oid, AccessShareLock);
	if (RelationGetDescr(rel)->natts != Natts_manifest)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("segstore catalog table \"%s.%s\" has %d columns, this segstore library expects %d",
						SEGSTORE_SCHEMA_NAME, MANIFEST_TABLE,
						RelationGetDescr(rel)->natts, Natts_manifest),
				 errhint("The extension's SQL objects are from another build: run ALTER EXTENSION segstore UPDATE, or recreate the extension.")));
	ScanKeyInit(&key, Anum_relfilenode, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(relfilenode));
	scan = systable_beginscan(rel, index_oid, true, snapshot, 1, &key);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Datum		values[Natts_manifest];
		bool		nulls[Natts_manifest];
		SegManifestEntry *e;

		if (*n == cap)
		{
			cap *= 2;
			entries = repalloc(entries, sizeof(SegManifestEntry) * cap);
		}
		e = &entries[(*n)++];
		heap_deform_tuple(tuple, RelationGetDescr(rel), values, nulls);
		e->segment_id = (uint32) DatumGetInt64(values[Anum_segment_id - 1]);
		e->evicted = strcmp(TextDatumGetCString(values[Anum_state - 1]), "evicted") == 0;
		e->bucket_start = DatumGetInt64(values[Anum_bucket_start - 1]);
		e->bucket_end = DatumGetInt64(values[Anum_bucket_end - 1]);
		e->min_time = nulls[Anum_min_time - 1] ? 0 : DatumGetInt64(values[Anum_min_time - 1]);
		e->max_time = nulls[Anum_max_time - 1] ? 0 : DatumGetInt64(values[Anum_max_time - 1]);
		e->row_count = nulls[Anum_row_count - 1] ? -1 : DatumGetInt64(values[Anum_row_count - 1]);
		e->raw_bytes = DatumGetInt64(values[Anum_raw_bytes - 1]);
		e->bytes = DatumGetInt64(values[Anum_bytes - 1]);
		e->quarantined = DatumGetBool(values[Anum_quarantined - 1]);
		e->min_xid = nulls[Anum_min_xid - 1] ? 0 : (uint64) DatumGetInt64(values[Anum_min_xid - 1]);
		e->max_xid = nulls[Anum_max_xid - 1] ? 0 : (uint64) DatumGetInt64(values[Anum_max_xid - 1]);
		e->pending_rows = DatumGetBool(values[Anum_pending_rows - 1]);
		e->frozen = DatumGetBool(values[Anum_frozen - 1]);
		e->aborted_rows = NULL;
		e->naborted = 0;
		if (!nulls[Anum_aborted_rows - 1])
			read_row_numbers(values[Anum_aborted_rows - 1], e);
		e->xmin = HeapTupleHeaderGetXmin(tuple->t_data);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return entries;
}

/* The entry of segment_id in a SegManifestList result, or NULL. */
const SegManifestEntry *
SegManifestFind(const SegManifestEntry *entries, int n, uint32 segment_id)
{
	for (int i = 0; i < n; i++)
		if (entries[i].segment_id == segment_id)
			return &entries[i];
	return NULL;
}

/* Scan for the manifest row of one segment, with the latest snapshot. */
static SysScanDesc
begin_segment_scan(Relation rel, Oid relfilenode, uint32 segment_id)
{
	ScanKeyData keys[2];

	ScanKeyInit(&keys[0], Anum_relfilenode, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(relfilenode));
	ScanKeyInit(&keys[1], Anum_segment_id, BTEqualStrategyNumber, F_INT8EQ,
				Int64GetDatum(segment_id));
	return systable_beginscan(rel, SegCatalogRelid(MANIFEST_INDEX, false), true,
							  GetLatestSnapshot(), 2, keys);
}

/*
 * Replace the columns marked in "replace" of one segment's manifest row
 * (in the current transaction).  Returns false if the segment has no row
 * this transaction can update.
 */
static bool
update_segment_row(Oid relfilenode, uint32 segment_id, Datum *values,
				   bool *nulls, bool *replace)
{
	Relation	rel = table_open(SegCatalogRelid(MANIFEST_TABLE, false), RowExclusiveLock);
	SysScanDesc scan = begin_segment_scan(rel, relfilenode, segment_id);
	HeapTuple	tuple = systable_getnext(scan);
	bool		found = HeapTupleIsValid(tuple);

	if (found)
	{
		HeapTuple	newtuple = heap_modify_tuple(tuple, RelationGetDescr(rel),
												 values, nulls, replace);

		CatalogTupleUpdate(rel, &tuple->t_self, newtuple);
		heap_freetuple(newtuple);
	}
	systable_endscan(scan);
	table_close(rel, RowExclusiveLock);
	CommandCounterIncrement();
	return found;
}

/*
 * Mark a sealed segment evicted (in the current transaction).  Returns
 * false if the segment has no manifest row this transaction can update.
 */
bool
SegManifestMarkEvicted(Oid relfilenode, uint32 segment_id)
{
	Datum		values[Natts_manifest];
	bool		nulls[Natts_manifest] = {0};
	bool		replace[Natts_manifest] = {0};

	values[Anum_state - 1] = CStringGetTextDatum("evicted");
	replace[Anum_state - 1] = true;
	return update_segment_row(relfilenode, segment_id, values, nulls, replace);
}

/*
 * Mark a sealed segment frozen (in the current transaction): its rows'
 * stored xids are no longer looked at; the "naborted" rows of "aborted"
 * (ascending) are those whose transaction rolled back, every other row
 * counts as committed long ago.  Caller holds ShareUpdateExclusiveLock on
 * the table and has made sure every row's transaction precedes the freeze
 * cutoff.
 */
void
SegManifestMarkFrozen(Oid relfilenode, uint32 segment_id,
					  const uint64 *aborted, int naborted)
{
	Datum		values[Natts_manifest];
	bool		nulls[Natts_manifest] = {0};
	bool		replace[Natts_manifest] = {0};

	values[Anum_frozen - 1] = BoolGetDatum(true);
	replace[Anum_frozen - 1] = true;
	replace[Anum_aborted_rows - 1] = true;
	if (naborted > 0)
	{
		Datum	   *elems = palloc(sizeof(Datum) * naborted);

		for (int i = 0; i < naborted; i++)
			elems[i] = Int64GetDatum((int64) aborted[i]);
		values[Anum_aborted_rows - 1] =
			PointerGetDatum(construct_array(elems, naborted, INT8OID, sizeof(int64),
											FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	}
	else
		nulls[Anum_aborted_rows - 1] = true;
	(void) update_segment_row(relfilenode, segment_id, values, nulls, replace);
}

/*
 * The xmin and cmin a reader uses for row "row_number" of sealed segment
 * "e", stored with (*xmin, *cmin).  Once the segment is frozen the stored
 * xid may have wrapped around and its commit log entry may be gone: the
 * row counts as inserted by FrozenTransactionId (visible to everybody),
 * or by InvalidTransactionId (visible to nobody) if its transaction
 * aborted.
 */
void
SegManifestRowVersion(const SegManifestEntry *e, uint64 row_number,
					  TransactionId *xmin, CommandId *cmin)
{
	if (e == NULL || !e->frozen)
		return;
	*cmin = FirstCommandId;
	if (e->naborted > 0 &&
		SegRowNumberSearch(e->aborted_rows, e->naborted, row_number) >= 0)
		*xmin = InvalidTransactionId;
	else
		*xmin = FrozenTransactionId;
}

/* Delete the manifest row of one segment whose files are gone. */
void
SegManifestDelete(Oid relfilenode, uint32 segment_id)
{
	Relation	rel = table_open(SegCatalogRelid(MANIFEST_TABLE, false), RowExclusiveLock);
	SysScanDesc scan = begin_segment_scan(rel, relfilenode, segment_id);
	HeapTuple	tuple;

	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
		CatalogTupleDelete(rel, &tuple->t_self);
	systable_endscan(scan);
	table_close(rel, RowExclusiveLock);
	CommandCounterIncrement();
}

/*
 * The xid before which every committed seal is seen by every snapshot
 * that may still read a table of this database.  The active file a seal
 * replaced can be removed when the seal committed before this horizon:
 * no scan can be reading (or about to read) it.
 */
TransactionId
SegManifestRemovalHorizon(void)
{
	Relation	rel = table_open(SegCatalogRelid(MANIFEST_TABLE, false), AccessShareLock);
	TransactionId horizon = GetOldestNonRemovableTransactionId(rel);

	table_close(rel, AccessShareLock);
	return horizon;
}

/* Delete every manifest row of a relfilenode (TRUNCATE, rewrite, DROP). */
void
SegManifestDeleteAll(Oid relfilenode)
{
	Oid			table_oid = SegCatalogRelid(MANIFEST_TABLE, true);
	Oid			index_oid = SegCatalogRelid(MANIFEST_INDEX, true);
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tuple;

	if (!OidIsValid(table_oid) || !OidIsValid(index_oid))
		return;
	rel = table_open(table_oid, RowExclusiveLock);
	ScanKeyInit(&key, Anum_relfilenode, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(relfilenode));
	scan = systable_beginscan(rel, index_oid, true, NULL, 1, &key);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
		CatalogTupleDelete(rel, &tuple->t_self);
	systable_endscan(scan);
	table_close(rel, RowExclusiveLock);
}
