/*-------------------------------------------------------------------------
 *
 * segam_sql.c
 *	  SQL-callable functions: segstore.table_segments() behind the
 *	  segstore.segments view, and segstore.set_options().
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "segstore.h"
#include "storage/segstorage.h"
#include "tableam/segam.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(segstore_table_segments);
PG_FUNCTION_INFO_V1(segstore_set_options);

#define TABLE_SEGMENTS_COLS 9

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
 * segstore.table_segments(regclass): one row per segment of the table
 * with its bucket, time range, row count and size.  Reads every record,
 * checking checksums on the way.  row_count counts stored rows, including
 * rows of transactions that rolled back.
 */
Datum
segstore_table_segments(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Relation	rel;
	int			n;
	SegSegmentFile *files;
	int64		max_size;

	InitMaterializedSRF(fcinfo, 0);
	rel = open_segstore_table(relid, AccessShareLock);
	max_size = SegOptionsGet(rel)->max_segment_size;
	SegActiveFlushRelation(rel->rd_node.relNode);
	files = SegFilesListSegments(MyDatabaseId, rel->rd_node.relNode, &n);

	for (int i = 0; i < n; i++)
	{
		SegActiveReader *reader = SegActiveReaderOpen(files[i].path);
		const SegActiveHeader *hdr = SegActiveReaderHeader(reader);
		SegRecordHeader rec;
		const char *payload;
		int64		rows = 0;
		int64		min_time = 0;
		int64		max_time = 0;
		Datum		values[TABLE_SEGMENTS_COLS];
		bool		nulls[TABLE_SEGMENTS_COLS];
		uint64		bytes = SegActiveReaderFileSize(reader);

		while (SegActiveReaderNext(reader, &rec, &payload))
		{
			if (rows == 0 || rec.time_value < min_time)
				min_time = rec.time_value;
			if (rows == 0 || rec.time_value > max_time)
				max_time = rec.time_value;
			rows++;
		}

		memset(nulls, 0, sizeof(nulls));
		values[0] = Int64GetDatum(files[i].segment_id);
		values[1] = CStringGetTextDatum((int64) bytes >= max_size ? "full" : "active");
		values[2] = TimestampTzGetDatum(files[i].bucket);
		if (bytes == 0)
			nulls[3] = true;
		else
			values[3] = TimestampTzGetDatum(hdr->bucket_end);
		values[4] = TimestampTzGetDatum(min_time);
		values[5] = TimestampTzGetDatum(max_time);
		nulls[4] = nulls[5] = rows == 0;
		values[6] = Int64GetDatum(rows);
		values[7] = Int64GetDatum(bytes);
		values[8] = CStringGetTextDatum(files[i].path);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		SegActiveReaderClose(reader);
	}
	table_close(rel, AccessShareLock);
	return (Datum) 0;
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
	Oid			relid = PG_GETARG_OID(0);
	List	   *defs = NIL;
	Relation	rel;

	rel = open_segstore_table(relid, ShareUpdateExclusiveLock);
	if (!pg_class_ownercheck(relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE,
					   RelationGetRelationName(rel));

	if (!PG_ARGISNULL(1))
		defs = add_option(defs, "time_column", text_to_cstring(PG_GETARG_TEXT_PP(1)));
	if (!PG_ARGISNULL(2))
		defs = add_option(defs, "segment_interval",
						  DatumGetCString(DirectFunctionCall1(interval_out,
															  PG_GETARG_DATUM(2))));
	if (!PG_ARGISNULL(3))
		defs = add_option(defs, "max_segment_size", text_to_cstring(PG_GETARG_TEXT_PP(3)));

	SegOptionsStore(rel, defs, false);
	table_close(rel, NoLock);
	PG_RETURN_VOID();
}
