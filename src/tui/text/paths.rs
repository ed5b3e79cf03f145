//! Strings of home's catalogue notice and of the messages about unusable `--catalog` and
//! `--db` paths, ru and en (part of [`super`], re-exported from it).

use chrono::NaiveDateTime;

use super::{count, plural_ru, Lang};

/// A word as a POSIX shell reads it: as it is when it is plain, else in single quotes.
pub fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_alphanumeric() || "/._-+,:=@%".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// The command that shows a catalogue directory's errors, exactly as typed.
pub fn check_command(dir: &std::path::Path) -> String {
    format!(
        "sufler check --catalog {}",
        shell_word(&dir.display().to_string())
    )
}

/// Home's notice while the catalogue's files fail: the sentence, and the command that shows
/// the errors.
pub fn catalog_notice(lang: Lang, notice: &crate::catalog::CatalogNotice) -> (String, String) {
    use crate::catalog::Fallback;
    let dir = notice.dir.display();
    let n = notice.errors;
    let when = |at: &NaiveDateTime| match lang {
        Lang::Ru => at.format("%d.%m.%Y %H:%M").to_string(),
        Lang::En => at.format("%Y-%m-%d %H:%M").to_string(),
    };
    let command = check_command(&notice.dir);
    match lang {
        Lang::Ru => {
            let errors = plural_ru(count(n), "ошибку", "ошибки", "ошибок");
            let instead = match &notice.in_use {
                Fallback::LastGood(at) => {
                    format!("работаем на последней исправной версии от {}", when(at))
                }
                Fallback::Previous => "работаем на прежней версии".to_string(),
                Fallback::BuiltIn => {
                    "работаем на встроенном каталоге: исправной версии в этой базе ещё не было"
                        .to_string()
                }
            };
            (
                format!("Каталог в {dir} содержит {n} {errors} — {instead}."),
                format!("Подробно: {command}"),
            )
        }
        Lang::En => {
            let errors = if n == 1 { "error" } else { "errors" };
            let instead = match &notice.in_use {
                Fallback::LastGood(at) => {
                    format!("working on the last good version, from {}", when(at))
                }
                Fallback::Previous => "working on the previous version".to_string(),
                Fallback::BuiltIn => {
                    "working on the built-in catalogue: no good version was seen in this database yet"
                        .to_string()
                }
            };
            (
                format!("The catalogue in {dir} has {n} {errors} — {instead}."),
                format!("Details: {command}"),
            )
        }
    }
}

/// A `--catalog` path that is not a directory.
pub fn catalog_dir_problem(lang: Lang, problem: &crate::catalog::DirProblem) -> String {
    use crate::catalog::DirProblem;
    match (lang, problem) {
        (Lang::Ru, DirProblem::Missing(p)) => format!("нет такого каталога: {}", p.display()),
        (Lang::En, DirProblem::Missing(p)) => format!("no such directory: {}", p.display()),
        (Lang::Ru, DirProblem::NotADirectory(p)) => format!(
            "{} — это файл, а не каталог (каталог — это папка с products.toml и scripts/)",
            p.display()
        ),
        (Lang::En, DirProblem::NotADirectory(p)) => format!(
            "{} is a file, not a directory (a catalogue is a directory with products.toml and scripts/)",
            p.display()
        ),
    }
}

/// A catalogue with errors, for the commands that cannot go on without a good one.
pub fn catalog_has_errors(lang: Lang, dir: &std::path::Path, n: usize) -> String {
    let command = check_command(dir);
    let dir = dir.display();
    match lang {
        Lang::Ru => format!(
            "каталог в {dir} содержит {n} {}; подробно: {command}",
            plural_ru(count(n), "ошибку", "ошибки", "ошибок")
        ),
        Lang::En => format!(
            "the catalogue in {dir} has {n} {}; see them with: {command}",
            if n == 1 { "error" } else { "errors" }
        ),
    }
}

/// A database path that cannot be used, in the interface language; `None` for the other
/// store errors (their English text stands).
pub fn db_problem(lang: Lang, e: &crate::store::StoreError) -> Option<String> {
    use crate::store::{db_path::io_reason, StoreError};
    let ru_reason = |reason: &str| match reason {
        "permission denied" => "нет прав".to_string(),
        "read-only file system" => "файловая система только для чтения".to_string(),
        "no space left on device" => "диск заполнен".to_string(),
        "no such file or directory" => "нет такого пути".to_string(),
        "a part of the path is a file, not a directory" => {
            "часть пути — файл, а не папка".to_string()
        }
        other => other.to_string(),
    };
    Some(match (lang, e) {
        (Lang::Ru, StoreError::NotADirectory(p)) => format!(
            "база данных {} — это файл, а должна быть папка",
            p.display()
        ),
        (Lang::Ru, StoreError::NotWritable { path, reason }) => format!(
            "нельзя записывать в папку базы данных {}: {}",
            path.display(),
            ru_reason(reason)
        ),
        (Lang::Ru, StoreError::CreateDir { path, source }) => format!(
            "не удаётся создать папку базы данных {}: {}",
            path.display(),
            ru_reason(&io_reason(source))
        ),
        // Most often the officer's screen, open all day on that workstation.
        (Lang::Ru, StoreError::InUse(p)) => format!(
            "база данных {} открыта другой программой sufler (обычно экраном сотрудника): закройте её (q) и повторите",
            p.display()
        ),
        (Lang::En, StoreError::InUse(p)) => format!(
            "the database {} is in use by another sufler process (usually the officer's screen): quit it (q) and try again",
            p.display()
        ),
        (Lang::En, StoreError::NotADirectory(_))
        | (Lang::En, StoreError::NotWritable { .. })
        | (Lang::En, StoreError::CreateDir { .. }) => e.to_string(),
        _ => return None,
    })
}

/// `sufler preview`'s status while the saved files fail check: the previous version stays on
/// screen; how many errors, and the command that shows them.
pub fn rehearsal_kept(lang: Lang, dir: &std::path::Path, n: usize) -> String {
    let command = check_command(dir);
    match lang {
        Lang::Ru => format!(
            "в файлах каталога {n} {} — на экране прежняя версия; подробно: {command}",
            plural_ru(count(n), "ошибка", "ошибки", "ошибок")
        ),
        Lang::En => format!(
            "the catalogue files have {n} {} — the previous version stays on screen; see: {command}",
            if n == 1 { "error" } else { "errors" }
        ),
    }
}

/// `sufler preview`'s status when the saved files check but no longer have the script
/// rehearsed: the previous version stays on screen.
pub fn rehearsal_script_gone(lang: Lang, main: &str) -> String {
    match lang {
        Lang::Ru => format!("в каталоге больше нет сценария «{main}» — на экране прежняя версия"),
        Lang::En => {
            format!("the catalogue has no script for `{main}` any more — the previous version stays on screen")
        }
    }
}

/// `sufler preview`'s status when the saved files were taken into use.
pub fn rehearsal_reloaded(lang: Lang, at: NaiveDateTime) -> String {
    let at = at.format("%H:%M:%S");
    match lang {
        Lang::Ru => format!("каталог перечитан в {at}: на экране сохранённая версия"),
        Lang::En => format!("catalogue reloaded at {at}: the saved version is on screen"),
    }
}

/// Said on the terminal after the screen, while the database is compacted at quit.
pub fn compacting_at_quit(lang: Lang) -> &'static str {
    match lang {
        Lang::Ru => "sufler: база данных сжимается после дня работы — не закрывайте окно (это займёт до минуты)",
        Lang::En => "sufler: compacting the database after the day's work — keep the window open (up to a minute)",
    }
}
