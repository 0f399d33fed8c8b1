//! Transforms: small, pure functions applied in a chain to a legacy value on its way to a
//! FHIR element. Each returns the new value or a reason it could not (which becomes a
//! finding naming the row and column, never the value).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A value on its way through a transform chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Value {
    Missing,
    Text(String),
    /// The inputs of an element with `columns = [...]`, in order (each `Missing` or `Text`),
    /// until a transform combines them.
    List(Vec<Value>),
    /// FHIR JSON built by a transform: a HumanName, a Quantity, a CodeableConcept, a number.
    Json(serde_json::Value),
    /// A value for a choice element (`value[x]`): the type suffix (`Quantity`, `String`,
    /// `DateTime`, …) and the JSON value; placed as `value<Type>`.
    Choice(String, serde_json::Value),
}

/// Something worth a finding that did not stop the value (a truncation, an ambiguous
/// local time). Never carries the value itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub rule: &'static str,
    pub message: String,
}

/// What transforms may depend on besides the value: fixed when a spec is compiled, so a
/// conversion is reproducible.
#[derive(Debug, Clone)]
pub struct Env {
    /// The clinic's today (two-digit years never give a future birth date).
    pub today: NaiveDate,
}

impl Default for Env {
    fn default() -> Self {
        Env {
            today: chrono::Local::now().date_naive(),
        }
    }
}

/// A person's name split into FHIR `HumanName` parts.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct PersonName {
    pub family: String,
    pub given: Vec<String>,
    pub suffix: Option<String>,
}

/// One step of a chain, as written in a spec: a name (`"trim"`) or a table (`{ map = … }`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum TransformSpec {
    Named(String),
    Map {
        map: BTreeMap<String, String>,
        /// Used for values not in the table; without it such a value is a finding.
        #[serde(default)]
        otherwise: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Transform {
    /// Strip leading and trailing white space; an empty result is missing.
    Trim,
    Upper,
    Lower,
    /// "LAST, FIRST M" (or "First M Last") into family, given and suffix.
    SplitName,
    /// `MM/DD/YYYY` (or `M/D/YYYY`) to ISO 8601 `YYYY-MM-DD`.
    DateMdy,
    /// Look the value up in a code table.
    Map {
        table: BTreeMap<String, String>,
        otherwise: Option<String>,
    },
}

impl Transform {
    pub fn from_spec(spec: &TransformSpec, _env: &Env) -> Result<Self, String> {
        Ok(match spec {
            TransformSpec::Named(name) => match name.as_str() {
                "trim" => Transform::Trim,
                "upper" => Transform::Upper,
                "lower" => Transform::Lower,
                "split_name" => Transform::SplitName,
                "date_mdy" => Transform::DateMdy,
                other => {
                    return Err(format!(
                        "unknown transform '{other}' (known: trim, upper, lower, split_name, date_mdy, {{ map = … }})"
                    ));
                }
            },
            TransformSpec::Map { map, otherwise } => Transform::Map {
                table: map.clone(),
                otherwise: otherwise.clone(),
            },
        })
    }

    /// The rule name a failure of this transform is filed under.
    pub fn rule(&self) -> &'static str {
        match self {
            Transform::Trim => "transform.trim",
            Transform::Upper => "transform.upper",
            Transform::Lower => "transform.lower",
            Transform::SplitName => "transform.split_name",
            Transform::DateMdy => "transform.date_mdy",
            Transform::Map { .. } => "transform.map",
        }
    }

    /// Apply to one value; `notes` collects what is worth a finding without failing.
    pub fn apply(&self, value: Value, _notes: &mut Vec<Note>) -> Result<Value, String> {
        let text = match value {
            Value::Missing => return Ok(Value::Missing),
            Value::Text(t) => t,
            _ => {
                return Err(format!("{} expects one text value", self.rule()));
            }
        };
        Ok(match self {
            Transform::Trim => {
                let t = text.trim();
                if t.is_empty() {
                    Value::Missing
                } else {
                    Value::Text(t.to_string())
                }
            }
            Transform::Upper => Value::Text(text.to_uppercase()),
            Transform::Lower => Value::Text(text.to_lowercase()),
            Transform::SplitName => Value::Json(split_name(&text)?.to_human_name()),
            Transform::DateMdy => Value::Text(date_mdy(&text)?),
            Transform::Map { table, otherwise } => match table.get(&text).or(otherwise.as_ref()) {
                Some(code) => Value::Text(code.clone()),
                None => return Err("value is not in the code table".to_string()),
            },
        })
    }
}

impl PersonName {
    /// As a FHIR `HumanName` (use `official`).
    pub fn to_human_name(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        m.insert("use".into(), "official".into());
        m.insert("family".into(), self.family.clone().into());
        if !self.given.is_empty() {
            m.insert("given".into(), self.given.clone().into());
        }
        if let Some(s) = &self.suffix {
            m.insert("suffix".into(), vec![s.clone()].into());
        }
        serde_json::Value::Object(m)
    }
}

const SUFFIXES: &[&str] = &["JR", "SR", "II", "III", "IV"];

/// Split a legacy name. "DOE, JOHN Q" → family DOE, given [JOHN, Q]; "DOE JR, JOHN" takes
/// the suffix from the family part; without a comma the last word is the family name.
pub fn split_name(text: &str) -> Result<PersonName, String> {
    let text = text.trim();
    let (family_part, given_part) = match text.split_once(',') {
        Some((f, g)) => (f.trim().to_string(), g.trim().to_string()),
        None => {
            let mut words: Vec<&str> = text.split_whitespace().collect();
            let family = words.pop().unwrap_or_default().to_string();
            (family, words.join(" "))
        }
    };
    let mut family_words: Vec<&str> = family_part.split_whitespace().collect();
    let mut suffix = None;
    if family_words.len() > 1
        && let Some(last) = family_words.last()
        && SUFFIXES.contains(&last.trim_end_matches('.').to_uppercase().as_str())
    {
        suffix = Some(last.to_string());
        family_words.pop();
    }
    let family = family_words.join(" ");
    if family.is_empty() {
        return Err("no family name found".to_string());
    }
    let given: Vec<String> = given_part
        .split_whitespace()
        .map(|g| g.trim_end_matches('.').to_string())
        .filter(|g| !g.is_empty())
        .collect();
    Ok(PersonName {
        family,
        given,
        suffix,
    })
}

/// Parse `MM/DD/YYYY` to ISO 8601, refusing dates that do not exist.
pub fn date_mdy(text: &str) -> Result<String, String> {
    let parts: Vec<&str> = text.trim().split('/').collect();
    let [m, d, y] = parts.as_slice() else {
        return Err("not a MM/DD/YYYY date".to_string());
    };
    let num = |s: &str, max_len: usize| -> Option<u32> {
        (!s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (Some(m), Some(d), Some(y)) = (num(m, 2), num(d, 2), num(y, 4)) else {
        return Err("not a MM/DD/YYYY date".to_string());
    };
    if y < 1000 {
        return Err("year must have four digits".to_string());
    }
    NaiveDate::from_ymd_opt(y as i32, m, d)
        .map(|date| date.format("%Y-%m-%d").to_string())
        .ok_or_else(|| "no such calendar date".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(family: &str, given: &[&str], suffix: Option<&str>) -> PersonName {
        PersonName {
            family: family.into(),
            given: given.iter().map(|s| s.to_string()).collect(),
            suffix: suffix.map(str::to_string),
        }
    }

    #[test]
    fn split_name_table() {
        let cases = [
            ("DOE, JOHN Q", name("DOE", &["JOHN", "Q"], None)),
            ("Doe,Jane", name("Doe", &["Jane"], None)),
            (
                "  O'Neil ,  Mary  Ann ",
                name("O'Neil", &["Mary", "Ann"], None),
            ),
            ("SMITH JR, ROBERT", name("SMITH", &["ROBERT"], Some("JR"))),
            (
                "Van Der Berg, Anna M.",
                name("Van Der Berg", &["Anna", "M"], None),
            ),
            ("John Q Public", name("Public", &["John", "Q"], None)),
            ("CHER", name("CHER", &[], None)),
        ];
        for (input, expected) in cases {
            assert_eq!(split_name(input).as_ref(), Ok(&expected), "input {input:?}");
        }
        assert!(
            split_name(", JOHN").is_err(),
            "a name without a family part is refused"
        );
    }

    #[test]
    fn date_mdy_table() {
        let cases: [(&str, Result<&str, &str>); 9] = [
            ("03/14/1961", Ok("1961-03-14")),
            ("3/4/2001", Ok("2001-03-04")),
            (" 12/31/1999 ", Ok("1999-12-31")),
            ("02/29/2000", Ok("2000-02-29")),
            ("02/29/1999", Err("no such calendar date")),
            ("13/01/2000", Err("no such calendar date")),
            ("1961-03-14", Err("not a MM/DD/YYYY date")),
            ("03/14/61", Err("year must have four digits")),
            ("aa/bb/cccc", Err("not a MM/DD/YYYY date")),
        ];
        for (input, expected) in cases {
            assert_eq!(
                date_mdy(input).as_deref(),
                expected.map_err(str::to_string).as_deref(),
                "input {input:?}"
            );
        }
    }

    #[test]
    fn chains_pass_missing_through_and_map_codes() {
        let env = Env::default();
        let notes = &mut Vec::new();
        let map = Transform::from_spec(
            &TransformSpec::Map {
                map: [("M".to_string(), "male".to_string())].into(),
                otherwise: None,
            },
            &env,
        )
        .unwrap();
        assert_eq!(
            map.apply(Value::Text("M".into()), notes),
            Ok(Value::Text("male".into()))
        );
        assert!(map.apply(Value::Text("X".into()), notes).is_err());
        assert_eq!(
            Transform::Trim.apply(Value::Text("   ".into()), notes),
            Ok(Value::Missing)
        );
        assert_eq!(
            Transform::DateMdy.apply(Value::Missing, notes),
            Ok(Value::Missing)
        );
        assert!(Transform::from_spec(&TransformSpec::Named("rot13".into()), &env).is_err());
        assert!(notes.is_empty());
    }
}
