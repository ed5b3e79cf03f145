//! The records of a consultation: what the store keeps and the engine changes. Pure data.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

pub use crate::catalog::{CatalogVersion, Technique};

/// What the client said to an offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Outcome {
    Accepted,
    Declined,
    /// Goes to the officer's follow-up list.
    Thinking,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::Declined => "declined",
            Outcome::Thinking => "thinking",
        }
    }
}

/// A client as stored. Times are the branch's wall-clock time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Client {
    pub id: u64,
    pub last_name: String,
    pub first_name: String,
    pub patronymic: String,
    /// Digits only, e.g. `79161234567` (a Russian number always so, whichever way it was
    /// typed); a foreign number typed with its `+` keeps it: `+442079460958`.
    pub phone: String,
    pub birth_date: NaiveDate,
    pub segment: String,
    /// «Согласие на звонки»: the client agreed to be called (check-in calls need it).
    /// A dump line without it reads as no.
    #[serde(default)]
    pub calls_consent: bool,
}

impl Client {
    /// The polite Russian address: first name and patronymic.
    pub fn polite(&self) -> String {
        if self.patronymic.is_empty() {
            self.first_name.clone()
        } else {
            format!("{} {}", self.first_name, self.patronymic)
        }
    }

    pub fn full_name(&self) -> String {
        [&self.last_name, &self.first_name, &self.patronymic]
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Age in whole years on a date.
    pub fn age_on(&self, date: NaiveDate) -> u32 {
        let mut years = date.year() - self.birth_date.year();
        if (date.month(), date.day()) < (self.birth_date.month(), self.birth_date.day()) {
            years -= 1;
        }
        years.max(0) as u32
    }
}

/// What Sufler knows of a client's past, for choosing candidates.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ClientHistory {
    /// Products the client already holds.
    pub holdings: BTreeSet<String>,
    /// The latest date each product was declined by this client.
    pub declined_on: BTreeMap<String, NaiveDate>,
}

/// The part of the formula an offer fills, by its product's relation to the main product
/// (DESIGN §4), not by how it was opened: a product linked to the main one is a *catch* even
/// when a question opened it; the *create* slot is for a product not linked to it; an upsell
/// or a downsell is about the main product itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FormulaSlot {
    Main,
    Catch,
    Create,
}

/// One extra offer made during a consultation (or an upsell or downsell of the main product).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    pub product: String,
    /// How it was opened: the prompt's technique (the phrase that was said).
    pub technique: Technique,
    /// The formula slot it fills, decided when it was made. Schema 3; the migration gives
    /// older offers theirs from the catalogue. `None` (a record from before that no catalogue
    /// could place) counts by its technique. (Never skipped when serialised: postcard has
    /// no field names, so every field is always written.)
    #[serde(default)]
    pub slot: Option<FormulaSlot>,
    /// The stage id where it was made.
    pub stage: String,
    /// Index of the phrase variant that was shown.
    pub variant: u32,
    pub made_at: NaiveDateTime,
    pub outcome: Option<Outcome>,
    pub outcome_at: Option<NaiveDateTime>,
    /// Indices of the product's disclosure lines the officer confirmed were said.
    pub disclosures_confirmed: BTreeSet<u32>,
    /// For `Thinking`: when to call back.
    pub follow_up: Option<NaiveDate>,
    /// For `Accepted`: the day of the check-in call after the sale (the product's
    /// `follow_up_days`, only for a client who consented to calls). Schema 3.
    #[serde(default)]
    pub check_in: Option<NaiveDate>,
}

/// The technique a slot counts as: catch and create by the slot, else as opened.
pub fn slot_technique(slot: FormulaSlot, opened: Technique) -> Technique {
    match slot {
        FormulaSlot::Catch => Technique::Catch,
        FormulaSlot::Create => Technique::Create,
        FormulaSlot::Main => opened,
    }
}

impl FormulaSlot {
    pub fn as_str(self) -> &'static str {
        match self {
            FormulaSlot::Main => "main",
            FormulaSlot::Catch => "catch",
            FormulaSlot::Create => "create",
        }
    }
}

impl Offer {
    /// The formula slot this offer counts in.
    pub fn counts_as(&self) -> FormulaSlot {
        self.slot.unwrap_or(match self.technique {
            Technique::Catch => FormulaSlot::Catch,
            Technique::Create => FormulaSlot::Create,
            Technique::Upsell | Technique::Downsell => FormulaSlot::Main,
        })
    }

    /// The technique it counts as in the formula: catch or create by its slot (a question
    /// about a linked product is a catch), upsell and downsell as they are. What the screen
    /// and the reports label it with.
    pub fn counted_technique(&self) -> Technique {
        slot_technique(self.counts_as(), self.technique)
    }

    /// An extra offer: one the formula's catch and create slots and `max_extra_offers`
    /// count (not an upsell or downsell).
    pub fn is_extra(&self) -> bool {
        self.counts_as() != FormulaSlot::Main
    }
}

/// "Not in the script": what the client said that the script did not foresee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub stage: String,
    pub product: Option<String>,
    pub text: String,
    pub at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consultation {
    pub id: u64,
    pub started_at: NaiveDateTime,
    pub officer: String,
    pub branch: String,
    pub client_id: u64,
    pub main: String,
    /// Index into the script's stages.
    pub stage: usize,
    pub main_outcome: Option<Outcome>,
    pub offers: Vec<Offer>,
    pub notes: Vec<Note>,
    pub not_receptive: bool,
    /// How many times the officer cycled the create candidate (`c`).
    pub create_skip: u32,
    pub finished_at: Option<NaiveDateTime>,
    /// How many times the officer asked for the next phrase variant (`v`) of a prompt.
    #[serde(default)]
    pub variant_bumps: Vec<VariantBump>,
    /// For a main product answered `Thinking`: the day the client agreed to be called on
    /// (`None`: no call). Schema 2; a schema-1 record reads as start + 3 days.
    #[serde(default)]
    pub main_follow_up: Option<NaiveDate>,
    /// The catalogue version it ran on (label and content hash). Schema 2; a schema-1
    /// record, or one started on a catalogue built in code, has none.
    #[serde(default)]
    pub catalog: Option<CatalogVersion>,
    /// For a main product sold (not in a better version: that is its offer's): the day of
    /// the check-in call. Schema 3.
    #[serde(default)]
    pub main_check_in: Option<NaiveDate>,
}

/// The officer pressed `v` on a prompt `bumps` times: the variant shown moves on by that many
/// from the officer's round-robin position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantBump {
    pub product: String,
    pub technique: Technique,
    pub bumps: u32,
}

/// A calendar month as `YYYYMM`, the unit of plans and aggregate counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Month(pub u32);

impl Month {
    pub fn of(date: NaiveDate) -> Month {
        Month(date.year() as u32 * 100 + date.month())
    }
    pub fn year(self) -> i32 {
        (self.0 / 100) as i32
    }
    pub fn month(self) -> u32 {
        self.0 % 100
    }
    pub fn first_day(self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year(), self.month(), 1)
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

/// Which part of the formula a counter belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Kind {
    Main,
    Catch,
    Create,
    /// One row per consultation's formula outcome, keyed by the main product, with
    /// [`formula_bucket`] as the variant: `consultations` = 1, `offered` = extra offers made,
    /// `accepted`/`declined`/`thinking` = their outcomes. Formula compliance and products per
    /// client per main product come from these without a scan, for any `[formula]` setting.
    Formula,
    /// A call back's contacts, per product in the month of the call (see
    /// [`super::Contact::tallies`]): `offered` = calls made, then the answers.
    Call,
    /// Sales the client cancelled in their cooling-off period, in the month of the sale, by
    /// the sale's officer, product and variant (`accepted` = sales cancelled): taken off
    /// the plan (see [`super::Cancellation::tallies`]).
    Cancelled,
    /// Upsell offers, by the better product and variant: `accepted` = the main product sold
    /// in its better version.
    Upsell,
    /// Downsell offers, by the fallback product and variant: `accepted` = the fallback sold
    /// after the main product was declined.
    Downsell,
    /// Check-in calls after a sale, per product in the month of the call: `offered` = calls
    /// made, `accepted` = clients reached (see [`super::Contact::tallies`]).
    CheckIn,
}

/// The variant of a [`Kind::Formula`] counter: catch offers made in the high 16 bits, create
/// offers made in the low 16 (each capped at 0xFFFF), so compliance with any formula can be
/// read back from the counters.
pub fn formula_bucket(catch: usize, create: usize) -> u32 {
    let cap = |n: usize| n.min(0xFFFF) as u32;
    (cap(catch) << 16) | cap(create)
}

/// The catch and create offer counts of a [`Kind::Formula`] counter's variant.
pub fn formula_counts(bucket: u32) -> (u32, u32) {
    (bucket >> 16, bucket & 0xFFFF)
}

impl From<&Offer> for Kind {
    /// Catch and create counters count by slot; upsell and downsell by technique.
    fn from(o: &Offer) -> Self {
        match (o.counts_as(), o.technique) {
            (FormulaSlot::Catch, _) => Kind::Catch,
            (FormulaSlot::Create, _) => Kind::Create,
            (FormulaSlot::Main, Technique::Downsell) => Kind::Downsell,
            (FormulaSlot::Main, _) => Kind::Upsell,
        }
    }
}

/// The key of an aggregate counter: month × officer × product × technique × variant.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TallyKey {
    pub month: Month,
    pub officer: String,
    pub product: String,
    pub kind: Kind,
    pub variant: u32,
}

/// Aggregate counts. For `Kind::Main` rows, `consultations` and `main_sold` are set too;
/// for `Kind::Formula` rows, `consultations` (see [`Kind::Formula`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Tally {
    pub offered: u64,
    pub accepted: u64,
    pub declined: u64,
    pub thinking: u64,
    pub consultations: u64,
    pub main_sold: u64,
}

impl Tally {
    pub fn add(&mut self, other: &Tally) {
        self.offered += other.offered;
        self.accepted += other.accepted;
        self.declined += other.declined;
        self.thinking += other.thinking;
        self.consultations += other.consultations;
        self.main_sold += other.main_sold;
    }

    /// `self - other`, saturating: used to take a record's old contribution back out.
    pub fn sub(&mut self, other: &Tally) {
        self.offered = self.offered.saturating_sub(other.offered);
        self.accepted = self.accepted.saturating_sub(other.accepted);
        self.declined = self.declined.saturating_sub(other.declined);
        self.thinking = self.thinking.saturating_sub(other.thinking);
        self.consultations = self.consultations.saturating_sub(other.consultations);
        self.main_sold = self.main_sold.saturating_sub(other.main_sold);
    }

    pub fn is_zero(&self) -> bool {
        *self == Tally::default()
    }

    fn count(&mut self, outcome: Option<Outcome>) {
        match outcome {
            Some(Outcome::Accepted) => self.accepted += 1,
            Some(Outcome::Declined) => self.declined += 1,
            Some(Outcome::Thinking) => self.thinking += 1,
            None => {}
        }
    }
}

impl Consultation {
    /// What this consultation adds to the aggregate counters. The store adds the new
    /// contribution and takes the old one out in the same transaction, and `verify`
    /// recomputes the counters from these, so both always agree.
    pub fn tallies(&self) -> BTreeMap<TallyKey, Tally> {
        let month = Month::of(self.started_at.date());
        let mut out: BTreeMap<TallyKey, Tally> = BTreeMap::new();
        let main = out
            .entry(TallyKey {
                month,
                officer: self.officer.clone(),
                product: self.main.clone(),
                kind: Kind::Main,
                variant: 0,
            })
            .or_default();
        main.consultations = 1;
        if self.main_outcome.is_some() {
            main.offered = 1;
        }
        main.count(self.main_outcome);
        if self.main_outcome == Some(Outcome::Accepted) {
            main.main_sold = 1;
        }
        let mut formula = Tally {
            consultations: 1,
            ..Tally::default()
        };
        let mut made = (0, 0);
        for offer in self.offers.iter().filter(|o| o.is_extra()) {
            match offer.counts_as() {
                FormulaSlot::Catch => made.0 += 1,
                _ => made.1 += 1,
            }
            formula.offered += 1;
            formula.count(offer.outcome);
        }
        out.insert(
            TallyKey {
                month,
                officer: self.officer.clone(),
                product: self.main.clone(),
                kind: Kind::Formula,
                variant: formula_bucket(made.0, made.1),
            },
            formula,
        );
        for offer in &self.offers {
            let t = out
                .entry(TallyKey {
                    month,
                    officer: self.officer.clone(),
                    product: offer.product.clone(),
                    kind: offer.into(),
                    variant: offer.variant,
                })
                .or_default();
            t.offered += 1;
            t.count(offer.outcome);
        }
        out
    }
}
