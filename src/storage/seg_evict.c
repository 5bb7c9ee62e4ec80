/*-------------------------------------------------------------------------
 *
 * seg_evict.c
 *	  Retention: removing whole segments whose rows are all older than a
 *	  cutoff, in constant time per segment.
 *
 * NOTES
 *	  Evicting a segment is one manifest change (seg_manifest.c), nothing
 *	  else: a sealed segment's row becomes 'evicted'; an active segment
 *	  gets an 'evicted' row.  No row is read or deleted and no file is
 *	  touched, so the cost does not depend on the segment's size, and a
 *	  ROLLBACK keeps the data.  Snapshots taken before the evicting
 *	  transaction committed keep reading the files; cleanup
 *	  (seg_cleanup.c) removes them once no snapshot can need them.
 *
 *	  Which segments go: a sealed segment whose newest row is older than
 *	  the cutoff (its manifest knows); an active segment whose whole
 *	  bucket ended at or before the cutoff (an active file keeps no
 *	  running maximum, and reading it would cost a pass over its rows).
 *	  Empty active segments are left alone.
 *
 *	  An active segment is claimed first, as a seal does (seg_active.c), so
 *	  one that a running transaction is appending to right now is skipped
 *	  (reported as such) and evicted by a later run.  Before its manifest
 *	  row is written, a durable marker file <id>_<bucket>.evict tells
 *	  writers never to append to the segment again (they look for it as
 *	  they look for a .seal file); it is removed if the eviction rolls back,
 *	  and with the segment's other files by cleanup.  Without it, a row
 *	  arriving later for the bucket could land in the evicted file and be
 *	  lost with it.  Rows a running transaction appended earlier
 *	  and then gave the segment back (a writer holds at most 16 segments of
 *	  a table) are evicted with the segment: they were older than the
 *	  retention window anyway.
 *
 *	  Locking: the caller holds ShareUpdateExclusiveLock on the table,
 *	  which lets SELECT, INSERT and COPY run on, and excludes seals,
 *	  cleanups and other evictions of the same table.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "miscadmin.h"
#include "segstore.h"
#include "storage/fd.h"
#include "storage/segstorage.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

void
SegEvictMarkerPath(Oid dbid, Oid relfilenode, uint32 segment_id, int64 bucket,
				   char *path)
{
	SegFilesSegmentPath(dbid, relfilenode, segment_id, bucket, path);
	/* "<id>_<bucket>.act" -> "<id>_<bucket>.evict" */
	path[strlen(path) - 4] = '\0';
	strlcat(path, ".evict", MAXPGPATH);
}

/*
 * Create the eviction marker of a segment durably, and schedule its
 * removal if this transaction aborts.
 */
static void
create_marker(Oid relfilenode, uint32 segment_id, int64 bucket)
{
	char		path[MAXPGPATH];
	char		dir[MAXPGPATH];
	int			fd;

	SegEvictMarkerPath(MyDatabaseId, relfilenode, segment_id, bucket, path);
	SegFilesScheduleUnlink(path, false);
	fd = OpenTransientFile(path, O_CREAT | O_WRONLY | PG_BINARY);
	if (fd < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not create file \"%s\": %m", path)));
	if (pg_fsync(fd) != 0)
		ereport(data_sync_elevel(ERROR),
				(errcode_for_file_access(),
				 errmsg("could not fsync file \"%s\": %m", path)));
	CloseTransientFile(fd);
	SegFilesTableDir(MyDatabaseId, relfilenode, dir);
	SegFilesFsyncDir(dir);
}

/*
 * Are all time values a bucket can hold older than cutoff?  The -infinity
 * and infinity buckets hold just their own value (and end where they
 * start).
 */
static bool
bucket_older_than(int64 bucket_start, int64 bucket_end, int64 cutoff)
{
	if (bucket_start == bucket_end)
		return bucket_start < cutoff;
	return bucket_end <= cutoff;
}

static SegEvictOutcome *
new_outcome(uint32 segment_id, bool was_sealed, int64 rows, uint64 bytes,
			TimestampTz start)
{
	SegEvictOutcome *o = palloc0(sizeof(SegEvictOutcome));

	o->segment_id = segment_id;
	o->was_sealed = was_sealed;
	o->rows = rows;
	o->bytes = bytes;
	o->milliseconds = (double) (GetCurrentTimestamp() - start) / 1000.0;
	return o;
}

/*
 * Evict every segment of rel whose rows are all older than "cutoff" (a
 * time value as SegTimeFromDatum makes them).  Returns a list of
 * SegEvictOutcome, ordered by segment id within each kind.
 */
List *
SegEvictSegments(Relation rel, int64 cutoff)
{
	Oid			relfilenode = rel->rd_node.relNode;
	int			nfiles;
	SegSegmentFile *files;
	int			nentries;
	SegManifestEntry *entries;
	List	   *outcomes = NIL;

	/* rows this transaction buffered must be in the files we judge */
	SegActiveFlushRelation(relfilenode);

	files = SegFilesListSegments(MyDatabaseId, relfilenode, &nfiles);
	entries = SegManifestList(relfilenode, GetLatestSnapshot(), &nentries);

	for (int i = 0; i < nentries; i++)
	{
		SegManifestEntry *e = &entries[i];
		TimestampTz start = GetCurrentTimestamp();
		bool		expired;

		if (e->evicted)
			continue;
		expired = e->row_count > 0 ? e->max_time < cutoff :
			bucket_older_than(e->bucket_start, e->bucket_end, cutoff);
		if (!expired)
			continue;
		if (!SegManifestMarkEvicted(relfilenode, e->segment_id))
			elog(ERROR, "manifest row of segment %u of \"%s\" disappeared",
				 e->segment_id, RelationGetRelationName(rel));
		outcomes = lappend(outcomes, new_outcome(e->segment_id, true,
												 e->row_count, e->bytes, start));
	}

	for (int i = 0; i < nfiles; i++)
	{
		SegSegmentFile *f = &files[i];
		SegActiveReader *reader;
		SegManifestEntry entry;
		TimestampTz start = GetCurrentTimestamp();
		struct stat st;
		uint64		data_bytes;

		if (SegManifestFind(entries, nentries, f->segment_id) != NULL)
			continue;
		reader = SegActiveReaderOpen(f->path);
		memset(&entry, 0, sizeof(entry));
		entry.segment_id = f->segment_id;
		entry.evicted = true;
		entry.bucket_start = f->bucket;
		entry.bucket_end = SegActiveReaderHeader(reader)->bucket_end;
		data_bytes = SegActiveReaderFileSize(reader);
		SegActiveReaderClose(reader);
		if (!bucket_older_than(entry.bucket_start, entry.bucket_end, cutoff) ||
			data_bytes == 0)
			continue;
		if (!SegActiveClaimForSeal(relfilenode, f->segment_id, f->bucket,
								   entry.bucket_end))
		{
			SegEvictOutcome *o = new_outcome(f->segment_id, false, -1, 0, start);

			o->skipped = true;
			outcomes = lappend(outcomes, o);
			continue;
		}
		entry.row_count = -1;
		entry.raw_bytes = entry.bytes = stat(f->path, &st) == 0 ? st.st_size : 0;
		create_marker(relfilenode, f->segment_id, f->bucket);
		SegManifestInsert(relfilenode, &entry);
		SegActiveEndSeal(relfilenode, f->segment_id);
		outcomes = lappend(outcomes, new_outcome(f->segment_id, false, -1,
												 entry.bytes, start));
	}
	pfree(files);
	pfree(entries);

	if (outcomes != NIL)
		SegPausePoint("evict-marked");
	return outcomes;
}
