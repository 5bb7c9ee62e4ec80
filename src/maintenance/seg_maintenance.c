/*-------------------------------------------------------------------------
 *
 * seg_maintenance.c
 *	  segstore.run_maintenance(): apply every table's policies (seal what
 *	  is due, evict what expired, remove files no snapshot needs, remove
 *	  orphan directories) in a background worker that commits per table.
 *
 * NOTES
 *	  A SQL function runs inside its caller's transaction and cannot
 *	  commit, yet maintenance must commit table by table: so that one
 *	  table's locks are not held while the next is worked on, so that what
 *	  was done stays done if a later table fails, and so that an error in
 *	  one table does not undo the others.  run_maintenance therefore starts
 *	  a dynamic background worker connected to the same database as the
 *	  caller's login role, acting as the caller's current role, and reads
 *	  its report, one message per action, through a shared-memory queue.
 *	  If the caller is cancelled, the worker is told to stop.
 *
 *	  For every segstore table the role owns (all of them for a superuser,
 *	  as pg_cron usually runs), in order of oid, one transaction:
 *
 *		1. lock the table in ShareUpdateExclusiveLock mode, which SELECT,
 *		   INSERT and COPY do not conflict with.  With the caller's
 *		   lock_timeout > 0 the worker waits that long; with 0 it does not
 *		   wait at all.  Either way a busy table is skipped and reported;
 *		2. seal the active segments whose bucket ended more than
 *		   seal_after ago, and the full ones;
 *		3. evict the segments older than the retention, if one is set;
 *		4. remove files earlier seals and evictions left behind.
 *
 *	  Errors in one table are reported as an 'error: ...' row (and logged)
 *	  and the worker moves on.  At the end it removes orphan directories.
 *
 *	  Two runs in one database at the same time: the second finds the
 *	  first's session lock taken, does nothing and says so.
 *
 *	  Files of segments evicted by this very run stay until a later run:
 *	  the caller's own snapshot may still read them.
 *
 *	  The worker takes over the caller's lock_timeout and, for crash tests,
 *	  segstore.pause_at.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relation.h"
#include "access/xact.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "segstore.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "storage/lmgr.h"
#include "storage/proc.h"
#include "storage/procsignal.h"
#include "storage/segstorage.h"
#include "storage/shm_mq.h"
#include "tableam/segam.h"
#include "tcop/tcopprot.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(segstore_run_maintenance);

PGDLLEXPORT void segstore_maintenance_main(Datum arg);

#define MAINTENANCE_COLS	6
#define QUEUE_SIZE			(64 * 1024)
#define ACTION_LEN			256

/* What the caller tells the worker (in bgw_extra). */
typedef struct MaintenanceRequest
{
	Oid			database;
	Oid			login_role;		/* connects as this role */
	Oid			role;			/* and acts as this one */
	int			lock_timeout_ms;
	char		pause_at[32];	/* the caller's segstore.pause_at, for crash tests */
} MaintenanceRequest;

/* One message from the worker: an action, or the end of the report. */
typedef struct MaintenanceAction
{
	bool		done;
	Oid			relid;			/* InvalidOid: not about one table */
	int64		segment_id;		/* -1: none */
	int64		rows;			/* -1: not known */
	int64		bytes;			/* -1: not known */
	double		milliseconds;
	char		action[ACTION_LEN];
} MaintenanceAction;

static shm_mq_handle *report_queue = NULL;

/* ---- the worker ---- */

/* Send one action to the caller; false if the caller went away. */
static bool
report(Oid relid, int64 segment_id, const char *action, int64 rows,
	   int64 bytes, double ms)
{
	MaintenanceAction msg;

	memset(&msg, 0, sizeof(msg));
	msg.relid = relid;
	msg.segment_id = segment_id;
	msg.rows = rows;
	msg.bytes = bytes;
	msg.milliseconds = ms;
	strlcpy(msg.action, action, ACTION_LEN);
	return shm_mq_send(report_queue, sizeof(msg), &msg, false, true) == SHM_MQ_SUCCESS;
}

static double
ms_since(TimestampTz start)
{
	return (double) (GetCurrentTimestamp() - start) / 1000.0;
}

/* The oids of every segstore table of the database, in oid order, in cxt. */
static List *
list_segstore_tables(MemoryContext cxt)
{
	List	   *relids = NIL;
	int			ret;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute("SELECT c.oid FROM pg_catalog.pg_class c "
					  "JOIN pg_catalog.pg_am a ON a.oid = c.relam "
					  "WHERE a.amname = 'segstore' AND c.relkind IN ('r', 'm') "
					  "ORDER BY c.oid", true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not list segstore tables: SPI result %d", ret);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);
		MemoryContext spi_cxt = MemoryContextSwitchTo(cxt);

		relids = lappend_oid(relids, DatumGetObjectId(d));
		MemoryContextSwitchTo(spi_cxt);
	}
	SPI_finish();
	return relids;
}

/*
 * Apply the policies of one table, inside the current transaction (see
 * the file header).  Returns false if the caller went away.
 */
static bool
maintain_table(Oid relid, const MaintenanceRequest *req)
{
	Relation	rel;
	int64		seal_after;
	int64		retention;
	TimestampTz now = GetCurrentTimestamp();
	List	   *seals;
	List	   *evictions = NIL;
	ListCell   *lc;
	SegCleanupResult cleanup;
	TimestampTz start;

	if (!pg_class_ownercheck(relid, GetUserId()))
		return true;
	if (req->lock_timeout_ms > 0)
		LockRelationOid(relid, ShareUpdateExclusiveLock);
	else if (!ConditionalLockRelationOid(relid, ShareUpdateExclusiveLock))
		return report(relid, -1, "skipped: table is busy", -1, -1, 0);

	rel = try_relation_open(relid, NoLock);
	if (rel == NULL || !SegIsSegstoreRelid(relid))
	{
		if (rel != NULL)
			relation_close(rel, NoLock);
		return true;			/* dropped or changed meanwhile */
	}
	seal_after = SegOptionsGet(rel)->seal_after;
	retention = SegOptionsGet(rel)->retention;

	seals = SegSealTable(rel, SegCutoffTimeValue(SegOptionsGet(rel), now - seal_after));
	foreach(lc, seals)
	{
		SegSealOutcome *o = lfirst(lc);

		if (!report(relid, o->segment_id, "seal", o->rows, o->bytes, o->milliseconds))
			return false;
	}

	if (retention > 0)
		evictions = SegEvictSegments(rel, SegCutoffTimeValue(SegOptionsGet(rel),
															 now - retention));
	foreach(lc, evictions)
	{
		SegEvictOutcome *o = lfirst(lc);
		bool		sent;

		if (o->skipped)
			sent = report(relid, o->segment_id,
						  "skipped: segment is being written", -1, -1, o->milliseconds);
		else
			sent = report(relid, o->segment_id, "evict", o->rows, o->bytes,
						  o->milliseconds);
		if (!sent)
			return false;
	}

	start = GetCurrentTimestamp();
	SegCleanupTable(rel, &cleanup);
	relation_close(rel, NoLock);
	if (cleanup.files > 0 &&
		!report(relid, -1, "remove files", cleanup.files, cleanup.bytes, ms_since(start)))
		return false;
	return true;
}

/*
 * Run fn(arg) in a transaction of its own.  An error is logged, reported
 * to the caller as "error: <message>" (or as a skip if it is a lock
 * timeout), and rolled back.  Returns false if the caller went away.
 */
static bool
run_in_transaction(Oid relid, bool (*fn) (Oid, const MaintenanceRequest *),
				   const MaintenanceRequest *req)
{
	MemoryContext cxt = CurrentMemoryContext;
	bool		go_on = true;

	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	PG_TRY();
	{
		go_on = fn(relid, req);
		PopActiveSnapshot();
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		ErrorData  *edata;
		char	   *action;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		if (edata->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE)
			EmitErrorReport();
		FlushErrorState();
		AbortCurrentTransaction();
		if (edata->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE)
			action = pstrdup("skipped: table is busy (lock_timeout)");
		else
			action = psprintf("error: %s", edata->message);
		go_on = report(relid, -1, action, -1, -1, 0);
		FreeErrorData(edata);
	}
	PG_END_TRY();
	MemoryContextSwitchTo(cxt);
	return go_on;
}

static bool
remove_orphans(Oid unused, const MaintenanceRequest *req)
{
	TimestampTz start = GetCurrentTimestamp();
	int			removed = SegCleanupOrphanDirs();

	if (removed > 0)
		return report(InvalidOid, -1, "remove orphan directories", removed, -1,
					  ms_since(start));
	return true;
}

/* Entry point of the maintenance worker; arg is the report queue's DSM handle. */
void
segstore_maintenance_main(Datum arg)
{
	MaintenanceRequest req;
	dsm_segment *seg;
	shm_mq	   *mq;
	List	   *relids;
	ListCell   *lc;
	LOCKTAG		tag;
	MaintenanceAction done;
	MemoryContext cxt;
	bool		is_only_run;

	memcpy(&req, MyBgworkerEntry->bgw_extra, sizeof(req));
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	CurrentResourceOwner = ResourceOwnerCreate(NULL, "segstore maintenance");
	seg = dsm_attach(DatumGetUInt32(arg));
	if (seg == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("segstore maintenance worker could not map its report queue")));
	mq = dsm_segment_address(seg);
	shm_mq_set_sender(mq, MyProc);
	report_queue = shm_mq_attach(mq, seg, NULL);

	BackgroundWorkerInitializeConnectionByOid(req.database, req.login_role, 0);
	if (req.lock_timeout_ms > 0)
		SetConfigOption("lock_timeout", psprintf("%d", req.lock_timeout_ms),
						PGC_USERSET, PGC_S_SESSION);
	if (req.pause_at[0] != '\0')
		SetConfigOption("segstore.pause_at", req.pause_at, PGC_SUSET, PGC_S_SESSION);

	cxt = AllocSetContextCreate(TopMemoryContext, "segstore maintenance",
								ALLOCSET_DEFAULT_SIZES);

	StartTransactionCommand();
	SetCurrentRoleId(req.role, superuser_arg(req.role));

	/* one run per database at a time; a session lock, gone with the process */
	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, 0x73656773, 0x6d61696e, 3);
	is_only_run = LockAcquire(&tag, ExclusiveLock, true, true) != LOCKACQUIRE_NOT_AVAIL;
	PushActiveSnapshot(GetTransactionSnapshot());
	relids = is_only_run ? list_segstore_tables(cxt) : NIL;
	PopActiveSnapshot();
	CommitTransactionCommand();
	MemoryContextSwitchTo(cxt);

	if (!is_only_run)
		report(InvalidOid, -1, "skipped: maintenance is already running in this database",
			   -1, -1, 0);
	else
	{
		bool		go_on = true;

		foreach(lc, relids)
		{
			go_on = run_in_transaction(lfirst_oid(lc), maintain_table, &req);
			if (!go_on)
				break;
		}
		if (go_on)
			run_in_transaction(InvalidOid, remove_orphans, &req);
		LockRelease(&tag, ExclusiveLock, true);
	}

	memset(&done, 0, sizeof(done));
	done.done = true;
	shm_mq_send(report_queue, sizeof(done), &done, false, true);
	dsm_detach(seg);
	proc_exit(0);
}

/* ---- the SQL function ---- */

static void
put_action(ReturnSetInfo *rsinfo, const MaintenanceAction *a)
{
	Datum		values[MAINTENANCE_COLS];
	bool		nulls[MAINTENANCE_COLS] = {0};

	values[0] = ObjectIdGetDatum(a->relid);
	nulls[0] = !OidIsValid(a->relid);
	values[1] = Int64GetDatum(a->segment_id);
	nulls[1] = a->segment_id < 0;
	values[2] = CStringGetTextDatum(a->action);
	values[3] = Int64GetDatum(a->rows);
	nulls[3] = a->rows < 0;
	values[4] = Int64GetDatum(a->bytes);
	nulls[4] = a->bytes < 0;
	values[5] = Float8GetDatum(a->milliseconds);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * segstore.run_maintenance(): start the worker, wait for its report and
 * return it, one row per action (see the file header).
 */
Datum
segstore_run_maintenance(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;
	MaintenanceRequest req;
	dsm_segment *seg;
	shm_mq	   *mq;
	shm_mq_handle *mqh;
	volatile bool finished = false;

	InitMaterializedSRF(fcinfo, 0);
	if (RecoveryInProgress())
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("segstore maintenance cannot run during recovery")));

	seg = dsm_create(QUEUE_SIZE, 0);
	mq = shm_mq_create(dsm_segment_address(seg), QUEUE_SIZE);
	shm_mq_set_receiver(mq, MyProc);

	memset(&req, 0, sizeof(req));
	req.database = MyDatabaseId;
	req.login_role = GetSessionUserId();
	req.role = GetUserId();
	req.lock_timeout_ms = LockTimeout;
	if (segstore_pause_at != NULL)
		strlcpy(req.pause_at, segstore_pause_at, sizeof(req.pause_at));

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	strlcpy(worker.bgw_library_name, "segstore", BGW_MAXLEN);
	strlcpy(worker.bgw_function_name, "segstore_maintenance_main", BGW_MAXLEN);
	strlcpy(worker.bgw_name, "segstore maintenance", BGW_MAXLEN);
	strlcpy(worker.bgw_type, "segstore maintenance", BGW_MAXLEN);
	worker.bgw_main_arg = UInt32GetDatum(dsm_segment_handle(seg));
	worker.bgw_notify_pid = MyProcPid;
	memcpy(worker.bgw_extra, &req, sizeof(req));

	if (!RegisterDynamicBackgroundWorker(&worker, &handle))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
				 errmsg("could not start a segstore maintenance worker"),
				 errhint("Raise max_worker_processes, or run maintenance when fewer background workers are busy.")));
	mqh = shm_mq_attach(mq, seg, handle);

	PG_TRY();
	{
		for (;;)
		{
			Size		len;
			void	   *data;
			MaintenanceAction action;

			if (shm_mq_receive(mqh, &len, &data, false) != SHM_MQ_SUCCESS)
				break;
			if (len != sizeof(action))
				elog(ERROR, "segstore maintenance worker sent a message of %zu bytes", len);
			memcpy(&action, data, sizeof(action));
			if (action.done)
			{
				finished = true;
				break;
			}
			put_action(rsinfo, &action);
		}
	}
	PG_CATCH();
	{
		TerminateBackgroundWorker(handle);
		PG_RE_THROW();
	}
	PG_END_TRY();

	/* the run is over when the worker is gone, not just its report */
	if (finished)
		WaitForBackgroundWorkerShutdown(handle);
	dsm_detach(seg);
	if (!finished)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("segstore maintenance worker stopped before finishing"),
				 errhint("See the server log. What it reported as done stays done.")));
	return (Datum) 0;
}
