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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
    compare_with(a, &Features::of(a), b, &Features::of(b))
}

/// What comparing a record needs beyond its fields: worked out once per record (the
/// sounds of its names, its nickname groups, its birth date as a day number) rather than
/// once per pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Features {
    pub given_sound: Sound,
    pub family_sound: Sound,
    /// Bit `i` set when the given name is in nickname group `i`.
    pub given_nicknames: u64,
    /// Days since 1 January of year 1, when the birth date is a real calendar day.
    pub birth_day: Option<i32>,
}

/// The Double Metaphone codes of a name (at most four ASCII letters each), packed in a
/// `u32` each; 0 is the empty code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Sound {
    pub primary: u32,
    pub alternate: u32,
}

impl Sound {
    pub fn of(name: &str) -> Sound {
        let (primary, alternate) = phonetic_codes(name);
        Sound {
            primary: pack_code(&primary),
            alternate: pack_code(&alternate),
        }
    }

    /// [`sound_alike`] over packed codes.
    pub fn alike(self, other: Sound) -> bool {
        let (ap, aa, bp, ba) = (self.primary, self.alternate, other.primary, other.alternate);
        ap != 0 && (ap == bp || ap == ba || aa == bp || (aa != 0 && aa == ba))
    }
}

/// A code of up to four bytes as a number; longer codes (never made with the default
/// maximum length) keep their first four.
fn pack_code(code: &str) -> u32 {
    code.bytes()
        .take(4)
        .enumerate()
        .fold(0, |acc, (i, b)| acc | u32::from(b) << (8 * i))
}

impl Features {
    pub fn of(r: &PersonRecord) -> Features {
        Features {
            given_sound: r.given.as_deref().map(Sound::of).unwrap_or_default(),
            family_sound: r.family.as_deref().map(Sound::of).unwrap_or_default(),
            given_nicknames: r.given.as_deref().map_or(0, nickname_groups),
            birth_day: r.birth_date.and_then(day_number),
        }
    }
}

/// Every record's [`Features`], working on all cores; a name's sound is worked out once
/// per distinct name.
pub fn features(records: &[PersonRecord]) -> Vec<Features> {
    use std::collections::HashMap;
    let mut out = vec![Features::default(); records.len()];
    super::parallel::for_each_chunk_mut(&mut out, 8_192, HashMap::new, |sounds, start, chunk| {
        let sounds: &mut HashMap<String, Sound> = sounds;
        let mut sound = |name: Option<&str>| match name {
            Some(n) => match sounds.get(n) {
                Some(s) => *s,
                None => *sounds.entry(n.to_owned()).or_insert(Sound::of(n)),
            },
            None => Sound::default(),
        };
        for (f, r) in chunk.iter_mut().zip(&records[start..]) {
            *f = Features {
                given_sound: sound(r.given.as_deref()),
                family_sound: sound(r.family.as_deref()),
                given_nicknames: r.given.as_deref().map_or(0, nickname_groups),
                birth_day: r.birth_date.and_then(day_number),
            };
        }
    });
    out
}

/// [`compare`] with each record's [`Features`] worked out beforehand.
pub fn compare_with(
    a: &PersonRecord,
    fa: &Features,
    b: &PersonRecord,
    fb: &Features,
) -> Comparison {
    let name = |l: NameLevel| index(l as u8, l == NameLevel::Missing);
    let text = |l: TextLevel| index(l as u8, l == TextLevel::Missing);
    let given = name_level(
        a.given.as_deref(),
        b.given.as_deref(),
        Some((fa.given_nicknames, fb.given_nicknames)),
        fa.given_sound,
        fb.given_sound,
    );
    let family = name_level(
        a.family.as_deref(),
        b.family.as_deref(),
        None,
        fa.family_sound,
        fb.family_sound,
    );
    let date = date_level(a.birth_date, fa.birth_day, b.birth_date, fb.birth_day);
    let ssn = compare_ssn(a.ssn.as_deref(), b.ssn.as_deref());
    let sex = match (a.sex, b.sex) {
        (Some(x), Some(y)) => Some(u8::from(x != y)),
        _ => None,
    };
    Comparison {
        levels: [
            name(given),
            name(family),
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

/// [`compare_name`] with the sounds and nickname groups known.
fn name_level(
    a: Option<&str>,
    b: Option<&str>,
    nicknames: Option<(u64, u64)>,
    sa: Sound,
    sb: Sound,
) -> NameLevel {
    let (Some(a), Some(b)) = (a, b) else {
        return NameLevel::Missing;
    };
    if a == b {
        return NameLevel::Exact;
    }
    let jw = jaro_winkler(a, b);
    if jw >= 0.92 {
        NameLevel::JaroWinkler92
    } else if jw >= 0.85 {
        NameLevel::JaroWinkler85
    } else if nicknames.is_some_and(|(x, y)| x & y != 0) {
        NameLevel::Nickname
    } else if sa.alike(sb) {
        NameLevel::Phonetic
    } else {
        NameLevel::Different
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
    let jw = jaro_winkler(a, b);
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

/// The nickname groups a name is in, as bits (group `i` is bit `i`).
fn nickname_groups(name: &str) -> u64 {
    static GROUPS: LazyLock<std::collections::HashMap<&'static str, u64>> = LazyLock::new(|| {
        let mut map = std::collections::HashMap::new();
        for (i, group) in NICKNAMES.iter().enumerate() {
            for &n in *group {
                *map.entry(n).or_insert(0) |= 1u64 << i;
            }
        }
        map
    });
    GROUPS.get(name).copied().unwrap_or(0)
}

static METAPHONE: LazyLock<DoubleMetaphone> = LazyLock::new(DoubleMetaphone::default);

/// The Double Metaphone primary and alternate codes of a name. Accented Latin letters are
/// read as their base letters and other non-ASCII characters are dropped first: the
/// encoder slices its input by bytes and would panic on them (`"muñoz"` sounds as
/// `"munoz"`).
pub fn phonetic_codes(name: &str) -> (String, String) {
    let r = if name.is_ascii() {
        METAPHONE.double_metaphone(name)
    } else {
        METAPHONE.double_metaphone(&fold_to_ascii(name))
    };
    (r.primary(), r.alternate())
}

/// Latin letters with diacritics as their base letters; other non-ASCII characters dropped.
fn fold_to_ascii(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii() {
            out.push(c);
            continue;
        }
        let base = match c {
            'à'..='å' | 'ā' | 'ă' | 'ą' | 'À'..='Å' => "a",
            'æ' | 'Æ' => "ae",
            'ç' | 'ć' | 'č' | 'Ç' | 'Ć' | 'Č' => "c",
            'ď' | 'đ' | 'ð' => "d",
            'è'..='ë' | 'ē' | 'ė' | 'ę' | 'ě' | 'È'..='Ë' => "e",
            'ì'..='ï' | 'ī' | 'į' | 'ı' | 'Ì'..='Ï' => "i",
            'ł' | 'ľ' | 'ĺ' | 'Ł' => "l",
            'ñ' | 'ń' | 'ň' | 'Ñ' => "n",
            'ò'..='ö' | 'ø' | 'ō' | 'ő' | 'Ò'..='Ö' | 'Ø' => "o",
            'œ' | 'Œ' => "oe",
            'ř' | 'ŕ' => "r",
            'ś' | 'š' | 'ş' | 'Š' | 'Ś' => "s",
            'ß' => "ss",
            'ť' | 'ţ' => "t",
            'þ' => "th",
            'ù'..='ü' | 'ū' | 'ů' | 'ű' | 'ų' | 'Ù'..='Ü' => "u",
            'ý' | 'ÿ' | 'Ý' => "y",
            'ź' | 'ż' | 'ž' | 'Ž' => "z",
            _ => "",
        };
        out.push_str(base);
    }
    out
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
    } else {
        date_level(Some(a), day_number(a), Some(b), day_number(b))
    }
}

/// [`compare_birth_dates`] with the dates' day numbers known.
fn date_level(
    a: Option<(u16, u8, u8)>,
    day_a: Option<i32>,
    b: Option<(u16, u8, u8)>,
    day_b: Option<i32>,
) -> DateLevel {
    let (Some(a), Some(b)) = (a, b) else {
        return DateLevel::Missing;
    };
    if a == b {
        DateLevel::Exact
    } else if a.0 == b.0 && a.1 == b.2 && a.2 == b.1 {
        DateLevel::DayMonthTransposed
    } else if matches!((day_a, day_b), (Some(x), Some(y)) if x.abs_diff(y) == 1) {
        DateLevel::OffByOneDay
    } else if a.0 == b.0 {
        DateLevel::SameYear
    } else {
        DateLevel::Different
    }
}

/// Days since 1 January of year 1; `None` when the date is not a calendar day (30 February).
pub fn day_number((y, m, d): (u16, u8, u8)) -> Option<i32> {
    use chrono::Datelike;
    chrono::NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d))
        .map(|date| date.num_days_from_ce())
}

/// SSNs: exact, one edit (including a swap of adjacent digits) apart, different.
pub fn compare_ssn(a: Option<&str>, b: Option<&str>) -> SsnLevel {
    let (Some(a), Some(b)) = (a, b) else {
        return SsnLevel::Missing;
    };
    if a == b {
        SsnLevel::Exact
    } else if within_one_edit(a, b) {
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
    } else if within_one_edit(a, b) {
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
    let similar = match (squash_ascii(a), squash_ascii(b)) {
        (Some((x, xn)), Some((y, yn))) => {
            let (x, y) = (&x[..xn], &y[..yn]);
            x == y || jaro_winkler_slices(x, y) >= 0.88
        }
        _ => {
            let squash = |s: &str| s.replace(' ', "");
            let (a, b) = (squash(a), squash(b));
            a == b || strsim::jaro_winkler(&a, &b) >= 0.88
        }
    };
    if similar {
        TextLevel::Similar
    } else {
        TextLevel::Different
    }
}

/// The longest string the allocation-free similarity functions take; longer ones go to
/// `strsim`.
const SHORT: usize = 64;

/// An ASCII string without its spaces, on the stack.
fn squash_ascii(s: &str) -> Option<([u8; SHORT], usize)> {
    if !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; SHORT];
    let mut n = 0;
    for &b in s.as_bytes() {
        if b != b' ' {
            *out.get_mut(n)? = b;
            n += 1;
        }
    }
    Some((out, n))
}

/// Jaro–Winkler similarity, exactly as `strsim::jaro_winkler` computes it, without
/// allocating for short ASCII strings.
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    if a.is_ascii() && b.is_ascii() && a.len() <= SHORT && b.len() <= SHORT {
        jaro_winkler_slices(a.as_bytes(), b.as_bytes())
    } else {
        strsim::jaro_winkler(a, b)
    }
}

/// `strsim`'s Jaro–Winkler over slices of at most [`SHORT`] elements.
fn jaro_winkler_slices(a: &[u8], b: &[u8]) -> f64 {
    let sim = jaro_slices(a, b);
    if sim > 0.7 {
        let prefix = a.iter().take(4).zip(b).take_while(|(x, y)| x == y).count();
        sim + 0.1 * prefix as f64 * (1.0 - sim)
    } else {
        sim
    }
}

fn jaro_slices(a: &[u8], b: &[u8]) -> f64 {
    let (a_len, b_len) = (a.len(), b.len());
    if a_len == 0 && b_len == 0 {
        return 1.0;
    } else if a_len == 0 || b_len == 0 {
        return 0.0;
    }
    let range = (a_len.max(b_len) / 2).saturating_sub(1);
    let mut a_flags = [false; SHORT];
    let mut b_flags = [false; SHORT];
    let mut matches = 0usize;
    for (i, x) in a.iter().enumerate() {
        let lo = i.saturating_sub(range);
        let hi = b_len.min(i + range + 1);
        for j in lo..hi {
            if !b_flags[j] && b[j] == *x {
                a_flags[i] = true;
                b_flags[j] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut j = 0;
    for (i, x) in a.iter().enumerate() {
        if a_flags[i] {
            while !b_flags[j] {
                j += 1;
            }
            if *x != b[j] {
                transpositions += 1;
            }
            j += 1;
        }
    }
    transpositions /= 2;
    ((matches as f64 / a_len as f64)
        + (matches as f64 / b_len as f64)
        + ((matches - transpositions) as f64 / matches as f64))
        / 3.0
}

/// Damerau–Levenshtein distance at most one: equal, or one character changed, added,
/// dropped, or two adjacent characters swapped.
pub fn within_one_edit(a: &str, b: &str) -> bool {
    if !a.is_ascii() || !b.is_ascii() {
        return strsim::damerau_levenshtein(a, b) <= 1;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if long.len() - short.len() > 1 {
        return false;
    }
    let head = short.iter().zip(long).take_while(|(x, y)| x == y).count();
    if head == short.len() {
        return true;
    }
    if short.len() == long.len() {
        if short[head + 1..] == long[head + 1..] {
            return true;
        }
        head + 1 < short.len()
            && short[head] == long[head + 1]
            && short[head + 1] == long[head]
            && short[head + 2..] == long[head + 2..]
    } else {
        short[head..] == long[head + 1..]
    }
}

/// Damerau–Levenshtein distance (adjacent swaps allowed, unrestricted), exactly as
/// `strsim::damerau_levenshtein`, without allocating for short ASCII strings.
pub fn damerau_levenshtein(a: &str, b: &str) -> usize {
    const N: usize = 24;
    if !a.is_ascii() || !b.is_ascii() || a.len() >= N || b.len() >= N {
        return strsim::damerau_levenshtein(a, b);
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (a_len, b_len) = (a.len(), b.len());
    if a_len == 0 {
        return b_len;
    }
    if b_len == 0 {
        return a_len;
    }
    let width = N + 1;
    let mut d = [0u8; (N + 1) * (N + 1)];
    let max = (a_len + b_len) as u8;
    d[0] = max;
    for i in 0..=a_len {
        d[(i + 1) * width] = max;
        d[(i + 1) * width + 1] = i as u8;
    }
    for j in 0..=b_len {
        d[j + 1] = max;
        d[width + j + 1] = j as u8;
    }
    let mut last_row = [0u8; 256];
    for i in 1..=a_len {
        let mut last_col = 0usize;
        for j in 1..=b_len {
            let k = usize::from(last_row[usize::from(b[j - 1])]);
            let l = last_col;
            let same = a[i - 1] == b[j - 1];
            if same {
                last_col = j;
            }
            let substitution = d[i * width + j] + u8::from(!same);
            let insertion = d[i * width + j + 1] + 1;
            let deletion = d[(i + 1) * width + j] + 1;
            let transposition = d[k * width + l] as usize + (i - k - 1) + 1 + (j - l - 1);
            d[(i + 1) * width + j + 1] = substitution
                .min(insertion)
                .min(deletion)
                .min(transposition.min(255) as u8);
        }
        last_row[usize::from(a[i - 1])] = i as u8;
    }
    usize::from(d[(a_len + 1) * width + b_len + 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names, codes and streets from the synthetic population, corrupted as duplicates are.
    fn sample_strings() -> Vec<String> {
        let people = crate::matching::synthetic::people(
            crate::matching::synthetic::PeopleConfig::new(3_000),
        );
        let mut out = Vec::new();
        for p in people {
            let r = PersonRecord::from_raw(&p.raw());
            out.extend(
                [r.given, r.family, r.ssn, r.phone, r.address]
                    .into_iter()
                    .flatten(),
            );
        }
        out.extend(
            [
                "", "a", "ab", "ba", "abc", "ca", "zoë", "zoe", "niño", "nino",
            ]
            .map(String::from),
        );
        out
    }

    #[test]
    fn fast_string_measures_equal_strsim() {
        let strings = sample_strings();
        let mut rng = crate::matching::model::SplitMix64::new(1);
        for _ in 0..200_000 {
            let a = &strings[rng.below(strings.len() as u64) as usize];
            // Half the time a near neighbour: the same kind of field, often similar.
            let b = if rng.below(2) == 0 {
                &strings[rng.below(strings.len() as u64) as usize]
            } else {
                let i = rng.below(strings.len() as u64) as usize;
                &strings[i - i % 5]
            };
            assert_eq!(
                jaro_winkler(a, b).to_bits(),
                strsim::jaro_winkler(a, b).to_bits(),
                "jaro-winkler {a:?} {b:?}"
            );
            let dl = strsim::damerau_levenshtein(a, b);
            assert_eq!(damerau_levenshtein(a, b), dl, "damerau {a:?} {b:?}");
            assert_eq!(within_one_edit(a, b), dl <= 1, "one edit {a:?} {b:?}");
            assert_eq!(
                Sound::of(a).alike(Sound::of(b)),
                sound_alike(a, b),
                "sound {a:?} {b:?}"
            );
        }
        for (a, b) in [
            ("ca", "abc"),
            ("abcdef", "badcfe"),
            ("1234", "2143"),
            ("", "12"),
        ] {
            assert_eq!(damerau_levenshtein(a, b), strsim::damerau_levenshtein(a, b));
            assert_eq!(
                within_one_edit(a, b),
                strsim::damerau_levenshtein(a, b) <= 1
            );
        }
    }

    #[test]
    fn precomputed_features_compare_alike() {
        let records: Vec<PersonRecord> = crate::matching::synthetic::people(
            crate::matching::synthetic::PeopleConfig::new(2_000),
        )
        .map(|p| PersonRecord::from_raw(&p.raw()))
        .collect();
        let all = features(&records);
        for (r, f) in records.iter().zip(&all) {
            assert_eq!(*f, Features::of(r));
        }
        assert_eq!(
            compare_given(Some("robert"), Some("bob")),
            name_level(
                Some("robert"),
                Some("bob"),
                Some((nickname_groups("robert"), nickname_groups("bob"))),
                Sound::of("robert"),
                Sound::of("bob")
            )
        );
    }

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
    fn accented_names_have_sounds() {
        assert_eq!(phonetic_codes("muñoz"), phonetic_codes("munoz"));
        assert_eq!(phonetic_codes("zoë"), phonetic_codes("zoe"));
        assert_eq!(
            compare_family(Some("muñoz"), Some("nuñez")),
            NameLevel::Different,
            "compared without a panic"
        );
        assert!(sound_alike("josé", "jose"));
        assert_eq!(phonetic_codes("李").0, "", "nothing to sound out, no panic");
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
