-- Database roles of seed 000 §3 behind least privilege (issue 12), run by the deploy's db-bootstrap Job as the RDS
-- master user, which is not a superuser (rds_superuser, CREATEROLE, owner of the database):
--   psql -X -v ON_ERROR_STOP=1 --single-transaction -f db-bootstrap.sql
-- Idempotent: every statement creates what is missing or sets what it must be, so a rerun (a new Job after a
-- password rotation) converges. Passwords arrive as SCRAM-SHA-256 verifiers in the environment, never in this file:
--   STORYFORGE_OWNER_VERIFIER, STORYFORGE_APP_VERIFIER, STORYFORGE_PGBOUNCER_VERIFIER.
--
--   storyforge_owner      migrations (direct to the primary): owns the schema and everything in it
--   storyforge_app        the API and the worker (through PgBouncer): DML on the tables, nothing else
--   storyforge_pgbouncer  PgBouncer's auth_user: may only call pgbouncer.user_lookup, reads no table

\getenv owner_verifier STORYFORGE_OWNER_VERIFIER
\getenv app_verifier STORYFORGE_APP_VERIFIER
\getenv pgbouncer_verifier STORYFORGE_PGBOUNCER_VERIFIER
SELECT :'owner_verifier' LIKE 'SCRAM-SHA-256$%'
   AND :'app_verifier' LIKE 'SCRAM-SHA-256$%'
   AND :'pgbouncer_verifier' LIKE 'SCRAM-SHA-256$%' AS verifiers_set \gset
\if :verifiers_set
\else
  DO $$ BEGIN RAISE EXCEPTION 'db-bootstrap: the STORYFORGE_*_VERIFIER variables must be SCRAM-SHA-256 verifiers'; END $$;
\endif

DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'storyforge_owner') THEN CREATE ROLE storyforge_owner; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'storyforge_app') THEN CREATE ROLE storyforge_app; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'storyforge_pgbouncer') THEN CREATE ROLE storyforge_pgbouncer; END IF;
END
$$;
-- Migrations need few connections; the app's are budgeted by the capacity check (PgBouncer pools).
ALTER ROLE storyforge_owner WITH LOGIN NOCREATEDB NOCREATEROLE CONNECTION LIMIT 5 PASSWORD :'owner_verifier';
ALTER ROLE storyforge_app WITH LOGIN NOCREATEDB NOCREATEROLE PASSWORD :'app_verifier';
ALTER ROLE storyforge_pgbouncer WITH LOGIN NOCREATEDB NOCREATEROLE CONNECTION LIMIT 10 PASSWORD :'pgbouncer_verifier';
-- The master administers through the owner (ALTER ... OWNER TO needs membership; PostgreSQL 16 gives a role's
-- creator no membership by default).
GRANT storyforge_owner TO CURRENT_USER;

-- Nobody connects by default; each role gets what it uses.
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database()) \gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO storyforge_owner, storyforge_app', current_database()) \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO storyforge_pgbouncer', current_database()) \gexec

-- The owner owns the schema: migrations create, alter and drop; the app may only use it.
ALTER SCHEMA public OWNER TO storyforge_owner;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO storyforge_app;

-- A stack deployed before these roles has its objects owned by the master: hand them to the owner. Sequences that
-- belong to a column move with their table.
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN
    SELECT c.oid::regclass AS object,
           CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                          WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END AS kind
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public'
      AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
      AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
      AND NOT (c.relkind = 'S' AND EXISTS (
        SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')))
  LOOP
    EXECUTE format('ALTER %s %s OWNER TO storyforge_owner', r.kind, r.object);
  END LOOP;
  FOR r IN
    SELECT p.oid::regprocedure AS routine
    FROM pg_proc p
    JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = 'public' AND p.proowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
  LOOP
    EXECUTE format('ALTER ROUTINE %s OWNER TO storyforge_owner', r.routine);
  END LOOP;
END
$$;

-- What the owner creates later is the app's to read and write, and its functions (create_month_partition, a
-- SECURITY DEFINER function that adds monthly partitions) the app's to call; PUBLIC gets nothing.
ALTER DEFAULT PRIVILEGES FOR ROLE storyforge_owner IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO storyforge_app;
ALTER DEFAULT PRIVILEGES FOR ROLE storyforge_owner IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO storyforge_app;
ALTER DEFAULT PRIVILEGES FOR ROLE storyforge_owner REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE storyforge_owner IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO storyforge_app;
-- And what exists already.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO storyforge_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO storyforge_app;
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO storyforge_app;
-- The migrations' bookkeeping is the owner's alone (node-pg-migrate's table; absent before the first migration).
SELECT 'REVOKE ALL ON TABLE public.pgmigrations FROM storyforge_app' WHERE to_regclass('public.pgmigrations') IS NOT NULL \gexec

-- PgBouncer's auth_query. RDS keeps password verifiers out of reach (pg_authid is superuser-only), so the verifiers
-- of the roles PgBouncer may log in as are kept here, set by this script from the same values as the roles', and
-- read through one SECURITY DEFINER function: the auth user can call it and do nothing else.
CREATE SCHEMA IF NOT EXISTS pgbouncer;
REVOKE ALL ON SCHEMA pgbouncer FROM PUBLIC;
CREATE TABLE IF NOT EXISTS pgbouncer.auth (usename name PRIMARY KEY, passwd text NOT NULL);
REVOKE ALL ON TABLE pgbouncer.auth FROM PUBLIC;
INSERT INTO pgbouncer.auth (usename, passwd) VALUES ('storyforge_app', :'app_verifier')
  ON CONFLICT (usename) DO UPDATE SET passwd = EXCLUDED.passwd;
DELETE FROM pgbouncer.auth WHERE usename <> 'storyforge_app';
CREATE OR REPLACE FUNCTION pgbouncer.user_lookup(p_usename text, OUT usename name, OUT passwd text)
  RETURNS record
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$ SELECT a.usename, a.passwd FROM pgbouncer.auth a WHERE a.usename = p_usename $$;
REVOKE ALL ON FUNCTION pgbouncer.user_lookup(text) FROM PUBLIC;
GRANT USAGE ON SCHEMA pgbouncer TO storyforge_pgbouncer;
GRANT EXECUTE ON FUNCTION pgbouncer.user_lookup(text) TO storyforge_pgbouncer;
