//! `sufler schema`: the JSON Schema (draft 2020-12) of products.toml and scripts/*.toml,
//! generated from the types the loader deserialises into (see raw.rs). The repository ships
//! the output in `schema/`; a test keeps the two equal.

use schemars::generate::SchemaSettings;

use super::raw::{ProductsFile, ScriptFile};

/// Which file a schema describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Products,
    Script,
}

impl Target {
    pub const ALL: [Target; 2] = [Target::Products, Target::Script];

    /// The shipped file, relative to the repository root.
    pub fn shipped_path(self) -> &'static str {
        match self {
            Target::Products => "schema/products.schema.json",
            Target::Script => "schema/script.schema.json",
        }
    }
}

/// The schema as a JSON value.
pub fn generate(target: Target) -> serde_json::Value {
    let generator = SchemaSettings::draft2020_12().into_generator();
    let schema = match target {
        Target::Products => generator.into_root_schema_for::<ProductsFile>(),
        Target::Script => generator.into_root_schema_for::<ScriptFile>(),
    };
    let mut value = schema.to_value();
    drop_null(&mut value);
    if let Some(map) = value.as_object_mut() {
        let title = match target {
            Target::Products => "Sufler products.toml",
            Target::Script => "Sufler scripts/*.toml",
        };
        map.insert("title".into(), title.into());
    }
    value
}

/// TOML has no null: an optional key is one that may be left out, never one set to null. So
/// `Option<T>`'s `T or null` becomes `T` (the key stays out of `required`), which also lets
/// validators and editors report the error inside `T` rather than "matches no alternative".
fn drop_null(value: &mut serde_json::Value) {
    use serde_json::Value;
    let is_null = |v: &Value| v.get("type") == Some(&Value::from("null"));
    if let Value::Object(map) = value {
        if let Some(Value::Array(types)) = map.get_mut("type") {
            types.retain(|t| t != "null");
            if types.len() == 1 {
                let only = types.remove(0);
                map.insert("type".into(), only);
            }
        }
        let any_of = map.get("anyOf").and_then(Value::as_array).cloned();
        if let Some(mut any_of) = any_of {
            if any_of.iter().any(is_null) {
                any_of.retain(|v| !is_null(v));
                map.remove("anyOf");
                if let [Value::Object(only)] = any_of.as_slice() {
                    for (k, v) in only {
                        map.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                } else {
                    map.insert("anyOf".into(), Value::Array(any_of));
                }
            }
        }
    }
    match value {
        Value::Object(map) => map.values_mut().for_each(drop_null),
        Value::Array(items) => items.iter_mut().for_each(drop_null),
        _ => {}
    }
}

/// The schema as `sufler schema` prints it and `schema/` holds it: pretty, one final newline.
pub fn render(target: Target) -> String {
    let mut text = serde_json::to_string_pretty(&generate(target)).expect("a schema serialises");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::load::*;

    fn keys(schema: &serde_json::Value, pointer: &str) -> Vec<String> {
        let props = schema
            .pointer(pointer)
            .and_then(|p| p.get("properties"))
            .unwrap_or_else(|| panic!("no properties at {pointer}"));
        let mut keys: Vec<String> = props.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    }

    fn sorted(list: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = list.iter().map(|s| s.to_string()).collect();
        v.sort();
        v
    }

    #[test]
    fn schema_keys_are_the_loaders_keys() {
        let p = generate(Target::Products);
        assert_eq!(keys(&p, ""), sorted(PRODUCTS_TOP_KEYS));
        assert_eq!(keys(&p, "/$defs/Formula"), sorted(FORMULA_KEYS));
        assert_eq!(keys(&p, "/$defs/Policy"), sorted(POLICY_KEYS));
        assert_eq!(keys(&p, "/$defs/Product"), sorted(PRODUCT_KEYS));
        assert_eq!(keys(&p, "/$defs/Link"), sorted(LINK_KEYS));
        assert_eq!(keys(&p, "/$defs/Upsell"), sorted(UPSELL_KEYS));
        assert_eq!(keys(&p, "/$defs/Downsell"), sorted(DOWNSELL_KEYS));
        let s = generate(Target::Script);
        assert_eq!(keys(&s, ""), sorted(SCRIPT_TOP_KEYS));
        assert_eq!(keys(&s, "/$defs/Stage"), sorted(STAGE_KEYS));
        assert_eq!(keys(&s, "/$defs/Moment"), sorted(MOMENT_KEYS));
        assert_eq!(keys(&s, "/$defs/Objection"), sorted(OBJECTION_KEYS));
    }

    /// Every property of every object has a description with both languages.
    #[test]
    fn every_field_is_described_in_russian_and_english() {
        fn walk(v: &serde_json::Value, path: &str) {
            if let Some(props) = v.get("properties").and_then(|p| p.as_object()) {
                assert_eq!(v["additionalProperties"], false, "{path} is open");
                for (k, p) in props {
                    let d = p["description"].as_str().unwrap_or_default();
                    let (ru, en) = d.split_once(" / ").unwrap_or_default();
                    assert!(
                        ru.chars().any(|c| ('а'..='я').contains(&c)) && !en.is_empty(),
                        "{path}.{k}: {d:?}"
                    );
                }
            }
            match v {
                serde_json::Value::Object(m) => {
                    m.iter().for_each(|(k, x)| walk(x, &format!("{path}/{k}")))
                }
                serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, path)),
                _ => {}
            }
        }
        for t in Target::ALL {
            walk(&generate(t), t.shipped_path());
        }
    }

    #[test]
    fn categories_and_techniques_are_enums() {
        let p = generate(Target::Products);
        let cats: Vec<&str> = p["$defs"]["LinkCategory"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let all: Vec<&str> = crate::catalog::LinkCategory::ALL
            .iter()
            .map(|c| c.as_str())
            .collect();
        assert_eq!(cats, all);
        let s = generate(Target::Script);
        assert_eq!(
            s["$defs"]["Technique"]["enum"],
            serde_json::json!(["catch", "create", "upsell", "downsell"])
        );
        assert_eq!(p["$schema"], "https://json-schema.org/draft/2020-12/schema");
    }
}
