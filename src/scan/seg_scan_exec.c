/*-------------------------------------------------------------------------
 *
 * seg_scan_exec.c
 *	  Executing the segstore scan node, its EXPLAIN output and its
 *	  parallel workers.
 *
 * NOTES
 *	  The node drives an ordinary segstore table scan (segam_handler.c)
 *	  and gives it a filter: the time-range test of seg_prune.c, whose
 *	  values are evaluated at the start of each (re)scan, and the columns
 *	  to decode.  Every restriction clause is still checked on every row
 *	  returned, so pruning decides only what is read, never what matches.
 *
 *	  Parallel scans share one ParallelTableScanDesc in the node's DSM
 *	  area: participants take whole segments from it in turn.  Each worker
 *	  adds its segment and block counts to shared counters when it shuts
 *	  down (before its tuple queue closes, so before the leader's Gather
 *	  sees the end of its rows); the leader copies them out in its own
 *	  shutdown, before the DSM area goes, for EXPLAIN ANALYZE.  A parallel
 *	  scan cut short (LIMIT) shuts down before its Gather has waited for
 *	  the workers, so its counts can miss what workers still running read.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/parallel.h"
#include "access/relscan.h"
#include "access/tableam.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "nodes/makefuncs.h"
#include "port/atomics.h"
#include "scan/segscan.h"
#include "tableam/segam.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"

/* The node's DSM area in a parallel scan. */
typedef struct SegScanShared
{
	pg_atomic_uint64 segments_read;
	pg_atomic_uint64 segments_skipped;
	pg_atomic_uint64 blocks_read;
	pg_atomic_uint64 blocks_skipped;
	ParallelTableScanDescData pscan;	/* variable size: must be last */
} SegScanShared;

typedef struct SegScanState
{
	CustomScanState css;
	SegPruner  *pruner;			/* NULL: nothing to prune by */
	bool		values_ready;	/* pruner evaluated for this (re)scan */
	bool	   *needed_columns; /* NULL: all */
	SegScanFilter filter;
	SegScanShared *shared;		/* parallel scans */
	SegScanCounts worker_counts;	/* leader: what the workers reported */
} SegScanState;

static void segscan_begin(CustomScanState *node, EState *estate, int eflags);
static TupleTableSlot *segscan_exec(CustomScanState *node);
static void segscan_end(CustomScanState *node);
static void segscan_rescan(CustomScanState *node);
static Size segscan_estimate_dsm(CustomScanState *node, ParallelContext *pcxt);
static void segscan_initialize_dsm(CustomScanState *node, ParallelContext *pcxt,
								   void *coordinate);
static void segscan_reinitialize_dsm(CustomScanState *node, ParallelContext *pcxt,
									 void *coordinate);
static void segscan_initialize_worker(CustomScanState *node, shm_toc *toc,
									  void *coordinate);
static void segscan_shutdown(CustomScanState *node);
static void segscan_explain(CustomScanState *node, List *ancestors,
							ExplainState *es);

static const CustomExecMethods segscan_exec_methods = {
	.CustomName = SEG_SCAN_NAME,
	.BeginCustomScan = segscan_begin,
	.ExecCustomScan = segscan_exec,
	.EndCustomScan = segscan_end,
	.ReScanCustomScan = segscan_rescan,
	.EstimateDSMCustomScan = segscan_estimate_dsm,
	.InitializeDSMCustomScan = segscan_initialize_dsm,
	.ReInitializeDSMCustomScan = segscan_reinitialize_dsm,
	.InitializeWorkerCustomScan = segscan_initialize_worker,
	.ShutdownCustomScan = segscan_shutdown,
	.ExplainCustomScan = segscan_explain,
};

Node *
SegScanCreateState(CustomScan *cscan)
{
	SegScanState *state = palloc0(sizeof(SegScanState));

	NodeSetTag(state, T_CustomScanState);
	state->css.methods = &segscan_exec_methods;
	return (Node *) state;
}

static bool
time_filter(void *arg, int64 lo, int64 hi)
{
	SegScanState *state = (SegScanState *) arg;

	if (!state->values_ready)
	{
		SegPrunerEvaluate(state->pruner, state->css.ss.ps.ps_ExprContext);
		state->values_ready = true;
	}
	return SegPrunerMayMatch(state->pruner, lo, hi);
}

static void
segscan_begin(CustomScanState *node, EState *estate, int eflags)
{
	SegScanState *state = (SegScanState *) node;
	CustomScan *cscan = (CustomScan *) node->ss.ps.plan;
	Relation	rel = node->ss.ss_currentRelation;
	List	   *settings = linitial(cscan->custom_private);
	List	   *needed = lsecond(cscan->custom_private);
	AttrNumber	time_attnum = (AttrNumber) list_nth_int(settings, SEG_SCAN_PRIVATE_TIME_ATTNUM);
	bool		all_columns = list_nth_int(settings, SEG_SCAN_PRIVATE_ALL_COLUMNS) != 0;
	const SegTableOptions *opts = SegOptionsGet(rel);
	ListCell   *lc;

	/*
	 * PostgreSQL 15 gives a custom scan a virtual scan slot; use the
	 * table's own kind, which also knows each row's xmin and cmin
	 * (segam_slot.c).  Its values are laid out as a virtual slot's, so the
	 * projection and quals built for a virtual slot read them unchanged.
	 */
	node->ss.ss_ScanTupleSlot =
		ExecInitExtraTupleSlot(estate, node->ss.ss_ScanTupleSlot->tts_tupleDescriptor,
							   table_slot_callbacks(rel));
	node->ss.ps.scanops = node->ss.ss_ScanTupleSlot->tts_ops;

	/* a plan made for another time column prunes nothing */
	if (cscan->custom_exprs != NIL && opts->time_attnum == time_attnum)
		state->pruner = SegPrunerCreate(cscan->custom_exprs, cscan->scan.scanrelid,
										time_attnum, opts->time_type,
										&node->ss.ps);
	if (!all_columns)
	{
		int			natts = RelationGetNumberOfAttributes(rel);

		state->needed_columns = palloc0(sizeof(bool) * natts);
		foreach(lc, needed)
		{
			int			attnum = lfirst_int(lc);

			if (attnum >= 1 && attnum <= natts)
				state->needed_columns[attnum - 1] = true;
		}
	}
	state->filter.time_filter = state->pruner != NULL ? time_filter : NULL;
	state->filter.time_filter_arg = state;
	state->filter.needed_columns = state->needed_columns;
}

static TableScanDesc
start_scan(SegScanState *state, ParallelTableScanDesc pscan)
{
	Relation	rel = state->css.ss.ss_currentRelation;
	TableScanDesc scan;

	if (pscan != NULL)
		scan = table_beginscan_parallel(rel, pscan);
	else
		scan = table_beginscan(rel, state->css.ss.ps.state->es_snapshot, 0, NULL);
	SegScanSetFilter(scan, &state->filter);
	state->css.ss.ss_currentScanDesc = scan;
	return scan;
}

static TupleTableSlot *
segscan_next(ScanState *node)
{
	SegScanState *state = (SegScanState *) node;
	TableScanDesc scan = node->ss_currentScanDesc;
	TupleTableSlot *slot = node->ss_ScanTupleSlot;

	if (scan == NULL)
		scan = start_scan(state, NULL);
	if (table_scan_getnextslot(scan, ForwardScanDirection, slot))
		return slot;
	return NULL;
}

static bool
segscan_recheck(ScanState *node, TupleTableSlot *slot)
{
	/* rows are not locked or updated: nothing to recheck but the quals */
	return true;
}

static TupleTableSlot *
segscan_exec(CustomScanState *node)
{
	return ExecScan(&node->ss, segscan_next, segscan_recheck);
}

static void
segscan_end(CustomScanState *node)
{
	if (node->ss.ss_currentScanDesc != NULL)
		table_endscan(node->ss.ss_currentScanDesc);
	node->ss.ss_currentScanDesc = NULL;
}

static void
segscan_rescan(CustomScanState *node)
{
	SegScanState *state = (SegScanState *) node;

	state->values_ready = false;
	if (node->ss.ss_currentScanDesc != NULL)
		table_rescan(node->ss.ss_currentScanDesc, NULL);
	ExecScanReScan(&node->ss);
}

/* ---- parallel scans ---- */

static Size
segscan_estimate_dsm(CustomScanState *node, ParallelContext *pcxt)
{
	return add_size(offsetof(SegScanShared, pscan),
					table_parallelscan_estimate(node->ss.ss_currentRelation,
												node->ss.ps.state->es_snapshot));
}

static void
segscan_initialize_dsm(CustomScanState *node, ParallelContext *pcxt,
					   void *coordinate)
{
	SegScanState *state = (SegScanState *) node;
	SegScanShared *shared = (SegScanShared *) coordinate;

	pg_atomic_init_u64(&shared->segments_read, 0);
	pg_atomic_init_u64(&shared->segments_skipped, 0);
	pg_atomic_init_u64(&shared->blocks_read, 0);
	pg_atomic_init_u64(&shared->blocks_skipped, 0);
	table_parallelscan_initialize(node->ss.ss_currentRelation, &shared->pscan,
								  node->ss.ps.state->es_snapshot);
	state->shared = shared;
	start_scan(state, &shared->pscan);
}

static void
segscan_reinitialize_dsm(CustomScanState *node, ParallelContext *pcxt,
						 void *coordinate)
{
	SegScanShared *shared = (SegScanShared *) coordinate;

	table_parallelscan_reinitialize(node->ss.ss_currentRelation, &shared->pscan);
}

static void
segscan_initialize_worker(CustomScanState *node, shm_toc *toc, void *coordinate)
{
	SegScanState *state = (SegScanState *) node;
	SegScanShared *shared = (SegScanShared *) coordinate;

	state->shared = shared;
	start_scan(state, &shared->pscan);
}

static void
segscan_shutdown(CustomScanState *node)
{
	SegScanState *state = (SegScanState *) node;
	SegScanShared *shared = state->shared;

	if (shared == NULL)
		return;
	if (IsParallelWorker())
	{
		SegScanCounts mine = {0};

		if (node->ss.ss_currentScanDesc != NULL)
			SegScanAddCounts(node->ss.ss_currentScanDesc, &mine);
		pg_atomic_add_fetch_u64(&shared->segments_read, mine.segments_read);
		pg_atomic_add_fetch_u64(&shared->segments_skipped, mine.segments_skipped);
		pg_atomic_add_fetch_u64(&shared->blocks_read, mine.blocks_read);
		pg_atomic_add_fetch_u64(&shared->blocks_skipped, mine.blocks_skipped);
	}
	else
	{
		state->worker_counts.segments_read = pg_atomic_read_u64(&shared->segments_read);
		state->worker_counts.segments_skipped = pg_atomic_read_u64(&shared->segments_skipped);
		state->worker_counts.blocks_read = pg_atomic_read_u64(&shared->blocks_read);
		state->worker_counts.blocks_skipped = pg_atomic_read_u64(&shared->blocks_skipped);
	}
	/* the DSM area goes away after this */
	state->shared = NULL;
}

/* ---- EXPLAIN ---- */

static void
segscan_explain(CustomScanState *node, List *ancestors, ExplainState *es)
{
	SegScanState *state = (SegScanState *) node;
	CustomScan *cscan = (CustomScan *) node->ss.ps.plan;

	if (cscan->custom_exprs != NIL)
	{
		List	   *context;
		char	   *text;

		context = set_deparse_context_plan(es->deparse_cxt, node->ss.ps.plan,
										   ancestors);
		/* prefixed like the Filter line of a scan: only when verbose */
		text = deparse_expression((Node *) make_ands_explicit(cscan->custom_exprs),
								  context, es->verbose, false);
		ExplainPropertyText("Pruning Filter", text, es);
	}

	if (es->analyze)
	{
		SegScanCounts counts = state->worker_counts;

		if (node->ss.ss_currentScanDesc != NULL)
			SegScanAddCounts(node->ss.ss_currentScanDesc, &counts);
		if (es->format == EXPLAIN_FORMAT_TEXT)
		{
			appendStringInfoSpaces(es->str, es->indent * 2);
			appendStringInfo(es->str, "Segments: scanned=" UINT64_FORMAT " skipped=" UINT64_FORMAT "\n",
							 counts.segments_read, counts.segments_skipped);
			appendStringInfoSpaces(es->str, es->indent * 2);
			appendStringInfo(es->str, "Sealed Blocks: scanned=" UINT64_FORMAT " skipped=" UINT64_FORMAT "\n",
							 counts.blocks_read, counts.blocks_skipped);
		}
		else
		{
			ExplainPropertyUInteger("Segments Scanned", NULL, counts.segments_read, es);
			ExplainPropertyUInteger("Segments Skipped", NULL, counts.segments_skipped, es);
			ExplainPropertyUInteger("Sealed Blocks Scanned", NULL, counts.blocks_read, es);
			ExplainPropertyUInteger("Sealed Blocks Skipped", NULL, counts.blocks_skipped, es);
		}
	}
}
