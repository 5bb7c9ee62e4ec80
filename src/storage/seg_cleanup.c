/*-------------------------------------------------------------------------
 *
 * seg_cleanup.c
 *	  Removing the files that seals and evictions left behind once no
 *	  snapshot can need them, and the directories crashes orphaned.
 *
 * NOTES
 *	  A seal or an eviction changes the manifest (seg_manifest.c) and
 *	  leaves the files alone, because snapshots taken before it committed
 *	  still read them.  Cleanup runs later (segstore.seal, segstore.evict
 *	  and every maintenance run call it) and removes, for each table:
 *
 *		- the active file of a sealed segment, once the seal committed
 *		  before the removal horizon (SegManifestRemovalHorizon);
 *		- every file of an evicted segment, once the eviction committed
 *		  before the horizon, and then the segment's manifest row, in that
 *		  order: a crash in between leaves a row whose files are gone,
 *		  which the next pass deletes;
 *		- .seal and .seal.tmp files of seals and .evict markers of
 *		  evictions that never committed (no manifest row, and no
 *		  transaction claims the segment).
 *
 *	  The horizon holds back for every snapshot of the database, so nothing
 *	  is unlinked under a reader (DESIGN.md, invariant 4).
 *
 *	  Orphan directories: DROP TABLE, TRUNCATE and rewrites remove a
 *	  relfilenode's directory after commit (seg_files.c); a crash at the
 *	  wrong moment, or during a CREATE TABLE that never committed, leaves
 *	  the directory behind.  A directory is an orphan when no pg_class row
 *	  that is committed, or being inserted or deleted right now, has its
 *	  relfilenode, and the transaction that created it (recorded in the
 *	  directory's "creator" file) is not running: a running one may be
 *	  between making the directory and inserting its pg_class row.  (The
 *	  main fork is no proof: PostgreSQL leaves the files of a relation
 *	  whose creating transaction crashed.)
 *
 *	  Locking: SegCleanupTable's caller holds ShareUpdateExclusiveLock on
 *	  the table.  SegCleanupOrphanDirs touches only directories no
 *	  relation uses, so it needs no table lock.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/transam.h"
#include "catalog/pg_class.h"
#include "common/relpath.h"
#include "miscadmin.h"
#include "storage/procarray.h"
#include "segstore.h"
#include "storage/fd.h"
#include "storage/segstorage.h"
#include "utils/hsearch.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

/* Unlink one file; a file already gone is fine.  Adds to *result. */
static void
remove_file(const char *path, SegCleanupResult *result)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return;
	if (unlink(path) == 0)
	{
		result->files++;
		result->bytes += st.st_size;
	}
	else if (errno != ENOENT)
		ereport(WARNING,
				(errcode_for_file_access(),
				 errmsg("could not remove file \"%s\": %m", path)));
}

/*
 * Unlink what a seal or an eviction adds beside a segment's active file:
 * the sealed file, a seal's leftover temporary file, an eviction marker.
 */
static void
remove_sealed_files(Oid relfilenode, uint32 segment_id, int64 bucket,
					SegCleanupResult *result)
{
	char		path[MAXPGPATH];
	char		tmp[MAXPGPATH];

	SegSealedPath(MyDatabaseId, relfilenode, segment_id, bucket, path);
	snprintf(tmp, MAXPGPATH, "%s.tmp", path);
	remove_file(path, result);
	remove_file(tmp, result);
	SegEvictMarkerPath(MyDatabaseId, relfilenode, segment_id, bucket, path);
	remove_file(path, result);
}

/*
 * Remove what seals and evictions of rel left behind and no snapshot can
 * need any more (see the file header).  *result says what went.
 */
void
SegCleanupTable(Relation rel, SegCleanupResult *result)
{
	Oid			relfilenode = rel->rd_node.relNode;
	char		dir[MAXPGPATH];
	int			nfiles;
	SegSegmentFile *files;
	int			nentries;
	SegManifestEntry *entries;
	TransactionId horizon;
	List	   *gone = NIL;
	ListCell   *lc;

	memset(result, 0, sizeof(*result));
	files = SegFilesListSegments(MyDatabaseId, relfilenode, &nfiles);
	entries = SegManifestList(relfilenode, GetLatestSnapshot(), &nentries);
	SegFilesTableDir(MyDatabaseId, relfilenode, dir);
	horizon = SegManifestRemovalHorizon();

	/* files that every snapshot knows to be replaced or evicted */
	for (int i = 0; i < nentries; i++)
	{
		SegManifestEntry *e = &entries[i];
		char		path[MAXPGPATH];

		if (!TransactionIdDidCommit(e->xmin) ||
			!TransactionIdPrecedes(e->xmin, horizon))
			continue;
		SegFilesSegmentPath(MyDatabaseId, relfilenode, e->segment_id,
							e->bucket_start, path);
		remove_file(path, result);
		if (e->evicted)
		{
			remove_sealed_files(relfilenode, e->segment_id, e->bucket_start, result);
			gone = lappend_int(gone, (int) e->segment_id);
		}
		else
		{
			/* a marker of an eviction that crashed before the seal */
			SegEvictMarkerPath(MyDatabaseId, relfilenode, e->segment_id,
							   e->bucket_start, path);
			remove_file(path, result);
		}
	}

	/* what seals and evictions that did not commit left (not running now either) */
	for (int i = 0; i < nfiles; i++)
	{
		if (SegManifestFind(entries, nentries, files[i].segment_id) != NULL ||
			SegActiveSegmentClaimed(relfilenode, files[i].segment_id))
			continue;
		remove_sealed_files(relfilenode, files[i].segment_id, files[i].bucket, result);
	}

	if (result->files > 0)
		SegFilesFsyncDir(dir);
	if (gone != NIL)
		SegPausePoint("evict-unlinked");

	/* the files are durably gone: the rows describing them can go too */
	foreach(lc, gone)
	{
		SegManifestDelete(relfilenode, (uint32) lfirst_int(lc));
		result->segments++;
	}
	list_free(gone);
	pfree(files);
	pfree(entries);
}

/*
 * The relfilenodes of this database's pg_class rows that are committed
 * and not deleted, or whose insertion or deletion is in progress: a
 * hash table of Oids.
 */
static HTAB *
relfilenodes_in_use(void)
{
	HASHCTL		ctl;
	HTAB	   *set;
	Relation	pg_class;
	SysScanDesc scan;
	HeapTuple	tuple;
	SnapshotData dirty;

	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(Oid);
	ctl.hcxt = CurrentMemoryContext;
	set = hash_create("segstore relfilenodes in use", 1024, &ctl,
					  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	InitDirtySnapshot(dirty);
	pg_class = table_open(RelationRelationId, AccessShareLock);
	scan = systable_beginscan(pg_class, InvalidOid, false, &dirty, 0, NULL);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Oid			relfilenode = ((Form_pg_class) GETSTRUCT(tuple))->relfilenode;

		if (OidIsValid(relfilenode))
			hash_search(set, &relfilenode, HASH_ENTER, NULL);
	}
	systable_endscan(scan);
	table_close(pg_class, AccessShareLock);
	return set;
}

/*
 * Remove the directories of this database's relfilenodes that no relation
 * uses any more (see the file header).  Returns how many went.
 */
int
SegCleanupOrphanDirs(void)
{
	char		dbdir[MAXPGPATH];
	DIR		   *d;
	struct dirent *de;
	HTAB	   *in_use = NULL;
	int			removed = 0;

	snprintf(dbdir, MAXPGPATH, "%s/%u", SEG_ROOT_DIR, MyDatabaseId);
	d = AllocateDir(dbdir);
	if (d == NULL && errno == ENOENT)
		return 0;
	while ((de = ReadDir(d, dbdir)) != NULL)
	{
		unsigned int relfilenode;
		int			consumed = 0;
		RelFileNode rnode;
		char	   *main_fork;
		struct stat st;
		bool		has_main_fork;
		TransactionId creator;
		char		dir[MAXPGPATH];

		if (sscanf(de->d_name, "%u%n", &relfilenode, &consumed) != 1 ||
			de->d_name[consumed] != '\0')
			continue;
		if (in_use == NULL)
			in_use = relfilenodes_in_use();
		if (hash_search(in_use, &relfilenode, HASH_FIND, NULL) != NULL)
			continue;
		creator = SegFilesCreator(MyDatabaseId, relfilenode);
		if (TransactionIdIsValid(creator) && TransactionIdIsInProgress(creator))
			continue;
		if (!TransactionIdIsValid(creator))
		{
			/* no creator file: only a relfilenode without files is safe */
			rnode.spcNode = MyDatabaseTableSpace;
			rnode.dbNode = MyDatabaseId;
			rnode.relNode = relfilenode;
			main_fork = relpathperm(rnode, MAIN_FORKNUM);
			has_main_fork = stat(main_fork, &st) == 0;
			pfree(main_fork);
			if (has_main_fork)
				continue;
		}

		SegFilesTableDir(MyDatabaseId, relfilenode, dir);
		ereport(LOG,
				(errmsg("segstore: removing orphan directory \"%s\"", dir)));
		if (rmtree(dir, true))
		{
			SegShmemForgetTable(MyDatabaseId, relfilenode);
			removed++;
		}
		else
			ereport(WARNING,
					(errcode_for_file_access(),
					 errmsg("could not remove orphan directory \"%s\"", dir)));
	}
	FreeDir(d);
	if (removed > 0)
		SegFilesFsyncDir(dbdir);
	if (in_use != NULL)
		hash_destroy(in_use);
	return removed;
}
