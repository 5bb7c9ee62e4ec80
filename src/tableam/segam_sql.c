/*-------------------------------------------------------------------------
 *
 * segam_sql.c
 *	  SQL-callable functions working on one table: segstore.table_segments()
 *	  behind the segstore.segments view, set_options(), set_policy(),
 *	  drop_policy(), seal(), evict(), evict_before(), verify() and
 *	  quarantine().  Whatever changes segments takes ShareUpdateExclusiveLock
 *	  on the table, so SELECT, INSERT and COPY go on meanwhile.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relation.h"
#include "access/table.h"
#include "access/xact.h"
#include "executor/spi.h"
#include "storage/lmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "segstore.h"
#include "storage/segstorage.h"
#include "tableam/segam.h"
#include "utils/acl.h"
#include "utils/resowner.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(segstore_table_segments);
PG_FUNCTION_INFO_V1(segstore_set_options);
PG_FUNCTION_INFO_V1(segstore_seal);
PG_FUNCTION_INFO_V1(segstore_evict);
PG_FUNCTION_INFO_V1(segstore_evict_before);
PG_FUNCTION_INFO_V1(segstore_set_policy);
PG_FUNCTION_INFO_V1(segstore_drop_policy);
PG_FUNCTION_INFO_V1(segstore_verify);
PG_FUNCTION_INFO_V1(segstore_quarantine);

#define TABLE_SEGMENTS_COLS 10
#define SEAL_COLS 5
#define EVICT_COLS 4
#define VERIFY_COLS 5

/* The table argument of a function that is not STRICT. */
static Oid
table_argument(FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the table argument must not be NULL")));
	return PG_GETARG_OID(0);
}

/* Reading about a table's segments needs SELECT on it. */
static void
check_select_privilege(Oid relid)
{
	if (pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE,
					   get_rel_name(relid) ? get_rel_name(relid) : "?");
}

/* Changing a table's segments or options needs ownership, checked before locking. */
static void
check_owner(Oid relid)
{
	if (get_rel_name(relid) != NULL && !pg_class_ownercheck(relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, get_rel_name(relid));
}

static Relation
open_segstore_table(Oid relid, LOCKMODE mode)
{
	Relation	rel;

	if (!SegIsSegstoreRelid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a segstore table",
						get_rel_name(relid) ? get_rel_name(relid) : "?")));
	rel = table_open(relid, mode);
	return rel;
}

/*
 * Open a table the caller may read (AccessShareLock) and list the
 * segments the current snapshot sees, this transaction's rows included.
 */
static SegScanSegment *
segments_for_reading(Oid relid, Relation *rel, int *n)
{
	check_select_privilege(relid);
	*rel = open_segstore_table(relid, AccessShareLock);
	SegActiveFlushRelation((*rel)->rd_node.relNode);
	return SegSealScanList(*rel, GetActiveSnapshot(), n);
}

/*
 * segstore.table_segments(regclass): one row per segment of the table as
 * the current snapshot sees it, with its bucket, time range, row count
 * and size.  Active segments are read whole (checking checksums on the
 * way) and their row_count counts stored rows, including rows of
 * transactions that rolled back; sealed segments report their manifest.
 */
Datum
segstore_table_segments(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Relation	rel;
	int			n;
	SegScanSegment *segments;
	int64		max_size;

	InitMaterializedSRF(fcinfo, 0);
	segments = segments_for_reading(relid, &rel, &n);
	max_size = SegOptionsGet(rel)->max_segment_size;

	for (int i = 0; i < n; i++)
	{
		Datum		values[TABLE_SEGMENTS_COLS];
		bool		nulls[TABLE_SEGMENTS_COLS];
		int64		rows = 0;
		int64		min_time = 0;
		int64		max_time = 0;
		int64		bucket_end = 0;
		uint64		bytes = 0;
		uint64		raw_bytes = 0;
		const char *state;

		memset(nulls, 0, sizeof(nulls));
		if (segments[i].sealed)
		{
			const SegManifestEntry *e = segments[i].manifest;

			rows = e->row_count;
			min_time = e->min_time;
			max_time = e->max_time;
			bucket_end = e->bucket_end;
			bytes = e->bytes;
			raw_bytes = e->raw_bytes;
			state = e->quarantined ? "quarantined" : "sealed";
		}
		else
		{
			SegActiveReader *reader = SegActiveReaderOpen(segments[i].path);
			SegRecordHeader rec;
			const char *payload;

			while (SegActiveReaderNext(reader, &rec, &payload))
			{
				if (rows == 0 || rec.time_value < min_time)
					min_time = rec.time_value;
				if (rows == 0 || rec.time_value > max_time)
					max_time = rec.time_value;
				rows++;
			}
			bytes = raw_bytes = SegActiveReaderFileSize(reader);
			bucket_end = SegActiveReaderHeader(reader)->bucket_end;
			nulls[3] = bytes == 0;
			state = (int64) bytes >= max_size ? "full" : "active";
			SegActiveReaderClose(reader);
		}

		values[0] = Int64GetDatum(segments[i].segment_id);
		values[1] = CStringGetTextDatum(state);
		values[2] = TimestampTzGetDatum(segments[i].bucket);
		values[3] = TimestampTzGetDatum(bucket_end);
		values[4] = TimestampTzGetDatum(min_time);
		values[5] = TimestampTzGetDatum(max_time);
		nulls[4] = nulls[5] = rows == 0;
		values[6] = Int64GetDatum(rows);
		values[7] = Int64GetDatum(raw_bytes);
		values[8] = Int64GetDatum(bytes);
		values[9] = CStringGetTextDatum(segments[i].path);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	table_close(rel, AccessShareLock);
	return (Datum) 0;
}

/* SegSealTable, or with a valid cold_before SegSealColdSegments. */
static List *
seal_table(Relation rel, int64 bucket_end_before, TransactionId cold_before)
{
	const SegTableOptions *opts = SegOptionsGet(rel);
	TupleDesc	tupdesc = RelationGetDescr(rel);
	SegSealParams params;
	uint32	   *types = palloc(sizeof(uint32) * Max(tupdesc->natts, 1));
	int16	   *lens = palloc(sizeof(int16) * Max(tupdesc->natts, 1));

	for (int i = 0; i < tupdesc->natts; i++)
	{
		types[i] = TupleDescAttr(tupdesc, i)->atttypid;
		lens[i] = TupleDescAttr(tupdesc, i)->attlen;
	}
	params.bucket_end_before = bucket_end_before;
	params.max_segment_size = TransactionIdIsValid(cold_before) ?
		PG_UINT64_MAX : opts->max_segment_size;
	params.cold_before = cold_before;
	params.time_type = opts->time_type;
	params.time_attnum = opts->time_attnum;
	params.natts = tupdesc->natts;
	params.att_types = types;
	params.att_lens = lens;
	params.compression_level = opts->compression_level;
	params.block_size = opts->block_size;
	return SegSealSegments(rel, &params);
}

/*
 * Seal the active segments of rel whose bucket ended at or before
 * bucket_end_before, and the full ones; returns the SegSealOutcome list.
 * Caller holds ShareUpdateExclusiveLock on rel.
 */
List *
SegSealTable(Relation rel, int64 bucket_end_before)
{
	return seal_table(rel, bucket_end_before, InvalidTransactionId);
}

/*
 * Seal the active segments of rel whose rows were all inserted by
 * transactions before cold_before (VACUUM, see seg_freeze.c); returns the
 * SegSealOutcome list.  Caller holds ShareUpdateExclusiveLock on rel.
 */
List *
SegSealColdSegments(Relation rel, TransactionId cold_before)
{
	return seal_table(rel, PG_INT64_MIN, cold_before);
}

/*
 * segstore.seal(table, older_than): seal the table's active segments that
 * no running transaction is appending to; with older_than, only those
 * whose bucket ended at least that long ago (and full ones).  Then remove
 * the files earlier seals made obsolete.  One row per sealed segment.
 */
Datum
segstore_seal(PG_FUNCTION_ARGS)
{
	Oid			relid = table_argument(fcinfo);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Relation	rel;
	int64		before = PG_INT64_MAX;
	List	   *outcomes;
	ListCell   *lc;
	SegCleanupResult cleanup;

	InitMaterializedSRF(fcinfo, 0);
	check_owner(relid);
	rel = open_segstore_table(relid, ShareUpdateExclusiveLock);
	if (!PG_ARGISNULL(1))
		before = SegCutoffTimeValue(SegOptionsGet(rel),
									DatumGetTimestampTz(DirectFunctionCall2(timestamptz_mi_interval,
																			TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()),
																			PG_GETARG_DATUM(1))));

	outcomes = SegSealTable(rel, before);
	foreach(lc, outcomes)
	{
		SegSealOutcome *o = lfirst(lc);
		Datum		values[SEAL_COLS];
		bool		nulls[SEAL_COLS] = {0};

		values[0] = Int64GetDatum(o->segment_id);
		values[1] = Int64GetDatum(o->rows);
		values[2] = Int64GetDatum(o->raw_bytes);
		values[3] = Int64GetDatum(o->bytes);
		values[4] = Float8GetDatum(o->milliseconds);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SegCleanupTable(rel, &cleanup);
	table_close(rel, NoLock);
	return (Datum) 0;
}

/*
 * Evict the segments of relid whose rows are all older than cutoff, then
 * remove the files earlier evictions and seals left; one result row per
 * evicted segment (see seg_evict.c).
 */
static void
evict_and_report(FunctionCallInfo fcinfo, Oid relid, TimestampTz cutoff)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Relation	rel;
	List	   *outcomes;
	ListCell   *lc;
	SegCleanupResult cleanup;

	InitMaterializedSRF(fcinfo, 0);
	check_owner(relid);
	rel = open_segstore_table(relid, ShareUpdateExclusiveLock);
	outcomes = SegEvictSegments(rel, SegCutoffTimeValue(SegOptionsGet(rel), cutoff));
	foreach(lc, outcomes)
	{
		SegEvictOutcome *o = lfirst(lc);
		Datum		values[EVICT_COLS];
		bool		nulls[EVICT_COLS] = {0};

		if (o->skipped)
		{
			ereport(NOTICE,
					(errmsg("segment %u of table \"%s\" is being written by a running transaction and was not evicted",
							o->segment_id, RelationGetRelationName(rel)),
					 errhint("A later eviction or maintenance run will evict it.")));
			continue;
		}
		values[0] = Int64GetDatum(o->segment_id);
		values[1] = CStringGetTextDatum(o->was_sealed ? "sealed" : "active");
		values[2] = Int64GetDatum(o->rows);
		nulls[2] = o->rows < 0;
		values[3] = Int64GetDatum(o->bytes);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SegCleanupTable(rel, &cleanup);
	table_close(rel, NoLock);
}

/* segstore.evict(table, older_than): evict what is older than now() - older_than. */
Datum
segstore_evict(PG_FUNCTION_ARGS)
{
	Interval   *older_than = PG_GETARG_INTERVAL_P(1);
	Interval	zero;
	TimestampTz cutoff;

	memset(&zero, 0, sizeof(zero));
	if (DatumGetInt32(DirectFunctionCall2(interval_cmp, IntervalPGetDatum(older_than),
										  IntervalPGetDatum(&zero))) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("older_than must not be negative")));
	cutoff = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_mi_interval,
													 TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()),
													 IntervalPGetDatum(older_than)));
	evict_and_report(fcinfo, PG_GETARG_OID(0), cutoff);
	return (Datum) 0;
}

/* segstore.evict_before(table, cutoff): evict what is older than cutoff. */
Datum
segstore_evict_before(PG_FUNCTION_ARGS)
{
	evict_and_report(fcinfo, PG_GETARG_OID(0), PG_GETARG_TIMESTAMPTZ(1));
	return (Datum) 0;
}

/* Store option changes on a segstore table the caller owns. */
static void
store_options(Oid relid, List *defs)
{
	Relation	rel;

	check_owner(relid);
	rel = open_segstore_table(relid, ShareUpdateExclusiveLock);
	SegOptionsStore(rel, defs, false);
	table_close(rel, NoLock);
}

static List *
add_option(List *defs, const char *name, char *value)
{
	return lappend(defs, makeDefElem(pstrdup(name),
									 (Node *) makeString(value), -1));
}

/*
 * segstore.set_options(table, time_column, segment_interval,
 * max_segment_size): change the options of a segstore table; NULL
 * arguments leave an option as it is.  Only the owner may call it.
 * Existing segments keep their buckets; new rows follow the new options.
 */
Datum
segstore_set_options(PG_FUNCTION_ARGS)
{
	Oid			relid = table_argument(fcinfo);
	List	   *defs = NIL;

	if (!PG_ARGISNULL(1))
		defs = add_option(defs, "time_column", text_to_cstring(PG_GETARG_TEXT_PP(1)));
	if (!PG_ARGISNULL(2))
		defs = add_option(defs, "segment_interval",
						  DatumGetCString(DirectFunctionCall1(interval_out,
															  PG_GETARG_DATUM(2))));
	if (!PG_ARGISNULL(3))
		defs = add_option(defs, "max_segment_size", text_to_cstring(PG_GETARG_TEXT_PP(3)));
	if (!PG_ARGISNULL(4))
		defs = add_option(defs, "seal_after",
						  DatumGetCString(DirectFunctionCall1(interval_out,
															  PG_GETARG_DATUM(4))));
	if (!PG_ARGISNULL(5))
		defs = add_option(defs, "compression_level", psprintf("%d", PG_GETARG_INT32(5)));
	if (!PG_ARGISNULL(6))
		defs = add_option(defs, "block_size", text_to_cstring(PG_GETARG_TEXT_PP(6)));

	store_options(relid, defs);
	PG_RETURN_VOID();
}

/*
 * segstore.set_policy(table, retention, seal_after): the policies
 * run_maintenance applies to the table; NULL leaves one as it is.  The
 * same options as ALTER TABLE ... SET (segstore.retention = ...).
 */
Datum
segstore_set_policy(PG_FUNCTION_ARGS)
{
	Oid			relid = table_argument(fcinfo);
	List	   *defs = NIL;

	if (!PG_ARGISNULL(1))
		defs = add_option(defs, "retention",
						  DatumGetCString(DirectFunctionCall1(interval_out,
															  PG_GETARG_DATUM(1))));
	if (!PG_ARGISNULL(2))
		defs = add_option(defs, "seal_after",
						  DatumGetCString(DirectFunctionCall1(interval_out,
															  PG_GETARG_DATUM(2))));
	store_options(relid, defs);
	PG_RETURN_VOID();
}

/*
 * segstore.drop_policy(table): keep rows forever again and seal after
 * the default delay.
 */
Datum
segstore_drop_policy(PG_FUNCTION_ARGS)
{
	List	   *defs = NIL;

	defs = lappend(defs, makeDefElem(pstrdup("retention"), NULL, -1));
	defs = lappend(defs, makeDefElem(pstrdup("seal_after"), NULL, -1));
	store_options(PG_GETARG_OID(0), defs);
	PG_RETURN_VOID();
}

/* Read every row of one segment file, verifying all its checksums. */
static void
verify_segment(const SegScanSegment *seg)
{
	if (seg->sealed)
	{
		SegSealedReader *r = SegSealedReaderOpen(seg->path);
		const SegSealedFile *f = SegSealedReaderFile(r);

		for (uint32 b = 0; b < f->nblocks; b++)
		{
			CHECK_FOR_INTERRUPTS();
			SegSealedReaderLoadBlock(r, b);
		}
		SegSealedReaderClose(r);
	}
	else
	{
		SegActiveReader *r = SegActiveReaderOpen(seg->path);
		SegRecordHeader rec;
		const char *payload;

		while (SegActiveReaderNext(r, &rec, &payload))
			CHECK_FOR_INTERRUPTS();
		SegActiveReaderClose(r);
	}
}

/*
 * segstore.verify(table): check every checksum of every segment the
 * current snapshot sees (quarantined ones included) and report each
 * segment as ok or with the problem found.  A damaged segment does not
 * stop the check of the others.
 */
Datum
segstore_verify(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Relation	rel;
	int			n;
	SegScanSegment *segments;
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;

	InitMaterializedSRF(fcinfo, 0);
	segments = segments_for_reading(relid, &rel, &n);

	for (int i = 0; i < n; i++)
	{
		Datum		values[VERIFY_COLS];
		bool		nulls[VERIFY_COLS] = {0};
		char	   *volatile problem = NULL;

		/* a subtransaction per segment, so one bad file does not end the check */
		BeginInternalSubTransaction(NULL);
		MemoryContextSwitchTo(cxt);
		PG_TRY();
		{
			verify_segment(&segments[i]);
			ReleaseCurrentSubTransaction();
		}
		PG_CATCH();
		{
			ErrorData  *edata;

			MemoryContextSwitchTo(cxt);
			edata = CopyErrorData();
			FlushErrorState();
			RollbackAndReleaseCurrentSubTransaction();
			if (edata->sqlerrcode != ERRCODE_DATA_CORRUPTED &&
				edata->sqlerrcode != ERRCODE_UNDEFINED_FILE)
				ReThrowError(edata);
			problem = edata->message;
		}
		PG_END_TRY();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;

		values[0] = Int64GetDatum(segments[i].segment_id);
		values[1] = CStringGetTextDatum(segments[i].sealed ?
										(segments[i].quarantined ? "quarantined" : "sealed") :
										"active");
		values[2] = CStringGetTextDatum(segments[i].path);
		values[3] = BoolGetDatum(problem == NULL);
		if (problem)
			values[4] = CStringGetTextDatum(problem);
		else
			nulls[4] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	table_close(rel, AccessShareLock);
	return (Datum) 0;
}

/*
 * segstore.quarantine(table, segment_id, on): mark a sealed segment as
 * quarantined (scans skip it with a WARNING) or clear the mark.
 * Transactional; only the owner may call it.
 */
Datum
segstore_quarantine(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	int64		segment_id = PG_GETARG_INT64(1);
	bool		on = PG_GETARG_BOOL(2);
	Relation	rel;
	Oid			argtypes[3] = {OIDOID, INT8OID, BOOLOID};
	Datum		args[3];
	int			ret;
	uint64		updated;
	Oid			save_userid;
	int			save_sec_context;

	check_owner(relid);
	rel = open_segstore_table(relid, ShareUpdateExclusiveLock);
	args[0] = ObjectIdGetDatum(rel->rd_node.relNode);
	args[1] = Int64GetDatum(segment_id);
	args[2] = BoolGetDatum(on);
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(SegOptionsTableOwner(),
						   save_sec_context | SECURITY_LOCAL_USERID_CHANGE);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_with_args("UPDATE segstore.manifest SET quarantined = $3 "
								"WHERE relfilenode = $1 AND segment_id = $2 AND state = 'sealed'",
								3, argtypes, args, NULL, false, 0);
	if (ret != SPI_OK_UPDATE)
		elog(ERROR, "could not update the segstore manifest: SPI result %d", ret);
	updated = SPI_processed;
	SPI_finish();
	SetUserIdAndSecContext(save_userid, save_sec_context);
	if (updated == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("table \"%s\" has no sealed segment " INT64_FORMAT,
						RelationGetRelationName(rel), segment_id),
				 errhint("Only sealed segments can be quarantined; see segstore.segments.")));
	table_close(rel, NoLock);
	PG_RETURN_VOID();
}
