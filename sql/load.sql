-- Loading segstore, basic writes and reads, segments, DDL.
CREATE EXTENSION segstore;
CREATE TABLE ev (ts timestamptz NOT NULL, device int, v float8, tag text) USING segstore;
INSERT INTO ev SELECT '2024-01-01'::timestamptz + i * interval '1 hour', i % 10, i * 0.5, 'tag' || i
FROM generate_series(1, 100) i;
SELECT count(*), min(ts), max(ts), sum(v) FROM ev;
