//! Whole-step tests: spec text → compiled transform → applied value, the catalogue, and a
//! property test that no transform panics on any text.

use chrono::NaiveDate;
use proptest::prelude::*;
use serde_json::json;

use super::catalogue::parse_step;
use super::*;

fn env() -> Env {
    Env {
        today: NaiveDate::from_ymd_opt(2024, 6, 15).expect("a real date"),
        ..Env::default()
    }
}

fn compile(step: &str) -> Transform {
    let spec = parse_step(step).unwrap_or_else(|e| panic!("{step} should parse: {e}"));
    Transform::from_spec(&spec, &env()).unwrap_or_else(|e| panic!("{step} should compile: {e}"))
}

fn t(s: &str) -> Value {
    Value::Text(s.into())
}

fn list(items: &[Option<&str>]) -> Value {
    Value::List(items.iter().map(|i| i.map_or(Value::Missing, t)).collect())
}

/// (step as TOML, input, expected output or error text)
type Case = (&'static str, Value, Result<Value, &'static str>);

#[test]
fn steps_from_spec_text() {
    let cases: Vec<Case> = vec![
        (r#""trim""#, t("  x "), Ok(t("x"))),
        (r#""trim""#, t("   "), Ok(Value::Missing)),
        (r#""upper""#, t("abc"), Ok(t("ABC"))),
        (r#""lower""#, t("ABC"), Ok(t("abc"))),
        (
            r#""title""#,
            t("MARY O'NEIL-SMITH"),
            Ok(t("Mary O'Neil-Smith")),
        ),
        (
            r#""split_name""#,
            t("DOE, JOHN Q"),
            Ok(Value::Json(
                json!({"use":"official","family":"DOE","given":["JOHN","Q"]}),
            )),
        ),
        (r#""date_mdy""#, t("03/14/1961"), Ok(t("1961-03-14"))),
        (
            r#""date_mdy""#,
            t("02/30/1961"),
            Err("no such calendar date"),
        ),
        (r#""excel_date""#, t("45292"), Ok(t("2024-01-01"))),
        (
            r#"{ date = { format = "M/D/YY", pivot = "past" } }"#,
            t("6/16/24"),
            Ok(t("1924-06-16")),
        ),
        (
            r#"{ date = { format = "M/D/YY", pivot = 30 } }"#,
            t("6/16/24"),
            Ok(t("2024-06-16")),
        ),
        (
            r#"{ date = { format = "YYYYMMDD" } }"#,
            t("19610314"),
            Ok(t("1961-03-14")),
        ),
        (
            r#"{ date = { format = "YYYY-MM-DD" } }"#,
            t("1961-03-14"),
            Ok(t("1961-03-14")),
        ),
        (
            r#"{ date = { format = "M/D/YYYY" } }"#,
            t("3/4/1961"),
            Ok(t("1961-03-04")),
        ),
        (
            r#"{ date = { format = "excel" } }"#,
            t("61"),
            Ok(t("1900-03-01")),
        ),
        (r#"{ date = {} }"#, t("19610314"), Ok(t("1961-03-14"))),
        (
            r#"{ datetime = { zone = "America/New_York" } }"#,
            list(&[Some("03/10/2024"), Some("9:30 AM")]),
            Ok(t("2024-03-10T09:30:00-04:00")),
        ),
        (
            r#"{ datetime = { zone = "America/New_York", date_format = "M/D/YY" } }"#,
            list(&[Some("3/10/24"), Some("0230")]),
            Err("time does not exist in America/New_York on that day (DST gap)"),
        ),
        (
            r#""phone_e164""#,
            t("(212) 555-0123"),
            Ok(t("+12125550123")),
        ),
        (
            r#"{ phone = { region = "CA" } }"#,
            t("416 555 0199"),
            Ok(t("+14165550199")),
        ),
        (
            r#""zip""#,
            list(&[Some("2134"), Some("MA")]),
            Ok(t("02134")),
        ),
        (r#""ssn""#, t("123-45-6788"), Ok(t("123456788"))),
        (r#""ssn""#, t("000-00-0000"), Ok(Value::Missing)),
        (r#""strip_html""#, t("<p>a &amp; b</p>"), Ok(t("a & b"))),
        (r#""strip_html""#, t("<p> </p>"), Ok(Value::Missing)),
        (r#"{ truncate = { max = 4 } }"#, t("abcdef"), Ok(t("abc…"))),
        (
            r#"{ truncate = { max = 5, marker = "..." } }"#,
            t("abcdef"),
            Ok(t("ab...")),
        ),
        (
            r#"{ regex_extract = "MRN(\\d+)" }"#,
            t("MRN0042"),
            Ok(t("0042")),
        ),
        (
            r#"{ regex_extract = "MRN(\\d+)" }"#,
            t("none"),
            Err("the pattern does not match"),
        ),
        (
            r#"{ regex_extract = "MRN(\\d+)", or_missing = true }"#,
            t("none"),
            Ok(Value::Missing),
        ),
        (
            r#"{ regex_replace = { pattern = "(\\d{3})(\\d{4})", with = "$1-$2" } }"#,
            t("5550123"),
            Ok(t("555-0123")),
        ),
        (
            r#"{ template = "{2} {1}" }"#,
            list(&[Some("Doe"), Some("Jane")]),
            Ok(t("Jane Doe")),
        ),
        (
            r#"{ join = "; " }"#,
            list(&[Some("a"), None, Some("b")]),
            Ok(t("a; b")),
        ),
        (
            r#"{ default = "unknown" }"#,
            Value::Missing,
            Ok(t("unknown")),
        ),
        (r#"{ default = "unknown" }"#, t("F"), Ok(t("F"))),
        (
            r#"{ constant = "active" }"#,
            Value::Missing,
            Ok(t("active")),
        ),
        (r#"{ constant = "active" }"#, t("x"), Ok(t("active"))),
        (
            r#"{ if = { equals = "C" }, then = "cancelled", else = "booked" }"#,
            t("C"),
            Ok(t("cancelled")),
        ),
        (
            r#"{ if = { in = ["C", "X"] }, then = "cancelled", else = "booked" }"#,
            t("A"),
            Ok(t("booked")),
        ),
        (
            r#"{ if = { matches = "^N" }, then = "no" }"#,
            t("NO"),
            Ok(t("no")),
        ),
        (
            r#"{ if = "missing", then = "unknown" }"#,
            Value::Missing,
            Ok(t("unknown")),
        ),
        (
            r#"{ map = { M = "male" }, otherwise = "unknown" }"#,
            t("Q"),
            Ok(t("unknown")),
        ),
        (
            r#"{ map = { M = "male" }, ignore_case = true }"#,
            t("m"),
            Ok(t("male")),
        ),
        (
            r#"{ map = { M = "male" } }"#,
            t("m"),
            Err("value is not in the code table"),
        ),
        (r#""decimal""#, t("5.20"), Ok(Value::Json(json!(5.2)))),
        (r#""integer""#, t("42"), Ok(Value::Json(json!(42)))),
        (r#""boolean""#, t("Y"), Ok(Value::Json(json!(true)))),
        (
            r#"{ quantity = {} }"#,
            list(&[Some("<5"), Some("mg/dl")]),
            Ok(Value::Choice(
                "Quantity".into(),
                json!({"value":5,"comparator":"<","unit":"mg/dl","system":"http://unitsofmeasure.org","code":"mg/dL"}),
            )),
        ),
        (
            r#"{ range = {} }"#,
            t("<200"),
            Ok(Value::Json(json!({"high":{"value":200}}))),
        ),
        (
            r#"{ coding = { system = "http://loinc.org" } }"#,
            t("2345-7"),
            Ok(Value::Json(
                json!({"coding":[{"system":"http://loinc.org","code":"2345-7"}]}),
            )),
        ),
        // Single-value transforms refuse a list of columns.
        (
            r#""upper""#,
            list(&[Some("a"), Some("b")]),
            Err("expects one value, not a list of columns"),
        ),
        (
            r#""trim""#,
            Value::Json(json!(1)),
            Err("expects text, not a value an earlier step built"),
        ),
    ];
    for (step, input, expected) in cases {
        let transform = compile(step);
        let got = transform.apply(input.clone(), &mut Vec::new());
        assert_eq!(got, expected.map_err(str::to_string), "{step} on {input:?}");
    }
}

#[test]
fn missing_passes_through_every_value_transform() {
    for info in catalogue() {
        let transform = compile(&info.example_toml);
        let got = transform.apply(Value::Missing, &mut Vec::new());
        let makes_a_value = matches!(info.name.as_str(), "default" | "constant");
        assert_eq!(
            got.as_ref().map(|v| v == &Value::Missing),
            Ok(!makes_a_value),
            "{} on a missing value",
            info.name
        );
    }
}

#[test]
fn bad_specs_are_refused_with_a_reason() {
    let cases = [
        (r#""rot13""#, "unknown transform 'rot13'"),
        (
            r#"{ datetime = { zone = "Eastern" } }"#,
            "is not an IANA time zone",
        ),
        (
            r#"{ regex_extract = "(" }"#,
            "is not a valid regular expression",
        ),
        (
            r#"{ regex_replace = { pattern = "[", with = "" } }"#,
            "is not a valid regular expression",
        ),
        (
            r#"{ if = { matches = "(" }, then = "x" }"#,
            "is not a valid regular expression",
        ),
        (
            r#"{ truncate = { max = 1 } }"#,
            "must be longer than its marker",
        ),
        (
            r#"{ template = "no positions" }"#,
            "template has no column position",
        ),
        (
            r#"{ phone = { region = "GB" } }"#,
            "phone region 'GB' is not supported",
        ),
        (
            r#"{ coding = { system = "" } }"#,
            "coding needs a system URI",
        ),
    ];
    for (step, reason) in cases {
        let spec = parse_step(step).unwrap_or_else(|e| panic!("{step} should parse: {e}"));
        let err = Transform::from_spec(&spec, &env()).expect_err(step);
        assert!(
            err.contains(reason),
            "{step}: expected '{reason}' in '{err}'"
        );
    }
    for unparsable in [
        r#"{ truncate = { max = 10, mark = "x" } }"#,
        r#"{ date = { format = "DD.MM.YY" } }"#,
        r#"{ nonsense = 1 }"#,
    ] {
        assert!(
            parse_step(unparsable).is_err(),
            "{unparsable} is not a transform"
        );
    }
}

#[test]
fn catalogue_examples_round_trip_through_toml_and_json() {
    let entries = catalogue();
    assert!(entries.len() >= 25, "every transform is listed");
    for info in entries {
        let spec = parse_step(&info.example_toml).expect("example parses");
        assert_ne!(
            info.example_json,
            serde_json::Value::Null,
            "{} has JSON",
            info.name
        );
        let from_json: TransformSpec =
            serde_json::from_value(info.example_json.clone()).expect("JSON example parses");
        assert_eq!(from_json, spec, "{}: JSON and TOML agree", info.name);
        let toml_again = toml::to_string(&OneStep { step: spec.clone() }).expect("serialises");
        let back: OneStep = toml::from_str(&toml_again).expect("re-parses");
        assert_eq!(back.step, spec, "{}: TOML round trip", info.name);
        assert!(
            Transform::from_spec(&spec, &env()).is_ok(),
            "{} example compiles",
            info.name
        );
    }
}

#[test]
fn the_spec_type_has_a_typescript_declaration() {
    use ts_rs::TS;
    let decl = TransformSpec::decl(&ts_rs::Config::default());
    assert!(decl.contains("regex_extract"), "{decl}");
    assert!(TransformInfo::decl(&ts_rs::Config::default()).contains("example_json: unknown"));
}

#[derive(serde::Serialize, serde::Deserialize)]
struct OneStep {
    step: TransformSpec,
}

#[test]
fn messages_never_echo_the_value() {
    let secret = "Zebulon4417";
    for info in catalogue() {
        let transform = compile(&info.example_toml);
        for input in [t(secret), list(&[Some(secret), Some(secret)])] {
            let mut notes = Vec::new();
            if let Err(e) = transform.apply(input, &mut notes) {
                assert!(!e.contains(secret), "{}: error echoes the value", info.name);
            }
            for n in notes {
                assert!(
                    !n.message.contains(secret),
                    "{}: note echoes the value",
                    info.name
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn no_transform_panics(a in ".{0,40}", b in "[0-9/:.<>= -]{0,16}") {
        for info in catalogue() {
            let transform = compile(&info.example_toml);
            for input in [t(&a), t(&b), list(&[Some(&a), Some(&b)]), list(&[Some(&b), None])] {
                let _ = transform.apply(input, &mut Vec::new());
            }
        }
    }
}
