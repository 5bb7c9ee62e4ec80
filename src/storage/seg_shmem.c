/*-------------------------------------------------------------------------
 *
 * seg_shmem.c
 *	  Shared state of the segstore tables being written: row-number chunks
 *	  and the active segments writers claim.
 *
 * NOTES
 *	  A shared hash table maps (database, relfilenode) to a SegTableState.
 *	  Everything in it can be rebuilt from disk: an entry is loaded on
 *	  first use after startup (next segment id from the directory, next
 *	  chunk from the chunk log) and may be dropped whenever no backend owns
 *	  one of its slots.
 *
 *	  Row numbers (the source of TIDs) are handed out in chunks of
 *	  SEG_CHUNK_ROWS.  A chunk is written to the table's chunk log and
 *	  fsynced before any of its row numbers is used, and after a restart
 *	  numbering resumes past every logged chunk, so a row number is never
 *	  given to two rows, crash or not (DESIGN.md invariant 3).  The log also
 *	  records which segment each chunk went to, for fetching rows by TID.
 *
 *	  Locking: SegShmemHashLock (a named tranche) protects the hash table;
 *	  each entry's own LWLock protects its fields.  Lookups take the hash
 *	  lock in shared mode and then the entry lock before letting go of the
 *	  hash lock, so an entry cannot be dropped under a backend waiting for
 *	  it; dropping takes the hash lock exclusively and only conditionally
 *	  acquires entry locks.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/stat.h>
#include <unistd.h>

#include "access/htup_details.h"
#include "miscadmin.h"
#include "segstore.h"
#include "storage/fd.h"
#include "storage/ipc.h"
#include "storage/proc.h"
#include "storage/segstorage.h"
#include "storage/shmem.h"
#include "utils/hsearch.h"

#define CHUNK_LOG_NAME		"chunks"
#define CHUNK_ENTRY_SIZE	16

/* the largest row number a TID can express: 2^32 blocks of 291 rows */
#define SEG_MAX_CHUNKS \
	((UINT64CONST(0xFFFFFFFF) * MaxHeapTuplesPerPage) / SEG_CHUNK_ROWS)

typedef struct SegShmemControl
{
	LWLock	   *hash_lock;
	int			table_tranche_id;
	int			ntables;		/* entries in the hash table */
} SegShmemControl;

static SegShmemControl *seg_control = NULL;
static HTAB *seg_tables = NULL;

Size
SegShmemSize(void)
{
	return add_size(MAXALIGN(sizeof(SegShmemControl)),
					hash_estimate_size(segstore_max_tables,
									   sizeof(SegTableState)));
}

/* Called from the shmem_request_hook. */
void
SegShmemRequest(void)
{
	RequestAddinShmemSpace(SegShmemSize());
	RequestNamedLWLockTranche("segstore", 1);
}

/* Called from the shmem_startup_hook, with AddinShmemInitLock held. */
void
SegShmemInit(void)
{
	bool		found;
	HASHCTL		info;

	seg_control = ShmemInitStruct("segstore control",
								  sizeof(SegShmemControl), &found);
	if (!found)
	{
		seg_control->hash_lock = &(GetNamedLWLockTranche("segstore"))->lock;
		seg_control->table_tranche_id = LWLockNewTrancheId();
		seg_control->ntables = 0;
	}
	LWLockRegisterTranche(seg_control->table_tranche_id, "segstore_table");

	info.keysize = 2 * sizeof(Oid);
	info.entrysize = sizeof(SegTableState);
	seg_tables = ShmemInitHash("segstore tables",
							   segstore_max_tables, segstore_max_tables,
							   &info, HASH_ELEM | HASH_BLOBS);
}

static void
check_shmem(void)
{
	if (seg_control == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("segstore shared memory is not initialized"),
				 errhint("Add segstore to shared_preload_libraries and restart the server.")));
}

static bool
slot_in_use(const SegTableState *state)
{
	for (int i = 0; i < SEG_MAX_ACTIVE_SLOTS; i++)
		if (state->slots[i].owner_procno >= 0)
			return true;
	return false;
}

/* With the hash lock held exclusively: drop one idle entry, if any. */
static bool
evict_one_table(void)
{
	HASH_SEQ_STATUS status;
	SegTableState *state;

	hash_seq_init(&status, seg_tables);
	while ((state = hash_seq_search(&status)) != NULL)
	{
		if (!LWLockConditionalAcquire(&state->lock, LW_EXCLUSIVE))
			continue;
		if (slot_in_use(state))
		{
			LWLockRelease(&state->lock);
			continue;
		}
		LWLockRelease(&state->lock);
		hash_seq_term(&status);
		hash_search(seg_tables, state, HASH_REMOVE, NULL);
		seg_control->ntables--;
		return true;
	}
	return false;
}

static void
chunk_log_path(Oid dbid, Oid relfilenode, char *path)
{
	char		dir[MAXPGPATH];

	SegFilesTableDir(dbid, relfilenode, dir);
	snprintf(path, MAXPGPATH, "%s/%s", dir, CHUNK_LOG_NAME);
}

/*
 * Read the chunk log: the next chunk is past every entry ever written,
 * and *max_segment_id gets the highest segment id any chunk went to.
 */
static uint64
load_chunk_log(Oid dbid, Oid relfilenode, uint32 *max_segment_id)
{
	uint64		nread;
	uint32	   *segments = SegShmemReadChunkLog(dbid, relfilenode, &nread);

	*max_segment_id = 0;
	for (uint64 i = 0; i < nread; i++)
		*max_segment_id = Max(*max_segment_id, segments[i]);
	if (segments != NULL)
		pfree(segments);
	/* a torn last entry still counts: its chunk may be in use */
	return SegShmemChunkCount(dbid, relfilenode);
}

/*
 * Segment ids are never reused: the next one is past every id a file or
 * the chunk log ever carried (sealed segments whose active file is gone
 * included).
 */
static void
load_table_state(SegTableState *state)
{
	uint32		max_from_chunks;

	state->next_chunk = load_chunk_log(state->dbid, state->relfilenode,
									   &max_from_chunks);
	state->next_segment_id =
		Max(SegFilesMaxSegmentId(state->dbid, state->relfilenode),
			max_from_chunks) + 1;
	state->loaded = true;
}

/*
 * Find (or create) the shared state of a relfilenode and return it with
 * its lock held exclusively.  Loads it from disk on first use.
 */
SegTableState *
SegShmemLockTable(Oid dbid, Oid relfilenode)
{
	Oid			key[2] = {dbid, relfilenode};
	SegTableState *state;
	bool		found;

	check_shmem();

	LWLockAcquire(seg_control->hash_lock, LW_SHARED);
	state = hash_search(seg_tables, key, HASH_FIND, NULL);
	if (state == NULL)
	{
		LWLockRelease(seg_control->hash_lock);
		LWLockAcquire(seg_control->hash_lock, LW_EXCLUSIVE);
		state = hash_search(seg_tables, key, HASH_FIND, NULL);
		if (state == NULL)
		{
			if (seg_control->ntables >= segstore_max_tables &&
				!evict_one_table())
			{
				LWLockRelease(seg_control->hash_lock);
				ereport(ERROR,
						(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
						 errmsg("too many segstore tables are being written at the same time"),
						 errhint("Increase segstore.max_tables (currently %d) and restart the server.",
								 segstore_max_tables)));
			}
			state = hash_search(seg_tables, key, HASH_ENTER, &found);
			Assert(!found);
			seg_control->ntables++;
			LWLockInitialize(&state->lock, seg_control->table_tranche_id);
			state->loaded = false;
			state->next_segment_id = 0;
			state->next_chunk = 0;
			state->use_counter = 0;
			for (int i = 0; i < SEG_MAX_ACTIVE_SLOTS; i++)
			{
				state->slots[i].segment_id = 0;
				state->slots[i].owner_procno = -1;
			}
		}
	}
	LWLockAcquire(&state->lock, LW_EXCLUSIVE);
	LWLockRelease(seg_control->hash_lock);

	if (!state->loaded)
	{
		PG_TRY();
		{
			load_table_state(state);
		}
		PG_CATCH();
		{
			LWLockRelease(&state->lock);
			PG_RE_THROW();
		}
		PG_END_TRY();
	}
	return state;
}

/*
 * The shared state of a relfilenode with its lock held, or NULL if there
 * is none.  Never creates or loads an entry and never raises an error:
 * for the end-of-transaction paths.
 */
SegTableState *
SegShmemFindTable(Oid dbid, Oid relfilenode)
{
	Oid			key[2] = {dbid, relfilenode};
	SegTableState *state;

	if (seg_control == NULL)
		return NULL;
	LWLockAcquire(seg_control->hash_lock, LW_SHARED);
	state = hash_search(seg_tables, key, HASH_FIND, NULL);
	if (state != NULL)
		LWLockAcquire(&state->lock, LW_EXCLUSIVE);
	LWLockRelease(seg_control->hash_lock);
	return state;
}

void
SegShmemUnlockTable(SegTableState *state)
{
	LWLockRelease(&state->lock);
}

/* Drop the shared state of a relfilenode whose files are gone. */
void
SegShmemForgetTable(Oid dbid, Oid relfilenode)
{
	Oid			key[2] = {dbid, relfilenode};
	bool		found;

	if (seg_control == NULL)
		return;
	LWLockAcquire(seg_control->hash_lock, LW_EXCLUSIVE);
	hash_search(seg_tables, key, HASH_REMOVE, &found);
	if (found)
		seg_control->ntables--;
	LWLockRelease(seg_control->hash_lock);
}

/* Drop the shared state of every table of a dropped database. */
void
SegShmemForgetDatabase(Oid dbid)
{
	HASH_SEQ_STATUS status;
	SegTableState *state;

	if (seg_control == NULL)
		return;
	LWLockAcquire(seg_control->hash_lock, LW_EXCLUSIVE);
	hash_seq_init(&status, seg_tables);
	while ((state = hash_seq_search(&status)) != NULL)
	{
		if (state->dbid != dbid)
			continue;
		hash_search(seg_tables, state, HASH_REMOVE, NULL);
		seg_control->ntables--;
	}
	LWLockRelease(seg_control->hash_lock);
}

/*
 * Hand out the next chunk of row numbers to a segment: log it durably,
 * then return its first row number.  Caller holds the entry's lock.
 */
uint64
SegShmemNewChunk(SegTableState *state, uint32 segment_id)
{
	char		dir[MAXPGPATH];
	char		path[MAXPGPATH];
	char		entry[CHUNK_ENTRY_SIZE];
	uint64		chunk = state->next_chunk;
	pg_crc32c	crc;
	int			fd;

	if (chunk >= SEG_MAX_CHUNKS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("segstore table has used up its row numbers"),
				 errhint("Rewrite the table with VACUUM FULL or TRUNCATE it.")));

	memset(entry, 0, sizeof(entry));
	memcpy(entry, &chunk, 8);
	memcpy(entry + 8, &segment_id, 4);
	INIT_CRC32C(crc);
	COMP_CRC32C(crc, entry, 12);
	FIN_CRC32C(crc);
	memcpy(entry + 12, &crc, 4);

	SegFilesTableDir(state->dbid, state->relfilenode, dir);
	chunk_log_path(state->dbid, state->relfilenode, path);
	fd = OpenTransientFile(path, O_WRONLY | O_CREAT | PG_BINARY);
	if (fd < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open file \"%s\": %m", path)));
	errno = 0;
	if (pg_pwrite(fd, entry, CHUNK_ENTRY_SIZE, chunk * CHUNK_ENTRY_SIZE) != CHUNK_ENTRY_SIZE)
	{
		int			save_errno = errno ? errno : ENOSPC;

		CloseTransientFile(fd);
		errno = save_errno;
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not write file \"%s\": %m", path)));
	}
	if (pg_fsync(fd) != 0)
		ereport(data_sync_elevel(ERROR),
				(errcode_for_file_access(),
				 errmsg("could not fsync file \"%s\": %m", path)));
	CloseTransientFile(fd);
	if (chunk == 0)
		SegFilesFsyncDir(dir);

	state->next_chunk = chunk + 1;
	return chunk * SEG_CHUNK_ROWS;
}

/*
 * The segment each chunk of row numbers went to, from the table's chunk
 * log: a palloc'd array of *nchunks segment ids, 0 where an entry is torn
 * (no row of that chunk was ever written).  NULL if there is no log.
 */
uint32 *
SegShmemReadChunkLog(Oid dbid, Oid relfilenode, uint64 *nchunks)
{
	char		path[MAXPGPATH];
	struct stat st;
	int			fd;
	char	   *bytes;
	uint32	   *segments;
	uint64		n;

	*nchunks = 0;
	chunk_log_path(dbid, relfilenode, path);
	fd = OpenTransientFile(path, O_RDONLY | PG_BINARY);
	if (fd < 0)
	{
		if (errno == ENOENT)
			return NULL;
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open file \"%s\": %m", path)));
	}
	if (fstat(fd, &st) < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not stat file \"%s\": %m", path)));
	n = st.st_size / CHUNK_ENTRY_SIZE;
	bytes = palloc(n * CHUNK_ENTRY_SIZE + 1);
	if (n > 0 && pg_pread(fd, bytes, n * CHUNK_ENTRY_SIZE, 0) != (ssize_t) (n * CHUNK_ENTRY_SIZE))
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not read file \"%s\": %m", path)));
	CloseTransientFile(fd);

	segments = palloc0(sizeof(uint32) * Max(n, 1));
	for (uint64 i = 0; i < n; i++)
	{
		const char *entry = bytes + i * CHUNK_ENTRY_SIZE;
		pg_crc32c	crc;
		uint64		chunk;

		INIT_CRC32C(crc);
		COMP_CRC32C(crc, entry, 12);
		FIN_CRC32C(crc);
		memcpy(&chunk, entry, 8);
		if (memcmp(&crc, entry + 12, 4) != 0 || chunk != i)
			continue;
		memcpy(&segments[i], entry + 8, 4);
	}
	pfree(bytes);
	*nchunks = n;
	return segments;
}

/*
 * How many chunks of row numbers the table has handed out (entries of its
 * chunk log, a torn last one included).
 */
uint64
SegShmemChunkCount(Oid dbid, Oid relfilenode)
{
	char		path[MAXPGPATH];
	struct stat st;

	chunk_log_path(dbid, relfilenode, path);
	if (stat(path, &st) < 0)
	{
		if (errno == ENOENT)
			return 0;
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not stat file \"%s\": %m", path)));
	}
	return (st.st_size + CHUNK_ENTRY_SIZE - 1) / CHUNK_ENTRY_SIZE;
}
