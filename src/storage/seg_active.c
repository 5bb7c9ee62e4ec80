/*-------------------------------------------------------------------------
 *
 * seg_active.c
 *	  Appending rows to active segments, making them durable at commit,
 *	  and reading active segments back.
 *
 * NOTES
 *	  A writer is this backend's handle on one active segment of one
 *	  (table, time bucket).  At its first row in a bucket a transaction
 *	  claims an active segment in the table's shared state
 *	  (seg_shmem.c): a free one of that bucket, one found on disk, or a
 *	  new file.  The claim is exclusive until the transaction ends, so the
 *	  owner appends without locks and records are never interleaved: after
 *	  a crash the only damage a file can have is a torn last record.
 *	  Concurrent writers of one bucket therefore use several active
 *	  segments of that bucket; a segment that reaches max_segment_size is
 *	  not claimed again.
 *
 *	  Rows are framed (seg_record.c) into a per-writer buffer and written
 *	  when it fills, before this backend scans the table (so a transaction
 *	  sees its own rows) and at pre-commit, where every file the
 *	  transaction wrote is also fsynced before the commit record (also
 *	  under synchronous_commit = off: nothing else would ever sync them).  A failed write truncates
 *	  the file back to its last complete record before raising the error.
 *
 *	  Transaction ids must never be reused for another transaction while a
 *	  file holds rows carrying them.  PostgreSQL rebuilds its next-xid
 *	  counter after a crash from WAL, so an xid that appears in no WAL
 *	  record could be handed out again, and rows of the crashed transaction
 *	  would become visible when the new one commits.  So before the first
 *	  row of a (sub)transaction id is appended, a small WAL record carrying
 *	  that xid is inserted, and WAL is flushed up to it before any buffer
 *	  holding such rows reaches a file (recovery advances the counter past
 *	  the xid of every record it replays).
 *
 *	  Before a segment found on disk is appended to, its torn tail (left
 *	  by a crash) is cut off and it continues in a fresh row-number chunk,
 *	  so row numbers of lost records are never handed out again.
 *
 *	  Readers see the file as large as it was when they opened it; a
 *	  record still being written beyond that is simply not read.  Its
 *	  rows belong to transactions the reader's snapshot cannot see.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/stat.h>

#include "access/transam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "miscadmin.h"
#include "replication/message.h"
#include "pgstat.h"
#include "storage/fd.h"
#include "storage/proc.h"
#include "storage/procarray.h"
#include "storage/segstorage.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#define SEG_READ_BUFFER_SIZE	(256 * 1024)

typedef struct SegWriterKey
{
	Oid			relfilenode;
	int64		bucket;
	int64		bucket_end;
} SegWriterKey;

struct SegWriter
{
	SegWriterKey key;			/* hash key */
	int			slot;			/* index in the table's shared slots */
	uint32		segment_id;
	File		file;
	char		path[MAXPGPATH];
	uint64		file_size;		/* bytes written to the file so far */
	uint64		next_row;
	uint64		chunk_end;
	uint64		max_segment_size;
	char	   *buf;
	uint32		buf_len;
	bool		needs_sync;
	bool		full;			/* reached max_segment_size: stop using it */
	uint64		last_use;		/* for giving back the least recently used */
};

struct SegActiveReader
{
	MemoryContext context;		/* where the reader and its buffer live */
	MemoryContextCallback close_callback;	/* closes the file on errors */
	File		file;
	char		path[MAXPGPATH];
	SegActiveHeader header;
	uint64		file_size;
	uint64		buf_offset;		/* file offset of buf[0] */
	char	   *buf;
	size_t		buf_cap;
	size_t		buf_len;
	size_t		pos;
	size_t		fill_size;		/* bytes to read ahead at once, at most buf_cap */
};

/* writers of the current transaction; context and table live until its end */
static MemoryContext writer_context = NULL;
static HTAB *writers = NULL;
static SegWriter *last_writer = NULL;
static bool wrote_rows = false;
static uint64 writer_use_counter = 0;

/*
 * A transaction writing many buckets of one table (a bulk load of history)
 * keeps at most this many segments of it claimed; the least recently used
 * one is written, fsynced and given back early.  Its records are complete
 * and durable then, so another writer appending after them is safe.
 */
#define SEG_MAX_CLAIMS_PER_TABLE	16

/* segments claimed by this transaction to seal them: (relfilenode, slot) */
typedef struct SegSealClaim
{
	Oid			relfilenode;
	int			slot;
	uint32		segment_id;
} SegSealClaim;

static List *seal_claims = NIL;	/* in writer_context */

/* the newest xid of this transaction made durable in WAL, see file header */
static TransactionId logged_xid = InvalidTransactionId;
static XLogRecPtr logged_xid_lsn = InvalidXLogRecPtr;

static void
ensure_writers(void)
{
	HASHCTL		info;

	if (writers != NULL)
		return;
	if (writer_context == NULL)
		writer_context = AllocSetContextCreate(TopMemoryContext,
											   "segstore writers",
											   ALLOCSET_DEFAULT_SIZES);
	info.keysize = sizeof(SegWriterKey);
	info.entrysize = sizeof(SegWriter);
	info.hcxt = writer_context;
	writers = hash_create("segstore writers", 16, &info,
						  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/*
 * Make sure WAL carries "xid" (the current subtransaction's id) before rows
 * with it are appended.  Insert-only: the flush happens in write_or_error.
 */
static void
log_xid(TransactionId xid)
{
	if (TransactionIdIsValid(logged_xid) &&
		!TransactionIdFollows(xid, logged_xid))
		return;
	Assert(xid == GetCurrentTransactionIdIfAny());
	logged_xid_lsn = LogLogicalMessage("segstore", "", 0, true);
	logged_xid = xid;
}

static void
write_or_error(SegWriter *w, const char *data, size_t len)
{
	int			written;

	/* no row may reach the file before WAL knows its xid */
	if (!XLogRecPtrIsInvalid(logged_xid_lsn))
		XLogFlush(logged_xid_lsn);

	errno = 0;
	written = FileWrite(w->file, (char *) data, len, w->file_size,
						WAIT_EVENT_DATA_FILE_WRITE);
	if (written != (int) len)
	{
		int			save_errno = errno ? errno : ENOSPC;

		/* leave no partial record for the next append to follow */
		(void) FileTruncate(w->file, w->file_size, WAIT_EVENT_DATA_FILE_TRUNCATE);
		w->full = true;
		errno = save_errno;
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not write to segment file \"%s\": %m", w->path)));
	}
	w->file_size += len;
	w->needs_sync = true;
}

static void
flush_writer(SegWriter *w)
{
	if (w->buf_len == 0)
		return;
	write_or_error(w, w->buf, w->buf_len);
	w->buf_len = 0;
}

/* Create a new active segment file durably; returns its segment id. */
static uint32
create_segment(SegTableState *state, const SegAppendTarget *target, char *path)
{
	uint32		segment_id = state->next_segment_id++;
	SegActiveHeader hdr;
	char		bytes[SEG_ACTIVE_HEADER_SIZE];
	char		dir[MAXPGPATH];
	File		file;

	SegFilesSegmentPath(state->dbid, state->relfilenode, segment_id,
						target->bucket, path);
	hdr.magic = SEG_ACTIVE_MAGIC;
	hdr.version = SEG_ACTIVE_VERSION;
	hdr.header_size = SEG_ACTIVE_HEADER_SIZE;
	hdr.segment_id = segment_id;
	hdr.time_type = target->time_type;
	hdr.bucket_start = target->bucket;
	hdr.bucket_end = target->bucket_end;
	hdr.created_at = GetCurrentTimestamp();
	SegActiveHeaderEncode(&hdr, bytes);

	file = PathNameOpenFile(path, O_RDWR | O_CREAT | O_EXCL | PG_BINARY);
	if (file < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not create segment file \"%s\": %m", path)));
	errno = 0;
	if (FileWrite(file, bytes, SEG_ACTIVE_HEADER_SIZE, 0,
				  WAIT_EVENT_DATA_FILE_WRITE) != SEG_ACTIVE_HEADER_SIZE)
	{
		if (errno == 0)
			errno = ENOSPC;
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not write segment file \"%s\": %m", path)));
	}
	if (FileSync(file, WAIT_EVENT_DATA_FILE_SYNC) != 0)
		ereport(data_sync_elevel(ERROR),
				(errcode_for_file_access(),
				 errmsg("could not fsync segment file \"%s\": %m", path)));
	FileClose(file);
	SegFilesTableDir(state->dbid, state->relfilenode, dir);
	SegFilesFsyncDir(dir);
	return segment_id;
}

static bool
segment_in_slots(SegTableState *state, uint32 segment_id)
{
	for (int i = 0; i < SEG_MAX_ACTIVE_SLOTS; i++)
		if (state->slots[i].segment_id == segment_id)
			return true;
	return false;
}

/* a slot for a segment not yet in the table: unused, else least recently used free one */
static int
free_slot(SegTableState *state)
{
	int			best = -1;

	for (int i = 0; i < SEG_MAX_ACTIVE_SLOTS; i++)
	{
		SegActiveSlot *slot = &state->slots[i];

		if (slot->segment_id == 0)
			return i;
		if (slot->owner_procno < 0 &&
			(best < 0 || slot->last_used < state->slots[best].last_used))
			best = i;
	}
	if (best < 0)
		ereport(ERROR,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("too many transactions are writing to this segstore table at the same time"),
				 errdetail("At most %d transactions can append to one table concurrently.",
						   SEG_MAX_ACTIVE_SLOTS)));
	return best;
}

/*
 * Pick the active segment this writer will own, with the table's shared
 * state locked.  Fills in w->slot, w->segment_id, w->path and the chunk.
 */
static void
claim_segment_locked(SegTableState *state, SegWriter *w,
					 const SegAppendTarget *target)
{
	SegActiveSlot *slot;
	int			idx = -1;

	/* 1. a free active segment of this bucket that is already known */
	for (int i = 0; i < SEG_MAX_ACTIVE_SLOTS; i++)
	{
		slot = &state->slots[i];
		if (slot->segment_id != 0 && slot->bucket == target->bucket &&
			slot->bucket_end == target->bucket_end && slot->owner_procno < 0)
		{
			idx = i;
			break;
		}
	}
	if (idx >= 0)
	{
		slot = &state->slots[idx];
		SegFilesSegmentPath(state->dbid, state->relfilenode,
							slot->segment_id, slot->bucket, w->path);
	}
	else
	{
		int			n;
		SegSegmentFile *files;
		uint32		found_id = 0;
		int64		file_bucket_end;

		/*
		 * 2. a segment of this bucket on disk that still has room.  Its
		 * bucket must also end where the row's does (segment_interval may
		 * have changed since it was created): scans and eviction rely on
		 * every row of an active segment lying inside its header's bucket.
		 */
		files = SegFilesListSegments(state->dbid, state->relfilenode, &n);
		for (int i = n - 1; i >= 0 && found_id == 0; i--)
		{
			char		sealed_path[MAXPGPATH];
			struct stat st;

			if (files[i].bucket != target->bucket ||
				segment_in_slots(state, files[i].segment_id))
				continue;
			/* sealed or evicted (or on the way): never appended to again */
			SegSealedPath(state->dbid, state->relfilenode, files[i].segment_id,
						  files[i].bucket, sealed_path);
			if (stat(sealed_path, &st) == 0)
				continue;
			SegEvictMarkerPath(state->dbid, state->relfilenode, files[i].segment_id,
							   files[i].bucket, sealed_path);
			if (stat(sealed_path, &st) == 0)
				continue;
			if (stat(files[i].path, &st) < 0 ||
				(uint64) st.st_size >= target->max_segment_size)
				continue;		/* full: never appended to again */
			if (SegActiveRepairTail(files[i].path, &file_bucket_end) < target->max_segment_size &&
				file_bucket_end == target->bucket_end)
			{
				found_id = files[i].segment_id;
				strlcpy(w->path, files[i].path, MAXPGPATH);
			}
		}
		pfree(files);

		idx = free_slot(state);
		/* 3. otherwise a new file */
		if (found_id == 0)
			found_id = create_segment(state, target, w->path);

		slot = &state->slots[idx];
		slot->segment_id = found_id;
		slot->bucket = target->bucket;
		slot->bucket_end = target->bucket_end;
		slot->next_row = 0;
		slot->chunk_end = 0;	/* continue in a fresh chunk */
	}

	slot->owner_procno = MyProc->pgprocno;
	slot->last_used = ++state->use_counter;
	w->slot = idx;
	w->segment_id = slot->segment_id;
	w->next_row = slot->next_row;
	w->chunk_end = slot->chunk_end;
}

static void
claim_segment(SegWriter *w, const SegAppendTarget *target)
{
	SegTableState *state;

	state = SegShmemLockTable(MyDatabaseId, w->key.relfilenode);
	PG_TRY();
	{
		claim_segment_locked(state, w, target);
	}
	PG_FINALLY();
	{
		SegShmemUnlockTable(state);
	}
	PG_END_TRY();

	w->file = PathNameOpenFile(w->path, O_RDWR | PG_BINARY);
	if (w->file < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open segment file \"%s\": %m", w->path)));
	w->file_size = FileSize(w->file);
	w->max_segment_size = target->max_segment_size;
	w->full = false;
	w->needs_sync = false;
	w->buf_len = 0;
}

/*
 * Give a writer's segment back to the table; closes its file.  Never
 * raises an error (it runs at commit and abort).
 */
static void
release_writer(SegWriter *w)
{
	SegTableState *state;
	SegActiveSlot *slot;

	if (w->file >= 0)
		FileClose(w->file);
	w->file = -1;

	/* an owned slot keeps its entry in place; no entry: nothing to release */
	state = SegShmemFindTable(MyDatabaseId, w->key.relfilenode);
	if (state == NULL)
		return;
	slot = &state->slots[w->slot];
	if (slot->owner_procno == MyProc->pgprocno &&
		slot->segment_id == w->segment_id)
	{
		slot->owner_procno = -1;
		slot->next_row = w->next_row;
		slot->chunk_end = w->chunk_end;
		if (w->full)
			slot->segment_id = 0;
	}
	SegShmemUnlockTable(state);
}

static void
sync_writer(SegWriter *w)
{
	flush_writer(w);
	if (w->needs_sync && FileSync(w->file, WAIT_EVENT_DATA_FILE_SYNC) != 0)
		ereport(data_sync_elevel(ERROR),
				(errcode_for_file_access(),
				 errmsg("could not fsync segment file \"%s\": %m", w->path)));
	w->needs_sync = false;
}

/* Keep at most SEG_MAX_CLAIMS_PER_TABLE segments of a table claimed. */
static void
give_back_lru_writer(Oid relfilenode)
{
	HASH_SEQ_STATUS status;
	SegWriter  *w;
	SegWriter  *lru = NULL;
	int			claimed = 0;

	hash_seq_init(&status, writers);
	while ((w = hash_seq_search(&status)) != NULL)
	{
		if (w->key.relfilenode != relfilenode || w->slot < 0)
			continue;
		claimed++;
		if (lru == NULL || w->last_use < lru->last_use)
			lru = w;
	}
	if (claimed < SEG_MAX_CLAIMS_PER_TABLE)
		return;
	sync_writer(lru);
	release_writer(lru);
	lru->slot = -1;
	if (last_writer == lru)
		last_writer = NULL;
}

/*
 * The writer for the target's (table, bucket) in this transaction,
 * claiming an active segment on first use and moving to a new one when
 * the current one is full.
 */
SegWriter *
SegActiveGetWriter(const SegAppendTarget *target)
{
	SegWriterKey key;
	SegWriter  *w;
	bool		found;

	if (last_writer != NULL &&
		last_writer->key.relfilenode == target->rel->rd_node.relNode &&
		last_writer->key.bucket == target->bucket &&
		last_writer->key.bucket_end == target->bucket_end && !last_writer->full)
		return last_writer;

	ensure_writers();
	memset(&key, 0, sizeof(key));
	key.relfilenode = target->rel->rd_node.relNode;
	key.bucket = target->bucket;
	key.bucket_end = target->bucket_end;
	w = hash_search(writers, &key, HASH_ENTER, &found);
	if (!found)
	{
		w->file = -1;
		w->buf = MemoryContextAlloc(writer_context, SEG_WRITE_BUFFER_SIZE);
		w->buf_len = 0;
		w->full = false;
		w->slot = -1;
		w->needs_sync = false;
	}
	else if (w->full && w->slot >= 0)
	{
		sync_writer(w);
		release_writer(w);
		w->slot = -1;
	}
	if (w->slot < 0)
	{
		give_back_lru_writer(w->key.relfilenode);
		/* not yet claimed: forget the entry if claiming fails */
		PG_TRY();
		{
			claim_segment(w, target);
		}
		PG_CATCH();
		{
			if (w->slot >= 0)
				release_writer(w);
			pfree(w->buf);
			hash_search(writers, &key, HASH_REMOVE, NULL);
			last_writer = NULL;
			PG_RE_THROW();
		}
		PG_END_TRY();
	}
	w->last_use = ++writer_use_counter;
	last_writer = w;
	return w;
}

/* Give the writer a fresh chunk of row numbers. */
static void
take_chunk(SegWriter *w)
{
	SegTableState *state = SegShmemLockTable(MyDatabaseId, w->key.relfilenode);

	PG_TRY();
	{
		w->next_row = SegShmemNewChunk(state, w->segment_id);
		w->chunk_end = w->next_row + SEG_CHUNK_ROWS;
	}
	PG_FINALLY();
	{
		SegShmemUnlockTable(state);
	}
	PG_END_TRY();
}

/* Write a record too big for the buffer straight to the file. */
static void
write_large_record(SegWriter *w, const SegRecordHeader *hdr, const char *payload)
{
	char		hbytes[SEG_RECORD_HEADER_SIZE];
	uint64		start = w->file_size;

	SegRecordHeaderEncode(hdr, hbytes);
	PG_TRY();
	{
		write_or_error(w, hbytes, SEG_RECORD_HEADER_SIZE);
		write_or_error(w, payload, hdr->payload_len);
	}
	PG_CATCH();
	{
		(void) FileTruncate(w->file, start, WAIT_EVENT_DATA_FILE_TRUNCATE);
		w->file_size = start;
		PG_RE_THROW();
	}
	PG_END_TRY();
}

/*
 * Append one row; returns its row number.  The record may stay in the
 * writer's buffer until a flush.
 */
uint64
SegActiveAppend(SegWriter *w, TransactionId xid, CommandId cid,
				int64 time_value, const char *payload, uint32 payload_len)
{
	SegRecordHeader hdr;
	size_t		reclen = SEG_RECORD_HEADER_SIZE + (size_t) payload_len;

	if (w->next_row >= w->chunk_end)
		take_chunk(w);

	log_xid(xid);

	hdr.payload_len = payload_len;
	hdr.row_number = w->next_row;
	hdr.xmin = xid;
	hdr.cmin = cid;
	hdr.time_value = time_value;
	SegRecordHeaderFill(&hdr, payload);

	if (w->buf_len + reclen > SEG_WRITE_BUFFER_SIZE)
		flush_writer(w);
	if (reclen > SEG_WRITE_BUFFER_SIZE)
		write_large_record(w, &hdr, payload);
	else
	{
		SegRecordHeaderEncode(&hdr, w->buf + w->buf_len);
		memcpy(w->buf + w->buf_len + SEG_RECORD_HEADER_SIZE, payload, payload_len);
		w->buf_len += reclen;
	}

	wrote_rows = true;
	if (w->file_size + w->buf_len >= w->max_segment_size)
	{
		flush_writer(w);
		w->full = true;
	}
	return w->next_row++;
}

/* Write out this backend's buffered rows of one relfilenode. */
void
SegActiveFlushRelation(Oid relfilenode)
{
	HASH_SEQ_STATUS status;
	SegWriter  *w;

	if (writers == NULL)
		return;
	hash_seq_init(&status, writers);
	while ((w = hash_seq_search(&status)) != NULL)
		if (w->key.relfilenode == relfilenode && w->slot >= 0)
			flush_writer(w);
}

/*
 * Drop this backend's writers of a relfilenode without writing their
 * buffers (its files are about to be removed).
 */
void
SegActiveDiscardRelation(Oid relfilenode)
{
	HASH_SEQ_STATUS status;
	SegWriter  *w;

	if (writers == NULL)
		return;
	hash_seq_init(&status, writers);
	while ((w = hash_seq_search(&status)) != NULL)
	{
		if (w->key.relfilenode != relfilenode)
			continue;
		w->buf_len = 0;
		w->full = true;
		if (w->slot >= 0)
			release_writer(w);
		pfree(w->buf);
		hash_search(writers, &w->key, HASH_REMOVE, NULL);
	}
	last_writer = NULL;
}

/*
 * Pre-commit: write every buffer and fsync every file this transaction
 * appended to, before the commit record is written.
 */
void
SegActivePreCommit(void)
{
	HASH_SEQ_STATUS status;
	SegWriter  *w;

	if (writers == NULL)
		return;
	hash_seq_init(&status, writers);
	while ((w = hash_seq_search(&status)) != NULL)
	{
		if (w->slot < 0)
			continue;
		flush_writer(w);
		if (w->needs_sync)
		{
			if (FileSync(w->file, WAIT_EVENT_DATA_FILE_SYNC) != 0)
				ereport(data_sync_elevel(ERROR),
						(errcode_for_file_access(),
						 errmsg("could not fsync segment file \"%s\": %m", w->path)));
			w->needs_sync = false;
		}
	}
	/*
	 * The commit record must reach disk before the commit is reported, as
	 * heap's WAL would make it (unless the user chose otherwise).
	 */
	if (wrote_rows && synchronous_commit > SYNCHRONOUS_COMMIT_OFF)
		ForceSyncCommit();
}

/*
 * Claim an active segment so that it can be sealed: false if a
 * transaction (this one included) is appending to it.  SegActiveEndSeal
 * ends the claim once the sealed file is in place; a seal that fails ends
 * it with the transaction.
 */
bool
SegActiveClaimForSeal(Oid relfilenode, uint32 segment_id, int64 bucket,
					  int64 bucket_end)
{
	SegTableState *state = SegShmemLockTable(MyDatabaseId, relfilenode);
	int			idx = -1;
	bool		claimed = false;

	PG_TRY();
	{
		for (int i = 0; i < SEG_MAX_ACTIVE_SLOTS; i++)
			if (state->slots[i].segment_id == segment_id)
				idx = i;
		if (idx >= 0 && state->slots[idx].owner_procno >= 0)
			idx = -1;			/* busy */
		else
		{
			if (idx < 0)
			{
				idx = free_slot(state);
				state->slots[idx].segment_id = segment_id;
				state->slots[idx].bucket = bucket;
				state->slots[idx].bucket_end = bucket_end;
				state->slots[idx].next_row = 0;
				state->slots[idx].chunk_end = 0;
			}
			state->slots[idx].owner_procno = MyProc->pgprocno;
			state->slots[idx].last_used = ++state->use_counter;
			claimed = true;
		}
	}
	PG_FINALLY();
	{
		SegShmemUnlockTable(state);
	}
	PG_END_TRY();

	if (claimed)
	{
		MemoryContext old;
		SegSealClaim *c;

		ensure_writers();
		old = MemoryContextSwitchTo(writer_context);
		c = palloc(sizeof(SegSealClaim));
		c->relfilenode = relfilenode;
		c->slot = idx;
		c->segment_id = segment_id;
		seal_claims = lappend(seal_claims, c);
		MemoryContextSwitchTo(old);
	}
	return claimed;
}

/*
 * A seal of this segment is complete (its .seal file is in place, so no
 * writer will pick the active file again): give the slot back at once, so
 * that one transaction can seal more segments than there are slots.
 */
void
SegActiveEndSeal(Oid relfilenode, uint32 segment_id)
{
	ListCell   *lc;

	foreach(lc, seal_claims)
	{
		SegSealClaim *c = lfirst(lc);
		SegTableState *state;

		if (c->relfilenode != relfilenode || c->segment_id != segment_id)
			continue;
		state = SegShmemFindTable(MyDatabaseId, relfilenode);
		if (state != NULL)
		{
			SegActiveSlot *slot = &state->slots[c->slot];

			if (slot->segment_id == segment_id &&
				slot->owner_procno == MyProc->pgprocno)
			{
				slot->owner_procno = -1;
				slot->segment_id = 0;
			}
			SegShmemUnlockTable(state);
		}
		seal_claims = foreach_delete_current(seal_claims, lc);
		pfree(c);
		return;
	}
}

/* Is a transaction appending to (or sealing) this segment right now? */
bool
SegActiveSegmentClaimed(Oid relfilenode, uint32 segment_id)
{
	SegTableState *state = SegShmemLockTable(MyDatabaseId, relfilenode);
	bool		claimed = false;

	for (int i = 0; i < SEG_MAX_ACTIVE_SLOTS; i++)
		if (state->slots[i].segment_id == segment_id &&
			state->slots[i].owner_procno >= 0)
			claimed = true;
	SegShmemUnlockTable(state);
	return claimed;
}

/*
 * End of transaction: give every claimed segment back and forget the
 * writers.  Unflushed rows of an aborted transaction are dropped; they
 * could never be visible.  Does not raise errors.
 */
void
SegActiveAtEOXact(bool is_commit)
{
	HASH_SEQ_STATUS status;
	SegWriter  *w;
	ListCell   *lc;

	last_writer = NULL;
	wrote_rows = false;
	logged_xid = InvalidTransactionId;
	logged_xid_lsn = InvalidXLogRecPtr;

	foreach(lc, seal_claims)
	{
		SegSealClaim *c = lfirst(lc);
		SegTableState *state = SegShmemFindTable(MyDatabaseId, c->relfilenode);
		SegActiveSlot *slot;

		if (state == NULL)
			continue;
		slot = &state->slots[c->slot];
		/* a seal that did not finish: the segment stays as it was */
		if (slot->segment_id == c->segment_id &&
			slot->owner_procno == MyProc->pgprocno)
			slot->owner_procno = -1;
		SegShmemUnlockTable(state);
	}
	seal_claims = NIL;

	if (writers != NULL)
	{
		hash_seq_init(&status, writers);
		while ((w = hash_seq_search(&status)) != NULL)
			if (w->slot >= 0)
				release_writer(w);
	}
	writers = NULL;
	if (writer_context != NULL)
		MemoryContextReset(writer_context);
}

/* ---- reading ---- */

static void
reader_read(SegActiveReader *r, char *dst, size_t len, uint64 offset)
{
	int			nread;

	nread = FileRead(r->file, dst, len, offset, WAIT_EVENT_DATA_FILE_READ);
	if (nread < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not read segment file \"%s\": %m", r->path)));
	if ((size_t) nread != len)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("could not read segment file \"%s\": read %d of %zu bytes at offset " UINT64_FORMAT,
						r->path, nread, len, offset)));
}

/* Close the reader's file (once), when closed or when its context goes. */
static void
reader_close_file(void *arg)
{
	SegActiveReader *r = (SegActiveReader *) arg;

	if (r->file >= 0)
		FileClose(r->file);
	r->file = -1;
}

/*
 * Open an active segment for reading up to its current size.  The reader
 * and its buffers live in CurrentMemoryContext.  The file must exist.  A file shorter than its header (a crash during creation)
 * reads as empty.
 */
SegActiveReader *
SegActiveReaderOpen(const char *path)
{
	SegActiveReader *r = palloc0(sizeof(SegActiveReader));
	char		hbytes[SEG_ACTIVE_HEADER_SIZE];
	const char *problem;

	r->context = CurrentMemoryContext;
	strlcpy(r->path, path, MAXPGPATH);
	r->file = PathNameOpenFile(path, O_RDONLY | PG_BINARY);
	if (r->file < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open segment file \"%s\": %m", path)));
	r->close_callback.func = reader_close_file;
	r->close_callback.arg = r;
	MemoryContextRegisterResetCallback(r->context, &r->close_callback);
	r->file_size = FileSize(r->file);
	if (r->file_size < SEG_ACTIVE_HEADER_SIZE)
	{
		r->file_size = 0;
		memset(&r->header, 0, sizeof(r->header));
		return r;
	}
	reader_read(r, hbytes, SEG_ACTIVE_HEADER_SIZE, 0);
	if (!SegActiveHeaderDecode(hbytes, &r->header, &problem))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid segment file \"%s\": %s", path, problem)));

	r->buf_cap = SEG_READ_BUFFER_SIZE;
	r->fill_size = SEG_READ_BUFFER_SIZE;
	r->buf = palloc(r->buf_cap);
	r->buf_offset = SEG_ACTIVE_HEADER_SIZE;
	r->buf_len = 0;
	r->pos = 0;
	return r;
}

/* Make buf hold at least "need" bytes from the current position. */
static void
reader_fill(SegActiveReader *r, size_t need)
{
	uint64		offset = r->buf_offset + r->pos;
	size_t		keep = r->buf_len - r->pos;
	size_t		want;

	if (need > r->buf_cap)
	{
		char	   *nbuf = MemoryContextAllocHuge(r->context, need);

		memcpy(nbuf, r->buf + r->pos, keep);
		pfree(r->buf);
		r->buf = nbuf;
		r->buf_cap = need;
	}
	else
		memmove(r->buf, r->buf + r->pos, keep);
	r->buf_offset = offset;
	r->pos = 0;
	r->buf_len = keep;

	want = Min((uint64) (r->buf_cap - keep), r->file_size - (offset + keep));
	/* random access reads little more than the record it wants */
	if (need > keep)
		want = Min(want, Max(r->fill_size, need - keep));
	else
		want = Min(want, r->fill_size);
	if (want > 0)
	{
		reader_read(r, r->buf + keep, want, offset + keep);
		r->buf_len += want;
	}
}

/* true if the file holds only zero bytes from "offset" to its end */
static bool
rest_is_zero(SegActiveReader *r, uint64 offset)
{
	char		chunk[8192];

	while (offset < r->file_size)
	{
		size_t		len = Min(sizeof(chunk), r->file_size - offset);

		reader_read(r, chunk, len, offset);
		for (size_t i = 0; i < len; i++)
			if (chunk[i] != 0)
				return false;
		offset += len;
	}
	return true;
}

/*
 * Did the transaction that wrote this (damaged) record commit?  Its
 * header may be garbage: xids that are not normal or not yet assigned
 * count as not committed.
 */
static bool
damaged_record_committed(const SegRecordHeader *hdr)
{
	TransactionId xid = hdr->xmin;

	if (!TransactionIdIsNormal(xid) ||
		TransactionIdFollowsOrEquals(xid, ReadNextTransactionId()) ||
		TransactionIdIsCurrentTransactionId(xid) ||
		TransactionIdIsInProgress(xid))
		return false;
	return TransactionIdDidCommit(xid);
}

/*
 * Next record: fills *hdr and points *payload into the reader's buffer
 * (valid until the next call).  Returns false at the end of the data.
 *
 * A damaged record (cut short, or failing its checksum) ends the data
 * when it was written by a transaction that never committed: only the
 * one transaction owning the segment at a crash appends after the last
 * complete record, and a committed transaction's records were fsynced
 * whole before its commit.  A damaged record of a committed transaction
 * is corruption and raises data_corrupted, so damage never silently
 * hides committed rows.
 */
bool
SegActiveReaderNext(SegActiveReader *r, SegRecordHeader *hdr,
					const char **payload)
{
	for (;;)
	{
		size_t		avail = r->buf_len - r->pos;
		uint64		offset = r->buf_offset + r->pos;
		bool		at_end = offset + avail >= r->file_size;
		pg_crc32c	actual = 0;
		size_t		need;

		switch (SegRecordCheck(r->buf + r->pos, avail, at_end, hdr, &actual))
		{
			case SEG_RECORD_OK:
				*payload = r->buf + r->pos + SEG_RECORD_HEADER_SIZE;
				r->pos += SEG_RECORD_HEADER_SIZE + hdr->payload_len;
				return true;
			case SEG_RECORD_END:
				if (at_end)
					return false;
				reader_fill(r, SEG_RECORD_HEADER_SIZE);
				continue;
			case SEG_RECORD_TORN:
				need = SEG_RECORD_HEADER_SIZE;
				if (avail >= SEG_RECORD_HEADER_SIZE)
					need += hdr->payload_len;
				if (at_end || offset + need > r->file_size)
				{
					/* cut short by a crash, unless it was committed */
					if (avail >= SEG_RECORD_HEADER_SIZE &&
						damaged_record_committed(hdr))
						ereport(ERROR,
								(errcode(ERRCODE_DATA_CORRUPTED),
								 errmsg("record of committed transaction %u in segment file \"%s\" at offset " UINT64_FORMAT " is cut short",
										hdr->xmin, r->path, offset),
								 errdetail("The record claims %u bytes; the file ends " UINT64_FORMAT " bytes after its header.",
										   hdr->payload_len,
										   r->file_size - offset - SEG_RECORD_HEADER_SIZE)));
					return false;
				}
				reader_fill(r, need);
				continue;
			case SEG_RECORD_CORRUPT:
				if (rest_is_zero(r, offset) || !damaged_record_committed(hdr))
					return false;
				ereport(ERROR,
						(errcode(ERRCODE_DATA_CORRUPTED),
						 errmsg("checksum mismatch in segment file \"%s\" at offset " UINT64_FORMAT,
								r->path, offset),
						 errdetail("Expected checksum %08X, computed %08X.",
								   hdr->crc, actual)));
		}
	}
}

const SegActiveHeader *
SegActiveReaderHeader(SegActiveReader *r)
{
	return &r->header;
}

uint64
SegActiveReaderFileSize(SegActiveReader *r)
{
	return r->file_size;
}

/* File offset of the record SegActiveReaderNext returns next. */
uint64
SegActiveReaderPosition(SegActiveReader *r)
{
	return r->buf_offset + r->pos;
}

/*
 * Continue at "offset", which must be a record boundary (from
 * SegActiveReaderPosition) or the end of the header.  The reader looks
 * at the file's size again, so rows appended since it opened become
 * readable.  With "random" it reads ahead little, for fetching single
 * rows.
 */
void
SegActiveReaderSeek(SegActiveReader *r, uint64 offset, bool random)
{
	if (r->file_size == 0)
		return;					/* no header: nothing to read */
	r->file_size = FileSize(r->file);
	r->fill_size = random ? 8192 : r->buf_cap;
	if (offset >= r->buf_offset && offset <= r->buf_offset + r->buf_len)
		r->pos = offset - r->buf_offset;
	else
	{
		r->buf_offset = offset;
		r->buf_len = 0;
		r->pos = 0;
	}
}

/* Close the file and free the buffer; the small struct stays until its context goes. */
void
SegActiveReaderClose(SegActiveReader *r)
{
	reader_close_file(r);
	if (r->buf)
		pfree(r->buf);
	r->buf = NULL;
}

/*
 * Cut a torn tail (left by a crash) off an active segment before it is
 * appended to again.  Caller holds the table's shared-state lock and no
 * backend owns the segment.  Returns the file's size afterwards; a file
 * too short to hold its header returns PG_UINT64_MAX so it is never reused.
 * Sets *bucket_end to the end of the segment's bucket from its header.
 */
uint64
SegActiveRepairTail(const char *path, int64 *bucket_end)
{
	SegActiveReader *r = SegActiveReaderOpen(path);
	SegRecordHeader hdr;
	const char *payload;
	uint64		valid_end;

	*bucket_end = r->header.bucket_end;
	if (r->file_size == 0)
	{
		SegActiveReaderClose(r);
		return PG_UINT64_MAX;
	}
	while (SegActiveReaderNext(r, &hdr, &payload))
		;
	valid_end = r->buf_offset + r->pos;
	if (valid_end < r->file_size)
	{
		File		file = PathNameOpenFile(path, O_RDWR | PG_BINARY);

		if (file < 0 ||
			FileTruncate(file, valid_end, WAIT_EVENT_DATA_FILE_TRUNCATE) != 0 ||
			FileSync(file, WAIT_EVENT_DATA_FILE_SYNC) != 0)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not cut torn tail of segment file \"%s\": %m", path)));
		FileClose(file);
		ereport(LOG,
				(errmsg("segstore: cut a torn record of " UINT64_FORMAT " bytes from the end of \"%s\"",
						r->file_size - valid_end, path)));
	}
	SegActiveReaderClose(r);
	return valid_end;
}
