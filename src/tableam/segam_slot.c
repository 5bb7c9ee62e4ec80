/*-------------------------------------------------------------------------
 *
 * segam_slot.c
 *	  The tuple slot of segstore tables: a virtual slot that also knows
 *	  the stored row's xmin and cmin.
 *
 * NOTES
 *	  Rows are decoded into virtual tuples, but parts of the executor ask a
 *	  slot for its row's inserting transaction: foreign-key triggers (was
 *	  the old row inserted by this transaction?), INSERT ... ON CONFLICT
 *	  (a conflicting row this command inserted, or one an isolation
 *	  snapshot cannot see), and users selecting xmin/cmin.  The readers
 *	  record both when they store a row (SegSlotSetVersion); anything else
 *	  that fills the slot (clear, copy from another slot type) forgets
 *	  them, and asking then raises an error as a virtual slot would.
 *
 *	  xmax and cmax are not kept with the row (deletions live in
 *	  segstore.deleted_rows), so asking for them raises
 *	  feature_not_supported.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/sysattr.h"
#include "access/transam.h"
#include "tableam/segam.h"

typedef struct SegTupleTableSlot
{
	VirtualTupleTableSlot base;
	TransactionId xmin;			/* InvalidTransactionId: not known */
	CommandId	cmin;
} SegTupleTableSlot;

static TupleTableSlotOps seg_slot_ops;
static bool seg_slot_ops_ready = false;

static void
seg_slot_forget(TupleTableSlot *slot)
{
	SegTupleTableSlot *sslot = (SegTupleTableSlot *) slot;

	sslot->xmin = InvalidTransactionId;
	sslot->cmin = InvalidCommandId;
}

static void
seg_slot_init(TupleTableSlot *slot)
{
	TTSOpsVirtual.init(slot);
	seg_slot_forget(slot);
}

static void
seg_slot_clear(TupleTableSlot *slot)
{
	TTSOpsVirtual.clear(slot);
	seg_slot_forget(slot);
}

static void
seg_slot_copyslot(TupleTableSlot *dstslot, TupleTableSlot *srcslot)
{
	TTSOpsVirtual.copyslot(dstslot, srcslot);
	if (srcslot->tts_ops == &seg_slot_ops)
	{
		((SegTupleTableSlot *) dstslot)->xmin = ((SegTupleTableSlot *) srcslot)->xmin;
		((SegTupleTableSlot *) dstslot)->cmin = ((SegTupleTableSlot *) srcslot)->cmin;
	}
	else
		seg_slot_forget(dstslot);
}

static Datum
seg_slot_getsysattr(TupleTableSlot *slot, int attnum, bool *isnull)
{
	SegTupleTableSlot *sslot = (SegTupleTableSlot *) slot;

	*isnull = false;
	if (attnum == MaxTransactionIdAttributeNumber ||
		attnum == MaxCommandIdAttributeNumber)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("segstore tables do not have system columns xmax and cmax"),
				 errdetail("Deletions of segstore rows are kept apart from the rows.")));
	if (!TransactionIdIsValid(sslot->xmin) && sslot->cmin == InvalidCommandId)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot retrieve a system column in this context")));
	switch (attnum)
	{
		case MinTransactionIdAttributeNumber:
			return TransactionIdGetDatum(sslot->xmin);
		case MinCommandIdAttributeNumber:
			return CommandIdGetDatum(sslot->cmin);
		default:
			break;
	}
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("cannot retrieve system column %d of a segstore row", attnum)));
	return (Datum) 0;			/* keep compiler quiet */
}

/* The slot operations of segstore tables (table_slot_callbacks). */
const TupleTableSlotOps *
SegSlotOps(void)
{
	if (!seg_slot_ops_ready)
	{
		seg_slot_ops = TTSOpsVirtual;
		seg_slot_ops.base_slot_size = sizeof(SegTupleTableSlot);
		seg_slot_ops.init = seg_slot_init;
		seg_slot_ops.clear = seg_slot_clear;
		seg_slot_ops.copyslot = seg_slot_copyslot;
		seg_slot_ops.getsysattr = seg_slot_getsysattr;
		seg_slot_ops_ready = true;
	}
	return &seg_slot_ops;
}

/*
 * Record the xmin and cmin of the row just stored in slot, if it is a
 * segstore slot (a rewrite may read into another kind).
 */
void
SegSlotSetVersion(TupleTableSlot *slot, TransactionId xmin, CommandId cmin)
{
	if (slot->tts_ops != &seg_slot_ops)
		return;
	((SegTupleTableSlot *) slot)->xmin = xmin;
	((SegTupleTableSlot *) slot)->cmin = cmin;
}

/*
 * The xmin and cmin SegSlotSetVersion recorded; false if the slot is not
 * a segstore slot or does not know them.
 */
bool
SegSlotGetVersion(TupleTableSlot *slot, TransactionId *xmin, CommandId *cmin)
{
	SegTupleTableSlot *sslot = (SegTupleTableSlot *) slot;

	if (slot->tts_ops != &seg_slot_ops ||
		(!TransactionIdIsValid(sslot->xmin) && sslot->cmin == InvalidCommandId))
		return false;
	*xmin = sslot->xmin;
	*cmin = sslot->cmin;
	return true;
}
