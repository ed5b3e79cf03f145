//! Catalogue versions, the variant table and stored plans on hand-built histories.

use chrono::{NaiveDate, NaiveDateTime};

use super::figures::{compute, Source};
use super::{Grouping, Period};
use crate::catalog::{bundled_sources, load_sources, Catalog, Technique};
use crate::consultation::{Consultation, Month, Offer, Outcome};
use crate::store::{EventKind, SledStore, Store};

fn at(m: u32, d: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, m, d)
        .and_then(|x| x.and_hms_opt(11, 0, 0))
        .unwrap()
}

/// The bundled catalogue with `edit` applied to one of its files.
fn bundled(file: &str, edit: impl FnOnce(&mut String)) -> Catalog {
    let mut sources = bundled_sources();
    edit(&mut sources.iter_mut().find(|s| s.path == file).unwrap().text);
    load_sources(sources).catalog.expect("loads")
}

fn labelled(label: &str) -> impl FnOnce(&mut String) + '_ {
    move |t: &mut String| {
        *t = t.replacen(
            "version = \"2026-12\"",
            &format!("version = \"{label}\""),
            1,
        )
    }
}

const FIRST: &str = "Проценты удобно сразу получать на дебетовую карту";
const EDITED: &str = "Проценты можно сразу получать на дебетовую карту";

fn consultation(
    id: u64,
    started_at: NaiveDateTime,
    main: &str,
    catalog: &Catalog,
    offers: &[(u32, Outcome)],
) -> Consultation {
    let mut c = Consultation::start(id, started_at, "Анна", "Центр", id, main, catalog).unwrap();
    c.main_outcome = Some(Outcome::Accepted);
    c.finished_at = Some(started_at);
    c.offers = offers
        .iter()
        .map(|&(variant, outcome)| Offer {
            product: "debit_card".into(),
            technique: Technique::Catch,
            slot: None,
            stage: "presentation".into(),
            variant,
            made_at: started_at,
            outcome: Some(outcome),
            outcome_at: Some(started_at),
            disclosures_confirmed: Default::default(),
            follow_up: None,
            check_in: None,
        })
        .collect();
    c
}

#[test]
fn variant_rows_are_split_by_script_and_by_version_with_their_texts() {
    let dir = tempfile::tempdir().unwrap();
    let s = SledStore::open(dir.path()).unwrap();
    let may = bundled("products.toml", labelled("2026-05"));
    let june = {
        let mut sources = bundled_sources();
        for src in &mut sources {
            if src.path == "products.toml" {
                src.text = src
                    .text
                    .replacen("version = \"2026-12\"", "version = \"2026-06\"", 1);
            } else if src.path.ends_with("deposit.toml") {
                assert!(src.text.contains(FIRST));
                src.text = src.text.replace(FIRST, EDITED);
            }
        }
        load_sources(sources).catalog.unwrap()
    };
    use Outcome::{Accepted as A, Declined as D};
    s.use_catalog(&may);
    let mut cs = vec![
        consultation(1, at(5, 4), "deposit", &may, &[(0, A)]),
        consultation(2, at(5, 5), "deposit", &may, &[(0, D)]),
        consultation(3, at(5, 6), "deposit", &may, &[(1, A)]),
        consultation(4, at(5, 7), "consumer_loan", &may, &[(0, A)]),
    ];
    s.save_all(&cs, EventKind::Imported, "").unwrap();
    s.use_catalog(&june);
    cs = vec![consultation(5, at(6, 2), "deposit", &june, &[(0, A)])];
    s.save_all(&cs, EventKind::Imported, "").unwrap();

    let period = Period::range(at(5, 1).date(), at(6, 30).date()).unwrap();
    let r = compute(
        &[&s],
        &june,
        period,
        &[Grouping::Variant],
        at(7, 1).date(),
        Source::Auto,
    )
    .unwrap();
    let rows: Vec<(&str, String, u32, u64, u64, bool)> = r
        .variant
        .iter()
        .map(|v| {
            (
                v.main.as_str(),
                v.version.as_ref().unwrap().name(),
                v.variant,
                v.counts.offered,
                v.counts.accepted,
                v.text.as_deref().is_some_and(|t| t.starts_with(EDITED)),
            )
        })
        .collect();
    let v5 = may.version_id().unwrap().name();
    let v6 = june.version_id().unwrap().name();
    assert!(v5.starts_with("2026-05 (") && v6.starts_with("2026-06 ("));
    assert_eq!(
        rows,
        [
            ("deposit", v5.clone(), 1, 2, 1, false),
            ("deposit", v5.clone(), 2, 1, 1, false),
            ("deposit", v6, 1, 1, 1, true),
            ("consumer_loan", v5, 1, 1, 1, false),
        ]
    );
    // The texts are the version's own: May's first deposit phrase as it was then.
    assert!(r.variant[0].text.as_deref().unwrap().starts_with(FIRST));
    let loan = may
        .phrase_sets()
        .into_iter()
        .find(|p| p.main == "consumer_loan" && p.product == "debit_card")
        .unwrap();
    assert_eq!(r.variant[3].text.as_deref(), Some(loan.say[0].as_str()));
    // One pair: May's two deposit phrases, far from the offers it needs.
    assert_eq!(r.variant_pairs.len(), 1);
    let p = &r.variant_pairs[0];
    assert_eq!((p.a, p.b, p.offered_a, p.offered_b), (1, 2, 2, 1));
    assert!(!p.decided && p.winner.is_none());
    let n = super::variants::pair_sample_size(2.0 / 3.0).unwrap();
    assert_eq!((p.needed, p.more_a, p.more_b), (Some(n), n - 2, n - 1));
}

#[test]
fn a_report_on_may_uses_mays_plan_whatever_the_files_say_today() {
    let dir = tempfile::tempdir().unwrap();
    let s = SledStore::open(dir.path()).unwrap();
    let plan = |n: u32| {
        bundled("products.toml", move |t| {
            *t = t.replacen("plan_per_month = 20", &format!("plan_per_month = {n}"), 1)
        })
    };
    let (twenty, thirty) = (plan(20), plan(30));
    s.use_catalog(&twenty);
    let c = consultation(1, at(5, 4), "deposit", &twenty, &[]);
    s.save(&c, EventKind::Imported, "").unwrap();
    let may = Period::month(Month(202605)).unwrap();
    let r = compute(&[&s], &thirty, may, &[], at(7, 1).date(), Source::Auto).unwrap();
    let npf = r.plan.iter().find(|p| p.product == "npf").unwrap();
    assert_eq!(npf.target, 20.0);
    assert!(!npf.from_catalog);
    assert!(r.plan_from_catalog.is_empty());

    // A database that never stored a plan (schema 1): today's catalogue's, and said so.
    let dir = tempfile::tempdir().unwrap();
    let old = SledStore::open(dir.path()).unwrap();
    let mut c = c.clone();
    c.catalog = None;
    old.save(&c, EventKind::Imported, "").unwrap();
    let r = compute(&[&old], &thirty, may, &[], at(7, 1).date(), Source::Auto).unwrap();
    let npf = r.plan.iter().find(|p| p.product == "npf").unwrap();
    assert_eq!(npf.target, 30.0);
    assert!(npf.from_catalog);
    assert_eq!(r.plan_from_catalog, [Month(202605)]);
    let tables = super::table::tables(&r);
    let text = super::write::stats_text(&r, &tables, crate::lang::Lang::Ru);
    assert!(
        text.contains("за 2026-05 в базе нет сохранённого плана"),
        "{text}"
    );
}
