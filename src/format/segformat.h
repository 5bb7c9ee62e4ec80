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

#include "access/tupdesc.h"
#include "port/pg_crc32c.h"

#include <msgpack.h>

/* ---- seg_record.c: active segment file layout ---- */

#define SEG_ACTIVE_MAGIC		0x53474131	/* "SGA1" */
#define SEG_ACTIVE_VERSION		1
#define SEG_ACTIVE_HEADER_SIZE	64
#define SEG_RECORD_HEADER_SIZE	32

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
} SegRowDecoder;

extern SegRowLayout *SegRowLayoutCreate(TupleDesc tupdesc);
extern void SegRowEncode(const SegRowLayout *layout, TupleDesc tupdesc,
						 const Datum *values, const bool *isnull,
						 msgpack_sbuffer *out);
extern void SegRowDecoderInit(SegRowDecoder *decoder);
extern void SegRowDecoderFree(SegRowDecoder *decoder);
extern bool SegRowDecode(SegRowDecoder *decoder, const SegRowLayout *layout,
						 TupleDesc tupdesc,
						 const char *data, size_t len,
						 Datum *values, bool *isnull);

#endif							/* SEGFORMAT_H */
