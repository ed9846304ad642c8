"""least privilege: the application role's grants, DDL through checked functions, audit hash chain

Revision ID: 0006
Revises: 0003
Create Date: 2026-12-06 21:30:00

The application role (`geo.db.roles.APP`) reads and writes the data tables but owns
none of them, so it can neither change the schema nor switch a trigger off. It may only
INSERT and SELECT `audit_log` and `export_log`. The schema changes a load makes — a
month partition of `incidents`, a month built aside and attached (`etl.exchange`), the
keys and indexes of an empty table dropped for a bulk COPY and rebuilt
(`geo.db.copy.bulk_insert`), the archive counts' stage tables (`geo.counts.archive.stage`) — are
SECURITY DEFINER functions owned by the owner that check what they are asked: only
`incidents`-like partitioned tables, only tables named as stages, only empty tables,
and keys dropped for a bulk load must be back before the transaction may commit.

Each audit row carries `hash` = SHA-256 of its content chained to the previous row's
`prev_hash`. The trigger that computes it takes the single row of `audit_chain` FOR
UPDATE, so concurrent inserts queue and cannot fork the chain, and it numbers the rows
itself (ids follow the chain without gaps). `civicgrid audit verify` recomputes it.
"""

from alembic import op

from geo.db.roles import APP

revision = "0006"
down_revision = "0008"
branch_labels = None
depends_on = None

GENESIS = "0" * 64

CHAIN = f"""
ALTER TABLE audit_log ADD COLUMN prev_hash text, ADD COLUMN hash text;
CREATE TABLE audit_chain (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    last_id bigint NOT NULL,
    last_hash text NOT NULL
);

-- what the hash covers: each field as <octets>:<text> (NULL as -1:), after the previous hash
CREATE FUNCTION audit_log_hash(prev text, id bigint, at timestamptz, username text,
                               action text, detail jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog AS $$
    SELECT encode(sha256(convert_to(prev || string_agg(
        coalesce(octet_length(f)::text || ':' || f, '-1:'), '' ORDER BY n), 'UTF8')), 'hex')
    FROM unnest(ARRAY[id::text,
                      to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
                      username, action, detail::text]) WITH ORDINALITY AS u(f, n)
$$;

ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change;  -- rows before the chain get their hashes
DO $$
DECLARE
    r record;
    prev text := '{GENESIS}';
    last bigint := 0;
BEGIN
    FOR r IN SELECT * FROM audit_log ORDER BY id LOOP
        UPDATE audit_log SET prev_hash = prev,
               hash = audit_log_hash(prev, r.id, r.at, r.username, r.action, r.detail)
         WHERE id = r.id RETURNING hash INTO prev;
        last := r.id;
    END LOOP;
    INSERT INTO audit_chain (last_id, last_hash) VALUES (last, prev);
END $$;
ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change;
ALTER TABLE audit_log ALTER COLUMN prev_hash SET NOT NULL, ALTER COLUMN hash SET NOT NULL;

CREATE FUNCTION audit_log_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    head audit_chain%ROWTYPE;
BEGIN
    -- one at a time: the next insert waits here for this transaction to end
    SELECT * INTO STRICT head FROM audit_chain FOR UPDATE;
    NEW.id := head.last_id + 1;
    NEW.at := now();
    NEW.detail := coalesce(NEW.detail, '{{}}'::jsonb);
    NEW.prev_hash := head.last_hash;
    NEW.hash := audit_log_hash(NEW.prev_hash, NEW.id, NEW.at, NEW.username, NEW.action, NEW.detail);
    UPDATE audit_chain SET last_id = NEW.id, last_hash = NEW.hash;
    RETURN NEW;
END $$;
CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_chain();
"""

DEFINERS = r"""
-- a month partition of incidents (rows of that month in the default partition move in)
CREATE FUNCTION civicgrid_incident_month(month date) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    first date := date_trunc('month', month)::date;
    part text := 'incidents_' || to_char(first, 'YYYY_MM');
    lo timestamptz := (to_char(first, 'YYYY-MM-DD') || ' 00:00:00+08')::timestamptz;
    hi timestamptz := (to_char(first + 31, 'YYYY-MM') || '-01 00:00:00+08')::timestamptz;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('civicgrid.incident_partitions'));
    IF to_regclass('public.' || part) IS NOT NULL THEN
        RETURN NULL;
    END IF;
    CREATE TEMP TABLE civicgrid_moving ON COMMIT DROP AS
        WITH gone AS (DELETE FROM public.incidents_default
                      WHERE occurred_at >= lo AND occurred_at < hi RETURNING *)
        SELECT * FROM gone;
    EXECUTE format('CREATE TABLE public.%I PARTITION OF public.incidents FOR VALUES FROM (%L) TO (%L)',
                   part, lo, hi);
    INSERT INTO public.incidents SELECT * FROM pg_temp.civicgrid_moving;
    DROP TABLE pg_temp.civicgrid_moving;
    RETURN part;
END $$;

-- the partitioned table a stage is built for: ours, in public
CREATE FUNCTION civicgrid_stage_parent(parent regclass) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
    name text;
BEGIN
    SELECT c.relname INTO name FROM pg_class c
     WHERE c.oid = parent AND c.relkind = 'p' AND c.relnamespace = 'public'::regnamespace
       AND c.relowner = current_user::regrole;
    IF name IS NULL THEN
        RAISE EXCEPTION 'not a partitioned table of civicgrid: %', parent;
    END IF;
    RETURN name;
END $$;

CREATE FUNCTION civicgrid_stage_name(parent regclass, batch bigint, month date) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT civicgrid_stage_parent(parent) || '__b' || batch || '_' || to_char(month, 'YYYY_MM')
$$;

-- what a stage of `parent` is made of, read once before a load, while the load's own
-- transaction does not yet hold the locks that reading the definitions would wait for
CREATE TABLE civicgrid_stage_plans (
    parent regclass PRIMARY KEY,
    columns text NOT NULL,
    indexes text[] NOT NULL,
    keys text[] NOT NULL,
    bounds_column text NOT NULL
);

CREATE FUNCTION civicgrid_stage_prepare(parent regclass) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    PERFORM civicgrid_stage_parent(parent);
    INSERT INTO civicgrid_stage_plans
    SELECT parent,
           (SELECT string_agg(format('%I %s%s%s%s', a.attname, format_type(a.atttypid, a.atttypmod),
                       CASE WHEN a.attcollation <> t.typcollation
                            THEN ' COLLATE ' || quote_ident(c.collname) ELSE '' END,
                       CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END,
                       coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')),
                       ', ' ORDER BY a.attnum)
              FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
              LEFT JOIN pg_collation c ON c.oid = a.attcollation
              LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
             WHERE a.attrelid = parent AND a.attnum > 0 AND NOT a.attisdropped),
           ARRAY(SELECT pg_get_indexdef(x.indexrelid) FROM pg_index x
                  WHERE x.indrelid = parent
                    AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)
                  ORDER BY x.indexrelid),
           ARRAY(SELECT pg_get_constraintdef(oid) FROM pg_constraint
                  WHERE conrelid = parent AND contype IN ('p', 'u') ORDER BY contype, conname),
           (SELECT a.attname FROM pg_partitioned_table p JOIN pg_attribute a
                ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
             WHERE p.partrelid = parent)
    ON CONFLICT ON CONSTRAINT civicgrid_stage_plans_pkey DO UPDATE
       SET columns = EXCLUDED.columns, indexes = EXCLUDED.indexes, keys = EXCLUDED.keys,
           bounds_column = EXCLUDED.bounds_column;
END $$;

-- a stage table with the parent's columns (types, collations, NOT NULL, defaults)
CREATE FUNCTION civicgrid_stage_create(parent regclass, batch bigint, month date) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    stage text := civicgrid_stage_name(parent, batch, month);
    plan civicgrid_stage_plans%ROWTYPE;
BEGIN
    SELECT * INTO STRICT plan FROM civicgrid_stage_plans p WHERE p.parent = $1;
    EXECUTE format('CREATE TABLE public.%I (%s)', stage, plan.columns);
    RETURN stage;
END $$;

-- the parent's indexes and keys on a filled stage, and a CHECK of its month's bounds
CREATE FUNCTION civicgrid_stage_finish(parent regclass, batch bigint, month date) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    stage text := civicgrid_stage_name(parent, batch, month);
    plan civicgrid_stage_plans%ROWTYPE;
    lo timestamptz := (to_char(month, 'YYYY-MM') || '-01 00:00:00+08')::timestamptz;
    hi timestamptz := (to_char(date_trunc('month', month)::date + 31, 'YYYY-MM') || '-01 00:00:00+08')::timestamptz;
    definition text;
BEGIN
    SELECT * INTO STRICT plan FROM civicgrid_stage_plans p WHERE p.parent = $1;
    FOREACH definition IN ARRAY plan.indexes LOOP
        EXECUTE regexp_replace(definition, '^CREATE (UNIQUE )?INDEX \S+ ON ONLY \S+ ',
                               'CREATE \1INDEX ON public.' || quote_ident(stage) || ' ');
    END LOOP;
    FOREACH definition IN ARRAY plan.keys LOOP
        EXECUTE format('ALTER TABLE public.%I ADD ', stage) || definition;
    END LOOP;
    EXECUTE format('ALTER TABLE public.%I ADD CONSTRAINT bounds CHECK (%I >= %L AND %I < %L)',
                   stage, plan.bounds_column, lo, plan.bounds_column, hi);
END $$;

-- the stage in place of its month's partition, which must be empty
CREATE FUNCTION civicgrid_stage_attach(parent regclass, batch bigint, month date) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    stage text := civicgrid_stage_name(parent, batch, month);
    final text := civicgrid_stage_parent(parent) || '_' || to_char(month, 'YYYY_MM');
    lo timestamptz := (to_char(month, 'YYYY-MM') || '-01 00:00:00+08')::timestamptz;
    hi timestamptz := (to_char(date_trunc('month', month)::date + 31, 'YYYY-MM') || '-01 00:00:00+08')::timestamptz;
    found boolean;
    index text;
BEGIN
    IF to_regclass('public.' || quote_ident(final)) IS NOT NULL THEN
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM public.%I)', final) INTO found;
        IF found THEN
            RAISE EXCEPTION 'partition % is not empty', final;
        END IF;
        EXECUTE format('DROP TABLE public.%I', final);
    END IF;
    EXECUTE format('ALTER TABLE %s ATTACH PARTITION public.%I FOR VALUES FROM (%L) TO (%L)',
                   parent, stage, lo, hi);
    EXECUTE format('ALTER TABLE public.%I DROP CONSTRAINT bounds', stage);
    EXECUTE format('ALTER TABLE public.%I RENAME TO %I', stage, final);
    FOR index IN
        SELECT c.relname FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
         WHERE x.indrelid = ('public.' || quote_ident(final))::regclass
           AND left(c.relname, length(stage)) = stage
    LOOP  -- named as the partitions PostgreSQL makes itself
        EXECUTE format('ALTER INDEX public.%I RENAME TO %I', index, final || substr(index, length(stage) + 1));
    END LOOP;
    RETURN final;
END $$;

-- stage tables never attached: of one load, or (batch NULL) of every load of `parent`
CREATE FUNCTION civicgrid_stage_drop(parent regclass, batch bigint, month date) RETURNS SETOF text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    pattern text := replace(civicgrid_stage_parent(parent), '_', '\_') || '\_\_b' ||
                    CASE WHEN batch IS NULL THEN '%'
                         ELSE batch || '\_' || to_char(month, 'YYYY\_MM') END;
    name text;
BEGIN
    FOR name IN
        SELECT relname FROM pg_class WHERE relkind = 'r' AND NOT relispartition
           AND relnamespace = 'public'::regnamespace AND relname LIKE pattern
    LOOP
        EXECUTE format('DROP TABLE public.%I', name);
        RETURN NEXT name;
    END LOOP;
END $$;

-- a bulk COPY into an empty table: its keys and indexes dropped now, kept here, and
-- rebuilt by civicgrid_bulk_close before the transaction may commit
CREATE TABLE civicgrid_bulk_pending (
    xact xid8 NOT NULL,
    tbl regclass NOT NULL,
    ord int NOT NULL,
    definition text NOT NULL,
    PRIMARY KEY (xact, tbl, ord)
);

CREATE FUNCTION civicgrid_bulk_unclosed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM civicgrid_bulk_pending WHERE xact = NEW.xact AND tbl = NEW.tbl) THEN
        RAISE EXCEPTION 'the keys of % were dropped for a bulk load and not rebuilt', NEW.tbl;
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER civicgrid_bulk_closed AFTER INSERT ON civicgrid_bulk_pending
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION civicgrid_bulk_unclosed();

CREATE FUNCTION civicgrid_bulk_open(target regclass) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    r record;
    found boolean;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = target AND relkind = 'r'
                   AND relnamespace = 'public'::regnamespace AND relowner = current_user::regrole)
       OR target IN ('public.audit_log'::regclass, 'public.export_log'::regclass,
                     'public.audit_chain'::regclass, 'public.civicgrid_bulk_pending'::regclass) THEN
        RAISE EXCEPTION 'not a table civicgrid bulk-loads: %', target;
    END IF;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s)', target) INTO found;
    IF found THEN
        RAISE EXCEPTION 'bulk load into % needs it empty', target;
    END IF;
    -- rebuilt in this order: indexes, then keys, then foreign keys
    FOR r IN
        SELECT 0 AS kind, c.relname AS name,
               replace(pg_get_indexdef(x.indexrelid), ' ON ONLY ', ' ON ') AS definition
          FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
         WHERE x.indrelid = target
           AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)
        UNION ALL
        SELECT CASE WHEN contype = 'f' THEN 2 ELSE 1 END, conname,
               format('ALTER TABLE %s ADD CONSTRAINT %I ', target, conname) || pg_get_constraintdef(oid)
          FROM pg_constraint
         WHERE conrelid = target AND (contype IN ('u', 'f') OR contype = 'p' AND NOT EXISTS
               (SELECT 1 FROM pg_constraint o WHERE o.confrelid = target))
         ORDER BY 1
    LOOP
        INSERT INTO civicgrid_bulk_pending
        VALUES (pg_current_xact_id(), target,
                coalesce((SELECT max(ord) + 1 FROM civicgrid_bulk_pending
                          WHERE xact = pg_current_xact_id() AND tbl = target), 0),
                r.definition);
        IF r.kind = 0 THEN
            EXECUTE format('DROP INDEX public.%I', r.name);
        ELSE
            EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', target, r.name);
        END IF;
    END LOOP;
END $$;

CREATE FUNCTION civicgrid_bulk_close(target regclass) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    definition text;
BEGIN
    FOR definition IN
        SELECT p.definition FROM civicgrid_bulk_pending p
         WHERE p.xact = pg_current_xact_id() AND p.tbl = target ORDER BY p.ord
    LOOP
        EXECUTE definition;
    END LOOP;
    DELETE FROM civicgrid_bulk_pending WHERE xact = pg_current_xact_id() AND tbl = target;
END $$;

-- stage tables of the archive counts (geo.counts.archive.stage), filled by COPY from any process
CREATE FUNCTION civicgrid_counts_stage() RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    name text := 'incident_counts_stage_' || left(replace(gen_random_uuid()::text, '-', ''), 12);
BEGIN
    EXECUTE format('CREATE UNLOGGED TABLE public.%I (res int2, cell int8, period int2, '
                   'period_start int4, category text, count int8)', name);
    RETURN name;
END $$;

CREATE FUNCTION civicgrid_counts_stage_drop(name text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    IF name !~ '^incident_counts_stage_[0-9a-f]{12}$' THEN
        RAISE EXCEPTION 'not a stage of the archive counts: %', name;
    END IF;
    EXECUTE format('DROP TABLE IF EXISTS public.%I', name);
END $$;
"""

#: what the application role may run (EXECUTE is revoked from everyone else)
FUNCTIONS = (
    "civicgrid_incident_month(date)",
    "civicgrid_stage_prepare(regclass)",
    "civicgrid_stage_create(regclass, bigint, date)",
    "civicgrid_stage_finish(regclass, bigint, date)",
    "civicgrid_stage_attach(regclass, bigint, date)",
    "civicgrid_stage_drop(regclass, bigint, date)",
    "civicgrid_bulk_open(regclass)",
    "civicgrid_bulk_close(regclass)",
    "civicgrid_counts_stage()",
    "civicgrid_counts_stage_drop(text)",
)
INTERNAL = (
    "audit_log_chain()",
    "civicgrid_bulk_unclosed()",
    "civicgrid_stage_parent(regclass)",
    "civicgrid_stage_name(regclass, bigint, date)",
)

GRANTS = f"""
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE ALL ON audit_chain, civicgrid_bulk_pending, civicgrid_stage_plans FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION {", ".join(FUNCTIONS + INTERNAL)} FROM PUBLIC;
DO $$
BEGIN
    IF to_regrole('{APP}') IS NULL THEN
        RAISE NOTICE 'role {APP} does not exist: no grants (see README, Security)';
        RETURN;
    END IF;
    GRANT USAGE ON SCHEMA public TO {APP};
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP};
    REVOKE ALL ON audit_chain, civicgrid_bulk_pending, civicgrid_stage_plans, alembic_version FROM {APP};
    GRANT SELECT ON alembic_version, audit_chain TO {APP};  -- verify reads the chain's head
    REVOKE UPDATE, DELETE, TRUNCATE ON audit_log, export_log FROM {APP};
    GRANT TRUNCATE ON incident_counts TO {APP};
    GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {APP};
    GRANT EXECUTE ON FUNCTION {", ".join(FUNCTIONS)} TO {APP};
    -- tables of later migrations (and partitions, stages) are the application's to use too
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP};
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {APP};
END $$;
"""


def upgrade() -> None:
    op.execute(CHAIN)
    op.execute(DEFINERS)
    op.execute(GRANTS)


def downgrade() -> None:
    op.execute(f"""
        DO $$
        BEGIN
            IF to_regrole('{APP}') IS NOT NULL THEN
                ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM {APP};
                ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM {APP};
                REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {APP};
                REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {APP};
                REVOKE USAGE ON SCHEMA public FROM {APP};
            END IF;
        END $$;
        DROP FUNCTION {", ".join(FUNCTIONS)};
        DROP TABLE civicgrid_bulk_pending, civicgrid_stage_plans;
        DROP FUNCTION civicgrid_bulk_unclosed(), civicgrid_stage_name(regclass, bigint, date),
                      civicgrid_stage_parent(regclass);
        DROP TRIGGER audit_log_chain ON audit_log;
        DROP FUNCTION audit_log_chain(), audit_log_hash(text, bigint, timestamptz, text, text, jsonb);
        DROP TABLE audit_chain;
        ALTER TABLE audit_log DROP COLUMN prev_hash, DROP COLUMN hash;
    """)
