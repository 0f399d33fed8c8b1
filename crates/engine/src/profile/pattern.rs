//! A value's pattern: ASCII digits become `9`, letters (of any alphabet) `A`, and every
//! other character is kept, so `09/03/2000` → `99/99/9999` and `MRN100001` → `AAA999999`.
//! Long values are cut at [`MAX_PATTERN_CHARS`] characters, followed by `…`, so a notes
//! column does not keep a pattern per note.

use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;

use crate::error::{Result, SqlContext};

pub const MAX_PATTERN_CHARS: usize = 64;

/// The SQL name of [`pattern`], registered on every project connection.
pub const SQL_FUNCTION: &str = "cutover_pattern";

/// The pattern of `value`.
pub fn pattern(value: &str) -> String {
    let mut out = String::with_capacity(value.len().min(MAX_PATTERN_CHARS + 3));
    pattern_into(value, &mut out);
    out
}

/// Write the pattern of `value` into `out` (replacing what it held) and return the
/// value's length in characters.
pub fn pattern_into(value: &str, out: &mut String) -> usize {
    out.clear();
    if value.is_ascii() {
        // Bytes are characters: the common case, kept cheap.
        for &b in value.as_bytes().iter().take(MAX_PATTERN_CHARS) {
            out.push(match b {
                b'0'..=b'9' => '9',
                b'a'..=b'z' | b'A'..=b'Z' => 'A',
                _ => b as char,
            });
        }
        if value.len() > MAX_PATTERN_CHARS {
            out.push('…');
        }
        return value.len();
    }
    let mut n = 0;
    for c in value.chars() {
        if n < MAX_PATTERN_CHARS {
            out.push(if c.is_ascii_digit() {
                '9'
            } else if c.is_alphabetic() {
                'A'
            } else {
                c
            });
        } else if n == MAX_PATTERN_CHARS {
            out.push('…');
        }
        n += 1;
    }
    n
}

/// Register `cutover_pattern(text)` on a connection: NULL stays NULL. Deterministic, so
/// SQLite may use it in indexes and constant-fold it.
pub fn register(conn: &Connection) -> Result<()> {
    conn.create_scalar_function(
        SQL_FUNCTION,
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            Ok(match ctx.get_raw(0) {
                rusqlite::types::ValueRef::Null => None,
                rusqlite::types::ValueRef::Text(bytes) => {
                    Some(pattern(&String::from_utf8_lossy(bytes)))
                }
                other => Some(pattern(&match other {
                    rusqlite::types::ValueRef::Integer(i) => i.to_string(),
                    rusqlite::types::ValueRef::Real(f) => f.to_string(),
                    _ => String::new(),
                })),
            })
        },
    )
    .ctx("registering the pattern function")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_replace_digits_and_letters_and_keep_the_rest() {
        for (value, expected) in [
            ("09/03/2000", "99/99/9999"),
            ("MRN100001", "AAA999999"),
            ("abc123", "AAA999"),
            ("555-0148", "999-9999"),
            ("04183", "99999"),
            ("ABERNATHY, CORDELIA F", "AAAAAAAAA, AAAAAAAA A"),
            ("  7 ", "  9 "),
            ("", ""),
            ("José Núñez", "AAAA AAAAA"),
            ("Łódź-12", "AAAA-99"),
            ("日本", "AA"),
            ("٣", "٣"), // a non-ASCII digit is not a `9`
            ("+1 (555) 010-9999", "+9 (999) 999-9999"),
            ("a\tb", "A\tA"),
        ] {
            assert_eq!(pattern(value), expected, "value {value:?}");
        }
    }

    #[test]
    fn long_values_are_cut_and_lengths_count_characters() {
        let long = "x".repeat(100);
        let mut out = String::new();
        assert_eq!(pattern_into(&long, &mut out), 100);
        assert_eq!(out, format!("{}…", "A".repeat(MAX_PATTERN_CHARS)));
        let long = "é".repeat(70);
        assert_eq!(pattern_into(&long, &mut out), 70);
        assert_eq!(out, format!("{}…", "A".repeat(MAX_PATTERN_CHARS)));
        let exact = "1".repeat(MAX_PATTERN_CHARS);
        assert_eq!(pattern(&exact), "9".repeat(MAX_PATTERN_CHARS), "not cut");
        assert_eq!(pattern_into("né", &mut out), 2);
    }

    #[test]
    fn the_sql_function_matches_the_rust_one() {
        let conn = Connection::open_in_memory().unwrap();
        register(&conn).unwrap();
        let got: Option<String> = conn
            .query_row("SELECT cutover_pattern('AB-12/é')", [], |r| r.get(0))
            .unwrap();
        assert_eq!(got.as_deref(), Some("AA-99/A"));
        let null: Option<String> = conn
            .query_row("SELECT cutover_pattern(NULL)", [], |r| r.get(0))
            .unwrap();
        assert_eq!(null, None);
        let number: Option<String> = conn
            .query_row("SELECT cutover_pattern(42)", [], |r| r.get(0))
            .unwrap();
        assert_eq!(number.as_deref(), Some("99"));
    }
}
