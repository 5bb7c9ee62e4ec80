/*-------------------------------------------------------------------------
 *
 * seg_files.c
 *	  Paths of segment files, directory listing, and removal of a table's
 *	  files tied to the outcome of the transaction that asked for it.
 *
 * NOTES
 *	  Creating a table (or giving it a new relfilenode through TRUNCATE or
 *	  a rewrite) creates its directory at once and schedules its removal
 *	  if the transaction aborts; DROP, TRUNCATE and rewrites schedule the
 *	  removal of the old directory if it commits.  Like smgr's pending
 *	  deletes this follows subtransactions: work done in a subtransaction
 *	  that rolls back is undone, work done in one that commits passes to
 *	  its parent.  Removal happens after commit or abort, where an error
 *	  can no longer be raised: failures are logged as WARNINGs and leave
 *	  orphans for a later cleanup pass.  A crash between commit and removal
 *	  also leaves an orphan directory, never a missing one.
 *
 *	  Nothing here is unlinked under a reader: every caller holds
 *	  AccessExclusiveLock on the relation (DROP, TRUNCATE, rewrite) or the
 *	  database is being dropped.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access/xact.h"
#include "miscadmin.h"
#include "storage/fd.h"
#include "storage/segstorage.h"
#include "utils/memutils.h"

typedef struct SegPendingDelete
{
	Oid			dbid;
	Oid			relfilenode;	/* InvalidOid: the whole database */
	char	   *path;			/* set: remove just this file */
	bool		at_commit;		/* remove at commit (else at abort) */
	int			nest_level;
	struct SegPendingDelete *next;
} SegPendingDelete;

static SegPendingDelete *pending_deletes = NULL;

static void remove_dir_now(Oid dbid, Oid relfilenode);

void
SegFilesTableDir(Oid dbid, Oid relfilenode, char *path)
{
	snprintf(path, MAXPGPATH, "%s/%u/%u", SEG_ROOT_DIR, dbid, relfilenode);
}

void
SegFilesSegmentPath(Oid dbid, Oid relfilenode, uint32 segment_id,
					int64 bucket, char *path)
{
	snprintf(path, MAXPGPATH, "%s/%u/%u/%u_" INT64_FORMAT ".act",
			 SEG_ROOT_DIR, dbid, relfilenode, segment_id, bucket);
}

/* fsync a directory so that entries created or removed in it persist */
void
SegFilesFsyncDir(const char *path)
{
	fsync_fname(path, true);
}

static void
make_dir(const char *path)
{
	if (MakePGDirectory(path) < 0 && errno != EEXIST)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not create directory \"%s\": %m", path)));
}

/*
 * Record in the directory which transaction created it (orphan cleanup
 * needs to know whether that transaction may still commit).
 */
static void
write_creator(const char *dir)
{
	char		path[MAXPGPATH];
	char		text[16];
	int			fd;
	int			len;

	snprintf(path, MAXPGPATH, "%s/%s", dir, SEG_CREATOR_FILE);
	len = snprintf(text, sizeof(text), "%u\n", GetTopTransactionId());
	fd = OpenTransientFile(path, O_CREAT | O_TRUNC | O_WRONLY | PG_BINARY);
	if (fd < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not create file \"%s\": %m", path)));
	if (write(fd, text, len) != len || pg_fsync(fd) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not write file \"%s\": %m", path)));
	CloseTransientFile(fd);
}

/*
 * The transaction that created a relfilenode's directory, or
 * InvalidTransactionId if it did not say (or the file is unreadable).
 */
TransactionId
SegFilesCreator(Oid dbid, Oid relfilenode)
{
	char		path[MAXPGPATH];
	char		text[16];
	int			fd;
	int			len;
	unsigned int xid;

	SegFilesTableDir(dbid, relfilenode, path);
	strlcat(path, "/" SEG_CREATOR_FILE, MAXPGPATH);
	fd = OpenTransientFile(path, O_RDONLY | PG_BINARY);
	if (fd < 0)
		return InvalidTransactionId;
	len = read(fd, text, sizeof(text) - 1);
	CloseTransientFile(fd);
	if (len <= 0)
		return InvalidTransactionId;
	text[len] = '\0';
	if (sscanf(text, "%u", &xid) != 1)
		return InvalidTransactionId;
	return (TransactionId) xid;
}

/*
 * Create the directory of a new relfilenode (and its parents), durably.
 * The caller has just created the relfilenode's main fork, which proves
 * the number unused: a directory already there is an orphan of a dropped
 * table that a crash kept from being removed, and goes first.
 */
void
SegFilesCreateTableDir(Oid dbid, Oid relfilenode)
{
	char		dbdir[MAXPGPATH];
	char		dir[MAXPGPATH];
	struct stat st;

	snprintf(dbdir, MAXPGPATH, "%s/%u", SEG_ROOT_DIR, dbid);
	SegFilesTableDir(dbid, relfilenode, dir);

	if (stat(dir, &st) == 0)
	{
		ereport(LOG,
				(errmsg("segstore: removing orphan directory \"%s\" before reusing its relfilenode", dir)));
		if (!rmtree(dir, true))
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not remove orphan directory \"%s\"", dir)));
		SegShmemForgetTable(dbid, relfilenode);
	}

	make_dir(SEG_ROOT_DIR);
	make_dir(dbdir);
	make_dir(dir);
	write_creator(dir);
	SegFilesFsyncDir(dir);
	SegFilesFsyncDir(dbdir);
	SegFilesFsyncDir(SEG_ROOT_DIR);
}

static int
compare_segment_files(const void *a, const void *b)
{
	const SegSegmentFile *fa = a;
	const SegSegmentFile *fb = b;

	if (fa->segment_id != fb->segment_id)
		return fa->segment_id < fb->segment_id ? -1 : 1;
	return 0;
}

/*
 * List the segment files of a relfilenode, ordered by segment id (which
 * is also creation order).  Returns a palloc'd array; a missing directory
 * gives an empty list.
 */
SegSegmentFile *
SegFilesListSegments(Oid dbid, Oid relfilenode, int *nfiles)
{
	char		dir[MAXPGPATH];
	DIR		   *d;
	struct dirent *de;
	int			n = 0;
	int			cap = 16;
	SegSegmentFile *files = palloc(sizeof(SegSegmentFile) * cap);

	SegFilesTableDir(dbid, relfilenode, dir);
	d = AllocateDir(dir);
	if (d == NULL && errno == ENOENT)
	{
		*nfiles = 0;
		return files;
	}
	while ((de = ReadDir(d, dir)) != NULL)
	{
		uint32		segment_id;
		int64		bucket;
		int			consumed = 0;

		if (sscanf(de->d_name, "%u_" INT64_FORMAT ".act%n",
				   &segment_id, &bucket, &consumed) != 2 ||
			de->d_name[consumed] != '\0' || consumed == 0)
			continue;
		if (n == cap)
		{
			cap *= 2;
			files = repalloc(files, sizeof(SegSegmentFile) * cap);
		}
		files[n].segment_id = segment_id;
		files[n].bucket = bucket;
		snprintf(files[n].path, MAXPGPATH, "%s/%s", dir, de->d_name);
		n++;
	}
	FreeDir(d);

	qsort(files, n, sizeof(SegSegmentFile), compare_segment_files);
	*nfiles = n;
	return files;
}

/*
 * The highest segment id any file of the relfilenode carries (active,
 * sealed, a seal's temporary file or an eviction marker), 0 if none.
 */
uint32
SegFilesMaxSegmentId(Oid dbid, Oid relfilenode)
{
	char		dir[MAXPGPATH];
	DIR		   *d;
	struct dirent *de;
	uint32		max_id = 0;

	SegFilesTableDir(dbid, relfilenode, dir);
	d = AllocateDir(dir);
	if (d == NULL && errno == ENOENT)
		return 0;
	while ((de = ReadDir(d, dir)) != NULL)
	{
		uint32		segment_id;
		int64		bucket;

		if (sscanf(de->d_name, "%u_" INT64_FORMAT ".", &segment_id, &bucket) == 2)
			max_id = Max(max_id, segment_id);
	}
	FreeDir(d);
	return max_id;
}

/* Does a relfilenode have any segment file (active or sealed)? */
bool
SegFilesHasSegments(Oid dbid, Oid relfilenode)
{
	char		dir[MAXPGPATH];
	DIR		   *d;
	struct dirent *de;
	bool		found = false;

	SegFilesTableDir(dbid, relfilenode, dir);
	d = AllocateDir(dir);
	if (d == NULL && errno == ENOENT)
		return false;
	while (!found && (de = ReadDir(d, dir)) != NULL)
	{
		size_t		len = strlen(de->d_name);

		found = (len > 4 && strcmp(de->d_name + len - 4, ".act") == 0) ||
			(len > 5 && strcmp(de->d_name + len - 5, ".seal") == 0);
	}
	FreeDir(d);
	return found;
}

/* Bytes of all files of a relfilenode, active and sealed (for size estimates). */
uint64
SegFilesTotalBytes(Oid dbid, Oid relfilenode)
{
	char		dir[MAXPGPATH];
	DIR		   *d;
	struct dirent *de;
	uint64		total = 0;

	SegFilesTableDir(dbid, relfilenode, dir);
	d = AllocateDir(dir);
	if (d == NULL && errno == ENOENT)
		return 0;
	while ((de = ReadDir(d, dir)) != NULL)
	{
		char		path[MAXPGPATH];
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, MAXPGPATH, "%s/%s", dir, de->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			total += st.st_size;
	}
	FreeDir(d);
	return total;
}

/*
 * Remove every segment file (active and sealed) of a relfilenode, keeping
 * the directory, its creator file and its chunk log (row numbers must
 * never be handed out twice).  For the non-transactional truncate of a table created in this
 * transaction.
 */
void
SegFilesRemoveSegments(Oid dbid, Oid relfilenode)
{
	char		dir[MAXPGPATH];
	DIR		   *d;
	struct dirent *de;
	bool		removed = false;

	SegFilesTableDir(dbid, relfilenode, dir);
	d = AllocateDir(dir);
	if (d == NULL && errno == ENOENT)
		return;
	while ((de = ReadDir(d, dir)) != NULL)
	{
		char		path[MAXPGPATH];

		if (de->d_name[0] == '.' || strcmp(de->d_name, "chunks") == 0 ||
			strcmp(de->d_name, SEG_CREATOR_FILE) == 0)
			continue;
		snprintf(path, MAXPGPATH, "%s/%s", dir, de->d_name);
		if (unlink(path) < 0 && errno != ENOENT)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not remove file \"%s\": %m", path)));
		removed = true;
	}
	FreeDir(d);
	if (removed)
		SegFilesFsyncDir(dir);
}

/*
 * Remember to remove the directory of (dbid, relfilenode) when the
 * current transaction commits (at_commit) or aborts (!at_commit).
 * relfilenode InvalidOid means the database's whole directory.
 */
void
SegFilesScheduleDelete(Oid dbid, Oid relfilenode, bool at_commit)
{
	SegPendingDelete *pd;

	pd = MemoryContextAlloc(TopMemoryContext, sizeof(SegPendingDelete));
	pd->dbid = dbid;
	pd->relfilenode = relfilenode;
	pd->path = NULL;
	pd->at_commit = at_commit;
	pd->nest_level = GetCurrentTransactionNestLevel();
	pd->next = pending_deletes;
	pending_deletes = pd;
}

/*
 * Remember to remove one file when the current transaction commits
 * (at_commit) or aborts (!at_commit).
 */
void
SegFilesScheduleUnlink(const char *path, bool at_commit)
{
	SegPendingDelete *pd;

	pd = MemoryContextAlloc(TopMemoryContext, sizeof(SegPendingDelete));
	pd->dbid = InvalidOid;
	pd->relfilenode = InvalidOid;
	pd->path = MemoryContextStrdup(TopMemoryContext, path);
	pd->at_commit = at_commit;
	pd->nest_level = GetCurrentTransactionNestLevel();
	pd->next = pending_deletes;
	pending_deletes = pd;
}

static void
remove_pending(SegPendingDelete *pd)
{
	if (pd->path != NULL)
	{
		if (unlink(pd->path) < 0 && errno != ENOENT)
			ereport(WARNING,
					(errcode_for_file_access(),
					 errmsg("could not remove file \"%s\": %m", pd->path)));
		return;
	}
	remove_dir_now(pd->dbid, pd->relfilenode);
}

static void
free_pending(SegPendingDelete *pd)
{
	if (pd->path)
		pfree(pd->path);
	pfree(pd);
}

/* PREPARE TRANSACTION cannot carry our pending removals; refuse it. */
void
SegFilesCheckPrepare(void)
{
	if (pending_deletes != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot PREPARE a transaction that created, truncated or dropped a segstore table")));
}

static void
remove_dir_now(Oid dbid, Oid relfilenode)
{
	char		dir[MAXPGPATH];
	struct stat st;

	if (OidIsValid(relfilenode))
	{
		/* this backend must not write to the files any more */
		if (dbid == MyDatabaseId)
			SegActiveDiscardRelation(relfilenode);
		SegFilesTableDir(dbid, relfilenode, dir);
	}
	else
		snprintf(dir, MAXPGPATH, "%s/%u", SEG_ROOT_DIR, dbid);

	/* a database that never held segstore rows has no directory */
	if (stat(dir, &st) == 0 && !rmtree(dir, true))
		ereport(WARNING,
				(errcode_for_file_access(),
				 errmsg("could not remove segstore directory \"%s\"", dir)));

	if (OidIsValid(relfilenode))
		SegShmemForgetTable(dbid, relfilenode);
	else
		SegShmemForgetDatabase(dbid);
}

/*
 * At the end of a top-level transaction: carry out the removals that its
 * outcome calls for and forget the rest.  Never raises an error.
 */
void
SegFilesAtEOXact(bool is_commit)
{
	SegPendingDelete *pd = pending_deletes;

	pending_deletes = NULL;
	while (pd != NULL)
	{
		SegPendingDelete *next = pd->next;

		if (pd->at_commit == is_commit)
		{
			struct stat st;

			/* rmtree complains about a directory that was never made */
			if (stat(SEG_ROOT_DIR, &st) == 0)
				remove_pending(pd);
		}
		free_pending(pd);
		pd = next;
	}
}

/*
 * At the end of a subtransaction: a commit hands its removals to the
 * parent; an abort carries out its at-abort removals and drops the rest.
 */
void
SegFilesAtEOSubXact(bool is_commit, SubTransactionId mySubid,
					SubTransactionId parentSubid)
{
	int			level = GetCurrentTransactionNestLevel();
	SegPendingDelete **link = &pending_deletes;

	while (*link != NULL)
	{
		SegPendingDelete *pd = *link;

		if (pd->nest_level < level)
		{
			link = &pd->next;
			continue;
		}
		if (is_commit)
		{
			pd->nest_level = level - 1;
			link = &pd->next;
			continue;
		}
		*link = pd->next;
		if (!pd->at_commit)
			remove_pending(pd);
		free_pending(pd);
	}
}
