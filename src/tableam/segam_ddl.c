/*-------------------------------------------------------------------------
 *
 * segam_ddl.c
 *	  Hooks that connect DDL to segstore: options in CREATE TABLE / ALTER
 *	  TABLE, and removal of files when tables or databases are dropped.
 *
 * NOTES
 *	  The ProcessUtility hook takes "segstore."-namespaced options out of
 *	  CREATE TABLE, CREATE TABLE AS and ALTER TABLE SET/RESET (core would
 *	  reject the unknown namespace) and stores them (segam_options.c),
 *	  which also copies them into pg_class.reloptions for pg_dump.  When
 *	  an ALTER TABLE changes other rel options or the access method, the
 *	  copies are taken out around it, since core would reject them.  It
 *	  also refuses to drop a segstore table's time column, and refuses any
 *	  statement after which a publication would include a segstore table
 *	  (logical replication cannot send rows that are not in WAL).
 *
 *	  Table AMs get no callback when a table is dropped, so the
 *	  object_access_hook watches OAT_DROP of segstore tables and of
 *	  databases and schedules their directories for removal at commit
 *	  (seg_files.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/parallel.h"

#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/objectaccess.h"
#include "catalog/pg_class.h"
#include "catalog/pg_database.h"
#include "commands/dbcommands.h"
#include "commands/defrem.h"
#include "executor/spi.h"
#include "storage/fd.h"
#include "miscadmin.h"
#include "parser/analyze.h"
#include "parser/parse_coerce.h"
#include "parser/parse_type.h"
#include "utils/builtins.h"
#include "parser/parsetree.h"
#include "segstore.h"
#include "storage/segstorage.h"
#include "tableam/segam.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

static ProcessUtility_hook_type prev_ProcessUtility = NULL;
static object_access_hook_type prev_object_access_hook = NULL;

static void
call_next_utility(PlannedStmt *pstmt, const char *queryString,
				  bool readOnlyTree, ProcessUtilityContext context,
				  ParamListInfo params, QueryEnvironment *queryEnv,
				  DestReceiver *dest, QueryCompletion *qc)
{
	if (prev_ProcessUtility)
		prev_ProcessUtility(pstmt, queryString, readOnlyTree, context,
							params, queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context,
								params, queryEnv, dest, qc);
}

/*
 * CREATE DATABASE copies a template's files but not its segstore
 * directory: refuse templates whose segstore tables hold data rather than
 * create a database with empty, unwritable copies of them.
 */
static void
check_template(CreatedbStmt *stmt)
{
	const char *template = "template1";
	ListCell   *lc;
	Oid			dbid;
	char		dir[MAXPGPATH];
	DIR		   *d;
	struct dirent *de;
	bool		has_data = false;

	foreach(lc, stmt->options)
	{
		DefElem    *def = lfirst(lc);

		if (strcmp(def->defname, "template") == 0 && def->arg != NULL)
			template = defGetString(def);
	}
	dbid = get_database_oid(template, true);
	if (!OidIsValid(dbid))
		return;
	snprintf(dir, MAXPGPATH, "%s/%u", SEG_ROOT_DIR, dbid);
	d = AllocateDir(dir);
	if (d == NULL)
		return;
	while ((de = ReadDir(d, dir)) != NULL)
		if (de->d_name[0] != '.')
			has_data = true;
	FreeDir(d);
	if (has_data)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot use database \"%s\" as a template: it has segstore tables", template),
				 errdetail("CREATE DATABASE does not copy segstore segment files."),
				 errhint("Use pg_dump and pg_restore to copy the database.")));
}

/* Run a CREATE TABLE [AS] with its segstore options pending. */
static void
run_create(List *defs, PlannedStmt *pstmt, const char *queryString,
		   bool readOnlyTree, ProcessUtilityContext context,
		   ParamListInfo params, QueryEnvironment *queryEnv,
		   DestReceiver *dest, QueryCompletion *qc)
{
	SegOptionsBeginCreate(defs);
	PG_TRY();
	{
		call_next_utility(pstmt, queryString, readOnlyTree, context,
						  params, queryEnv, dest, qc);
	}
	PG_CATCH();
	{
		SegOptionsAbortCreate();
		PG_RE_THROW();
	}
	PG_END_TRY();
}

/* Does this statement mention any "segstore." option? */
static bool
has_segstore_option(List *options)
{
	ListCell   *lc;

	foreach(lc, options)
		if (SegOptionsIsOurs(lfirst(lc)))
			return true;
	return false;
}

/* Name of a segstore table's time column, or NULL (ingest time / not segstore). */
static char *
time_column_name(Oid relid)
{
	Relation	rel;
	const SegTableOptions *opts;
	char	   *name = NULL;

	if (!SegIsSegstoreRelid(relid))
		return NULL;
	rel = table_open(relid, AccessShareLock);
	opts = SegOptionsGet(rel);
	if (opts->time_attnum > 0)
		name = pstrdup(NameStr(TupleDescAttr(RelationGetDescr(rel),
											 opts->time_attnum - 1)->attname));
	table_close(rel, AccessShareLock);
	return name;
}

/*
 * ALTER COLUMN ... TYPE without a table rewrite (a binary-coercible change
 * such as int4 to oid) would leave stored values in the old type's
 * encoding: refuse it when the encoding differs.
 */
static void
check_type_change(Oid relid, AlterTableCmd *cmd)
{
	ColumnDef  *def = (ColumnDef *) cmd->def;
	AttrNumber	attnum = get_attnum(relid, cmd->name);
	Oid			oldtype;
	Oid			newtype;

	if (attnum <= 0)
		return;
	oldtype = get_atttype(relid, attnum);
	newtype = typenameTypeId(NULL, def->typeName);
	/* PostgreSQL relabels without a rewrite across unconstrained domains too */
	if (SegRowKindOfType(oldtype) != SegRowKindOfType(newtype) &&
		IsBinaryCoercible(getBaseType(oldtype), getBaseType(newtype)))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot change column \"%s\" of segstore table \"%s\" from %s to %s in place",
						cmd->name, get_rel_name(relid),
						format_type_be(oldtype), format_type_be(newtype)),
				 errdetail("PostgreSQL would not rewrite the table, and segstore stores the two types differently."),
				 errhint("Add a column of the new type, copy the values into it and drop the old column.")));
}

/*
 * Refuse "operation" (a table rewrite) while a segment of the segstore
 * table relid is quarantined: a rewrite copies only the rows it can read,
 * so the quarantined segment's rows would be lost for good.
 */
void
SegCheckNoQuarantine(Oid relid, const char *operation)
{
	Relation	rel;
	int			n;
	SegManifestEntry *entries;

	/* a parallel build's leader checked; its workers cannot take snapshots */
	if (IsParallelWorker())
		return;
	rel = table_open(relid, AccessShareLock);
	entries = SegManifestList(rel->rd_node.relNode,
							  IsInParallelMode() ? GetTransactionSnapshot() :
							  GetLatestSnapshot(), &n);

	for (int i = 0; i < n; i++)
		if (entries[i].quarantined && !entries[i].evicted)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("cannot %s segstore table \"%s\" while its segment %u is quarantined",
							operation, RelationGetRelationName(rel),
							entries[i].segment_id),
					 errdetail("A rewrite copies only the rows it can read; the quarantined segment's rows would be lost."),
					 errhint("Evict the segment, or lift the quarantine with segstore.quarantine(table, segment, false), first.")));
	pfree(entries);
	table_close(rel, AccessShareLock);
}

/*
 * May adding this column rewrite the table?  A volatile default or a
 * stored generated column does; tell them apart from constant defaults
 * only after parse analysis, so any default counts.
 */
static bool
column_may_rewrite(ColumnDef *def)
{
	ListCell   *lc;

	if (def->raw_default != NULL || def->cooked_default != NULL)
		return true;
	foreach(lc, def->constraints)
	{
		Constraint *con = lfirst_node(Constraint, lc);

		if (con->contype == CONSTR_DEFAULT || con->contype == CONSTR_GENERATED)
			return true;
	}
	return false;
}

/*
 * ALTER TABLE: strip segstore options out of SET/RESET (returning them in
 * *set_defs / *reset_defs) and check column changes against the time
 * column.  Commands left empty are removed.
 */
static void
preprocess_alter_table(AlterTableStmt *stmt, Oid relid,
					   List **set_defs, List **reset_defs)
{
	List	   *kept = NIL;
	ListCell   *lc;
	char	   *time_column = OidIsValid(relid) ? time_column_name(relid) : NULL;

	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst(lc);

		if (cmd->subtype == AT_SetRelOptions || cmd->subtype == AT_ResetRelOptions)
		{
			List	   *options = (List *) cmd->def;
			List	   *ours = SegOptionsExtract(&options);

			if (cmd->subtype == AT_SetRelOptions)
				*set_defs = list_concat(*set_defs, ours);
			else
				*reset_defs = list_concat(*reset_defs, ours);
			cmd->def = (Node *) options;
			if (options == NIL)
				continue;
		}
		else if (cmd->subtype == AT_AlterColumnType && OidIsValid(relid) &&
				 cmd->name != NULL && SegIsSegstoreRelid(relid))
		{
			check_type_change(relid, cmd);
			SegCheckNoQuarantine(relid, "change a column type of");
		}
		else if (cmd->subtype == AT_SetAccessMethod && OidIsValid(relid) &&
				 SegIsSegstoreRelid(relid))
			SegCheckNoQuarantine(relid, "change the access method of");
		else if (cmd->subtype == AT_AddColumn && OidIsValid(relid) &&
				 column_may_rewrite((ColumnDef *) cmd->def) &&
				 SegIsSegstoreRelid(relid))
			SegCheckNoQuarantine(relid, "add a column with a default to");
		if (cmd->subtype != AT_SetRelOptions && cmd->subtype != AT_ResetRelOptions &&
			time_column != NULL && cmd->name != NULL &&
			strcmp(cmd->name, time_column) == 0)
		{
			if (cmd->subtype == AT_DropColumn)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot drop column \"%s\" because it is the time column of segstore table \"%s\"",
								time_column, get_rel_name(relid)),
						 errhint("Set another time column with segstore.set_options() first.")));
			if (cmd->subtype == AT_AlterColumnType)
			{
				ColumnDef  *def = (ColumnDef *) cmd->def;
				Oid			newtype = typenameTypeId(NULL, def->typeName);
				Oid			base = getBaseType(newtype);

				if (base != TIMESTAMPTZOID && base != TIMESTAMPOID && base != DATEOID)
					ereport(ERROR,
							(errcode(ERRCODE_DATATYPE_MISMATCH),
							 errmsg("time column \"%s\" must keep a timestamptz, timestamp or date type",
									time_column)));
			}
		}
		kept = lappend(kept, cmd);
	}
	stmt->cmds = kept;
}

/* Does an ALTER TABLE (segstore options already taken out) set or reset rel options? */
static bool
changes_reloptions(AlterTableStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst(lc);

		if (cmd->subtype == AT_SetRelOptions || cmd->subtype == AT_ResetRelOptions)
			return true;
	}
	return false;
}

static bool
changes_access_method(AlterTableStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->cmds)
		if (((AlterTableCmd *) lfirst(lc))->subtype == AT_SetAccessMethod)
			return true;
	return false;
}

/*
 * ALTER TABLE on a segstore table that changes other rel options, or on
 * any table that changes its access method.  PostgreSQL validates the whole reloptions array when it
 * changes it and would reject the "segstore." copies kept there for
 * pg_dump (segam_options.c): take them out first and put them back after,
 * with the options the statement set.  A table that no longer uses
 * segstore keeps them in segstore.table_options only, so that ALTER TABLE
 * ... SET ACCESS METHOD segstore brings them back.
 */
static void
run_alter_unmirrored(PlannedStmt *pstmt, Oid relid, List *set_defs, List *reset_defs,
					 const char *queryString, bool readOnlyTree,
					 ProcessUtilityContext context, ParamListInfo params,
					 QueryEnvironment *queryEnv, DestReceiver *dest,
					 QueryCompletion *qc)
{
	Relation	rel;

	SegOptionsUnmirror(relid);
	call_next_utility(pstmt, queryString, readOnlyTree, context,
					  params, queryEnv, dest, qc);
	CommandCounterIncrement();
	if (!SegIsSegstoreRelid(relid))
		return;					/* options stay stored for a way back */
	rel = table_open(relid, ShareUpdateExclusiveLock);
	if (reset_defs != NIL)
		SegOptionsStore(rel, reset_defs, false);
	if (set_defs != NIL)
		SegOptionsStore(rel, set_defs, false);
	SegOptionsRemirror(rel);
	table_close(rel, NoLock);
}

static void
process_utility(PlannedStmt *pstmt, const char *queryString,
				bool readOnlyTree, ProcessUtilityContext context,
				ParamListInfo params, QueryEnvironment *queryEnv,
				DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *parsetree = pstmt->utilityStmt;
	List	   *defs = NIL;
	bool		if_not_exists = false;

	if (IsA(parsetree, CreatedbStmt))
		check_template((CreatedbStmt *) parsetree);

	if (IsA(parsetree, CreateStmt) || IsA(parsetree, CreateTableAsStmt))
	{
		if (readOnlyTree)
		{
			pstmt = copyObject(pstmt);
			parsetree = pstmt->utilityStmt;
			readOnlyTree = false;
		}
		if (IsA(parsetree, CreateStmt))
		{
			CreateStmt *stmt = (CreateStmt *) parsetree;

			defs = SegOptionsExtract(&stmt->options);
			if_not_exists = stmt->if_not_exists;
		}
		else
		{
			CreateTableAsStmt *stmt = (CreateTableAsStmt *) parsetree;

			defs = SegOptionsExtract(&stmt->into->options);
			if_not_exists = stmt->if_not_exists;
		}

		run_create(defs, pstmt, queryString, readOnlyTree, context,
				   params, queryEnv, dest, qc);
		{
			Oid			relid = SegOptionsEndCreate(&defs);

			if (OidIsValid(relid))
			{
				Relation	rel = table_open(relid, NoLock);

				SegOptionsStore(rel, defs, false);
				table_close(rel, NoLock);
			}
			else if (defs != NIL && !if_not_exists)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("segstore options can only be given for tables using segstore"),
						 errhint("Add USING segstore to the statement.")));
		}
		return;
	}

	if (IsA(parsetree, AlterTableStmt) &&
		(((AlterTableStmt *) parsetree)->objtype == OBJECT_TABLE ||
		 ((AlterTableStmt *) parsetree)->objtype == OBJECT_MATVIEW))
	{
		AlterTableStmt *stmt;
		List	   *set_defs = NIL;
		List	   *reset_defs = NIL;
		Oid			relid;
		bool		has_ours = false;
		ListCell   *lc;

		if (readOnlyTree)
		{
			pstmt = copyObject(pstmt);
			parsetree = pstmt->utilityStmt;
			readOnlyTree = false;
		}
		stmt = (AlterTableStmt *) parsetree;

		foreach(lc, stmt->cmds)
		{
			AlterTableCmd *cmd = lfirst(lc);

			if ((cmd->subtype == AT_SetRelOptions || cmd->subtype == AT_ResetRelOptions) &&
				has_segstore_option((List *) cmd->def))
				has_ours = true;
		}

		relid = RangeVarGetRelidExtended(stmt->relation,
										 has_ours ? ShareUpdateExclusiveLock : NoLock,
										 stmt->missing_ok ? RVR_MISSING_OK : 0,
										 NULL, NULL);
		preprocess_alter_table(stmt, relid, &set_defs, &reset_defs);

		if (has_ours)
		{
			if (!OidIsValid(relid))
				return;
			if (!SegIsSegstoreRelid(relid))
				ereport(ERROR,
						(errcode(ERRCODE_WRONG_OBJECT_TYPE),
						 errmsg("\"%s\" is not a segstore table", get_rel_name(relid)),
						 errhint("segstore options can only be set on tables using segstore.")));
			if (!pg_class_ownercheck(relid, GetUserId()))
				aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, get_rel_name(relid));
		}
		if (OidIsValid(relid) && OidIsValid(SegAccessMethodOid()) &&
			((SegIsSegstoreRelid(relid) && changes_reloptions(stmt)) ||
			 changes_access_method(stmt)))
		{
			run_alter_unmirrored(pstmt, relid, set_defs, reset_defs, queryString,
								 readOnlyTree, context, params, queryEnv, dest, qc);
			return;
		}
		if (has_ours)
		{
			Relation	rel;

			if (stmt->cmds != NIL)
				call_next_utility(pstmt, queryString, readOnlyTree, context,
								  params, queryEnv, dest, qc);
			rel = table_open(relid, ShareUpdateExclusiveLock);
			if (reset_defs != NIL)
				SegOptionsStore(rel, reset_defs, false);
			if (set_defs != NIL)
				SegOptionsStore(rel, set_defs, false);
			table_close(rel, NoLock);
			return;
		}
	}

	if (IsA(parsetree, RenameStmt) &&
		((RenameStmt *) parsetree)->renameType == OBJECT_COLUMN)
	{
		RenameStmt *stmt = (RenameStmt *) parsetree;
		Oid			relid = RangeVarGetRelid(stmt->relation, NoLock, true);

		call_next_utility(pstmt, queryString, readOnlyTree, context,
						  params, queryEnv, dest, qc);
		/* the copy in reloptions names the time column */
		if (OidIsValid(relid) && SegIsSegstoreRelid(relid))
		{
			Relation	rel;

			CommandCounterIncrement();
			rel = table_open(relid, ShareUpdateExclusiveLock);
			SegOptionsRemirror(rel);
			table_close(rel, NoLock);
		}
		return;
	}

	call_next_utility(pstmt, queryString, readOnlyTree, context,
					  params, queryEnv, dest, qc);
}

static void
segstore_object_access(ObjectAccessType access, Oid classId, Oid objectId,
					   int subId, void *arg)
{
	if (prev_object_access_hook)
		prev_object_access_hook(access, classId, objectId, subId, arg);

	if (access != OAT_DROP)
		return;

	if (classId == RelationRelationId && subId == 0)
	{
		HeapTuple	tuple;
		Oid			am = SegAccessMethodOid();

		if (!OidIsValid(am))
			return;
		tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(objectId));
		if (HeapTupleIsValid(tuple))
		{
			Form_pg_class cls = (Form_pg_class) GETSTRUCT(tuple);

			if (cls->relam == am && RELKIND_HAS_TABLE_AM(cls->relkind))
			{
				SegFilesScheduleDelete(MyDatabaseId, cls->relfilenode, true);
				SegManifestDeleteAll(cls->relfilenode);
				SegRowMarksDeleteAll(cls->relfilenode);
			}
			/* a heap table converted from segstore keeps its options too */
			if (RELKIND_HAS_TABLE_AM(cls->relkind))
				SegOptionsDelete(objectId);
			ReleaseSysCache(tuple);
		}
	}
	else if (classId == DatabaseRelationId)
		SegFilesScheduleDelete(objectId, InvalidOid, true);
}

/*
 * Refuse a publication that includes a segstore table, however it came to
 * include it (FOR TABLE, FOR TABLES IN SCHEMA, FOR ALL TABLES, or a table
 * created in or moved to segstore later): segment data is not in WAL, so
 * logical replication would silently send nothing.
 */
static void
check_publications(void)
{
	Oid			am = SegAccessMethodOid();
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1];
	int			ret;

	if (!OidIsValid(am))
		return;
	args[0] = ObjectIdGetDatum(am);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_with_args("SELECT p.pubname::text, c.oid::regclass::text "
								"FROM pg_catalog.pg_publication p, "
								"LATERAL pg_catalog.pg_get_publication_tables(p.pubname::text) t "
								"JOIN pg_catalog.pg_class c ON c.oid = t.relid "
								"WHERE c.relam = $1 LIMIT 1",
								1, argtypes, args, NULL, false, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not check publications: %s", SPI_result_code_string(ret));
	if (SPI_processed > 0)
	{
		char	   *pubname = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		char	   *table = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);

		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("segstore table %s cannot be part of publication \"%s\"",
						table, pubname),
				 errdetail("Rows of segstore tables are not written to WAL, so logical replication would not send them."),
				 errhint("Publish the other tables with FOR TABLE, or use physical replication.")));
	}
	SPI_finish();
}

/* Statements after which a segstore table may have joined a publication. */
static bool
may_publish_segstore(Node *parsetree)
{
	switch (nodeTag(parsetree))
	{
		case T_CreatePublicationStmt:
		case T_AlterPublicationStmt:
		case T_CreateStmt:
		case T_CreateTableAsStmt:
		case T_AlterTableStmt:
		case T_AlterObjectSchemaStmt:
			return true;
		default:
			return false;
	}
}

static void
segstore_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
						bool readOnlyTree, ProcessUtilityContext context,
						ParamListInfo params, QueryEnvironment *queryEnv,
						DestReceiver *dest, QueryCompletion *qc)
{
	bool		check = may_publish_segstore(pstmt->utilityStmt);

	process_utility(pstmt, queryString, readOnlyTree, context, params,
					queryEnv, dest, qc);
	if (check)
	{
		CommandCounterIncrement();
		check_publications();
	}
}

void
SegDdlInstallHooks(void)
{
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = segstore_ProcessUtility;
	prev_object_access_hook = object_access_hook;
	object_access_hook = segstore_object_access;
}
