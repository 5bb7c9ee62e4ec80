/*-------------------------------------------------------------------------
 *
 * segam_block_cache.c
 *	  A backend-local cache of sealed blocks decoded for fetches by TID.
 *
 * NOTES
 *	  Fetching one row of a sealed segment means verifying, decompressing
 *	  and unpacking the whole block it is in: about 0.1 ms for a 32 kB
 *	  block, 0.5 ms for a 256 kB one.  Index scans and nested loops fetch rows of the same blocks
 *	  again and again, from statement to statement, so the fetcher keeps
 *	  what it decoded here, in a form that costs little memory and little
 *	  work per row:
 *
 *	  - a segment's block index: first and last row number of each block,
 *	    so that a cached fetch never needs the file opened;
 *	  - a block: its row numbers, xmins and cmins, and each row packed
 *	    again as one MessagePack array (the form an active file stores),
 *	    so that one row decodes without touching the rest of the block.
 *	    That is about the block's raw size plus 20 bytes per row.
 *
 *	  Sealed files never change and segment ids are never reused within
 *	  a relfilenode, so entries are keyed by (relfilenode, segment id,
 *	  block) and never go stale.  To be safe against a relfilenode that a
 *	  dropped table's successor reuses, a segment's index entry records
 *	  the manifest's sizes and row count and is dropped, with its blocks,
 *	  when they differ.  Rows of segments that were evicted or quarantined
 *	  since stay cached until pushed out, but are never asked for: the
 *	  fetcher consults the manifest before the cache.
 *
 *	  The cache holds at most segstore.fetch_cache_size bytes, least
 *	  recently used entries leaving first; it always keeps the entry just
 *	  added, so a size of 0 caches one block.  It lives in its own memory
 *	  context under TopMemoryContext and is shared by every fetcher of the
 *	  backend; it needs no locks.  An entry is only entered once fully
 *	  built, so an error while decoding leaves nothing half made; pointers
 *	  returned stay valid until an entry is removed, which the count of
 *	  removals (SegBlockCacheRemovals) tells a caller that keeps one.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/ilist.h"
#include "tableam/segam.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

/* the block number of a segment's index entry */
#define INDEX_ENTRY_BLOCK	PG_UINT32_MAX

int			segstore_fetch_cache_size = 65536;	/* kB */

typedef struct CacheKey
{
	Oid			relfilenode;
	uint32		segment_id;
	uint32		block;			/* INDEX_ENTRY_BLOCK: the block index */
} CacheKey;

typedef struct CacheEntry
{
	CacheKey	key;			/* hash key */
	dlist_node	lru;			/* most recently used first */
	Size		bytes;			/* memory it holds */
	union
	{
		SegCachedIndex *index;
		SegCachedBlock *block;
	}			data;
} CacheEntry;

static MemoryContext cache_context = NULL;
static HTAB *cache_entries = NULL;
static dlist_head cache_lru = DLIST_STATIC_INIT(cache_lru);
static Size cache_bytes = 0;
static uint64 cache_removals = 0;	/* see SegBlockCacheRemovals */
static msgpack_sbuffer pack_buffer;	/* reused while packing a block's rows */

static void
cache_init(void)
{
	HASHCTL		ctl;

	if (cache_entries != NULL)
		return;
	cache_context = AllocSetContextCreate(TopMemoryContext,
										  "segstore block cache",
										  ALLOCSET_DEFAULT_SIZES);
	ctl.keysize = sizeof(CacheKey);
	ctl.entrysize = sizeof(CacheEntry);
	ctl.hcxt = cache_context;
	cache_entries = hash_create("segstore block cache", 256, &ctl,
								HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	memset(&pack_buffer, 0, sizeof(pack_buffer));
}

static void
remove_entry(CacheEntry *entry)
{
	CacheKey	key = entry->key;

	dlist_delete(&entry->lru);
	cache_bytes -= entry->bytes;
	cache_removals++;
	pfree(entry->data.block);	/* either kind is one allocation */
	hash_search(cache_entries, &key, HASH_REMOVE, NULL);
}

static CacheEntry *
lookup(Oid relfilenode, uint32 segment_id, uint32 block)
{
	CacheKey	key;
	CacheEntry *entry;

	cache_init();
	memset(&key, 0, sizeof(key));
	key.relfilenode = relfilenode;
	key.segment_id = segment_id;
	key.block = block;
	entry = hash_search(cache_entries, &key, HASH_FIND, NULL);
	if (entry != NULL)
		dlist_move_head(&cache_lru, &entry->lru);
	return entry;
}

/*
 * Enter "data" (one allocation in cache_context of "bytes") under the
 * key, first pushing out least recently used entries to stay in budget.
 */
static void
insert(Oid relfilenode, uint32 segment_id, uint32 block, void *data, Size bytes)
{
	Size		limit = (Size) segstore_fetch_cache_size * 1024;
	CacheKey	key;
	CacheEntry *entry;
	bool		found;

	while (!dlist_is_empty(&cache_lru) && cache_bytes + bytes > limit)
		remove_entry(dlist_tail_element(CacheEntry, lru, &cache_lru));

	memset(&key, 0, sizeof(key));
	key.relfilenode = relfilenode;
	key.segment_id = segment_id;
	key.block = block;
	entry = hash_search(cache_entries, &key, HASH_ENTER, &found);
	Assert(!found);
	entry->data.block = data;
	entry->bytes = bytes;
	dlist_push_head(&cache_lru, &entry->lru);
	cache_bytes += bytes;
}

static bool
index_matches(const SegCachedIndex *index, const SegManifestEntry *manifest)
{
	return index->bytes == manifest->bytes &&
		index->raw_bytes == manifest->raw_bytes &&
		index->row_count == manifest->row_count;
}

/*
 * The cached block index of a sealed segment ("manifest" is its row), or
 * NULL if not cached.
 */
const SegCachedIndex *
SegBlockCacheIndex(Oid relfilenode, const SegManifestEntry *manifest)
{
	CacheEntry *entry = lookup(relfilenode, manifest->segment_id,
							   INDEX_ENTRY_BLOCK);

	if (entry == NULL)
		return NULL;
	if (!index_matches(entry->data.index, manifest))
	{
		/* another table's segment under a reused relfilenode */
		uint32		nblocks = entry->data.index->nblocks;

		remove_entry(entry);
		for (uint32 b = 0; b < nblocks; b++)
		{
			entry = lookup(relfilenode, manifest->segment_id, b);
			if (entry != NULL)
				remove_entry(entry);
		}
		return NULL;
	}
	return entry->data.index;
}

/* Cache the block index of an opened sealed file and return it. */
const SegCachedIndex *
SegBlockCachePutIndex(Oid relfilenode, const SegManifestEntry *manifest,
					  const SegSealedFile *file)
{
	SegCachedIndex *index;
	Size		bytes;

	cache_init();
	bytes = MAXALIGN(sizeof(SegCachedIndex)) + sizeof(uint64) * 2 * file->nblocks;
	index = MemoryContextAllocExtended(cache_context, bytes, MCXT_ALLOC_HUGE);
	index->nblocks = file->nblocks;
	index->bytes = manifest->bytes;
	index->raw_bytes = manifest->raw_bytes;
	index->row_count = manifest->row_count;
	index->first_rows = (uint64 *) ((char *) index + MAXALIGN(sizeof(SegCachedIndex)));
	index->last_rows = index->first_rows + file->nblocks;
	for (uint32 b = 0; b < file->nblocks; b++)
	{
		index->first_rows[b] = file->index[b].first_row;
		index->last_rows[b] = file->index[b].last_row;
	}
	insert(relfilenode, manifest->segment_id, INDEX_ENTRY_BLOCK, index, bytes);
	return index;
}

/*
 * How many entries were ever removed: a pointer into the cache stays
 * valid while this does not change.
 */
uint64
SegBlockCacheRemovals(void)
{
	return cache_removals;
}

/* A cached block, or NULL. */
const SegCachedBlock *
SegBlockCacheGet(Oid relfilenode, uint32 segment_id, uint32 block)
{
	CacheEntry *entry = lookup(relfilenode, segment_id, block);

	return entry != NULL ? entry->data.block : NULL;
}

/*
 * Cache a block decoded with every column (blk) and return it: its rows
 * are packed again one by one.
 */
const SegCachedBlock *
SegBlockCachePut(Oid relfilenode, uint32 segment_id, uint32 block,
				 const SegSealedBlock *blk)
{
	SegCachedBlock *cached;
	msgpack_packer pk;
	uint32	   *ends;
	Size		arrays;
	Size		bytes;
	char	   *p;
	MemoryContext old;

	cache_init();
	old = MemoryContextSwitchTo(cache_context);
	ends = palloc(sizeof(uint32) * Max(blk->nrows, 1));
	pack_buffer.size = 0;
	msgpack_packer_init(&pk, &pack_buffer, SegSbufferAppend);
	for (uint32 i = 0; i < blk->nrows; i++)
	{
		msgpack_pack_array(&pk, blk->ncolumns);
		for (uint32 c = 0; c < blk->ncolumns; c++)
			msgpack_pack_object(&pk, blk->columns[c][i]);
		ends[i] = (uint32) pack_buffer.size;
	}

	arrays = MAXALIGN(sizeof(SegCachedBlock)) +
		(sizeof(uint64) + sizeof(uint32) * 3) * blk->nrows;
	bytes = arrays + pack_buffer.size;
	cached = MemoryContextAllocExtended(cache_context, bytes, MCXT_ALLOC_HUGE);
	p = (char *) cached + MAXALIGN(sizeof(SegCachedBlock));
	cached->nrows = blk->nrows;
	cached->rows = (uint64 *) p;
	p += sizeof(uint64) * blk->nrows;
	cached->xmins = (uint32 *) p;
	p += sizeof(uint32) * blk->nrows;
	cached->cmins = (uint32 *) p;
	p += sizeof(uint32) * blk->nrows;
	cached->ends = (uint32 *) p;
	p += sizeof(uint32) * blk->nrows;
	cached->payload = p;
	memcpy(cached->rows, blk->rows, sizeof(uint64) * blk->nrows);
	memcpy(cached->xmins, blk->xmins, sizeof(uint32) * blk->nrows);
	memcpy(cached->cmins, blk->cmins, sizeof(uint32) * blk->nrows);
	memcpy(cached->ends, ends, sizeof(uint32) * blk->nrows);
	memcpy(cached->payload, pack_buffer.data, pack_buffer.size);
	pfree(ends);
	MemoryContextSwitchTo(old);

	insert(relfilenode, segment_id, block, cached, bytes);
	return cached;
}
