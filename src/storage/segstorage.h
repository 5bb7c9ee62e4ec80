/*-------------------------------------------------------------------------
 *
 * segstorage.h
 *	  Segment files on disk, the shared state of tables being written,
 *	  and transactional creation and removal of a table's files.
 *
 * NOTES
 *	  Row data lives under $PGDATA/pg_segstore/<db oid>/<relfilenode>/:
 *
 *		creator						xid of the transaction that made the directory
 *		chunks						log of row-number chunks handed out
 *		<segment id>_<bucket>.act	an active segment (see seg_record.c)
 *		<segment id>_<bucket>.seal	its sealed replacement (see seg_sealed.c)
 *		<segment id>_<bucket>.evict	marker: the segment is being or was evicted
 *
 *	  Which file of a segment scans read, or whether the segment is gone,
 *	  is the business of the manifest (seg_manifest.c).
 *
 *	  Keyed by relfilenode, so TRUNCATE and rewrites get a fresh directory
 *	  and a rollback keeps the old one (seg_files.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGSTORAGE_H
#define SEGSTORAGE_H

#include "access/transam.h"
#include "access/xact.h"
#include "nodes/lockoptions.h"
#include "format/segformat.h"
#include "storage/lwlock.h"
#include "storage/relfilenode.h"
#include "utils/rel.h"
#include "utils/snapshot.h"

#define SEG_ROOT_DIR			"pg_segstore"
#define SEG_CREATOR_FILE		"creator"
#define SEG_CHUNK_ROWS			UINT64CONST(65536)
#define SEG_MAX_ACTIVE_SLOTS	64
#define SEG_WRITE_BUFFER_SIZE	(128 * 1024)

/* ---- seg_files.c: paths, listing, transactional create/remove ---- */

/* One segment file of a table, as found in its directory. */
typedef struct SegSegmentFile
{
	uint32		segment_id;
	int64		bucket;
	char		path[MAXPGPATH];
} SegSegmentFile;

extern void SegFilesTableDir(Oid dbid, Oid relfilenode, char *path);
extern void SegFilesSegmentPath(Oid dbid, Oid relfilenode, uint32 segment_id,
								int64 bucket, char *path);
extern void SegFilesCreateTableDir(Oid dbid, Oid relfilenode);
extern TransactionId SegFilesCreator(Oid dbid, Oid relfilenode);
extern SegSegmentFile *SegFilesListSegments(Oid dbid, Oid relfilenode,
											int *nfiles);
extern bool SegFilesHasSegments(Oid dbid, Oid relfilenode);
extern uint64 SegFilesTotalBytes(Oid dbid, Oid relfilenode);
extern uint32 SegFilesMaxSegmentId(Oid dbid, Oid relfilenode);
extern void SegFilesRemoveSegments(Oid dbid, Oid relfilenode);
extern void SegFilesScheduleDelete(Oid dbid, Oid relfilenode, bool at_commit);
extern void SegFilesScheduleUnlink(const char *path, bool at_commit);
extern void SegFilesCheckPrepare(void);
extern void SegFilesAtEOXact(bool is_commit);
extern void SegFilesAtEOSubXact(bool is_commit, SubTransactionId mySubid,
								SubTransactionId parentSubid);
extern void SegFilesFsyncDir(const char *path);

/* ---- seg_shmem.c: shared per-table state, row numbers, claims ---- */

/*
 * An active segment a writer may append to.  A slot is owned by at most
 * one backend (owner_procno) for the length of one transaction; only the
 * owner appends to the file, so appends need no lock.
 */
typedef struct SegActiveSlot
{
	uint32		segment_id;		/* 0: slot unused */
	int64		bucket;
	int64		bucket_end;
	int			owner_procno;	/* -1: free to claim */
	uint64		next_row;		/* next row number of the current chunk */
	uint64		chunk_end;		/* first row number past the chunk */
	uint64		last_used;		/* for replacing the least recently used */
} SegActiveSlot;

/* Shared state of one table (by relfilenode) that is being written. */
typedef struct SegTableState
{
	Oid			dbid;			/* hash key, with relfilenode */
	Oid			relfilenode;
	LWLock		lock;			/* protects everything below */
	bool		loaded;			/* next_* read from disk since startup */
	uint32		next_segment_id;
	uint64		next_chunk;
	uint64		use_counter;
	SegActiveSlot slots[SEG_MAX_ACTIVE_SLOTS];
} SegTableState;

extern Size SegShmemSize(void);
extern void SegShmemRequest(void);
extern void SegShmemInit(void);
extern SegTableState *SegShmemLockTable(Oid dbid, Oid relfilenode);
extern SegTableState *SegShmemFindTable(Oid dbid, Oid relfilenode);
extern void SegShmemUnlockTable(SegTableState *state);
extern void SegShmemForgetTable(Oid dbid, Oid relfilenode);
extern void SegShmemForgetDatabase(Oid dbid);
extern uint64 SegShmemNewChunk(SegTableState *state, uint32 segment_id);
extern uint32 *SegShmemReadChunkLog(Oid dbid, Oid relfilenode, uint64 *nchunks);
extern uint64 SegShmemChunkCount(Oid dbid, Oid relfilenode);

/* ---- seg_active.c: appending to and reading active segments ---- */

/* What a writer needs to know about the table it appends to. */
typedef struct SegAppendTarget
{
	Relation	rel;
	int64		bucket;
	int64		bucket_end;
	Oid			time_type;
	uint64		max_segment_size;
} SegAppendTarget;

typedef struct SegWriter SegWriter;
typedef struct SegActiveReader SegActiveReader;

extern SegWriter *SegActiveGetWriter(const SegAppendTarget *target);
extern uint64 SegActiveAppend(SegWriter *writer, TransactionId xid,
							  CommandId cid, int64 time_value,
							  const char *payload, uint32 payload_len);
extern void SegActiveFlushRelation(Oid relfilenode);
extern void SegActiveDiscardRelation(Oid relfilenode);
extern void SegActivePreCommit(void);
extern void SegActiveAtEOXact(bool is_commit);
extern bool SegActiveClaimForSeal(Oid relfilenode, uint32 segment_id,
								  int64 bucket, int64 bucket_end);
extern void SegActiveEndSeal(Oid relfilenode, uint32 segment_id);
extern bool SegActiveSegmentClaimed(Oid relfilenode, uint32 segment_id);
extern uint64 SegActiveRepairTail(const char *path, int64 *bucket_end);

extern SegActiveReader *SegActiveReaderOpen(const char *path);
extern bool SegActiveReaderNext(SegActiveReader *reader, SegRecordHeader *hdr,
								const char **payload);
extern const SegActiveHeader *SegActiveReaderHeader(SegActiveReader *reader);
extern uint64 SegActiveReaderFileSize(SegActiveReader *reader);
extern uint64 SegActiveReaderPosition(SegActiveReader *reader);
extern void SegActiveReaderSeek(SegActiveReader *reader, uint64 offset,
								bool random);
extern void SegActiveReaderClose(SegActiveReader *reader);

/* ---- seg_manifest.c: the manifest of sealed and evicted segments ---- */

typedef struct SegManifestEntry
{
	uint32		segment_id;
	bool		evicted;		/* else sealed */
	int64		bucket_start;
	int64		bucket_end;
	int64		min_time;
	int64		max_time;
	int64		row_count;		/* -1: not known (an evicted active segment) */
	int64		raw_bytes;
	int64		bytes;
	bool		quarantined;
	uint64		min_xid;		/* full xids of the rows' transactions */
	uint64		max_xid;
	bool		pending_rows;	/* some were running when sealed */
	bool		frozen;			/* see SegManifestRowVersion */
	uint64	   *aborted_rows;	/* frozen: rows whose transaction aborted */
	int			naborted;
	TransactionId xmin;			/* the sealing or evicting transaction */
} SegManifestEntry;

extern void SegManifestInsert(Oid relfilenode, const SegManifestEntry *e);
extern SegManifestEntry *SegManifestList(Oid relfilenode, Snapshot snapshot,
										 int *n);
extern const SegManifestEntry *SegManifestFind(const SegManifestEntry *entries,
											  int n, uint32 segment_id);
extern bool SegManifestMarkEvicted(Oid relfilenode, uint32 segment_id);
extern void SegManifestMarkFrozen(Oid relfilenode, uint32 segment_id,
								  const uint64 *aborted, int naborted);
extern void SegManifestRowVersion(const SegManifestEntry *e, uint64 row_number,
								  TransactionId *xmin, CommandId *cmin);
extern void SegManifestDelete(Oid relfilenode, uint32 segment_id);
extern Oid	SegCatalogRelid(const char *name, bool missing_ok);
extern TransactionId SegManifestRemovalHorizon(void);
extern void SegManifestDeleteAll(Oid relfilenode);

/* ---- seg_row_marks.c: deletion and lock records of single rows ---- */

/* Where the transaction of a deletion or lock record stands. */
typedef enum SegMarkStatus
{
	SEG_MARK_OWN,				/* this transaction (or a live subtransaction) */
	SEG_MARK_RUNNING,			/* another transaction still running */
	SEG_MARK_COMMITTED
} SegMarkStatus;

/* Successor values of a deletion record that are not row numbers. */
#define SEG_SUCCESSOR_DELETED	INT64CONST(-1)
#define SEG_SUCCESSOR_MOVED		INT64CONST(-2)	/* to another partition */

typedef struct SegRowDeletion
{
	uint64		row_number;
	SegMarkStatus status;
	TransactionId xid;			/* the deleting (sub)transaction */
	CommandId	cid;			/* SEG_MARK_OWN only: the deleting command */
	int64		successor;		/* new version's row number, or the above */
} SegRowDeletion;

typedef struct SegRowLocker
{
	TransactionId xid;
	bool		own;
	LockTupleMode mode;
} SegRowLocker;

/* What SegRowMarksExamine finds about one row. */
typedef struct SegRowMarks
{
	bool		has_deletion;
	SegRowDeletion deletion;
	int			nlockers;		/* running lockers and our own locks */
	SegRowLocker *lockers;
} SegRowMarks;

extern void SegRowMarksAddDeletion(Oid relfilenode, uint64 row_number,
								   int64 successor, CommandId cid);
extern void SegRowMarksAddLock(Oid relfilenode, uint64 row_number,
							   LockTupleMode mode, CommandId cid);
extern void SegRowMarksExamine(Oid relfilenode, uint64 row_number,
							   SegRowMarks *out);
extern uint64 *SegRowMarksDeletedRows(Oid relfilenode, Snapshot snapshot,
									  int *n);
extern SegRowDeletion *SegRowMarksAllDeletions(Oid relfilenode, int *n);
extern const SegRowDeletion *SegRowDeletionFind(const SegRowDeletion *dels,
												int n, uint64 row_number);
extern void SegRowMarksDeleteAll(Oid relfilenode);
extern int	SegRowMarksRemoveFinishedLocks(Oid relfilenode);

/* ---- seg_sealed_io.c: writing sealed files, reading them via mmap ---- */

typedef struct SegSealedReader SegSealedReader;

/* Can a row with a time value in [lo, hi] be wanted?  (See seg_prune.c.) */
typedef bool (*SegTimeRangeFilter) (void *arg, int64 lo, int64 hi);

/* One row as a sealed reader returns it. */
typedef struct SegSealedRow
{
	uint64		row_number;
	TransactionId xmin;
	CommandId	cmin;
	const SegSealedBlock *block;	/* the row's values: column c is */
	uint32		index;			/* block->columns[c][index] */
} SegSealedRow;

/* Whether a seal keeps a row, and whether its transaction has committed. */
typedef enum SegSealKeep
{
	SEG_SEAL_DROP,				/* aborted */
	SEG_SEAL_KEEP_COMMITTED,
	SEG_SEAL_KEEP_PENDING		/* still running (or prepared) */
} SegSealKeep;

extern void SegSealedWrite(SegActiveReader *reader, const char *sealed_path,
						   const SegSealedHeader *header_template,
						   const uint32 *att_types, const int16 *att_lens,
						   SegSealKeep (*keep_row) (const SegRecordHeader *hdr),
						   SegManifestEntry *result);
extern SegSealedReader *SegSealedReaderOpen(const char *path);
extern const SegSealedFile *SegSealedReaderFile(SegSealedReader *r);
extern const SegSealedBlock *SegSealedReaderLoadBlock(SegSealedReader *r, uint32 block);
extern void SegSealedReaderSetFilter(SegSealedReader *r,
									 SegTimeRangeFilter filter, void *arg);
extern void SegSealedReaderSetColumns(SegSealedReader *r, const bool *wanted,
									  int nwanted);
extern void SegSealedReaderBlockCounts(SegSealedReader *r, uint32 *read,
									   uint32 *skipped);
extern bool SegSealedReaderNext(SegSealedReader *r, SegSealedRow *row);
extern void SegSealedReaderClose(SegSealedReader *r);

/* ---- seg_seal.c: sealing, cleanup, what a scan reads ---- */

/* What SegSealSegments needs to know about the table. */
typedef struct SegSealParams
{
	int64		bucket_end_before;	/* seal buckets ending at or before this */
	uint64		max_segment_size;	/* and segments at least this big */
	TransactionId cold_before;	/* and those with older rows only */
	Oid			time_type;
	int16		time_attnum;
	int			natts;
	const uint32 *att_types;
	const int16 *att_lens;
	int			compression_level;
	uint32		block_size;
} SegSealParams;

typedef struct SegSealOutcome
{
	uint32		segment_id;
	int64		rows;
	uint64		raw_bytes;
	uint64		bytes;
	double		milliseconds;
} SegSealOutcome;

/* One segment as a scan sees it. */
typedef struct SegScanSegment
{
	uint32		segment_id;
	int64		bucket;
	bool		sealed;
	bool		quarantined;
	const SegManifestEntry *manifest;	/* sealed: its manifest row */
	char		path[MAXPGPATH];
} SegScanSegment;

extern void SegSealedPath(Oid dbid, Oid relfilenode, uint32 segment_id,
						  int64 bucket, char *path);
extern List *SegSealSegments(Relation rel, const SegSealParams *params);
extern SegScanSegment *SegSealScanList(Relation rel, Snapshot snapshot, int *n);

/* ---- seg_freeze.c: freezing sealed segments (VACUUM) ---- */

/*
 * The 64-bit form of xid, which is at most 2^31 transactions older than
 * "next" (ReadNextFullTransactionId()); 0 for an xid "before" the first
 * one (a freeze cutoff of a young cluster wraps around to such a value).
 */
static inline uint64
SegFullXid(TransactionId xid, FullTransactionId next)
{
	uint32		age = XidFromFullTransactionId(next) - xid;

	if (age > U64FromFullTransactionId(next))
		return 0;
	return U64FromFullTransactionId(next) - age;
}

extern TransactionId SegFreezeSegments(Relation rel, TransactionId oldest_xmin,
									   TransactionId freeze_limit, int *nfrozen);

/* ---- seg_evict.c: removing whole segments from a table ---- */

/* One segment an eviction removed, or skipped because it is being written. */
typedef struct SegEvictOutcome
{
	uint32		segment_id;
	bool		was_sealed;
	bool		skipped;		/* a running transaction is appending to it */
	int64		rows;			/* -1: not counted (an active segment) */
	uint64		bytes;
	double		milliseconds;
} SegEvictOutcome;

extern void SegEvictMarkerPath(Oid dbid, Oid relfilenode, uint32 segment_id,
							   int64 bucket, char *path);
extern List *SegEvictSegments(Relation rel, int64 cutoff);

/* ---- seg_cleanup.c: removing files no snapshot can need ---- */

/* What one cleanup pass over a table removed. */
typedef struct SegCleanupResult
{
	int			files;			/* files unlinked */
	int			segments;		/* evicted segments now gone for good */
	uint64		bytes;			/* bytes of the files unlinked */
} SegCleanupResult;

extern void SegCleanupTable(Relation rel, SegCleanupResult *result);
extern int	SegCleanupOrphanDirs(void);

#endif							/* SEGSTORAGE_H */
