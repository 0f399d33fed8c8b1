//! Choosing a value: code tables (`map`) and conditions (`if`).

use std::collections::BTreeMap;

use super::syntax::Condition;
use super::{Pattern, Value};

/// A code table: legacy code → new code, with a fallback.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeTable {
    table: BTreeMap<String, String>,
    otherwise: Option<String>,
    ignore_case: bool,
}

impl CodeTable {
    pub fn new(
        map: &BTreeMap<String, String>,
        otherwise: Option<String>,
        ignore_case: bool,
    ) -> Result<Self, String> {
        let mut table = BTreeMap::new();
        for (key, code) in map {
            let key = if ignore_case {
                key.to_lowercase()
            } else {
                key.clone()
            };
            if table.insert(key, code.clone()).is_some() {
                return Err(
                    "map has keys that differ only in letter case, and ignore_case is set"
                        .to_string(),
                );
            }
        }
        Ok(CodeTable {
            table,
            otherwise,
            ignore_case,
        })
    }

    pub fn look_up(&self, text: &str) -> Result<Value, String> {
        let found = if self.ignore_case {
            self.table.get(&text.to_lowercase())
        } else {
            self.table.get(text)
        };
        match found.or(self.otherwise.as_ref()) {
            Some(code) => Ok(Value::Text(code.clone())),
            None => Err("value is not in the code table".to_string()),
        }
    }
}

/// The test of an `if` step, compiled.
#[derive(Debug, Clone, PartialEq)]
enum Test {
    Missing,
    Equals(String),
    In(Vec<String>),
    Matches(Pattern),
}

/// `if = <test>, then = "…", else = "…"`.
#[derive(Debug, Clone, PartialEq)]
pub struct IfStep {
    test: Test,
    then: String,
    otherwise: Option<String>,
}

impl IfStep {
    pub fn new(condition: &Condition, then: &str, otherwise: Option<&str>) -> Result<Self, String> {
        let test = match condition {
            Condition::Missing => Test::Missing,
            Condition::Equals(s) => Test::Equals(s.clone()),
            Condition::In(list) => Test::In(list.clone()),
            Condition::Matches(p) => Test::Matches(Pattern::compile(p)?),
        };
        Ok(IfStep {
            test,
            then: then.to_string(),
            otherwise: otherwise.map(str::to_string),
        })
    }

    /// A missing value meets only `missing`; for any other test it stays missing (a
    /// condition does not invent a value for a row that has none).
    pub fn apply(&self, value: Value) -> Result<Value, String> {
        let met = match (&self.test, &value) {
            (Test::Missing, Value::Missing) => true,
            (Test::Missing, Value::Text(t)) => t.trim().is_empty(),
            (Test::Missing, _) => false,
            (_, Value::Missing) => return Ok(Value::Missing),
            (Test::Equals(s), Value::Text(t)) => t.trim() == s,
            (Test::In(list), Value::Text(t)) => list.iter().any(|s| s == t.trim()),
            (Test::Matches(p), Value::Text(t)) => p.0.is_match(t),
            (_, Value::List(_)) => {
                return Err("expects one value, not a list of columns".to_string());
            }
            (_, _) => return Err("expects text, not a value an earlier step built".to_string()),
        };
        Ok(match (met, &self.otherwise) {
            (true, _) => Value::Text(self.then.clone()),
            (false, Some(other)) => Value::Text(other.clone()),
            (false, None) => value,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Value {
        Value::Text(s.into())
    }

    #[test]
    fn code_tables() {
        let map: BTreeMap<String, String> = [
            ("M".to_string(), "male".to_string()),
            ("F".into(), "female".into()),
        ]
        .into();
        let exact = CodeTable::new(&map, None, false).expect("valid");
        let loose = CodeTable::new(&map, Some("unknown".into()), true).expect("valid");
        let cases = [
            (&exact, "M", Ok(t("male"))),
            (
                &exact,
                "m",
                Err("value is not in the code table".to_string()),
            ),
            (&loose, "m", Ok(t("male"))),
            (&loose, "F", Ok(t("female"))),
            (&loose, "X", Ok(t("unknown"))),
        ];
        for (table, input, expected) in cases {
            assert_eq!(table.look_up(input), expected, "input {input:?}");
        }
        let clash: BTreeMap<String, String> =
            [("m".to_string(), "a".to_string()), ("M".into(), "b".into())].into();
        assert!(CodeTable::new(&clash, None, true).is_err());
        assert!(CodeTable::new(&clash, None, false).is_ok());
    }

    #[test]
    fn conditions() {
        let step = |c: Condition, e: Option<&str>| IfStep::new(&c, "yes", e).expect("valid");
        let cases = [
            (
                step(Condition::Equals("C".into()), Some("no")),
                t("C"),
                t("yes"),
            ),
            (
                step(Condition::Equals("C".into()), Some("no")),
                t(" C "),
                t("yes"),
            ),
            (
                step(Condition::Equals("C".into()), Some("no")),
                t("B"),
                t("no"),
            ),
            (step(Condition::Equals("C".into()), None), t("B"), t("B")),
            (
                step(Condition::Equals("C".into()), Some("no")),
                Value::Missing,
                Value::Missing,
            ),
            (
                step(Condition::In(vec!["C".into(), "X".into()]), None),
                t("X"),
                t("yes"),
            ),
            (
                step(Condition::Matches(r"^\d+$".into()), Some("no")),
                t("123"),
                t("yes"),
            ),
            (
                step(Condition::Matches(r"^\d+$".into()), Some("no")),
                t("12a"),
                t("no"),
            ),
            (step(Condition::Missing, None), Value::Missing, t("yes")),
            (step(Condition::Missing, None), t(""), t("yes")),
            (step(Condition::Missing, None), t("here"), t("here")),
            (step(Condition::Missing, Some("no")), t("here"), t("no")),
        ];
        for (step, input, expected) in cases {
            assert_eq!(
                step.apply(input.clone()),
                Ok(expected),
                "{step:?} on {input:?}"
            );
        }
        assert!(IfStep::new(&Condition::Matches("(".into()), "x", None).is_err());
    }
}
