/*-------------------------------------------------------------------------
 *
 * seg_record.c
 *	  Layout of active segment files: a fixed header, then framed records.
 *
 * NOTES
 *	  An active segment file is
 *
 *		header (64 bytes)
 *		  uint32 magic "SGA1" | uint16 version | uint16 header size
 *		  uint32 segment id   | uint32 time type oid
 *		  int64 bucket start  | int64 bucket end | int64 created at
 *		  zero padding        | uint32 CRC-32C of bytes 0..59
 *		record*
 *		  uint32 payload length | uint32 CRC-32C of the rest of the record
 *		  uint64 row number | uint32 xmin | uint32 cmin | int64 time value
 *		  payload: one MessagePack array, see seg_row.c
 *
 *	  All integers are little-endian (the byte order of every platform
 *	  PostgreSQL 15 packages are built for); files are not portable to
 *	  big-endian machines.  A record is only ever appended by the one
 *	  backend owning the segment, so after a crash the only damage is a
 *	  record cut short at the end of the file (or zeros there after an OS
 *	  crash): SEG_RECORD_TORN.  A complete record whose checksum fails is
 *	  real corruption: SEG_RECORD_CORRUPT, never silently skipped.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "format/segformat.h"

#define HEADER_CRC_OFFSET (SEG_ACTIVE_HEADER_SIZE - sizeof(pg_crc32c))

void
SegActiveHeaderEncode(const SegActiveHeader *hdr, char *out)
{
	pg_crc32c	crc;

	memset(out, 0, SEG_ACTIVE_HEADER_SIZE);
	memcpy(out + 0, &hdr->magic, 4);
	memcpy(out + 4, &hdr->version, 2);
	memcpy(out + 6, &hdr->header_size, 2);
	memcpy(out + 8, &hdr->segment_id, 4);
	memcpy(out + 12, &hdr->time_type, 4);
	memcpy(out + 16, &hdr->bucket_start, 8);
	memcpy(out + 24, &hdr->bucket_end, 8);
	memcpy(out + 32, &hdr->created_at, 8);
	INIT_CRC32C(crc);
	COMP_CRC32C(crc, out, HEADER_CRC_OFFSET);
	FIN_CRC32C(crc);
	memcpy(out + HEADER_CRC_OFFSET, &crc, sizeof(crc));
}

/*
 * Decode and verify a header.  On failure returns false and points
 * *problem at a static description for the caller's error message.
 */
bool
SegActiveHeaderDecode(const char *in, SegActiveHeader *hdr,
					  const char **problem)
{
	pg_crc32c	crc;
	pg_crc32c	stored;

	memcpy(&hdr->magic, in + 0, 4);
	memcpy(&hdr->version, in + 4, 2);
	memcpy(&hdr->header_size, in + 6, 2);
	memcpy(&hdr->segment_id, in + 8, 4);
	memcpy(&hdr->time_type, in + 12, 4);
	memcpy(&hdr->bucket_start, in + 16, 8);
	memcpy(&hdr->bucket_end, in + 24, 8);
	memcpy(&hdr->created_at, in + 32, 8);
	memcpy(&stored, in + HEADER_CRC_OFFSET, sizeof(stored));

	if (hdr->magic != SEG_ACTIVE_MAGIC)
	{
		*problem = "bad magic number in segment header";
		return false;
	}
	INIT_CRC32C(crc);
	COMP_CRC32C(crc, in, HEADER_CRC_OFFSET);
	FIN_CRC32C(crc);
	if (!EQ_CRC32C(crc, stored))
	{
		*problem = "segment header checksum mismatch";
		return false;
	}
	if (hdr->version > SEG_ACTIVE_VERSION)
	{
		*problem = "segment format version is newer than this segstore understands";
		return false;
	}
	if (hdr->header_size != SEG_ACTIVE_HEADER_SIZE)
	{
		*problem = "unexpected segment header size";
		return false;
	}
	return true;
}

static void
record_header_to_bytes(const SegRecordHeader *hdr, char *out)
{
	memcpy(out + 0, &hdr->payload_len, 4);
	memcpy(out + 4, &hdr->crc, 4);
	memcpy(out + 8, &hdr->row_number, 8);
	memcpy(out + 16, &hdr->xmin, 4);
	memcpy(out + 20, &hdr->cmin, 4);
	memcpy(out + 24, &hdr->time_value, 8);
}

/*
 * Compute hdr->crc for a record whose other header fields are set and
 * whose payload (hdr->payload_len bytes) is at "payload".
 */
void
SegRecordHeaderFill(SegRecordHeader *hdr, const char *payload)
{
	char		bytes[SEG_RECORD_HEADER_SIZE];
	pg_crc32c	crc;

	hdr->crc = 0;
	record_header_to_bytes(hdr, bytes);
	INIT_CRC32C(crc);
	COMP_CRC32C(crc, bytes + 8, SEG_RECORD_HEADER_SIZE - 8);
	COMP_CRC32C(crc, payload, hdr->payload_len);
	FIN_CRC32C(crc);
	hdr->crc = crc;
}

void
SegRecordHeaderEncode(const SegRecordHeader *hdr, char *out)
{
	record_header_to_bytes(hdr, out);
}

static bool
all_zero(const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (data[i] != 0)
			return false;
	return true;
}

/*
 * Look at the record starting at "data", with "avail" bytes readable.
 * "at_file_end" says whether those bytes reach the end of the file (else
 * the caller can read more and ask again when SEG_RECORD_TORN comes back).
 * On SEG_RECORD_OK and SEG_RECORD_CORRUPT *hdr is filled in; on
 * SEG_RECORD_CORRUPT *actual_crc holds the checksum computed.
 */
SegRecordStatus
SegRecordCheck(const char *data, size_t avail, bool at_file_end,
			   SegRecordHeader *hdr, pg_crc32c *actual_crc)
{
	pg_crc32c	crc;

	if (avail == 0)
		return SEG_RECORD_END;
	if (avail < SEG_RECORD_HEADER_SIZE)
		return SEG_RECORD_TORN;

	memcpy(&hdr->payload_len, data + 0, 4);
	memcpy(&hdr->crc, data + 4, 4);
	memcpy(&hdr->row_number, data + 8, 8);
	memcpy(&hdr->xmin, data + 16, 4);
	memcpy(&hdr->cmin, data + 20, 4);
	memcpy(&hdr->time_value, data + 24, 8);

	/* no row is bigger than a palloc can hold: a bigger length is damage */
	if (hdr->payload_len > SEG_MAX_PAYLOAD)
	{
		*actual_crc = 0;
		return SEG_RECORD_CORRUPT;
	}
	if ((size_t) hdr->payload_len > avail - SEG_RECORD_HEADER_SIZE)
		return SEG_RECORD_TORN;

	INIT_CRC32C(crc);
	COMP_CRC32C(crc, data + 8, SEG_RECORD_HEADER_SIZE - 8 + hdr->payload_len);
	FIN_CRC32C(crc);
	if (EQ_CRC32C(crc, hdr->crc) && hdr->payload_len > 0)
		return SEG_RECORD_OK;

	/* zeros up to the end of the file: space an OS crash never filled */
	if (at_file_end && all_zero(data, avail))
		return SEG_RECORD_TORN;

	*actual_crc = crc;
	return SEG_RECORD_CORRUPT;
}
