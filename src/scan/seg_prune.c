/*-------------------------------------------------------------------------
 *
 * seg_prune.c
 *	  Time-range pruning: which segments and blocks a scan can skip.
 *
 * NOTES
 *	  The planner hands us the restriction clauses of a scan; those that
 *	  compare the table's time column with a value fixed for the whole
 *	  scan (a constant, a parameter, now() - interval '1 hour', any
 *	  non-volatile expression without columns of the table) are "prunable":
 *
 *		time_col op value					op one of < <= = >= > (btree)
 *		value op time_col					commuted
 *		time_col op ANY/ALL (array)			IN lists
 *		AND of clauses, any of them prunable
 *		OR of clauses, all of them prunable
 *
 *	  At the start of every (re)scan the values are evaluated once, and
 *	  SegPrunerMayMatch() answers, for a segment or block whose rows have
 *	  time values in [lo, hi], whether any row in it can satisfy the
 *	  clauses.  "No" lets the scan skip it; the clauses themselves are
 *	  still checked on every row read, so pruning only ever has to be
 *	  conservative, never exact.
 *
 *	  The test calls the comparison operators of the clause's btree
 *	  operator family on the range's bounds: "col < v" can match iff
 *	  lo < v, "col > v" iff hi > v, "col = v" iff lo <= v and hi >= v.
 *	  That is right for every pair of types whose comparison converts the
 *	  column monotonically (same type, date against timestamp, a value
 *	  converted to the column's type).  A timestamp or date column
 *	  compared with a timestamptz value is converted through the session
 *	  time zone, which is not monotonic at DST gaps and zone changes; for
 *	  those the bounds are first turned into timestamptz bounds from the
 *	  smallest and largest UTC offsets the zone has around the range
 *	  (tz_bounds()), and the timestamptz operators are used.
 *
 *	  A NULL value, or an array of only NULLs under ANY, matches no row,
 *	  as SQL's strict comparison operators say.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/stratnum.h"
#include "catalog/pg_type.h"
#include "datatype/timestamp.h"
#include "executor/executor.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "pgtime.h"
#include "scan/segscan.h"
#include "utils/array.h"
#include "utils/date.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"

typedef enum PruneKind
{
	PRUNE_AND,
	PRUNE_OR,
	PRUNE_COMPARE
} PruneKind;

/* One compiled clause. */
typedef struct PruneNode
{
	PruneKind	kind;
	List	   *args;			/* AND / OR: PruneNodes */

	/* PRUNE_COMPARE: "time column <op> value" or "<op> ANY/ALL (array)" */
	bool		tz_convert;		/* bounds become timestamptz first */
	bool		has_lower_test; /* call lower_test(lo, v) */
	bool		has_upper_test; /* call upper_test(hi, v) */
	FmgrInfo	lower_test;
	FmgrInfo	upper_test;
	Oid			collation;
	ExprState  *value_state;
	bool		is_array;
	bool		array_any;		/* ANY (true) or ALL (false) */
	Oid			elem_type;

	/* the value(s) of the current scan */
	int			nvalues;
	Datum	   *values;
	bool	   *nulls;
} PruneNode;

struct SegPruner
{
	PruneNode  *root;
	Oid			time_type;
	bool		need_tz_bounds; /* some comparison has tz_convert */
	MemoryContext values_context;	/* values of the current scan */
};

/* ---- recognising prunable clauses ---- */

static bool
is_time_var(Node *node, Index varno, AttrNumber time_attnum)
{
	Var		   *var;

	if (node == NULL || !IsA(node, Var))
		return false;
	var = (Var *) node;
	return var->varno == varno && var->varattno == time_attnum &&
		var->varlevelsup == 0;
}

/* Is expr fixed for the whole scan: no columns, nothing volatile? */
static bool
is_scan_constant(Node *expr)
{
	return !contain_var_clause(expr) &&
		!contain_volatile_functions(expr) &&
		!contain_subplans(expr);
}

/*
 * The btree strategy of "time_col opno value" in an operator family that
 * has the column's type on the left; 0 if none.
 */
static int
btree_strategy(Oid opno, Oid time_type, Oid value_type, Oid *opfamily)
{
	List	   *interpretations = get_op_btree_interpretation(opno);
	ListCell   *lc;
	int			strategy = 0;

	foreach(lc, interpretations)
	{
		OpBtreeInterpretation *bi = lfirst(lc);

		if (bi->strategy < BTLessStrategyNumber ||
			bi->strategy > BTGreaterStrategyNumber ||
			bi->oplefttype != time_type || bi->oprighttype != value_type)
			continue;
		strategy = bi->strategy;
		*opfamily = bi->opfamily_id;
		break;
	}
	list_free_deep(interpretations);
	return strategy;
}

/*
 * Split an operator clause into its time-column comparison: the operator
 * with the column on the left and the value expression.  False if the
 * clause is not of that shape.
 */
static bool
split_comparison(Node *clause, Index varno, AttrNumber time_attnum,
				 Oid *opno, Node **value, bool *is_array, bool *use_or,
				 Oid *inputcollid)
{
	Node	   *left;
	Node	   *right;

	if (IsA(clause, OpExpr))
	{
		OpExpr	   *op = (OpExpr *) clause;

		if (list_length(op->args) != 2)
			return false;
		left = linitial(op->args);
		right = lsecond(op->args);
		*opno = op->opno;
		*is_array = false;
		*use_or = false;
		*inputcollid = op->inputcollid;
		if (is_time_var(right, varno, time_attnum) && !is_time_var(left, varno, time_attnum))
		{
			*opno = get_commutator(op->opno);
			if (!OidIsValid(*opno))
				return false;
			right = left;
			left = lsecond(op->args);
		}
	}
	else if (IsA(clause, ScalarArrayOpExpr))
	{
		ScalarArrayOpExpr *saop = (ScalarArrayOpExpr *) clause;

		left = linitial(saop->args);
		right = lsecond(saop->args);
		*opno = saop->opno;
		*is_array = true;
		*use_or = saop->useOr;
		*inputcollid = saop->inputcollid;
	}
	else
		return false;

	if (!is_time_var(left, varno, time_attnum) || !is_scan_constant(right))
		return false;
	*value = right;
	return true;
}

static Oid
value_type_of(Node *value, bool is_array)
{
	Oid			type = exprType(value);

	return is_array ? get_element_type(type) : type;
}

/*
 * Can "clause" narrow the time range a scan of relation "varno" reads?
 * Used by the planner to pick the clauses it hands to SegPrunerCreate.
 */
bool
SegPruneClauseUsable(Node *clause, Index varno, AttrNumber time_attnum,
					 Oid time_type)
{
	if (clause == NULL || time_attnum <= 0)
		return false;
	if (is_andclause(clause))
	{
		ListCell   *lc;

		foreach(lc, ((BoolExpr *) clause)->args)
			if (SegPruneClauseUsable(lfirst(lc), varno, time_attnum, time_type))
				return true;
		return false;
	}
	if (is_orclause(clause))
	{
		ListCell   *lc;

		foreach(lc, ((BoolExpr *) clause)->args)
			if (!SegPruneClauseUsable(lfirst(lc), varno, time_attnum, time_type))
				return false;
		return true;
	}
	else
	{
		Oid			opno;
		Node	   *value;
		bool		is_array;
		bool		use_or;
		Oid			collid;
		Oid			opfamily;

		if (!split_comparison(clause, varno, time_attnum, &opno, &value,
							  &is_array, &use_or, &collid))
			return false;
		return btree_strategy(opno, time_type, value_type_of(value, is_array),
							  &opfamily) != 0;
	}
}

/* ---- compiling ---- */

static void
init_test(FmgrInfo *finfo, Oid opfamily, Oid left, Oid right, int strategy)
{
	Oid			opno = get_opfamily_member(opfamily, left, right, strategy);

	if (!OidIsValid(opno))
		elog(ERROR, "missing operator %d(%u,%u) in opfamily %u",
			 strategy, left, right, opfamily);
	fmgr_info(get_opcode(opno), finfo);
}

static PruneNode *
compile(Node *clause, Index varno, AttrNumber time_attnum, Oid time_type,
		PlanState *parent)
{
	PruneNode  *node = palloc0(sizeof(PruneNode));

	if (is_andclause(clause) || is_orclause(clause))
	{
		ListCell   *lc;

		node->kind = is_andclause(clause) ? PRUNE_AND : PRUNE_OR;
		foreach(lc, ((BoolExpr *) clause)->args)
		{
			Node	   *arg = lfirst(lc);

			/* an AND keeps the arms it can use; an OR only has usable arms */
			if (SegPruneClauseUsable(arg, varno, time_attnum, time_type))
				node->args = lappend(node->args,
									 compile(arg, varno, time_attnum, time_type, parent));
		}
	}
	else
	{
		Oid			opno;
		Node	   *value;
		Oid			value_type;
		Oid			opfamily = InvalidOid;
		Oid			test_left;
		Oid			test_right;
		int			strategy;

		if (!split_comparison(clause, varno, time_attnum, &opno, &value,
							  &node->is_array, &node->array_any, &node->collation))
			elog(ERROR, "segstore: clause is not prunable");
		value_type = value_type_of(value, node->is_array);
		strategy = btree_strategy(opno, time_type, value_type, &opfamily);
		if (strategy == 0)
			elog(ERROR, "segstore: operator %u is not a btree comparison", opno);

		node->kind = PRUNE_COMPARE;
		node->elem_type = value_type;
		node->value_state = ExecInitExpr((Expr *) value, parent);
		node->tz_convert = value_type == TIMESTAMPTZOID && time_type != TIMESTAMPTZOID;
		test_left = node->tz_convert ? TIMESTAMPTZOID : time_type;
		test_right = value_type;

		if (strategy == BTLessStrategyNumber || strategy == BTLessEqualStrategyNumber ||
			strategy == BTEqualStrategyNumber)
		{
			/* some row is below (or at) the value iff the lowest is */
			node->has_lower_test = true;
			init_test(&node->lower_test, opfamily, test_left, test_right,
					  strategy == BTEqualStrategyNumber ? BTLessEqualStrategyNumber : strategy);
		}
		if (strategy == BTGreaterStrategyNumber || strategy == BTGreaterEqualStrategyNumber ||
			strategy == BTEqualStrategyNumber)
		{
			node->has_upper_test = true;
			init_test(&node->upper_test, opfamily, test_left, test_right,
					  strategy == BTEqualStrategyNumber ? BTGreaterEqualStrategyNumber : strategy);
		}
	}
	return node;
}

static bool
needs_tz_bounds(PruneNode *node)
{
	ListCell   *lc;

	if (node->kind == PRUNE_COMPARE)
		return node->tz_convert;
	foreach(lc, node->args)
		if (needs_tz_bounds(lfirst(lc)))
			return true;
	return false;
}

/*
 * Compile the prunable clauses (each one SegPruneClauseUsable) of a scan
 * of relation "varno", whose expressions belong to "parent".  Returns NULL
 * if there are none.  Everything is allocated in CurrentMemoryContext,
 * which must live as long as the scan.
 */
SegPruner *
SegPrunerCreate(List *clauses, Index varno, AttrNumber time_attnum,
				Oid time_type, PlanState *parent)
{
	SegPruner  *pruner;
	ListCell   *lc;

	if (clauses == NIL)
		return NULL;
	pruner = palloc0(sizeof(SegPruner));
	pruner->time_type = time_type;
	pruner->values_context = AllocSetContextCreate(CurrentMemoryContext,
												   "segstore pruning values",
												   ALLOCSET_SMALL_SIZES);
	pruner->root = palloc0(sizeof(PruneNode));
	pruner->root->kind = PRUNE_AND;
	foreach(lc, clauses)
		pruner->root->args = lappend(pruner->root->args,
									 compile(lfirst(lc), varno, time_attnum,
											 time_type, parent));
	pruner->need_tz_bounds = time_type != TIMESTAMPTZOID &&
		needs_tz_bounds(pruner->root);
	return pruner;
}

/* ---- evaluating the values of one scan ---- */

static void
evaluate(PruneNode *node, ExprContext *econtext)
{
	ListCell   *lc;
	Datum		value;
	bool		isnull;

	if (node->kind != PRUNE_COMPARE)
	{
		foreach(lc, node->args)
			evaluate(lfirst(lc), econtext);
		return;
	}

	value = ExecEvalExpr(node->value_state, econtext, &isnull);
	if (isnull)
	{
		node->nvalues = 1;
		node->values = palloc(sizeof(Datum));
		node->nulls = palloc(sizeof(bool));
		node->values[0] = (Datum) 0;
		node->nulls[0] = true;
	}
	else if (node->is_array)
	{
		ArrayType  *array = DatumGetArrayTypePCopy(value);
		int16		elmlen;
		bool		elmbyval;
		char		elmalign;

		get_typlenbyvalalign(ARR_ELEMTYPE(array), &elmlen, &elmbyval, &elmalign);
		deconstruct_array(array, ARR_ELEMTYPE(array), elmlen, elmbyval, elmalign,
						  &node->values, &node->nulls, &node->nvalues);
	}
	else
	{
		int16		typlen;
		bool		typbyval;

		get_typlenbyval(node->elem_type, &typlen, &typbyval);
		node->nvalues = 1;
		node->values = palloc(sizeof(Datum));
		node->nulls = palloc(sizeof(bool));
		node->values[0] = datumCopy(value, typbyval, typlen);
		node->nulls[0] = false;
	}
}

/*
 * Evaluate the clauses' values for a scan that starts now (at every
 * rescan too: parameters may have changed).  The values are copied into
 * the pruner's own memory.
 */
void
SegPrunerEvaluate(SegPruner *pruner, ExprContext *econtext)
{
	MemoryContext old;

	MemoryContextReset(pruner->values_context);
	old = MemoryContextSwitchTo(pruner->values_context);
	evaluate(pruner->root, econtext);
	MemoryContextSwitchTo(old);
}

/* ---- testing a range ---- */

/* A bound of the time range as a Datum of the time column's type. */
static Datum
bound_datum(Oid time_type, int64 t)
{
	if (time_type == DATEOID)
	{
		int64		days;

		if (t == DT_NOBEGIN)
			return DateADTGetDatum(DATEVAL_NOBEGIN);
		/* a range reaching dates past the timestamp range reaches them all */
		if (t == DT_NOEND || t > END_TIMESTAMP - USECS_PER_DAY)
			return DateADTGetDatum(DATEVAL_NOEND);
		days = t / USECS_PER_DAY;
		if (t % USECS_PER_DAY < 0)
			days--;				/* floor */
		if (days <= PG_INT32_MIN)
			return DateADTGetDatum(DATEVAL_NOBEGIN);
		if (days >= PG_INT32_MAX)
			return DateADTGetDatum(DATEVAL_NOEND);
		return DateADTGetDatum((DateADT) days);
	}
	return Int64GetDatum(t);
}

/* Seconds since the Unix epoch of a PostgreSQL microsecond time value. */
static pg_time_t
to_unix_seconds(int64 t)
{
	return (pg_time_t) (t / USECS_PER_SEC) +
		(pg_time_t) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;
}

/*
 * Bounds in UTC of the local times [lo, hi] of a timestamp or date column
 * as the session time zone converts them: a local time t is t - offset,
 * with offset the zone's UTC offset then.  Taking the largest and
 * smallest offset the zone has anywhere near the range bounds every row's
 * UTC time, DST gaps and zone changes included.  Offsets are at most
 * 16 hours, so looking 16 hours beyond the range on each side is enough;
 * a range with too many transitions to walk gets that worst case.
 */
#define MAX_OFFSET_USECS	(INT64CONST(16) * USECS_PER_HOUR)

static void
tz_bounds(int64 lo, int64 hi, int64 *utc_lo, int64 *utc_hi)
{
	long		min_off = 0;
	long		max_off = 0;
	long		before_off;
	long		after_off;
	int			before_dst;
	int			after_dst;
	pg_time_t	boundary;
	pg_time_t	at;
	pg_time_t	end;
	int			steps = 0;
	bool		walked = false;

	if (lo < MIN_TIMESTAMP + MAX_OFFSET_USECS || hi > END_TIMESTAMP - MAX_OFFSET_USECS)
	{
		/*
		 * Infinities and the far edges: an infinite bound stays infinite
		 * (a range of only +infinity rows stays there), anything else near
		 * the edges opens up to infinity.
		 */
		*utc_lo = lo == DT_NOEND ? DT_NOEND :
			lo < MIN_TIMESTAMP + MAX_OFFSET_USECS ? DT_NOBEGIN : lo - MAX_OFFSET_USECS;
		*utc_hi = hi == DT_NOBEGIN ? DT_NOBEGIN :
			hi > END_TIMESTAMP - MAX_OFFSET_USECS ? DT_NOEND : hi + MAX_OFFSET_USECS;
		return;
	}

	at = to_unix_seconds(lo - MAX_OFFSET_USECS);
	end = to_unix_seconds(hi + MAX_OFFSET_USECS);
	if (pg_get_timezone_offset(session_timezone, &before_off))
	{
		min_off = max_off = before_off;
		walked = true;
	}
	else
	{
		for (;;)
		{
			int			r = pg_next_dst_boundary(&at, &before_off, &before_dst,
												 &boundary, &after_off,
												 &after_dst, session_timezone);

			if (r < 0 || ++steps > 64)
				break;
			if (steps == 1)
				min_off = max_off = before_off;
			min_off = Min(min_off, before_off);
			max_off = Max(max_off, before_off);
			if (r == 0 || boundary > end)
			{
				walked = true;
				break;
			}
			min_off = Min(min_off, after_off);
			max_off = Max(max_off, after_off);
			at = boundary + 1;
		}
	}
	if (!walked)
	{
		*utc_lo = lo - MAX_OFFSET_USECS;
		*utc_hi = hi + MAX_OFFSET_USECS;
		return;
	}
	*utc_lo = lo - (int64) max_off * USECS_PER_SEC;
	*utc_hi = hi - (int64) min_off * USECS_PER_SEC;
}

static bool
compare_may_match(PruneNode *node, Datum lo, Datum hi)
{
	bool		any_match = false;

	for (int i = 0; i < node->nvalues; i++)
	{
		bool		match = !node->nulls[i];

		if (match && node->has_lower_test)
			match = DatumGetBool(FunctionCall2Coll(&node->lower_test, node->collation,
												   lo, node->values[i]));
		if (match && node->has_upper_test)
			match = DatumGetBool(FunctionCall2Coll(&node->upper_test, node->collation,
												   hi, node->values[i]));
		if (node->is_array && !node->array_any)
		{
			/* ALL: every element must be satisfiable (a NULL never is) */
			if (!match)
				return false;
			any_match = true;
		}
		else if (match)
			return true;
	}
	/* ALL over an empty array is true for every row */
	if (node->is_array && !node->array_any)
		return node->nvalues == 0 || any_match;
	return false;
}

static bool
may_match(PruneNode *node, Datum lo, Datum hi, Datum tz_lo, Datum tz_hi)
{
	ListCell   *lc;

	switch (node->kind)
	{
		case PRUNE_AND:
			foreach(lc, node->args)
				if (!may_match(lfirst(lc), lo, hi, tz_lo, tz_hi))
					return false;
			return true;
		case PRUNE_OR:
			foreach(lc, node->args)
				if (may_match(lfirst(lc), lo, hi, tz_lo, tz_hi))
					return true;
			return false;
		case PRUNE_COMPARE:
			if (node->tz_convert)
				return compare_may_match(node, tz_lo, tz_hi);
			return compare_may_match(node, lo, hi);
	}
	return true;
}

/*
 * Can a row with a time value in [lo, hi] (SegTimeFromDatum's units, both
 * included) satisfy the clauses?  Uses the values of the last
 * SegPrunerEvaluate.  A NULL pruner matches everything.
 */
bool
SegPrunerMayMatch(SegPruner *pruner, int64 lo, int64 hi)
{
	Datum		tz_lo = (Datum) 0;
	Datum		tz_hi = (Datum) 0;

	if (pruner == NULL)
		return true;
	if (pruner->need_tz_bounds)
	{
		int64		ulo;
		int64		uhi;

		tz_bounds(lo, hi, &ulo, &uhi);
		tz_lo = TimestampTzGetDatum(ulo);
		tz_hi = TimestampTzGetDatum(uhi);
	}
	return may_match(pruner->root, bound_datum(pruner->time_type, lo),
					 bound_datum(pruner->time_type, hi), tz_lo, tz_hi);
}
