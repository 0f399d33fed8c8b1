//! Typed FHIR values from text: decimal, integer, boolean.

/// A plain decimal (`5.20`, `-0.5`, `+3`, `.5`) as a JSON number. Thousands separators,
/// exponents and anything else are refused.
pub fn decimal(text: &str) -> Result<serde_json::Value, String> {
    let plain = plain_decimal(text.trim())
        .ok_or_else(|| "not a plain decimal number (such as 5.20)".to_string())?;
    serde_json::from_str(&plain)
        .map_err(|_| "not a plain decimal number (such as 5.20)".to_string())
}

/// The text rewritten as JSON accepts it (`+3` → `3`, `.5` → `0.5`, `5.` → `5`), or None.
pub fn plain_decimal(text: &str) -> Option<String> {
    let (sign, unsigned) = match text.as_bytes().first()? {
        b'-' => ("-", &text[1..]),
        b'+' => ("", &text[1..]),
        _ => ("", text),
    };
    let (whole, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && frac.is_empty()) || !digits(whole) || !digits(frac) {
        return None;
    }
    let whole = whole.trim_start_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    let mut out = format!("{sign}{whole}");
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    Some(out)
}

/// A whole number in FHIR `integer`'s 32-bit range; `5.0` is 5.
pub fn integer(text: &str) -> Result<serde_json::Value, String> {
    let plain = plain_decimal(text.trim()).ok_or_else(|| "not a whole number".to_string())?;
    let whole = match plain.split_once('.') {
        Some((w, f)) if f.bytes().all(|b| b == b'0') => w,
        Some(_) => return Err("not a whole number".to_string()),
        None => plain.as_str(),
    };
    let n: i64 = whole
        .parse()
        .map_err(|_| "out of range for a FHIR integer".to_string())?;
    i32::try_from(n)
        .map(serde_json::Value::from)
        .map_err(|_| "out of range for a FHIR integer".to_string())
}

/// Y/N, YES/NO, TRUE/FALSE, T/F, 1/0 in any case.
pub fn boolean(text: &str) -> Result<serde_json::Value, String> {
    match text.trim().to_ascii_uppercase().as_str() {
        "Y" | "YES" | "TRUE" | "T" | "1" => Ok(true.into()),
        "N" | "NO" | "FALSE" | "F" | "0" => Ok(false.into()),
        _ => Err("not a yes/no value (Y, N, YES, NO, TRUE, FALSE, 1, 0)".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decimals() {
        let cases = [
            ("5.20", Some(json!(5.2))),
            ("-0.5", Some(json!(-0.5))),
            ("+3", Some(json!(3))),
            (".5", Some(json!(0.5))),
            ("5.", Some(json!(5))),
            ("007", Some(json!(7))),
            (" 12 ", Some(json!(12))),
            ("1,234", None),
            ("1e5", None),
            ("abc", None),
            ("-", None),
            (".", None),
            ("", None),
        ];
        for (input, expected) in cases {
            assert_eq!(decimal(input).ok(), expected, "input {input:?}");
        }
    }

    #[test]
    fn integers() {
        let cases = [
            ("42", Ok(json!(42))),
            ("-7", Ok(json!(-7))),
            ("5.0", Ok(json!(5))),
            ("5.5", Err("not a whole number")),
            ("2147483648", Err("out of range for a FHIR integer")),
            (
                "99999999999999999999",
                Err("out of range for a FHIR integer"),
            ),
            ("x", Err("not a whole number")),
        ];
        for (input, expected) in cases {
            assert_eq!(
                integer(input),
                expected.map_err(str::to_string),
                "input {input:?}"
            );
        }
    }

    #[test]
    fn booleans() {
        let cases = [
            ("Y", Some(true)),
            ("yes", Some(true)),
            ("True", Some(true)),
            ("1", Some(true)),
            ("n", Some(false)),
            ("NO", Some(false)),
            ("false", Some(false)),
            ("0", Some(false)),
            ("maybe", None),
        ];
        for (input, expected) in cases {
            assert_eq!(
                boolean(input).ok(),
                expected.map(serde_json::Value::from),
                "input {input:?}"
            );
        }
    }
}
