//! The schema-3 migration on a database written by the schema-2 release
//! (`tests/fixtures/v2-db`: `sufler demo --db … --consultations 300 --clients 60 --months 2
//! --seed 7 --until 2026-11-30`, by the build of commit 9a4e38f).

#[path = "common/raw_sled.rs"]
mod raw_sled;

use std::path::Path;

use sufler::store::{SledStore, Store, META_SCHEMA_KEY, META_WORKSTATION_KEY, SCHEMA_VERSION};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read fixture") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

fn fixture_copy(tmp: &Path) -> std::path::PathBuf {
    let db = tmp.join("db");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v2-db"),
        &db,
    );
    db
}

/// The schema and workstation id as stored, read with sled directly.
fn stored_meta(db: &Path) -> (u32, Option<u64>) {
    raw_sled::with_raw_sled(db, |sled| {
        let meta = sled.open_tree("meta").expect("meta");
        let schema = meta.get(META_SCHEMA_KEY).expect("get").expect("schema");
        let schema = u32::from_be_bytes(schema.as_ref().try_into().expect("4 bytes"));
        let ws = meta
            .get(META_WORKSTATION_KEY)
            .expect("get")
            .map(|v| u64::from_be_bytes(v.as_ref().try_into().expect("8 bytes")));
        (schema, ws)
    })
}

#[test]
fn a_schema_2_database_gets_a_workstation_id_that_stays() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(tmp.path());
    assert_eq!(stored_meta(&db), (2, None), "the fixture is schema 2");
    let first = {
        let store = SledStore::open(&db).expect("open");
        let id = store.workstation_id().expect("id");
        assert_ne!(id, 0);
        let report = store.verify().expect("verify");
        assert!(report.is_ok(), "{:?}", report.mismatches);
        assert_eq!(report.consultations, 300);
        id
    };
    assert_eq!(stored_meta(&db), (SCHEMA_VERSION, Some(first)));
    let again = SledStore::open(&db)
        .expect("reopen")
        .workstation_id()
        .expect("id");
    assert_eq!(again, first, "the id is made once");
}

#[test]
fn two_new_databases_are_two_workstations_and_a_restore_keeps_its_own() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let a = SledStore::open(&tmp.path().join("a")).expect("a");
    let b = SledStore::open(&tmp.path().join("b")).expect("b");
    let (ida, idb) = (
        a.workstation_id().expect("a"),
        b.workstation_id().expect("b"),
    );
    assert_ne!(ida, idb);
    drop(b);
    let file = tmp.path().join("a.jsonl");
    sufler::store::write_backup(&a, &file, &mut |_, _| {}).expect("backup");
    drop(a);
    let text = std::fs::read_to_string(&file).expect("read");
    let header = text.lines().next().expect("header");
    assert!(
        header.contains(&format!("\"workstation\":{ida}")),
        "{header}"
    );
    let restored = tmp.path().join("restored");
    sufler::store::restore(&file, &restored, &mut |_, _, _| {}).expect("restore");
    let store = SledStore::open(&restored).expect("open restored");
    assert_eq!(store.workstation_id().expect("id"), ida);
}

fn bundled() -> sufler::catalog::Catalog {
    sufler::catalog::load_sources(sufler::catalog::bundled_sources())
        .catalog
        .expect("bundled")
}

/// Schema 2 counted a create-technique question about a linked product (the deposit
/// script's debit card) in the create slot; schema 3 counts it as catch, and the counters
/// the reports read move with the records.
#[test]
fn the_migration_places_every_offer_in_its_slot_by_relation_and_moves_the_counters() {
    use sufler::consultation::{Consultation, FormulaSlot, Kind, Month, Outcome, Technique};
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = fixture_copy(tmp.path());
    // Before: how schema 2 counted the November create slot.
    let create_before: u64 = raw_sled::with_raw_sled(&db, |sled| {
        let counters = sled.open_tree("counters").expect("counters");
        counters
            .scan_prefix(202611u32.to_be_bytes())
            .filter_map(|kv| kv.ok())
            .filter(|(k, _)| k[k.len() - 5] == 2) // Kind::Create's byte
            .count() as u64
    });
    assert!(create_before > 0);
    let store = SledStore::open(&db).expect("open");
    let catalog = bundled();
    let all: Vec<Consultation> = store
        .consultations_between(
            chrono::NaiveDate::from_ymd_opt(2000, 1, 1)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .expect("date"),
            chrono::NaiveDate::from_ymd_opt(2100, 1, 1)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .expect("date"),
        )
        .collect::<Result<_, _>>()
        .expect("read");
    assert_eq!(all.len(), 300);
    let mut moved = 0;
    for c in &all {
        for o in &c.offers {
            let linked = catalog.is_linked(&c.main, &o.product);
            let want = if linked {
                FormulaSlot::Catch
            } else {
                FormulaSlot::Create
            };
            assert_eq!(
                o.slot,
                Some(want),
                "consultation {} offer {}",
                c.id,
                o.product
            );
            if linked && o.technique == Technique::Create {
                moved += 1;
            }
        }
    }
    assert!(
        moved > 0,
        "the fixture has create questions about linked products"
    );
    // The counters agree with the records (verify recomputes them) and the November create
    // slot accepted is what the records say.
    let report = store.verify().expect("verify");
    assert!(report.is_ok(), "{:?}", report.mismatches);
    let november = store.tallies(Month(202611)).expect("tallies");
    let counted: u64 = november
        .iter()
        .filter(|(k, _)| k.kind == Kind::Create)
        .map(|(_, t)| t.accepted)
        .sum();
    let from_records = all
        .iter()
        .filter(|c| Month::of(c.started_at.date()) == Month(202611))
        .flat_map(|c| c.offers.iter().map(move |o| (c, o)))
        .filter(|(c, o)| !catalog.is_linked(&c.main, &o.product))
        .filter(|(_, o)| o.outcome == Some(Outcome::Accepted))
        .count() as u64;
    assert_eq!(counted, from_records);
    // Opened again: nothing left to migrate, the same figures.
    drop(store);
    let again = SledStore::open(&db).expect("reopen");
    assert_eq!(again.tallies(Month(202611)).expect("tallies"), november);
}
