//! The key contract (DESIGN §4): each letter also works in the same place on the Russian
//! ЙЦУКЕН layout, so an officer never has to switch layouts mid-meeting.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key press means outside text fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    Back,
    Find,
    NewClient,
    Choose,
    PrevStage,
    NextStage,
    Up,
    Down,
    Pick(u8),
    Accept,
    Decline,
    Thinking,
    NextVariant,
    NextCreate,
    Objections,
    Note,
    NotReceptive,
    Finish,
    Help,
    /// Ctrl-C: leave at once (the consultation stays stored and is offered for resumption).
    Interrupt,
    /// PgUp / PgDn: scroll the consultation stage's lines when they do not fit.
    LinesUp,
    LinesDown,
}

/// The answer to an open yes/no question: `y` or Enter is yes, and so is `again`, the key
/// that asked, pressed a second time; `n` or Esc is no; `None` leaves the question open.
pub fn answer(act: Option<Action>, again: Option<Action>) -> Option<bool> {
    match act? {
        Action::Accept | Action::Choose => Some(true),
        Action::Decline | Action::Back => Some(false),
        a if Some(a) == again => Some(true),
        _ => None,
    }
}

/// The QWERTY key in the same place as a Russian-layout letter.
pub fn qwerty(c: char) -> char {
    const PAIRS: [(char, char); 35] = [
        ('й', 'q'),
        ('ц', 'w'),
        ('у', 'e'),
        ('к', 'r'),
        ('е', 't'),
        ('н', 'y'),
        ('г', 'u'),
        ('ш', 'i'),
        ('щ', 'o'),
        ('з', 'p'),
        ('х', '['),
        ('ъ', ']'),
        ('ф', 'a'),
        ('ы', 's'),
        ('в', 'd'),
        ('а', 'f'),
        ('п', 'g'),
        ('р', 'h'),
        ('о', 'j'),
        ('л', 'k'),
        ('д', 'l'),
        ('ж', ';'),
        ('э', '\''),
        ('я', 'z'),
        ('ч', 'x'),
        ('с', 'c'),
        ('м', 'v'),
        ('и', 'b'),
        ('т', 'n'),
        ('ь', 'm'),
        ('б', ','),
        ('ю', '.'),
        // The `/` key types `.` on the Russian layout, and Shift+`/` types `,`.
        ('.', '/'),
        (',', '?'),
        ('ё', '`'),
    ];
    let lower = c.to_lowercase().next().unwrap_or(c);
    PAIRS
        .iter()
        .find(|(ru, _)| *ru == lower)
        .map_or(c, |(_, en)| *en)
}

/// The action of a key press, in either layout.
pub fn action(key: KeyEvent) -> Option<Action> {
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return match key.code {
            KeyCode::Char('c') | KeyCode::Char('с') => Some(Action::Interrupt),
            _ => None,
        };
    }
    Some(match key.code {
        KeyCode::Esc => Action::Back,
        KeyCode::Enter => Action::Choose,
        KeyCode::Left | KeyCode::BackTab => Action::PrevStage,
        KeyCode::Right | KeyCode::Tab => Action::NextStage,
        KeyCode::Up => Action::Up,
        KeyCode::Down => Action::Down,
        KeyCode::F(1) => Action::Help,
        KeyCode::PageUp => Action::LinesUp,
        KeyCode::PageDown => Action::LinesDown,
        KeyCode::Char(c) => match qwerty(c) {
            'q' => Action::Quit,
            '/' => Action::Find,
            '+' => Action::NewClient,
            '?' => Action::Help,
            d @ '1'..='9' => Action::Pick(d as u8 - b'0'),
            'y' => Action::Accept,
            'n' => Action::Decline,
            't' => Action::Thinking,
            'v' => Action::NextVariant,
            'c' => Action::NextCreate,
            'o' => Action::Objections,
            'x' => Action::Note,
            'r' => Action::NotReceptive,
            'f' => Action::Finish,
            'k' => Action::Up,
            'j' => Action::Down,
            _ => return None,
        },
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(c: char) -> Option<Action> {
        action(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
    }

    #[test]
    fn russian_layout_keys_act_as_their_qwerty_place() {
        for (en, ru) in [
            ('q', 'й'),
            ('y', 'н'),
            ('n', 'т'),
            ('t', 'е'),
            ('v', 'м'),
            ('c', 'с'),
            ('o', 'щ'),
            ('x', 'ч'),
            ('r', 'к'),
            ('f', 'а'),
            ('/', '.'),
            ('?', ','),
        ] {
            assert_eq!(press(en), press(ru), "{en} vs {ru}");
            assert!(press(en).is_some(), "{en}");
        }
        assert_eq!(press('Н'), Some(Action::Accept), "caps lock on");
    }

    #[test]
    fn a_question_is_answered_by_y_enter_or_its_own_key_again() {
        let enter = action(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        let esc = action(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
        let quit = Some(Action::Quit);
        assert_eq!(answer(press('y'), quit), Some(true));
        assert_eq!(answer(enter, quit), Some(true));
        assert_eq!(answer(press('й'), quit), Some(true), "q again");
        assert_eq!(answer(press('q'), None), None, "only the asking key");
        assert_eq!(answer(press('n'), quit), Some(false));
        assert_eq!(answer(esc, quit), Some(false));
        assert_eq!(answer(press('/'), quit), None);
        assert_eq!(answer(None, quit), None);
    }

    #[test]
    fn digits_pick_moments() {
        assert_eq!(press('3'), Some(Action::Pick(3)));
        assert_eq!(press('0'), None);
    }
}
