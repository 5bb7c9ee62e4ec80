/*-------------------------------------------------------------------------
 *
 * seg_bitmap.c
 *	  Bitmap heap scans over segstore tables: no prefetching.
 *
 * NOTES
 *	  A bitmap heap scan prefetches the blocks it is about to visit with
 *	  PrefetchBuffer on the relation's main fork.  A segstore table's main
 *	  fork is empty: its "blocks" are TID blocks (291 row numbers each,
 *	  see DESIGN.md 3.3) whose rows live in segment files.  Prefetching
 *	  them is useless, and past the first gigabyte of TID space (131072
 *	  blocks: 38M row numbers, or about 583 segments, since each segment
 *	  starts a chunk of its own) it fails, because md.c refuses to open a
 *	  second file segment of a first one that is not full.
 *
 *	  The node decides how far to prefetch when it is initialised, from
 *	  the tablespace's effective_io_concurrency, and sets up prefetching
 *	  only on its first call; so an ExecutorStart hook that runs after
 *	  the plan is initialised sets that distance to 0 in every bitmap heap
 *	  scan of a segstore table.  Parallel workers run ExecutorStart too.
 *
 *	  ANALYZE prefetches the same way (maintenance_io_concurrency), in
 *	  acquire_sample_rows, with no hook to turn it off; see the README's
 *	  limitations.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/executor.h"
#include "nodes/nodeFuncs.h"
#include "scan/segscan.h"
#include "tableam/segam.h"

static ExecutorStart_hook_type prev_ExecutorStart = NULL;

static bool
no_prefetch_walker(PlanState *planstate, void *context)
{
	if (planstate == NULL)
		return false;
	if (IsA(planstate, BitmapHeapScanState))
	{
		BitmapHeapScanState *node = (BitmapHeapScanState *) planstate;
		Relation	rel = node->ss.ss_currentRelation;

		if (rel != NULL && SegIsSegstoreRelation(rel))
			node->prefetch_maximum = 0;
	}
	return planstate_tree_walker(planstate, no_prefetch_walker, context);
}

static void
segstore_ExecutorStart(QueryDesc *queryDesc, int eflags)
{
	if (prev_ExecutorStart)
		prev_ExecutorStart(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);
	if (queryDesc->planstate != NULL)
		(void) no_prefetch_walker(queryDesc->planstate, NULL);
}

void
SegBitmapInstallHooks(void)
{
	prev_ExecutorStart = ExecutorStart_hook;
	ExecutorStart_hook = segstore_ExecutorStart;
}
