//! The schema-4 migration (packed trees) on a database written by the schema-3 release
//! (`tests/fixtures/v3-db`: `sufler demo --db … --consultations 300 --clients 60 --months 2
//! --seed 7 --until 2026-11-30`, by the build of commit f7cd9ae).

#[path = "common/raw_sled.rs"]
mod raw_sled;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime};
use sufler::store::{SledStore, Store, META_SCHEMA_KEY, SCHEMA_VERSION};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read fixture") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
    }
}

fn fixture_copy(tmp: &Path) -> PathBuf {
    let db = tmp.join("db");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v3-db"),
        &db,
    );
    db
}

fn at(y: i32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("date")
}

/// What schema 3 stored, read with sled directly: the schema, the consultation ids, each
/// client's holdings and consultation keys in order, the contact keys.
struct Stored {
    schema: u32,
    trees: BTreeSet<String>,
    consultation_keys: Vec<Vec<u8>>,
    holdings: BTreeMap<u64, BTreeSet<String>>,
    client_consultations: BTreeMap<u64, Vec<Vec<u8>>>,
    contacts: usize,
}

fn stored(db: &Path) -> Stored {
    raw_sled::with_raw_sled(db, read_stored)
}

fn read_stored(sled: &sled::Db) -> Stored {
    let meta = sled.open_tree("meta").expect("meta");
    let schema = meta.get(META_SCHEMA_KEY).expect("get").expect("schema");
    let schema = u32::from_be_bytes(schema.as_ref().try_into().expect("4 bytes"));
    let trees = sled
        .tree_names()
        .iter()
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .collect();
    let tree = |name: &str| sled.open_tree(name).expect("tree");
    let consultation_keys = tree("consultations")
        .iter()
        .keys()
        .map(|k| k.expect("key").to_vec())
        .collect();
    let mut holdings: BTreeMap<u64, BTreeSet<String>> = BTreeMap::new();
    for k in tree("holdings").iter().keys() {
        let k = k.expect("key");
        let client = u64::from_be_bytes(k[..8].try_into().expect("id"));
        let product = String::from_utf8(k[8..].to_vec()).expect("product");
        holdings.entry(client).or_default().insert(product);
    }
    let mut client_consultations: BTreeMap<u64, Vec<Vec<u8>>> = BTreeMap::new();
    for item in tree("client_consultation_months").iter() {
        let (k, list) = item.expect("entry");
        let client = u64::from_be_bytes(k[..8].try_into().expect("id"));
        let keys = client_consultations.entry(client).or_default();
        keys.extend(list.chunks(16).map(<[u8]>::to_vec));
    }
    let contacts = tree("contacts").len();
    Stored {
        schema,
        trees,
        consultation_keys,
        holdings,
        client_consultations,
        contacts,
    }
}

fn key_of(c: &sufler::consultation::Consultation) -> Vec<u8> {
    sufler::store::keys::consultation_key(c.started_at, c.id).to_vec()
}

#[test]
fn a_schema_3_database_is_repacked_with_every_record_and_index_kept() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(tmp.path());
    let before = stored(&db);
    assert_eq!(before.schema, 3, "the fixture is schema 3");
    assert_eq!(before.consultation_keys.len(), 300);
    assert!(before.contacts > 0 && !before.holdings.is_empty());

    {
        let store = SledStore::open(&db).expect("open");
        let report = store.verify().expect("verify");
        assert!(report.is_ok(), "{:?}", report.mismatches);
        assert_eq!(report.consultations, 300);
        let all: Vec<Vec<u8>> = store
            .consultations_between(at(2000), at(2100))
            .map(|c| key_of(&c.expect("record")))
            .collect();
        assert_eq!(all, before.consultation_keys, "the same records, in order");
        for (client, products) in &before.holdings {
            assert_eq!(&store.holdings(*client).expect("holdings"), products);
        }
        for (client, keys) in &before.client_consultations {
            let listed: Vec<Vec<u8>> = store
                .consultations_of_client(*client)
                .expect("of client")
                .iter()
                .map(key_of)
                .collect();
            assert_eq!(&listed, keys, "client {client}'s consultations, in order");
            let latest = store.latest_consultation_id(*client).expect("latest");
            assert_eq!(
                latest,
                store
                    .consultations_of_client(*client)
                    .expect("again")
                    .last()
                    .map(|c| c.id)
            );
        }
        let contacts = store.contacts_between(at(2000), at(2100)).count();
        assert_eq!(contacts, before.contacts);
        // Searching the late-November window reads a part of the buckets only, in order.
        let from = NaiveDate::from_ymd_opt(2026, 11, 20)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .expect("date");
        let part: Vec<Vec<u8>> = store
            .consultations_between(from, at(2100))
            .map(|c| key_of(&c.expect("record")))
            .collect();
        let want: Vec<Vec<u8>> = before
            .consultation_keys
            .iter()
            .filter(|k| k.as_slice() >= sufler::store::keys::consultation_key(from, 0).as_slice())
            .cloned()
            .collect();
        assert!(!want.is_empty() && want.len() < 300);
        assert_eq!(part, want);
    }

    let after = SledStore::open(&db).expect("reopen");
    drop(after);
    let sled = sled::open(&db).expect("sled");
    let names: BTreeSet<String> = sled
        .tree_names()
        .iter()
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .collect();
    for old in [
        "consultations",
        "holdings",
        "contacts",
        "client_contacts",
        "client_consultation_months",
    ] {
        assert!(before.trees.contains(old), "{old} was in schema 3");
        assert!(!names.contains(old), "{old} is dropped once repacked");
    }
    let schema = sled
        .open_tree("meta")
        .expect("meta")
        .get(META_SCHEMA_KEY)
        .expect("get")
        .expect("schema");
    assert_eq!(schema.as_ref(), SCHEMA_VERSION.to_be_bytes());
    assert_eq!(
        SCHEMA_VERSION, 5,
        "schema 3 goes through 4 to 5 at one open"
    );
}

#[test]
fn an_officer_saves_on_the_migrated_database_and_verify_agrees() {
    use sufler::store::EventKind;
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(tmp.path());
    let store = SledStore::open(&db).expect("open");
    let mut last = store
        .consultations_between(at(2000), at(2100))
        .last()
        .expect("one")
        .expect("record");
    // Edited: a note added, saved as the screen does, then a fresh consultation.
    last.notes.push(sufler::consultation::Note {
        stage: "presentation".into(),
        product: None,
        text: "перезвонить после отпуска".into(),
        at: last.started_at,
    });
    store.save(&last, EventKind::Note, "").expect("save");
    let mut fresh = last.clone();
    fresh.id = store.new_id().expect("id");
    fresh.started_at += chrono::Duration::days(2);
    store
        .save(&fresh, EventKind::Started, "")
        .expect("save new");
    let report = store.verify().expect("verify");
    assert!(report.is_ok(), "{:?}", report.mismatches);
    assert_eq!(report.consultations, 301);
    let mine = store
        .consultations_of_client(last.client_id)
        .expect("of client");
    assert_eq!(mine.last().map(|c| c.id), Some(fresh.id));
    assert!(mine
        .iter()
        .any(|c| c.id == last.id && c.notes.len() == last.notes.len()));
}
