-- Up Migration
-- Issue 12: the API and the worker connect as a role with DML only (infra/sql/db-bootstrap.sql), yet the worker adds
-- next months' partitions at run time (core/partitions.ts). The function runs with its owner's rights (the schema
-- owner that ran the migrations), so the partitions it creates belong to the owner and the app needs no DDL. It is
-- safe to run as the owner: it accepts only 'segments' or 'jobs' and integer dates, and quotes every identifier;
-- search_path is fixed so a caller's temporary objects cannot stand in for the tables.
ALTER FUNCTION create_month_partition(text, int, int) SECURITY DEFINER SET search_path = public, pg_temp;

-- The migrations' bookkeeping is the owner's alone. Where the deploy's roles exist, node-pg-migrate has just created
-- this table under the owner's default privileges, which give the app role DML on every new table; take that back.
-- (Where they do not, a development database, there is nothing to take.)
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'storyforge_app') THEN
    REVOKE ALL ON TABLE pgmigrations FROM storyforge_app;
  END IF;
END
$$;

-- Down Migration
ALTER FUNCTION create_month_partition(text, int, int) SECURITY INVOKER RESET search_path;
