//! `{client}`, `{main.rate}` … in the trainer's phrases: finding them (for `check`) and
//! filling them in (for the officer's screen).

use std::ops::Range;

use super::model::Product;

/// One `{…}` found in a phrase: its byte range (braces included) and its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder<'a> {
    pub range: Range<usize>,
    pub name: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token<'a> {
    Text(&'a str),
    Placeholder(Placeholder<'a>),
    /// A `{` with no closing `}`: its byte offset.
    Unclosed(usize),
}

/// Splits a phrase into text and placeholders. `{{` and `}}` stand for literal braces.
pub fn tokens(text: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' if bytes.get(i + 1) == Some(&b'{') => {
                out.push(Token::Text(&text[start..=i]));
                i += 2;
                start = i;
            }
            b'}' if bytes.get(i + 1) == Some(&b'}') => {
                out.push(Token::Text(&text[start..=i]));
                i += 2;
                start = i;
            }
            b'{' => {
                if start < i {
                    out.push(Token::Text(&text[start..i]));
                }
                match text[i + 1..].find(['}', '{']) {
                    Some(rel) if bytes[i + 1 + rel] == b'}' => {
                        let end = i + 1 + rel;
                        out.push(Token::Placeholder(Placeholder {
                            range: i..end + 1,
                            name: text[i + 1..end].trim(),
                        }));
                        i = end + 1;
                        start = i;
                    }
                    _ => {
                        out.push(Token::Unclosed(i));
                        i += 1;
                        start = i;
                    }
                }
            }
            _ => i += 1,
        }
    }
    if start < text.len() {
        out.push(Token::Text(&text[start..]));
    }
    out
}

/// What a phrase's placeholders may refer to, for checking.
pub struct Scope<'a> {
    /// The product `{product.…}` means here.
    pub product: Option<&'a Product>,
    /// The main product, when it is known where the phrase is written; `None` in a plan
    /// product's lines, which follow any main product (only `{main.name}` is allowed there).
    pub main: Option<&'a Product>,
    /// A product named here is unknown, an error already reported: `{product.…}` and
    /// `{main.…}` are then not checked, so one wrong id is one error.
    pub unresolved: bool,
}

/// Why a placeholder name is not acceptable in a scope, or `None` when it is.
pub fn problem(name: &str, scope: &Scope<'_>) -> Option<String> {
    const PLAIN: [&str; 4] = ["client", "client.first", "client.last", "officer"];
    if PLAIN.contains(&name) {
        return None;
    }
    let known = || {
        let mut all: Vec<String> = PLAIN.iter().map(|s| s.to_string()).collect();
        for (prefix, product) in [("product", scope.product), ("main", scope.main)] {
            all.push(format!("{prefix}.name"));
            if let Some(p) = product {
                all.extend(p.params.keys().map(|k| format!("{prefix}.{k}")));
            }
        }
        all
    };
    let unknown = |name: &str| {
        let all = known();
        let hint = super::suggest::did_you_mean(name, all.iter().map(String::as_str));
        Some(format!("unknown placeholder `{{{name}}}`{hint}"))
    };
    let Some((prefix, field)) = name.split_once('.') else {
        return unknown(name);
    };
    if scope.unresolved && (prefix == "product" || prefix == "main") {
        return None;
    }
    let product = match prefix {
        "product" => scope.product,
        "main" => {
            if scope.main.is_none() && field != "name" {
                return Some(format!(
                    "placeholder `{{{name}}}` depends on the main product, which varies here; only `{{main.name}}` is available"
                ));
            }
            scope.main
        }
        _ => return unknown(name),
    };
    if field == "name" || product.is_some_and(|p| p.params.contains_key(field)) {
        None
    } else {
        unknown(name)
    }
}

/// The values to fill a phrase with.
pub struct Fill<'a> {
    /// The polite address: first name and patronymic.
    pub client: &'a str,
    pub client_first: &'a str,
    pub client_last: &'a str,
    pub officer: &'a str,
    pub product: &'a Product,
    pub main: &'a Product,
}

/// Fills a phrase; an unknown placeholder (only possible in an unchecked catalogue) stays as
/// written so nothing is silently lost.
pub fn fill(text: &str, with: &Fill<'_>) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for token in tokens(text) {
        match token {
            Token::Text(t) => out.push_str(t),
            Token::Unclosed(_) => out.push('{'),
            Token::Placeholder(p) => {
                let value = match p.name {
                    "client" => Some(with.client),
                    "client.first" => Some(with.client_first),
                    "client.last" => Some(with.client_last),
                    "officer" => Some(with.officer),
                    other => other.split_once('.').and_then(|(prefix, field)| {
                        let product = match prefix {
                            "product" => with.product,
                            "main" => with.main,
                            _ => return None,
                        };
                        if field == "name" {
                            Some(product.name.as_str())
                        } else {
                            product.params.get(field).map(String::as_str)
                        }
                    }),
                };
                match value {
                    Some(v) => out.push_str(v),
                    None => out.push_str(&text[p.range.clone()]),
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn product(id: &str, params: &[(&str, &str)]) -> Product {
        Product {
            id: id.into(),
            name: format!("Продукт {id}"),
            family: String::new(),
            params: params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
            plan_per_month: None,
            eligible: Default::default(),
            create: vec![],
            pitch: vec![],
            disclosure: vec![],
        }
    }

    #[test]
    fn finds_placeholders_and_escapes() {
        let t = tokens("Здравствуйте, {client}! {{скобки}} {main.rate");
        assert_eq!(t[0], Token::Text("Здравствуйте, "));
        assert!(matches!(&t[1], Token::Placeholder(p) if p.name == "client"));
        assert!(t.contains(&Token::Text("! {")), "{t:?}");
        assert!(t.iter().any(|t| matches!(t, Token::Unclosed(_))));
    }

    #[test]
    fn checks_names_against_scope() {
        let main = product("deposit", &[("rate", "10%")]);
        let card = product("debit_card", &[("cashback", "5%")]);
        let scope = Scope {
            product: Some(&card),
            main: Some(&main),
            unresolved: false,
        };
        assert_eq!(problem("client", &scope), None);
        assert_eq!(problem("main.rate", &scope), None);
        assert_eq!(problem("product.cashback", &scope), None);
        let msg = problem("product.cashbak", &scope).unwrap();
        assert!(msg.contains("did you mean `product.cashback`"), "{msg}");
        assert!(problem("clent", &scope).unwrap().contains("`client`"));
        let plan_scope = Scope {
            product: Some(&card),
            main: None,
            unresolved: false,
        };
        assert_eq!(problem("main.name", &plan_scope), None);
        assert!(problem("main.rate", &plan_scope).is_some());
    }

    #[test]
    fn fills_values() {
        let main = product("deposit", &[("rate", "10%")]);
        let card = product("debit_card", &[]);
        let with = Fill {
            client: "Анна Петровна",
            client_first: "Анна",
            client_last: "Иванова",
            officer: "Ольга",
            product: &card,
            main: &main,
        };
        assert_eq!(
            fill(
                "{client}, ставка {main.rate}, карта «{product.name}» {x.y}",
                &with
            ),
            "Анна Петровна, ставка 10%, карта «Продукт debit_card» {x.y}"
        );
    }
}
