/*-------------------------------------------------------------------------
 *
 * segscan.h
 *	  The segstore scan node: a custom scan over segstore tables that
 *	  skips segments and blocks outside the query's time range, decodes
 *	  only the columns the query uses and runs in parallel.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGSCAN_H
#define SEGSCAN_H

#include "nodes/execnodes.h"
#include "nodes/extensible.h"
#include "nodes/pathnodes.h"

#define SEG_SCAN_NAME	"SegstoreScan"

/* ---- seg_prune.c: time-range pruning ---- */

typedef struct SegPruner SegPruner;

extern bool SegPruneClauseUsable(Node *clause, Index varno,
								 AttrNumber time_attnum, Oid time_type);
extern SegPruner *SegPrunerCreate(List *clauses, Index varno,
								  AttrNumber time_attnum, Oid time_type,
								  PlanState *parent);
extern void SegPrunerEvaluate(SegPruner *pruner, ExprContext *econtext);
extern bool SegPrunerMayMatch(SegPruner *pruner, int64 lo, int64 hi);

/* ---- seg_scan_path.c: paths, costs and plans ---- */

extern bool segstore_enable_segment_scan;

extern void SegScanInstallHooks(void);

/*
 * What the planner hands the executor in CustomScan.custom_private: a
 * list of two integer lists, (time_attnum, all_columns, time_type) and
 * the attribute numbers the query needs.
 */
#define SEG_SCAN_PRIVATE_TIME_ATTNUM	0
#define SEG_SCAN_PRIVATE_ALL_COLUMNS	1
#define SEG_SCAN_PRIVATE_TIME_TYPE		2

/* ---- seg_bitmap.c: bitmap heap scans without prefetching ---- */

extern void SegBitmapInstallHooks(void);

/* ---- seg_scan_exec.c: execution, EXPLAIN, parallel workers ---- */

extern Node *SegScanCreateState(CustomScan *cscan);

#endif							/* SEGSCAN_H */
