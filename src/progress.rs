//! The one progress line that long commands (demo, export, verify, backup, restore) draw on
//! stderr (DESIGN §6): only when stderr is a terminal, so pipes and logs stay clean; redrawn
//! at most ten times a second; erased when the work ends, however it ends.

use std::io::{IsTerminal as _, Write as _};
use std::time::{Duration, Instant};

const BAR_WIDTH: u64 = 30;
const REDRAW: Duration = Duration::from_millis(100);

/// A progress line; a step name says which part of the work is running.
pub struct Progress {
    on: bool,
    step: &'static str,
    last: Option<Instant>,
    drawn: bool,
}

impl Progress {
    /// Drawn when stderr is a terminal.
    pub fn stderr() -> Progress {
        Progress::new(std::io::stderr().is_terminal())
    }

    /// Never drawn.
    pub fn hidden() -> Progress {
        Progress::new(false)
    }

    fn new(on: bool) -> Progress {
        Progress {
            on,
            step: "",
            last: None,
            drawn: false,
        }
    }

    /// `done` of `total` as a bar.
    pub fn show(&mut self, step: &'static str, done: u64, total: u64) {
        if self.due(step, done >= total) {
            self.draw(&bar_line(step, done, total));
        }
    }

    /// `done` so far, when the total is not known beforehand.
    pub fn count(&mut self, step: &'static str, done: u64, unit: &str) {
        if self.due(step, false) {
            self.draw(&format!("{step}: {} {unit}…", thousands(done)));
        }
    }

    /// Erases the line.
    pub fn finish(&mut self) {
        if self.drawn {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[K");
            let _ = err.flush();
            self.drawn = false;
        }
    }

    /// Whether to draw now: on a terminal, at a new step, at the end, or when the last
    /// drawing is old enough.
    fn due(&mut self, step: &'static str, end: bool) -> bool {
        if !self.on {
            return false;
        }
        let new_step = step != self.step;
        if !new_step && !end && self.last.is_some_and(|t| t.elapsed() < REDRAW) {
            return false;
        }
        self.step = step;
        self.last = Some(Instant::now());
        true
    }

    fn draw(&mut self, line: &str) {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[K{line}");
        let _ = err.flush();
        self.drawn = true;
    }
}

/// Runs `work` with a progress callback for `step`, and erases the line before returning: what
/// the caller prints next must not land after the bar on the same line.
pub fn with_progress<T>(step: &'static str, work: impl FnOnce(&mut dyn FnMut(u64, u64)) -> T) -> T {
    let mut bar = Progress::stderr();
    let result = work(&mut |done, total| bar.show(step, done, total));
    bar.finish();
    result
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

/// `verify [#########---------------------]  31.0 %  310 000 / 1 000 000`
pub fn bar_line(step: &str, done: u64, total: u64) -> String {
    let done = done.min(total);
    let per_mille = (done * 1000).checked_div(total).unwrap_or(1000);
    let filled = (per_mille * BAR_WIDTH / 1000) as usize;
    format!(
        "{step} [{}{}] {:>5.1} %  {} / {}",
        "#".repeat(filled),
        "-".repeat(BAR_WIDTH as usize - filled),
        per_mille as f64 / 10.0,
        thousands(done),
        thousands(total)
    )
}

/// `1234567` → `1 234 567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_fills_with_the_work_done() {
        // More done than the total (a count that grew meanwhile), or a total of nothing,
        // shows a full bar, never a panic.
        for (step, done, total, line) in [
            (
                "verify",
                310_000,
                1_000_000,
                "verify [#########---------------------]  31.0 %  310 000 / 1 000 000",
            ),
            (
                "backup",
                0,
                7,
                "backup [------------------------------]   0.0 %  0 / 7",
            ),
            (
                "demo",
                12,
                10,
                "demo [##############################] 100.0 %  10 / 10",
            ),
            (
                "restore",
                0,
                0,
                "restore [##############################] 100.0 %  0 / 0",
            ),
        ] {
            assert_eq!(bar_line(step, done, total), line);
        }
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1 000");
        assert_eq!(thousands(1_653_835), "1 653 835");
    }
}
