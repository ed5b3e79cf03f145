//! The one progress line that long commands (demo, export, verify, backup, restore) draw on
//! stderr (DESIGN §6), through `indicatif`: only when stderr is a terminal, so pipes and logs
//! stay clean; redrawn at most ten times a second; erased when the work ends, however it
//! ends. Every command has the same look: [`bar_style`] when the total is known,
//! [`count_style`] when it is not.

use std::io::IsTerminal as _;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

const REDRAW_HZ: u8 = 10;

/// A progress line; a step name says which part of the work is running.
pub struct Progress {
    on: bool,
    /// The line of the step running, with that step's name.
    bar: Option<(&'static str, ProgressBar)>,
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
        Progress { on, bar: None }
    }

    /// `done` of `total` as a bar.
    pub fn show(&mut self, step: &'static str, done: u64, total: u64) {
        let Some((bar, new)) = self.line(step, bar_style) else {
            return;
        };
        bar.set_length(total);
        bar.set_position(done.min(total));
        // The first and the last state of a step are always drawn, whatever the rate.
        if new || done >= total {
            bar.force_draw();
        }
    }

    /// `done` so far, when the total is not known beforehand.
    pub fn count(&mut self, step: &'static str, done: u64, unit: &str) {
        let Some((bar, new)) = self.line(step, count_style) else {
            return;
        };
        if bar.message() != unit {
            bar.set_message(unit.to_string());
        }
        bar.set_position(done);
        if new {
            bar.force_draw();
        }
    }

    /// Erases the line.
    pub fn finish(&mut self) {
        if let Some((_, bar)) = self.bar.take() {
            bar.finish_and_clear();
        }
    }

    /// The line of `step`, a new one (the previous erased) at a new step; `None` when
    /// nothing is drawn.
    fn line(
        &mut self,
        step: &'static str,
        style: fn() -> ProgressStyle,
    ) -> Option<(&ProgressBar, bool)> {
        if !self.on {
            return None;
        }
        let new = self.bar.as_ref().is_none_or(|(s, _)| *s != step);
        if new {
            self.finish();
            let bar =
                ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(REDRAW_HZ))
                    .with_style(style())
                    .with_prefix(step);
            self.bar = Some((step, bar));
        }
        self.bar.as_ref().map(|(_, bar)| (bar, new))
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

/// `verify [##########--------------------]  31.0 %  310 000 / 1 000 000`
pub fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template("{prefix} [{bar:30}] {percent1} %  {done} / {total}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("##-")
        .with_key(
            "percent1",
            |s: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:>5.1}", per_mille(s) as f64 / 10.0);
            },
        )
        .with_key("done", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = w.write_str(&thousands(s.pos()));
        })
        .with_key("total", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = w.write_str(&thousands(s.len().unwrap_or(0)));
        })
}

/// `export: 4 096 rows…`
pub fn count_style() -> ProgressStyle {
    ProgressStyle::with_template("{prefix}: {done} {msg}…")
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
        .with_key("done", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = w.write_str(&thousands(s.pos()));
        })
}

/// Thousandths done; a total of nothing is all done.
fn per_mille(s: &ProgressState) -> u64 {
    let total = s.len().unwrap_or(0);
    (s.pos().min(total) * 1000)
        .checked_div(total)
        .unwrap_or(1000)
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
    use indicatif::{InMemoryTerm, TermLike as _};

    /// The line as a terminal shows it.
    fn drawn(done: u64, total: u64, step: &'static str) -> String {
        let term = InMemoryTerm::new(2, 120);
        let bar = ProgressBar::with_draw_target(
            Some(total),
            ProgressDrawTarget::term_like(Box::new(term.clone())),
        )
        .with_style(bar_style())
        .with_prefix(step);
        bar.set_position(done.min(total));
        bar.force_draw();
        let _ = term.flush();
        term.contents()
    }

    #[test]
    fn the_bar_fills_with_the_work_done() {
        // More done than the total (a count that grew meanwhile), or a total of nothing,
        // shows a full bar, never a panic.
        for (step, done, total, line) in [
            (
                "verify",
                310_000,
                1_000_000,
                "verify [##########--------------------]  31.0 %  310 000 / 1 000 000",
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
            assert_eq!(drawn(done, total, step), line);
        }
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1 000");
        assert_eq!(thousands(1_653_835), "1 653 835");
    }

    #[test]
    fn a_hidden_line_draws_nothing_and_finishes_quietly() {
        let mut p = Progress::hidden();
        p.show("verify", 1, 2);
        p.count("export", 4096, "rows");
        assert!(p.bar.is_none());
        p.finish();
    }
}
