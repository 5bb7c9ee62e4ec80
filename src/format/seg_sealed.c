/*-------------------------------------------------------------------------
 *
 * seg_sealed.c
 *	  Layout of sealed segment files: immutable, zstd-compressed blocks of
 *	  MessagePack rows with a checksummed block index.
 *
 * NOTES
 *	  A sealed segment file is
 *
 *		header
 *		  uint32 magic "SGS1" | uint16 format version | uint16 header size
 *		  uint32 segment id   | uint32 time type oid
 *		  int64 bucket start  | int64 bucket end | int64 sealed at
 *		  uint8 codec (1 = zstd) | int8 level | uint16 natts
 *		  uint32 target block size (raw bytes) | uint64 row count
 *		  schema summary: natts x (uint32 type oid | int16 typlen | uint16 flags)
 *		    (flag 1: the time column; none set: partitioned by ingest time)
 *		  uint32 CRC-32C of everything before it
 *		blocks, back to back, each stored column by column:
 *		  uint32 number of parts (4 + natts)
 *		  per part: uint32 compressed size | uint32 raw size
 *		  the parts, one zstd frame each, each one MessagePack array:
 *		    0 row numbers, as runs of equal deltas from the previous row
 *		      (the first against 0): [delta, count, delta, count, ...]
 *		    1 xmins and 2 cmins, as runs: [value, count, ...]
 *		    3 time values, one per row, delta-encoded like row numbers
 *		    4 + i the values of column i + 1, one per row, as seg_row.c
 *		      encodes them (nil for NULL and dropped columns, ext 127
 *		      with no bytes where the row was written before the column
 *		      was added)
 *		  Columns are compressed separately so that a scan decompresses
 *		  and unpacks only the columns its query uses.
 *		block index: nblocks x 56 bytes
 *		  uint64 first row | uint64 last row | uint64 file offset
 *		  uint32 compressed size | uint32 raw size | uint32 rows
 *		  uint32 CRC-32C of the compressed bytes
 *		  int64 min time | int64 max time
 *		footer (32 bytes)
 *		  uint64 index offset | uint32 nblocks | uint32 CRC-32C of the index
 *		  uint32 CRC-32C of the header | uint16 format version
 *		  uint16 reserved | uint32 reserved | uint32 magic "SGSF"
 *
 *	  Little-endian throughout.  Rows keep the inserting transaction and
 *	  command id, so sealing never changes what a snapshot sees, and keep
 *	  their row numbers, so TIDs survive sealing.  A reader verifies the
 *	  footer, header and index when it opens a file and each block's CRC
 *	  before decompressing it; a format version newer than
 *	  SEG_SEALED_VERSION is refused.
 *
 *	  Rows reach the builder as seg_row.c arrays and are split into
 *	  columns there; a block ends when its rows' encoded size reaches the
 *	  table's block_size.
 *
 *	  Nothing here does I/O: the builder hands bytes to a callback and the
 *	  reader works on a caller-provided (typically mmap'd) byte range.  The
 *	  reading half also compiles as frontend code (-DFRONTEND) for
 *	  tools/segstore_dump; it reports problems by return value only.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include <zstd.h>

#include "format/segformat.h"
#include "port/pg_bswap.h"

#define HEADER_FIXED_SIZE	56
#define SCHEMA_ENTRY_SIZE	8
#define INDEX_ENTRY_SIZE	56
#define FOOTER_SIZE			32
#define META_PARTS			4	/* row numbers, xmins, cmins, time values */
#define ARRAY32_HEADER_SIZE	5	/* MessagePack array32: 0xdd + uint32 count */

static uint16
get16(const char *p)
{
	uint16		v;

	memcpy(&v, p, 2);
	return v;
}

static uint32
get32(const char *p)
{
	uint32		v;

	memcpy(&v, p, 4);
	return v;
}

static uint64
get64(const char *p)
{
	uint64		v;

	memcpy(&v, p, 8);
	return v;
}

static pg_crc32c
crc_of(const char *data, size_t len)
{
	pg_crc32c	crc;

	INIT_CRC32C(crc);
	COMP_CRC32C(crc, data, len);
	FIN_CRC32C(crc);
	return crc;
}

static size_t
header_size(uint16 natts)
{
	return HEADER_FIXED_SIZE + (size_t) natts * SCHEMA_ENTRY_SIZE + 4;
}

#ifndef FRONTEND

static void
put16(char *p, uint16 v)
{
	memcpy(p, &v, 2);
}

static void
put32(char *p, uint32 v)
{
	memcpy(p, &v, 4);
}

static void
put64(char *p, uint64 v)
{
	memcpy(p, &v, 8);
}

struct SegSealedBuilder
{
	SegSealedHeader header;
	const uint32 *att_types;
	const int16 *att_lens;
	SegSealedWriteFn write;
	void	   *write_arg;
	uint64		offset;			/* bytes handed to write() so far */
	ZSTD_CCtx  *cctx;

	/* the block being filled */
	uint32		nrows;
	uint32		cap;
	uint64	   *rows;
	TransactionId *xmins;
	CommandId  *cmins;
	int64	   *times;
	uint64		payload_bytes;	/* encoded size of the block's rows */
	msgpack_sbuffer *columns;	/* natts: array32 header, then the values */
	msgpack_zone row_zone;		/* unpacking one row */
	msgpack_sbuffer meta;		/* one of parts 0-3 before compression */
	char	   *compressed;
	size_t		compressed_cap;

	/* finished blocks */
	SegSealedBlockInfo *index;
	uint32		nblocks;
	uint32		index_cap;
};

/*
 * Start a sealed file.  "att_types"/"att_lens" describe the natts columns
 * and must stay valid until SegSealedBuilderFinish.  Writes the header at
 * once.  All memory is allocated in CurrentMemoryContext.
 */
SegSealedBuilder *
SegSealedBuilderCreate(const SegSealedHeader *header, const uint32 *att_types,
					   const int16 *att_lens, SegSealedWriteFn write,
					   void *write_arg)
{
	SegSealedBuilder *b = palloc0(sizeof(SegSealedBuilder));
	size_t		hsize = header_size(header->natts);
	char	   *h = palloc0(hsize);

	b->header = *header;
	b->header.row_count = 0;
	b->att_types = att_types;
	b->att_lens = att_lens;
	b->write = write;
	b->write_arg = write_arg;
	b->cctx = ZSTD_createCCtx();
	if (b->cctx == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("Could not create a zstd compression context.")));
	b->cap = 1024;
	b->rows = palloc(sizeof(uint64) * b->cap);
	b->xmins = palloc(sizeof(TransactionId) * b->cap);
	b->cmins = palloc(sizeof(CommandId) * b->cap);
	b->times = palloc(sizeof(int64) * b->cap);
	b->index_cap = 64;
	b->index = palloc(sizeof(SegSealedBlockInfo) * b->index_cap);
	b->columns = palloc0(sizeof(msgpack_sbuffer) * Max(header->natts, 1));
	for (int i = 0; i < header->natts; i++)
		SegSbufferAppend(&b->columns[i], "\xdd\0\0\0\0", ARRAY32_HEADER_SIZE);
	msgpack_zone_init(&b->row_zone, 8192);

	/* the header is written again with the final row count by the caller */
	b->header.header_size = (uint16) hsize;
	SegSealedHeaderEncode(&b->header, att_types, att_lens, h);
	b->write(b->write_arg, h, hsize);
	b->offset = hsize;
	pfree(h);
	return b;
}

/*
 * Encode a header (with its schema summary and CRC) into "out", which must
 * hold header_size bytes (hdr->header_size is computed here).
 */
void
SegSealedHeaderEncode(SegSealedHeader *hdr, const uint32 *att_types,
					  const int16 *att_lens, char *out)
{
	size_t		hsize = header_size(hdr->natts);

	hdr->header_size = (uint16) hsize;
	memset(out, 0, hsize);
	put32(out + 0, SEG_SEALED_MAGIC);
	put16(out + 4, hdr->version);
	put16(out + 6, hdr->header_size);
	put32(out + 8, hdr->segment_id);
	put32(out + 12, hdr->time_type);
	put64(out + 16, (uint64) hdr->bucket_start);
	put64(out + 24, (uint64) hdr->bucket_end);
	put64(out + 32, (uint64) hdr->sealed_at);
	out[40] = (char) hdr->codec;
	out[41] = (char) hdr->level;
	put16(out + 42, hdr->natts);
	put32(out + 44, hdr->block_size);
	put64(out + 48, hdr->row_count);
	for (int i = 0; i < hdr->natts; i++)
	{
		char	   *e = out + HEADER_FIXED_SIZE + i * SCHEMA_ENTRY_SIZE;

		put32(e, att_types[i]);
		put16(e + 4, (uint16) att_lens[i]);
		put16(e + 6, (uint16) (i + 1 == hdr->time_attnum ? 1 : 0));
	}
	put32(out + hsize - 4, crc_of(out, hsize - 4));
}

/* Compress one part of a block to b->compressed at *pos; record its sizes. */
static void
compress_part(SegSealedBuilder *b, int part, const char *data, size_t size,
			  size_t *pos)
{
	size_t		csize;

	csize = ZSTD_compressCCtx(b->cctx, b->compressed + *pos,
							  b->compressed_cap - *pos, data, size,
							  b->header.level);
	if (ZSTD_isError(csize))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compress segment block: %s",
						ZSTD_getErrorName(csize))));
	put32(b->compressed + 4 + 8 * part, (uint32) csize);
	put32(b->compressed + 8 + 8 * part, (uint32) size);
	*pos += csize;
}

/* The per-row value of part 0-2 (row number delta, xmin, cmin) of row i. */
static uint64
run_value(const SegSealedBuilder *b, int part, uint32 i)
{
	switch (part)
	{
		case 0:
			return i == 0 ? b->rows[0] : b->rows[i] - b->rows[i - 1];
		case 1:
			return b->xmins[i];
		default:
			return b->cmins[i];
	}
}

/* Pack one of the parts 0-3 into b->meta. */
static void
pack_meta_part(SegSealedBuilder *b, int part)
{
	msgpack_packer pk;

	b->meta.size = 0;
	msgpack_packer_init(&pk, &b->meta, SegSbufferAppend);
	if (part == 3)
	{
		uint64		prev = 0;

		msgpack_pack_array(&pk, b->nrows);
		for (uint32 i = 0; i < b->nrows; i++)
		{
			/* wrapping subtraction: decoded with the matching addition */
			msgpack_pack_int64(&pk, (int64) ((uint64) b->times[i] - prev));
			prev = (uint64) b->times[i];
		}
		return;
	}
	else
	{
		uint32		nruns = 0;
		uint32		start;

		for (uint32 i = 0; i < b->nrows; i++)
			if (i == 0 || run_value(b, part, i) != run_value(b, part, i - 1))
				nruns++;
		msgpack_pack_array(&pk, 2 * nruns);
		for (start = 0; start < b->nrows;)
		{
			uint64		value = run_value(b, part, start);
			uint32		end = start + 1;

			while (end < b->nrows && run_value(b, part, end) == value)
				end++;
			msgpack_pack_uint64(&pk, value);
			msgpack_pack_uint32(&pk, end - start);
			start = end;
		}
	}
}

static void
finish_block(SegSealedBuilder *b)
{
	SegSealedBlockInfo *info;
	int			nparts = META_PARTS + b->header.natts;
	size_t		bound;
	size_t		pos;
	uint64		raw = 0;

	if (b->nrows == 0)
		return;

	/* room for the directory and every part compressed */
	bound = 4 + (size_t) 8 * nparts +
		META_PARTS * ZSTD_compressBound(ARRAY32_HEADER_SIZE + (size_t) 14 * b->nrows);
	for (int i = 0; i < b->header.natts; i++)
		bound += ZSTD_compressBound(b->columns[i].size);
	if (bound > b->compressed_cap)
	{
		if (b->compressed)
			pfree(b->compressed);
		b->compressed = palloc_extended(bound, MCXT_ALLOC_HUGE);
		b->compressed_cap = bound;
	}

	put32(b->compressed, (uint32) nparts);
	pos = 4 + (size_t) 8 * nparts;
	for (int part = 0; part < META_PARTS; part++)
	{
		pack_meta_part(b, part);
		compress_part(b, part, b->meta.data, b->meta.size, &pos);
		raw += b->meta.size;
	}
	for (int i = 0; i < b->header.natts; i++)
	{
		msgpack_sbuffer *col = &b->columns[i];
		uint32		n = pg_hton32(b->nrows);

		/* the array32 header reserved when the block started */
		memcpy(col->data + 1, &n, 4);
		compress_part(b, META_PARTS + i, col->data, col->size, &pos);
		raw += col->size;
		col->size = ARRAY32_HEADER_SIZE;
	}

	if (b->nblocks == b->index_cap)
	{
		b->index_cap *= 2;
		b->index = repalloc_huge(b->index, sizeof(SegSealedBlockInfo) * b->index_cap);
	}
	info = &b->index[b->nblocks++];
	info->first_row = b->rows[0];
	info->last_row = b->rows[b->nrows - 1];
	info->offset = b->offset;
	info->compressed_size = (uint32) pos;
	info->raw_size = (uint32) raw;
	info->nrows = b->nrows;
	info->crc = crc_of(b->compressed, pos);
	info->min_time = b->times[0];
	info->max_time = b->times[0];
	for (uint32 i = 1; i < b->nrows; i++)
	{
		info->min_time = Min(info->min_time, b->times[i]);
		info->max_time = Max(info->max_time, b->times[i]);
	}

	b->write(b->write_arg, b->compressed, pos);
	b->offset += pos;
	b->header.row_count += b->nrows;
	b->nrows = 0;
	b->payload_bytes = 0;
}

/*
 * Add one row, given as the MessagePack array written by SegRowEncode.
 * Rows must come in the order they are to be read back.
 */
void
SegSealedBuilderAddRow(SegSealedBuilder *b, uint64 row_number,
					   TransactionId xmin, CommandId cmin, int64 time_value,
					   const char *payload, uint32 payload_len)
{
	msgpack_object row;
	size_t		off = 0;

	if (b->nrows == b->cap)
	{
		b->cap *= 2;
		b->rows = repalloc(b->rows, sizeof(uint64) * b->cap);
		b->xmins = repalloc(b->xmins, sizeof(TransactionId) * b->cap);
		b->cmins = repalloc(b->cmins, sizeof(CommandId) * b->cap);
		b->times = repalloc(b->times, sizeof(int64) * b->cap);
	}

	msgpack_zone_clear(&b->row_zone);
	if (msgpack_unpack(payload, payload_len, &off, &b->row_zone, &row) != MSGPACK_UNPACK_SUCCESS ||
		row.type != MSGPACK_OBJECT_ARRAY || row.via.array.size > b->header.natts)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid row " UINT64_FORMAT " in segment %u", row_number,
						b->header.segment_id),
				 errdetail("The row is not a MessagePack array of at most %d values.",
						   b->header.natts)));
	for (int i = 0; i < b->header.natts; i++)
	{
		msgpack_packer pk;

		msgpack_packer_init(&pk, &b->columns[i], SegSbufferAppend);
		if ((uint32) i < row.via.array.size)
			msgpack_pack_object(&pk, row.via.array.ptr[i]);
		else
			msgpack_pack_ext(&pk, 0, SEG_SEALED_ABSENT_EXT);
	}

	b->rows[b->nrows] = row_number;
	b->xmins[b->nrows] = xmin;
	b->cmins[b->nrows] = cmin;
	b->times[b->nrows] = time_value;
	b->nrows++;
	b->payload_bytes += payload_len;

	if (b->payload_bytes >= b->header.block_size)
		finish_block(b);
}

/*
 * Write the last block, the block index and the footer.  Returns the
 * final header (row count filled in); the caller rewrites the header in
 * place with SegSealedHeaderEncode.  *file_size gets the file's size.
 */
const SegSealedHeader *
SegSealedBuilderFinish(SegSealedBuilder *b, uint64 *file_size,
					   uint64 *raw_bytes)
{
	char	   *idx;
	char		footer[FOOTER_SIZE];
	size_t		idx_size;
	uint64		index_offset;
	char	   *h;
	uint64		raw = 0;

	finish_block(b);
	ZSTD_freeCCtx(b->cctx);
	b->cctx = NULL;
	msgpack_zone_destroy(&b->row_zone);

	idx_size = (size_t) b->nblocks * INDEX_ENTRY_SIZE;
	idx = palloc0(Max(idx_size, 1));
	for (uint32 i = 0; i < b->nblocks; i++)
	{
		char	   *e = idx + (size_t) i * INDEX_ENTRY_SIZE;
		SegSealedBlockInfo *info = &b->index[i];

		put64(e + 0, info->first_row);
		put64(e + 8, info->last_row);
		put64(e + 16, info->offset);
		put32(e + 24, info->compressed_size);
		put32(e + 28, info->raw_size);
		put32(e + 32, info->nrows);
		put32(e + 36, info->crc);
		put64(e + 40, (uint64) info->min_time);
		put64(e + 48, (uint64) info->max_time);
		raw += info->raw_size;
	}
	index_offset = b->offset;
	b->write(b->write_arg, idx, idx_size);
	b->offset += idx_size;

	h = palloc(b->header.header_size);
	SegSealedHeaderEncode(&b->header, b->att_types, b->att_lens, h);

	memset(footer, 0, sizeof(footer));
	put64(footer + 0, index_offset);
	put32(footer + 8, b->nblocks);
	put32(footer + 12, crc_of(idx, idx_size));
	put32(footer + 16, get32(h + b->header.header_size - 4));
	put16(footer + 20, b->header.version);
	put32(footer + 28, SEG_SEALED_FOOTER_MAGIC);
	b->write(b->write_arg, footer, FOOTER_SIZE);
	b->offset += FOOTER_SIZE;

	pfree(h);
	pfree(idx);
	*file_size = b->offset;
	*raw_bytes = raw;
	return &b->header;
}

#endif							/* !FRONTEND */

/* ---- reading ---- */

static bool
fail(const char **problem, const char *what)
{
	*problem = what;
	return false;
}

/*
 * Check the footer, header and block index of a sealed file held in
 * data[0..size) and fill *f.  On failure returns false with *problem set
 * (a static string).  f->index is palloc'd in CurrentMemoryContext.
 */
bool
SegSealedOpen(const char *data, size_t size, SegSealedFile *f,
			  const char **problem)
{
	const char *footer;
	uint64		index_offset;
	uint32		nblocks;
	const char *h = data;
	uint16		hsize;
	uint16		version;

	memset(f, 0, sizeof(*f));
	f->data = data;
	f->size = size;

	if (size < HEADER_FIXED_SIZE + 4 + FOOTER_SIZE)
		return fail(problem, "file is too short to be a sealed segment");
	footer = data + size - FOOTER_SIZE;
	if (get32(footer + 28) != SEG_SEALED_FOOTER_MAGIC)
		return fail(problem, "bad magic number in footer");
	version = get16(footer + 20);
	if (get32(h) != SEG_SEALED_MAGIC)
		return fail(problem, "bad magic number in header");
	if (version > SEG_SEALED_VERSION || get16(h + 4) > SEG_SEALED_VERSION)
		return fail(problem, "sealed segment format version is newer than this segstore understands");

	if (version != get16(h + 4) || get16(footer + 22) != 0 || get32(footer + 24) != 0)
		return fail(problem, "footer does not match the header");

	hsize = get16(h + 6);
	if (hsize < HEADER_FIXED_SIZE + 4 || hsize > size - FOOTER_SIZE ||
		hsize != header_size(get16(h + 42)))
		return fail(problem, "bad header size");
	if (crc_of(h, hsize - 4) != get32(h + hsize - 4) ||
		get32(h + hsize - 4) != get32(footer + 16))
		return fail(problem, "header checksum mismatch");

	f->header.version = get16(h + 4);
	f->header.header_size = hsize;
	f->header.segment_id = get32(h + 8);
	f->header.time_type = get32(h + 12);
	f->header.bucket_start = (int64) get64(h + 16);
	f->header.bucket_end = (int64) get64(h + 24);
	f->header.sealed_at = (int64) get64(h + 32);
	f->header.codec = (uint8) h[40];
	f->header.level = (int8) h[41];
	f->header.natts = get16(h + 42);
	f->header.block_size = get32(h + 44);
	f->header.row_count = get64(h + 48);
	f->header.time_attnum = 0;
	for (int i = 0; i < f->header.natts; i++)
		if (get16(h + HEADER_FIXED_SIZE + i * SCHEMA_ENTRY_SIZE + 6) & 1)
			f->header.time_attnum = (int16) (i + 1);
	f->schema = h + HEADER_FIXED_SIZE;

	if (f->header.codec != SEG_CODEC_ZSTD)
		return fail(problem, "unknown compression codec");

	index_offset = get64(footer);
	nblocks = get32(footer + 8);
	if (index_offset < hsize || index_offset > size - FOOTER_SIZE ||
		(size - FOOTER_SIZE - index_offset) != (uint64) nblocks * INDEX_ENTRY_SIZE)
		return fail(problem, "bad block index position");
	if (crc_of(data + index_offset, (size_t) nblocks * INDEX_ENTRY_SIZE) != get32(footer + 12))
		return fail(problem, "block index checksum mismatch");

	f->nblocks = nblocks;
	f->index = palloc(sizeof(SegSealedBlockInfo) * Max(nblocks, 1));
	for (uint32 i = 0; i < nblocks; i++)
	{
		const char *e = data + index_offset + (size_t) i * INDEX_ENTRY_SIZE;
		SegSealedBlockInfo *info = &f->index[i];

		info->first_row = get64(e + 0);
		info->last_row = get64(e + 8);
		info->offset = get64(e + 16);
		info->compressed_size = get32(e + 24);
		info->raw_size = get32(e + 28);
		info->nrows = get32(e + 32);
		info->crc = get32(e + 36);
		info->min_time = (int64) get64(e + 40);
		info->max_time = (int64) get64(e + 48);
		if (info->offset < hsize || info->offset > index_offset ||
			info->compressed_size > index_offset - info->offset ||
			info->nrows == 0)
			return fail(problem, "block index entry points outside the blocks");
	}
	return true;
}

/* Schema summary of attribute attnum (1-based). */
void
SegSealedAttribute(const SegSealedFile *f, int attnum, uint32 *type, int16 *len)
{
	const char *e = f->schema + (attnum - 1) * SCHEMA_ENTRY_SIZE;

	*type = get32(e);
	*len = (int16) get16(e + 4);
}

/* Prepare a block buffer; false if out of memory. */
bool
SegSealedBlockInit(SegSealedBlock *blk)
{
	memset(blk, 0, sizeof(*blk));
	msgpack_zone_init(&blk->zone, 65536);
	blk->dctx = ZSTD_createDCtx();
	return blk->dctx != NULL;
}

void
SegSealedBlockFree(SegSealedBlock *blk)
{
	msgpack_zone_destroy(&blk->zone);
	ZSTD_freeDCtx(blk->dctx);
	if (blk->raw)
		pfree(blk->raw);
	if (blk->rows)
		pfree(blk->rows);
	if (blk->times)
		pfree(blk->times);
	if (blk->columns)
		pfree(blk->columns);
	if (blk->xmins)
		pfree(blk->xmins);
	if (blk->cmins)
		pfree(blk->cmins);
}

static bool
is_int(const msgpack_object *o)
{
	return o->type == MSGPACK_OBJECT_POSITIVE_INTEGER ||
		o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER;
}

/*
 * Expand a part of runs [value, count, ...] into nrows values; false if
 * it is not runs covering exactly nrows rows.  Part 0 (row number deltas)
 * is summed up into row numbers.
 */
static bool
expand_runs(const msgpack_object *runs, uint32 nruns, uint32 nrows,
			bool cumulative, uint64 *out64, uint32 *out32)
{
	uint32		row = 0;
	uint64		sum = 0;

	for (uint32 r = 0; r + 1 < nruns; r += 2)
	{
		uint64		value = runs[r].via.u64;
		uint64		count = runs[r + 1].via.u64;

		if (!is_int(&runs[r]) || runs[r + 1].type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
			count == 0 || count > nrows - row)
			return false;
		for (uint64 i = 0; i < count; i++)
		{
			if (cumulative)
			{
				sum += value;
				out64[row++] = sum;
			}
			else
				out32[row++] = (uint32) value;
		}
	}
	return row == nrows && nruns % 2 == 0;
}

/*
 * Decompress and unpack one part of a block into blk->raw at *raw_off:
 * an array of *nelems elements (any number if *nelems is 0, which is then
 * set).  Returns its elements, or NULL (with *problem set).
 */
static const msgpack_object *
decode_part_array(SegSealedBlock *blk, const char *src, uint32 csize, uint32 rsize,
				  uint32 *nelems, size_t *raw_off, const char **problem)
{
	size_t		dsize;
	size_t		off = 0;
	msgpack_object part;

	dsize = ZSTD_decompressDCtx(blk->dctx, blk->raw + *raw_off, rsize, src, csize);
	if (ZSTD_isError(dsize) || dsize != rsize)
	{
		fail(problem, "block does not decompress to its recorded size");
		return NULL;
	}
	if (msgpack_unpack(blk->raw + *raw_off, dsize, &off, &blk->zone, &part) != MSGPACK_UNPACK_SUCCESS ||
		part.type != MSGPACK_OBJECT_ARRAY ||
		(*nelems != 0 && part.via.array.size != *nelems) ||
		part.via.array.size == 0)
	{
		fail(problem, "block part is not a MessagePack array of its row count");
		return NULL;
	}
	*raw_off += rsize;
	*nelems = part.via.array.size;
	return part.via.array.ptr;
}

/*
 * Verify and decode block "block" of f into blk, replacing what blk held:
 * row numbers, xmins and cmins always, and the columns that "wanted"
 * marks (nwanted entries, one per attribute; columns past them are
 * decoded too).  With wanted NULL every column and the time values are
 * decoded; otherwise the time values are not (blk->has_times).  Columns
 * not decoded are NULL in blk->columns.  On corruption returns false with *problem set
 * and, for a checksum mismatch, *actual_crc holding the computed checksum.
 */
bool
SegSealedDecodeBlock(const SegSealedFile *f, uint32 block, SegSealedBlock *blk,
					 const bool *wanted, int nwanted,
					 const char **problem, pg_crc32c *actual_crc)
{
	const SegSealedBlockInfo *info = &f->index[block];
	const char *src = f->data + info->offset;
	uint32		nparts;
	uint32		natts = f->header.natts;
	size_t		dir_size;
	size_t		pos;
	uint64		csum = 0;
	uint64		rsum = 0;
	size_t		raw_off = 0;

	*actual_crc = crc_of(src, info->compressed_size);
	if (*actual_crc != info->crc)
		return fail(problem, "block checksum mismatch");

	if (info->compressed_size < 4)
		return fail(problem, "block is too short");
	nparts = get32(src);
	dir_size = 4 + (size_t) 8 * nparts;
	if (nparts != META_PARTS + natts || dir_size > info->compressed_size)
		return fail(problem, "block has the wrong number of parts");
	for (uint32 p = 0; p < nparts; p++)
	{
		csum += get32(src + 4 + 8 * p);
		rsum += get32(src + 8 + 8 * p);
	}
	if (dir_size + csum != info->compressed_size || rsum != info->raw_size)
		return fail(problem, "block part sizes do not add up");

	/*
	 * Buffers grow; a failed allocation (an error) leaves blk consistent,
	 * since a block workspace may outlive the reader that hit it.
	 */
	if (info->raw_size > blk->raw_cap)
	{
		if (blk->raw)
			pfree(blk->raw);
		blk->raw = NULL;
		blk->raw_cap = 0;
		blk->raw = palloc_extended(Max(info->raw_size, 1), MCXT_ALLOC_HUGE);
		blk->raw_cap = info->raw_size;
	}
	if (info->nrows > blk->cap)
	{
		uint64	   *rows = palloc(sizeof(uint64) * info->nrows);
		int64	   *times = palloc(sizeof(int64) * info->nrows);
		uint32	   *xmins = palloc(sizeof(uint32) * info->nrows);
		uint32	   *cmins = palloc(sizeof(uint32) * info->nrows);

		if (blk->rows)
			pfree(blk->rows);
		if (blk->times)
			pfree(blk->times);
		if (blk->xmins)
			pfree(blk->xmins);
		if (blk->cmins)
			pfree(blk->cmins);
		blk->rows = rows;
		blk->times = times;
		blk->xmins = xmins;
		blk->cmins = cmins;
		blk->cap = info->nrows;
	}
	if (natts > blk->columns_cap)
	{
		const msgpack_object **columns = palloc(sizeof(msgpack_object *) * natts);

		if (blk->columns)
			pfree(blk->columns);
		blk->columns = columns;
		blk->columns_cap = natts;
	}

	msgpack_zone_clear(&blk->zone);
	blk->has_times = wanted == NULL;
	pos = dir_size;
	for (uint32 p = 0; p < nparts; p++)
	{
		uint32		csize = get32(src + 4 + 8 * p);
		uint32		rsize = get32(src + 8 + 8 * p);
		uint32		nelems = p < 3 ? 0 : info->nrows;
		const msgpack_object *values = NULL;
		bool		decode = true;

		if (p == 3)
			decode = blk->has_times;
		else if (p >= META_PARTS && wanted != NULL && (int) (p - META_PARTS) < nwanted)
			decode = wanted[p - META_PARTS];
		if (decode)
		{
			values = decode_part_array(blk, src + pos, csize, rsize, &nelems,
									   &raw_off, problem);
			if (values == NULL)
				return false;
		}
		pos += csize;

		if (p >= META_PARTS)
			blk->columns[p - META_PARTS] = values;
		else if (p == 0 && !expand_runs(values, nelems, info->nrows, true, blk->rows, NULL))
			return fail(problem, "bad row numbers in block");
		else if (p == 1 && !expand_runs(values, nelems, info->nrows, false, NULL, blk->xmins))
			return fail(problem, "bad transaction ids in block");
		else if (p == 2 && !expand_runs(values, nelems, info->nrows, false, NULL, blk->cmins))
			return fail(problem, "bad command ids in block");
		else if (p == 3 && decode)
		{
			uint64		prev = 0;

			for (uint32 i = 0; i < info->nrows; i++)
			{
				if (!is_int(&values[i]))
					return fail(problem, "bad time value in block");
				prev += (uint64) values[i].via.i64;
				blk->times[i] = (int64) prev;
			}
		}
	}

	blk->nrows = info->nrows;
	blk->ncolumns = natts;
	return true;
}
