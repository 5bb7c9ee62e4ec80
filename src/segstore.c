/*-------------------------------------------------------------------------
 *
 * segstore.c
 *	  Module load: settings, shared memory, transaction callbacks, hooks
 *	  (DDL in segam_ddl.c, planning in seg_scan_path.c).
 *
 * NOTES
 *	  segstore keeps per-table append state in shared memory, so it must be
 *	  in shared_preload_libraries; loading it any other way (which CREATE
 *	  EXTENSION does) fails with a hint saying so.
 *
 *	  Transaction callbacks: at pre-commit every segment file the
 *	  transaction appended to is written and fsynced (seg_active.c); at
 *	  commit or abort the claimed segments are given back and the
 *	  directories scheduled for removal are removed (seg_files.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "scan/segscan.h"
#include "segstore.h"
#include "storage/ipc.h"
#include "storage/segstorage.h"
#include "tableam/segam.h"
#include "utils/guc.h"

PG_MODULE_MAGIC;

int			segstore_max_tables = 1024;
char	   *segstore_pause_at = NULL;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

void		_PG_init(void);

static void
segstore_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	SegShmemRequest();
}

static void
segstore_shmem_startup(void)
{
	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	SegShmemInit();
	LWLockRelease(AddinShmemInitLock);
}

static void
segstore_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PARALLEL_PRE_COMMIT:
			SegActivePreCommit();
			break;
		case XACT_EVENT_PRE_PREPARE:
			SegFilesCheckPrepare();
			SegActivePreCommit();
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
			SegActiveAtEOXact(true);
			SegFilesAtEOXact(true);
			SegFetchAtEOXact();
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			SegActiveAtEOXact(false);
			SegFilesAtEOXact(false);
			SegFetchAtEOXact();
			break;
	}
}

static void
segstore_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						  SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_COMMIT_SUB)
		SegFilesAtEOSubXact(true, mySubid, parentSubid);
	else if (event == SUBXACT_EVENT_ABORT_SUB)
		SegFilesAtEOSubXact(false, mySubid, parentSubid);
}

/*
 * If segstore.pause_at names this step, wait here (for at most ten
 * minutes, interruptibly) so that a crash test can stop the server at
 * exactly this point of a seal or an eviction.
 */
void
SegPausePoint(const char *step)
{
	if (segstore_pause_at == NULL || strcmp(segstore_pause_at, step) != 0)
		return;
	ereport(LOG, (errmsg("segstore: paused at step \"%s\"", step)));
	for (int i = 0; i < 6000; i++)
	{
		CHECK_FOR_INTERRUPTS();
		pg_usleep(100000L);
	}
}

void
_PG_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("segstore must be loaded via shared_preload_libraries"),
				 errhint("Add segstore to shared_preload_libraries in postgresql.conf and restart the server.")));

	DefineCustomBoolVariable("segstore.enable_segment_scan",
							 "Lets the planner use the segstore scan node.",
							 "It skips segments and blocks outside the query's time range and decodes only the columns the query uses; off leaves a plain sequential scan.",
							 &segstore_enable_segment_scan,
							 true,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("segstore.fetch_cache_size",
							"Memory each backend may keep of sealed blocks decoded for fetches by TID.",
							"Index scans, bitmap scans and row locks fetch single rows; a block decoded for one is kept for the next.  0 keeps only the last block.",
							&segstore_fetch_cache_size,
							65536, 0, MAX_KILOBYTES,
							PGC_USERSET, GUC_UNIT_KB,
							NULL, NULL, NULL);
	DefineCustomIntVariable("segstore.max_tables",
							"Maximum number of segstore tables being written at the same time.",
							"Each needs a few kilobytes of shared memory; idle tables give up their entry.",
							&segstore_max_tables,
							1024, 16, 1000000,
							PGC_POSTMASTER, 0,
							NULL, NULL, NULL);
	DefineCustomStringVariable("segstore.pause_at",
							   "Debugging aid for crash tests: a seal or an eviction waits at this step.",
							   "Seal steps: partial, written, renamed, manifest. Eviction steps: evict-marked, evict-unlinked. Empty: never wait.",
							   &segstore_pause_at,
							   "",
							   PGC_SUSET, GUC_NOT_IN_SAMPLE,
							   NULL, NULL, NULL);
	MarkGUCPrefixReserved("segstore");

	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = segstore_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = segstore_shmem_startup;

	RegisterXactCallback(segstore_xact_callback, NULL);
	RegisterSubXactCallback(segstore_subxact_callback, NULL);
	SegDdlInstallHooks();
	SegScanInstallHooks();
	SegBitmapInstallHooks();
}
