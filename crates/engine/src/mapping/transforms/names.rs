//! Person names: splitting a legacy name into FHIR `HumanName` parts, and Title Case.

use serde::Serialize;

/// A person's name split into FHIR `HumanName` parts.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct PersonName {
    pub family: String,
    pub given: Vec<String>,
    pub suffix: Option<String>,
}

impl PersonName {
    /// As a FHIR `HumanName` (use `official`).
    pub fn to_human_name(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        m.insert("use".into(), "official".into());
        m.insert("family".into(), self.family.clone().into());
        if !self.given.is_empty() {
            m.insert("given".into(), self.given.clone().into());
        }
        if let Some(s) = &self.suffix {
            m.insert("suffix".into(), vec![s.clone()].into());
        }
        serde_json::Value::Object(m)
    }
}

/// Generational and degree suffixes recognised at the end of a name part. `V` is left
/// out on purpose: it is far more often a middle initial.
const SUFFIXES: &[&str] = &["JR", "SR", "II", "III", "IV", "MD"];

fn is_suffix(word: &str) -> bool {
    SUFFIXES.contains(&word.trim_end_matches('.').to_uppercase().as_str())
}

/// Take a trailing suffix off `words` (only when a word would remain).
fn pop_suffix(words: &mut Vec<&str>) -> Option<String> {
    if words.len() > 1 && words.last().is_some_and(|w| is_suffix(w)) {
        words.pop().map(str::to_string)
    } else {
        None
    }
}

/// Split a legacy name. "DOE, JOHN Q" → family DOE, given [JOHN, Q]; the suffix may sit
/// after the family name ("DOE JR, JOHN") or after the given names ("DOE, JOHN Q JR");
/// without a comma the last word is the family name ("John Q Doe Jr.").
pub fn split_name(text: &str) -> Result<PersonName, String> {
    let text = text.trim();
    let (mut family_words, mut given_words, mut suffix): (Vec<&str>, Vec<&str>, _);
    match text.split_once(',') {
        Some((f, g)) => {
            family_words = f.split_whitespace().collect();
            // A second comma ("DOE, JOHN, JR") separates a suffix too.
            given_words = g
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|w| !w.is_empty())
                .collect();
            suffix = pop_suffix(&mut family_words);
            if suffix.is_none() {
                suffix = pop_suffix(&mut given_words);
            }
        }
        None => {
            let mut words: Vec<&str> = text.split_whitespace().collect();
            suffix = pop_suffix(&mut words);
            family_words = words.pop().into_iter().collect();
            given_words = words;
        }
    }
    let family = family_words.join(" ");
    if family.is_empty() {
        return Err("no family name found".to_string());
    }
    let given: Vec<String> = given_words
        .iter()
        .map(|g| g.trim_end_matches('.').to_string())
        .filter(|g| !g.is_empty())
        .collect();
    Ok(PersonName {
        family,
        given,
        suffix,
    })
}

/// Title Case for names: each word, and each part after `-`, `'` or `.`, starts with a
/// capital; "Mc" names capitalise the letter after it; roman numerals stay upper case.
pub fn title_case(text: &str) -> String {
    text.split(' ')
        .map(title_word)
        .collect::<Vec<_>>()
        .join(" ")
}

fn title_word(word: &str) -> String {
    if matches!(word.to_uppercase().as_str(), "II" | "III" | "IV") {
        return word.to_uppercase();
    }
    let mut out = String::with_capacity(word.len());
    let mut start = true;
    for c in word.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        start = matches!(c, '-' | '\'' | '.' | '(' | '/');
    }
    capitalise_after_mc(out)
}

/// "Mcdonald" → "McDonald" (only when at least two letters follow "Mc").
fn capitalise_after_mc(word: String) -> String {
    let chars: Vec<char> = word.chars().collect();
    if chars.len() > 3 && chars[0] == 'M' && chars[1] == 'c' && chars[2].is_alphabetic() {
        let mut out: String = chars[..2].iter().collect();
        out.extend(chars[2].to_uppercase());
        out.extend(&chars[3..]);
        out
    } else {
        word
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(family: &str, given: &[&str], suffix: Option<&str>) -> PersonName {
        PersonName {
            family: family.into(),
            given: given.iter().map(|s| s.to_string()).collect(),
            suffix: suffix.map(str::to_string),
        }
    }

    #[test]
    fn split_name_table() {
        let cases = [
            ("DOE, JOHN Q", name("DOE", &["JOHN", "Q"], None)),
            ("Doe,Jane", name("Doe", &["Jane"], None)),
            ("LAST,FIRST", name("LAST", &["FIRST"], None)),
            (
                "  O'Neil ,  Mary  Ann ",
                name("O'Neil", &["Mary", "Ann"], None),
            ),
            ("SMITH JR, ROBERT", name("SMITH", &["ROBERT"], Some("JR"))),
            (
                "SMITH, ROBERT A JR",
                name("SMITH", &["ROBERT", "A"], Some("JR")),
            ),
            (
                "SMITH, ROBERT, III",
                name("SMITH", &["ROBERT"], Some("III")),
            ),
            (
                "Van Der Berg, Anna M.",
                name("Van Der Berg", &["Anna", "M"], None),
            ),
            ("John Q Public", name("Public", &["John", "Q"], None)),
            ("John Public Jr.", name("Public", &["John"], Some("Jr."))),
            ("Jane Roe MD", name("Roe", &["Jane"], Some("MD"))),
            ("CHER", name("CHER", &[], None)),
            // A suffix alone is a family name, not a suffix of nothing.
            ("JR, JOHN", name("JR", &["JOHN"], None)),
            // "V" stays a middle initial.
            ("DOE, JOHN V", name("DOE", &["JOHN", "V"], None)),
        ];
        for (input, expected) in cases {
            assert_eq!(split_name(input).as_ref(), Ok(&expected), "input {input:?}");
        }
        for bad in [", JOHN", "", "   "] {
            assert!(
                split_name(bad).is_err(),
                "{bad:?} has no family part and is refused"
            );
        }
    }

    #[test]
    fn human_name_shape() {
        let json = name("SMITH", &["ROBERT"], Some("JR")).to_human_name();
        assert_eq!(
            json,
            serde_json::json!({"use":"official","family":"SMITH","given":["ROBERT"],"suffix":["JR"]})
        );
    }

    #[test]
    fn title_case_table() {
        let cases = [
            ("O'NEIL-SMITH", "O'Neil-Smith"),
            ("MCDONALD", "McDonald"),
            ("mary ann", "Mary Ann"),
            ("JOHN SMITH III", "John Smith III"),
            ("ST. JOHN", "St. John"),
            ("MC", "Mc"),
            ("", ""),
            ("ÉLODIE", "Élodie"),
        ];
        for (input, expected) in cases {
            assert_eq!(title_case(input), expected, "input {input:?}");
        }
    }
}
