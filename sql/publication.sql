SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS segstore;
--
-- Logical replication: segment data is not in WAL, so no publication may
-- include a segstore table, however it would come to include it.
--
SET client_min_messages = error;	-- hide "wal_level is insufficient"
CREATE TABLE pub_s (ts timestamptz NOT NULL, n int) USING segstore;
CREATE TABLE pub_h (n int);
CREATE SCHEMA pub_other;
\set VERBOSITY default
CREATE PUBLICATION p_s FOR TABLE pub_s;
\set VERBOSITY terse
CREATE PUBLICATION p_h FOR TABLE pub_h;
ALTER PUBLICATION p_h ADD TABLE pub_s;
-- (other suites leave segstore tables in public: any of them may be named)
\set VERBOSITY sqlstate
CREATE PUBLICATION p_all FOR ALL TABLES;
CREATE PUBLICATION p_schema FOR TABLES IN SCHEMA public;
\set VERBOSITY terse
CREATE PUBLICATION p_other FOR TABLES IN SCHEMA pub_other;
-- a table joining a published schema, or turning into segstore
CREATE TABLE pub_other.s2 (ts timestamptz) USING segstore;
ALTER TABLE pub_s SET SCHEMA pub_other;
ALTER TABLE pub_h SET ACCESS METHOD segstore;
CREATE TABLE pub_other.s3 USING segstore AS SELECT now() AS ts;
-- nothing of the refused statements stayed
SELECT pubname FROM pg_publication ORDER BY 1;
SELECT c.relname, a.amname, c.relnamespace::regnamespace
FROM pg_class c JOIN pg_am a ON a.oid = c.relam
WHERE c.relname IN ('pub_s', 'pub_h', 's2', 's3') ORDER BY 1;
-- heap tables still publish
CREATE TABLE pub_other.h2 (n int);
SELECT * FROM pg_publication_tables ORDER BY 1, 2, 3;
DROP PUBLICATION p_h, p_other;
DROP TABLE pub_s, pub_h, pub_other.h2;
DROP SCHEMA pub_other;
RESET client_min_messages;
