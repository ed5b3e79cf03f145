//! Promises that a product of the families `insurance`, `pension` and `investments` cannot
//! keep (DESIGN §3): «гарантированный доход», «как вклад», «без риска», «застраховано
//! государством» and their inflections. Words are matched by stem, case-insensitively, `ё`
//! as `е`; a promise directly after «не» («не гарантированный доход») is a denial, not a
//! promise.

use std::ops::Range;

/// The families whose phrases are checked.
pub const FAMILIES: &[&str] = &["insurance", "pension", "investments"];

/// Whether products of `family` must not promise a deposit's safety and must disclose.
pub fn is_checked_family(family: &str) -> bool {
    FAMILIES.contains(&family)
}

/// One promise: a run of consecutive words, each matching one of its stems (a word matches
/// a stem when it begins with it). In «как вклад» the words of `INSIDE_LIKE` may stand
/// between the two («как и вклад», «как по вкладу»).
struct Pattern {
    /// How the lint names it.
    name: &'static str,
    words: &'static [&'static [&'static str]],
}

const PATTERNS: &[Pattern] = &[
    Pattern {
        name: "гарантированный доход",
        words: &[&["гаранти"], &["доход", "прибыл"]],
    },
    Pattern {
        name: "гарантированный доход",
        words: &[&["доход", "прибыл"], &["гаранти"]],
    },
    Pattern {
        name: "как вклад",
        words: &[&["как"], &["вклад"]],
    },
    Pattern {
        name: "без риска",
        words: &[&["без"], &["риск"]],
    },
    Pattern {
        name: "без риска",
        words: &[&["безриск"]],
    },
    Pattern {
        name: "застраховано государством",
        words: &[&["застрахов", "гаранти"], &["государств"]],
    },
    Pattern {
        name: "застраховано государством",
        words: &[&["государств"], &["застрахов", "гаранти"]],
    },
];

/// Little words that may stand inside «как … вклад»: «как и вклад», «как по вкладу», «как на
/// вкладе», «как в банковском вкладе».
const INSIDE_LIKE: &[&str] = &[
    "и",
    "по",
    "на",
    "в",
    "во",
    "у",
    "банковский",
    "банковском",
    "банковскому",
    "обычный",
    "обычном",
    "обычному",
];

/// A word of the text: its folded form and its byte range in the original.
struct Word {
    folded: String,
    range: Range<usize>,
}

fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        if c.is_alphanumeric() {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            out.push(word(text, s..i));
        }
    }
    if let Some(s) = start {
        out.push(word(text, s..text.len()));
    }
    out
}

fn word(text: &str, range: Range<usize>) -> Word {
    Word {
        folded: text[range.clone()].to_lowercase().replace('ё', "е"),
        range,
    }
}

fn matches(word: &Word, stems: &[&str]) -> bool {
    stems.iter().any(|s| word.folded.starts_with(s))
}

/// The first promise in `text`: its byte range and the promise's name.
pub fn find(text: &str) -> Option<(Range<usize>, &'static str)> {
    let words = words(text);
    let mut best: Option<(Range<usize>, &'static str)> = None;
    for start in 0..words.len() {
        if start > 0 && words[start - 1].folded == "не" {
            continue;
        }
        for pattern in PATTERNS {
            let Some(end) = match_at(&words, start, pattern) else {
                continue;
            };
            let range = words[start].range.start..words[end].range.end;
            if best.as_ref().is_none_or(|(r, _)| range.start < r.start) {
                best = Some((range, pattern.name));
            }
        }
        if best.is_some() {
            break;
        }
    }
    best
}

/// The index of the last word of `pattern` matched from `start`, if it matches there.
fn match_at(words: &[Word], start: usize, pattern: &Pattern) -> Option<usize> {
    let mut at = start;
    for (i, stems) in pattern.words.iter().enumerate() {
        if i == 1 && pattern.name == "как вклад" {
            while words
                .get(at)
                .is_some_and(|w| INSIDE_LIKE.contains(&w.folded.as_str()))
            {
                at += 1;
            }
        }
        if !matches(words.get(at)?, stems) {
            return None;
        }
        at += 1;
    }
    Some(at - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caught(text: &str) -> Option<&'static str> {
        find(text).map(|(_, name)| name)
    }

    #[test]
    fn promises_and_their_inflections_are_caught() {
        for (text, name) in [
            (
                "Вы получите гарантированный доход.",
                "гарантированный доход",
            ),
            (
                "Программа даёт гарантированного дохода больше",
                "гарантированный доход",
            ),
            ("Гарантированная доходность 12%", "гарантированный доход"),
            ("мы гарантируем доход каждый год", "гарантированный доход"),
            ("Доход гарантирован договором", "гарантированный доход"),
            ("Это надёжно, как вклад.", "как вклад"),
            ("Всё так же, как по вкладу, только выгоднее", "как вклад"),
            ("работает как банковский вклад", "как вклад"),
            ("Вложения без риска", "без риска"),
            ("Без рисков для ваших денег", "без риска"),
            ("Безрисковое вложение", "без риска"),
            (
                "Средства застрахованы государством",
                "застраховано государством",
            ),
            (
                "деньги застрахован государством",
                "застраховано государством",
            ),
            (
                "Взносы гарантированы государством",
                "застраховано государством",
            ),
            ("ГАРАНТИРОВАННЫЙ ДОХОД!", "гарантированный доход"),
            ("с гарантией дохода", "гарантированный доход"),
        ] {
            assert_eq!(caught(text), Some(name), "{text}");
        }
    }

    #[test]
    fn innocent_phrases_pass() {
        for text in [
            "Доходность не гарантирована: результаты прошлых лет не определяют будущие.",
            "Это не банковский вклад: взносы не застрахованы АСВ.",
            "Риск действительно есть, поэтому начните с облигаций.",
            "Программа покрывает понятные риски: болезнь и потерю работы.",
            "Вы получаете не гарантированный доход, а возможность заработать больше.",
            "В отличие от вклада, здесь есть налоговый вычет.",
            "Как вы смотрите на то, чтобы часть денег работала с налоговой льготой?",
            "Дополнительный доход зависит от рынка.",
            "Государство даёт налоговый вычет по взносам.",
            "",
        ] {
            assert_eq!(caught(text), None, "{text}");
        }
    }

    #[test]
    fn the_range_covers_the_promise_in_the_original_text() {
        let text = "Итак, это без Рисков и просто";
        let (range, _) = find(text).unwrap();
        assert_eq!(&text[range], "без Рисков");
        let text = "Надёжно, как и вклад";
        assert_eq!(&text[find(text).unwrap().0], "как и вклад");
    }

    #[test]
    fn only_three_families_are_checked() {
        assert!(is_checked_family("insurance"));
        assert!(is_checked_family("pension"));
        assert!(is_checked_family("investments"));
        assert!(!is_checked_family("deposits"));
    }
}
