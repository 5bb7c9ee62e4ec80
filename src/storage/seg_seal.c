/*-------------------------------------------------------------------------
 *
 * seg_seal.c
 *	  Sealing active segments, cleaning up after seals, and deciding which
 *	  file of each segment a scan reads.
 *
 * NOTES
 *	  Sealing one active segment:
 *		1. claim it like a writer (seg_active.c), so nobody appends while
 *		   it is read; a segment owned by a running transaction is skipped
 *		   and sealed by a later run;
 *		2. write <id>_<bucket>.seal.tmp with every row whose transaction
 *		   did not abort (rows of transactions still in progress, such as
 *		   prepared ones, keep their xmin and stay invisible until they
 *		   commit), fsync it, rename it to .seal and fsync the directory;
 *		3. insert the manifest row (seg_manifest.c) in the same
 *		   transaction, and schedule the .seal file's removal if that
 *		   transaction aborts.
 *	  The active file stays until no snapshot can need it: cleanup
 *	  (seg_cleanup.c) removes it once the sealing transaction is older
 *	  than every snapshot.  A
 *	  crash at any step leaves the active file (the old state) or the
 *	  committed manifest row (the new state), plus orphan .seal/.tmp files
 *	  or a superseded active file that cleanup removes.
 *
 *	  Row order and row numbers are kept, so a scan returns the same rows
 *	  in the same order with the same TIDs before and after a seal.
 *
 *	  The debug setting segstore.pause_at (SegPausePoint) makes a seal wait
 *	  at a named step so crash tests can stop the server exactly there.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/stat.h>
#include <unistd.h>

#include "access/transam.h"
#include "access/xact.h"
#include "miscadmin.h"
#include "segstore.h"
#include "storage/procarray.h"
#include "storage/segstorage.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

void
SegSealedPath(Oid dbid, Oid relfilenode, uint32 segment_id, int64 bucket,
			  char *path)
{
	SegFilesSegmentPath(dbid, relfilenode, segment_id, bucket, path);
	/* "<id>_<bucket>.act" -> "<id>_<bucket>.seal" */
	path[strlen(path) - 4] = '\0';
	strlcat(path, ".seal", MAXPGPATH);
}

static bool
file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static SegSealKeep
keep_unless_aborted(const SegRecordHeader *hdr)
{
	if (TransactionIdIsCurrentTransactionId(hdr->xmin) ||
		TransactionIdIsInProgress(hdr->xmin))
		return SEG_SEAL_KEEP_PENDING;
	return TransactionIdDidCommit(hdr->xmin) ? SEG_SEAL_KEEP_COMMITTED : SEG_SEAL_DROP;
}

/* Were all rows of an active file inserted by transactions before xid? */
static bool
rows_precede(SegActiveReader *reader, TransactionId xid)
{
	SegRecordHeader hdr;
	const char *payload;

	while (SegActiveReaderNext(reader, &hdr, &payload))
		if (!TransactionIdPrecedes(hdr.xmin, xid))
			return false;
	return true;
}

/*
 * Seal the active segments of rel that are due: those whose bucket ended
 * at or before "bucket_end_before", those that reached
 * params->max_segment_size, and those whose rows' transactions all
 * precede params->cold_before (if valid).  Returns a list of SegSealOutcome (palloc'd).
 * Caller holds at least ShareUpdateExclusiveLock on rel.
 */
List *
SegSealSegments(Relation rel, const SegSealParams *params)
{
	Oid			relfilenode = rel->rd_node.relNode;
	int			nfiles;
	SegSegmentFile *files;
	int			nsealed;
	SegManifestEntry *sealed;
	List	   *outcomes = NIL;

	/* rows this transaction buffered must be in the files we seal */
	SegActiveFlushRelation(relfilenode);

	files = SegFilesListSegments(MyDatabaseId, relfilenode, &nfiles);
	sealed = SegManifestList(relfilenode, GetLatestSnapshot(), &nsealed);

	for (int i = 0; i < nfiles; i++)
	{
		SegSegmentFile *f = &files[i];
		char		sealed_path[MAXPGPATH];
		SegActiveReader *reader;
		SegSealedHeader header;
		SegManifestEntry entry;
		SegSealOutcome *outcome;
		TimestampTz start = GetCurrentTimestamp();
		bool		due;

		if (SegManifestFind(sealed, nsealed, f->segment_id))
			continue;
		SegSealedPath(MyDatabaseId, relfilenode, f->segment_id, f->bucket, sealed_path);
		if (file_exists(sealed_path))
			continue;			/* an unfinished seal: cleanup's business */

		reader = SegActiveReaderOpen(f->path);
		due = SegActiveReaderHeader(reader)->bucket_end <= params->bucket_end_before ||
			SegActiveReaderFileSize(reader) >= params->max_segment_size ||
			(TransactionIdIsValid(params->cold_before) &&
			 rows_precede(reader, params->cold_before));
		if (!due || SegActiveReaderFileSize(reader) == 0 ||
			!SegActiveClaimForSeal(relfilenode, f->segment_id, f->bucket,
								   SegActiveReaderHeader(reader)->bucket_end))
		{
			SegActiveReaderClose(reader);
			continue;
		}
		/* reopen: the claim guarantees nobody appends from now on */
		SegActiveReaderClose(reader);
		reader = SegActiveReaderOpen(f->path);

		memset(&header, 0, sizeof(header));
		header.version = SEG_SEALED_VERSION;
		header.segment_id = f->segment_id;
		header.time_type = params->time_type;
		header.bucket_start = f->bucket;
		header.bucket_end = SegActiveReaderHeader(reader)->bucket_end;
		header.sealed_at = GetCurrentTimestamp();
		header.codec = SEG_CODEC_ZSTD;
		header.level = (int8) params->compression_level;
		header.natts = (uint16) params->natts;
		header.block_size = params->block_size;
		header.time_attnum = params->time_attnum;

		memset(&entry, 0, sizeof(entry));
		entry.segment_id = f->segment_id;
		entry.bucket_start = f->bucket;
		entry.bucket_end = header.bucket_end;

		SegFilesScheduleUnlink(sealed_path, false);
		SegSealedWrite(reader, sealed_path, &header, params->att_types,
					   params->att_lens, keep_unless_aborted, &entry);
		SegActiveReaderClose(reader);
		SegPausePoint("renamed");

		SegManifestInsert(relfilenode, &entry);
		SegActiveEndSeal(relfilenode, f->segment_id);
		SegPausePoint("manifest");

		outcome = palloc(sizeof(SegSealOutcome));
		outcome->segment_id = f->segment_id;
		outcome->rows = entry.row_count;
		outcome->raw_bytes = entry.raw_bytes;
		outcome->bytes = entry.bytes;
		outcome->milliseconds =
			(double) (GetCurrentTimestamp() - start) / 1000.0;
		outcomes = lappend(outcomes, outcome);
	}
	pfree(files);
	pfree(sealed);
	return outcomes;
}

static int
compare_scan_segments(const void *a, const void *b)
{
	const SegScanSegment *sa = a;
	const SegScanSegment *sb = b;

	if (sa->segment_id != sb->segment_id)
		return sa->segment_id < sb->segment_id ? -1 : 1;
	return 0;
}

/*
 * The files a scan with "snapshot" reads: the sealed file of every
 * segment whose 'sealed' manifest row it sees, nothing of a segment whose
 * 'evicted' row it sees, the active file of every other segment, ordered
 * by segment id.  palloc'd (with the manifest entries
 * the sealed ones point to); *n entries.
 */
SegScanSegment *
SegSealScanList(Relation rel, Snapshot snapshot, int *n)
{
	Oid			relfilenode = rel->rd_node.relNode;
	int			nfiles;
	SegSegmentFile *files;
	int			nsealed;
	SegManifestEntry *sealed;
	SegScanSegment *list;
	int			count = 0;
	Snapshot	manifest_snapshot = snapshot;

	/*
	 * Other snapshots read the newest manifest.  Parallel workers cannot
	 * take a new snapshot, so in parallel mode every participant uses the
	 * transaction snapshot: they must all list the same segments (a
	 * parallel index build holds a lock that keeps seals and evictions out).
	 */
	if (snapshot == NULL || snapshot->snapshot_type != SNAPSHOT_MVCC)
		manifest_snapshot = IsInParallelMode() ? GetTransactionSnapshot() :
			GetLatestSnapshot();

	sealed = SegManifestList(relfilenode, manifest_snapshot, &nsealed);
	files = SegFilesListSegments(MyDatabaseId, relfilenode, &nfiles);
	list = palloc(sizeof(SegScanSegment) * (nfiles + nsealed + 1));

	for (int i = 0; i < nsealed; i++)
	{
		SegScanSegment *s;

		if (sealed[i].evicted)
			continue;
		s = &list[count++];
		s->segment_id = sealed[i].segment_id;
		s->bucket = sealed[i].bucket_start;
		s->sealed = true;
		s->quarantined = sealed[i].quarantined;
		s->manifest = &sealed[i];
		SegSealedPath(MyDatabaseId, relfilenode, s->segment_id, s->bucket, s->path);
	}
	for (int i = 0; i < nfiles; i++)
	{
		SegScanSegment *s;

		if (SegManifestFind(sealed, nsealed, files[i].segment_id))
			continue;
		s = &list[count++];
		s->segment_id = files[i].segment_id;
		s->bucket = files[i].bucket;
		s->sealed = false;
		s->quarantined = false;
		s->manifest = NULL;
		strlcpy(s->path, files[i].path, MAXPGPATH);
	}
	qsort(list, count, sizeof(SegScanSegment), compare_scan_segments);
	pfree(files);
	/* "sealed" stays: the list's manifest pointers point into it */
	*n = count;
	return list;
}
