//! The central schema: versioned SQL migrations kept in the repository
//! (`migrations/server/NNNN_*.sql`, compiled in), recorded in `schema_migrations`, each
//! applied in a transaction of its own together with its row. `sufler server init` applies
//! the missing ones; a server whose schema is newer than this build knows is refused.

use super::{Server, SyncError};

/// One migration: its number (1, 2, …, in order, none skipped), name and SQL.
pub struct Migration {
    pub version: i32,
    pub name: &'static str,
    pub sql: &'static str,
}

/// Every migration this build knows, in order.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_central_store",
        sql: include_str!("../../migrations/server/0001_central_store.sql"),
    },
    Migration {
        version: 2,
        name: "0002_from_the_centre",
        sql: include_str!("../../migrations/server/0002_from_the_centre.sql"),
    },
];

/// The schema version this build reads and writes: the last migration's.
pub fn known_version() -> i32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// The `server_settings` key for accepting client names and phones.
pub const CLIENT_NAMES_SETTING: &str = "client_names";

/// What `server init` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitReport {
    /// The schema version before (0: none).
    pub from: i32,
    /// The schema version now.
    pub to: i32,
    /// The migrations applied, by name.
    pub applied: Vec<&'static str>,
    /// Client names and phones are accepted (now or already).
    pub client_names: bool,
    /// `--accept-client-names` turned them on in this run.
    pub client_names_turned_on: bool,
}

/// An advisory lock number: one `server init` at a time.
const INIT_LOCK: i64 = 7_316_044;

fn sql_error(server: &Server) -> impl Fn(postgres::Error) -> SyncError + '_ {
    move |e| SyncError::Refused {
        server: server.masked().to_string(),
        reason: server.reason(&e),
    }
}

/// The server's schema version (0: no `schema_migrations` table).
pub fn server_version(client: &mut postgres::Client, server: &Server) -> Result<i32, SyncError> {
    let exists: bool = client
        .query_one("SELECT to_regclass('schema_migrations') IS NOT NULL", &[])
        .map_err(sql_error(server))?
        .get(0);
    if !exists {
        return Ok(0);
    }
    let row = client
        .query_one(
            "SELECT coalesce(max(version), 0) FROM schema_migrations",
            &[],
        )
        .map_err(sql_error(server))?;
    Ok(row.get(0))
}

/// Refuses a server whose schema is not the one this build writes.
pub fn check_current(client: &mut postgres::Client, server: &Server) -> Result<(), SyncError> {
    let found = server_version(client, server)?;
    let known = known_version();
    match found {
        0 => Err(SyncError::NotInitialised {
            server: server.masked().to_string(),
        }),
        f if f > known => Err(SyncError::SchemaNewer {
            server: server.masked().to_string(),
            found: f,
            known,
        }),
        f if f < known => Err(SyncError::SchemaOlder {
            server: server.masked().to_string(),
            found: f,
            known,
        }),
        _ => Ok(()),
    }
}

/// Whether the server accepts client names and phones.
pub fn accepts_client_names(
    client: &mut postgres::Client,
    server: &Server,
) -> Result<bool, SyncError> {
    let row = client
        .query_opt(
            "SELECT value FROM server_settings WHERE key = $1",
            &[&CLIENT_NAMES_SETTING],
        )
        .map_err(sql_error(server))?;
    Ok(row.is_some_and(|r| r.get::<_, String>(0) == "accepted"))
}

/// `sufler server init`: creates or migrates the central schema. Twice is a no-op.
pub fn init(server: &Server, accept_client_names: bool) -> Result<InitReport, SyncError> {
    let mut client = server.connect()?;
    let err = sql_error(server);
    let mut tx = client.transaction().map_err(&err)?;
    // One init at a time; the lock goes with the transaction.
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&INIT_LOCK])
        .map_err(&err)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    integer PRIMARY KEY,
             name       text NOT NULL,
             applied_at timestamptz NOT NULL DEFAULT now()
         )",
    )
    .map_err(&err)?;
    tx.commit().map_err(&err)?;

    let from = server_version(&mut client, server)?;
    let known = known_version();
    if from > known {
        return Err(SyncError::SchemaNewer {
            server: server.masked().to_string(),
            found: from,
            known,
        });
    }
    let mut applied = Vec::new();
    for m in MIGRATIONS.iter().filter(|m| m.version > from) {
        let mut tx = client.transaction().map_err(&err)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&INIT_LOCK])
            .map_err(&err)?;
        // Another init may have applied it while this one waited for the lock.
        let done: bool = tx
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)",
                &[&m.version],
            )
            .map_err(&err)?
            .get(0);
        if done {
            continue;
        }
        tx.batch_execute(m.sql).map_err(|e| SyncError::Refused {
            server: server.masked().to_string(),
            reason: format!("migration {}: {}", m.name, server.reason(&e)),
        })?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
            &[&m.version, &m.name],
        )
        .map_err(&err)?;
        tx.commit().map_err(&err)?;
        applied.push(m.name);
    }
    let before = accepts_client_names(&mut client, server)?;
    if accept_client_names && !before {
        client
            .execute(
                "INSERT INTO server_settings (key, value) VALUES ($1, 'accepted')
                 ON CONFLICT (key) DO UPDATE SET value = 'accepted'",
                &[&CLIENT_NAMES_SETTING],
            )
            .map_err(&err)?;
    }
    Ok(InitReport {
        from,
        to: known,
        applied,
        client_names: before || accept_client_names,
        client_names_turned_on: accept_client_names && !before,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_in_order_and_named_after_their_files() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i32 + 1);
            assert!(
                m.name.starts_with(&format!("{:04}_", m.version)),
                "{}",
                m.name
            );
            assert!(!m.sql.trim().is_empty());
        }
        let on_disk = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/server"))
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "sql"))
            })
            .count();
        assert_eq!(
            on_disk,
            MIGRATIONS.len(),
            "every migration file is compiled in"
        );
    }
}
