//! Values: one version byte, then postcard.

use chrono::{Days, NaiveDate, NaiveDateTime};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use std::collections::BTreeSet;

use crate::consultation::{
    CallOutcome, CatalogVersion, Client, Consultation, Contact, Note, Offer, Outcome, Technique,
    VariantBump, DEFAULT_FOLLOW_UP_DAYS,
};

use super::keys::hex;
use super::StoreError;

/// The version byte every record value starts with.
pub const VALUE_VERSION: u8 = 1;

pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    postcard::to_extend(value, vec![VALUE_VERSION]).map_err(|e| StoreError::Encode(e.to_string()))
}

/// Decodes a value read from `tree` at `key`; anything unexpected is a [`StoreError::Corrupt`]
/// naming both.
pub fn decode<T: DeserializeOwned>(
    tree: &'static str,
    key: &[u8],
    bytes: &[u8],
) -> Result<T, StoreError> {
    match bytes.split_first() {
        Some((&VALUE_VERSION, body)) => decode_body(tree, key, body),
        other => Err(bad_version(
            tree,
            key,
            other.map(|(v, _)| *v),
            VALUE_VERSION,
        )),
    }
}

fn corrupt(tree: &'static str, key: &[u8], reason: String) -> StoreError {
    StoreError::Corrupt {
        tree,
        key: hex(key),
        reason,
    }
}

fn bad_version(tree: &'static str, key: &[u8], found: Option<u8>, reads: u8) -> StoreError {
    match found {
        None => corrupt(tree, key, "empty value".into()),
        Some(v) => corrupt(
            tree,
            key,
            format!("unknown value version {v} (this sufler reads version {reads})"),
        ),
    }
}

/// The postcard body after the version byte, all of it.
fn decode_body<T: DeserializeOwned>(
    tree: &'static str,
    key: &[u8],
    body: &[u8],
) -> Result<T, StoreError> {
    match postcard::take_from_bytes::<T>(body) {
        Ok((value, [])) => Ok(value),
        Ok((_, rest)) => Err(corrupt(
            tree,
            key,
            format!("{} unexpected trailing bytes", rest.len()),
        )),
        Err(e) => Err(corrupt(tree, key, format!("undecodable value: {e}"))),
    }
}

/// The version byte of a [`Consultation`] value since schema 3 (its offers gained `slot`).
/// Version 2 (schema 2: `main_follow_up` and `catalog`) and version 1 (schema 1) are read as
/// they are and upgraded in memory ([`decode_consultation`]); the schema-3 migration rewrites
/// them with their offers' slots.
pub const CONSULTATION_VERSION: u8 = 3;
/// The version byte schema 2 wrote consultations with.
const CONSULTATION_V2: u8 = 2;

pub fn encode_consultation(c: &Consultation) -> Result<Vec<u8>, StoreError> {
    postcard::to_extend(c, vec![CONSULTATION_VERSION])
        .map_err(|e| StoreError::Encode(e.to_string()))
}

/// A consultation as schema 1 wrote it: without `main_follow_up`.
#[derive(Deserialize)]
struct ConsultationV1 {
    id: u64,
    started_at: NaiveDateTime,
    officer: String,
    branch: String,
    client_id: u64,
    main: String,
    stage: usize,
    main_outcome: Option<Outcome>,
    offers: Vec<OfferV2>,
    notes: Vec<Note>,
    not_receptive: bool,
    create_skip: u32,
    finished_at: Option<NaiveDateTime>,
    variant_bumps: Vec<VariantBump>,
}

/// An offer as schemas 1 and 2 wrote it: without `slot`.
#[derive(Deserialize)]
struct OfferV2 {
    product: String,
    technique: Technique,
    stage: String,
    variant: u32,
    made_at: NaiveDateTime,
    outcome: Option<Outcome>,
    outcome_at: Option<NaiveDateTime>,
    disclosures_confirmed: BTreeSet<u32>,
    follow_up: Option<NaiveDate>,
}

impl From<OfferV2> for Offer {
    /// No slot: it counts by its technique until the schema-3 migration places it.
    fn from(o: OfferV2) -> Offer {
        Offer {
            product: o.product,
            technique: o.technique,
            slot: None,
            stage: o.stage,
            variant: o.variant,
            made_at: o.made_at,
            outcome: o.outcome,
            outcome_at: o.outcome_at,
            disclosures_confirmed: o.disclosures_confirmed,
            follow_up: o.follow_up,
            check_in: None,
        }
    }
}

/// A consultation as schema 2 wrote it: offers without `slot`.
#[derive(Deserialize)]
struct ConsultationV2 {
    id: u64,
    started_at: NaiveDateTime,
    officer: String,
    branch: String,
    client_id: u64,
    main: String,
    stage: usize,
    main_outcome: Option<Outcome>,
    offers: Vec<OfferV2>,
    notes: Vec<Note>,
    not_receptive: bool,
    create_skip: u32,
    finished_at: Option<NaiveDateTime>,
    variant_bumps: Vec<VariantBump>,
    main_follow_up: Option<NaiveDate>,
    catalog: Option<CatalogVersion>,
}

impl From<ConsultationV2> for Consultation {
    fn from(v: ConsultationV2) -> Consultation {
        Consultation {
            id: v.id,
            started_at: v.started_at,
            officer: v.officer,
            branch: v.branch,
            client_id: v.client_id,
            main: v.main,
            stage: v.stage,
            main_outcome: v.main_outcome,
            offers: v.offers.into_iter().map(Offer::from).collect(),
            notes: v.notes,
            not_receptive: v.not_receptive,
            create_skip: v.create_skip,
            finished_at: v.finished_at,
            variant_bumps: v.variant_bumps,
            main_follow_up: v.main_follow_up,
            catalog: v.catalog,
            main_check_in: None,
        }
    }
}

/// The `main_follow_up` of a consultation written by schema 1, which had no such field:
/// schema 1 called back a main product's "thinking" three days after the start. (Also for
/// the consultation lines of a schema-1 backup.)
pub fn schema_1_main_follow_up(
    main_outcome: Option<Outcome>,
    started_at: NaiveDateTime,
) -> Option<NaiveDate> {
    (main_outcome == Some(Outcome::Thinking)).then(|| {
        let day = started_at.date();
        day.checked_add_days(Days::new(DEFAULT_FOLLOW_UP_DAYS))
            .unwrap_or(day)
    })
}

impl From<ConsultationV1> for Consultation {
    fn from(v: ConsultationV1) -> Consultation {
        let main_follow_up = schema_1_main_follow_up(v.main_outcome, v.started_at);
        Consultation {
            id: v.id,
            started_at: v.started_at,
            officer: v.officer,
            branch: v.branch,
            client_id: v.client_id,
            main: v.main,
            stage: v.stage,
            main_outcome: v.main_outcome,
            offers: v.offers.into_iter().map(Offer::from).collect(),
            notes: v.notes,
            not_receptive: v.not_receptive,
            create_skip: v.create_skip,
            finished_at: v.finished_at,
            variant_bumps: v.variant_bumps,
            main_follow_up,
            catalog: None,
            main_check_in: None,
        }
    }
}

/// Decodes a consultation of any version.
pub fn decode_consultation(
    tree: &'static str,
    key: &[u8],
    bytes: &[u8],
) -> Result<Consultation, StoreError> {
    match bytes.split_first() {
        Some((&VALUE_VERSION, body)) => {
            decode_body::<ConsultationV1>(tree, key, body).map(Consultation::from)
        }
        Some((&CONSULTATION_V2, body)) => {
            decode_body::<ConsultationV2>(tree, key, body).map(Consultation::from)
        }
        Some((&CONSULTATION_VERSION, body)) => decode_body(tree, key, body),
        other => Err(bad_version(
            tree,
            key,
            other.map(|(v, _)| *v),
            CONSULTATION_VERSION,
        )),
    }
}

/// The version byte of a [`Contact`] value since schema 3 (it gained `check_in`). Version-1
/// contacts (schema 2) are read as call backs ([`decode_contact`]).
pub const CONTACT_VERSION: u8 = 2;

pub fn encode_contact(c: &Contact) -> Result<Vec<u8>, StoreError> {
    postcard::to_extend(c, vec![CONTACT_VERSION]).map_err(|e| StoreError::Encode(e.to_string()))
}

/// A contact as schema 2 wrote it: without `check_in`.
#[derive(Deserialize)]
struct ContactV1 {
    id: u64,
    at: NaiveDateTime,
    officer: String,
    branch: String,
    client_id: u64,
    product: String,
    consultation: u64,
    outcome: CallOutcome,
    next: Option<NaiveDate>,
    disclosures_confirmed: BTreeSet<u32>,
}

/// Decodes a contact of either version.
pub fn decode_contact(tree: &'static str, key: &[u8], bytes: &[u8]) -> Result<Contact, StoreError> {
    match bytes.split_first() {
        Some((&VALUE_VERSION, body)) => {
            decode_body::<ContactV1>(tree, key, body).map(|v| Contact {
                id: v.id,
                at: v.at,
                officer: v.officer,
                branch: v.branch,
                client_id: v.client_id,
                product: v.product,
                consultation: v.consultation,
                outcome: v.outcome,
                next: v.next,
                disclosures_confirmed: v.disclosures_confirmed,
                check_in: false,
            })
        }
        Some((&CONTACT_VERSION, body)) => decode_body(tree, key, body),
        other => Err(bad_version(
            tree,
            key,
            other.map(|(v, _)| *v),
            CONTACT_VERSION,
        )),
    }
}

/// The version byte of a [`Client`] value since schema 2 (it gained `calls_consent`).
/// Version-1 clients are read as not having consented ([`decode_client`]).
pub const CLIENT_VERSION: u8 = 2;

pub fn encode_client(c: &Client) -> Result<Vec<u8>, StoreError> {
    postcard::to_extend(c, vec![CLIENT_VERSION]).map_err(|e| StoreError::Encode(e.to_string()))
}

/// A client as schema 1 wrote it: without `calls_consent`.
#[derive(Deserialize)]
struct ClientV1 {
    id: u64,
    last_name: String,
    first_name: String,
    patronymic: String,
    phone: String,
    birth_date: chrono::NaiveDate,
    segment: String,
}

/// Decodes a client of either version.
pub fn decode_client(tree: &'static str, key: &[u8], bytes: &[u8]) -> Result<Client, StoreError> {
    match bytes.split_first() {
        Some((&VALUE_VERSION, body)) => decode_body::<ClientV1>(tree, key, body).map(|v| Client {
            id: v.id,
            last_name: v.last_name,
            first_name: v.first_name,
            patronymic: v.patronymic,
            phone: v.phone,
            birth_date: v.birth_date,
            segment: v.segment,
            calls_consent: false,
        }),
        Some((&CLIENT_VERSION, body)) => decode_body(tree, key, body),
        other => Err(bad_version(
            tree,
            key,
            other.map(|(v, _)| *v),
            CLIENT_VERSION,
        )),
    }
}
