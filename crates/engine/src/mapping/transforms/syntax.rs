//! What a spec file says about one transform step: a name (`"trim"`) or a table with one
//! distinctive key (`{ date = { format = "M/D/YY" } }`). Round-trips through TOML and JSON;
//! `Transform::from_spec` checks it and compiles it.

use std::collections::BTreeMap;

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize};
use ts_rs::TS;

/// One step of a chain, as written in a spec. Each table form has its own key, so a
/// TOML reader sees `{ truncate = { max = 2000 } }` rather than a `type` field.
///
/// Serialised untagged; read by hand (`TransformSpec::from_json`) so that a mistake gets a
/// sentence naming the key rather than serde's "did not match any variant".
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(untagged)]
pub enum TransformSpec {
    /// `"trim"`, `"upper"`, `"split_name"`, `"phone_e164"`, … (see `catalogue()`).
    Named(String),
    Map {
        map: BTreeMap<String, String>,
        /// Used for values not in the table; without it such a value is a finding.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        otherwise: Option<String>,
        /// Look keys up without regard to letter case.
        #[serde(default, skip_serializing_if = "is_false")]
        #[ts(as = "Option<bool>", optional)]
        ignore_case: bool,
    },
    Date {
        date: DateOptions,
    },
    Datetime {
        datetime: DatetimeOptions,
    },
    Phone {
        phone: PhoneOptions,
    },
    Truncate {
        truncate: TruncateOptions,
    },
    RegexExtract {
        regex_extract: String,
        /// A value the pattern does not match becomes missing instead of a finding.
        #[serde(default, skip_serializing_if = "is_false")]
        #[ts(as = "Option<bool>", optional)]
        or_missing: bool,
    },
    RegexReplace {
        regex_replace: RegexReplaceOptions,
    },
    Template {
        template: String,
    },
    Join {
        join: String,
    },
    Default {
        default: String,
    },
    Constant {
        constant: String,
    },
    If {
        #[serde(rename = "if")]
        condition: Condition,
        then: String,
        /// Without it a value that fails the condition passes on unchanged.
        #[serde(rename = "else", default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        otherwise: Option<String>,
    },
    Quantity {
        quantity: QuantityOptions,
    },
    Range {
        range: RangeOptions,
    },
    Coding {
        coding: CodingOptions,
    },
    /// Look the value up in a crosswalk loaded into the project.
    Crosswalk {
        crosswalk: String,
        /// The crosswalk column to take (e.g. `loinc`).
        column: String,
        /// Used for codes not in the crosswalk; without it such a code is a finding.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        otherwise: Option<String>,
    },
}

/// The distinctive key of each table form, and the other keys it allows.
const TABLES: &[(&str, &[&str])] = &[
    ("map", &["otherwise", "ignore_case"]),
    ("date", &[]),
    ("datetime", &[]),
    ("phone", &[]),
    ("truncate", &[]),
    ("regex_extract", &["or_missing"]),
    ("regex_replace", &[]),
    ("template", &[]),
    ("join", &[]),
    ("default", &[]),
    ("constant", &[]),
    ("if", &["then", "else"]),
    ("quantity", &[]),
    ("range", &[]),
    ("coding", &[]),
    ("crosswalk", &["column", "otherwise"]),
];

impl<'de> Deserialize<'de> for TransformSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = serde_json::Value::deserialize(deserializer)?;
        TransformSpec::from_json(raw).map_err(D::Error::custom)
    }
}

type Object = serde_json::Map<String, serde_json::Value>;

impl TransformSpec {
    /// Read one step from its JSON (or TOML, through serde) form.
    pub fn from_json(raw: serde_json::Value) -> Result<Self, String> {
        let mut table = match raw {
            serde_json::Value::String(name) => return Ok(TransformSpec::Named(name)),
            serde_json::Value::Object(table) => table,
            _ => {
                return Err(
                    "a transform is a name such as \"trim\" or a table such as { date = { … } }"
                        .to_string(),
                );
            }
        };
        let Some((key, allowed)) = TABLES.iter().find(|(k, _)| table.contains_key(*k)) else {
            let keys: Vec<&str> = table.keys().map(String::as_str).collect();
            let known: Vec<&str> = TABLES.iter().map(|(k, _)| *k).collect();
            return Err(format!(
                "unknown transform {{ {} = … }} (known tables: {})",
                keys.join(", "),
                known.join(", ")
            ));
        };
        if let Some(extra) = table
            .keys()
            .find(|k| k.as_str() != *key && !allowed.contains(&k.as_str()))
        {
            return Err(format!("{{ {key} = … }} has an unknown key '{extra}'"));
        }
        let spec = match *key {
            "map" => TransformSpec::Map {
                map: take(&mut table, key, "map")?,
                otherwise: take_opt(&mut table, key, "otherwise")?,
                ignore_case: take_opt(&mut table, key, "ignore_case")?.unwrap_or(false),
            },
            "date" => TransformSpec::Date {
                date: take(&mut table, key, key)?,
            },
            "datetime" => TransformSpec::Datetime {
                datetime: take(&mut table, key, key)?,
            },
            "phone" => TransformSpec::Phone {
                phone: take(&mut table, key, key)?,
            },
            "truncate" => TransformSpec::Truncate {
                truncate: take(&mut table, key, key)?,
            },
            "regex_extract" => TransformSpec::RegexExtract {
                regex_extract: take(&mut table, key, key)?,
                or_missing: take_opt(&mut table, key, "or_missing")?.unwrap_or(false),
            },
            "regex_replace" => TransformSpec::RegexReplace {
                regex_replace: take(&mut table, key, key)?,
            },
            "template" => TransformSpec::Template {
                template: take(&mut table, key, key)?,
            },
            "join" => TransformSpec::Join {
                join: take(&mut table, key, key)?,
            },
            "default" => TransformSpec::Default {
                default: take(&mut table, key, key)?,
            },
            "constant" => TransformSpec::Constant {
                constant: take(&mut table, key, key)?,
            },
            "if" => TransformSpec::If {
                condition: take(&mut table, key, "if")?,
                then: take(&mut table, key, "then")?,
                otherwise: take_opt(&mut table, key, "else")?,
            },
            "quantity" => TransformSpec::Quantity {
                quantity: take(&mut table, key, key)?,
            },
            "range" => TransformSpec::Range {
                range: take(&mut table, key, key)?,
            },
            "crosswalk" => TransformSpec::Crosswalk {
                crosswalk: take(&mut table, key, key)?,
                column: take(&mut table, key, "column")?,
                otherwise: take_opt(&mut table, key, "otherwise")?,
            },
            _ => TransformSpec::Coding {
                coding: take(&mut table, key, key)?,
            },
        };
        Ok(spec)
    }
}

fn take<T: DeserializeOwned>(table: &mut Object, step: &str, field: &str) -> Result<T, String> {
    take_opt(table, step, field)?.ok_or_else(|| format!("{{ {step} = … }} needs '{field}'"))
}

fn take_opt<T: DeserializeOwned>(
    table: &mut Object,
    step: &str,
    field: &str,
) -> Result<Option<T>, String> {
    table
        .remove(field)
        .map(|v| serde_json::from_value(v).map_err(|e| format!("{{ {step} = … }}: '{field}': {e}")))
        .transpose()
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The legacy layout of a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, TS)]
pub enum DateFormat {
    /// Decide per value: slashes are month/day/year, eight digits `YYYYMMDD`, dashes
    /// `YYYY-MM-DD`, a number of at most five digits an Excel serial.
    #[default]
    #[serde(rename = "auto")]
    Auto,
    /// Month and day of one or two digits, four-digit year.
    #[serde(rename = "MM/DD/YYYY", alias = "M/D/YYYY")]
    MonthDayYear,
    /// Month and day of one or two digits, two-digit year (four digits also accepted).
    #[serde(rename = "M/D/YY", alias = "MM/DD/YY")]
    MonthDayShortYear,
    #[serde(rename = "DD/MM/YYYY", alias = "D/M/YYYY")]
    DayMonthYear,
    #[serde(rename = "YYYYMMDD")]
    Compact,
    #[serde(rename = "YYYY-MM-DD")]
    Iso,
    /// A spreadsheet serial day number (1900 system, with its 1900-02-29).
    #[serde(rename = "excel")]
    Excel,
}

/// How a two-digit year finds its century.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, TS)]
#[serde(untagged)]
pub enum Pivot {
    /// `pivot = 30`: years below 30 are 20xx, the rest 19xx.
    Window(u8),
    /// `pivot = "past"`: the latest century that puts the date on or before today.
    Keyword(PivotKeyword),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PivotKeyword {
    Past,
}

impl Default for Pivot {
    fn default() -> Self {
        Pivot::Keyword(PivotKeyword::Past)
    }
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields)]
pub struct DateOptions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub format: Option<DateFormat>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub pivot: Option<Pivot>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields)]
pub struct DatetimeOptions {
    /// An IANA zone name, e.g. `America/New_York`.
    pub zone: String,
    /// The layout of the date part; `auto` when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub date_format: Option<DateFormat>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub pivot: Option<Pivot>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields)]
pub struct PhoneOptions {
    /// `US` or `CA` (both North American Numbering Plan).
    pub region: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields)]
pub struct TruncateOptions {
    /// Most characters kept, the marker included.
    pub max: u32,
    /// Put at the end of a cut text; `…` when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub marker: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields)]
pub struct RegexReplaceOptions {
    pub pattern: String,
    /// The replacement; `$1` or `${name}` insert a capture group.
    pub with: String,
}

/// The test of an `if` step.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, TS)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// `if = "missing"`: the value is missing.
    Missing,
    /// `if = { equals = "C" }`
    Equals(String),
    /// `if = { in = ["C", "X"] }`
    In(Vec<String>),
    /// `if = { matches = "^\\d+$" }`: a regular expression found in the value.
    Matches(String),
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields)]
pub struct QuantityOptions {
    /// The unit system given with a UCUM code; `http://unitsofmeasure.org` when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub system: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields)]
pub struct RangeOptions {
    /// The unit of both limits, when the range text does not carry one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub unit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CodingOptions {
    pub system: String,
    /// With a [code, display] list, also put the display text in the coding (it always
    /// goes in `text`).
    #[serde(default, skip_serializing_if = "is_false")]
    #[ts(as = "Option<bool>", optional)]
    pub display: bool,
}
