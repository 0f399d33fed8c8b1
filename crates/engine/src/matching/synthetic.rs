//! A synthetic population of US-style patient records with known truth, for measuring
//! matching at scale (`benches/match.rs`, `examples/gen_people.rs`). Not used by the app.
//!
//! Every record carries the id of the person it belongs to. Some people have several
//! records, corrupted the way registration desks corrupt them: typos, nicknames, swapped
//! day and month, a day off, a married name, a missing SSN or phone, a new address, one SSN
//! digit wrong. Some people are *look-alikes* of another person — twins, a father and son
//! (Jr/Sr), two strangers with a common name and one birth date, spouses — and carry a
//! look-alike group: records of different people in one group must never be linked.
//!
//! Seeded ([`SplitMix64`]) and deterministic; records stream out of an iterator, shuffled
//! within a small window, so a million of them never sit in memory at once.

use super::compare::NICKNAMES;
use super::model::SplitMix64;
use super::record::RawPerson;

/// How a look-alike group's people resemble each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LookalikeKind {
    /// Same family name, birth date, address and phone; different given names and SSNs.
    Twins,
    /// Father and son: same given and family name, address and phone; birth dates a
    /// generation apart; suffixes SR and JR (not always recorded); different SSNs.
    JuniorSenior,
    /// Two strangers with a common given and family name, one sex and one birth date;
    /// different addresses, phones and SSNs.
    Namesakes,
    /// Spouses: same address and phone, usually the same family name; different given
    /// names, sexes, birth dates and SSNs.
    Household,
}

impl LookalikeKind {
    pub const ALL: [LookalikeKind; 4] = [
        LookalikeKind::Twins,
        LookalikeKind::JuniorSenior,
        LookalikeKind::Namesakes,
        LookalikeKind::Household,
    ];

    pub fn name(self) -> &'static str {
        match self {
            LookalikeKind::Twins => "twins",
            LookalikeKind::JuniorSenior => "jr-sr",
            LookalikeKind::Namesakes => "namesakes",
            LookalikeKind::Household => "household",
        }
    }
}

/// How many records to make, and from which seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeopleConfig {
    pub records: usize,
    pub seed: u64,
}

impl PeopleConfig {
    pub fn new(records: usize) -> Self {
        PeopleConfig {
            records,
            seed: 0x00C0_FFEE,
        }
    }
}

/// One generated record, as a legacy export would have it, plus its truth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntheticPerson {
    pub mrn: String,
    pub given: String,
    pub family: String,
    pub suffix: String,
    pub sex: String,
    pub birth_date: String,
    pub ssn: String,
    pub phone: String,
    pub address: String,
    pub city: String,
    pub zip: String,
    /// The person this record belongs to.
    pub entity: u32,
    /// The look-alike group of the person, if any.
    pub lookalike: Option<(u32, LookalikeKind)>,
}

/// The CSV columns [`SyntheticPerson::csv_fields`] fills, in order.
pub const CSV_HEADER: [&str; 14] = [
    "MRN",
    "FIRST_NAME",
    "LAST_NAME",
    "SUFFIX",
    "SEX",
    "DOB",
    "SSN",
    "PHONE",
    "ADDRESS",
    "CITY",
    "ZIP",
    "ENTITY_ID",
    "LOOKALIKE_GROUP",
    "LOOKALIKE_KIND",
];

impl SyntheticPerson {
    /// The record as matching reads it.
    pub fn raw(&self) -> RawPerson<'_> {
        RawPerson {
            id: &self.mrn,
            given: &self.given,
            family: &self.family,
            birth_date: &self.birth_date,
            sex: &self.sex,
            ssn: &self.ssn,
            phone: &self.phone,
            postcode: &self.zip,
            address: &self.address,
            city: &self.city,
            suffix: &self.suffix,
        }
    }

    /// The fields in [`CSV_HEADER`] order.
    pub fn csv_fields(&self) -> [String; 14] {
        let (group, kind) = match self.lookalike {
            Some((g, k)) => (g.to_string(), k.name().to_owned()),
            None => (String::new(), String::new()),
        };
        [
            self.mrn.clone(),
            self.given.clone(),
            self.family.clone(),
            self.suffix.clone(),
            self.sex.clone(),
            self.birth_date.clone(),
            self.ssn.clone(),
            self.phone.clone(),
            self.address.clone(),
            self.city.clone(),
            self.zip.clone(),
            self.entity.to_string(),
            group,
            kind,
        ]
    }
}

/// The records of `config`, in a reproducible order.
pub fn people(config: PeopleConfig) -> People {
    People {
        rng: SplitMix64::new(config.seed),
        remaining: config.records,
        emitted: 0,
        next_entity: 1,
        next_group: 1,
        next_household: 1,
        batch: Vec::new(),
        window: Vec::with_capacity(WINDOW),
    }
}

/// Records are shuffled within this many, so one person's records are near each other in
/// the file, but not adjacent.
const WINDOW: usize = 2048;

/// The iterator [`people`] returns.
pub struct People {
    rng: SplitMix64,
    /// Records still to be made (not yet in the window).
    remaining: usize,
    emitted: u64,
    next_entity: u32,
    next_group: u32,
    next_household: u64,
    /// Records made but not yet in the window.
    batch: Vec<SyntheticPerson>,
    window: Vec<SyntheticPerson>,
}

impl Iterator for People {
    type Item = SyntheticPerson;

    fn next(&mut self) -> Option<SyntheticPerson> {
        while self.window.len() < WINDOW && (self.remaining > 0 || !self.batch.is_empty()) {
            if self.batch.is_empty() {
                self.make_batch();
                self.batch.truncate(self.remaining);
                self.remaining -= self.batch.len();
                self.batch.reverse();
            }
            if let Some(p) = self.batch.pop() {
                self.window.push(p);
            }
        }
        if self.window.is_empty() {
            return None;
        }
        let i = self.rng.below(self.window.len() as u64) as usize;
        let mut p = self.window.swap_remove(i);
        self.emitted += 1;
        p.mrn = format!("{:08}", self.emitted);
        Some(p)
    }
}

/// The true attributes of one person.
#[derive(Debug, Clone)]
struct Truth {
    entity: u32,
    lookalike: Option<(u32, LookalikeKind)>,
    female: bool,
    given: String,
    family: String,
    suffix: Option<&'static str>,
    birth: (i32, u32, u32),
    ssn: String,
    phone: String,
    home: Home,
}

#[derive(Debug, Clone)]
struct Home {
    number: u32,
    street: &'static str,
    street_type: usize,
    city: usize,
    zip: String,
}

/// The share of people (per thousand) who start each kind of group.
const TWINS_PER_MILLE: u64 = 6;
const JUNIOR_SENIOR_PER_MILLE: u64 = 6;
const NAMESAKES_PER_MILLE: u64 = 6;
const HOUSEHOLD_PER_MILLE: u64 = 25;

impl People {
    fn entity(&mut self) -> u32 {
        let e = self.next_entity;
        self.next_entity += 1;
        e
    }

    fn group(&mut self, kind: LookalikeKind) -> Option<(u32, LookalikeKind)> {
        let g = self.next_group;
        self.next_group += 1;
        Some((g, kind))
    }

    /// One person, or one look-alike group, with all of their records.
    fn make_batch(&mut self) {
        let roll = self.rng.below(1000);
        let mut cut = TWINS_PER_MILLE;
        let people: Vec<Truth> = if roll < cut {
            self.twins()
        } else if roll < {
            cut += JUNIOR_SENIOR_PER_MILLE;
            cut
        } {
            self.junior_senior()
        } else if roll < {
            cut += NAMESAKES_PER_MILLE;
            cut
        } {
            self.namesakes()
        } else if roll < {
            cut += HOUSEHOLD_PER_MILLE;
            cut
        } {
            self.household()
        } else {
            let female = self.rng.below(100) < 51;
            let entity = self.entity();
            let home = self.home();
            let phone = self.phone();
            vec![self.person(entity, None, female, home, phone)]
        };
        for truth in &people {
            let copies = self.record_count();
            for copy in 0..copies {
                let record = self.record(truth, copy > 0);
                self.batch.push(record);
            }
        }
    }

    fn person(
        &mut self,
        entity: u32,
        lookalike: Option<(u32, LookalikeKind)>,
        female: bool,
        home: Home,
        phone: String,
    ) -> Truth {
        let given = self.given(female);
        let family = self.family();
        let birth = self.birth_date(1930, 2023);
        Truth {
            entity,
            lookalike,
            female,
            given,
            family,
            suffix: None,
            birth,
            ssn: ssn_of(entity),
            phone,
            home,
        }
    }

    fn twins(&mut self) -> Vec<Truth> {
        let group = self.group(LookalikeKind::Twins);
        let (home, phone) = (self.home(), self.phone());
        let e1 = self.entity();
        let female = self.rng.below(2) == 0;
        let first = self.person(e1, group, female, home, phone);
        let mut second = first.clone();
        second.entity = self.entity();
        second.ssn = ssn_of(second.entity);
        // Half the twins are of one sex.
        second.female = if self.rng.below(2) == 0 {
            female
        } else {
            !female
        };
        loop {
            second.given = self.given(second.female);
            if second.given != first.given {
                break;
            }
        }
        vec![first, second]
    }

    fn junior_senior(&mut self) -> Vec<Truth> {
        let group = self.group(LookalikeKind::JuniorSenior);
        let (home, phone) = (self.home(), self.phone());
        let e1 = self.entity();
        let mut senior = self.person(e1, group, false, home, phone);
        senior.birth = self.birth_date(1930, 1975);
        senior.suffix = Some("SR");
        let mut junior = senior.clone();
        junior.entity = self.entity();
        junior.ssn = ssn_of(junior.entity);
        junior.suffix = Some("JR");
        let gap = 20 + self.rng.below(21) as i32;
        junior.birth = self.birth_date(senior.birth.0 + gap, senior.birth.0 + gap);
        vec![senior, junior]
    }

    fn namesakes(&mut self) -> Vec<Truth> {
        let group = self.group(LookalikeKind::Namesakes);
        let female = self.rng.below(2) == 0;
        let given = {
            let names = if female { FEMALE } else { MALE };
            names[self.rng.below(20) as usize].0.to_owned()
        };
        let family = SURNAMES[self.rng.below(30) as usize].0.to_owned();
        let birth = self.birth_date(1930, 2023);
        let mut out = Vec::with_capacity(2);
        for _ in 0..2 {
            let (home, phone) = (self.home(), self.phone());
            let entity = self.entity();
            let mut p = self.person(entity, group, female, home, phone);
            p.given.clone_from(&given);
            p.family.clone_from(&family);
            p.birth = birth;
            out.push(p);
        }
        out
    }

    fn household(&mut self) -> Vec<Truth> {
        let group = self.group(LookalikeKind::Household);
        let (home, phone) = (self.home(), self.phone());
        let e1 = self.entity();
        let female = self.rng.below(2) == 0;
        let mut first = self.person(e1, group, female, home.clone(), phone.clone());
        first.birth = self.birth_date(1930, 2000);
        let e2 = self.entity();
        let mut second = self.person(e2, group, !female, home, phone);
        if self.rng.below(10) < 8 {
            second.family.clone_from(&first.family);
        }
        let year = (first.birth.0 - 8 + self.rng.below(17) as i32).clamp(1930, 2005);
        second.birth = self.birth_date(year, year);
        if second.given == first.given || second.birth == first.birth {
            second.birth = self.birth_date(year, year);
            second.given = self.given(second.female);
        }
        vec![first, second]
    }

    /// Records per person: most have one, a fifth have two to five.
    fn record_count(&mut self) -> usize {
        match self.rng.below(1000) {
            0..800 => 1,
            800..940 => 2,
            940..980 => 3,
            980..995 => 4,
            _ => 5,
        }
    }

    fn given(&mut self, female: bool) -> String {
        if self.rng.below(100) < 15 {
            return self.invented(GIVEN_ONSETS, &["", ""], GIVEN_ENDINGS);
        }
        let names = if female { FEMALE } else { MALE };
        weighted(&mut self.rng, names).to_owned()
    }

    fn family(&mut self) -> String {
        if self.rng.below(100) < 60 {
            return self.invented(FAMILY_ONSETS, FAMILY_MIDDLES, FAMILY_ENDINGS);
        }
        weighted(&mut self.rng, SURNAMES).to_owned()
    }

    /// A made-up name from parts, the earlier parts of each list more common: the long tail
    /// of real surnames, where most people's names are rare.
    fn invented(
        &mut self,
        onsets: &[&'static str],
        middles: &[&'static str],
        endings: &[&'static str],
    ) -> String {
        let mut pick = |list: &[&'static str]| {
            let u = self.rng.below(1 << 20) as f64 / f64::from(1 << 20);
            list[((u * u) * list.len() as f64) as usize]
        };
        let (a, b, c) = (pick(onsets), pick(middles), pick(endings));
        format!("{a}{b}{c}")
    }

    fn birth_date(&mut self, from: i32, to: i32) -> (i32, u32, u32) {
        let year = from + self.rng.below((to - from + 1) as u64) as i32;
        let month = 1 + self.rng.below(12) as u32;
        let day = 1 + self.rng.below(u64::from(days_in_month(year, month))) as u32;
        (year, month, day)
    }

    fn home(&mut self) -> Home {
        let city = weighted_index(&mut self.rng, CITIES.iter().map(|c| c.1));
        let zips = CITIES[city].2;
        let zip = format!(
            "{:05}",
            CITIES[city].3 + self.rng.below(u64::from(zips)) as u32
        );
        // Low house numbers are the most common.
        let u = self.rng.below(1 << 20) as f64 / f64::from(1 << 20);
        Home {
            number: 1 + (u * u * 9_999.0) as u32,
            street: STREETS[self.rng.below(STREETS.len() as u64) as usize],
            street_type: self.rng.below(STREET_TYPES.len() as u64) as usize,
            city,
            zip,
        }
    }

    /// A phone number, unique per household.
    fn phone(&mut self) -> String {
        let n = self.next_household;
        self.next_household += 1;
        let area = AREA_CODES[self.rng.below(AREA_CODES.len() as u64) as usize];
        // An affine map over 0..8,000,000 spreads consecutive households over exchanges.
        let line = (n * 2_654_437 + 1_234_567) % 8_000_000;
        format!("{area}{}{:04}", 200 + line / 10_000, line % 10_000)
    }

    /// One record of `truth`: the first is only formatted; a duplicate is also corrupted.
    fn record(&mut self, truth: &Truth, duplicate: bool) -> SyntheticPerson {
        let mut t = truth.clone();
        let mut ssn_blank = self.rng.below(100) < 8;
        let mut phone_blank = self.rng.below(100) < 8;
        if duplicate {
            let corruptions = match self.rng.below(100) {
                0..50 => 1,
                50..85 => 2,
                _ => 3,
            };
            for _ in 0..corruptions {
                match weighted_index(&mut self.rng, CORRUPTIONS.iter().copied()) {
                    0 => t.given = self.typo(&t.given),
                    1 => t.family = self.typo(&t.family),
                    2 => match self.nickname(&t.given) {
                        Some(n) => t.given = n,
                        None => t.given = self.typo(&t.given),
                    },
                    3 => {
                        let (y, m, d) = t.birth;
                        if d <= 12 && d != m {
                            t.birth = (y, d, m);
                        } else {
                            t.birth = self.shift_day(t.birth);
                        }
                    }
                    4 => t.birth = self.shift_day(t.birth),
                    5 if t.female => t.family = self.family(),
                    5 => t.family = self.typo(&t.family),
                    6 => ssn_blank = true,
                    7 => phone_blank = true,
                    8 => {
                        t.home = self.home();
                        if self.rng.below(2) == 0 {
                            t.phone = self.phone();
                        }
                    }
                    _ => t.ssn = self.ssn_typo(&t.ssn),
                }
            }
        }
        self.render(&t, ssn_blank, phone_blank)
    }

    /// The truth written out, in one of the formats legacy systems use.
    fn render(&mut self, t: &Truth, ssn_blank: bool, phone_blank: bool) -> SyntheticPerson {
        let upper = self.rng.below(10) < 3;
        let case = |s: &str| {
            if upper {
                s.to_uppercase()
            } else {
                title_case(s)
            }
        };
        let (y, m, d) = t.birth;
        let birth_date = if self.rng.below(10) < 6 {
            format!("{y:04}-{m:02}-{d:02}")
        } else {
            format!("{m:02}/{d:02}/{y:04}")
        };
        let ssn = if ssn_blank {
            if self.rng.below(4) == 0 {
                PLACEHOLDER_SSNS[self.rng.below(PLACEHOLDER_SSNS.len() as u64) as usize].to_owned()
            } else {
                String::new()
            }
        } else if self.rng.below(10) < 7 {
            format!("{}-{}-{}", &t.ssn[0..3], &t.ssn[3..5], &t.ssn[5..])
        } else {
            t.ssn.clone()
        };
        let phone = if phone_blank {
            String::new()
        } else {
            let p = &t.phone;
            match self.rng.below(3) {
                0 => format!("({}) {}-{}", &p[0..3], &p[3..6], &p[6..]),
                1 => format!("{}-{}-{}", &p[0..3], &p[3..6], &p[6..]),
                _ => p.clone(),
            }
        };
        let sex = match self.rng.below(100) {
            0 => "",
            1..5 if t.female => "Female",
            1..5 => "Male",
            _ if t.female => "F",
            _ => "M",
        };
        // A suffix is recorded on four records in five, sometimes after the family name.
        let (mut family, mut suffix) = (case(&t.family), String::new());
        if let Some(s) = t.suffix {
            match self.rng.below(10) {
                0..6 => suffix = s.to_owned(),
                6 => family = format!("{family} {s}"),
                7 => suffix = format!("{}.", title_case(s)),
                _ => {}
            }
        }
        let home = &t.home;
        let types = STREET_TYPES[home.street_type];
        let street_type = if self.rng.below(10) < 7 {
            types.0
        } else {
            types.1
        };
        SyntheticPerson {
            mrn: String::new(),
            given: case(&t.given),
            family,
            suffix,
            sex: sex.to_owned(),
            birth_date,
            ssn,
            phone,
            address: case(&format!("{} {} {street_type}", home.number, home.street)),
            city: case(CITIES[home.city].0),
            zip: home.zip.clone(),
            entity: t.entity,
            lookalike: t.lookalike,
        }
    }

    /// One keyboard slip: a letter inserted, dropped, replaced, or two swapped.
    fn typo(&mut self, name: &str) -> String {
        let mut chars: Vec<char> = name.chars().collect();
        let n = chars.len();
        let letter = (b'a' + self.rng.below(26) as u8) as char;
        let at = self.rng.below(n as u64) as usize;
        match self.rng.below(4) {
            0 => chars.insert(self.rng.below(n as u64 + 1) as usize, letter),
            1 if n > 3 => {
                chars.remove(at);
            }
            2 | 1 => {
                let mut c = letter;
                while c == chars[at] {
                    c = (b'a' + self.rng.below(26) as u8) as char;
                }
                chars[at] = c;
            }
            _ if n >= 2 => {
                let i = self.rng.below(n as u64 - 1) as usize;
                if chars[i] == chars[i + 1] {
                    chars.remove(i);
                } else {
                    chars.swap(i, i + 1);
                }
            }
            _ => chars.push(letter),
        }
        chars.into_iter().collect()
    }

    /// Another name of the same nickname group, if the name has one.
    fn nickname(&mut self, given: &str) -> Option<String> {
        let group = NICKNAMES.iter().find(|g| g.contains(&given))?;
        loop {
            let other = group[self.rng.below(group.len() as u64) as usize];
            if other != given {
                return Some(other.to_owned());
            }
        }
    }

    fn shift_day(&mut self, (y, m, d): (i32, u32, u32)) -> (i32, u32, u32) {
        let date = chrono::NaiveDate::from_ymd_opt(y, m, d);
        let shifted = date.and_then(|date| {
            if self.rng.below(2) == 0 {
                date.succ_opt()
            } else {
                date.pred_opt()
            }
        });
        match shifted {
            Some(s) => {
                use chrono::Datelike;
                (s.year(), s.month(), s.day())
            }
            None => (y, m, d),
        }
    }

    /// One digit replaced, or two neighbouring digits swapped.
    fn ssn_typo(&mut self, ssn: &str) -> String {
        let mut digits: Vec<u8> = ssn.bytes().collect();
        let at = self.rng.below(digits.len() as u64 - 1) as usize;
        if self.rng.below(3) == 0 && digits[at] != digits[at + 1] {
            digits.swap(at, at + 1);
        } else {
            let old = digits[at];
            while digits[at] == old {
                digits[at] = b'0' + self.rng.below(10) as u8;
            }
        }
        String::from_utf8(digits).unwrap_or_default()
    }
}

/// A real-looking SSN (area 001–899 but not 666, group 01–99, serial 0001–9999), a different
/// one for every entity: an affine map over the 889,102,701 valid numbers (the multiplier is
/// a prime that does not divide their count).
fn ssn_of(entity: u32) -> String {
    const AREAS: u64 = 898;
    const SPACE: u64 = AREAS * 99 * 9_999;
    let n = (u64::from(entity) * 2_654_435_761 + 12_345) % SPACE;
    let (area, rest) = (n / (99 * 9_999), n % (99 * 9_999));
    let area = area + 1;
    let area = if area >= 666 { area + 1 } else { area };
    format!("{area:03}{:02}{:04}", rest / 9_999 + 1, rest % 9_999 + 1)
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

fn title_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        start = c == ' ' || c == '-';
    }
    out
}

fn weighted<'a>(rng: &mut SplitMix64, items: &[(&'a str, u32)]) -> &'a str {
    items[weighted_index(rng, items.iter().map(|i| i.1))].0
}

fn weighted_index(rng: &mut SplitMix64, weights: impl Iterator<Item = u32> + Clone) -> usize {
    let total: u64 = weights.clone().map(u64::from).sum();
    let mut r = rng.below(total);
    for (i, w) in weights.enumerate() {
        if r < u64::from(w) {
            return i;
        }
        r -= u64::from(w);
    }
    0
}

/// Weights of the corruptions a duplicate record gets, in the order [`People::record`]
/// matches them: given typo, family typo, nickname, day/month swap, a day off, married
/// name, SSN missing, phone missing, new address, SSN typo.
const CORRUPTIONS: [u32; 10] = [14, 14, 8, 4, 5, 6, 10, 8, 12, 5];

const PLACEHOLDER_SSNS: [&str; 4] = ["000-00-0000", "999999999", "999-99-9999", "123-45-6789"];

/// Common male given names with their relative frequencies (US census, per 10,000).
const MALE: &[(&str, u32)] = &[
    ("james", 332),
    ("john", 327),
    ("robert", 314),
    ("michael", 263),
    ("william", 245),
    ("david", 236),
    ("richard", 170),
    ("charles", 152),
    ("joseph", 140),
    ("thomas", 138),
    ("christopher", 104),
    ("daniel", 97),
    ("paul", 95),
    ("mark", 94),
    ("donald", 93),
    ("george", 93),
    ("kenneth", 83),
    ("steven", 78),
    ("edward", 78),
    ("brian", 74),
    ("ronald", 73),
    ("anthony", 72),
    ("kevin", 67),
    ("jason", 66),
    ("matthew", 66),
    ("gary", 65),
    ("timothy", 64),
    ("jose", 61),
    ("larry", 60),
    ("jeffrey", 59),
    ("frank", 58),
    ("scott", 55),
    ("eric", 54),
    ("stephen", 54),
    ("andrew", 54),
    ("raymond", 49),
    ("gregory", 44),
    ("joshua", 44),
    ("jerry", 43),
    ("dennis", 42),
    ("walter", 40),
    ("patrick", 39),
    ("peter", 38),
    ("harold", 37),
    ("douglas", 37),
    ("henry", 37),
    ("carl", 35),
    ("arthur", 34),
    ("ryan", 33),
    ("roger", 32),
    ("juan", 32),
    ("albert", 31),
    ("jonathan", 31),
    ("justin", 31),
    ("terry", 31),
    ("gerald", 31),
    ("keith", 31),
    ("samuel", 31),
    ("ralph", 28),
    ("lawrence", 28),
    ("nicholas", 28),
    ("roy", 27),
    ("benjamin", 27),
    ("bruce", 26),
    ("brandon", 26),
    ("adam", 26),
    ("harry", 25),
    ("fred", 25),
    ("wayne", 25),
    ("louis", 24),
    ("jeremy", 24),
    ("aaron", 24),
    ("randy", 23),
    ("howard", 23),
    ("eugene", 23),
    ("carlos", 23),
    ("russell", 22),
    ("victor", 22),
    ("martin", 22),
    ("ernest", 22),
    ("phillip", 21),
    ("todd", 21),
    ("jesse", 21),
    ("craig", 21),
    ("alan", 20),
    ("shawn", 20),
    ("clarence", 20),
    ("sean", 20),
    ("philip", 20),
    ("earl", 19),
    ("antonio", 19),
    ("ethan", 19),
    ("noah", 18),
    ("liam", 18),
    ("mason", 18),
    ("jacob", 18),
    ("logan", 17),
    ("tyler", 17),
    ("dylan", 17),
    ("austin", 16),
    ("kyle", 16),
    ("zachary", 16),
    ("nathan", 16),
    ("jordan", 15),
    ("christian", 15),
    ("hunter", 14),
    ("caleb", 14),
    ("luke", 14),
    ("gavin", 13),
    ("isaiah", 13),
    ("aiden", 13),
    ("alexander", 13),
    ("luis", 12),
    ("miguel", 12),
    ("wei", 10),
    ("mohammed", 10),
    ("rahul", 8),
    ("kwame", 6),
];

/// Common female given names with their relative frequencies (US census, per 10,000).
const FEMALE: &[(&str, u32)] = &[
    ("mary", 263),
    ("patricia", 107),
    ("linda", 104),
    ("barbara", 98),
    ("elizabeth", 94),
    ("jennifer", 93),
    ("maria", 83),
    ("susan", 79),
    ("margaret", 77),
    ("dorothy", 73),
    ("lisa", 70),
    ("nancy", 67),
    ("karen", 67),
    ("betty", 67),
    ("helen", 66),
    ("sandra", 63),
    ("donna", 58),
    ("carol", 57),
    ("ruth", 56),
    ("sharon", 52),
    ("michelle", 52),
    ("laura", 51),
    ("sarah", 51),
    ("kimberly", 50),
    ("deborah", 49),
    ("jessica", 49),
    ("shirley", 48),
    ("cynthia", 47),
    ("angela", 47),
    ("melissa", 46),
    ("brenda", 46),
    ("amy", 45),
    ("anna", 44),
    ("rebecca", 43),
    ("virginia", 43),
    ("kathleen", 42),
    ("pamela", 42),
    ("martha", 41),
    ("debra", 41),
    ("amanda", 40),
    ("stephanie", 40),
    ("carolyn", 39),
    ("christine", 38),
    ("marie", 38),
    ("janet", 38),
    ("catherine", 37),
    ("frances", 37),
    ("ann", 36),
    ("joyce", 36),
    ("diane", 36),
    ("alice", 36),
    ("julie", 35),
    ("heather", 34),
    ("teresa", 34),
    ("doris", 34),
    ("gloria", 34),
    ("evelyn", 32),
    ("jean", 32),
    ("cheryl", 32),
    ("mildred", 31),
    ("katherine", 31),
    ("joan", 31),
    ("ashley", 30),
    ("judith", 30),
    ("rose", 30),
    ("janice", 29),
    ("kelly", 28),
    ("nicole", 28),
    ("judy", 28),
    ("christina", 28),
    ("theresa", 27),
    ("beverly", 27),
    ("denise", 26),
    ("tammy", 26),
    ("irene", 25),
    ("jane", 25),
    ("lori", 25),
    ("rachel", 24),
    ("marilyn", 24),
    ("andrea", 24),
    ("kathryn", 23),
    ("louise", 23),
    ("sara", 23),
    ("jacqueline", 23),
    ("wanda", 23),
    ("bonnie", 22),
    ("julia", 22),
    ("ruby", 22),
    ("lois", 22),
    ("tina", 22),
    ("phyllis", 22),
    ("norma", 22),
    ("paula", 21),
    ("diana", 21),
    ("lillian", 21),
    ("emily", 21),
    ("robin", 21),
    ("victoria", 20),
    ("emma", 19),
    ("olivia", 19),
    ("sophia", 18),
    ("isabella", 18),
    ("ava", 17),
    ("mia", 17),
    ("abigail", 17),
    ("madison", 16),
    ("chloe", 16),
    ("hannah", 16),
    ("grace", 15),
    ("natalie", 15),
    ("samantha", 15),
    ("lauren", 14),
    ("alyssa", 14),
    ("megan", 14),
    ("brittany", 13),
    ("danielle", 13),
    ("guadalupe", 10),
    ("mei", 8),
    ("fatima", 8),
    ("priya", 7),
    ("ngozi", 5),
];

/// Common US surnames with their frequencies (2010 census, per 100,000).
const SURNAMES: &[(&str, u32)] = &[
    ("smith", 828),
    ("johnson", 655),
    ("williams", 551),
    ("brown", 487),
    ("jones", 483),
    ("garcia", 395),
    ("miller", 394),
    ("davis", 377),
    ("rodriguez", 370),
    ("martinez", 360),
    ("hernandez", 343),
    ("lopez", 290),
    ("gonzalez", 283),
    ("wilson", 271),
    ("anderson", 267),
    ("thomas", 257),
    ("taylor", 253),
    ("moore", 239),
    ("jackson", 237),
    ("martin", 236),
    ("lee", 229),
    ("perez", 226),
    ("thompson", 225),
    ("white", 221),
    ("harris", 206),
    ("sanchez", 205),
    ("clark", 187),
    ("ramirez", 184),
    ("lewis", 178),
    ("robinson", 175),
    ("walker", 174),
    ("young", 163),
    ("allen", 161),
    ("king", 159),
    ("wright", 158),
    ("scott", 148),
    ("torres", 147),
    ("nguyen", 146),
    ("hill", 146),
    ("flores", 145),
    ("green", 142),
    ("adams", 141),
    ("nelson", 140),
    ("baker", 138),
    ("hall", 136),
    ("rivera", 133),
    ("campbell", 131),
    ("mitchell", 130),
    ("carter", 129),
    ("roberts", 129),
    ("gomez", 123),
    ("phillips", 120),
    ("evans", 119),
    ("turner", 118),
    ("diaz", 117),
    ("parker", 116),
    ("cruz", 115),
    ("edwards", 114),
    ("collins", 113),
    ("reyes", 112),
    ("stewart", 112),
    ("morris", 109),
    ("morales", 107),
    ("murphy", 106),
    ("cook", 106),
    ("rogers", 105),
    ("gutierrez", 103),
    ("ortiz", 102),
    ("morgan", 102),
    ("cooper", 101),
    ("peterson", 101),
    ("bailey", 100),
    ("reed", 99),
    ("kelly", 99),
    ("howard", 98),
    ("ramos", 98),
    ("kim", 98),
    ("cox", 97),
    ("ward", 97),
    ("richardson", 96),
    ("watson", 94),
    ("brooks", 94),
    ("chavez", 94),
    ("wood", 93),
    ("james", 93),
    ("bennett", 92),
    ("gray", 92),
    ("mendoza", 92),
    ("ruiz", 91),
    ("hughes", 91),
    ("price", 90),
    ("alvarez", 90),
    ("castillo", 90),
    ("sanders", 89),
    ("patel", 89),
    ("myers", 88),
    ("long", 88),
    ("ross", 87),
    ("foster", 87),
    ("jimenez", 86),
    ("powell", 85),
    ("jenkins", 84),
    ("perry", 83),
    ("russell", 82),
    ("sullivan", 82),
    ("bell", 81),
    ("coleman", 80),
    ("butler", 79),
    ("henderson", 79),
    ("barnes", 78),
    ("gonzales", 77),
    ("fisher", 77),
    ("vasquez", 76),
    ("simmons", 75),
    ("romero", 75),
    ("jordan", 75),
    ("patterson", 74),
    ("alexander", 74),
    ("hamilton", 73),
    ("graham", 72),
    ("reynolds", 72),
    ("griffin", 71),
    ("wallace", 71),
    ("moreno", 70),
    ("west", 70),
    ("cole", 70),
    ("hayes", 69),
    ("bryant", 69),
    ("herrera", 69),
    ("gibson", 68),
    ("ellis", 68),
    ("tran", 67),
    ("medina", 67),
    ("aguilar", 66),
    ("stevens", 66),
    ("murray", 66),
    ("ford", 65),
    ("castro", 65),
    ("marshall", 65),
    ("owens", 64),
    ("harrison", 64),
    ("fernandez", 63),
    ("mcdonald", 63),
    ("woods", 63),
    ("washington", 62),
    ("kennedy", 62),
    ("wells", 61),
    ("vargas", 61),
    ("henry", 61),
    ("chen", 60),
    ("freeman", 60),
    ("webb", 59),
    ("tucker", 59),
    ("guzman", 59),
    ("burns", 59),
    ("crawford", 58),
    ("olson", 58),
    ("simpson", 58),
    ("porter", 57),
    ("hunter", 57),
    ("gordon", 57),
    ("mendez", 56),
    ("silva", 56),
    ("shaw", 56),
    ("snyder", 55),
    ("mason", 55),
    ("dixon", 55),
    ("munoz", 55),
    ("hunt", 54),
    ("hicks", 54),
    ("holmes", 54),
    ("palmer", 53),
    ("wagner", 53),
    ("black", 53),
    ("robertson", 53),
    ("boyd", 52),
    ("rose", 52),
    ("stone", 52),
    ("salazar", 51),
    ("fox", 51),
    ("warren", 51),
    ("mills", 51),
    ("meyer", 50),
    ("rice", 50),
    ("schmidt", 50),
    ("garza", 50),
    ("daniels", 49),
    ("ferguson", 49),
    ("nichols", 49),
    ("stephens", 48),
    ("soto", 48),
    ("weaver", 48),
    ("ryan", 48),
    ("gardner", 48),
    ("payne", 47),
    ("grant", 47),
    ("dunn", 47),
    ("kelley", 46),
    ("spencer", 46),
    ("hawkins", 46),
    ("arnold", 46),
    ("pierce", 45),
    ("vazquez", 45),
    ("hansen", 45),
    ("peters", 45),
    ("santos", 45),
    ("hart", 44),
    ("bradley", 44),
    ("knight", 44),
    ("elliott", 44),
    ("cunningham", 44),
    ("duncan", 43),
    ("armstrong", 43),
    ("hudson", 43),
    ("carroll", 43),
    ("lane", 43),
    ("riley", 42),
    ("andrews", 42),
    ("alvarado", 42),
    ("ray", 42),
    ("delgado", 42),
    ("berry", 42),
    ("perkins", 41),
    ("hoffman", 41),
    ("johnston", 41),
    ("matthews", 41),
    ("pena", 41),
    ("richards", 40),
    ("contreras", 40),
    ("willis", 40),
    ("carpenter", 40),
    ("lawrence", 40),
    ("sandoval", 39),
    ("obrien", 30),
    ("wong", 30),
    ("kowalski", 20),
    ("okafor", 10),
];

const GIVEN_ONSETS: &[&str] = &[
    "ja", "ka", "la", "ma", "bra", "da", "ta", "ca", "ry", "ay", "ni", "ze", "ra", "sha", "ke",
    "jo", "le", "bri", "a", "ter", "mar", "de", "ro", "ky", "lu", "va", "e", "sa", "ty", "na",
];
const GIVEN_ENDINGS: &[&str] = &[
    "den", "ley", "lyn", "son", "ton", "ria", "na", "nah", "lee", "ro", "ren", "vin", "dy", "ira",
    "elle", "ian", "an", "ie", "o", "en", "ric", "mir", "quan", "isha", "ya",
];
const FAMILY_ONSETS: &[&str] = &[
    "bal", "bar", "ber", "bran", "brock", "cal", "car", "cor", "dal", "dar", "del", "dun", "el",
    "fal", "far", "fen", "gar", "gil", "gor", "hal", "har", "hen", "hol", "kel", "ken", "kir",
    "lan", "lar", "lin", "mal", "mar", "mel", "mor", "nor", "pen", "ral", "ren", "ros", "sal",
    "sel", "stan", "tal", "tor", "ul", "val", "ven", "wal", "wen", "win", "yar", "ash", "bel",
    "chad", "crom", "dra", "eck", "fitz", "gal", "hask", "jer", "kov", "lom", "mac", "nak", "ost",
    "pol", "quin", "rad", "sch", "tam", "vor", "wol", "zim", "ad", "bo",
];
const FAMILY_MIDDLES: &[&str] = &[
    "", "", "a", "e", "i", "o", "en", "er", "in", "on", "ing", "ow", "and", "es", "ol",
];
const FAMILY_ENDINGS: &[&str] = &[
    "son", "ton", "ford", "field", "man", "berg", "stein", "wood", "well", "worth", "ley", "by",
    "more", "ridge", "ham", "land", "dale", "brook", "hart", "ski", "sen", "ez", "ini", "der",
    "ner", "rick", "wick", "ard", "ett", "ova", "enko", "ak", "stead", "low", "croft", "mont",
    "ville", "ay", "ic", "uk",
];

const STREETS: &[&str] = &[
    "main",
    "oak",
    "pine",
    "maple",
    "cedar",
    "elm",
    "washington",
    "lake",
    "hill",
    "park",
    "walnut",
    "spring",
    "north",
    "ridge",
    "church",
    "willow",
    "mill",
    "sunset",
    "railroad",
    "jackson",
    "cherry",
    "highland",
    "franklin",
    "lincoln",
    "jefferson",
    "chestnut",
    "center",
    "adams",
    "meadow",
    "forest",
    "river",
    "madison",
    "dogwood",
    "birch",
    "lakeview",
    "hickory",
    "poplar",
    "spruce",
    "valley",
    "school",
    "broad",
    "prospect",
    "union",
    "water",
    "pleasant",
    "summit",
    "locust",
    "laurel",
    "bridge",
    "grove",
    "holly",
    "academy",
    "liberty",
    "harrison",
    "cottage",
    "magnolia",
    "aspen",
    "sycamore",
    "beech",
    "fairview",
    "orchard",
    "woodland",
    "hillcrest",
    "green",
    "brookside",
    "heritage",
    "garden",
    "wilson",
    "riverside",
    "canal",
    "front",
    "high",
    "king",
    "market",
    "mulberry",
    "bay",
    "linden",
    "evergreen",
    "colonial",
    "durham",
    "harbor",
    "kent",
    "stratford",
    "belmont",
    "clinton",
    "monroe",
    "hamilton",
    "cambridge",
    "glenwood",
    "warren",
    "rosewood",
    "arlington",
    "oxford",
    "windsor",
    "country club",
    "mountain view",
    "cherry hill",
    "old farm",
    "east",
    "west",
];

/// Street types: the full word and the usual abbreviation.
const STREET_TYPES: &[(&str, &str)] = &[
    ("street", "st"),
    ("avenue", "ave"),
    ("road", "rd"),
    ("drive", "dr"),
    ("lane", "ln"),
    ("court", "ct"),
    ("boulevard", "blvd"),
    ("way", "way"),
    ("place", "pl"),
    ("terrace", "ter"),
];

/// Cities: name, relative population, number of ZIP codes, first ZIP code (made up).
const CITIES: &[(&str, u32, u32, u32)] = &[
    ("boston", 650, 24, 2108),
    ("worcester", 185, 10, 1601),
    ("springfield", 155, 9, 1101),
    ("cambridge", 118, 5, 2138),
    ("lowell", 115, 5, 1850),
    ("brockton", 105, 4, 2301),
    ("quincy", 101, 4, 2169),
    ("lynn", 101, 4, 1901),
    ("new bedford", 101, 5, 2740),
    ("fall river", 94, 5, 2720),
    ("newton", 88, 8, 2458),
    ("lawrence", 89, 3, 1840),
    ("somerville", 81, 3, 2143),
    ("framingham", 72, 2, 1701),
    ("haverhill", 67, 3, 1830),
    ("waltham", 65, 2, 2451),
    ("malden", 66, 1, 2148),
    ("brookline", 63, 2, 2445),
    ("plymouth", 61, 3, 2360),
    ("medford", 59, 1, 2155),
    ("taunton", 59, 1, 2780),
    ("chicopee", 55, 2, 1013),
    ("weymouth", 57, 3, 2188),
    ("revere", 62, 1, 2151),
    ("peabody", 54, 1, 1960),
    ("methuen", 50, 1, 1844),
    ("barnstable", 48, 6, 2630),
    ("pittsfield", 43, 1, 1201),
    ("attleboro", 46, 2, 2703),
    ("arlington", 46, 2, 2474),
    ("everett", 49, 1, 2149),
    ("salem", 44, 1, 1970),
    ("westfield", 41, 1, 1085),
    ("leominster", 43, 1, 1453),
    ("fitchburg", 41, 1, 1420),
    ("beverly", 42, 1, 1915),
    ("holyoke", 38, 1, 1040),
    ("marlborough", 41, 1, 1752),
    ("woburn", 40, 1, 1801),
    ("chelsea", 40, 1, 2150),
];

const AREA_CODES: &[&str] = &[
    "617", "857", "781", "339", "508", "774", "978", "351", "413",
];

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;
    use crate::matching::record::PersonRecord;

    #[test]
    fn same_seed_same_records_other_seed_others() {
        let a: Vec<_> = people(PeopleConfig::new(3_000)).collect();
        let b: Vec<_> = people(PeopleConfig::new(3_000)).collect();
        assert_eq!(a, b, "deterministic");
        assert_eq!(a.len(), 3_000, "exactly the records asked for");
        let c: Vec<_> = people(PeopleConfig {
            records: 3_000,
            seed: 7,
        })
        .collect();
        assert_ne!(a, c, "another seed gives other records");
    }

    #[test]
    fn duplicates_and_every_lookalike_kind() {
        let records: Vec<_> = people(PeopleConfig::new(40_000)).collect();
        let entities: HashSet<u32> = records.iter().map(|r| r.entity).collect();
        let duplicates = records.len() - entities.len();
        let rate = duplicates as f64 / records.len() as f64;
        assert!(
            (0.15..0.30).contains(&rate),
            "about a fifth of records are duplicates, got {rate:.3}"
        );
        let mrns: HashSet<&str> = records.iter().map(|r| r.mrn.as_str()).collect();
        assert_eq!(mrns.len(), records.len(), "MRNs are unique");

        // Per group: its kind and the distinct people in it.
        let mut groups: HashMap<u32, (LookalikeKind, HashSet<u32>)> = HashMap::new();
        for r in &records {
            if let Some((g, kind)) = r.lookalike {
                groups
                    .entry(g)
                    .or_insert((kind, HashSet::new()))
                    .1
                    .insert(r.entity);
            }
        }
        for kind in LookalikeKind::ALL {
            let complete = groups
                .values()
                .filter(|(k, people)| *k == kind && people.len() == 2)
                .count();
            assert!(complete >= 50, "{}: {complete} groups", kind.name());
        }
        assert!(groups.values().all(|(_, people)| people.len() <= 2));
    }

    #[test]
    fn lookalikes_look_alike_and_records_normalise() {
        let records: Vec<_> = people(PeopleConfig::new(20_000)).collect();
        let normalised: Vec<PersonRecord> = records
            .iter()
            .map(|r| PersonRecord::from_raw(&r.raw()))
            .collect();
        // The first record of each person in each group, by group.
        let mut by_group: HashMap<u32, Vec<(LookalikeKind, &PersonRecord, u32)>> = HashMap::new();
        for (r, n) in records.iter().zip(&normalised) {
            if let Some((g, kind)) = r.lookalike {
                by_group.entry(g).or_default().push((kind, n, r.entity));
            }
        }
        let mut checked = HashMap::new();
        for members in by_group.values() {
            let (kind, a, ea) = members[0];
            let Some(&(_, b, _)) = members.iter().find(|m| m.2 != ea) else {
                continue;
            };
            let ok = match kind {
                // Corruptions touch some records, so only what no corruption changes
                // is checked for every pair: the people differ.
                LookalikeKind::Twins | LookalikeKind::Household => a.city.is_some(),
                LookalikeKind::JuniorSenior => {
                    let (ya, yb) = (a.birth_date.map(|d| d.0), b.birth_date.map(|d| d.0));
                    matches!((ya, yb), (Some(x), Some(y)) if x.abs_diff(y) >= 19)
                }
                LookalikeKind::Namesakes => a.given.is_some() && b.given.is_some(),
            };
            assert!(ok, "{}", kind.name());
            *checked.entry(kind).or_insert(0) += 1;
        }
        assert_eq!(checked.len(), 4, "all four kinds seen");
        let placeholders = records
            .iter()
            .zip(&normalised)
            .filter(|(r, n)| !r.ssn.is_empty() && n.ssn.is_none())
            .count();
        assert!(placeholders > 0, "some SSNs are placeholders");
    }

    #[test]
    fn ssns_are_unique_and_valid() {
        let mut seen = HashSet::new();
        for e in 1..200_000 {
            let s = ssn_of(e);
            assert_eq!(s.len(), 9);
            assert!(!s.starts_with("000") && !s.starts_with("666"));
            assert!(seen.insert(s), "entity {e}");
        }
    }
}
