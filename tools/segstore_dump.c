/*-------------------------------------------------------------------------
 *
 * segstore_dump.c
 *	  Print a segstore segment file (active or sealed) as JSON lines,
 *	  verifying every checksum, without a running server.
 *
 * NOTES
 *	  Usage: segstore_dump [--header-only] FILE
 *
 *	  The first line describes the file (kind, format version, segment id,
 *	  bucket, schema summary for sealed files, block count); then one line
 *	  per stored row:
 *
 *		{"row": N, "xmin": X, "cmin": C, "time": T, "values": [...]}
 *
 *	  time and bucket values are PostgreSQL's internal microseconds since
 *	  2000-01-01 UTC.  Values are shown as MessagePack stores them (see
 *	  src/format/seg_row.c): native types as JSON numbers, strings, booleans
 *	  and null; bytea as "\\x..." hex; other types as
 *	  {"ext": kind, "hex": "..."} with their internal bytes.  Rows of
 *	  rolled-back transactions in active files are printed too: the tool
 *	  does not know which transactions committed.
 *
 *	  Exit status: 0 when the file is intact, 1 when it is damaged (the
 *	  message names the offset or block and the checksums), 2 on usage or
 *	  I/O errors.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <fcntl.h>
#include <math.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/segformat.h"

static void
print_json_string(const char *s, size_t len)
{
	putchar('"');
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void
print_hex(const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++)
		printf("%02x", (unsigned char) data[i]);
}

static void
print_double(double d)
{
	if (isnan(d))
		fputs("\"NaN\"", stdout);
	else if (isinf(d))
		fputs(d > 0 ? "\"Infinity\"" : "\"-Infinity\"", stdout);
	else
		printf("%.17g", d);
}

static void
print_value(const msgpack_object *o)
{
	switch (o->type)
	{
		case MSGPACK_OBJECT_NIL:
			fputs("null", stdout);
			break;
		case MSGPACK_OBJECT_BOOLEAN:
			fputs(o->via.boolean ? "true" : "false", stdout);
			break;
		case MSGPACK_OBJECT_POSITIVE_INTEGER:
			printf(UINT64_FORMAT, (uint64) o->via.u64);
			break;
		case MSGPACK_OBJECT_NEGATIVE_INTEGER:
			printf(INT64_FORMAT, (int64) o->via.i64);
			break;
		case MSGPACK_OBJECT_FLOAT32:
		case MSGPACK_OBJECT_FLOAT64:
			print_double(o->via.f64);
			break;
		case MSGPACK_OBJECT_STR:
			print_json_string(o->via.str.ptr, o->via.str.size);
			break;
		case MSGPACK_OBJECT_BIN:
			fputs("\"\\\\x", stdout);
			print_hex(o->via.bin.ptr, o->via.bin.size);
			putchar('"');
			break;
		case MSGPACK_OBJECT_EXT:
			printf("{\"ext\": %d, \"hex\": \"", o->via.ext.type);
			print_hex(o->via.ext.ptr, o->via.ext.size);
			fputs("\"}", stdout);
			break;
		case MSGPACK_OBJECT_ARRAY:
			putchar('[');
			for (uint32 i = 0; i < o->via.array.size; i++)
			{
				if (i > 0)
					fputs(", ", stdout);
				print_value(&o->via.array.ptr[i]);
			}
			putchar(']');
			break;
		default:
			fputs("\"?\"", stdout);
			break;
	}
}

static void
print_row(uint64 row, uint64 xmin, uint64 cmin, int64 time,
		  const msgpack_object *values)
{
	printf("{\"row\": " UINT64_FORMAT ", \"xmin\": " UINT64_FORMAT
		   ", \"cmin\": " UINT64_FORMAT ", \"time\": " INT64_FORMAT ", \"values\": ",
		   row, xmin, cmin, time);
	print_value(values);
	fputs("}\n", stdout);
}

static int
dump_active(const char *path, const char *data, size_t size, bool header_only)
{
	SegActiveHeader hdr;
	const char *problem;
	size_t		off = SEG_ACTIVE_HEADER_SIZE;
	msgpack_zone zone;
	uint64		rows = 0;

	if (size < SEG_ACTIVE_HEADER_SIZE)
	{
		printf("{\"file\": ");
		print_json_string(path, strlen(path));
		printf(", \"kind\": \"active\", \"rows\": 0, \"note\": \"no header (created but never written)\"}\n");
		return 0;
	}
	if (!SegActiveHeaderDecode(data, &hdr, &problem))
	{
		fprintf(stderr, "segstore_dump: %s: %s\n", path, problem);
		return 1;
	}
	printf("{\"file\": ");
	print_json_string(path, strlen(path));
	printf(", \"kind\": \"active\", \"version\": %u, \"segment_id\": %u, "
		   "\"time_type\": %u, \"bucket_start\": " INT64_FORMAT
		   ", \"bucket_end\": " INT64_FORMAT ", \"bytes\": %zu}\n",
		   hdr.version, hdr.segment_id, hdr.time_type, hdr.bucket_start,
		   hdr.bucket_end, size);
	if (header_only)
		return 0;

	msgpack_zone_init(&zone, 8192);
	for (;;)
	{
		SegRecordHeader rec;
		pg_crc32c	actual = 0;
		msgpack_object row;
		size_t		roff = 0;

		switch (SegRecordCheck(data + off, size - off, true, &rec, &actual))
		{
			case SEG_RECORD_OK:
				msgpack_zone_clear(&zone);
				if (msgpack_unpack(data + off + SEG_RECORD_HEADER_SIZE, rec.payload_len,
								   &roff, &zone, &row) != MSGPACK_UNPACK_SUCCESS)
				{
					fprintf(stderr, "segstore_dump: %s: row at offset %zu is not MessagePack\n",
							path, off);
					return 1;
				}
				print_row(rec.row_number, rec.xmin, rec.cmin, rec.time_value, &row);
				off += SEG_RECORD_HEADER_SIZE + rec.payload_len;
				rows++;
				continue;
			case SEG_RECORD_END:
				break;
			case SEG_RECORD_TORN:
				fprintf(stderr, "segstore_dump: %s: torn record at offset %zu (%zu bytes; cut off when the segment is next written)\n",
						path, off, size - off);
				break;
			case SEG_RECORD_CORRUPT:
				fprintf(stderr, "segstore_dump: %s: checksum mismatch at offset %zu: expected %08X, computed %08X\n",
						path, off, rec.crc, actual);
				return 1;
		}
		break;
	}
	msgpack_zone_destroy(&zone);
	return 0;
}

static int
dump_sealed(const char *path, const char *data, size_t size, bool header_only)
{
	SegSealedFile f;
	SegSealedBlock blk;
	msgpack_object *cells;
	const char *problem;

	if (!SegSealedOpen(data, size, &f, &problem))
	{
		fprintf(stderr, "segstore_dump: %s: %s\n", path, problem);
		return 1;
	}
	printf("{\"file\": ");
	print_json_string(path, strlen(path));
	printf(", \"kind\": \"sealed\", \"version\": %u, \"segment_id\": %u, "
		   "\"time_type\": %u, \"time_attnum\": %d, \"bucket_start\": " INT64_FORMAT
		   ", \"bucket_end\": " INT64_FORMAT ", \"codec\": \"zstd\", \"level\": %d"
		   ", \"block_size\": %u, \"rows\": " UINT64_FORMAT ", \"blocks\": %u"
		   ", \"bytes\": %zu, \"columns\": [",
		   f.header.version, f.header.segment_id, f.header.time_type,
		   f.header.time_attnum, f.header.bucket_start, f.header.bucket_end,
		   f.header.level, f.header.block_size, f.header.row_count,
		   f.nblocks, size);
	for (int i = 1; i <= f.header.natts; i++)
	{
		uint32		type;
		int16		len;

		SegSealedAttribute(&f, i, &type, &len);
		printf("%s{\"type\": %u, \"len\": %d}", i > 1 ? ", " : "", type, len);
	}
	printf("]}\n");

	cells = malloc(sizeof(msgpack_object) * (f.header.natts + 1));
	if (!SegSealedBlockInit(&blk) || cells == NULL)
	{
		fprintf(stderr, "segstore_dump: out of memory\n");
		return 2;
	}
	for (uint32 b = 0; b < f.nblocks; b++)
	{
		pg_crc32c	actual;

		if (!SegSealedDecodeBlock(&f, b, &blk, NULL, 0, &problem, &actual))
		{
			fprintf(stderr, "segstore_dump: %s: block %u: %s (expected checksum %08X, computed %08X)\n",
					path, b, problem, f.index[b].crc, actual);
			return 1;
		}
		if (header_only)
			continue;
		for (uint32 i = 0; i < blk.nrows; i++)
		{
			msgpack_object row;

			/* the row as seg_row.c wrote it: its columns up to the first absent one */
			row.type = MSGPACK_OBJECT_ARRAY;
			row.via.array.ptr = cells;
			row.via.array.size = 0;
			for (uint32 c = 0; c < blk.ncolumns; c++)
			{
				const msgpack_object *cell = &blk.columns[c][i];

				if (cell->type == MSGPACK_OBJECT_EXT &&
					cell->via.ext.type == SEG_SEALED_ABSENT_EXT)
					break;
				cells[row.via.array.size++] = *cell;
			}
			print_row(blk.rows[i], blk.xmins[i], blk.cmins[i],
					  blk.times[i], &row);
		}
	}
	SegSealedBlockFree(&blk);
	free(cells);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *path;
	bool		header_only = false;
	int			fd;
	struct stat st;
	char	   *data = NULL;
	uint32		magic = 0;
	int			rc;

	if (argc == 3 && strcmp(argv[1], "--header-only") == 0)
	{
		header_only = true;
		path = argv[2];
	}
	else if (argc == 2 && argv[1][0] != '-')
		path = argv[1];
	else
	{
		fprintf(stderr, "usage: segstore_dump [--header-only] FILE\n"
				"Print a segstore segment file as JSON lines, verifying its checksums.\n");
		return 2;
	}

	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) < 0)
	{
		fprintf(stderr, "segstore_dump: could not open \"%s\": %s\n", path, strerror(errno));
		return 2;
	}
	if (st.st_size > 0)
	{
		data = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
		if (data == MAP_FAILED)
		{
			fprintf(stderr, "segstore_dump: could not map \"%s\": %s\n", path, strerror(errno));
			return 2;
		}
		if (st.st_size >= 4)
			memcpy(&magic, data, 4);
	}
	close(fd);

	if (magic == SEG_SEALED_MAGIC)
		rc = dump_sealed(path, data, st.st_size, header_only);
	else if (magic == SEG_ACTIVE_MAGIC || st.st_size < SEG_ACTIVE_HEADER_SIZE)
		rc = dump_active(path, data, st.st_size, header_only);
	else
	{
		fprintf(stderr, "segstore_dump: \"%s\" is not a segstore segment file (bad magic number)\n", path);
		rc = 1;
	}
	fflush(stdout);
	return rc;
}
