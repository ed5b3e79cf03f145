//! Published scripts (DESIGN §10): `sufler publish` stores a catalogue that passes `sufler
//! check --deny-warnings` as the bank's current version; workstations pull the current one.
//! Every publication is kept (a later one is current), so what a branch ran stays readable.

use super::{Server, SyncError};
use crate::store::PublishedCatalogue;

fn sql_error(server: &Server) -> impl Fn(postgres::Error) -> SyncError + '_ {
    move |e| SyncError::Refused {
        server: server.masked().to_string(),
        reason: server.reason(&e),
    }
}

/// What a publication did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Published {
    /// Stored as the current version, with its publication number.
    New(i64),
    /// The current version has these files already: nothing stored.
    AlreadyCurrent(i64),
}

/// Stores the files as the bank's current catalogue (their hash and label as `check` read
/// them). The caller has checked them.
pub fn publish(
    server: &Server,
    hash: &str,
    label: Option<&str>,
    files: &[(String, String)],
) -> Result<Published, SyncError> {
    let mut client = server.connect()?;
    super::schema::check_current(&mut client, server)?;
    let err = sql_error(server);
    if let Some(current) = current(&mut client, server)? {
        if current.hash == hash && current.files == files {
            return Ok(Published::AlreadyCurrent(current.id));
        }
    }
    let json = serde_json::to_string(files).map_err(|e| SyncError::Refused {
        server: server.masked().to_string(),
        reason: e.to_string(),
    })?;
    let row = client
        .query_one(
            "INSERT INTO published_catalogues (hash, label, files) VALUES ($1, $2, $3::text::jsonb)
             RETURNING id",
            &[&hash, &label, &json],
        )
        .map_err(&err)?;
    Ok(Published::New(row.get(0)))
}

/// The bank's current catalogue, if one was ever published (on an open connection).
pub fn current(
    client: &mut postgres::Client,
    server: &Server,
) -> Result<Option<PublishedCatalogue>, SyncError> {
    let row = client
        .query_opt(
            "SELECT id, hash, label, files::text, published_at::timestamp
               FROM published_catalogues ORDER BY id DESC LIMIT 1",
            &[],
        )
        .map_err(sql_error(server))?;
    let Some(row) = row else {
        return Ok(None);
    };
    let files: Vec<(String, String)> =
        serde_json::from_str(row.get::<_, &str>(3)).map_err(|e| SyncError::Refused {
            server: server.masked().to_string(),
            reason: format!("the published catalogue's files are not readable: {e}"),
        })?;
    Ok(Some(PublishedCatalogue {
        id: row.get(0),
        hash: row.get(1),
        label: row.get(2),
        published_at: row.get(4),
        files,
    }))
}
