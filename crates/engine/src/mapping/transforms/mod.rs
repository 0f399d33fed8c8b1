//! Transforms: small, pure functions applied in a chain to a legacy value on its way to a
//! FHIR element. Each returns the new value or a reason it could not (which becomes a
//! finding naming the row and column, never the value). The reference for every transform
//! is `docs/transforms.md`; `catalogue()` lists them for the app's picker.
//!
//! Two rules hold for every transform: `Missing` passes through unchanged (only `default`,
//! `constant` and `if` may make a value from nothing), and no error or note repeats the
//! legacy value, which is patient data.

mod catalogue;
mod dates;
mod datetime;
mod ids;
mod lab;
mod logic;
mod names;
mod numbers;
mod phone;
mod syntax;
mod text;

use chrono::NaiveDate;
use serde::Serialize;

pub use catalogue::{TransformInfo, catalogue};
pub use names::{PersonName, split_name};
pub use syntax::{
    CodingOptions, Condition, DateFormat, DateOptions, DatetimeOptions, PhoneOptions, Pivot,
    PivotKeyword, QuantityOptions, RangeOptions, RegexReplaceOptions, TransformSpec,
    TruncateOptions,
};

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

impl Note {
    fn new(rule: &'static str, message: impl Into<String>) -> Self {
        Note {
            rule,
            message: message.into(),
        }
    }
}

/// What transforms may depend on besides the value: fixed when a spec is compiled, so a
/// conversion is reproducible.
#[derive(Debug, Clone)]
pub struct Env {
    /// The clinic's today (two-digit years never give a future birth date).
    pub today: NaiveDate,
    /// The project's crosswalks a spec names, loaded by the caller
    /// (`api::mapping::env_for`).
    pub crosswalks:
        std::collections::HashMap<String, std::sync::Arc<crate::crosswalk::CrosswalkLookup>>,
}

impl Default for Env {
    fn default() -> Self {
        Env {
            today: chrono::Local::now().date_naive(),
            crosswalks: Default::default(),
        }
    }
}

/// A regular expression compiled from a spec; equal when written the same.
#[derive(Debug, Clone)]
pub struct Pattern(regex::Regex);

impl Pattern {
    fn compile(pattern: &str) -> Result<Self, String> {
        regex::RegexBuilder::new(pattern)
            .size_limit(1 << 20)
            .build()
            .map(Pattern)
            .map_err(|e| format!("the pattern '{pattern}' is not a valid regular expression: {e}"))
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_str() == other.0.as_str()
    }
}

/// A transform step checked and ready to apply.
#[derive(Debug, Clone, PartialEq)]
pub enum Transform {
    /// A code looked up in a crosswalk, taking one of its columns.
    Crosswalk {
        name: String,
        table: std::sync::Arc<crate::crosswalk::CrosswalkLookup>,
        index: usize,
        otherwise: Option<String>,
    },
    /// Strip leading and trailing white space; an empty result is missing.
    Trim,
    Upper,
    Lower,
    /// Title Case for names: "O'NEIL-SMITH" → "O'Neil-Smith".
    Title,
    /// "LAST, FIRST M" (or "First M Last") into a FHIR HumanName.
    SplitName,
    /// A legacy date to ISO 8601 `YYYY-MM-DD`.
    Date {
        reader: dates::DateReader,
        rule: &'static str,
    },
    /// A local date and time in a clinic's zone to an instant with its offset.
    Datetime(datetime::DatetimeReader),
    /// A North American number to E.164.
    Phone,
    Zip,
    Ssn,
    StripHtml,
    /// Text to base64 (of its UTF-8 bytes), for attachment `data`.
    Base64,
    Truncate {
        max: usize,
        marker: String,
    },
    RegexExtract {
        pattern: Pattern,
        or_missing: bool,
    },
    RegexReplace {
        pattern: Pattern,
        with: String,
    },
    Template(text::Template),
    Join(String),
    Default(String),
    Constant(String),
    If(logic::IfStep),
    /// Look the value up in a code table.
    Map(logic::CodeTable),
    Decimal,
    Integer,
    Boolean,
    Quantity {
        system: String,
    },
    Range {
        unit: Option<String>,
    },
    Coding {
        system: String,
        display: bool,
    },
}

/// The names `"…"` a spec may use on their own.
pub const NAMED: &[&str] = &[
    "trim",
    "upper",
    "lower",
    "title",
    "split_name",
    "date_mdy",
    "excel_date",
    "phone_e164",
    "zip",
    "ssn",
    "strip_html",
    "base64",
    "decimal",
    "integer",
    "boolean",
];

impl Transform {
    pub fn from_spec(spec: &TransformSpec, env: &Env) -> Result<Self, String> {
        Ok(match spec {
            TransformSpec::Named(name) => Self::named(name, env)?,
            TransformSpec::Crosswalk {
                crosswalk,
                column,
                otherwise,
            } => {
                let table = env.crosswalks.get(crosswalk).cloned().ok_or_else(|| {
                    format!(
                        "no crosswalk named '{crosswalk}' in the project (load one with `cutover crosswalk load`)"
                    )
                })?;
                let index = table.column_index(column).ok_or_else(|| {
                    format!(
                        "crosswalk '{crosswalk}' has no column '{column}' (its columns: {})",
                        table.columns.join(", ")
                    )
                })?;
                Transform::Crosswalk {
                    name: crosswalk.clone(),
                    table,
                    index,
                    otherwise: otherwise.clone(),
                }
            }
            TransformSpec::Map {
                map,
                otherwise,
                ignore_case,
            } => Transform::Map(logic::CodeTable::new(map, otherwise.clone(), *ignore_case)?),
            TransformSpec::Date { date } => Transform::Date {
                reader: dates::DateReader {
                    format: date.format.unwrap_or_default(),
                    pivot: date.pivot.unwrap_or_default(),
                    today: env.today,
                },
                rule: "transform.date",
            },
            TransformSpec::Datetime { datetime } => {
                Transform::Datetime(datetime::DatetimeReader::new(datetime, env)?)
            }
            TransformSpec::Phone { phone } => match phone.region.to_ascii_uppercase().as_str() {
                "US" | "CA" => Transform::Phone,
                other => {
                    return Err(format!(
                        "phone region '{other}' is not supported (supported: US, CA)"
                    ));
                }
            },
            TransformSpec::Truncate { truncate } => {
                let marker = truncate.marker.clone().unwrap_or_else(|| "…".to_string());
                let max = truncate.max as usize;
                if marker.chars().count() >= max {
                    return Err(format!("truncate max {max} must be longer than its marker"));
                }
                Transform::Truncate { max, marker }
            }
            TransformSpec::RegexExtract {
                regex_extract,
                or_missing,
            } => Transform::RegexExtract {
                pattern: Pattern::compile(regex_extract)?,
                or_missing: *or_missing,
            },
            TransformSpec::RegexReplace { regex_replace } => Transform::RegexReplace {
                pattern: Pattern::compile(&regex_replace.pattern)?,
                with: regex_replace.with.clone(),
            },
            TransformSpec::Template { template } => {
                Transform::Template(text::Template::parse(template)?)
            }
            TransformSpec::Join { join } => Transform::Join(join.clone()),
            TransformSpec::Default { default } => Transform::Default(default.clone()),
            TransformSpec::Constant { constant } => Transform::Constant(constant.clone()),
            TransformSpec::If {
                condition,
                then,
                otherwise,
            } => Transform::If(logic::IfStep::new(condition, then, otherwise.as_deref())?),
            TransformSpec::Quantity { quantity } => Transform::Quantity {
                system: quantity
                    .system
                    .clone()
                    .unwrap_or_else(|| lab::UCUM.to_string()),
            },
            TransformSpec::Range { range } => Transform::Range {
                unit: range.unit.clone(),
            },
            TransformSpec::Coding { coding } => {
                if coding.system.trim().is_empty() {
                    return Err("coding needs a system URI".to_string());
                }
                Transform::Coding {
                    system: coding.system.clone(),
                    display: coding.display,
                }
            }
        })
    }

    fn named(name: &str, env: &Env) -> Result<Self, String> {
        let date = |format, rule| Transform::Date {
            reader: dates::DateReader {
                format,
                pivot: Pivot::default(),
                today: env.today,
            },
            rule,
        };
        Ok(match name {
            "trim" => Transform::Trim,
            "upper" => Transform::Upper,
            "lower" => Transform::Lower,
            "title" => Transform::Title,
            "split_name" => Transform::SplitName,
            "date_mdy" => date(DateFormat::MonthDayYear, "transform.date_mdy"),
            "excel_date" => date(DateFormat::Excel, "transform.excel_date"),
            "phone_e164" => Transform::Phone,
            "zip" => Transform::Zip,
            "ssn" => Transform::Ssn,
            "strip_html" => Transform::StripHtml,
            "base64" => Transform::Base64,
            "decimal" => Transform::Decimal,
            "integer" => Transform::Integer,
            "boolean" => Transform::Boolean,
            other => {
                return Err(format!(
                    "unknown transform '{other}' (known names: {}; or a table such as {{ map = … }}, {{ date = … }})",
                    NAMED.join(", ")
                ));
            }
        })
    }

    /// The rule name a failure of this transform is filed under.
    pub fn rule(&self) -> &'static str {
        match self {
            Transform::Crosswalk { .. } => "transform.crosswalk",
            Transform::Trim => "transform.trim",
            Transform::Upper => "transform.upper",
            Transform::Lower => "transform.lower",
            Transform::Title => "transform.title",
            Transform::SplitName => "transform.split_name",
            Transform::Date { rule, .. } => rule,
            Transform::Datetime(_) => "transform.datetime",
            Transform::Phone => "transform.phone",
            Transform::Zip => "transform.zip",
            Transform::Ssn => "transform.ssn",
            Transform::StripHtml => "transform.strip_html",
            Transform::Base64 => "transform.base64",
            Transform::Truncate { .. } => "transform.truncate",
            Transform::RegexExtract { .. } => "transform.regex_extract",
            Transform::RegexReplace { .. } => "transform.regex_replace",
            Transform::Template(_) => "transform.template",
            Transform::Join(_) => "transform.join",
            Transform::Default(_) => "transform.default",
            Transform::Constant(_) => "transform.constant",
            Transform::If(_) => "transform.if",
            Transform::Map(_) => "transform.map",
            Transform::Decimal => "transform.decimal",
            Transform::Integer => "transform.integer",
            Transform::Boolean => "transform.boolean",
            Transform::Quantity { .. } => "transform.quantity",
            Transform::Range { .. } => "transform.range",
            Transform::Coding { .. } => "transform.coding",
        }
    }

    /// Apply to one value; `notes` collects what is worth a finding without failing.
    pub fn apply(&self, value: Value, notes: &mut Vec<Note>) -> Result<Value, String> {
        match self {
            Transform::Constant(c) => return Ok(Value::Text(c.clone())),
            Transform::Default(d) => {
                return Ok(match value {
                    Value::Missing => Value::Text(d.clone()),
                    other => other,
                });
            }
            Transform::If(step) => return step.apply(value),
            _ => {}
        }
        if value == Value::Missing {
            return Ok(Value::Missing);
        }
        // Transforms that combine several columns take the whole value.
        match self {
            Transform::Datetime(reader) => return reader.apply(value, notes),
            Transform::Zip => return ids::zip(value),
            Transform::Template(t) => return t.apply(value),
            Transform::Join(sep) => return Ok(text::join(value, sep)),
            Transform::Quantity { system } => return lab::quantity(value, system, notes),
            Transform::Range { unit } => return lab::range(value, unit.as_deref(), notes),
            Transform::Coding { system, display } => return lab::coding(value, system, *display),
            _ => {}
        }
        let text = match value {
            Value::Text(t) => t,
            Value::List(_) => return Err("expects one value, not a list of columns".to_string()),
            Value::Json(_) | Value::Choice(..) => {
                return Err("expects text, not a value an earlier step built".to_string());
            }
            Value::Missing => return Ok(Value::Missing),
        };
        self.apply_text(text, notes)
    }

    fn apply_text(&self, text: String, notes: &mut Vec<Note>) -> Result<Value, String> {
        Ok(match self {
            Transform::Trim => {
                let t = text.trim();
                if t.is_empty() {
                    Value::Missing
                } else {
                    Value::Text(t.to_string())
                }
            }
            Transform::Crosswalk {
                name,
                table,
                index,
                otherwise,
            } => {
                let found = table
                    .values(text.trim())
                    .and_then(|v| v.get(*index))
                    .filter(|v| !v.is_empty());
                match found.or(otherwise.as_ref()) {
                    Some(v) => Value::Text(v.clone()),
                    None if table.contains(text.trim()) => {
                        return Err(format!("the code has no value in crosswalk '{name}'"));
                    }
                    None => return Err(format!("the code is not in crosswalk '{name}'")),
                }
            }
            Transform::Upper => Value::Text(text.to_uppercase()),
            Transform::Lower => Value::Text(text.to_lowercase()),
            Transform::Title => Value::Text(names::title_case(&text)),
            Transform::SplitName => Value::Json(split_name(&text)?.to_human_name()),
            Transform::Date { reader, .. } => Value::Text(reader.read(&text)?.to_string()),
            Transform::Phone => Value::Text(phone::e164(&text, notes)?),
            Transform::Ssn => ids::ssn(&text, notes)?,
            Transform::StripHtml => text::optional(text::strip_html(&text)),
            Transform::Base64 => Value::Text(text::base64(text.as_bytes())),
            Transform::Truncate { max, marker } => {
                Value::Text(text::truncate(text, *max, marker, notes))
            }
            Transform::RegexExtract {
                pattern,
                or_missing,
            } => text::regex_extract(&pattern.0, &text, *or_missing)?,
            Transform::RegexReplace { pattern, with } => {
                Value::Text(pattern.0.replace_all(&text, with.as_str()).into_owned())
            }
            Transform::Map(table) => table.look_up(&text)?,
            Transform::Decimal => Value::Json(numbers::decimal(&text)?),
            Transform::Integer => Value::Json(numbers::integer(&text)?),
            Transform::Boolean => Value::Json(numbers::boolean(&text)?),
            // Handled in `apply` before a single text is taken out.
            Transform::Constant(_)
            | Transform::Default(_)
            | Transform::If(_)
            | Transform::Datetime(_)
            | Transform::Zip
            | Transform::Template(_)
            | Transform::Join(_)
            | Transform::Quantity { .. }
            | Transform::Range { .. }
            | Transform::Coding { .. } => {
                return Err("internal: a combining transform was given one text".to_string());
            }
        })
    }
}

/// The parts of a combining transform's input: one text is a list of one.
fn parts(value: &Value) -> Result<Vec<Option<&str>>, String> {
    match value {
        Value::List(items) => items.iter().map(part).collect(),
        other => Ok(vec![part(other)?]),
    }
}

fn part(value: &Value) -> Result<Option<&str>, String> {
    match value {
        Value::Missing => Ok(None),
        Value::Text(t) if t.trim().is_empty() => Ok(None),
        Value::Text(t) => Ok(Some(t.as_str())),
        _ => Err("expects text columns, not a value an earlier step built".to_string()),
    }
}

#[cfg(test)]
mod tests;
