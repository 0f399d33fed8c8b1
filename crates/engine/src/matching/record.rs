//! The normalised person record that matching compares: lower-case, trimmed, punctuation
//! stripped, placeholders (blank or dummy SSNs) turned into `None`, so that every comparison
//! downstream can treat "absent" and "present" as the only two cases.

/// Administrative sex, as far as matching cares: two known, different values are evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    Female,
    Male,
}

/// A generational suffix. Two records with different suffixes are never the same person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Suffix {
    Jr,
    Sr,
    Second,
    Third,
    Fourth,
}

impl Suffix {
    /// Reads a suffix token (`jr`, `Jr.`, `III`, …); anything else is not a suffix.
    pub fn parse(token: &str) -> Option<Suffix> {
        match normalise_text(token).as_str() {
            "jr" | "junior" => Some(Suffix::Jr),
            "sr" | "senior" => Some(Suffix::Sr),
            "ii" | "2nd" => Some(Suffix::Second),
            "iii" | "3rd" => Some(Suffix::Third),
            "iv" | "4th" => Some(Suffix::Fourth),
            _ => None,
        }
    }
}

/// The fields of a legacy person row as plain strings, before normalisation. Blank means
/// absent.
#[derive(Debug, Clone, Copy, Default)]
pub struct RawPerson<'a> {
    pub id: &'a str,
    pub given: &'a str,
    pub family: &'a str,
    /// `YYYYMMDD`, `YYYY-MM-DD` or `MM/DD/YYYY`.
    pub birth_date: &'a str,
    pub sex: &'a str,
    pub ssn: &'a str,
    pub phone: &'a str,
    pub postcode: &'a str,
    pub address: &'a str,
    pub city: &'a str,
    pub suffix: &'a str,
}

/// One person, normalised for matching.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PersonRecord {
    pub id: String,
    /// First given name only (middle names dropped): `"mary ann"` → `"mary"`.
    pub given: Option<String>,
    pub family: Option<String>,
    /// `(year, month, day)`, only when it is a plausible calendar date.
    pub birth_date: Option<(u16, u8, u8)>,
    pub sex: Option<Sex>,
    /// Digits only; `None` for blanks and placeholders such as `000000000`.
    pub ssn: Option<String>,
    /// Digits only, the last ten.
    pub phone: Option<String>,
    pub postcode: Option<String>,
    /// Street number and street, normalised.
    pub address: Option<String>,
    pub city: Option<String>,
    pub suffix: Option<Suffix>,
}

impl PersonRecord {
    /// Normalises a raw row. A suffix written at the end of the family or given name
    /// (`"smith jr"`) is moved to [`PersonRecord::suffix`].
    pub fn from_raw(raw: &RawPerson<'_>) -> PersonRecord {
        let mut suffix = Suffix::parse(raw.suffix);
        let (family, family_suffix) = split_suffix(&normalise_text(raw.family));
        let (given, given_suffix) = split_suffix(&normalise_text(raw.given));
        suffix = suffix.or(family_suffix).or(given_suffix);
        let given = given
            .as_deref()
            .and_then(|g| g.split(' ').next())
            .map(str::to_owned);
        PersonRecord {
            id: raw.id.to_owned(),
            given,
            family,
            birth_date: parse_birth_date(raw.birth_date),
            sex: parse_sex(raw.sex),
            ssn: parse_ssn(raw.ssn),
            phone: non_empty(digits(raw.phone))
                .map(|d| d[d.len().saturating_sub(10)..].to_owned())
                .filter(|d| d.len() >= 7),
            postcode: non_empty(normalise_text(raw.postcode).replace(' ', "")),
            address: non_empty(normalise_text(raw.address)),
            city: non_empty(normalise_text(raw.city)),
            suffix,
        }
    }
}

/// Lower case, hyphens and slashes as spaces, other punctuation dropped, whitespace collapsed.
pub fn normalise_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for ch in value.chars().flat_map(char::to_lowercase) {
        if ch.is_alphanumeric() {
            out.push(ch);
        } else if (ch.is_whitespace() || ch == '-' || ch == '/') && !out.ends_with(' ') {
            out.push(' ');
        }
    }
    out.trim().to_owned()
}

fn split_suffix(name: &str) -> (Option<String>, Option<Suffix>) {
    if let Some((head, last)) = name.rsplit_once(' ')
        && let Some(suffix) = Suffix::parse(last)
    {
        return (non_empty(head.to_owned()), Some(suffix));
    }
    (non_empty(name.to_owned()), None)
}

fn non_empty(value: String) -> Option<String> {
    (!value.is_empty()).then_some(value)
}

fn digits(value: &str) -> String {
    value.chars().filter(char::is_ascii_digit).collect()
}

fn parse_sex(value: &str) -> Option<Sex> {
    match normalise_text(value).as_str() {
        "f" | "female" | "w" | "woman" => Some(Sex::Female),
        "m" | "male" | "man" => Some(Sex::Male),
        _ => None,
    }
}

/// An SSN is kept only when it looks real: at least seven digits, not all one digit, not a
/// well-known dummy.
fn parse_ssn(value: &str) -> Option<String> {
    let d = digits(value);
    let first = d.chars().next()?;
    let placeholder = d.len() < 7
        || d.chars().all(|c| c == first)
        || matches!(d.as_str(), "123456789" | "987654321" | "1234567")
        || d.trim_start_matches('0').len() <= 4;
    (!placeholder).then_some(d)
}

/// `YYYYMMDD`, `YYYY-MM-DD` or `MM/DD/YYYY`; `None` unless month and day are in range.
pub fn parse_birth_date(value: &str) -> Option<(u16, u8, u8)> {
    let value = value.trim();
    let (y, m, d) = if let Some((m, rest)) = value.split_once('/') {
        let (d, y) = rest.split_once('/')?;
        (y, m, d)
    } else {
        let d = digits(value);
        if d.len() != 8 {
            return None;
        }
        return from_parts(&d[0..4], &d[4..6], &d[6..8]);
    };
    from_parts(y, m, d)
}

fn from_parts(y: &str, m: &str, d: &str) -> Option<(u16, u8, u8)> {
    let y: u16 = y.trim().parse().ok()?;
    let m: u8 = m.trim().parse().ok()?;
    let d: u8 = d.trim().parse().ok()?;
    ((1800..=2200).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d))
        .then_some((y, m, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_names_dates_and_placeholders() {
        let r = PersonRecord::from_raw(&RawPerson {
            id: "r1",
            given: "  Mary-Ann ",
            family: "O'Brien, Jr.",
            birth_date: "1956-04-09",
            sex: "F",
            ssn: "000-00-0000",
            phone: "+1 (555) 123-4567",
            postcode: "02139",
            address: "7 Wallaby Pl.",
            ..RawPerson::default()
        });
        assert_eq!(r.given.as_deref(), Some("mary"), "first given name only");
        assert_eq!(
            r.family.as_deref(),
            Some("obrien"),
            "punctuation and suffix stripped"
        );
        assert_eq!(
            r.suffix,
            Some(Suffix::Jr),
            "suffix moved out of the family name"
        );
        assert_eq!(r.birth_date, Some((1956, 4, 9)));
        assert_eq!(r.sex, Some(Sex::Female));
        assert_eq!(r.ssn, None, "an all-zero SSN is a placeholder");
        assert_eq!(r.phone.as_deref(), Some("5551234567"));
        assert_eq!(r.address.as_deref(), Some("7 wallaby pl"));
    }

    #[test]
    fn birth_date_formats() {
        for (input, expected) in [
            ("19560409", Some((1956, 4, 9))),
            ("04/09/1956", Some((1956, 4, 9))),
            ("19561309", None),
            ("", None),
            ("1956", None),
        ] {
            assert_eq!(parse_birth_date(input), expected, "input {input:?}");
        }
    }

    #[test]
    fn ssn_placeholders_are_absent() {
        for (input, expected) in [
            ("123-45-6789", None),
            ("999999999", None),
            ("", None),
            ("1804974", Some("1804974")),
            ("078-05-1120", Some("078051120")),
        ] {
            assert_eq!(parse_ssn(input).as_deref(), expected, "input {input:?}");
        }
    }
}
