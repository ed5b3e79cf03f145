//! Stable prompt numbers (DESIGN §4): a number names the same product for as long as the
//! consultation is on screen. Recording an answer never renumbers the others, and a product
//! keeps its number from one stage to the next.
//!
//! A product gets a number the first time it is on screen, and keeps it. A new product takes
//! a number freed by `c` (the create candidate that was cycled away gives its number to the
//! next one), else the next unused number; once 1–9 are all taken, the lowest number whose
//! product is not on screen now. What is drawn before the numbers are fixed
//! ([`Numbers::resolve`]) is what fixing them ([`Numbers::fix`]) will assign.

/// The highest number a key can pick.
pub const MAX: usize = 9;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Numbers {
    /// Index `i` holds the product numbered `i + 1`; `None` is a freed number.
    slots: Vec<Option<String>>,
}

impl Numbers {
    /// The numbers as they are once every product in `visible` has one.
    pub fn resolve(&self, visible: &[&str]) -> Numbers {
        let mut slots = self.slots.clone();
        for &product in visible {
            if slots.iter().any(|s| s.as_deref() == Some(product)) {
                continue;
            }
            let free = slots.iter().position(Option::is_none).or_else(|| {
                if slots.len() < MAX {
                    None
                } else {
                    slots
                        .iter()
                        .take(MAX)
                        .position(|s| s.as_deref().is_none_or(|p| !visible.contains(&p)))
                }
            });
            match free {
                Some(i) => slots[i] = Some(product.to_string()),
                None => slots.push(Some(product.to_string())),
            }
        }
        Numbers { slots }
    }

    /// Gives every product in `visible` its number for good.
    pub fn fix(&mut self, visible: &[&str]) {
        *self = self.resolve(visible);
    }

    /// `product` leaves the screen for good and its number goes to the next new product.
    pub fn release(&mut self, product: &str) {
        for s in &mut self.slots {
            if s.as_deref() == Some(product) {
                *s = None;
            }
        }
    }

    /// 1-based.
    pub fn number_of(&self, product: &str) -> Option<usize> {
        self.slots
            .iter()
            .position(|s| s.as_deref() == Some(product))
            .map(|i| i + 1)
    }

    /// The product numbered `n` (1-based).
    pub fn product(&self, n: usize) -> Option<&str> {
        self.slots.get(n.checked_sub(1)?)?.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_kept_as_products_come_and_go() {
        let mut n = Numbers::default();
        n.fix(&["a", "b", "c"]);
        // `b` answered first: it moves in the display, not in the numbering.
        n.fix(&["b", "a", "c"]);
        assert_eq!(n.number_of("a"), Some(1));
        assert_eq!(n.number_of("b"), Some(2));
        assert_eq!(n.number_of("c"), Some(3));
        // Another stage: `a` and `c` are gone, `d` is new, `b` stays 2.
        n.fix(&["b", "d"]);
        assert_eq!(n.number_of("d"), Some(4));
        // Back again: the old numbers.
        n.fix(&["b", "a", "c"]);
        assert_eq!(n.product(1), Some("a"));
        assert_eq!(n.product(3), Some("c"));
        assert_eq!(n.product(5), None);
        assert_eq!(n.product(0), None);
    }

    #[test]
    fn a_released_number_goes_to_the_next_new_product() {
        let mut n = Numbers::default();
        n.fix(&["a", "plan1"]);
        n.release("plan1");
        n.fix(&["a", "plan2"]);
        assert_eq!(n.number_of("plan2"), Some(2));
        assert_eq!(n.number_of("plan1"), None);
    }

    #[test]
    fn resolve_shows_what_fix_will_assign() {
        let mut n = Numbers::default();
        n.fix(&["a"]);
        let shown = n.resolve(&["a", "x", "y"]);
        n.fix(&["a", "x", "y"]);
        assert_eq!(shown, n);
    }

    #[test]
    fn past_nine_a_number_off_screen_is_reused() {
        let mut n = Numbers::default();
        let many: Vec<String> = (1..=9).map(|i| format!("p{i}")).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        n.fix(&refs);
        n.fix(&["p2", "new"]);
        assert_eq!(n.number_of("new"), Some(1), "p1 is not on screen");
        assert_eq!(n.number_of("p2"), Some(2));
        assert_eq!(n.number_of("p1"), None);
    }
}
