//! North American (NANP: US, Canada and the Caribbean) phone numbers to E.164
//! (`+12125550123`). Written by hand: the plan's rules are few and need no data files.

use super::Note;

/// Normalise one number; an extension is dropped with a note.
pub fn e164(text: &str, notes: &mut Vec<Note>) -> Result<String, String> {
    let (main, extension) = split_extension(text);
    if extension {
        notes.push(Note::new(
            "transform.phone.extension",
            "an extension was dropped (E.164 has no place for it)",
        ));
    }
    let main = main.trim();
    if main.chars().any(|c| c.is_alphabetic()) {
        return Err("contains letters; not a phone number".to_string());
    }
    if let Some(rest) = main.strip_prefix('+')
        && !rest.trim_start().starts_with('1')
    {
        return Err("not a North American number (country code is not +1)".to_string());
    }
    let digits: String = main.chars().filter(char::is_ascii_digit).collect();
    let national = match digits.len() {
        10 => digits.as_str(),
        11 if digits.starts_with('1') => &digits[1..],
        n => {
            return Err(format!(
                "has {n} digits; a North American number has 10 (or 11 starting with 1)"
            ));
        }
    };
    check_nanp(national)?;
    Ok(format!("+1{national}"))
}

/// Split at `x`, `ext`, `extension` or `#` followed by digits.
fn split_extension(text: &str) -> (&str, bool) {
    let lower = text.to_ascii_lowercase();
    for marker in ["extension", "ext", "x", "#"] {
        if let Some(at) = lower.find(marker) {
            let rest = &lower[at + marker.len()..];
            let rest = rest.trim_start_matches(['.', ':', ' ']);
            if !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()) && at > 0 {
                return (&text[..at], true);
            }
        }
    }
    (text, false)
}

/// Area code and exchange start with 2–9 and are not N11 service codes.
fn check_nanp(national: &str) -> Result<(), String> {
    let b = national.as_bytes();
    if !(b'2'..=b'9').contains(&b[0]) {
        return Err("area code cannot start with 0 or 1".to_string());
    }
    if b[1] == b'1' && b[2] == b'1' {
        return Err("area code cannot be a service code (N11)".to_string());
    }
    if !(b'2'..=b'9').contains(&b[3]) {
        return Err("exchange cannot start with 0 or 1".to_string());
    }
    if b[4] == b'1' && b[5] == b'1' {
        return Err("exchange cannot be a service code (N11)".to_string());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nanp_numbers_to_e164() {
        let cases: [(&str, Result<&str, &str>, bool); 17] = [
            ("(212) 555-0123", Ok("+12125550123"), false),
            ("212.555.0123", Ok("+12125550123"), false),
            ("2125550123", Ok("+12125550123"), false),
            ("1-212-555-0123", Ok("+12125550123"), false),
            ("+1 (212) 555-0123", Ok("+12125550123"), false),
            ("212-555-0123 x123", Ok("+12125550123"), true),
            ("212-555-0123 ext. 12", Ok("+12125550123"), true),
            ("212-555-0123 Extension 4", Ok("+12125550123"), true),
            ("212 555 0123 #7", Ok("+12125550123"), true),
            ("416-555-0199", Ok("+14165550199"), false),
            (
                "555-0123",
                Err("has 7 digits; a North American number has 10 (or 11 starting with 1)"),
                false,
            ),
            (
                "2-212-555-0123",
                Err("has 11 digits; a North American number has 10 (or 11 starting with 1)"),
                false,
            ),
            (
                "(012) 555-0123",
                Err("area code cannot start with 0 or 1"),
                false,
            ),
            (
                "(112) 555-0123",
                Err("area code cannot start with 0 or 1"),
                false,
            ),
            (
                "(911) 555-0123",
                Err("area code cannot be a service code (N11)"),
                false,
            ),
            (
                "(212) 155-0123",
                Err("exchange cannot start with 0 or 1"),
                false,
            ),
            (
                "+44 20 7946 0958",
                Err("not a North American number (country code is not +1)"),
                false,
            ),
        ];
        for (input, expected, note) in cases {
            let mut notes = Vec::new();
            assert_eq!(
                e164(input, &mut notes).as_deref(),
                expected.map_err(str::to_string).as_deref(),
                "input {input:?}"
            );
            assert_eq!(!notes.is_empty(), note, "extension note for {input:?}");
        }
        assert_eq!(
            e164("1-800-FLOWERS", &mut Vec::new()),
            Err("contains letters; not a phone number".to_string())
        );
    }
}
