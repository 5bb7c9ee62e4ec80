/*-------------------------------------------------------------------------
 *
 * seg_scan_path.c
 *	  Planning the segstore scan node: paths, costs and the plan.
 *
 * NOTES
 *	  A set_rel_pathlist hook replaces the sequential scan paths of every
 *	  segstore table (plain and parallel) by a SegstoreScan custom path.
 *	  It reads what a sequential scan reads, minus what it can skip, so it
 *	  is never worse and replacing beats competing on costs that would
 *	  only be equal when nothing can be skipped.  Index paths, when
 *	  indexes arrive, still compete with it on cost.
 *
 *	  The path records, for the executor:
 *	  - the restriction clauses that prune by time (seg_prune.c), which
 *	    the plan carries in custom_exprs so that setrefs fixes them up;
 *	  - the attributes the query needs (target list and restriction
 *	    clauses), so the scan decodes only those.  A whole-row reference
 *	    needs them all.
 *
 *	  Costs: the fraction of the table the time clauses select (their
 *	  selectivity, from the time column's statistics) is what is read;
 *	  decoding a row costs cpu_tuple_cost scaled by the share of columns
 *	  decoded; restriction clauses and the target list cost as usual.  A
 *	  parallel path divides the CPU part among the workers, as a parallel
 *	  sequential scan does.
 *
 *	  A table with lateral references (LEFT JOIN LATERAL (SELECT outer.x,
 *	  ... FROM t)) gets a path parameterized by the relations it refers to,
 *	  as core's sequential scan does, so those values arrive as nested-loop
 *	  parameters.
 *
 *	  segstore.enable_segment_scan = off leaves the plain sequential scan.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/sysattr.h"
#include "access/table.h"
#include "catalog/pg_class.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/restrictinfo.h"
#include "scan/segscan.h"
#include "tableam/segam.h"
#include "utils/rel.h"

bool		segstore_enable_segment_scan = true;

static set_rel_pathlist_hook_type prev_set_rel_pathlist_hook = NULL;

static Plan *plan_segment_scan(PlannerInfo *root, RelOptInfo *rel,
							   CustomPath *best_path, List *tlist,
							   List *clauses, List *custom_plans);

static const CustomPathMethods segscan_path_methods = {
	.CustomName = SEG_SCAN_NAME,
	.PlanCustomPath = plan_segment_scan,
};

static const CustomScanMethods segscan_scan_methods = {
	.CustomName = SEG_SCAN_NAME,
	.CreateCustomScanState = SegScanCreateState,
};

/* The attribute numbers of rel that the query reads; NIL and *all if every one. */
static List *
needed_attributes(RelOptInfo *rel, bool *all)
{
	Bitmapset  *attrs = NULL;
	ListCell   *lc;
	List	   *result = NIL;
	int			member = -1;

	pull_varattnos((Node *) rel->reltarget->exprs, rel->relid, &attrs);
	foreach(lc, rel->baserestrictinfo)
		pull_varattnos((Node *) ((RestrictInfo *) lfirst(lc))->clause,
					   rel->relid, &attrs);

	*all = bms_is_member(InvalidAttrNumber - FirstLowInvalidHeapAttributeNumber, attrs);
	if (*all)
		return NIL;
	while ((member = bms_next_member(attrs, member)) >= 0)
	{
		AttrNumber	attnum = member + FirstLowInvalidHeapAttributeNumber;

		if (attnum > 0)
			result = lappend_int(result, attnum);
	}
	return result;
}

/* Workers' share of the rows, as the core planner computes it. */
static double
parallel_divisor(int workers)
{
	double		divisor = workers;

	if (parallel_leader_participation)
	{
		double		leader = 1.0 - 0.3 * workers;

		if (leader > 0)
			divisor += leader;
	}
	return divisor;
}

static void
cost_segment_scan(Path *path, PlannerInfo *root, RelOptInfo *rel,
				  double fraction, double decode_share)
{
	double		tuples = clamp_row_est(rel->tuples * fraction);
	Cost		disk = seq_page_cost * ceil(rel->pages * fraction);
	Cost		cpu_per_tuple;
	Cost		cpu;

	path->rows = path->param_info ? path->param_info->ppi_rows : rel->rows;
	cpu_per_tuple = cpu_tuple_cost * decode_share + rel->baserestrictcost.per_tuple;
	cpu = cpu_per_tuple * tuples;
	path->startup_cost = rel->baserestrictcost.startup + path->pathtarget->cost.startup;
	if (path->parallel_workers > 0)
	{
		double		divisor = parallel_divisor(path->parallel_workers);

		cpu /= divisor;
		path->rows = clamp_row_est(path->rows / divisor);
	}
	cpu += path->pathtarget->cost.per_tuple * path->rows;
	path->total_cost = path->startup_cost + cpu + disk;
}

static CustomPath *
make_path(PlannerInfo *root, RelOptInfo *rel, List *private,
		  double fraction, double decode_share, int workers)
{
	CustomPath *cpath = makeNode(CustomPath);

	cpath->path.pathtype = T_CustomScan;
	cpath->path.parent = rel;
	cpath->path.pathtarget = rel->reltarget;
	/* lateral references must come from the outer side of a nested loop */
	cpath->path.param_info = get_baserel_parampathinfo(root, rel,
													   rel->lateral_relids);
	cpath->path.parallel_aware = workers > 0;
	cpath->path.parallel_safe = rel->consider_parallel;
	cpath->path.parallel_workers = workers;
	cpath->path.pathkeys = NIL;
	cpath->flags = 0;
	cpath->custom_paths = NIL;
	cpath->custom_private = private;
	cpath->methods = &segscan_path_methods;
	cost_segment_scan(&cpath->path, root, rel, fraction, decode_share);
	return cpath;
}

/* Drop the sequential scan paths: the segstore scan reads no more. */
static List *
without_seqscans(List *paths)
{
	ListCell   *lc;

	foreach(lc, paths)
		if (((Path *) lfirst(lc))->pathtype == T_SeqScan)
			paths = foreach_delete_current(paths, lc);
	return paths;
}

static void
segstore_set_rel_pathlist(PlannerInfo *root, RelOptInfo *rel, Index rti,
						  RangeTblEntry *rte)
{
	Relation	relation;
	AttrNumber	time_attnum;
	Oid			time_type;
	int			natts;
	List	   *prune_rinfos = NIL;
	List	   *needed;
	bool		all_columns;
	double		fraction = 1.0;
	double		decode_share;
	List	   *private;
	ListCell   *lc;

	if (prev_set_rel_pathlist_hook)
		prev_set_rel_pathlist_hook(root, rel, rti, rte);

	if (!segstore_enable_segment_scan || rte->rtekind != RTE_RELATION ||
		rte->inh || rte->tablesample != NULL ||
		rel->reloptkind == RELOPT_DEADREL || !SegIsSegstoreRelid(rte->relid))
		return;

	relation = table_open(rte->relid, NoLock);
	time_attnum = SegOptionsGet(relation)->time_attnum;
	time_type = SegOptionsGet(relation)->time_type;
	natts = RelationGetNumberOfAttributes(relation);
	table_close(relation, NoLock);

	foreach(lc, rel->baserestrictinfo)
	{
		RestrictInfo *rinfo = lfirst(lc);

		if (!rinfo->pseudoconstant &&
			SegPruneClauseUsable((Node *) rinfo->clause, rel->relid,
								 time_attnum, time_type))
			prune_rinfos = lappend(prune_rinfos, rinfo);
	}
	if (prune_rinfos != NIL)
		fraction = clauselist_selectivity(root, prune_rinfos, rel->relid,
										  JOIN_INNER, NULL);

	needed = needed_attributes(rel, &all_columns);
	decode_share = all_columns || natts == 0 ? 1.0 :
		0.5 + 0.5 * (double) list_length(needed) / natts;
	private = list_make2(list_make3_int(time_attnum, all_columns, (int) time_type),
						 needed);

	rel->pathlist = without_seqscans(rel->pathlist);
	rel->partial_pathlist = without_seqscans(rel->partial_pathlist);
	add_path(rel, (Path *) make_path(root, rel, private, fraction, decode_share, 0));

	if (rel->consider_parallel && rel->lateral_relids == NULL)
	{
		int			workers = compute_parallel_worker(rel, rel->pages * fraction, -1,
													  max_parallel_workers_per_gather);

		if (workers > 0)
			add_partial_path(rel, (Path *) make_path(root, rel, private, fraction,
													 decode_share, workers));
	}
}

static Plan *
plan_segment_scan(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path,
				  List *tlist, List *clauses, List *custom_plans)
{
	CustomScan *cscan = makeNode(CustomScan);
	List	   *settings = linitial(best_path->custom_private);
	AttrNumber	time_attnum = (AttrNumber) list_nth_int(settings, SEG_SCAN_PRIVATE_TIME_ATTNUM);
	Oid			time_type = (Oid) list_nth_int(settings, SEG_SCAN_PRIVATE_TIME_TYPE);
	ListCell   *lc;

	clauses = extract_actual_clauses(clauses, false);
	foreach(lc, clauses)
		if (SegPruneClauseUsable(lfirst(lc), rel->relid, time_attnum, time_type))
			cscan->custom_exprs = lappend(cscan->custom_exprs, copyObject(lfirst(lc)));

	cscan->scan.plan.targetlist = tlist;
	cscan->scan.plan.qual = clauses;
	cscan->scan.scanrelid = rel->relid;
	cscan->flags = best_path->flags;
	cscan->custom_plans = NIL;
	cscan->custom_private = best_path->custom_private;
	cscan->custom_scan_tlist = NIL;
	cscan->methods = &segscan_scan_methods;
	return &cscan->scan.plan;
}

void
SegScanInstallHooks(void)
{
	RegisterCustomScanMethods(&segscan_scan_methods);
	prev_set_rel_pathlist_hook = set_rel_pathlist_hook;
	set_rel_pathlist_hook = segstore_set_rel_pathlist;
}
