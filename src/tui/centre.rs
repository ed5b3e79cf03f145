//! What the centre sends, as the officer's screen uses it (DESIGN §10): the bank's plan
//! targets laid over the catalogue in use (home's gauges, the create-the-moment choice and
//! the month plan a save stores all read the catalogue's `plan_per_month`), the published
//! catalogue taken into use at the next home or consultation, and the live sender's status
//! for the footer. Read only between consultations, like the trainer's files: a
//! consultation in progress keeps the catalogue it began with.

use std::sync::Arc;

use crate::catalog::{load_sources, Catalog, CatalogWatch, Source};
use crate::consultation::Month;
use crate::lang::Lang;
use crate::store::{CentralPlans, PublishedCatalogue, SledStore};
use crate::sync::live::{Live, LiveStatus};

use super::App;

/// A published catalogue loaded as this build reads it: the catalogue, or home's notice
/// that it fails the checks here and is not used.
pub fn load_published(p: &PublishedCatalogue, lang: Lang) -> Result<Catalog, String> {
    let sources = p
        .files
        .iter()
        .map(|(path, text)| Source {
            path: path.clone(),
            text: text.clone(),
        })
        .collect();
    let report = load_sources(sources);
    let errors = report.errors();
    match report.catalog {
        Some(c) if errors == 0 => Ok(c),
        _ => Err(match lang {
            Lang::Ru => format!(
                "Опубликованный каталог «{}» не проходит проверку этой версией sufler (ошибок: {}; возможно, он написан для более новой) и не используется. Нужен более новый sufler.",
                p.name(),
                errors.max(1)
            ),
            Lang::En => format!(
                "The published catalogue `{}` fails this sufler's checks ({} errors; it may be written for a newer one) and is not used. A newer sufler is needed.",
                p.name(),
                errors.max(1)
            ),
        }),
    }
}

/// The published catalogue to use, from the copies kept (with its publication number), and
/// home's notice when a later one was refused by this build's checks.
pub fn published(store: &SledStore, lang: Lang) -> (Option<(Catalog, i64)>, Option<String>) {
    let good = store.published_catalogue().ok().flatten();
    let mut notice = None;
    let in_use = match &good {
        Some(p) => match load_published(p, lang) {
            Ok(c) => Some((c, p.id)),
            Err(n) => {
                notice = Some(n);
                None
            }
        },
        None => None,
    };
    if let Ok(Some(refused)) = store.refused_catalogue() {
        if good.as_ref().is_none_or(|g| refused.id > g.id) {
            notice = load_published(&refused, lang).err().or(notice);
        }
    }
    (in_use, notice)
}

/// The screen's side of the centre.
pub struct Centre<'a> {
    store: &'a SledStore,
    live: Option<Arc<Live>>,
    /// `--catalog` was given: it overrides any published catalogue (rehearsal, trainers).
    catalog_given: bool,
    /// The catalogue in use before the centre's targets.
    base: Catalog,
    plans: Option<CentralPlans>,
    /// The publication in use, if the catalogue is a published one.
    published_in_use: Option<i64>,
    /// Home's notice about a published catalogue that fails the checks here.
    notice: Option<String>,
    seen: u64,
}

impl<'a> Centre<'a> {
    /// `base`: the catalogue the screen starts on (without the centre's targets);
    /// `published_in_use` and `notice` as [`load_published`] decided at start.
    pub fn new(
        store: &'a SledStore,
        live: Option<Arc<Live>>,
        catalog_given: bool,
        base: Catalog,
        published_in_use: Option<i64>,
        notice: Option<String>,
    ) -> Centre<'a> {
        Centre {
            plans: store.central_plans().ok().flatten(),
            store,
            live,
            catalog_given,
            base,
            published_in_use,
            notice,
            seen: 0,
        }
    }

    /// `catalog` with the centre's targets for the officer at the screen, this month.
    pub fn overlay(&self, catalog: &Catalog, officer: &str, branch: &str, month: Month) -> Catalog {
        match &self.plans {
            Some(p) => catalog.with_plan_targets(&p.targets(month, branch, officer)),
            None => catalog.clone(),
        }
    }

    /// The trainer's files were reloaded: they are the base now (unless a published
    /// catalogue is in use, which the files do not replace).
    pub fn files_loaded(&mut self, catalog: &Catalog) {
        if self.published_in_use.is_none() {
            self.base = catalog.clone();
        }
    }

    /// Between consultations: takes in what the last pulls kept (plans, a newly published
    /// catalogue) and gives the app the base catalogue with the centre's targets. A published
    /// catalogue taken into use ends the watch on the local files.
    pub fn refresh(&mut self, app: &mut App, watch: &mut Option<CatalogWatch>) {
        let pulled = self.live.as_ref().map_or(0, |l| l.pulled());
        if pulled != self.seen {
            self.seen = pulled;
            if let Ok(Some(p)) = self.store.central_plans() {
                self.plans = Some(p);
            }
            if !self.catalog_given {
                let (in_use, notice) = published(self.store, app.lang);
                if let Some((c, id)) = in_use {
                    if self.published_in_use != Some(id) {
                        self.base = c;
                        self.published_in_use = Some(id);
                        *watch = None;
                    }
                }
                self.notice = notice;
            }
        }
        let want = self.overlay(&self.base, &app.officer, &app.branch, Month::of(app.today));
        if want != app.catalog {
            app.set_catalog(want);
        }
    }

    /// A pull changed what is kept since the screen last took it in: home, if on screen,
    /// is drawn again with it.
    pub fn has_news(&self) -> bool {
        self.live.as_ref().is_some_and(|l| l.pulled() != self.seen)
    }

    pub fn notice(&self) -> Option<String> {
        self.notice.clone()
    }

    /// An action was acknowledged: the sender ships it.
    pub fn kick(&self) {
        if let Some(l) = &self.live {
            l.kick();
        }
    }

    pub fn status(&self) -> Option<LiveStatus> {
        self.live.as_ref().map(|l| l.status())
    }
}

/// The footer's words for the sender's status.
pub fn footer(lang: Lang, s: &LiveStatus) -> String {
    let time = s.synced_at.map(|t| t.format("%H:%M").to_string());
    match (lang, s.offline, s.pending, time) {
        (Lang::Ru, true, n, _) => format!("ждёт отправки: {n} · нет связи"),
        (Lang::En, true, n, _) => format!("waiting to send: {n} · no connection"),
        (Lang::Ru, false, 0, Some(t)) => format!("синхронизировано {t}"),
        (Lang::En, false, 0, Some(t)) => format!("synced {t}"),
        (Lang::Ru, false, 0, None) => "связь с сервером…".to_string(),
        (Lang::En, false, 0, None) => "reaching the server…".to_string(),
        (Lang::Ru, false, n, _) => format!("ждёт отправки: {n}"),
        (Lang::En, false, n, _) => format!("waiting to send: {n}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::CentralPlanRow;

    fn at() -> chrono::NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .and_then(|d| d.and_hms_opt(12, 31, 0))
            .unwrap()
    }

    fn bundled() -> Catalog {
        crate::catalog::load(&crate::catalog::CatalogLocation::Bundled)
            .catalog
            .unwrap()
    }

    #[test]
    fn the_footer_says_when_it_synced_or_how_much_waits() {
        let synced = LiveStatus {
            pending: 0,
            synced_at: Some(at()),
            offline: false,
        };
        assert_eq!(footer(Lang::Ru, &synced), "синхронизировано 12:31");
        assert_eq!(footer(Lang::En, &synced), "synced 12:31");
        let offline = LiveStatus {
            pending: 17,
            offline: true,
            ..synced
        };
        assert_eq!(footer(Lang::Ru, &offline), "ждёт отправки: 17 · нет связи");
        assert_eq!(
            footer(Lang::En, &offline),
            "waiting to send: 17 · no connection"
        );
    }

    #[test]
    fn a_published_catalogue_failing_the_checks_here_is_not_used_and_named() {
        let p = PublishedCatalogue {
            id: 2,
            hash: "0123456789abcdef".into(),
            label: Some("2027-01".into()),
            published_at: at(),
            files: vec![(
                "products.toml".into(),
                "format = 99\n[[product]]\nid = \"Bad Id\"\n".into(),
            )],
        };
        let notice = load_published(&p, Lang::Ru).unwrap_err();
        assert!(notice.contains("«2027-01 (01234567)»"), "{notice}");
        assert!(notice.contains("не используется"), "{notice}");
    }

    #[test]
    fn home_and_the_stored_plan_take_the_officers_central_target() {
        let tmp = tempfile::tempdir().unwrap();
        let store = SledStore::open(tmp.path()).unwrap();
        let row = |officer: &str, product: &str, target| CentralPlanRow {
            month: Month(202612),
            branch: "Центральный".into(),
            officer: officer.into(),
            product: product.into(),
            target,
        };
        store
            .keep_central_plans(&CentralPlans {
                pulled_at: at(),
                rows: vec![
                    row("", "npf", 25),
                    row("Петрова Анна", "npf", 40),
                    row("", "deposit", 7),
                ],
            })
            .unwrap();
        let base = bundled();
        let mut centre = Centre::new(&store, None, false, base.clone(), None, None);
        let (mut app, _) = App::new(crate::tui::Start {
            lang: Lang::Ru,
            catalog: base,
            now: at(),
            officer: Some("Петрова Анна".into()),
            branch: Some("Центральный".into()),
        });
        let mut watch = None;
        centre.refresh(&mut app, &mut watch);
        let target = |id: &str| app.catalog.product(id).and_then(|p| p.plan_per_month);
        assert_eq!(target("npf"), Some(40), "her own row wins");
        assert_eq!(
            target("deposit"),
            Some(7),
            "a product the centre adds to the plan"
        );
        assert_eq!(
            target("iis"),
            Some(15),
            "products.toml where the centre has none"
        );
        let plan = crate::store::MonthPlan::of(&app.catalog);
        assert!(plan
            .targets
            .iter()
            .any(|t| t.product == "npf" && t.per_month == 40));
    }

    #[test]
    fn home_names_a_published_catalogue_not_used_and_the_footer_the_sync() {
        let (mut app, _) = App::new(crate::tui::Start {
            lang: Lang::Ru,
            catalog: bundled(),
            now: at(),
            officer: Some("Петрова Анна".into()),
            branch: Some("Центральный".into()),
        });
        app.update(crate::tui::Msg::Home(crate::tui::HomeData {
            centre: Some("Опубликованный каталог «2027-01 (01234567)» не используется.".into()),
            ..crate::tui::HomeData::default()
        }));
        app.update(crate::tui::Msg::SyncStatus(LiveStatus {
            pending: 3,
            synced_at: None,
            offline: true,
        }));
        let screen = crate::tui::tests::render(&app, 100, 30);
        assert!(
            screen.contains("Опубликованный каталог «2027-01 (01234567)»"),
            "{screen}"
        );
        let last = screen.lines().last().unwrap_or_default();
        assert!(
            last.trim_end().ends_with("ждёт отправки: 3 · нет связи"),
            "{screen}"
        );
    }
}
