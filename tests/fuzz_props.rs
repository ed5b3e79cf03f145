//! Bounded property versions of the fuzz targets in `fuzz/` (the catalogue's are in
//! tests/corrupt.rs): the restore parser and the record decoder on damaged and arbitrary
//! input never panic, and every refusal is located.

use std::path::Path;
use std::sync::OnceLock;

use chrono::NaiveDate;
use proptest::prelude::*;
use sha2::{Digest, Sha256};
use sufler::consultation::{Client, Consultation, Note, Offer, Outcome, Tally, Technique};
use sufler::store::codec::{decode, encode};
use sufler::store::{check_dump, DumpError, Event, EventKind, Officer, SledStore, Store};

fn sample_consultation(id: u64, client_id: u64) -> Consultation {
    let at = NaiveDate::from_ymd_opt(2024, 5, 6)
        .and_then(|d| d.and_hms_opt(10, 30, 0))
        .expect("date");
    Consultation {
        id,
        started_at: at,
        officer: "Анна".into(),
        branch: "Тверская".into(),
        client_id,
        main: "deposit".into(),
        stage: 2,
        main_outcome: Some(Outcome::Accepted),
        offers: vec![Offer {
            product: "debit_card".into(),
            technique: Technique::Catch,
            slot: None,
            stage: "presentation".into(),
            variant: 1,
            made_at: at,
            outcome: Some(Outcome::Thinking),
            outcome_at: Some(at),
            disclosures_confirmed: [0u32, 1].into_iter().collect(),
            follow_up: NaiveDate::from_ymd_opt(2024, 5, 9),
            check_in: None,
        }],
        notes: vec![Note {
            stage: "needs".into(),
            product: None,
            text: "дорого".into(),
            at,
        }],
        not_receptive: false,
        create_skip: 1,
        finished_at: Some(at),
        variant_bumps: Vec::new(),
        main_follow_up: None,
        catalog: None,
        main_check_in: None,
    }
}

/// A small but complete dump, made once.
fn valid_dump() -> &'static [u8] {
    static DUMP: OnceLock<Vec<u8>> = OnceLock::new();
    DUMP.get_or_init(|| {
        let tmp = tempfile::tempdir().expect("tempdir");
        let store = SledStore::open(tmp.path()).expect("open");
        store
            .save_officer(&Officer {
                name: "Анна".into(),
                branch: "Тверская".into(),
            })
            .expect("officer");
        let clients = store
            .add_clients(
                (0..3)
                    .map(|i| Client {
                        id: 0,
                        last_name: format!("Петров{i}"),
                        first_name: "Пётр".into(),
                        patronymic: String::new(),
                        phone: format!("7916000000{i}"),
                        birth_date: NaiveDate::from_ymd_opt(1970, 1, 2).expect("date"),
                        segment: "mass".into(),
                        calls_consent: false,
                    })
                    .collect(),
            )
            .expect("clients");
        store.add_holding(clients[1].id, "npf").expect("holding");
        let cs: Vec<Consultation> = clients
            .iter()
            .map(|c| sample_consultation(store.new_id().expect("id"), c.id))
            .collect();
        store
            .save_all(&cs, EventKind::Imported, "props")
            .expect("save");
        let (_, bytes) = store
            .dump(Vec::new(), Path::new("props.jsonl"), &mut |_, _| {})
            .expect("dump");
        bytes
    })
}

#[derive(Debug, Clone)]
enum Damage {
    Delete { at: f64, len: usize },
    Insert { at: f64, text: String },
    Flip { at: f64, mask: u8 },
    SwapLines { a: f64, b: f64 },
    DuplicateLine { at: f64 },
}

fn damage() -> impl Strategy<Value = Damage> {
    let fragment = prop::sample::select(vec![
        "{",
        "}",
        "[",
        "]",
        "\"",
        ",",
        ":",
        "\n",
        "null",
        "0",
        "-1",
        "1e999",
        "18446744073709551616",
        "\"officer\"",
        "{\"end\":{}}",
        "{\"client\":{}}",
        "\\u0000",
        "\\ud800",
        "ё",
        "\u{0}",
        "{\"holding\":{\"client\":1,\"product\":\"\"}}\n",
        "true",
    ])
    .prop_map(str::to_string);
    prop_oneof![
        (0.0..1.0f64, 1..60usize).prop_map(|(at, len)| Damage::Delete { at, len }),
        (0.0..1.0f64, fragment).prop_map(|(at, text)| Damage::Insert { at, text }),
        (0.0..1.0f64, 1..=255u8).prop_map(|(at, mask)| Damage::Flip { at, mask }),
        (0.0..1.0f64, 0.0..1.0f64).prop_map(|(a, b)| Damage::SwapLines { a, b }),
        (0.0..1.0f64).prop_map(|at| Damage::DuplicateLine { at }),
    ]
}

fn apply(bytes: &[u8], d: &Damage) -> Vec<u8> {
    let pos = |f: f64, n: usize| ((f * n as f64) as usize).min(n);
    let mut out = bytes.to_vec();
    match d {
        Damage::Delete { at, len } => {
            let start = pos(*at, out.len());
            let end = (start + len).min(out.len());
            out.drain(start..end);
        }
        Damage::Insert { at, text } => {
            let p = pos(*at, out.len());
            out.splice(p..p, text.bytes());
        }
        Damage::Flip { at, mask } => {
            if !out.is_empty() {
                let p = pos(*at, out.len() - 1);
                out[p] ^= mask;
            }
        }
        Damage::SwapLines { a, b } => {
            let mut lines: Vec<&[u8]> = bytes.split_inclusive(|&c| c == b'\n').collect();
            let n = lines.len();
            if n > 1 {
                lines.swap(pos(*a, n - 1), pos(*b, n - 1));
            }
            out = lines.concat();
        }
        Damage::DuplicateLine { at } => {
            let mut lines: Vec<&[u8]> = bytes.split_inclusive(|&c| c == b'\n').collect();
            if !lines.is_empty() {
                let i = pos(*at, lines.len() - 1);
                lines.insert(i, lines[i]);
            }
            out = lines.concat();
        }
    }
    out
}

/// Drops the last line and appends a trailer with the right checksum, as a tool that
/// "repairs" a file would, so the checks behind the checksum are reached.
fn retrailer(bytes: &[u8]) -> Vec<u8> {
    let body_end = bytes[..bytes.len().saturating_sub(1)]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let mut out = bytes[..body_end].to_vec();
    let digest: String = Sha256::digest(&out)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    out.extend_from_slice(format!("{{\"end\":{{\"sha256\":\"{digest}\"}}}}\n").as_bytes());
    out
}

/// A refusal names the file and a line within the input (or just past its end).
fn located(bytes: &[u8], result: Result<sufler::store::Header, DumpError>) -> Result<(), String> {
    let lines = bytes.split(|&b| b == b'\n').count() as u64;
    match result {
        Ok(_) => Ok(()),
        Err(DumpError::Invalid {
            file,
            line,
            message,
        }) => {
            if file != "props.jsonl" || line == 0 || line > lines + 1 || message.is_empty() {
                Err(format!(
                    "badly located: {file}:{line}: {message} ({lines} lines)"
                ))
            } else {
                Ok(())
            }
        }
        Err(e) => Err(format!("not located: {e}")),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn a_damaged_dump_is_refused_at_a_line_or_read(
        damages in prop::collection::vec(damage(), 1..4),
        fix_trailer in any::<bool>(),
    ) {
        let mut bytes = valid_dump().to_vec();
        for d in &damages {
            bytes = apply(&bytes, d);
        }
        if fix_trailer {
            bytes = retrailer(&bytes);
        }
        let result = check_dump(&bytes[..], "props.jsonl");
        if let Err(e) = located(&bytes, result) {
            prop_assert!(false, "{}", e);
        }
    }

    #[test]
    fn arbitrary_bytes_are_refused_at_a_line(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let result = check_dump(&bytes[..], "props.jsonl");
        prop_assert!(result.is_err());
        if let Err(e) = located(&bytes, result) {
            prop_assert!(false, "{}", e);
        }
    }

    #[test]
    fn the_record_decoder_refuses_garbage_with_its_tree(
        bytes in prop::collection::vec(any::<u8>(), 0..256),
        flips in prop::collection::vec((any::<prop::sample::Index>(), 1..=255u8), 0..4),
        start_valid in any::<bool>(),
    ) {
        let mut input = if start_valid {
            encode(&sample_consultation(7, 8)).expect("encode")
        } else {
            bytes
        };
        for (i, mask) in flips {
            if !input.is_empty() {
                let p = i.index(input.len());
                input[p] ^= mask;
            }
        }
        fn one<T>(tree: &'static str, data: &[u8]) -> Result<(), String>
        where
            T: serde::de::DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug,
        {
            match decode::<T>(tree, b"k", data) {
                Ok(v) => {
                    let again = encode(&v).map_err(|e| e.to_string())?;
                    let back: T = decode(tree, b"k", &again).map_err(|e| e.to_string())?;
                    if back == v { Ok(()) } else { Err(format!("{back:?} != {v:?}")) }
                }
                Err(sufler::store::StoreError::Corrupt { tree: t, key, .. }) if t == tree && key == "6b" => Ok(()),
                Err(e) => Err(format!("unexpected error: {e}")),
            }
        }
        for r in [
            one::<Consultation>("consultations", &input),
            one::<Client>("clients", &input),
            one::<Event>("events", &input),
            one::<Officer>("officers", &input),
            one::<Tally>("counters", &input),
            one::<u64>("rotation", &input),
        ] {
            if let Err(e) = r {
                prop_assert!(false, "{}", e);
            }
        }
    }
}

#[test]
fn the_valid_dump_reads_and_its_retrailered_copy_too() {
    let dump = valid_dump();
    let header = check_dump(dump, "props.jsonl").expect("valid");
    assert_eq!(header.counts.clients, 3);
    assert_eq!(retrailer(dump), dump);
}

/// Writes seed inputs for the cargo-fuzz targets into `$SUFLER_FUZZ_SEEDS/<target>/`:
/// `SUFLER_FUZZ_SEEDS=fuzz/seeds cargo test --test fuzz_props -- --ignored write_fuzz_seeds`.
#[test]
#[ignore = "writes fuzz seeds on request"]
fn write_fuzz_seeds() {
    let Some(dir) = std::env::var_os("SUFLER_FUZZ_SEEDS") else {
        return;
    };
    let dir = Path::new(&dir);
    let write = |target: &str, name: &str, bytes: &[u8]| {
        let d = dir.join(target);
        std::fs::create_dir_all(&d).expect("mkdir");
        std::fs::write(d.join(name), bytes).expect("write");
    };
    write("restore_parse", "dump.jsonl", valid_dump());
    let c = sample_consultation(7, 8);
    write("codec_decode", "consultation", &encode(&c).expect("encode"));
    write(
        "codec_decode",
        "officer",
        &encode(&Officer {
            name: "Анна".into(),
            branch: "Тверская".into(),
        })
        .expect("encode"),
    );
    write(
        "codec_decode",
        "tally",
        &encode(&Tally::default()).expect("encode"),
    );
    let event = Event {
        at: c.started_at,
        officer: "Анна".into(),
        consultation: Some(7),
        client: Some(8),
        kind: EventKind::Offered,
        detail: "npf".into(),
    };
    write("codec_decode", "event", &encode(&event).expect("encode"));
}
