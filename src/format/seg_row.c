/*-------------------------------------------------------------------------
 *
 * seg_row.c
 *	  Encode a row as one MessagePack array and decode it back.
 *
 * NOTES
 *	  A row is an array with one element per attribute of the tuple
 *	  descriptor it was written with, dropped attributes included (as nil).
 *	  Common scalars use native MessagePack types so that any MessagePack
 *	  reader (and tools/segstore_dump) can read them:
 *
 *		NULL							nil
 *		bool							bool
 *		int2, int4, int8				int
 *		float4, float8					float 32 / float 64 (bit-exact)
 *		date, time, timestamp(tz)		int (PostgreSQL's internal value)
 *		text, varchar, bpchar, json		str (the bytes of the value)
 *		bytea							bin
 *
 *	  Every other type (numeric, uuid, arrays, composites, ...) is stored
 *	  as an ext value holding its internal bytes:
 *
 *		ext 1: pass-by-value, typlen bytes of the Datum
 *		ext 2: fixed-length pass-by-reference, typlen bytes
 *		ext 3: varlena, the detoasted data without its length word
 *		ext 4: cstring, the bytes without the terminating zero
 *
 *	  Domains are stored as their base type.  Rows written before an
 *	  ALTER TABLE ADD COLUMN are shorter than the descriptor: the missing
 *	  trailing attributes take the column's "missing" value (the DEFAULT
 *	  that ADD COLUMN recorded) or NULL, as in heap.
 *
 *	  Decoding allocates nothing per row once the decoder's zone and buffer
 *	  have grown to the largest row: by-reference values are laid out in
 *	  decoder->buf, valid until the next call.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/detoast.h"
#include "access/tupdesc_details.h"
#include "access/tupmacs.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "catalog/pg_type.h"
#include "format/segformat.h"
#include "utils/lsyscache.h"

#define SEG_EXT_BYVAL		1
#define SEG_EXT_FIXED		2
#define SEG_EXT_VARLENA		3
#define SEG_EXT_CSTRING		4

/* How a type is written: one of the native kinds or an ext kind. */
typedef enum SegValueKind
{
	SEG_KIND_BOOL,
	SEG_KIND_INT16,
	SEG_KIND_INT32,
	SEG_KIND_INT64,
	SEG_KIND_FLOAT4,
	SEG_KIND_FLOAT8,
	SEG_KIND_STR,
	SEG_KIND_BIN,
	SEG_KIND_EXT
} SegValueKind;

static SegValueKind
value_kind_of_type(Oid typid)
{
	/* domains share their base type's representation */
	switch (getBaseType(typid))
	{
		case BOOLOID:
			return SEG_KIND_BOOL;
		case INT2OID:
			return SEG_KIND_INT16;
		case INT4OID:
		case DATEOID:
			return SEG_KIND_INT32;
		case INT8OID:
		case TIMEOID:
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			return SEG_KIND_INT64;
		case FLOAT4OID:
			return SEG_KIND_FLOAT4;
		case FLOAT8OID:
			return SEG_KIND_FLOAT8;
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
		case JSONOID:
			return SEG_KIND_STR;
		case BYTEAOID:
			return SEG_KIND_BIN;
		default:
			return SEG_KIND_EXT;
	}
}

/*
 * How values of a type are written (an opaque small integer): two types
 * with the same kind can read each other's stored values.
 */
int
SegRowKindOfType(Oid typid)
{
	return (int) value_kind_of_type(typid);
}

/*
 * Work out once per relation or scan how each column is written, so that
 * the per-row loops do no catalog lookups.  Allocated in the current
 * memory context; free with pfree.
 */
SegRowLayout *
SegRowLayoutCreate(TupleDesc tupdesc)
{
	SegRowLayout *layout;

	layout = palloc(offsetof(SegRowLayout, kinds) + Max(tupdesc->natts, 1));
	layout->natts = tupdesc->natts;
	for (int i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);

		layout->kinds[i] = att->attisdropped ? SEG_KIND_EXT :
			value_kind_of_type(att->atttypid);
	}
	return layout;
}

/*
 * msgpack write callback appending to a msgpack_sbuffer whose data is
 * palloc'd: repalloc keeps the buffer in the context that owns it (NULL
 * data is allocated in CurrentMemoryContext).
 */
int
SegSbufferAppend(void *data, const char *buf, size_t len)
{
	msgpack_sbuffer *sbuf = (msgpack_sbuffer *) data;

	if (sbuf->alloc - sbuf->size < len)
	{
		size_t		nsize = Max(sbuf->alloc * 2, sbuf->size + len + 1024);

		sbuf->data = sbuf->data ? repalloc_huge(sbuf->data, nsize) :
			palloc_extended(nsize, MCXT_ALLOC_HUGE);
		sbuf->alloc = nsize;
	}
	memcpy(sbuf->data + sbuf->size, buf, len);
	sbuf->size += len;
	return 0;
}

static void
encode_ext(msgpack_packer *pk, Form_pg_attribute att, Datum value)
{
	if (att->attbyval)
	{
		char		bytes[sizeof(Datum)];

		store_att_byval(bytes, value, att->attlen);
		msgpack_pack_ext(pk, att->attlen, SEG_EXT_BYVAL);
		msgpack_pack_ext_body(pk, bytes, att->attlen);
	}
	else if (att->attlen > 0)
	{
		msgpack_pack_ext(pk, att->attlen, SEG_EXT_FIXED);
		msgpack_pack_ext_body(pk, DatumGetPointer(value), att->attlen);
	}
	else if (att->attlen == -1)
	{
		struct varlena *v = pg_detoast_datum_packed((struct varlena *) DatumGetPointer(value));

		msgpack_pack_ext(pk, VARSIZE_ANY_EXHDR(v), SEG_EXT_VARLENA);
		msgpack_pack_ext_body(pk, VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v));
	}
	else
	{
		const char *s = DatumGetCString(value);
		size_t		len = strlen(s);

		msgpack_pack_ext(pk, len, SEG_EXT_CSTRING);
		msgpack_pack_ext_body(pk, s, len);
	}
}

/*
 * Append the MessagePack encoding of one row to "out", whose data must be
 * palloc'd in a context that lives as long as the buffer (it grows with
 * repalloc, which keeps that context) or NULL (then it is allocated in
 * CurrentMemoryContext).  Detoasting allocates in CurrentMemoryContext:
 * call in a per-tuple context and give a buffer allocated elsewhere.
 */
void
SegRowEncode(const SegRowLayout *layout, TupleDesc tupdesc,
			 const Datum *values, const bool *isnull, msgpack_sbuffer *out)
{
	msgpack_packer pk;

	msgpack_packer_init(&pk, out, SegSbufferAppend);
	msgpack_pack_array(&pk, tupdesc->natts);

	for (int i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);
		Datum		v = values[i];

		if (isnull[i] || att->attisdropped)
		{
			msgpack_pack_nil(&pk);
			continue;
		}
		switch ((SegValueKind) layout->kinds[i])
		{
			case SEG_KIND_BOOL:
				if (DatumGetBool(v))
					msgpack_pack_true(&pk);
				else
					msgpack_pack_false(&pk);
				break;
			case SEG_KIND_INT16:
				msgpack_pack_int64(&pk, DatumGetInt16(v));
				break;
			case SEG_KIND_INT32:
				msgpack_pack_int64(&pk, DatumGetInt32(v));
				break;
			case SEG_KIND_INT64:
				msgpack_pack_int64(&pk, DatumGetInt64(v));
				break;
			case SEG_KIND_FLOAT4:
				msgpack_pack_float(&pk, DatumGetFloat4(v));
				break;
			case SEG_KIND_FLOAT8:
				msgpack_pack_double(&pk, DatumGetFloat8(v));
				break;
			case SEG_KIND_STR:
			case SEG_KIND_BIN:
				{
					struct varlena *t = pg_detoast_datum_packed((struct varlena *) DatumGetPointer(v));
					size_t		len = VARSIZE_ANY_EXHDR(t);

					if (layout->kinds[i] == SEG_KIND_STR)
					{
						msgpack_pack_str(&pk, len);
						msgpack_pack_str_body(&pk, VARDATA_ANY(t), len);
					}
					else
					{
						msgpack_pack_bin(&pk, len);
						msgpack_pack_bin_body(&pk, VARDATA_ANY(t), len);
					}
				}
				break;
			case SEG_KIND_EXT:
				encode_ext(&pk, att, v);
				break;
		}
	}
}

void
SegRowDecoderInit(SegRowDecoder *decoder)
{
	msgpack_zone_init(&decoder->zone, 8192);
	decoder->buf_size = 8192;
	decoder->buf = palloc(decoder->buf_size);
	decoder->cells_cap = 64;
	decoder->cells = palloc(sizeof(msgpack_object *) * decoder->cells_cap);
}

/*
 * The decoder's array of cell pointers, grown to hold n (in the memory
 * context the decoder was created in).
 */
const msgpack_object **
SegRowDecoderCells(SegRowDecoder *decoder, uint32 n)
{
	if (n > decoder->cells_cap)
	{
		decoder->cells_cap = Max(n, 2 * decoder->cells_cap);
		decoder->cells = repalloc(decoder->cells,
								  sizeof(msgpack_object *) * decoder->cells_cap);
	}
	return decoder->cells;
}

/* Free the decoder's malloc'd zone; its buffer goes with its memory context. */
void
SegRowDecoderFree(SegRowDecoder *decoder)
{
	msgpack_zone_destroy(&decoder->zone);
}

/* bytes of decoder->buf that the by-reference values of a cell need */
static inline Size
cell_buffer_need(const msgpack_object *o)
{
	if (o == NULL)
		return 0;
	if (o->type == MSGPACK_OBJECT_STR || o->type == MSGPACK_OBJECT_BIN)
		return MAXALIGN(VARHDRSZ + o->via.str.size);
	if (o->type == MSGPACK_OBJECT_EXT)
		return MAXALIGN(VARHDRSZ + o->via.ext.size + 1);
	return 0;
}

/* copy "len" bytes into buf at *off as a varlena; return it as a Datum */
static Datum
make_varlena(char *buf, Size *off, const char *data, uint32 len)
{
	struct varlena *v = (struct varlena *) (buf + *off);

	SET_VARSIZE(v, VARHDRSZ + len);
	memcpy(VARDATA(v), data, len);
	*off += MAXALIGN(VARHDRSZ + len);
	return PointerGetDatum(v);
}

static Datum
decode_ext(const msgpack_object *o, Form_pg_attribute att, char *buf, Size *off)
{
	const char *data = o->via.ext.ptr;
	uint32		len = o->via.ext.size;
	char	   *dst;

	switch (o->via.ext.type)
	{
		case SEG_EXT_BYVAL:
			if (!att->attbyval || len != (uint32) att->attlen)
				break;
			return fetch_att(data, true, att->attlen);
		case SEG_EXT_FIXED:
			if (att->attbyval || len != (uint32) att->attlen)
				break;
			dst = buf + *off;
			memcpy(dst, data, len);
			*off += MAXALIGN(len);
			return PointerGetDatum(dst);
		case SEG_EXT_VARLENA:
			if (att->attlen != -1)
				break;
			return make_varlena(buf, off, data, len);
		case SEG_EXT_CSTRING:
			if (att->attlen != -2)
				break;
			dst = buf + *off;
			memcpy(dst, data, len);
			dst[len] = '\0';
			*off += MAXALIGN(len + 1);
			return PointerGetDatum(dst);
	}
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("stored value of column \"%s\" does not match its type",
					NameStr(att->attname)),
			 errdetail("MessagePack ext type %d of %u bytes cannot hold a value of type %s.",
					   o->via.ext.type, len, format_type_be(att->atttypid))));
	return (Datum) 0;			/* keep compiler quiet */
}

static Datum
decode_native(const msgpack_object *o, Form_pg_attribute att, SegValueKind kind,
			  char *buf, Size *off)
{
	switch (o->type)
	{
		case MSGPACK_OBJECT_BOOLEAN:
			if (kind == SEG_KIND_BOOL)
				return BoolGetDatum(o->via.boolean);
			break;
		case MSGPACK_OBJECT_POSITIVE_INTEGER:
		case MSGPACK_OBJECT_NEGATIVE_INTEGER:
			if (kind == SEG_KIND_INT16)
				return Int16GetDatum((int16) o->via.i64);
			if (kind == SEG_KIND_INT32)
				return Int32GetDatum((int32) o->via.i64);
			if (kind == SEG_KIND_INT64)
				return Int64GetDatum(o->via.i64);
			break;
		case MSGPACK_OBJECT_FLOAT32:
			if (kind == SEG_KIND_FLOAT4)
				return Float4GetDatum((float4) o->via.f64);
			break;
		case MSGPACK_OBJECT_FLOAT64:
			if (kind == SEG_KIND_FLOAT8)
				return Float8GetDatum(o->via.f64);
			break;
		case MSGPACK_OBJECT_STR:
			if (kind == SEG_KIND_STR)
				return make_varlena(buf, off, o->via.str.ptr, o->via.str.size);
			break;
		case MSGPACK_OBJECT_BIN:
			if (kind == SEG_KIND_BIN)
				return make_varlena(buf, off, o->via.bin.ptr, o->via.bin.size);
			break;
		case MSGPACK_OBJECT_EXT:
			return decode_ext(o, att, buf, off);
		default:
			break;
	}
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("stored value of column \"%s\" does not match its type",
					NameStr(att->attname)),
			 errdetail("MessagePack type %d cannot hold a value of type %s.",
					   (int) o->type, format_type_be(att->atttypid))));
	return (Datum) 0;			/* keep compiler quiet */
}

/* Decode attribute i (0-based) of a row from its cell. */
static inline void
decode_attribute(SegRowDecoder *decoder, const SegRowLayout *layout,
				 TupleDesc tupdesc, int i, const msgpack_object *cell,
				 bool stored, Size *buf_off, Datum *values, bool *isnull)
{
	Form_pg_attribute att = TupleDescAttr(tupdesc, i);

	if (!stored ||
		(cell->type == MSGPACK_OBJECT_EXT && cell->via.ext.type == SEG_SEALED_ABSENT_EXT))
	{
		/* column added after this row was written */
		if (att->atthasmissing && !att->attisdropped &&
			tupdesc->constr && tupdesc->constr->missing &&
			tupdesc->constr->missing[i].am_present)
		{
			values[i] = tupdesc->constr->missing[i].am_value;
			isnull[i] = false;
		}
		else
		{
			values[i] = (Datum) 0;
			isnull[i] = true;
		}
		return;
	}
	if (att->attisdropped || cell->type == MSGPACK_OBJECT_NIL)
	{
		values[i] = (Datum) 0;
		isnull[i] = true;
		return;
	}
	values[i] = decode_native(cell, att, (SegValueKind) layout->kinds[i],
							  decoder->buf, buf_off);
	isnull[i] = false;
}

/*
 * Decode one row given as its cells, one MessagePack object per stored
 * attribute (ncells of them; a row written before ADD COLUMN has fewer
 * than tupdesc->natts), into values/isnull (tupdesc->natts each).  If
 * "attrs" is not NULL, only the nattrs attributes it lists (0-based, in
 * ascending order) are decoded and the others are set to NULL; cells of
 * attributes not listed are not looked at.  By-reference values point
 * into decoder->buf and stay valid until the next call.
 */
void
SegRowDecodeCells(SegRowDecoder *decoder, const SegRowLayout *layout,
				  TupleDesc tupdesc, const int *attrs, int nattrs,
				  const msgpack_object *const *cells, int ncells,
				  Datum *values, bool *isnull)
{
	Size		need = 0;
	Size		buf_off = 0;
	int			n = attrs != NULL ? nattrs : tupdesc->natts;

	for (int k = 0; k < n; k++)
	{
		int			i = attrs != NULL ? attrs[k] : k;

		if (i < ncells)
			need += cell_buffer_need(cells[i]);
	}
	if (need > decoder->buf_size)
	{
		decoder->buf_size = Max(need, decoder->buf_size * 2);
		decoder->buf = repalloc_huge(decoder->buf, decoder->buf_size);
	}

	if (attrs != NULL)
		memset(isnull, true, sizeof(bool) * tupdesc->natts);
	for (int k = 0; k < n; k++)
	{
		int			i = attrs != NULL ? attrs[k] : k;

		decode_attribute(decoder, layout, tupdesc, i,
						 i < ncells ? cells[i] : NULL, i < ncells,
						 &buf_off, values, isnull);
	}
}

/*
 * Decode the row in data[0..len) into values/isnull (tupdesc->natts each).
 * Returns false if the bytes are not one MessagePack array; the caller
 * reports the corruption with the file's name.  By-reference values point
 * into decoder->buf and stay valid until the next call.
 */
bool
SegRowDecode(SegRowDecoder *decoder, const SegRowLayout *layout,
			 TupleDesc tupdesc, const int *attrs, int nattrs,
			 const char *data, size_t len,
			 Datum *values, bool *isnull)
{
	msgpack_object row;
	size_t		off = 0;
	const msgpack_object **cells;

	msgpack_zone_clear(&decoder->zone);
	if (msgpack_unpack(data, len, &off, &decoder->zone, &row) != MSGPACK_UNPACK_SUCCESS ||
		row.type != MSGPACK_OBJECT_ARRAY)
		return false;
	cells = SegRowDecoderCells(decoder, row.via.array.size);
	for (uint32 i = 0; i < row.via.array.size; i++)
		cells[i] = &row.via.array.ptr[i];
	SegRowDecodeCells(decoder, layout, tupdesc, attrs, nattrs, cells,
					  (int) row.via.array.size, values, isnull);
	return true;
}
