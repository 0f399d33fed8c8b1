//! US postal codes and Social Security numbers: punctuation removed, lost leading zeros
//! restored where the state says so, placeholders recognised.

use super::{Note, Value, parts};

/// States (and territories, military post) whose ZIP codes start with 0.
const ZERO_STATES: &[&str] = &["CT", "MA", "ME", "NH", "NJ", "PR", "RI", "VT", "VI", "AE"];
/// Those whose ZIP codes start with 00 (Puerto Rico, the Virgin Islands).
const DOUBLE_ZERO_STATES: &[&str] = &["PR", "VI"];

/// A ZIP, or a list [zip, state] that lets a ZIP which lost its leading zeros (a
/// spreadsheet took it for a number) have them back.
pub fn zip(value: Value) -> Result<Value, String> {
    let (zip, state) = match parts(&value)?.as_slice() {
        [None] | [None, _] => return Ok(Value::Missing),
        [Some(z)] => (z.trim().to_string(), None),
        [Some(z), s] => (
            z.trim().to_string(),
            s.map(|s| s.trim().to_ascii_uppercase()),
        ),
        _ => return Err("expects one ZIP or two columns [zip, state]".to_string()),
    };
    let (main, plus4) = split_plus4(&zip)?;
    let main = restore_zeros(main, state.as_deref())?;
    Ok(Value::Text(match plus4 {
        Some(p) => format!("{main}-{p}"),
        None => main,
    }))
}

/// `12345`, `12345-6789`, `123456789` (and the same with lost zeros) into main and +4.
fn split_plus4(zip: &str) -> Result<(&str, Option<&str>), String> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let not = || "not a ZIP code (12345 or 12345-6789)".to_string();
    if let Some((main, plus4)) = zip.split_once(['-', ' ']) {
        let plus4 = plus4.trim();
        return match (
            digits(main),
            plus4.is_empty(),
            digits(plus4) && plus4.len() == 4,
        ) {
            (true, true, _) => Ok((main, None)),
            (true, false, true) => Ok((main, Some(plus4))),
            _ => Err(not()),
        };
    }
    if !digits(zip) {
        return Err(not());
    }
    match zip.len() {
        7..=9 => Ok((&zip[..zip.len() - 4], Some(&zip[zip.len() - 4..]))),
        _ => Ok((zip, None)),
    }
}

fn restore_zeros(main: &str, state: Option<&str>) -> Result<String, String> {
    let zero = state.is_some_and(|s| ZERO_STATES.contains(&s));
    let double = state.is_some_and(|s| DOUBLE_ZERO_STATES.contains(&s));
    match main.len() {
        5 => Ok(main.to_string()),
        4 if zero && !double => Ok(format!("0{main}")),
        3 if double => Ok(format!("00{main}")),
        4 | 3 if state.is_none() => Err(format!(
            "a {}-digit ZIP (leading zeros lost?); give the state as a second column to restore them",
            main.len()
        )),
        4 | 3 => Err(format!(
            "a {}-digit ZIP, and the state's ZIP codes do not start with {}",
            main.len(),
            if main.len() == 4 { "0" } else { "00" }
        )),
        n => Err(format!("has {n} digits; a ZIP code has 5")),
    }
}

/// An SSN as nine digits. Placeholders and numbers never issued become missing with a
/// note, so a made-up number never reaches the new system as an identifier.
pub fn ssn(text: &str, notes: &mut Vec<Note>) -> Result<Value, String> {
    let text = text.trim();
    if text.contains(['X', 'x', '*']) {
        notes.push(Note::new(
            "transform.ssn.placeholder",
            "a masked SSN was dropped",
        ));
        return Ok(Value::Missing);
    }
    if text
        .chars()
        .any(|c| !(c.is_ascii_digit() || matches!(c, '-' | ' ' | '.')))
    {
        return Err("not an SSN (nine digits, with or without dashes)".to_string());
    }
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    if digits.len() != 9 {
        return Err(format!("has {} digits; an SSN has 9", digits.len()));
    }
    match placeholder_reason(&digits) {
        Some(reason) => {
            notes.push(Note::new(
                "transform.ssn.placeholder",
                format!("a placeholder SSN was dropped: {reason}"),
            ));
            Ok(Value::Missing)
        }
        None => Ok(Value::Text(digits)),
    }
}

fn placeholder_reason(d: &str) -> Option<&'static str> {
    let b = d.as_bytes();
    if b.iter().all(|&c| c == b[0]) {
        return Some("all digits the same");
    }
    if d == "123456789" || d == "987654321" {
        return Some("a run of digits");
    }
    if &d[..3] == "000" || &d[..3] == "666" || b[0] == b'9' {
        return Some("the area number is never issued (000, 666 or 9xx)");
    }
    if &d[3..5] == "00" {
        return Some("the group number is 00");
    }
    if &d[5..] == "0000" {
        return Some("the serial number is 0000");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Value {
        Value::Text(s.into())
    }

    #[test]
    fn zip_codes() {
        let list = |z: &str, s: &str| Value::List(vec![t(z), t(s)]);
        let cases: Vec<(Value, Result<&str, &str>)> = vec![
            (t("12345"), Ok("12345")),
            (t(" 12345 "), Ok("12345")),
            (t("12345-6789"), Ok("12345-6789")),
            (t("123456789"), Ok("12345-6789")),
            (t("12345-"), Ok("12345")),
            (list("2134", "MA"), Ok("02134")),
            (list("2134", "ma"), Ok("02134")),
            (list("21341234", "MA"), Ok("02134-1234")),
            (list("2134-1234", "MA"), Ok("02134-1234")),
            (list("979", "PR"), Ok("00979")),
            (list("9801", "AE"), Ok("09801")),
            (list("90210", "CA"), Ok("90210")),
            (list("02134", "MA"), Ok("02134")),
            (Value::List(vec![t("12345"), Value::Missing]), Ok("12345")),
            (
                t("2134"),
                Err(
                    "a 4-digit ZIP (leading zeros lost?); give the state as a second column to restore them",
                ),
            ),
            (
                list("2134", "NY"),
                Err("a 4-digit ZIP, and the state's ZIP codes do not start with 0"),
            ),
            (
                list("979", "MA"),
                Err("a 3-digit ZIP, and the state's ZIP codes do not start with 00"),
            ),
            (
                t("123"),
                Err(
                    "a 3-digit ZIP (leading zeros lost?); give the state as a second column to restore them",
                ),
            ),
            (list("7261234", "PR"), Ok("00726-1234")),
            (t("123456"), Err("has 6 digits; a ZIP code has 5")),
            (t("ABCDE"), Err("not a ZIP code (12345 or 12345-6789)")),
            (t("12345-67"), Err("not a ZIP code (12345 or 12345-6789)")),
        ];
        for (input, expected) in cases {
            assert_eq!(
                zip(input.clone()),
                expected.map(t).map_err(str::to_string),
                "input {input:?}"
            );
        }
        assert_eq!(
            zip(Value::List(vec![Value::Missing, t("MA")])),
            Ok(Value::Missing)
        );
    }

    #[test]
    fn ssns() {
        let cases: [(&str, Result<Option<&str>, &str>); 16] = [
            ("123-45-6788", Ok(Some("123456788"))),
            ("123 45 6788", Ok(Some("123456788"))),
            ("078051120", Ok(Some("078051120"))),
            ("000000000", Ok(None)),
            ("111-11-1111", Ok(None)),
            ("999999999", Ok(None)),
            ("123456789", Ok(None)),
            ("000-12-3456", Ok(None)),
            ("666-12-3456", Ok(None)),
            ("912-34-5678", Ok(None)),
            ("123-00-4567", Ok(None)),
            ("123-45-0000", Ok(None)),
            ("XXX-XX-1234", Ok(None)),
            ("12345678", Err("has 8 digits; an SSN has 9")),
            ("1234567890", Err("has 10 digits; an SSN has 9")),
            (
                "12A-45-6789",
                Err("not an SSN (nine digits, with or without dashes)"),
            ),
        ];
        for (input, expected) in cases {
            let mut notes = Vec::new();
            let got = ssn(input, &mut notes);
            let want = expected
                .map(|o| o.map_or(Value::Missing, t))
                .map_err(str::to_string);
            assert_eq!(got, want, "input {input:?}");
            let placeholder = matches!(expected, Ok(None));
            assert_eq!(
                notes.iter().any(|n| n.rule == "transform.ssn.placeholder"),
                placeholder,
                "a placeholder note exactly when {input:?} is dropped"
            );
            assert!(notes.iter().all(|n| !n.message.contains(input)));
        }
    }
}
