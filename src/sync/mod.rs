//! The bank-wide store (DESIGN §10): the central PostgreSQL schema ([`schema`]), the
//! connection to it ([`server`]) and the sender that ships a workstation's records there
//! ([`push`]), with the event log as its outbox.
//!
//! sled stays the officer's source of truth; the server is written only by `sufler sync`,
//! as idempotent upserts keyed by (workstation id, local id) with a record version, so a
//! batch sent twice changes nothing. No message ever shows the server's password: every
//! one names the server by [`Server::masked`].

pub mod central;
pub mod centre_commands;
pub mod commands;
pub mod live;
pub mod plans;
pub mod publish;
pub mod pull;
pub mod push;
mod rows;
pub mod schema;
pub mod server;
mod writer;

use thiserror::Error;

use crate::lang::Lang;
use crate::store::StoreError;

pub use push::{sync, SyncOptions, SyncReport};
pub use schema::{init, known_version, InitReport};
pub use server::{Server, Tls, SERVER_ENV};

/// Everything that can stop `server init` or `sync`; each is one line for stderr, with the
/// server's password masked.
#[derive(Debug, Error)]
pub enum SyncError {
    #[error("no server given: use --server URL or set SUFLER_SERVER")]
    NoServer,
    #[error("the server address {server} is not valid: {reason}")]
    BadUrl { server: String, reason: String },
    #[error("cannot reach the server {server}: {reason}")]
    Unreachable { server: String, reason: String },
    #[error("TLS to the server {server} failed: {reason}")]
    Tls { server: String, reason: String },
    #[error("the server {server} refused: {reason}")]
    Refused { server: String, reason: String },
    #[error("the server {server} has no sufler schema: run `sufler server init` first")]
    NotInitialised { server: String },
    #[error(
        "the server {server} has schema version {found}, newer than this sufler knows ({known}): use a newer sufler"
    )]
    SchemaNewer {
        server: String,
        found: i32,
        known: i32,
    },
    #[error(
        "the server {server} has schema version {found}, this sufler writes version {known}: run `sufler server init` to migrate it"
    )]
    SchemaOlder {
        server: String,
        found: i32,
        known: i32,
    },
    #[error("{0}")]
    Store(#[from] StoreError),
}

impl SyncError {
    /// The one line for stderr in the user's language (`--lang`); the reasons the server or
    /// the network give stay as they come, with the password masked.
    pub fn message(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            SyncError::NoServer => {
                "не указан сервер: задайте --server URL или переменную SUFLER_SERVER".to_string()
            }
            SyncError::BadUrl { server, reason } => {
                format!("адрес сервера {server} неверен: {reason}")
            }
            SyncError::Unreachable { server, reason } => {
                format!("нет связи с сервером {server}: {reason}")
            }
            SyncError::Tls { server, reason } => {
                format!("не удалось установить TLS-соединение с сервером {server}: {reason}")
            }
            SyncError::Refused { server, reason } => {
                format!("сервер {server} отказал: {reason}")
            }
            SyncError::NotInitialised { server } => format!(
                "на сервере {server} нет схемы sufler: сначала выполните `sufler server init`"
            ),
            SyncError::SchemaNewer {
                server,
                found,
                known,
            } => format!(
                "схема на сервере {server} версии {found} — новее, чем знает этот sufler ({known}): нужен более новый sufler"
            ),
            SyncError::SchemaOlder {
                server,
                found,
                known,
            } => format!(
                "схема на сервере {server} версии {found}, а этот sufler пишет версию {known}: выполните `sufler server init`, чтобы обновить её"
            ),
            SyncError::Store(e) => e.to_string(),
        }
    }
}
