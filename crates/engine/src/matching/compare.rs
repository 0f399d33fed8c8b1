//! Per-field comparison of two person records into discrete levels (exact, close, …,
//! different, missing). The levels are what the Fellegi–Sunter model weighs; a missing value
//! on either side is its own level and carries no weight.

use std::sync::LazyLock;

use rphonetic::DoubleMetaphone;

use super::record::PersonRecord;

/// The fields matching compares, in the order of [`Comparison::levels`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Given,
    Family,
    BirthDate,
    Sex,
    Ssn,
    Phone,
    Postcode,
    Address,
    City,
}

impl Field {
    pub const ALL: [Field; 9] = [
        Field::Given,
        Field::Family,
        Field::BirthDate,
        Field::Sex,
        Field::Ssn,
        Field::Phone,
        Field::Postcode,
        Field::Address,
        Field::City,
    ];

    /// The labels of the field's levels, by level index (missing is not a level).
    pub fn level_labels(self) -> &'static [&'static str] {
        match self {
            Field::Given | Field::Family => NameLevel::LABELS,
            Field::BirthDate => DateLevel::LABELS,
            Field::Ssn => SsnLevel::LABELS,
            Field::Sex => &["same", "different"],
            Field::Phone | Field::Postcode | Field::Address | Field::City => TextLevel::LABELS,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Field::Given => "given",
            Field::Family => "family",
            Field::BirthDate => "birth_date",
            Field::Sex => "sex",
            Field::Ssn => "ssn",
            Field::Phone => "phone",
            Field::Postcode => "postcode",
            Field::Address => "address",
            Field::City => "city",
        }
    }
}

/// How two names compare, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameLevel {
    Exact,
    JaroWinkler92,
    JaroWinkler85,
    Nickname,
    Phonetic,
    Different,
    Missing,
}

impl NameLevel {
    const LABELS: &'static [&'static str] = &[
        "exact",
        "jaro-winkler >= 0.92",
        "jaro-winkler >= 0.85",
        "nickname",
        "phonetic",
        "different",
    ];
}

/// How two birth dates compare, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateLevel {
    Exact,
    DayMonthTransposed,
    OffByOneDay,
    SameYear,
    Different,
    Missing,
}

impl DateLevel {
    const LABELS: &'static [&'static str] = &[
        "exact",
        "day and month transposed",
        "one day apart",
        "same year",
        "different",
    ];
}

/// How two SSNs compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SsnLevel {
    Exact,
    /// One digit changed, added, dropped, or two adjacent digits swapped.
    OneOff,
    Different,
    Missing,
}

impl SsnLevel {
    const LABELS: &'static [&'static str] = &["exact", "one digit off", "different"];
}

/// How two free-text or code fields (postcode, street, city, phone) compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextLevel {
    Exact,
    Similar,
    Different,
    Missing,
}

impl TextLevel {
    const LABELS: &'static [&'static str] = &["exact", "similar", "different"];
}

/// A level index per field, in [`Field::ALL`] order; `None` when either side is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Comparison {
    pub levels: [Option<u8>; 9],
}

impl Comparison {
    pub fn level(&self, field: Field) -> Option<u8> {
        self.levels[field as usize]
    }
}

/// Compares two records field by field.
pub fn compare(a: &PersonRecord, b: &PersonRecord) -> Comparison {
    let name = |l: NameLevel| index(l as u8, l == NameLevel::Missing);
    let text = |l: TextLevel| index(l as u8, l == TextLevel::Missing);
    let date = compare_birth_dates(a.birth_date, b.birth_date);
    let ssn = compare_ssn(a.ssn.as_deref(), b.ssn.as_deref());
    let sex = match (a.sex, b.sex) {
        (Some(x), Some(y)) => Some(u8::from(x != y)),
        _ => None,
    };
    Comparison {
        levels: [
            name(compare_given(a.given.as_deref(), b.given.as_deref())),
            name(compare_family(a.family.as_deref(), b.family.as_deref())),
            index(date as u8, date == DateLevel::Missing),
            sex,
            index(ssn as u8, ssn == SsnLevel::Missing),
            text(compare_code(a.phone.as_deref(), b.phone.as_deref())),
            text(compare_code(a.postcode.as_deref(), b.postcode.as_deref())),
            text(compare_text(a.address.as_deref(), b.address.as_deref())),
            text(compare_text(a.city.as_deref(), b.city.as_deref())),
        ],
    }
}

fn index(level: u8, missing: bool) -> Option<u8> {
    (!missing).then_some(level)
}

/// Given names: exact, Jaro–Winkler bands, the nickname table, then sound.
pub fn compare_given(a: Option<&str>, b: Option<&str>) -> NameLevel {
    compare_name(a, b, true)
}

/// Family names: as given names, without nicknames.
pub fn compare_family(a: Option<&str>, b: Option<&str>) -> NameLevel {
    compare_name(a, b, false)
}

fn compare_name(a: Option<&str>, b: Option<&str>, nicknames: bool) -> NameLevel {
    let (Some(a), Some(b)) = (a, b) else {
        return NameLevel::Missing;
    };
    if a == b {
        return NameLevel::Exact;
    }
    let jw = strsim::jaro_winkler(a, b);
    if jw >= 0.92 {
        NameLevel::JaroWinkler92
    } else if jw >= 0.85 {
        NameLevel::JaroWinkler85
    } else if nicknames && are_nicknames(a, b) {
        NameLevel::Nickname
    } else if sound_alike(a, b) {
        NameLevel::Phonetic
    } else {
        NameLevel::Different
    }
}

/// Groups of given names that are one name: formal name first, then its short forms.
pub(crate) const NICKNAMES: &[&[&str]] = &[
    &["robert", "bob", "bobby", "rob", "robbie", "bert"],
    &["william", "bill", "billy", "will", "willie", "liam"],
    &["margaret", "peggy", "maggie", "meg", "marge", "greta"],
    &[
        "elizabeth",
        "liz",
        "lizzie",
        "beth",
        "betty",
        "eliza",
        "libby",
        "bess",
    ],
    &["richard", "dick", "rick", "ricky", "rich"],
    &["james", "jim", "jimmy", "jamie"],
    &["john", "jack", "johnny", "jon"],
    &[
        "katherine",
        "kate",
        "kathy",
        "katie",
        "kat",
        "catherine",
        "kathryn",
    ],
    &["thomas", "tom", "tommy"],
    &["michael", "mike", "mick", "mickey"],
    &["charles", "charlie", "chuck", "chas"],
    &["joseph", "joe", "joey"],
    &["edward", "ed", "eddie", "ted", "ned"],
    &["anthony", "tony"],
    &["daniel", "dan", "danny"],
    &["david", "dave", "davy"],
    &["jennifer", "jen", "jenny"],
    &["patricia", "pat", "patty", "trish"],
    &["susan", "sue", "susie"],
    &["deborah", "debbie", "deb"],
    &["christopher", "chris", "kit"],
    &["alexander", "alex", "sandy", "xander"],
    &["benjamin", "ben", "benny"],
    &["samuel", "sam", "sammy"],
    &["matthew", "matt"],
    &["nicholas", "nick", "nicky"],
    &["andrew", "andy", "drew"],
    &["steven", "stephen", "steve"],
    &["rebecca", "becky", "becca"],
    &["victoria", "vicky", "tori"],
];

/// True when both names belong to one nickname group.
pub fn are_nicknames(a: &str, b: &str) -> bool {
    NICKNAMES
        .iter()
        .any(|group| group.contains(&a) && group.contains(&b))
}

static METAPHONE: LazyLock<DoubleMetaphone> = LazyLock::new(DoubleMetaphone::default);

/// The Double Metaphone primary and alternate codes of a name.
pub fn phonetic_codes(name: &str) -> (String, String) {
    let r = METAPHONE.double_metaphone(name);
    (r.primary(), r.alternate())
}

/// True when any Double Metaphone code of one name equals one of the other's.
pub fn sound_alike(a: &str, b: &str) -> bool {
    let (ap, aa) = phonetic_codes(a);
    let (bp, ba) = phonetic_codes(b);
    !ap.is_empty() && (ap == bp || ap == ba || aa == bp || (!aa.is_empty() && aa == ba))
}

/// Birth dates: exact, day and month swapped, one day apart, same year, different.
pub fn compare_birth_dates(a: Option<(u16, u8, u8)>, b: Option<(u16, u8, u8)>) -> DateLevel {
    let (Some(a), Some(b)) = (a, b) else {
        return DateLevel::Missing;
    };
    if a == b {
        DateLevel::Exact
    } else if a.0 == b.0 && a.1 == b.2 && a.2 == b.1 {
        DateLevel::DayMonthTransposed
    } else if days_apart(a, b) == Some(1) {
        DateLevel::OffByOneDay
    } else if a.0 == b.0 {
        DateLevel::SameYear
    } else {
        DateLevel::Different
    }
}

fn days_apart(a: (u16, u8, u8), b: (u16, u8, u8)) -> Option<i64> {
    let day = |(y, m, d): (u16, u8, u8)| {
        chrono::NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d))
    };
    Some((day(a)? - day(b)?).num_days().abs())
}

/// SSNs: exact, one edit (including a swap of adjacent digits) apart, different.
pub fn compare_ssn(a: Option<&str>, b: Option<&str>) -> SsnLevel {
    let (Some(a), Some(b)) = (a, b) else {
        return SsnLevel::Missing;
    };
    if a == b {
        SsnLevel::Exact
    } else if strsim::damerau_levenshtein(a, b) <= 1 {
        SsnLevel::OneOff
    } else {
        SsnLevel::Different
    }
}

/// Codes (postcode, phone): similar means one edit apart.
pub fn compare_code(a: Option<&str>, b: Option<&str>) -> TextLevel {
    let (Some(a), Some(b)) = (a, b) else {
        return TextLevel::Missing;
    };
    if a == b {
        TextLevel::Exact
    } else if strsim::damerau_levenshtein(a, b) <= 1 {
        TextLevel::Similar
    } else {
        TextLevel::Different
    }
}

/// Text (street, city): similar means Jaro–Winkler ≥ 0.88 once spaces are ignored, so
/// `"pridham street"` and `"pridhamstreet"` are one street.
pub fn compare_text(a: Option<&str>, b: Option<&str>) -> TextLevel {
    let (Some(a), Some(b)) = (a, b) else {
        return TextLevel::Missing;
    };
    if a == b {
        return TextLevel::Exact;
    }
    let squash = |s: &str| s.replace(' ', "");
    let (a, b) = (squash(a), squash(b));
    if a == b || strsim::jaro_winkler(&a, &b) >= 0.88 {
        TextLevel::Similar
    } else {
        TextLevel::Different
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_names() {
        use NameLevel::*;
        for (a, b, expected) in [
            (Some("robert"), Some("robert"), Exact),
            (Some("robert"), Some("bob"), Nickname),
            (Some("william"), Some("bill"), Nickname),
            (Some("margaret"), Some("peggy"), Nickname),
            (Some("elizabeth"), Some("betty"), Nickname),
            (Some("richard"), Some("dick"), Nickname),
            (Some("katherine"), Some("kate"), JaroWinkler85),
            (Some("martha"), Some("marhta"), JaroWinkler92),
            (Some("jon"), Some("john"), JaroWinkler92),
            (Some("steven"), Some("stephen"), JaroWinkler85),
            (Some("catherine"), Some("kathryn"), Nickname),
            (Some("philip"), Some("filip"), Phonetic),
            (Some("robert"), Some("susan"), Different),
            (Some("robert"), None, Missing),
            (None, None, Missing),
        ] {
            assert_eq!(compare_given(a, b), expected, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn family_names_have_no_nicknames() {
        assert_eq!(
            compare_family(Some("bill"), Some("william")),
            NameLevel::Different
        );
        assert_eq!(
            compare_family(Some("smyth"), Some("smith")),
            NameLevel::JaroWinkler85
        );
        assert_eq!(
            compare_family(Some("schmidt"), Some("smit")),
            NameLevel::Phonetic
        );
    }

    #[test]
    fn birth_dates() {
        use DateLevel::*;
        for (a, b, expected) in [
            (Some((1956, 4, 9)), Some((1956, 4, 9)), Exact),
            (Some((1956, 4, 9)), Some((1956, 9, 4)), DayMonthTransposed),
            (Some((1956, 4, 30)), Some((1956, 5, 1)), OffByOneDay),
            (Some((1956, 12, 31)), Some((1957, 1, 1)), OffByOneDay),
            (Some((1956, 4, 9)), Some((1956, 7, 20)), SameYear),
            (Some((1956, 4, 9)), Some((1965, 4, 9)), Different),
            (None, Some((1956, 4, 9)), Missing),
        ] {
            assert_eq!(compare_birth_dates(a, b), expected, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn ssns() {
        use SsnLevel::*;
        for (a, b, expected) in [
            (Some("078051120"), Some("078051120"), Exact),
            (Some("078051120"), Some("078051121"), OneOff),
            (Some("078051120"), Some("078051102"), OneOff),
            (Some("078051120"), Some("07805112"), OneOff),
            (Some("078051120"), Some("079051121"), Different),
            (Some("078051120"), None, Missing),
        ] {
            assert_eq!(compare_ssn(a, b), expected, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn codes_and_text() {
        assert_eq!(compare_code(Some("2119"), Some("2119")), TextLevel::Exact);
        assert_eq!(compare_code(Some("2119"), Some("2191")), TextLevel::Similar);
        assert_eq!(
            compare_code(Some("2119"), Some("3165")),
            TextLevel::Different
        );
        assert_eq!(compare_code(None, Some("3165")), TextLevel::Missing);
        assert_eq!(
            compare_text(Some("177 pridham street"), Some("177 pridhamstreet")),
            TextLevel::Similar
        );
        assert_eq!(
            compare_text(Some("7 wallaby place"), Some("12 kent road")),
            TextLevel::Different
        );
    }
}
