//! What a spec file says about one transform step: a name (`"trim"`) or a table with one
//! distinctive key (`{ date = { format = "M/D/YY" } }`). Round-trips through TOML and JSON;
//! `Transform::from_spec` checks it and compiles it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One step of a chain, as written in a spec. Each table form has its own key, so a
/// TOML reader sees `{ truncate = { max = 2000 } }` rather than a `type` field.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, TS)]
#[serde(untagged, deny_unknown_fields)]
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
