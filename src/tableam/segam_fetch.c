/*-------------------------------------------------------------------------
 *
 * segam_fetch.c
 *	  Finding one stored row by its row number (TID), and decoding stored
 *	  rows into slots.
 *
 * NOTES
 *	  Row number -> chunk (row / SEG_CHUNK_ROWS) -> segment, through the
 *	  table's chunk log (seg_shmem.c), which records the segment each
 *	  chunk went to.  Within a segment file, row numbers only grow: a
 *	  segment's chunks are handed to one writer at a time, each new chunk
 *	  is past every earlier one, and sealing keeps file order.
 *
 *	  - A sealed segment: binary search of the block index by first and
 *	    last row, then of that one block's row numbers.  Both come from the
 *	    backend's block cache (segam_block_cache.c); on a miss the file is
 *	    opened and the block decoded into the cache.  The row is copied
 *	    out, so it stays valid whatever the cache does next.
 *	  - An active segment: a sparse index of every 32nd record's row number
 *	    and file offset, built by reading the file once and extended when
 *	    a row past its end is asked for (the file only grows); then at most
 *	    32 records are read from the nearest sample.
 *
 *	  Whether a segment is sealed, active or evicted depends on the
 *	  snapshot (the manifest is MVCC), so the segment list is read again
 *	  when the snapshot changes, and when a segment is missing from it
 *	  (created since).  A sealed segment's active file and its sealed file
 *	  hold the same rows, so either may serve a fetch.
 *
 *	  A fetcher keeps at most SEG_FETCH_OPEN_READERS files open, closing
 *	  the least recently used.  Everything lives in the fetcher's memory
 *	  context.  SegFetcherForRelation gives per-transaction fetchers for
 *	  callbacks that have no state of their own (fetching a row version
 *	  for UPDATE, row locks), dropped at transaction end.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/segstorage.h"
#include "tableam/segam.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#define SEG_FETCH_SAMPLE_EVERY	32
#define SEG_FETCH_OPEN_READERS	8

/* Sparse index of an active file: every 32nd record's row and offset. */
typedef struct ActiveIndex
{
	uint64	   *rows;
	uint64	   *offsets;
	int			nsamples;
	int			cap;
	uint64		nrecords;		/* records indexed so far */
	uint64		end_offset;		/* just past the last indexed record */
	uint64		last_row;		/* row number of the last indexed record */
} ActiveIndex;

/* One segment as the fetcher knows it. */
typedef struct FetchSegment
{
	uint32		segment_id;
	bool		sealed;
	bool		quarantined;
	const SegManifestEntry *manifest;	/* sealed: its manifest row */
	char		path[MAXPGPATH];
	SegSealedReader *sealed_reader; /* open readers, or NULL */
	SegActiveReader *active_reader;
	ActiveIndex active_index;	/* of the active file, kept when closed */
	uint64		last_used;
} FetchSegment;

struct SegFetcher
{
	Relation	rel;
	Oid			relfilenode;
	MemoryContext context;
	uint32	   *chunk_segments; /* chunk -> segment id; 0: none */
	uint64		nchunks;
	FetchSegment *segments;		/* by segment id */
	int			nsegments;
	bool		listed;			/* segments read for the snapshot below */
	Snapshot	list_snapshot;
	CommandId	list_curcid;
	TransactionId list_xmin;
	int			open_readers;
	uint64		use_counter;
	SegVisibilityCache visibility;
	Snapshot	visibility_snapshot;
	SegDeletedSet deleted;
	SegRowStorer storer;
	char	   *row_copy;		/* the last sealed row found */
	Size		row_copy_size;
	/* the cached block of the last sealed row, valid while ... */
	const SegCachedBlock *last_block;
	uint32		last_segment_id;
	uint64		last_removals;	/* ... the cache removes nothing */
};

/* ---- decoding stored rows ---- */

static void
free_decoder_zone(void *arg)
{
	SegRowDecoderFree((SegRowDecoder *) arg);
}

/* Set up a storer whose buffers live (and die) in "context". */
void
SegRowStorerInit(SegRowStorer *storer, MemoryContext context)
{
	MemoryContext old;

	memset(storer, 0, sizeof(*storer));
	storer->context = context;
	old = MemoryContextSwitchTo(context);
	SegRowDecoderInit(&storer->decoder);
	MemoryContextSwitchTo(old);
	/* the decoder's zone is malloc'd: free it with the context, errors included */
	storer->decoder_callback.func = free_decoder_zone;
	storer->decoder_callback.arg = &storer->decoder;
	MemoryContextRegisterResetCallback(context, &storer->decoder_callback);
}

/*
 * Decode a stored row into the slot as a virtual tuple, by the slot's
 * descriptor: a table rewrite reads the old rows with the descriptor they
 * were written with, while the relation already has the new one.  With
 * "attrs" (0-based, nattrs of them) only those columns are decoded; the
 * others are left NULL.  Values stay valid until the next row.
 */
void
SegRowStorerStore(SegRowStorer *storer, Relation rel, const SegStoredRow *row,
				  const int *attrs, int nattrs, TupleTableSlot *slot)
{
	TupleDesc	desc = slot->tts_tupleDescriptor;

	if (desc != storer->layout_desc)
	{
		MemoryContext old = MemoryContextSwitchTo(storer->context);

		if (storer->layout)
			pfree(storer->layout);
		storer->layout = SegRowLayoutCreate(desc);
		storer->layout_desc = desc;
		MemoryContextSwitchTo(old);
	}
	/* a projection is by the relation's descriptor, not a rewrite's */
	if (desc != RelationGetDescr(rel))
	{
		attrs = NULL;
		nattrs = 0;
	}
	if (row->block != NULL)
	{
		const SegSealedBlock *blk = row->block;
		const msgpack_object **cells = SegRowDecoderCells(&storer->decoder, blk->ncolumns);
		int			n = attrs != NULL ? nattrs : (int) blk->ncolumns;

		for (int k = 0; k < n; k++)
		{
			int			c = attrs != NULL ? attrs[k] : k;

			if (c < (int) blk->ncolumns)
				cells[c] = &blk->columns[c][row->index];
		}
		SegRowDecodeCells(&storer->decoder, storer->layout, desc, attrs, nattrs,
						  cells, (int) blk->ncolumns,
						  slot->tts_values, slot->tts_isnull);
	}
	else if (!SegRowDecode(&storer->decoder, storer->layout, desc, attrs, nattrs,
						   row->payload, row->payload_len,
						   slot->tts_values, slot->tts_isnull))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid row " UINT64_FORMAT " in segment file \"%s\"",
						row->row_number, row->path),
				 errdetail("The row is not a MessagePack array.")));
	SegRowNumberToTid(row->row_number, &slot->tts_tid);
	slot->tts_tableOid = RelationGetRelid(rel);
	ExecStoreVirtualTuple(slot);
	SegSlotSetVersion(slot, row->xmin, row->cmin);
}

/* ---- reading stored rows ---- */

static void
row_from_record(const SegRecordHeader *hdr, const char *payload,
				const char *path, SegStoredRow *row)
{
	row->row_number = hdr->row_number;
	row->xmin = hdr->xmin;
	row->cmin = hdr->cmin;
	row->payload = payload;
	row->payload_len = hdr->payload_len;
	row->block = NULL;
	row->index = 0;
	row->path = path;
}

/*
 * The next row of a segment's reader, active or sealed (the other one is
 * NULL; "manifest" is the sealed segment's manifest entry), visible or
 * not; false at the segment's end.
 */
bool
SegReadNextStored(SegActiveReader *active, SegSealedReader *sealed,
				  const SegManifestEntry *manifest, const char *path,
				  SegStoredRow *row)
{
	if (active != NULL)
	{
		SegRecordHeader hdr;
		const char *payload;

		if (!SegActiveReaderNext(active, &hdr, &payload))
			return false;
		row_from_record(&hdr, payload, path, row);
	}
	else
	{
		SegSealedRow srow;

		if (!SegSealedReaderNext(sealed, &srow))
			return false;
		row->row_number = srow.row_number;
		row->xmin = srow.xmin;
		row->cmin = srow.cmin;
		SegManifestRowVersion(manifest, row->row_number, &row->xmin, &row->cmin);
		row->payload = NULL;
		row->payload_len = 0;
		row->block = srow.block;
		row->index = srow.index;
		row->path = path;
	}
	return true;
}

/* ---- the fetcher ---- */

/* A fetcher for rel, in a memory context of its own under the current one. */
SegFetcher *
SegFetcherCreate(Relation rel)
{
	MemoryContext context = AllocSetContextCreate(CurrentMemoryContext,
												  "segstore fetch",
												  ALLOCSET_DEFAULT_SIZES);
	SegFetcher *f = MemoryContextAllocZero(context, sizeof(SegFetcher));

	f->rel = rel;
	f->relfilenode = rel->rd_node.relNode;
	f->context = context;
	f->visibility.xid = InvalidTransactionId;
	SegDeletedSetInit(&f->deleted, f->relfilenode, context);
	SegRowStorerInit(&f->storer, context);
	return f;
}

static void
close_readers(FetchSegment *fs, SegFetcher *f)
{
	if (fs->sealed_reader != NULL)
	{
		SegSealedReaderClose(fs->sealed_reader);
		fs->sealed_reader = NULL;
		f->open_readers--;
	}
	if (fs->active_reader != NULL)
	{
		SegActiveReaderClose(fs->active_reader);
		fs->active_reader = NULL;
		f->open_readers--;
	}
}

/* Close every file and free everything. */
void
SegFetcherEnd(SegFetcher *f)
{
	for (int i = 0; i < f->nsegments; i++)
		close_readers(&f->segments[i], f);
	MemoryContextDelete(f->context);
}

/* Read the chunk log again: chunks handed out since are now known. */
static void
load_chunks(SegFetcher *f)
{
	MemoryContext old = MemoryContextSwitchTo(f->context);

	if (f->chunk_segments != NULL)
		pfree(f->chunk_segments);
	f->chunk_segments = SegShmemReadChunkLog(MyDatabaseId, f->relfilenode,
											 &f->nchunks);
	MemoryContextSwitchTo(old);
}

/*
 * Read the segment list as "snapshot" sees it, keeping what is known of
 * segments that stay (open readers, active indexes).
 */
static void
load_segments(SegFetcher *f, Snapshot snapshot)
{
	MemoryContext old = MemoryContextSwitchTo(f->context);
	int			n;
	SegScanSegment *list = SegSealScanList(f->rel, snapshot, &n);
	FetchSegment *segments = palloc0(sizeof(FetchSegment) * Max(n, 1));
	int			j = 0;

	/* both lists are ordered by segment id */
	for (int i = 0; i < n; i++)
	{
		FetchSegment *fs = &segments[i];

		while (j < f->nsegments && f->segments[j].segment_id < list[i].segment_id)
			close_readers(&f->segments[j++], f);
		if (j < f->nsegments && f->segments[j].segment_id == list[i].segment_id)
		{
			*fs = f->segments[j++];
			if (fs->sealed != list[i].sealed)
				close_readers(fs, f);
		}
		fs->segment_id = list[i].segment_id;
		fs->sealed = list[i].sealed;
		fs->quarantined = list[i].quarantined;
		fs->manifest = list[i].manifest;
		strlcpy(fs->path, list[i].path, MAXPGPATH);
	}
	while (j < f->nsegments)
		close_readers(&f->segments[j++], f);
	if (f->segments != NULL)
		pfree(f->segments);
	f->segments = segments;
	f->nsegments = n;
	f->listed = true;
	f->list_snapshot = snapshot;
	f->list_curcid = snapshot ? snapshot->curcid : InvalidCommandId;
	f->list_xmin = snapshot ? snapshot->xmin : InvalidTransactionId;
	MemoryContextSwitchTo(old);
}

static FetchSegment *
find_segment(SegFetcher *f, uint32 segment_id)
{
	int			lo = 0;
	int			hi = f->nsegments - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (f->segments[mid].segment_id == segment_id)
			return &f->segments[mid];
		if (f->segments[mid].segment_id < segment_id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

/* Make room for one more open file by closing the least recently used. */
static void
make_room(SegFetcher *f)
{
	FetchSegment *oldest = NULL;

	if (f->open_readers < SEG_FETCH_OPEN_READERS)
		return;
	for (int i = 0; i < f->nsegments; i++)
	{
		FetchSegment *fs = &f->segments[i];

		if ((fs->sealed_reader != NULL || fs->active_reader != NULL) &&
			(oldest == NULL || fs->last_used < oldest->last_used))
			oldest = fs;
	}
	if (oldest != NULL)
		close_readers(oldest, f);
}

/* Open the sealed file of fs if it is not open. */
static SegSealedReader *
open_sealed(SegFetcher *f, FetchSegment *fs)
{
	if (fs->sealed_reader == NULL)
	{
		MemoryContext old;

		make_room(f);
		old = MemoryContextSwitchTo(f->context);
		fs->sealed_reader = SegSealedReaderOpen(fs->path);
		MemoryContextSwitchTo(old);
		f->open_readers++;
	}
	return fs->sealed_reader;
}

/*
 * Position of row_number in a cached block, or -1.  Most blocks hold
 * consecutive row numbers, where the offset from the first row is the
 * position: one memory access instead of a binary search's dozen.
 */
static int64
cached_row_position(const SegCachedBlock *cached, uint64 row_number)
{
	uint64		first = cached->rows[0];

	if (row_number >= first && row_number - first < cached->nrows &&
		cached->rows[row_number - first] == row_number)
		return (int64) (row_number - first);
	return SegRowNumberSearch(cached->rows, cached->nrows, row_number);
}

/*
 * Find a row of a sealed segment through the backend's block cache,
 * decoding its block into the cache on a miss.
 */
static bool
find_in_sealed(SegFetcher *f, FetchSegment *fs, uint64 row_number,
			   SegStoredRow *row)
{
	const SegCachedIndex *index;
	const SegCachedBlock *cached;
	int			lo;
	int			hi;
	int			block = -1;
	int64		position;
	uint32		start;
	uint32		len;

	/* rows fetched in order mostly stay in the block of the last one */
	cached = f->last_block;
	if (cached != NULL && f->last_segment_id == fs->segment_id &&
		f->last_removals == SegBlockCacheRemovals() &&
		row_number >= cached->rows[0] && row_number <= cached->rows[cached->nrows - 1])
		position = cached_row_position(cached, row_number);
	else
	{
		index = SegBlockCacheIndex(f->relfilenode, fs->manifest);
		if (index == NULL)
			index = SegBlockCachePutIndex(f->relfilenode, fs->manifest,
										  SegSealedReaderFile(open_sealed(f, fs)));
		lo = 0;
		hi = (int) index->nblocks - 1;
		while (lo <= hi)
		{
			int			mid = lo + (hi - lo) / 2;

			if (row_number < index->first_rows[mid])
				hi = mid - 1;
			else if (row_number > index->last_rows[mid])
				lo = mid + 1;
			else
			{
				block = mid;
				break;
			}
		}
		if (block < 0)
			return false;

		cached = SegBlockCacheGet(f->relfilenode, fs->segment_id, (uint32) block);
		if (cached == NULL)
		{
			const SegSealedBlock *blk = SegSealedReaderLoadBlock(open_sealed(f, fs),
																 (uint32) block);

			cached = SegBlockCachePut(f->relfilenode, fs->segment_id, (uint32) block, blk);
		}
		f->last_block = cached;
		f->last_segment_id = fs->segment_id;
		f->last_removals = SegBlockCacheRemovals();
		position = cached_row_position(cached, row_number);
	}
	if (position < 0)
		return false;

	/* a copy, so that the row outlives the cache entry */
	start = position > 0 ? cached->ends[position - 1] : 0;
	len = cached->ends[position] - start;
	if (len > f->row_copy_size)
	{
		f->row_copy_size = Max(len, 2 * f->row_copy_size);
		f->row_copy = f->row_copy ? repalloc_huge(f->row_copy, f->row_copy_size) :
			MemoryContextAllocExtended(f->context, f->row_copy_size, MCXT_ALLOC_HUGE);
	}
	memcpy(f->row_copy, cached->payload + start, len);

	row->row_number = row_number;
	row->xmin = (TransactionId) cached->xmins[position];
	row->cmin = (CommandId) cached->cmins[position];
	SegManifestRowVersion(fs->manifest, row_number, &row->xmin, &row->cmin);
	row->payload = f->row_copy;
	row->payload_len = len;
	row->block = NULL;
	row->index = 0;
	row->path = fs->path;
	return true;
}

/* Index the records appended to an active file since we last looked. */
static void
extend_active_index(SegFetcher *f, FetchSegment *fs)
{
	ActiveIndex *idx = &fs->active_index;
	SegRecordHeader hdr;
	const char *payload;

	if (idx->end_offset == 0)
		idx->end_offset = SEG_ACTIVE_HEADER_SIZE;
	SegActiveReaderSeek(fs->active_reader, idx->end_offset, false);
	for (;;)
	{
		uint64		offset = SegActiveReaderPosition(fs->active_reader);

		if (!SegActiveReaderNext(fs->active_reader, &hdr, &payload))
			break;
		if (idx->nrecords % SEG_FETCH_SAMPLE_EVERY == 0)
		{
			if (idx->nsamples == idx->cap)
			{
				MemoryContext old = MemoryContextSwitchTo(f->context);

				idx->cap = Max(64, idx->cap * 2);
				idx->rows = idx->rows ? repalloc_huge(idx->rows, sizeof(uint64) * idx->cap) :
					palloc(sizeof(uint64) * idx->cap);
				idx->offsets = idx->offsets ? repalloc_huge(idx->offsets, sizeof(uint64) * idx->cap) :
					palloc(sizeof(uint64) * idx->cap);
				MemoryContextSwitchTo(old);
			}
			idx->rows[idx->nsamples] = hdr.row_number;
			idx->offsets[idx->nsamples] = offset;
			idx->nsamples++;
		}
		idx->nrecords++;
		idx->last_row = hdr.row_number;
		idx->end_offset = SegActiveReaderPosition(fs->active_reader);
	}
}

static bool
find_in_active(SegFetcher *f, FetchSegment *fs, uint64 row_number,
			   SegStoredRow *row)
{
	ActiveIndex *idx = &fs->active_index;
	SegRecordHeader hdr;
	const char *payload;
	int			lo;
	int			hi;
	int			sample = -1;

	if (fs->active_reader == NULL)
	{
		MemoryContext old;

		make_room(f);
		old = MemoryContextSwitchTo(f->context);
		fs->active_reader = SegActiveReaderOpen(fs->path);
		MemoryContextSwitchTo(old);
		f->open_readers++;
	}
	if (idx->nrecords == 0 || row_number > idx->last_row)
		extend_active_index(f, fs);
	if (idx->nrecords == 0 || row_number > idx->last_row)
		return false;

	/* the last sample at or before the row */
	lo = 0;
	hi = idx->nsamples - 1;
	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (idx->rows[mid] <= row_number)
		{
			sample = mid;
			lo = mid + 1;
		}
		else
			hi = mid - 1;
	}
	if (sample < 0)
		return false;
	SegActiveReaderSeek(fs->active_reader, idx->offsets[sample], true);
	while (SegActiveReaderPosition(fs->active_reader) < idx->end_offset &&
		   SegActiveReaderNext(fs->active_reader, &hdr, &payload))
	{
		if (hdr.row_number < row_number)
			continue;
		if (hdr.row_number > row_number)
			break;
		row_from_record(&hdr, payload, fs->path, row);
		return true;
	}
	return false;
}

/*
 * Find the stored row with this number, visible or not, in the segments
 * "snapshot" can read.  False if no such row exists there (never written,
 * cut off by a crash, evicted, or in a quarantined segment).  The row
 * stays valid until the fetcher's next call.
 */
bool
SegFetcherFind(SegFetcher *f, uint64 row_number, Snapshot snapshot,
			   SegStoredRow *row)
{
	uint64		chunk = row_number / SEG_CHUNK_ROWS;
	uint32		segment_id;
	FetchSegment *fs;
	bool		found;

	if (chunk >= f->nchunks)
	{
		/* our own buffered rows must be in the files to be found */
		SegActiveFlushRelation(f->relfilenode);
		load_chunks(f);
		if (chunk >= f->nchunks)
			return false;
	}
	segment_id = f->chunk_segments[chunk];
	if (segment_id == 0)
		return false;

	if (!f->listed ||
		(snapshot != NULL && snapshot->snapshot_type == SNAPSHOT_MVCC &&
		 (f->list_snapshot != snapshot || f->list_curcid != snapshot->curcid ||
		  f->list_xmin != snapshot->xmin)))
		load_segments(f, snapshot);
	fs = find_segment(f, segment_id);
	if (fs == NULL)
	{
		load_segments(f, snapshot);
		fs = find_segment(f, segment_id);
		if (fs == NULL)
			return false;
	}
	if (fs->quarantined)
	{
		ereport(WARNING,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("skipping quarantined segment file \"%s\"", fs->path)));
		return false;
	}
	fs->last_used = ++f->use_counter;
	if (fs->sealed)
		return find_in_sealed(f, fs, row_number, row);

	found = find_in_active(f, fs, row_number, row);
	if (!found)
	{
		/* maybe one of our own rows is still in the write buffer */
		SegActiveFlushRelation(f->relfilenode);
		found = find_in_active(f, fs, row_number, row);
	}
	return found;
}

/*
 * Find the row at "tid" if "snapshot" sees it (deletions included); the
 * deletions the snapshot sees are loaded once per snapshot.
 */
static bool
find_visible(SegFetcher *f, ItemPointer tid, Snapshot snapshot,
			 SegStoredRow *row)
{
	if (!ItemPointerIsValid(tid) ||
		ItemPointerGetOffsetNumberNoCheck(tid) > MaxHeapTuplesPerPage)
		return false;
	if (!SegFetcherFind(f, SegTidToRowNumber(tid), snapshot, row))
		return false;
	if (f->visibility_snapshot != snapshot)
	{
		f->visibility.xid = InvalidTransactionId;
		f->visibility_snapshot = snapshot;
	}
	return SegRowSatisfies(row->row_number, row->xmin, row->cmin, snapshot,
						   &f->visibility, &f->deleted);
}

/* Does "snapshot" see the row at "tid" (deletions included)? */
bool
SegFetcherVisible(SegFetcher *f, ItemPointer tid, Snapshot snapshot)
{
	SegStoredRow row;

	return find_visible(f, tid, snapshot, &row);
}

/*
 * Fetch the row at "tid" into the slot if "snapshot" sees it (deletions
 * included).  False, with the slot cleared, if not.
 */
bool
SegFetcherFetch(SegFetcher *f, ItemPointer tid, Snapshot snapshot,
				TupleTableSlot *slot)
{
	SegStoredRow row;

	ExecClearTuple(slot);
	if (!find_visible(f, tid, snapshot, &row))
		return false;
	SegRowStorerStore(&f->storer, f->rel, &row, NULL, 0, slot);
	return true;
}

/* ---- per-transaction fetchers ---- */

typedef struct FetcherEntry
{
	Oid			relid;			/* hash key */
	Oid			relfilenode;
	SegFetcher *fetcher;
} FetcherEntry;

static HTAB *xact_fetchers = NULL;

/*
 * A fetcher for rel that lives until the end of the transaction, for
 * callbacks without state of their own.  It must not be ended.
 */
SegFetcher *
SegFetcherForRelation(Relation rel)
{
	FetcherEntry *entry;
	bool		found;
	Oid			relid = RelationGetRelid(rel);

	if (xact_fetchers == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(FetcherEntry);
		ctl.hcxt = TopTransactionContext;
		xact_fetchers = hash_create("segstore fetchers", 16, &ctl,
									HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	entry = hash_search(xact_fetchers, &relid, HASH_ENTER, &found);
	if (found && entry->fetcher != NULL &&
		entry->relfilenode != rel->rd_node.relNode)
	{
		SegFetcherEnd(entry->fetcher);
		entry->fetcher = NULL;
	}
	if (found && entry->fetcher == NULL)
		found = false;			/* a rewrite, or creating it failed */
	if (!found)
	{
		MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);

		entry->fetcher = NULL;
		entry->relfilenode = rel->rd_node.relNode;
		entry->fetcher = SegFetcherCreate(rel);
		MemoryContextSwitchTo(old);
	}
	/* the relcache entry may have been rebuilt since */
	entry->fetcher->rel = rel;
	return entry->fetcher;
}

/* Forget the per-transaction fetchers; their memory goes with the transaction. */
void
SegFetchAtEOXact(void)
{
	xact_fetchers = NULL;
}
