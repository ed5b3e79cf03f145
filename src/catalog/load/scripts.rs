//! The script bodies: stages, their moments and the objections, checked against the
//! products and the rows of products.toml, and the formula over each whole script.

use std::collections::HashMap;

use super::tiers::role;
use super::validate::{Known, Seen};
use super::*;
use crate::catalog::placeholder::Scope;
use crate::catalog::suggest::did_you_mean;

/// The rows of products.toml a script's moments are checked against.
pub(super) struct Matrix<'c> {
    pub links: &'c [Link],
    pub raw_links: &'c [RawLink],
    pub seen_links: &'c Seen,
    pub seen_upsells: &'c Seen,
    pub seen_downsells: &'c Seen,
}

impl Matrix<'_> {
    fn has_row(&self, tier: Tier, key: &(String, String)) -> bool {
        match tier {
            Tier::Upsell => self.seen_upsells.contains_key(key),
            Tier::Downsell => self.seen_downsells.contains_key(key),
        }
    }
}

/// The script being checked, and what it is checked against.
struct At<'a> {
    file: &'a str,
    main_id: &'a String,
    main: Option<&'a Product>,
    known: &'a Known<'a>,
    matrix: &'a Matrix<'a>,
}

/// What a script's stages add up to, for the checks over the whole script.
#[derive(Default)]
struct Tally {
    /// A stage with `create = true` or a create moment.
    has_create: bool,
    /// Linked products a catch moment has phrases for.
    catch_covered: Vec<String>,
    tiers: Vec<TierMoment>,
}

impl Checker {
    /// Every script checked; the scripts that count (one a main product) sorted by their
    /// main product, and their upsell and downsell moments.
    pub(super) fn script_bodies(
        &mut self,
        scripts: &[RawScript],
        known: &Known<'_>,
        matrix: &Matrix<'_>,
    ) -> (Vec<Script>, Vec<TierMoment>) {
        let mut out_scripts = Vec::new();
        let mut tier_moments: Vec<TierMoment> = Vec::new();
        for (i, s) in scripts.iter().enumerate() {
            if let Some((script, mut tiers)) = self.script_body(i, s, known, matrix) {
                tier_moments.append(&mut tiers);
                out_scripts.push(script);
            }
        }
        out_scripts.sort_by(|a, b| a.main.cmp(&b.main));
        (out_scripts, tier_moments)
    }

    /// One script, all its problems reported; `None` when it does not count (its product
    /// does not exist, or another script already has it).
    fn script_body(
        &mut self,
        i: usize,
        s: &RawScript,
        known: &Known<'_>,
        matrix: &Matrix<'_>,
    ) -> Option<(Script, Vec<TierMoment>)> {
        let file = s.file.as_str();
        let main_id = s.main.get_ref();
        let main = known.find(main_id);
        let at = At {
            file,
            main_id,
            main,
            known,
            matrix,
        };
        let counted = known.script_of.get(main_id) == Some(&i);
        self.non_empty(file, &s.title, "script title");
        let mut stage_seen: HashMap<String, usize> = HashMap::new();
        let mut stages = Vec::new();
        let mut tally = Tally::default();
        for (st, moments) in &s.stages {
            self.check_id(file, &st.id, "stage id");
            if let Some(line) = stage_seen.get(st.id.get_ref()) {
                self.error(
                    Code::DuplicateStage,
                    file,
                    st.id.span(),
                    format!(
                        "duplicate stage id `{}` (first on line {line})",
                        st.id.get_ref()
                    ),
                );
            } else {
                stage_seen.insert(
                    st.id.get_ref().clone(),
                    self.line_of(file, st.id.span().start),
                );
            }
            stages.push(self.stage(&at, st, moments, &mut tally));
        }
        if s.stages.is_empty() {
            self.error(
                Code::NoStage,
                file,
                s.main.span(),
                "the script has no [[stage]]",
            );
        }
        let objections = self.objections(&at, &s.objections);
        if !counted || main.is_none() {
            return None;
        }
        if !tally.has_create && !s.stages.is_empty() {
            self.warn(Code::NoCreateMoment,
                file,
                s.main.span(),
                "no stage has a create moment or `create = true`: the create-the-moment part of the formula is never prompted",
            );
        }
        let mut catch_covered = tally.catch_covered;
        // Linked products that have phrases only in the matrix also count as covered.
        for l in matrix
            .links
            .iter()
            .filter(|l| &l.main == main_id && !l.say.is_empty())
        {
            if !catch_covered.contains(&l.cross) {
                catch_covered.push(l.cross.clone());
            }
        }
        let formula = &known.formula;
        if (catch_covered.len() as u32) < formula.catch {
            self.warn(Code::CatchUncovered,
                file,
                s.main.span(),
                format!(
                    "catch phrases cover {} linked product(s) of `{main_id}`, fewer than formula.catch = {}",
                    catch_covered.len(),
                    formula.catch
                ),
            );
        }
        for l in matrix
            .raw_links
            .iter()
            .filter(|l| l.main.get_ref() == main_id)
        {
            let cross = l.cross.get_ref();
            if known.find(cross).is_some() && !catch_covered.contains(cross) && cross != main_id {
                self.warn(Code::NoCatchPhrase,
                    PRODUCTS_FILE,
                    l.cross.span(),
                    format!("`{cross}` is linked to `{main_id}` but has no catch phrase anywhere (no catch moment in {file}, no `say` in the link)"),
                );
            }
        }
        let script = Script {
            main: main_id.clone(),
            title: s.title.get_ref().clone(),
            stages,
            objections,
        };
        Some((script, tally.tiers))
    }

    fn stage(
        &mut self,
        at: &At<'_>,
        st: &RawStage,
        moments: &[RawMoment],
        tally: &mut Tally,
    ) -> Stage {
        let (file, main) = (at.file, at.main);
        self.non_empty(file, &st.title, "stage title");
        let scope = Scope {
            product: main,
            main,
            unresolved: main.is_none(),
        };
        for line in &st.say {
            self.phrase(file, line, &scope, "phrase");
        }
        tally.has_create |= st.create;
        let mut out_moments: Vec<Moment> = Vec::new();
        let mut distinct: Vec<String> = Vec::new();
        for m in moments {
            if let Some(moment) = self.moment(at, st, m, tally) {
                if !distinct.contains(&moment.product) {
                    distinct.push(moment.product.clone());
                }
                out_moments.push(moment);
            }
        }
        let policy = &at.known.policy;
        if distinct.len() as u32 > policy.max_extra_offers {
            self.warn(Code::TooManyOffers,
                file,
                st.id.span(),
                format!(
                    "stage `{}` prompts {} different extra products, more than max_extra_offers = {}: keep the offer concrete",
                    st.id.get_ref(),
                    distinct.len(),
                    policy.max_extra_offers
                ),
            );
        }
        Stage {
            id: st.id.get_ref().clone(),
            title: st.title.get_ref().clone(),
            say: strings(&st.say),
            create: st.create,
            moments: out_moments,
        }
    }

    /// One moment; `None` when it is not a catch or create moment the consultation can
    /// show (upsell and downsell moments go to the tally).
    fn moment(
        &mut self,
        at: &At<'_>,
        st: &RawStage,
        m: &RawMoment,
        tally: &mut Tally,
    ) -> Option<Moment> {
        let (file, main_id) = (at.file, at.main_id);
        let kind = match m.technique.get_ref().as_str() {
            "catch" => Some(Ok(Technique::Catch)),
            "create" => Some(Ok(Technique::Create)),
            "upsell" => Some(Err(Tier::Upsell)),
            "downsell" => Some(Err(Tier::Downsell)),
            _ if is_placeholder(&m.technique) => None,
            other => {
                let hint = did_you_mean(other, ["catch", "create", "upsell", "downsell"]);
                self.error(
                    Code::UnknownTechnique,
                    file,
                    m.technique.span(),
                    format!(
                        "unknown technique `{other}`{}",
                        if hint.is_empty() {
                            " (expected catch, create, upsell or downsell)".to_string()
                        } else {
                            hint
                        }
                    ),
                );
                None
            }
        };
        let (product_ok, scope) = self.lines_about(
            at,
            &m.product,
            &m.say,
            (&m.product, "a moment needs at least one phrase in `say`"),
            "moment phrase",
        );
        if let Some(cue) = &m.cue {
            self.phrase(file, cue, &scope, "cue");
        }
        let technique = match kind? {
            Ok(technique) => technique,
            Err(tier) => {
                if product_ok {
                    self.tier_moment(at, st, m, tier, tally);
                }
                return None;
            }
        };
        if technique == Technique::Create {
            tally.has_create = true;
            for line in &m.say {
                self.lint_question(file, line, "create-the-moment phrase");
            }
        }
        if !product_ok {
            return None;
        }
        if self.offers_main(at, m) {
            return None;
        }
        let product = m.product.get_ref();
        if technique == Technique::Catch {
            if at
                .matrix
                .seen_links
                .contains_key(&(main_id.clone(), product.clone()))
            {
                if !tally.catch_covered.contains(product) {
                    tally.catch_covered.push(product.clone());
                }
            } else {
                self.warn(Code::CatchNotLinked,
                    file,
                    m.product.span(),
                    format!("catch moment for `{product}`, which products.toml does not link to `{main_id}`: add a [[link]] row or use technique = \"create\""),
                );
            }
        }
        Some(Moment {
            technique,
            product: product.clone(),
            cue: m.cue.as_ref().map(|c| c.get_ref().clone()),
            say: strings(&m.say),
        })
    }

    /// An upsell or downsell moment of a known product: not the main one, with its row.
    fn tier_moment(
        &mut self,
        at: &At<'_>,
        st: &RawStage,
        m: &RawMoment,
        tier: Tier,
        tally: &mut Tally,
    ) {
        let (file, main_id) = (at.file, at.main_id);
        if self.offers_main(at, m) {
            return;
        }
        let product = m.product.get_ref();
        let key = (main_id.clone(), product.clone());
        if !at.matrix.has_row(tier, &key) {
            let (row, role) = (tier.as_str(), role(tier));
            self.warn(
                Code::TierWithoutRow,
                file,
                m.product.span(),
                format!("{row} moment for `{product}`, but products.toml has no [[{row}]] row with main = \"{main_id}\" and {role} = \"{product}\": add one, with its `why`"),
            );
        }
        tally.tiers.push(TierMoment {
            tier,
            main: main_id.clone(),
            stage: st.id.get_ref().clone(),
            product: product.clone(),
            cue: m.cue.as_ref().map(|c| c.get_ref().clone()),
            say: strings(&m.say),
        });
    }

    fn objections(&mut self, at: &At<'_>, raw: &[RawObjection]) -> Vec<Objection> {
        let file = at.file;
        let mut objections = Vec::new();
        for o in raw {
            self.non_empty(file, &o.client, "objection (`client`)");
            let (ok, _) = self.lines_about(
                at,
                &o.product,
                &o.answer,
                (
                    &o.client,
                    "an objection needs at least one line in `answer`",
                ),
                "answer",
            );
            if ok {
                objections.push(Objection {
                    product: o.product.get_ref().clone(),
                    client: o.client.get_ref().clone(),
                    answer: strings(&o.answer),
                });
            }
        }
        objections
    }

    /// A moment that offers the script's main product itself (an error).
    fn offers_main(&mut self, at: &At<'_>, m: &RawMoment) -> bool {
        let main_id = at.main_id;
        if m.product.get_ref() != main_id {
            return false;
        }
        self.error(
            Code::SelfOffer,
            at.file,
            m.product.span(),
            format!("a moment cannot offer the main product `{main_id}` itself"),
        );
        true
    }

    /// Lines said about a product (a moment's `say`, an objection's `answer`): the product
    /// must exist, there must be a line (else `none` at its place), and each is a phrase
    /// the officer can say. Whether the product exists, and the scope the lines were read in.
    fn lines_about<'a>(
        &mut self,
        at: &At<'a>,
        product: &Text,
        lines: &[Text],
        none: (&Text, &str),
        what: &str,
    ) -> (bool, Scope<'a>) {
        let file = at.file;
        let ok = self.reference(file, product, &at.known.ids);
        if lines.is_empty() {
            self.error(Code::NoPhrase, file, none.0.span(), none.1);
        }
        let scope = Scope {
            product: at.known.find(product.get_ref()),
            main: at.main,
            unresolved: !ok || at.main.is_none(),
        };
        for line in lines {
            self.phrase(file, line, &scope, what);
            self.promise(file, line, scope.product);
        }
        (ok, scope)
    }
}
