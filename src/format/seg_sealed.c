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
 *		blocks, back to back; each one zstd frame holding one MessagePack
 *		array of five arrays of equal length:
 *		  [row numbers, xmins, cmins, time values, rows]
 *		  (row numbers and time values delta-encoded from the previous row,
 *		  the first against 0; each row is the array written by seg_row.c)
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

#define HEADER_FIXED_SIZE	56
#define SCHEMA_ENTRY_SIZE	8
#define INDEX_ENTRY_SIZE	56
#define FOOTER_SIZE			32

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
	msgpack_sbuffer payloads;	/* the row arrays, back to back */
	msgpack_sbuffer raw;		/* the block before compression */
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

static void
finish_block(SegSealedBuilder *b)
{
	msgpack_packer pk;
	SegSealedBlockInfo *info;
	size_t		bound;
	size_t		csize;
	uint64		prev;

	if (b->nrows == 0)
		return;

	b->raw.size = 0;
	msgpack_packer_init(&pk, &b->raw, SegSbufferAppend);
	msgpack_pack_array(&pk, 5);
	msgpack_pack_array(&pk, b->nrows);
	prev = 0;
	for (uint32 i = 0; i < b->nrows; i++)
	{
		msgpack_pack_uint64(&pk, b->rows[i] - prev);
		prev = b->rows[i];
	}
	msgpack_pack_array(&pk, b->nrows);
	for (uint32 i = 0; i < b->nrows; i++)
		msgpack_pack_uint32(&pk, b->xmins[i]);
	msgpack_pack_array(&pk, b->nrows);
	for (uint32 i = 0; i < b->nrows; i++)
		msgpack_pack_uint32(&pk, b->cmins[i]);
	msgpack_pack_array(&pk, b->nrows);
	prev = 0;
	for (uint32 i = 0; i < b->nrows; i++)
	{
		/* wrapping subtraction: decoded with the matching addition */
		msgpack_pack_int64(&pk, (int64) ((uint64) b->times[i] - prev));
		prev = (uint64) b->times[i];
	}
	msgpack_pack_array(&pk, b->nrows);
	SegSbufferAppend(&b->raw, b->payloads.data, b->payloads.size);

	bound = ZSTD_compressBound(b->raw.size);
	if (bound > b->compressed_cap)
	{
		if (b->compressed)
			pfree(b->compressed);
		b->compressed = palloc_extended(bound, MCXT_ALLOC_HUGE);
		b->compressed_cap = bound;
	}
	csize = ZSTD_compressCCtx(b->cctx, b->compressed, bound,
							  b->raw.data, b->raw.size, b->header.level);
	if (ZSTD_isError(csize))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compress segment block: %s",
						ZSTD_getErrorName(csize))));

	if (b->nblocks == b->index_cap)
	{
		b->index_cap *= 2;
		b->index = repalloc_huge(b->index, sizeof(SegSealedBlockInfo) * b->index_cap);
	}
	info = &b->index[b->nblocks++];
	info->first_row = b->rows[0];
	info->last_row = b->rows[b->nrows - 1];
	info->offset = b->offset;
	info->compressed_size = (uint32) csize;
	info->raw_size = (uint32) b->raw.size;
	info->nrows = b->nrows;
	info->crc = crc_of(b->compressed, csize);
	info->min_time = b->times[0];
	info->max_time = b->times[0];
	for (uint32 i = 1; i < b->nrows; i++)
	{
		info->min_time = Min(info->min_time, b->times[i]);
		info->max_time = Max(info->max_time, b->times[i]);
	}

	b->write(b->write_arg, b->compressed, csize);
	b->offset += csize;
	b->header.row_count += b->nrows;
	b->nrows = 0;
	b->payloads.size = 0;
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
	if (b->nrows == b->cap)
	{
		b->cap *= 2;
		b->rows = repalloc(b->rows, sizeof(uint64) * b->cap);
		b->xmins = repalloc(b->xmins, sizeof(TransactionId) * b->cap);
		b->cmins = repalloc(b->cmins, sizeof(CommandId) * b->cap);
		b->times = repalloc(b->times, sizeof(int64) * b->cap);
	}
	b->rows[b->nrows] = row_number;
	b->xmins[b->nrows] = xmin;
	b->cmins[b->nrows] = cmin;
	b->times[b->nrows] = time_value;
	b->nrows++;
	SegSbufferAppend(&b->payloads, payload, payload_len);

	if (b->payloads.size >= b->header.block_size)
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
}

static bool
is_int(const msgpack_object *o)
{
	return o->type == MSGPACK_OBJECT_POSITIVE_INTEGER ||
		o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER;
}

/*
 * Verify and decompress block "block" of f into blk, replacing what blk
 * held.  On corruption returns false with *problem set and, for a
 * checksum mismatch, *actual_crc holding the computed checksum.
 */
bool
SegSealedDecodeBlock(const SegSealedFile *f, uint32 block, SegSealedBlock *blk,
					 const char **problem, pg_crc32c *actual_crc)
{
	const SegSealedBlockInfo *info = &f->index[block];
	const char *src = f->data + info->offset;
	size_t		dsize;
	size_t		off = 0;
	msgpack_object root;
	msgpack_object *parts;
	uint64		prev;

	*actual_crc = crc_of(src, info->compressed_size);
	if (*actual_crc != info->crc)
		return fail(problem, "block checksum mismatch");

	if (info->raw_size > blk->raw_cap)
	{
		if (blk->raw)
			pfree(blk->raw);
		blk->raw = palloc_extended(info->raw_size, MCXT_ALLOC_HUGE);
		blk->raw_cap = info->raw_size;
	}
	dsize = ZSTD_decompressDCtx(blk->dctx, blk->raw, info->raw_size,
								src, info->compressed_size);
	if (ZSTD_isError(dsize) || dsize != info->raw_size)
		return fail(problem, "block does not decompress to its recorded size");

	msgpack_zone_clear(&blk->zone);
	if (msgpack_unpack(blk->raw, dsize, &off, &blk->zone, &root) != MSGPACK_UNPACK_SUCCESS ||
		root.type != MSGPACK_OBJECT_ARRAY || root.via.array.size != 5)
		return fail(problem, "block is not a MessagePack array of five arrays");
	parts = root.via.array.ptr;
	for (int i = 0; i < 5; i++)
		if (parts[i].type != MSGPACK_OBJECT_ARRAY ||
			parts[i].via.array.size != info->nrows)
			return fail(problem, "block arrays do not match its row count");

	if (info->nrows > blk->cap)
	{
		if (blk->rows)
			pfree(blk->rows);
		if (blk->times)
			pfree(blk->times);
		blk->rows = palloc(sizeof(uint64) * info->nrows);
		blk->times = palloc(sizeof(int64) * info->nrows);
		blk->cap = info->nrows;
	}
	prev = 0;
	for (uint32 i = 0; i < info->nrows; i++)
	{
		const msgpack_object *o = &parts[0].via.array.ptr[i];

		if (!is_int(o))
			return fail(problem, "bad row number in block");
		prev += o->via.u64;
		blk->rows[i] = prev;
	}
	prev = 0;
	for (uint32 i = 0; i < info->nrows; i++)
	{
		const msgpack_object *o = &parts[3].via.array.ptr[i];

		if (!is_int(o))
			return fail(problem, "bad time value in block");
		prev += (uint64) o->via.i64;
		blk->times[i] = (int64) prev;
	}
	for (uint32 i = 0; i < info->nrows; i++)
		if (!is_int(&parts[1].via.array.ptr[i]) || !is_int(&parts[2].via.array.ptr[i]) ||
			parts[4].via.array.ptr[i].type != MSGPACK_OBJECT_ARRAY)
			return fail(problem, "bad row in block");

	blk->nrows = info->nrows;
	blk->xmins = parts[1].via.array.ptr;
	blk->cmins = parts[2].via.array.ptr;
	blk->row_objects = parts[4].via.array.ptr;
	return true;
}
