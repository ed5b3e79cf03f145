-- From the centre to the branch (issue #17): the plans the bank sets and the catalogue the
-- trainers publish, both pulled by every workstation. Neither is keyed by workstation: on
-- Citus they are reference tables (`SELECT create_reference_table('central_plans')`, and the
-- same for `published_catalogues`).

-- Plan targets: month × branch × officer × product → target. An empty officer means every
-- officer of the branch; an officer's own row wins over it for that officer.
CREATE TABLE central_plans (
    month       integer NOT NULL,
    branch      text NOT NULL,
    officer     text NOT NULL DEFAULT '',
    product     text NOT NULL,
    target      integer NOT NULL CHECK (target >= 0),
    imported_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (month, branch, officer, product)
);

-- Every catalogue ever published, the latest (highest id) being the bank's current one.
-- `files`: [[relative path, text], …] as `sufler check` read them.
CREATE TABLE published_catalogues (
    id           bigserial PRIMARY KEY,
    hash         text NOT NULL,
    label        text,
    files        jsonb NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now()
);
