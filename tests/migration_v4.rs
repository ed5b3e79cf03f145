//! The schema-5 migration (the `central` tree of what the bank's server sends) on a database
//! written by the schema-4 release (`tests/fixtures/v4-db`: `sufler demo --db …
//! --consultations 300 --clients 60 --months 2 --seed 7 --until 2026-11-30`, by the build of
//! commit a3f67b5).

#[path = "common/raw_sled.rs"]
mod raw_sled;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime};
use sufler::consultation::Month;
use sufler::store::{
    CentralPlanRow, CentralPlans, SledStore, Store, META_SCHEMA_KEY, SCHEMA_VERSION,
};

fn fixture_copy(tmp: &Path) -> PathBuf {
    let db = tmp.join("db");
    std::fs::create_dir_all(&db).expect("mkdir");
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v4-db");
    for entry in std::fs::read_dir(from).expect("read fixture") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), db.join(entry.file_name())).expect("copy");
    }
    db
}

fn at(y: i32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("date")
}

/// A tree's entries, raw.
type Entries = Vec<(Vec<u8>, Vec<u8>)>;

fn schema_and_trees(sled: &sled::Db) -> (u32, BTreeSet<String>, Entries) {
    let meta = sled.open_tree("meta").expect("meta");
    let schema = meta.get(META_SCHEMA_KEY).expect("get").expect("schema");
    let schema = u32::from_be_bytes(schema.as_ref().try_into().expect("4 bytes"));
    let trees = sled
        .tree_names()
        .iter()
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .collect();
    let packs = sled
        .open_tree("consultation_packs")
        .expect("packs")
        .iter()
        .map(|e| {
            let (k, v) = e.expect("entry");
            (k.to_vec(), v.to_vec())
        })
        .collect();
    (schema, trees, packs)
}

#[test]
fn a_schema_4_database_becomes_schema_5_with_every_record_kept_and_takes_central_copies() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(tmp.path());
    let (schema, trees, packs) = raw_sled::with_raw_sled(&db, schema_and_trees);
    assert_eq!(schema, 4, "the fixture is schema 4");
    assert!(!trees.contains("central"));
    {
        let store = SledStore::open(&db).expect("open");
        let report = store.verify().expect("verify");
        assert!(report.is_ok(), "{:?}", report.mismatches);
        assert_eq!(report.consultations, 300);
        assert_eq!(store.consultations_between(at(2000), at(2100)).count(), 300);
        assert_eq!(store.central_plans().expect("read"), None);
        assert_eq!(store.published_catalogue().expect("read"), None);
        store
            .keep_central_plans(&CentralPlans {
                pulled_at: at(2026),
                rows: vec![CentralPlanRow {
                    month: Month(202611),
                    branch: "Центральное".into(),
                    officer: String::new(),
                    product: "card".into(),
                    target: 30,
                }],
            })
            .expect("keep");
    }
    let (schema, trees, after) = raw_sled::with_raw_sled(&db, schema_and_trees);
    assert_eq!(schema, SCHEMA_VERSION);
    assert_eq!(SCHEMA_VERSION, 5);
    assert!(trees.contains("central"));
    assert_eq!(after, packs, "the consultations' packs are untouched");
    let store = SledStore::open(&db).expect("reopen");
    let kept = store.central_plans().expect("read").expect("kept");
    assert_eq!(kept.rows.len(), 1);
    assert!(store.verify().expect("verify").is_ok());
}
