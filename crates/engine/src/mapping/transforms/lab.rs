//! Lab results: a result and its unit to a FHIR Quantity (or a string result), reference
//! ranges, and codes to a CodeableConcept.

use serde_json::{Map, Value as Json, json};

use super::numbers::plain_decimal;
use super::{Note, Value, parts};

pub const UCUM: &str = "http://unitsofmeasure.org";

/// Common lab unit spellings (lower-cased) and their UCUM codes.
const UNITS: &[(&str, &str)] = &[
    ("mg/dl", "mg/dL"),
    ("g/dl", "g/dL"),
    ("g/l", "g/L"),
    ("mg/l", "mg/L"),
    ("ug/dl", "ug/dL"),
    ("ug/l", "ug/L"),
    ("ng/ml", "ng/mL"),
    ("ng/dl", "ng/dL"),
    ("pg/ml", "pg/mL"),
    ("mmol/l", "mmol/L"),
    ("umol/l", "umol/L"),
    ("nmol/l", "nmol/L"),
    ("pmol/l", "pmol/L"),
    ("meq/l", "meq/L"),
    ("iu/l", "[IU]/L"),
    ("miu/l", "m[IU]/L"),
    ("uiu/ml", "u[IU]/mL"),
    ("miu/ml", "m[IU]/mL"),
    ("u/l", "U/L"),
    ("%", "%"),
    ("10^3/ul", "10*3/uL"),
    ("10*3/ul", "10*3/uL"),
    ("k/ul", "10*3/uL"),
    ("x10e3/ul", "10*3/uL"),
    ("10^6/ul", "10*6/uL"),
    ("10*6/ul", "10*6/uL"),
    ("m/ul", "10*6/uL"),
    ("x10e6/ul", "10*6/uL"),
    ("fl", "fL"),
    ("pg", "pg"),
    ("sec", "s"),
    ("s", "s"),
    ("min", "min"),
    ("mm/hr", "mm/h"),
    ("mm/h", "mm/h"),
    ("mmhg", "mm[Hg]"),
    ("mm hg", "mm[Hg]"),
    ("kg", "kg"),
    ("g", "g"),
    ("lb", "[lb_av]"),
    ("lbs", "[lb_av]"),
    ("cm", "cm"),
    ("in", "[in_i]"),
    ("kg/m2", "kg/m2"),
    ("ml/min/1.73m2", "mL/min/{1.73_m2}"),
    ("ml/min", "mL/min"),
    ("ml", "mL"),
    ("l", "L"),
    ("/min", "/min"),
    ("bpm", "/min"),
    ("cel", "Cel"),
    ("degc", "Cel"),
    ("[degf]", "[degF]"),
    ("degf", "[degF]"),
    ("ratio", "{ratio}"),
];

/// The UCUM code for a unit as written, when it is a known one.
pub fn ucum_code(unit: &str) -> Option<&'static str> {
    let key = unit.trim().to_lowercase().replace(['µ', 'μ'], "u");
    UNITS.iter().find(|(k, _)| *k == key).map(|(_, code)| *code)
}

/// A comparator prefix (`<`, `<=`, `>`, `>=`) and the number after it, if the text is one.
fn comparator_number(text: &str) -> Option<(Option<&'static str>, Json)> {
    let text = text.trim();
    let (comparator, rest) = [("<=", "<="), (">=", ">="), ("<", "<"), (">", ">")]
        .iter()
        .find_map(|(prefix, c)| text.strip_prefix(prefix).map(|r| (Some(*c), r)))
        .unwrap_or((None, text));
    let number = plain_decimal(rest.trim())?;
    Some((comparator, serde_json::from_str(&number).ok()?))
}

/// `{"value": 5.2, "unit": "mg/dl", "system": …, "code": "mg/dL"}` without the unit
/// parts when there is no unit, and without system and code when it is not a known one.
fn quantity_json(
    number: Json,
    comparator: Option<&str>,
    unit: Option<&str>,
    system: &str,
    notes: &mut Vec<Note>,
) -> Json {
    let mut q = Map::new();
    q.insert("value".into(), number);
    if let Some(c) = comparator {
        q.insert("comparator".into(), c.into());
    }
    if let Some(unit) = unit.map(str::trim).filter(|u| !u.is_empty()) {
        q.insert("unit".into(), unit.into());
        match ucum_code(unit) {
            Some(code) => {
                q.insert("system".into(), system.into());
                q.insert("code".into(), code.into());
            }
            None => notes.push(Note::new(
                "transform.quantity.unit",
                "the unit is not in the UCUM table; kept as text without a code",
            )),
        }
    }
    Json::Object(q)
}

/// A result [value, unit] (or a value alone) to `value[x]`: a Quantity when it is a
/// number (with a comparator for `<5`), else the text as a string result.
pub fn quantity(value: Value, system: &str, notes: &mut Vec<Note>) -> Result<Value, String> {
    let (result, unit) = match parts(&value)?.as_slice() {
        [None] | [None, _] => return Ok(Value::Missing),
        [Some(r)] => (r.trim(), None),
        [Some(r), u] => (r.trim(), *u),
        _ => return Err("expects one result or two columns [value, unit]".to_string()),
    };
    let read = match unit {
        Some(_) => comparator_number(result).map(|(c, n)| (c, n, unit)),
        None => number_and_unit(result),
    };
    Ok(match read {
        Some((comparator, number, unit)) => Value::Choice(
            "Quantity".into(),
            quantity_json(number, comparator, unit, system, notes),
        ),
        None => Value::Choice("String".into(), result.into()),
    })
}

type Reading<'a> = (Option<&'static str>, Json, Option<&'a str>);

/// `5.2`, or a number and its unit in one text (`5.2 mg/dL`, `< 5 mmol/L`).
fn number_and_unit(text: &str) -> Option<Reading<'_>> {
    if let Some((c, n)) = comparator_number(text) {
        return Some((c, n, None));
    }
    text.char_indices()
        .filter(|(_, c)| c.is_whitespace())
        .find_map(|(at, _)| {
            let (c, n) = comparator_number(&text[..at])?;
            let unit = text[at..].trim();
            (!unit.is_empty() && !unit.starts_with(|c: char| c.is_ascii_digit())).then_some((
                c,
                n,
                Some(unit),
            ))
        })
}

/// A reference range (`3.5-5.0`, `<200`, `>=40`) to `{"low": …, "high": …}`; text that is
/// not a range is kept as `{"text": …}`.
pub fn range(value: Value, unit: Option<&str>, notes: &mut Vec<Note>) -> Result<Value, String> {
    let (text, unit) = match parts(&value)?.as_slice() {
        [None] | [None, _] => return Ok(Value::Missing),
        [Some(r)] => (r.trim(), unit),
        [Some(r), u] => (r.trim(), u.or(unit)),
        _ => return Err("expects one range or two columns [range, unit]".to_string()),
    };
    let limit = |n: Json, notes: &mut Vec<Note>| quantity_json(n, None, unit, UCUM, notes);
    let mut out = Map::new();
    if let Some((low, high)) = split_range(text) {
        out.insert("low".into(), limit(low, notes));
        out.insert("high".into(), limit(high, notes));
    } else if let Some((Some(c), n)) = comparator_number(text) {
        let side = if c.starts_with('<') { "high" } else { "low" };
        out.insert(side.into(), limit(n, notes));
    } else {
        out.insert("text".into(), text.into());
    }
    Ok(Value::Json(Json::Object(out)))
}

/// `3.5-5.0`, `3.5 - 5.0`, `3.5–5.0`, `3.5 to 5.0` (a leading minus is a sign).
fn split_range(text: &str) -> Option<(Json, Json)> {
    let number = |s: &str| -> Option<Json> { serde_json::from_str(&plain_decimal(s.trim())?).ok() };
    for sep in [" to ", "–", "-"] {
        // Skip a sign at the very start so "-1-2" splits after the first number.
        let search_from = usize::from(text.starts_with('-'));
        if let Some(at) = text[search_from..].find(sep) {
            let at = at + search_from;
            if let (Some(low), Some(high)) = (number(&text[..at]), number(&text[at + sep.len()..]))
            {
                return Some((low, high));
            }
        }
    }
    None
}

/// A code (or [code, display]) to a CodeableConcept in `system`.
pub fn coding(value: Value, system: &str, display: bool) -> Result<Value, String> {
    let (code, text) = match parts(&value)?.as_slice() {
        [None] | [None, _] => return Ok(Value::Missing),
        [Some(c)] => (c.trim(), None),
        [Some(c), d] => (c.trim(), d.map(str::trim)),
        _ => return Err("expects one code or two columns [code, display]".to_string()),
    };
    let mut coding = json!({ "system": system, "code": code });
    let mut concept = Map::new();
    if let Some(text) = text {
        if display {
            coding["display"] = text.into();
        }
        concept.insert("text".into(), text.into());
    }
    concept.insert("coding".into(), json!([coding]));
    Ok(Value::Json(Json::Object(concept)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Value {
        Value::Text(s.into())
    }

    fn pair(a: &str, b: &str) -> Value {
        Value::List(vec![t(a), t(b)])
    }

    #[test]
    fn quantities() {
        let q = |v: Json| Value::Choice("Quantity".into(), v);
        let cases = [
            (
                pair("5.2", "mg/dl"),
                q(json!({"value":5.2,"unit":"mg/dl","system":UCUM,"code":"mg/dL"})),
            ),
            (
                pair("<5", "mmol/l"),
                q(
                    json!({"value":5,"comparator":"<","unit":"mmol/l","system":UCUM,"code":"mmol/L"}),
                ),
            ),
            (
                pair("<= 5", "%"),
                q(json!({"value":5,"comparator":"<=","unit":"%","system":UCUM,"code":"%"})),
            ),
            (
                pair(">500", "IU/L"),
                q(
                    json!({"value":500,"comparator":">","unit":"IU/L","system":UCUM,"code":"[IU]/L"}),
                ),
            ),
            (
                pair(">=500", "10^3/uL"),
                q(
                    json!({"value":500,"comparator":">=","unit":"10^3/uL","system":UCUM,"code":"10*3/uL"}),
                ),
            ),
            (
                pair("7.4", "mEq/L"),
                q(json!({"value":7.4,"unit":"mEq/L","system":UCUM,"code":"meq/L"})),
            ),
            (
                pair("12", "sec"),
                q(json!({"value":12,"unit":"sec","system":UCUM,"code":"s"})),
            ),
            (
                pair("40", "u/l"),
                q(json!({"value":40,"unit":"u/l","system":UCUM,"code":"U/L"})),
            ),
            (t("5.2"), q(json!({"value":5.2}))),
            (
                t("5.2 mg/dL"),
                q(json!({"value":5.2,"unit":"mg/dL","system":UCUM,"code":"mg/dL"})),
            ),
            (
                t("< 5 mmol/L"),
                q(
                    json!({"value":5,"comparator":"<","unit":"mmol/L","system":UCUM,"code":"mmol/L"}),
                ),
            ),
            (t("5 6"), Value::Choice("String".into(), json!("5 6"))),
            (
                Value::List(vec![t("5.2"), Value::Missing]),
                q(json!({"value":5.2})),
            ),
            (
                pair("NEGATIVE", "mg/dL"),
                Value::Choice("String".into(), json!("NEGATIVE")),
            ),
            (
                t("see note"),
                Value::Choice("String".into(), json!("see note")),
            ),
            (
                Value::List(vec![Value::Missing, t("mg/dL")]),
                Value::Missing,
            ),
        ];
        for (input, expected) in cases {
            let mut notes = Vec::new();
            assert_eq!(
                quantity(input.clone(), UCUM, &mut notes),
                Ok(expected),
                "input {input:?}"
            );
            assert!(notes.is_empty(), "known units leave no note ({input:?})");
        }
        let mut notes = Vec::new();
        assert_eq!(
            quantity(pair("3", "widgets"), UCUM, &mut notes),
            Ok(q(json!({"value":3,"unit":"widgets"})))
        );
        assert_eq!(notes[0].rule, "transform.quantity.unit");
    }

    #[test]
    fn reference_ranges() {
        let unit = |v: Json| json!({"value":v,"unit":"mmol/L","system":UCUM,"code":"mmol/L"});
        let cases = [
            (
                t("3.5-5.0"),
                json!({"low":unit(json!(3.5)),"high":unit(json!(5.0))}),
            ),
            (
                t("3.5 - 5.0"),
                json!({"low":unit(json!(3.5)),"high":unit(json!(5.0))}),
            ),
            (
                t("3.5–5.0"),
                json!({"low":unit(json!(3.5)),"high":unit(json!(5.0))}),
            ),
            (
                t("3.5 to 5.0"),
                json!({"low":unit(json!(3.5)),"high":unit(json!(5.0))}),
            ),
            (
                t("-1.5-2"),
                json!({"low":unit(json!(-1.5)),"high":unit(json!(2))}),
            ),
            (t("<200"), json!({"high":unit(json!(200))})),
            (t(">40"), json!({"low":unit(json!(40))})),
            (t("Negative"), json!({"text":"Negative"})),
        ];
        for (input, expected) in cases {
            let got = range(input.clone(), Some("mmol/L"), &mut Vec::new());
            assert_eq!(got, Ok(Value::Json(expected)), "input {input:?}");
        }
        assert_eq!(
            range(t("1-2"), None, &mut Vec::new()),
            Ok(Value::Json(json!({"low":{"value":1},"high":{"value":2}})))
        );
        assert_eq!(
            range(pair("<5", "g/dl"), None, &mut Vec::new()),
            Ok(Value::Json(
                json!({"high":{"value":5,"unit":"g/dl","system":UCUM,"code":"g/dL"}})
            ))
        );
    }

    #[test]
    fn codings() {
        let loinc = "http://loinc.org";
        let cases = [
            (
                t("2345-7"),
                false,
                json!({"coding":[{"system":loinc,"code":"2345-7"}]}),
            ),
            (
                pair("2345-7", "Glucose"),
                false,
                json!({"coding":[{"system":loinc,"code":"2345-7"}],"text":"Glucose"}),
            ),
            (
                pair("2345-7", "Glucose"),
                true,
                json!({"coding":[{"system":loinc,"code":"2345-7","display":"Glucose"}],"text":"Glucose"}),
            ),
        ];
        for (input, display, expected) in cases {
            assert_eq!(
                coding(input.clone(), loinc, display),
                Ok(Value::Json(expected)),
                "input {input:?}"
            );
        }
        assert_eq!(
            coding(Value::List(vec![Value::Missing, t("Glucose")]), loinc, true),
            Ok(Value::Missing)
        );
    }
}
