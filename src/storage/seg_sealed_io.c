/*-------------------------------------------------------------------------
 *
 * seg_sealed_io.c
 *	  Writing sealed segment files and reading them through mmap.
 *
 * NOTES
 *	  A sealed file is written once, under a temporary name, fsynced,
 *	  renamed into place and its directory fsynced; it is never modified
 *	  afterwards.  Readers map the whole file read-only and decompress one
 *	  block at a time into a buffer they reuse, so a scan's memory does not
 *	  grow with the segment.  The mapping is released when the reader is
 *	  closed or its memory context goes away (errors included).
 *
 *	  Corruption (bad footer, header, index or block checksum, or a block
 *	  that does not decode) raises ERRCODE_DATA_CORRUPTED naming the file
 *	  and the block.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access/transam.h"
#include "pgstat.h"
#include "segstore.h"
#include "storage/fd.h"
#include "storage/segstorage.h"
#include "utils/memutils.h"

struct SegSealedReader
{
	char		path[MAXPGPATH];
	char	   *map;
	size_t		map_size;
	SegSealedFile file;
	SegSealedBlock block;
	bool		block_valid;
	uint32		next_block;
	uint32		next_row;		/* within the decoded block */
	const bool *wanted_columns; /* NULL: decode every column */
	int			nwanted;
	SegTimeRangeFilter block_filter;	/* NULL: read every block */
	void	   *block_filter_arg;
	uint32		blocks_read;
	uint32		blocks_skipped;
	bool		closed;
	MemoryContext context;		/* where the reader lives */
	MemoryContext block_context;	/* where the block's buffers live */
	bool		has_spare_block;	/* "block" is the backend's spare */
	MemoryContextCallback unmap_callback;
};

/*
 * The backend keeps one block workspace (zstd context, MessagePack zone,
 * buffers of a block's size) for its next reader: a query reading one
 * block, or a scan going from segment to segment, would otherwise
 * allocate, fault in and free about a megabyte each time (a fifth of a
 * one-hour range query).  Its buffers live in spare_block_context; the
 * reader holding it gives it back when it is closed, error or not.
 */
static SegSealedBlock spare_block;
static bool spare_block_available = false;
static MemoryContext spare_block_context = NULL;

/* ---- writing ---- */

typedef struct SealedWriteTarget
{
	File		file;
	const char *path;
	uint64		offset;
} SealedWriteTarget;

static void
write_to_file(void *arg, const char *data, size_t len)
{
	SealedWriteTarget *t = (SealedWriteTarget *) arg;

	errno = 0;
	if (FileWrite(t->file, (char *) data, len, t->offset,
				  WAIT_EVENT_DATA_FILE_WRITE) != (int) len)
	{
		if (errno == 0)
			errno = ENOSPC;
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not write sealed segment file \"%s\": %m", t->path)));
	}
	t->offset += len;
}

/*
 * Write the sealed version of an active segment to "sealed_path": every
 * row of "reader" for which keep_row() says yes, in file order.  The file
 * is complete and durable (fsynced, renamed, directory fsynced) when this
 * returns.  Fills *result with what the manifest records.
 */
void
SegSealedWrite(SegActiveReader *reader, const char *sealed_path,
			   const SegSealedHeader *header_template,
			   const uint32 *att_types, const int16 *att_lens,
			   SegSealKeep (*keep_row) (const SegRecordHeader *hdr),
			   SegManifestEntry *result)
{
	FullTransactionId next_xid = ReadNextFullTransactionId();
	TransactionId oldest_xmin = InvalidTransactionId;
	TransactionId newest_xmin = InvalidTransactionId;
	char		tmp_path[MAXPGPATH];
	char		dir[MAXPGPATH];
	SealedWriteTarget target;
	SegSealedBuilder *builder;
	const SegSealedHeader *final;
	SegRecordHeader rec;
	const char *payload;
	uint64		file_size;
	uint64		raw_bytes;
	SegSealedHeader final_copy;
	char	   *hbytes;
	char	   *slash;

	snprintf(tmp_path, MAXPGPATH, "%s.tmp", sealed_path);
	target.path = tmp_path;
	target.offset = 0;
	target.file = PathNameOpenFile(tmp_path, O_RDWR | O_CREAT | O_TRUNC | PG_BINARY);
	if (target.file < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not create file \"%s\": %m", tmp_path)));

	result->row_count = 0;
	builder = SegSealedBuilderCreate(header_template, att_types, att_lens,
									 write_to_file, &target);
	SegPausePoint("partial");
	while (SegActiveReaderNext(reader, &rec, &payload))
	{
		SegSealKeep keep;

		CHECK_FOR_INTERRUPTS();
		keep = keep_row(&rec);
		if (keep == SEG_SEAL_DROP)
			continue;
		if (keep == SEG_SEAL_KEEP_PENDING)
			result->pending_rows = true;
		if (result->row_count == 0 || TransactionIdPrecedes(rec.xmin, oldest_xmin))
			oldest_xmin = rec.xmin;
		if (result->row_count == 0 || TransactionIdFollows(rec.xmin, newest_xmin))
			newest_xmin = rec.xmin;
		if (result->row_count == 0 || rec.time_value < result->min_time)
			result->min_time = rec.time_value;
		if (result->row_count == 0 || rec.time_value > result->max_time)
			result->max_time = rec.time_value;
		result->row_count++;
		SegSealedBuilderAddRow(builder, rec.row_number, rec.xmin, rec.cmin,
							   rec.time_value, payload, rec.payload_len);
	}
	final = SegSealedBuilderFinish(builder, &file_size, &raw_bytes);
	final_copy = *final;

	/* the header now knows the row count: write it again in place */
	hbytes = palloc(final_copy.header_size);
	SegSealedHeaderEncode(&final_copy, att_types, att_lens, hbytes);
	target.offset = 0;
	write_to_file(&target, hbytes, final_copy.header_size);
	pfree(hbytes);

	if (FileSync(target.file, WAIT_EVENT_DATA_FILE_SYNC) != 0)
		ereport(data_sync_elevel(ERROR),
				(errcode_for_file_access(),
				 errmsg("could not fsync file \"%s\": %m", tmp_path)));
	FileClose(target.file);

	SegPausePoint("written");
	if (durable_rename(tmp_path, sealed_path, ERROR) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not rename \"%s\" to \"%s\": %m", tmp_path, sealed_path)));
	strlcpy(dir, sealed_path, MAXPGPATH);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	SegFilesFsyncDir(dir);

	result->raw_bytes = raw_bytes;
	result->bytes = file_size;
	if (result->row_count > 0)
	{
		result->min_xid = SegFullXid(oldest_xmin, next_xid);
		result->max_xid = SegFullXid(newest_xmin, next_xid);
	}
}

/* ---- reading ---- */

static void
unmap_reader(void *arg)
{
	SegSealedReader *r = (SegSealedReader *) arg;

	if (r->closed)
		return;
	r->closed = true;
	if (r->map != NULL)
		munmap(r->map, r->map_size);
	r->map = NULL;
	if (r->has_spare_block)
	{
		spare_block = r->block;
		spare_block_available = true;
		r->has_spare_block = false;
	}
	else
		SegSealedBlockFree(&r->block);
}

/* Give the reader the spare block workspace if free, else a new one. */
static void
init_reader_block(SegSealedReader *r)
{
	if (spare_block_context == NULL)
	{
		spare_block_context = AllocSetContextCreate(TopMemoryContext,
													"segstore spare block",
													ALLOCSET_DEFAULT_SIZES);
		spare_block_available = SegSealedBlockInit(&spare_block);
	}
	if (spare_block_available)
	{
		r->block = spare_block;
		r->has_spare_block = true;
		r->block_context = spare_block_context;
		spare_block_available = false;
		return;
	}
	if (!SegSealedBlockInit(&r->block))
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("Could not create a zstd decompression context.")));
	r->block_context = r->context;
}

/*
 * Open a sealed file: map it and verify footer, header and block index.
 * The reader lives in CurrentMemoryContext and is unmapped when that
 * context is reset or deleted, if not closed before.
 */
SegSealedReader *
SegSealedReaderOpen(const char *path)
{
	SegSealedReader *r = palloc0(sizeof(SegSealedReader));
	struct stat st;
	int			fd;
	const char *problem;

	strlcpy(r->path, path, MAXPGPATH);
	r->context = CurrentMemoryContext;
	fd = OpenTransientFile(path, O_RDONLY | PG_BINARY);
	if (fd < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open sealed segment file \"%s\": %m", path)));
	if (fstat(fd, &st) < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not stat file \"%s\": %m", path)));
	r->closed = true;			/* nothing to release until mapped */
	r->map_size = st.st_size;
	if (r->map_size > 0)
	{
		r->map = mmap(NULL, r->map_size, PROT_READ, MAP_SHARED, fd, 0);
		if (r->map == MAP_FAILED)
		{
			r->map = NULL;
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not map file \"%s\": %m", path)));
		}
		(void) madvise(r->map, r->map_size, MADV_SEQUENTIAL);
	}
	CloseTransientFile(fd);

	init_reader_block(r);
	r->closed = false;
	r->unmap_callback.func = unmap_reader;
	r->unmap_callback.arg = r;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, &r->unmap_callback);

	if (!SegSealedOpen(r->map, r->map_size, &r->file, &problem))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid sealed segment file \"%s\": %s", path, problem)));
	return r;
}

const SegSealedFile *
SegSealedReaderFile(SegSealedReader *r)
{
	return &r->file;
}

/*
 * Decode block "block" of the file, raising data_corrupted if it is bad,
 * and return it: valid until the next block is loaded.
 */
const SegSealedBlock *
SegSealedReaderLoadBlock(SegSealedReader *r, uint32 block)
{
	const char *problem;
	pg_crc32c	actual;
	MemoryContext old = MemoryContextSwitchTo(r->block_context);
	bool		ok;

	/* a block that fails to decode leaves no valid block behind */
	r->block_valid = false;
	/* block buffers grow in their own context, not a per-row one */
	ok = SegSealedDecodeBlock(&r->file, block, &r->block, r->wanted_columns,
							  r->nwanted, &problem, &actual);
	MemoryContextSwitchTo(old);
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("corrupted block %u of sealed segment file \"%s\": %s",
						block, r->path, problem),
				 errdetail("Expected checksum %08X, computed %08X.",
						   r->file.index[block].crc, actual)));
	r->block_valid = true;
	r->next_block = block + 1;
	r->next_row = 0;
	return &r->block;
}

/*
 * Make SegSealedReaderNext skip the blocks whose time range [min, max]
 * "filter" says no row of the scan can be in.
 */
void
SegSealedReaderSetFilter(SegSealedReader *r, SegTimeRangeFilter filter, void *arg)
{
	r->block_filter = filter;
	r->block_filter_arg = arg;
}

/*
 * Decode only the columns "wanted" marks (nwanted entries, one per
 * attribute; columns past them are decoded).  The array must stay valid
 * while the reader is used.
 */
void
SegSealedReaderSetColumns(SegSealedReader *r, const bool *wanted, int nwanted)
{
	r->wanted_columns = wanted;
	r->nwanted = nwanted;
}

/* Blocks SegSealedReaderNext decoded and skipped so far. */
void
SegSealedReaderBlockCounts(SegSealedReader *r, uint32 *read, uint32 *skipped)
{
	*read = r->blocks_read;
	*skipped = r->blocks_skipped;
}

/*
 * Next row of the file in order, in the blocks the filter keeps: fills
 * *row (its values are in the reader's current block, valid until the
 * next call).  False at the end.
 */
bool
SegSealedReaderNext(SegSealedReader *r, SegSealedRow *row)
{
	while (!r->block_valid || r->next_row >= r->block.nrows)
	{
		const SegSealedBlockInfo *info;

		if (r->next_block >= r->file.nblocks)
			return false;
		info = &r->file.index[r->next_block];
		if (r->block_filter != NULL &&
			!r->block_filter(r->block_filter_arg, info->min_time, info->max_time))
		{
			r->blocks_skipped++;
			r->next_block++;
			r->block_valid = false;
			continue;
		}
		SegSealedReaderLoadBlock(r, r->next_block);
		r->blocks_read++;
	}
	row->row_number = r->block.rows[r->next_row];
	row->xmin = (TransactionId) r->block.xmins[r->next_row];
	row->cmin = (CommandId) r->block.cmins[r->next_row];
	row->block = &r->block;
	row->index = r->next_row;
	r->next_row++;
	return true;
}

/*
 * Unmap the file now.  The reader's small struct stays allocated until its
 * context goes (the reset callback registered in it then does nothing).
 */
void
SegSealedReaderClose(SegSealedReader *r)
{
	unmap_reader(r);
}
