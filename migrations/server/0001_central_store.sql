-- Sufler's central store, schema 1 (DESIGN §10). Applied by `sufler server init` in one
-- transaction together with its row in schema_migrations.
--
-- Every table of records is keyed by (workstation_id, …): a workstation's local ids are
-- unique only in its own database, and the pair is unique in the bank. The key starts with
-- workstation_id so that Citus can distribute each table by it
-- (SELECT create_distributed_table('consultations', 'workstation_id'), …) without a change to
-- Sufler's queries, which always join on it. The big tables are partitioned by month
-- (YYYYMM); sufler_month_partitions(m) makes a month's partitions when a sync first needs
-- them. Every record row carries `version`: the workstation's event sequence number the
-- record was read at; an upsert replaces a row only with a higher version, so a batch sent
-- twice changes nothing.

-- Settings of the whole server (a Citus reference table).
CREATE TABLE server_settings (
    key   text PRIMARY KEY,
    value text NOT NULL
);

CREATE TABLE workstations (
    workstation_id bigint PRIMARY KEY,
    -- The database directory on the workstation, as `export --db` names it.
    location       text NOT NULL,
    first_sync_at  timestamptz NOT NULL DEFAULT now(),
    last_sync_at   timestamptz NOT NULL DEFAULT now(),
    -- The workstation's event log is on the server up to this sequence number.
    synced_seq     bigint NOT NULL DEFAULT 0
);

CREATE TABLE officers (
    workstation_id bigint NOT NULL,
    name           text NOT NULL,
    branch         text NOT NULL,
    version        bigint NOT NULL,
    PRIMARY KEY (workstation_id, name)
);

-- Clients without personal data: the names, the phone and the full birth date stay NULL
-- unless the server was initialised with --accept-client-names.
CREATE TABLE clients (
    workstation_id bigint NOT NULL,
    client_id      bigint NOT NULL,
    birth_year     integer NOT NULL,
    segment        text NOT NULL,
    calls_consent  boolean NOT NULL,
    last_name      text,
    first_name     text,
    patronymic     text,
    phone          text,
    birth_date     date,
    version        bigint NOT NULL,
    PRIMARY KEY (workstation_id, client_id)
);

CREATE TABLE holdings (
    workstation_id bigint NOT NULL,
    client_id      bigint NOT NULL,
    product        text NOT NULL,
    PRIMARY KEY (workstation_id, client_id, product)
);

-- `record` is the workstation's own encoding of the whole record (a version byte, then
-- postcard), so the centre can rebuild it exactly; the columns are for SQL.
CREATE TABLE consultations (
    workstation_id  bigint NOT NULL,
    month           integer NOT NULL,
    consultation_id bigint NOT NULL,
    started_at      timestamp NOT NULL,
    finished_at     timestamp,
    officer         text NOT NULL,
    branch          text NOT NULL,
    client_id       bigint NOT NULL,
    main            text NOT NULL,
    main_outcome    text,
    not_receptive   boolean NOT NULL,
    catalog_label   text,
    catalog_hash    text,
    version         bigint NOT NULL,
    record          bytea NOT NULL,
    PRIMARY KEY (workstation_id, month, consultation_id)
) PARTITION BY RANGE (month);

CREATE TABLE offers (
    workstation_id  bigint NOT NULL,
    month           integer NOT NULL,
    consultation_id bigint NOT NULL,
    n               integer NOT NULL,
    officer         text NOT NULL,
    main            text NOT NULL,
    product         text NOT NULL,
    technique       text NOT NULL,
    slot            text,
    stage           text NOT NULL,
    variant         bigint NOT NULL,
    made_at         timestamp NOT NULL,
    outcome         text,
    outcome_at      timestamp,
    PRIMARY KEY (workstation_id, month, consultation_id, n)
) PARTITION BY RANGE (month);

CREATE TABLE contacts (
    workstation_id  bigint NOT NULL,
    month           integer NOT NULL,
    contact_id      bigint NOT NULL,
    at              timestamp NOT NULL,
    officer         text NOT NULL,
    branch          text NOT NULL,
    client_id       bigint NOT NULL,
    consultation_id bigint NOT NULL,
    product         text NOT NULL,
    outcome         text NOT NULL,
    check_in        boolean NOT NULL,
    version         bigint NOT NULL,
    record          bytea NOT NULL,
    PRIMARY KEY (workstation_id, month, contact_id)
) PARTITION BY RANGE (month);

CREATE TABLE cancellations (
    workstation_id  bigint NOT NULL,
    cancellation_id bigint NOT NULL,
    client_id       bigint NOT NULL,
    consultation_id bigint NOT NULL,
    officer         text NOT NULL,
    product         text NOT NULL,
    sold_at         timestamp NOT NULL,
    cancelled_on    date NOT NULL,
    version         bigint NOT NULL,
    record          bytea NOT NULL,
    PRIMARY KEY (workstation_id, cancellation_id)
);

-- The workstation's append-only event log (the outbox's history).
CREATE TABLE events (
    workstation_id  bigint NOT NULL,
    month           integer NOT NULL,
    seq             bigint NOT NULL,
    at              timestamp NOT NULL,
    officer         text NOT NULL,
    consultation_id bigint,
    client_id       bigint,
    kind            text NOT NULL,
    detail          text NOT NULL,
    PRIMARY KEY (workstation_id, month, seq)
) PARTITION BY RANGE (month);

-- The phrase texts of every catalogue version a workstation's consultations ran on.
CREATE TABLE catalogue_versions (
    workstation_id bigint NOT NULL,
    hash           text NOT NULL,
    label          text,
    first_used     timestamp NOT NULL,
    texts          jsonb NOT NULL,
    PRIMARY KEY (workstation_id, hash)
);

-- The plan targets in force in a month, as the workstation stored them.
CREATE TABLE month_plans (
    workstation_id bigint NOT NULL,
    month          integer NOT NULL,
    plan           jsonb NOT NULL,
    PRIMARY KEY (workstation_id, month)
);

-- The workstation's per-month aggregate counters, as it keeps them (a month's rows are
-- replaced together, in the transaction of the records that moved them); counter_months
-- holds the version each month's rows were read at.
CREATE TABLE counter_months (
    workstation_id bigint NOT NULL,
    month          integer NOT NULL,
    version        bigint NOT NULL,
    PRIMARY KEY (workstation_id, month)
);

CREATE TABLE counters (
    workstation_id bigint NOT NULL,
    month          integer NOT NULL,
    officer        text NOT NULL,
    product        text NOT NULL,
    kind           text NOT NULL,
    variant        bigint NOT NULL,
    offered        bigint NOT NULL,
    accepted       bigint NOT NULL,
    declined       bigint NOT NULL,
    thinking       bigint NOT NULL,
    consultations  bigint NOT NULL,
    main_sold      bigint NOT NULL,
    PRIMARY KEY (workstation_id, month, officer, product, kind, variant)
) PARTITION BY RANGE (month);

-- The partitions of month m (YYYYMM) of every partitioned table, made once.
CREATE FUNCTION sufler_month_partitions(m integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    t    text;
    upto integer := CASE WHEN m % 100 >= 12 THEN (m / 100 + 1) * 100 + 1 ELSE m + 1 END;
BEGIN
    -- Two workstations syncing the same new month at once: one makes the partitions.
    PERFORM pg_advisory_xact_lock(7316045);
    FOREACH t IN ARRAY ARRAY['consultations', 'offers', 'contacts', 'events', 'counters'] LOOP
        IF to_regclass(format('%I', t || '_' || m)) IS NULL THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%s) TO (%s)',
                           t || '_' || m, t, m, upto);
        END IF;
    END LOOP;
END
$$;
