/*-------------------------------------------------------------------------
 *
 * segam_options.c
 *	  Per-table options of segstore tables: time column, segment interval,
 *	  maximum segment size, how sealed blocks are built, and the policies
 *	  run_maintenance applies (when to seal, how long to keep rows).
 *
 * NOTES
 *	  PostgreSQL 15 lets table access methods define no reloptions of their
 *	  own, so the "segstore." options of CREATE TABLE ... WITH (...),
 *	  CREATE TABLE AS and ALTER TABLE ... SET/RESET are taken out of the
 *	  statement by segam_ddl.c and kept in the heap table
 *	  segstore.table_options (relid, time column attnum, interval, size).
 *	  Options follow the table through TRUNCATE and rewrites because they
 *	  are keyed by relid, not relfilenode.
 *
 *	  A table without a row there (made by a path that bypasses the
 *	  utility hook) uses defaults derived from its columns: the first
 *	  timestamptz/timestamp/date column (domains count by their base
 *	  type), else ingest time.  CREATE TABLE stores these defaults at once,
 *	  so adding a column later never changes a table's time column.
 *
 *	  The effective options are cached in rel->rd_amcache as one palloc
 *	  chunk in CacheMemoryContext, which relcache invalidation frees;
 *	  storing options sends such an invalidation.
 *
 *	  Between the start of a CREATE TABLE [AS] carrying segstore options
 *	  and the end of the statement the options are not yet stored, but
 *	  CREATE TABLE AS already inserts rows: SegOptionsGet applies the
 *	  pending options to the table created by that statement.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "executor/spi.h"
#include "segstore.h"
#include "storage/segstorage.h"
#include "tableam/segam.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "miscadmin.h"
#include "catalog/pg_class.h"
#include "utils/timestamp.h"

#define OPTIONS_TABLE		"table_options"
#define OPTIONS_INDEX		"table_options_pkey"
#define Natts_options		8

/* options of the CREATE TABLE [AS] being executed, see file header */
static List *pending_defs = NIL;
static bool pending_active = false;
static Oid	pending_relid = InvalidOid;
static MemoryContext pending_context = NULL;
static SegTableOptions *pending_effective = NULL;	/* in pending_context */

/* ---- time values and buckets ---- */

/*
 * A time column value as int64 microseconds since 2000-01-01 (UTC for
 * timestamptz; a timestamp or date is taken as UTC).  -infinity and
 * infinity map to the lowest and highest values.  Dates past the
 * timestamp range (after 294276 AD) all map to SEG_TIME_DATE_BEYOND, just
 * past the last date that fits, which keeps the mapping monotonic.
 */
int64
SegTimeFromDatum(Oid time_type, Datum value)
{
	if (time_type == DATEOID)
	{
		DateADT		d = DatumGetDateADT(value);

		if (DATE_IS_NOBEGIN(d))
			return DT_NOBEGIN;
		if (DATE_IS_NOEND(d))
			return DT_NOEND;
		if ((int64) d >= END_TIMESTAMP / USECS_PER_DAY)
			return SEG_TIME_DATE_BEYOND;
		return (int64) d * USECS_PER_DAY;
	}
	return DatumGetInt64(value);
}

/*
 * The time value a point in time has in the table's time column, to
 * compare with the values SegTimeFromDatum makes: a timestamp or date
 * column reads the moment in the session's time zone, as a SQL
 * comparison of the column with a timestamptz does.
 */
int64
SegCutoffTimeValue(const SegTableOptions *opts, TimestampTz cutoff)
{
	if (opts->time_type == TIMESTAMPOID || opts->time_type == DATEOID)
		return DatumGetTimestamp(DirectFunctionCall1(timestamptz_timestamp,
													 TimestampTzGetDatum(cutoff)));
	return cutoff;
}

/* Start of the bucket holding time_value; infinities are buckets of their own. */
int64
SegBucketStart(int64 time_value, int64 interval)
{
	int64		rem;

	if (time_value == DT_NOBEGIN || time_value == DT_NOEND)
		return time_value;
	rem = time_value % interval;
	if (rem < 0)
		rem += interval;
	return time_value - rem;
}

int64
SegBucketEnd(int64 bucket_start, int64 interval)
{
	if (bucket_start == DT_NOBEGIN || bucket_start == DT_NOEND)
		return bucket_start;
	if (bucket_start > PG_INT64_MAX - interval)
		return DT_NOEND;
	return bucket_start + interval;
}

/* ---- resolving options ---- */

static bool
is_time_type(Oid typid)
{
	Oid			base = getBaseType(typid);

	return base == TIMESTAMPTZOID || base == TIMESTAMPOID || base == DATEOID;
}

static void
set_defaults(Relation rel, SegTableOptions *opts)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);

	opts->time_attnum = 0;
	opts->time_type = InvalidOid;
	opts->segment_interval = SEG_DEFAULT_SEGMENT_INTERVAL;
	opts->max_segment_size = SEG_DEFAULT_MAX_SEGMENT_SIZE;
	opts->seal_after = SEG_DEFAULT_SEAL_AFTER;
	opts->retention = 0;
	opts->compression_level = SEG_DEFAULT_COMPRESSION_LEVEL;
	opts->block_size = SEG_DEFAULT_BLOCK_SIZE;
	for (int i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);

		if (!att->attisdropped && is_time_type(att->atttypid))
		{
			opts->time_attnum = att->attnum;
			opts->time_type = getBaseType(att->atttypid);
			break;
		}
	}
}

/*
 * An interval option in microseconds: no months or years (they have no
 * fixed length), at least min_usecs, at most 36500 days.
 */
static int64
parse_interval_option(const char *name, const char *value, int64 min_usecs,
					  const char *min_text)
{
	Interval   *iv;
	int64		usecs;

	iv = DatumGetIntervalP(DirectFunctionCall3(interval_in,
											   CStringGetDatum(value),
											   ObjectIdGetDatum(InvalidOid),
											   Int32GetDatum(-1)));
	if (iv->month != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for segstore option \"%s\": \"%s\"", name, value),
				 errdetail("Months and years have no fixed length."),
				 errhint("Use days, for example '30 days'.")));
	usecs = iv->time + (int64) iv->day * USECS_PER_DAY;
	if (usecs < min_usecs || usecs > INT64CONST(36500) * USECS_PER_DAY)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for segstore option \"%s\": \"%s\"", name, value),
				 errdetail("The interval must be between %s and 36500 days.", min_text)));
	return usecs;
}

/* A size option in bytes (any pg_size_bytes spelling) within [min, max]. */
static int64
parse_size_option(const char *name, const char *value, int64 min, int64 max,
				  const char *range_text)
{
	int64		bytes;

	bytes = DatumGetInt64(DirectFunctionCall1(pg_size_bytes,
											  CStringGetTextDatum(value)));
	if (bytes < min || bytes > max)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for segstore option \"%s\": \"%s\"", name, value),
				 errdetail("The size must be between %s.", range_text)));
	return bytes;
}

static int
parse_int_option(const char *name, const char *value, int min, int max)
{
	int			result;

	if (!parse_int(value, &result, 0, NULL) || result < min || result > max)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for segstore option \"%s\": \"%s\"", name, value),
				 errdetail("The value must be an integer between %d and %d.", min, max)));
	return result;
}

static void
set_time_column(Relation rel, SegTableOptions *opts, const char *name)
{
	AttrNumber	attnum;
	Oid			typid;

	attnum = get_attnum(RelationGetRelid(rel), name);
	if (attnum == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist",
						name, RelationGetRelationName(rel)),
				 errhint("segstore.time_column must name a column of the table.")));
	if (attnum < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("system column \"%s\" cannot be the time column", name)));
	typid = TupleDescAttr(RelationGetDescr(rel), attnum - 1)->atttypid;
	if (!is_time_type(typid))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" has type %s, which cannot be a time column",
						name, format_type_be(typid)),
				 errhint("The time column must be of type timestamptz, timestamp or date.")));
	opts->time_attnum = attnum;
	opts->time_type = getBaseType(typid);
}

/*
 * Apply "segstore." DefElems (namespace already stripped) to opts.
 * A DefElem without an argument resets the option to its default.
 * Raises clear errors for unknown options and bad values.
 */
void
SegOptionsApply(Relation rel, SegTableOptions *opts, List *defs)
{
	ListCell   *lc;
	SegTableOptions defaults;

	set_defaults(rel, &defaults);
	foreach(lc, defs)
	{
		DefElem    *def = lfirst(lc);
		char	   *value = def->arg ? defGetString(def) : NULL;

		if (strcmp(def->defname, "time_column") == 0)
		{
			if (value == NULL)
			{
				opts->time_attnum = defaults.time_attnum;
				opts->time_type = defaults.time_type;
			}
			else if (value[0] == '\0')
			{
				/* '': partitioned by ingest time */
				opts->time_attnum = 0;
				opts->time_type = InvalidOid;
			}
			else
				set_time_column(rel, opts, value);
		}
		else if (strcmp(def->defname, "segment_interval") == 0)
			opts->segment_interval = value ?
				parse_interval_option("segment_interval", value, USECS_PER_SEC, "1 second") :
				defaults.segment_interval;
		else if (strcmp(def->defname, "max_segment_size") == 0)
			opts->max_segment_size = value ?
				parse_size_option("max_segment_size", value, SEG_MIN_MAX_SEGMENT_SIZE,
								  SEG_MAX_MAX_SEGMENT_SIZE, "16kB and 1TB") :
				defaults.max_segment_size;
		else if (strcmp(def->defname, "seal_after") == 0)
			opts->seal_after = value ?
				parse_interval_option("seal_after", value, 0, "0") :
				defaults.seal_after;
		else if (strcmp(def->defname, "retention") == 0)
			opts->retention = value ?
				parse_interval_option("retention", value, USECS_PER_SEC, "1 second") :
				defaults.retention;
		else if (strcmp(def->defname, "compression_level") == 0)
			opts->compression_level = value ?
				parse_int_option("compression_level", value, 1, 19) :
				defaults.compression_level;
		else if (strcmp(def->defname, "block_size") == 0)
			opts->block_size = value ?
				(int) parse_size_option("block_size", value, 4096, 16 * 1024 * 1024,
										"4kB and 16MB") :
				defaults.block_size;
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unrecognized segstore option \"%s\"", def->defname),
					 errhint("Valid options are segstore.time_column, segstore.segment_interval, segstore.max_segment_size, segstore.seal_after, segstore.retention, segstore.compression_level and segstore.block_size.")));
	}
}

/* ---- the options table ---- */

/*
 * Table rewrites (ALTER TABLE ... TYPE, ADD COLUMN with a volatile
 * default) fill a transient table named pg_temp_<oid of the table> that
 * then swaps files with the table: it takes that table's options.
 */
static Oid
options_owner(Relation rel)
{
	const char *name = RelationGetRelationName(rel);
	unsigned int target;
	int			consumed = 0;

	if (sscanf(name, "pg_temp_%u%n", &target, &consumed) == 1 &&
		name[consumed] == '\0')
		return (Oid) target;
	return RelationGetRelid(rel);
}

/* Read the stored options of a table into opts; false if there are none. */
static bool
read_stored(Relation rel, SegTableOptions *opts)
{
	Oid			table_oid = SegCatalogRelid(OPTIONS_TABLE, true);
	Oid			index_oid = SegCatalogRelid(OPTIONS_INDEX, true);
	Relation	options_rel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tuple;
	bool		found = false;

	if (!OidIsValid(table_oid) || !OidIsValid(index_oid))
		return false;

	options_rel = table_open(table_oid, AccessShareLock);
	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(options_owner(rel)));
	scan = systable_beginscan(options_rel, index_oid, true, NULL, 1, &key);
	tuple = systable_getnext(scan);
	if (HeapTupleIsValid(tuple))
	{
		TupleDesc	desc = RelationGetDescr(options_rel);
		Datum		values[Natts_options];
		bool		nulls[Natts_options];
		Interval   *iv;

		heap_deform_tuple(tuple, desc, values, nulls);
		opts->time_attnum = DatumGetInt16(values[1]);
		iv = DatumGetIntervalP(values[2]);
		opts->segment_interval = iv->time + (int64) iv->day * USECS_PER_DAY;
		opts->max_segment_size = DatumGetInt64(values[3]);
		iv = DatumGetIntervalP(values[4]);
		opts->seal_after = iv->time + (int64) iv->day * USECS_PER_DAY;
		opts->compression_level = DatumGetInt16(values[5]);
		opts->block_size = DatumGetInt32(values[6]);
		if (nulls[7])
			opts->retention = 0;
		else
		{
			iv = DatumGetIntervalP(values[7]);
			opts->retention = iv->time + (int64) iv->day * USECS_PER_DAY;
		}
		found = true;
	}
	systable_endscan(scan);
	table_close(options_rel, AccessShareLock);

	if (found && opts->time_attnum > 0)
	{
		Form_pg_attribute att;

		if (opts->time_attnum > RelationGetDescr(rel)->natts)
			elog(ERROR, "time column %d of \"%s\" is out of range",
				 opts->time_attnum, RelationGetRelationName(rel));
		att = TupleDescAttr(RelationGetDescr(rel), opts->time_attnum - 1);
		if (att->attisdropped || !is_time_type(att->atttypid))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("time column of segstore table \"%s\" is no longer usable",
							RelationGetRelationName(rel)),
					 errhint("Set another time column with segstore.set_options().")));
		opts->time_type = getBaseType(att->atttypid);
	}
	else if (found)
		opts->time_type = InvalidOid;
	return found;
}

/*
 * The effective options of a segstore table.  The result lives in the
 * relcache entry: do not free it, and do not keep it across anything that
 * may process invalidations (such as opening another relation).
 */
const SegTableOptions *
SegOptionsGet(Relation rel)
{
	SegTableOptions opts;
	SegRowLayout *layout;
	SegTableOptions *cached;
	Size		layout_size;
	MemoryContext oldcxt;

	bool		pending = pending_active && RelationGetRelid(rel) == pending_relid;

	if (rel->rd_amcache != NULL)
		return (const SegTableOptions *) rel->rd_amcache;
	if (pending && pending_effective != NULL)
		return pending_effective;

	if (!read_stored(rel, &opts))
	{
		set_defaults(rel, &opts);
		if (pending)
			SegOptionsApply(rel, &opts, pending_defs);
	}

	layout = SegRowLayoutCreate(RelationGetDescr(rel));
	layout_size = offsetof(SegRowLayout, kinds) + Max(layout->natts, 1);

	/* options not stored yet live until the end of the CREATE statement */
	oldcxt = MemoryContextSwitchTo(pending ? pending_context : CacheMemoryContext);
	cached = palloc(MAXALIGN(sizeof(SegTableOptions)) + layout_size);
	MemoryContextSwitchTo(oldcxt);
	*cached = opts;
	cached->layout = (SegRowLayout *) ((char *) cached + MAXALIGN(sizeof(SegTableOptions)));
	memcpy(cached->layout, layout, layout_size);
	pfree(layout);

	if (pending)
		pending_effective = cached;
	else
		rel->rd_amcache = cached;
	return cached;
}

/* ---- the copy in pg_class.reloptions, for pg_dump ---- */

/* An interval in microseconds as interval_in reads it, in its largest whole unit. */
static char *
interval_text(int64 usecs)
{
	if (usecs % USECS_PER_DAY == 0)
		return psprintf(INT64_FORMAT " days", usecs / USECS_PER_DAY);
	if (usecs % USECS_PER_HOUR == 0)
		return psprintf(INT64_FORMAT " hours", usecs / USECS_PER_HOUR);
	if (usecs % USECS_PER_MINUTE == 0)
		return psprintf(INT64_FORMAT " minutes", usecs / USECS_PER_MINUTE);
	if (usecs % USECS_PER_SEC == 0)
		return psprintf(INT64_FORMAT " seconds", usecs / USECS_PER_SEC);
	return psprintf(INT64_FORMAT " microseconds", usecs);
}

/*
 * The "segstore.name=value" entries that recreate opts on a table with
 * the same columns: the time column always (by name; '' for ingest
 * time), the rest where they differ from the defaults.
 */
static List *
options_as_reloptions(Relation rel, const SegTableOptions *opts)
{
	SegTableOptions defaults;
	List	   *entries = NIL;

	set_defaults(rel, &defaults);
	/* always: the default depends on the columns, "" is ingest time */
	entries = lappend(entries, psprintf("segstore.time_column=%s",
										opts->time_attnum > 0 ?
										NameStr(TupleDescAttr(RelationGetDescr(rel),
															  opts->time_attnum - 1)->attname) :
										""));
	if (opts->segment_interval != defaults.segment_interval)
		entries = lappend(entries, psprintf("segstore.segment_interval=%s",
											interval_text(opts->segment_interval)));
	if (opts->max_segment_size != defaults.max_segment_size)
		entries = lappend(entries, psprintf("segstore.max_segment_size=" INT64_FORMAT,
											opts->max_segment_size));
	if (opts->seal_after != defaults.seal_after)
		entries = lappend(entries, psprintf("segstore.seal_after=%s",
											interval_text(opts->seal_after)));
	if (opts->retention != defaults.retention)
		entries = lappend(entries, psprintf("segstore.retention=%s",
											interval_text(opts->retention)));
	if (opts->compression_level != defaults.compression_level)
		entries = lappend(entries, psprintf("segstore.compression_level=%d",
											opts->compression_level));
	if (opts->block_size != defaults.block_size)
		entries = lappend(entries, psprintf("segstore.block_size=%d", opts->block_size));
	return entries;
}

/*
 * Replace the "segstore." entries of relid's pg_class.reloptions with
 * "entries" (a List of C strings; NIL removes them), keeping the others.
 */
static void
replace_segstore_reloptions(Oid relid, List *entries)
{
	Relation	pg_class;
	HeapTuple	tuple;
	HeapTuple	newtuple;
	Datum		old;
	bool		isnull;
	ArrayBuildState *astate = NULL;
	Datum		values[Natts_pg_class];
	bool		nulls[Natts_pg_class];
	bool		replace[Natts_pg_class];
	ListCell   *lc;

	CommandCounterIncrement();
	pg_class = table_open(RelationRelationId, RowExclusiveLock);
	tuple = SearchSysCacheCopy1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	old = SysCacheGetAttr(RELOID, tuple, Anum_pg_class_reloptions, &isnull);
	if (!isnull)
	{
		Datum	   *elems;
		int			nelems;

		deconstruct_array(DatumGetArrayTypeP(old), TEXTOID, -1, false, TYPALIGN_INT,
						  &elems, NULL, &nelems);
		for (int i = 0; i < nelems; i++)
		{
			char	   *entry = TextDatumGetCString(elems[i]);

			if (strncmp(entry, SEGSTORE_AM_NAME ".", strlen(SEGSTORE_AM_NAME) + 1) != 0)
				astate = accumArrayResult(astate, elems[i], false, TEXTOID,
										  CurrentMemoryContext);
		}
	}
	foreach(lc, entries)
		astate = accumArrayResult(astate, CStringGetTextDatum(lfirst(lc)), false,
								  TEXTOID, CurrentMemoryContext);

	memset(nulls, 0, sizeof(nulls));
	memset(replace, 0, sizeof(replace));
	replace[Anum_pg_class_reloptions - 1] = true;
	if (astate != NULL)
		values[Anum_pg_class_reloptions - 1] = makeArrayResult(astate, CurrentMemoryContext);
	else
		nulls[Anum_pg_class_reloptions - 1] = true;
	newtuple = heap_modify_tuple(tuple, RelationGetDescr(pg_class), values, nulls, replace);
	CatalogTupleUpdate(pg_class, &newtuple->t_self, newtuple);
	heap_freetuple(newtuple);
	heap_freetuple(tuple);
	table_close(pg_class, RowExclusiveLock);
	CommandCounterIncrement();
}

/*
 * Copy a table's options into its pg_class.reloptions as
 * "segstore.name=value" entries.  Nothing in PostgreSQL reads them there
 * (heap's parser ignores unknown entries when it does not validate), but
 * pg_dump prints reloptions into CREATE TABLE ... WITH (...), so a
 * restore recreates the options, policies included, before any row is
 * loaded.  Core validates reloptions only when ALTER TABLE changes them,
 * which segam_ddl.c brackets with SegOptionsUnmirror and a new store.
 */
static void
mirror_to_reloptions(Relation rel, const SegTableOptions *opts)
{
	/* a rewrite's transient table has no pg_class row of its own to dump */
	if (options_owner(rel) != RelationGetRelid(rel))
		return;
	replace_segstore_reloptions(RelationGetRelid(rel), options_as_reloptions(rel, opts));
}

/* Take the "segstore." entries out of relid's pg_class.reloptions. */
void
SegOptionsUnmirror(Oid relid)
{
	replace_segstore_reloptions(relid, NIL);
}

/* Store the options again (after SegOptionsUnmirror), unchanged. */
void
SegOptionsRemirror(Relation rel)
{
	SegOptionsStore(rel, NIL, false);
}

/*
 * Store the table's options after applying "defs" to what is stored now
 * (or to the defaults if reset or nothing is stored), and invalidate
 * every backend's cached copy.
 */
void
SegOptionsStore(Relation rel, List *defs, bool reset)
{
	SegTableOptions opts;
	Interval	iv;
	Interval	seal_iv;
	Interval	retention_iv;
	Oid			argtypes[8] = {OIDOID, INT2OID, INTERVALOID, INT8OID,
	INTERVALOID, INT2OID, INT4OID, INTERVALOID};
	Datum		args[8];
	char		nulls[8];
	int			ret;
	Oid			save_userid;
	int			save_sec_context;
	bool		has_segments;
	AttrNumber	old_time_attnum = 0;

	/* segments are bucketed, pruned and evicted by the time column */
	has_segments = RelationGetForm(rel)->relam == SegAccessMethodOid() &&
		SegFilesHasSegments(MyDatabaseId, rel->rd_node.relNode);
	if (has_segments)
		old_time_attnum = SegOptionsGet(rel)->time_attnum;

	if (reset || !read_stored(rel, &opts))
		set_defaults(rel, &opts);
	SegOptionsApply(rel, &opts, defs);
	if (has_segments && opts.time_attnum != old_time_attnum)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot change the time column of table \"%s\" while it has rows",
						RelationGetRelationName(rel)),
				 errdetail("Its segments are partitioned by the current time column, and scans and retention rely on their time ranges."),
				 errhint("TRUNCATE the table first, or copy its rows into a new table created with the new time column.")));

	memset(&iv, 0, sizeof(iv));
	iv.day = (int32) (opts.segment_interval / USECS_PER_DAY);
	iv.time = opts.segment_interval % USECS_PER_DAY;
	args[0] = ObjectIdGetDatum(RelationGetRelid(rel));
	args[1] = Int16GetDatum(opts.time_attnum);
	args[2] = IntervalPGetDatum(&iv);
	args[3] = Int64GetDatum(opts.max_segment_size);
	memset(&seal_iv, 0, sizeof(seal_iv));
	seal_iv.day = (int32) (opts.seal_after / USECS_PER_DAY);
	seal_iv.time = opts.seal_after % USECS_PER_DAY;
	args[4] = IntervalPGetDatum(&seal_iv);
	args[5] = Int16GetDatum((int16) opts.compression_level);
	args[6] = Int32GetDatum(opts.block_size);
	memset(nulls, ' ', sizeof(nulls));
	memset(&retention_iv, 0, sizeof(retention_iv));
	retention_iv.day = (int32) (opts.retention / USECS_PER_DAY);
	retention_iv.time = opts.retention % USECS_PER_DAY;
	args[7] = IntervalPGetDatum(&retention_iv);
	if (opts.retention == 0)
		nulls[7] = 'n';

	/*
	 * Callers checked that the user owns the table; the options table
	 * belongs to the extension's owner, as whom the row is written.
	 */
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(SegOptionsTableOwner(),
						   save_sec_context | SECURITY_LOCAL_USERID_CHANGE);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_with_args("INSERT INTO segstore.table_options "
								"(relid, time_attnum, segment_interval, max_segment_size, "
								"seal_after, compression_level, block_size, retention) "
								"VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (relid) DO UPDATE SET "
								"time_attnum = EXCLUDED.time_attnum, "
								"segment_interval = EXCLUDED.segment_interval, "
								"max_segment_size = EXCLUDED.max_segment_size, "
								"seal_after = EXCLUDED.seal_after, "
								"compression_level = EXCLUDED.compression_level, "
								"block_size = EXCLUDED.block_size, "
								"retention = EXCLUDED.retention",
								8, argtypes, args, nulls, false, 0);
	if (ret != SPI_OK_INSERT)
		elog(ERROR, "could not store segstore options: SPI result %d", ret);
	SPI_finish();
	SetUserIdAndSecContext(save_userid, save_sec_context);

	mirror_to_reloptions(rel, &opts);
	CacheInvalidateRelcache(rel);
}

/* Owner of the extension's tables, as whom segstore writes to them. */
Oid
SegOptionsTableOwner(void)
{
	Oid			relid = SegCatalogRelid(OPTIONS_TABLE, true);
	HeapTuple	tuple;
	Oid			owner;

	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tuple))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("segstore options table does not exist"),
				 errhint("Run CREATE EXTENSION segstore in this database.")));
	owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);
	return owner;
}

/* Remove the stored options of a dropped table (no-op if none). */
void
SegOptionsDelete(Oid relid)
{
	Oid			table_oid = SegCatalogRelid(OPTIONS_TABLE, true);
	Oid			index_oid = SegCatalogRelid(OPTIONS_INDEX, true);
	Relation	options_rel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tuple;

	if (!OidIsValid(table_oid) || !OidIsValid(index_oid))
		return;
	options_rel = table_open(table_oid, RowExclusiveLock);
	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(relid));
	scan = systable_beginscan(options_rel, index_oid, true, NULL, 1, &key);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
		simple_heap_delete(options_rel, &tuple->t_self);
	systable_endscan(scan);
	table_close(options_rel, RowExclusiveLock);
}

/*
 * Is this a segstore option?  Written by hand it is namespaced,
 * segstore.name = value; pg_dump prints the reloptions copy with the
 * whole key quoted, "segstore.name" = value, which parses as a plain name.
 */
bool
SegOptionsIsOurs(const DefElem *def)
{
	if (def->defnamespace != NULL)
		return strcmp(def->defnamespace, SEGSTORE_AM_NAME) == 0;
	return strncmp(def->defname, SEGSTORE_AM_NAME ".", strlen(SEGSTORE_AM_NAME) + 1) == 0;
}

/*
 * Take the segstore DefElems out of *options and return them (with the
 * namespace cleared).  Other options stay.
 */
List *
SegOptionsExtract(List **options)
{
	List	   *ours = NIL;
	List	   *rest = NIL;
	ListCell   *lc;

	foreach(lc, *options)
	{
		DefElem    *def = lfirst(lc);

		if (SegOptionsIsOurs(def))
		{
			DefElem    *copy = copyObject(def);

			if (copy->defnamespace == NULL)
				copy->defname = pstrdup(def->defname + strlen(SEGSTORE_AM_NAME) + 1);
			copy->defnamespace = NULL;
			ours = lappend(ours, copy);
		}
		else
			rest = lappend(rest, def);
	}
	*options = rest;
	return ours;
}

/* ---- CREATE TABLE [AS] in progress ---- */

void
SegOptionsBeginCreate(List *defs)
{
	if (pending_context == NULL)
		pending_context = AllocSetContextCreate(TopMemoryContext,
												"segstore pending options",
												ALLOCSET_SMALL_SIZES);
	MemoryContextReset(pending_context);
	pending_defs = NIL;
	pending_effective = NULL;
	if (defs != NIL)
	{
		MemoryContext old = MemoryContextSwitchTo(pending_context);

		pending_defs = copyObject(defs);
		MemoryContextSwitchTo(old);
	}
	pending_active = true;
	pending_relid = InvalidOid;
}

/* Called when a segstore table gets its first relfilenode. */
void
SegOptionsNoteCreated(Oid relid)
{
	if (pending_active && !OidIsValid(pending_relid))
		pending_relid = relid;
}

/* End of the statement: returns the created segstore table, if any. */
Oid
SegOptionsEndCreate(List **defs)
{
	Oid			relid = pending_relid;

	*defs = pending_defs;
	pending_active = false;
	pending_relid = InvalidOid;
	pending_effective = NULL;
	return relid;
}

void
SegOptionsAbortCreate(void)
{
	pending_active = false;
	pending_relid = InvalidOid;
	pending_defs = NIL;
	pending_effective = NULL;
	if (pending_context != NULL)
		MemoryContextReset(pending_context);
}
