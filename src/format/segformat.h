/*-------------------------------------------------------------------------
 *
 * segformat.h
 *	  Pure encode/decode of segstore's on-disk formats: active segment
 *	  file headers and records, and rows as MessagePack.
 *
 * NOTES
 *	  Nothing in src/format does I/O, takes locks or looks at catalogs
 *	  beyond the tuple descriptor it is handed.  Callers own every buffer;
 *	  the decoders allocate nothing per row once their buffers have grown.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SEGFORMAT_H
#define SEGFORMAT_H

#ifndef FRONTEND
#include "access/tupdesc.h"
#endif
#include "port/pg_crc32c.h"

#include <msgpack.h>

/* ---- seg_record.c: active segment file layout ---- */

#define SEG_ACTIVE_MAGIC		0x53474131	/* "SGA1" */
#define SEG_ACTIVE_VERSION		1
#define SEG_ACTIVE_HEADER_SIZE	64
#define SEG_RECORD_HEADER_SIZE	32
#define SEG_MAX_PAYLOAD			0x3fffffff	/* MaxAllocSize */

/* Header at offset 0 of every active segment file (64 bytes on disk). */
typedef struct SegActiveHeader
{
	uint32		magic;
	uint16		version;
	uint16		header_size;
	uint32		segment_id;
	Oid			time_type;		/* InvalidOid: partitioned by ingest time */
	int64		bucket_start;	/* microseconds, see SegTimeFromDatum */
	int64		bucket_end;
	int64		created_at;
} SegActiveHeader;

/* Fixed part in front of every row in an active segment (32 bytes). */
typedef struct SegRecordHeader
{
	uint32		payload_len;	/* bytes of MessagePack after the header */
	pg_crc32c	crc;			/* over bytes 8..end of payload */
	uint64		row_number;		/* table-wide, never reused (TID source) */
	TransactionId xmin;
	CommandId	cmin;
	int64		time_value;
} SegRecordHeader;

/* Outcome of looking at the bytes at one position of an active file. */
typedef enum SegRecordStatus
{
	SEG_RECORD_OK,				/* a complete record with a good checksum */
	SEG_RECORD_END,				/* no bytes left */
	SEG_RECORD_TORN,			/* an incomplete record or zeros up to the end */
	SEG_RECORD_CORRUPT			/* complete but the checksum does not match */
} SegRecordStatus;

extern void SegActiveHeaderEncode(const SegActiveHeader *hdr, char *out);
extern bool SegActiveHeaderDecode(const char *in, SegActiveHeader *hdr,
								  const char **problem);
extern void SegRecordHeaderFill(SegRecordHeader *hdr, const char *payload);
extern void SegRecordHeaderEncode(const SegRecordHeader *hdr, char *out);
extern SegRecordStatus SegRecordCheck(const char *data, size_t avail,
									  bool at_file_end, SegRecordHeader *hdr,
									  pg_crc32c *actual_crc);

#ifndef FRONTEND
/* ---- seg_row.c: one row <-> one MessagePack array ---- */

/* How each column of a tuple descriptor is written (see seg_row.c). */
typedef struct SegRowLayout
{
	int			natts;
	uint8		kinds[FLEXIBLE_ARRAY_MEMBER];
} SegRowLayout;

/* Reusable state for decoding rows; create once per scan. */
typedef struct SegRowDecoder
{
	msgpack_zone zone;			/* object tree of the current row */
	char	   *buf;			/* by-reference values of the current row */
	Size		buf_size;
	const msgpack_object **cells;	/* the current row's cells */
	uint32		cells_cap;
} SegRowDecoder;

extern int	SegSbufferAppend(void *data, const char *buf, size_t len);
extern int	SegRowKindOfType(Oid typid);
extern SegRowLayout *SegRowLayoutCreate(TupleDesc tupdesc);
extern void SegRowEncode(const SegRowLayout *layout, TupleDesc tupdesc,
						 const Datum *values, const bool *isnull,
						 msgpack_sbuffer *out);
extern void SegRowDecoderInit(SegRowDecoder *decoder);
extern void SegRowDecoderFree(SegRowDecoder *decoder);
extern const msgpack_object **SegRowDecoderCells(SegRowDecoder *decoder, uint32 n);
extern void SegRowDecodeCells(SegRowDecoder *decoder,
							  const SegRowLayout *layout, TupleDesc tupdesc,
							  const int *attrs, int nattrs,
							  const msgpack_object *const *cells, int ncells,
							  Datum *values, bool *isnull);
extern bool SegRowDecode(SegRowDecoder *decoder, const SegRowLayout *layout,
						 TupleDesc tupdesc, const int *attrs, int nattrs,
						 const char *data, size_t len,
						 Datum *values, bool *isnull);

#endif							/* !FRONTEND */

/* ---- seg_sealed.c: sealed segment file layout ---- */

#define SEG_SEALED_MAGIC		0x31534753	/* "SGS1" */
#define SEG_SEALED_FOOTER_MAGIC	0x46534753	/* "SGSF" */
#define SEG_SEALED_VERSION		1
#define SEG_CODEC_ZSTD			1

typedef struct SegSealedHeader
{
	uint16		version;
	uint16		header_size;	/* computed by SegSealedHeaderEncode */
	uint32		segment_id;
	Oid			time_type;
	int64		bucket_start;
	int64		bucket_end;
	int64		sealed_at;
	uint8		codec;
	int8		level;
	uint16		natts;
	uint32		block_size;		/* target raw bytes of row data per block */
	uint64		row_count;
	int16		time_attnum;
} SegSealedHeader;

/* One entry of the block index. */
typedef struct SegSealedBlockInfo
{
	uint64		first_row;
	uint64		last_row;
	uint64		offset;
	uint32		compressed_size;
	uint32		raw_size;
	uint32		nrows;
	pg_crc32c	crc;
	int64		min_time;
	int64		max_time;
} SegSealedBlockInfo;

/* A sealed file opened for reading over a byte range the caller owns. */
typedef struct SegSealedFile
{
	const char *data;
	size_t		size;
	SegSealedHeader header;
	const char *schema;			/* natts entries, see SegSealedAttribute */
	uint32		nblocks;
	SegSealedBlockInfo *index;
} SegSealedFile;

/* In a sealed block, a column the row was written without (see seg_sealed.c). */
#define SEG_SEALED_ABSENT_EXT	127

/* One decoded block; reused from block to block. */
typedef struct SegSealedBlock
{
	struct ZSTD_DCtx_s *dctx;
	msgpack_zone zone;
	char	   *raw;			/* the decompressed parts */
	size_t		raw_cap;
	uint32		nrows;
	uint32		cap;
	uint64	   *rows;			/* row numbers */
	uint32	   *xmins;
	uint32	   *cmins;
	bool		has_times;		/* "times" decoded (see SegSealedDecodeBlock) */
	int64	   *times;			/* time values */
	uint32		ncolumns;		/* the file's natts */
	uint32		columns_cap;
	const msgpack_object **columns; /* per column: nrows values, or NULL
									 * if not decoded */
} SegSealedBlock;

typedef struct SegSealedBuilder SegSealedBuilder;
typedef void (*SegSealedWriteFn) (void *arg, const char *data, size_t len);

extern SegSealedBuilder *SegSealedBuilderCreate(const SegSealedHeader *header,
												const uint32 *att_types,
												const int16 *att_lens,
												SegSealedWriteFn write,
												void *write_arg);
extern void SegSealedHeaderEncode(SegSealedHeader *hdr, const uint32 *att_types,
								  const int16 *att_lens, char *out);
extern void SegSealedBuilderAddRow(SegSealedBuilder *b, uint64 row_number,
								   TransactionId xmin, CommandId cmin,
								   int64 time_value, const char *payload,
								   uint32 payload_len);
extern const SegSealedHeader *SegSealedBuilderFinish(SegSealedBuilder *b,
													 uint64 *file_size,
													 uint64 *raw_bytes);
extern bool SegSealedOpen(const char *data, size_t size, SegSealedFile *f,
						  const char **problem);
extern void SegSealedAttribute(const SegSealedFile *f, int attnum,
							   uint32 *type, int16 *len);
extern bool SegSealedBlockInit(SegSealedBlock *blk);
extern void SegSealedBlockFree(SegSealedBlock *blk);
extern bool SegSealedDecodeBlock(const SegSealedFile *f, uint32 block,
								 SegSealedBlock *blk, const bool *wanted,
								 int nwanted, const char **problem,
								 pg_crc32c *actual_crc);

/*
 * Position of row_number in an ascending array of row numbers, or -1:
 * deleted-row sets, VACUUM's dead rows, a sealed block's rows.
 */
static inline int64
SegRowNumberSearch(const uint64 *rows, int64 n, uint64 row_number)
{
	int64		lo = 0;
	int64		hi = n - 1;

	while (lo <= hi)
	{
		int64		mid = lo + (hi - lo) / 2;

		if (rows[mid] == row_number)
			return mid;
		if (rows[mid] < row_number)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

#endif							/* SEGFORMAT_H */
