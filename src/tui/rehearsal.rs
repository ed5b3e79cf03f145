//! `sufler preview` follows the trainer's saves: a catalogue that checks is taken into use at
//! once, even in the middle of the consultation rehearsed (it records nothing, so nothing
//! stored depends on the catalogue it began with); one that fails keeps the previous version
//! on screen, and the status line says so until a save that checks.

use std::path::Path;

use chrono::NaiveDateTime;

use super::{text, App, Screen, Status};
use crate::catalog::Catalog;

impl App {
    /// The files were saved and check: the rehearsal goes on with `catalog`, on the same
    /// stage (the last one when the script got shorter). A catalogue without the script
    /// rehearsed is not taken: the screen would have nothing to show.
    pub fn rehearse_with(&mut self, catalog: Catalog, now: NaiveDateTime) {
        if let Screen::Consultation(s) = &mut self.screen {
            let main = s.consultation.main.clone();
            match catalog.script(&main).map(|script| script.stages.len()) {
                Some(stages) if stages > 0 => {
                    s.consultation.stage = s.consultation.stage.min(stages - 1);
                }
                _ => {
                    self.catalog_trouble = Some(text::rehearsal_script_gone(self.lang, &main));
                    return;
                }
            }
        }
        self.set_catalog(catalog);
        self.catalog_trouble = None;
        self.status = Some(Status::Info(text::rehearsal_reloaded(self.lang, now)));
    }

    /// The files in `dir` were saved with `errors` errors: the previous version stays.
    pub fn rehearse_failed(&mut self, dir: &Path, errors: usize) {
        self.catalog_trouble = Some(text::rehearsal_kept(self.lang, dir, errors.max(1)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{load, CatalogLocation};
    use crate::tui::{demo_client, Lang};

    fn bundled() -> Catalog {
        load(&CatalogLocation::Bundled)
            .catalog
            .expect("the bundled catalogue checks")
    }

    fn rehearsing() -> App {
        let now = chrono::NaiveDate::from_ymd_opt(2026, 3, 2)
            .and_then(|d| d.and_hms_opt(10, 0, 0))
            .expect("a time");
        App::rehearsal(Lang::Ru, bundled(), "Тренер", demo_client(), "deposit", now)
            .expect("rehearse the deposit")
    }

    fn stage(app: &App) -> usize {
        match &app.screen {
            Screen::Consultation(s) => s.consultation.stage,
            _ => usize::MAX,
        }
    }

    #[test]
    fn a_shorter_script_moves_the_rehearsal_to_its_last_stage() {
        let mut app = rehearsing();
        if let Screen::Consultation(s) = &mut app.screen {
            s.consultation.stage = 4;
        }
        let mut shorter = bundled();
        let script = shorter
            .scripts
            .iter_mut()
            .find(|s| s.main == "deposit")
            .expect("the deposit script");
        script.stages.truncate(2);
        script.stages[0].title = "Новое приветствие".into();
        app.rehearse_failed(Path::new("/cat"), 3);
        assert!(app
            .catalog_trouble
            .as_deref()
            .is_some_and(|t| t.contains("3 ошибки")));
        app.rehearse_with(shorter, app.now);
        assert_eq!(stage(&app), 1);
        assert_eq!(app.catalog_trouble, None);
        assert!(matches!(&app.status, Some(Status::Info(s)) if s.contains("перечитан")));
        assert_eq!(
            app.catalog
                .script("deposit")
                .map(|s| s.stages[0].title.as_str()),
            Some("Новое приветствие")
        );
    }

    #[test]
    fn a_catalogue_without_the_script_rehearsed_is_not_taken() {
        let mut app = rehearsing();
        let mut without = bundled();
        without.scripts.retain(|s| s.main != "deposit");
        app.rehearse_with(without, app.now);
        assert!(app.catalog.script("deposit").is_some());
        assert!(app
            .catalog_trouble
            .as_deref()
            .is_some_and(|t| t.contains("deposit")));
    }
}
