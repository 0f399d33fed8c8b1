//! Survivorship: which value of each Patient element survives when records of one person
//! are merged, and the surviving Patient itself. Pure: records come in as JSON with their
//! recency and source; nothing here reads the store or logs.
//!
//! Every top-level element (`name`, `birthDate`, `telecom`, …) is one field and survives
//! whole from one record, so a name's parts or an address's lines never mix two people's
//! spellings. A choice type (`deceasedBoolean` / `deceasedDateTime`, `multipleBirth[x]`) is
//! one field, so the survivor never carries both forms. `resourceType`, `id` and `meta` are
//! the survivor's own; `identifier` is not chosen but combined: the survivor keeps its own
//! and gains every other identifier of the merged records with `use: old` (see
//! [`OLD_USE`]).

use std::collections::{BTreeSet, HashSet};

use serde_json::{Map, Value};

/// The `Identifier.use` given to the merged-away records' identifiers on the survivor. R4
/// defines `old` as "the identifier id no longer considered valid, but may be relevant for
/// search purposes. E.g. changes to identifier schemes, account merges, etc." — exactly a
/// merged chart's MRN: the new EHR finds the patient by it, and nobody mistakes it for the
/// current one.
pub const OLD_USE: &str = "old";

/// Elements that are never chosen among the records: the survivor keeps its own (and
/// `identifier` is combined).
const FIXED: [&str; 4] = ["resourceType", "id", "meta", "identifier"];

/// The record-level and default field-level rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// The value of the most recent record: later snapshot, then later row.
    MostRecent,
    /// The value with the most filled parts (non-blank leaves); ties go to the most recent.
    MostComplete,
    /// The value of the record whose source comes first in the list (sources not listed
    /// come after every listed one); ties go to the most recent.
    SourcePriority(Vec<String>),
}

/// One record to merge.
#[derive(Debug, Clone)]
pub struct MergeRecord<'a> {
    pub id: &'a str,
    /// The Patient resource.
    pub body: &'a Value,
    /// `(snapshot, row)`: a larger pair was imported later.
    pub recency: (i64, i64),
    /// The source (legacy system) the record came from.
    pub source: &'a str,
}

/// What survives of one field.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChoice {
    /// The field: an element name, or a choice type's name without its type (`deceased`).
    pub field: String,
    /// The record whose value survives; for a manual pick, perhaps one without the field
    /// (the survivor then has none).
    pub chosen: usize,
    /// Picked by hand rather than by the rule.
    pub manual: bool,
    /// The element as the survivor carries it (`deceasedDateTime`) and its value; `None`
    /// when the chosen record has no value.
    pub value: Option<(String, Value)>,
}

/// The outcome of survivorship over a set of records.
#[derive(Debug, Clone, PartialEq)]
pub struct Survivorship {
    pub survivor: usize,
    /// Every field some record has, by name.
    pub fields: Vec<FieldChoice>,
    /// The surviving Patient.
    pub body: Value,
    /// Identifiers of the other records added to the survivor.
    pub identifiers_added: usize,
}

/// Why manual picks cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PickError {
    /// The survivor's own (`id`, `identifier`, …): not chosen per field.
    Fixed(String),
    /// No record has this field.
    Unknown { field: String, known: Vec<String> },
}

impl std::fmt::Display for PickError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PickError::Fixed(field) => write!(
                f,
                "'{field}' is not picked: the survivor keeps its own (and gains the others' identifiers as old ones)"
            ),
            PickError::Unknown { field, known } => write!(
                f,
                "no record has a field '{field}' (fields: {})",
                known.join(", ")
            ),
        }
    }
}

/// The field an element belongs to: choice types fold into one; `None` for fixed elements.
pub fn field_of(element: &str) -> Option<&str> {
    if FIXED.contains(&element) {
        return None;
    }
    for choice in ["deceased", "multipleBirth"] {
        if element.starts_with(choice) {
            return Some(choice);
        }
    }
    Some(element)
}

/// Non-blank leaves of a value: strings with something other than spaces, numbers, booleans.
pub fn filled(v: &Value) -> usize {
    match v {
        Value::Null => 0,
        Value::String(s) => usize::from(!s.trim().is_empty()),
        Value::Bool(_) | Value::Number(_) => 1,
        Value::Array(items) => items.iter().map(filled).sum(),
        Value::Object(m) => m.values().map(filled).sum(),
    }
}

/// A record's value of a field, if it has a filled one.
pub fn value_of<'v>(body: &'v Value, field: &str) -> Option<(&'v str, &'v Value)> {
    body.as_object()?
        .iter()
        .find(|(k, v)| field_of(k) == Some(field) && filled(v) > 0)
        .map(|(k, v)| (k.as_str(), v))
}

/// A record's standing under a rule: (source priority, size, recency); greater is better.
type Rank = (i64, usize, (i64, i64));

/// How a record ranks under a rule for a value of `size` filled parts.
fn rank(rule: &Rule, record: &MergeRecord<'_>, size: usize) -> Rank {
    match rule {
        Rule::MostRecent => (0, 0, record.recency),
        Rule::MostComplete => (0, size, record.recency),
        Rule::SourcePriority(order) => {
            let position = order
                .iter()
                .position(|s| s == record.source)
                .unwrap_or(order.len());
            (-(position as i64), 0, record.recency)
        }
    }
}

/// The best of `candidates` (record index, filled size) under the rule; the first on ties.
fn best(rule: &Rule, records: &[MergeRecord<'_>], candidates: &[(usize, usize)]) -> Option<usize> {
    let mut out: Option<(usize, Rank)> = None;
    for &(i, size) in candidates {
        let r = rank(rule, &records[i], size);
        if out.as_ref().is_none_or(|(_, best)| r > *best) {
            out = Some((i, r));
        }
    }
    out.map(|(i, _)| i)
}

/// The record that survives when none is named: the rule applied to whole records (most
/// complete counts every filled part outside the fixed elements).
pub fn choose_survivor(records: &[MergeRecord<'_>], rule: &Rule) -> usize {
    let sizes: Vec<(usize, usize)> = records
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let size = r.body.as_object().map_or(0, |m| {
                m.iter()
                    .filter(|(k, _)| field_of(k).is_some())
                    .map(|(_, v)| filled(v))
                    .sum()
            });
            (i, size)
        })
        .collect();
    best(rule, records, &sizes).unwrap_or(0)
}

/// Every field some record has, by name.
pub fn fields(records: &[MergeRecord<'_>]) -> Vec<String> {
    let mut out = BTreeSet::new();
    for r in records {
        if let Some(m) = r.body.as_object() {
            for (k, v) in m {
                if let Some(f) = field_of(k)
                    && filled(v) > 0
                {
                    out.insert(f.to_owned());
                }
            }
        }
    }
    out.into_iter().collect()
}

/// Survivorship over `records` with `survivor` surviving: each field by `picks` (field,
/// record index) where given, else by the rule among the records that have it; identifiers
/// combined. Records other than the survivor add their identifiers in the order given.
pub fn survive(
    records: &[MergeRecord<'_>],
    survivor: usize,
    rule: &Rule,
    picks: &[(String, usize)],
) -> Result<Survivorship, PickError> {
    let names = fields(records);
    for (field, _) in picks {
        if FIXED.contains(&field.as_str()) {
            return Err(PickError::Fixed(field.clone()));
        }
        if !names.contains(field) {
            return Err(PickError::Unknown {
                field: field.clone(),
                known: names.clone(),
            });
        }
    }
    let mut choices = Vec::with_capacity(names.len());
    for field in names {
        let picked = picks.iter().rev().find(|(f, _)| *f == field).map(|p| p.1);
        let (chosen, manual) = match picked {
            Some(i) => (i, true),
            None => {
                let candidates: Vec<(usize, usize)> = records
                    .iter()
                    .enumerate()
                    .filter_map(|(i, r)| value_of(r.body, &field).map(|(_, v)| (i, filled(v))))
                    .collect();
                (best(rule, records, &candidates).unwrap_or(survivor), false)
            }
        };
        let value = records
            .get(chosen)
            .and_then(|r| value_of(r.body, &field))
            .map(|(k, v)| (k.to_owned(), v.clone()));
        choices.push(FieldChoice {
            field,
            chosen,
            manual,
            value,
        });
    }

    let own = records[survivor].body.as_object();
    let mut body = Map::new();
    for key in ["resourceType", "id", "meta"] {
        if let Some(v) = own.and_then(|m| m.get(key)) {
            body.insert(key.to_owned(), v.clone());
        }
    }
    let mut identifiers: Vec<Value> = own
        .and_then(|m| m.get("identifier"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let key = |i: &Value| {
        (
            i.get("system").and_then(Value::as_str).map(str::to_owned),
            i.get("value").and_then(Value::as_str).map(str::to_owned),
        )
    };
    let mut seen: HashSet<_> = identifiers.iter().map(key).collect();
    let mut added = 0;
    for (i, r) in records.iter().enumerate() {
        if i == survivor {
            continue;
        }
        let theirs = r.body.get("identifier").and_then(Value::as_array);
        for identifier in theirs.into_iter().flatten() {
            if filled(identifier) == 0 || !seen.insert(key(identifier)) {
                continue;
            }
            let mut old = identifier.clone();
            if let Some(m) = old.as_object_mut() {
                m.insert("use".into(), Value::String(OLD_USE.into()));
            }
            identifiers.push(old);
            added += 1;
        }
    }
    if !identifiers.is_empty() {
        body.insert("identifier".into(), Value::Array(identifiers));
    }
    for c in &choices {
        if let Some((element, value)) = &c.value {
            body.insert(element.clone(), value.clone());
        }
    }
    Ok(Survivorship {
        survivor,
        fields: choices,
        body: Value::Object(body),
        identifiers_added: added,
    })
}

/// A field's label for people.
pub fn field_label(field: &str) -> String {
    let known = match field {
        "name" => "Name",
        "birthDate" => "Birth date",
        "gender" => "Sex (administrative gender)",
        "telecom" => "Phone / email",
        "address" => "Address",
        "maritalStatus" => "Marital status",
        "communication" => "Language",
        "deceased" => "Deceased",
        "multipleBirth" => "Multiple birth",
        "generalPractitioner" => "Primary care provider",
        "managingOrganization" => "Managing organization",
        "contact" => "Contacts",
        "active" => "Active",
        "photo" => "Photo",
        "link" => "Links",
        "extension" => "Extensions",
        "text" => "Narrative",
        other => return other.to_owned(),
    };
    known.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Three charts of one person: an old full one from the main system, a newer sparse one
    /// from the main system, and one from a satellite clinic imported in between.
    fn charts() -> Vec<Value> {
        vec![
            json!({
                "resourceType": "Patient", "id": "a",
                "identifier": [{"system": "urn:mrn", "value": "A1"}, {"system": "urn:ssn", "value": "111"}],
                "name": [{"family": "Garcia", "given": ["Maria", "L"], "use": "official"}],
                "birthDate": "1980-04-12",
                "telecom": [{"system": "phone", "value": "+16175550101"}, {"system": "email", "value": "m@example.org"}],
                "maritalStatus": {"coding": [{"code": "M"}]},
                "deceasedBoolean": false
            }),
            json!({
                "resourceType": "Patient", "id": "b",
                "identifier": [{"system": "urn:mrn", "value": "B2"}, {"system": "urn:ssn", "value": "111"}],
                "name": [{"family": "Garcia", "given": ["Maria"]}],
                "birthDate": "1980-04-12",
                "telecom": [{"system": "phone", "value": "+16175550199"}],
                "deceasedDateTime": "2024-01-01"
            }),
            json!({
                "resourceType": "Patient", "id": "c",
                "identifier": [{"system": "urn:east", "value": "C3", "use": "usual"}],
                "name": [{"family": "Garcia", "given": ["Maria", "Luisa"], "prefix": ["Ms"], "use": "official"}],
                "gender": "female",
                "communication": [{"language": {"coding": [{"code": "es"}]}}]
            }),
        ]
    }

    fn records(bodies: &[Value]) -> Vec<MergeRecord<'_>> {
        let meta = [
            ("a", (1, 1), "main"),
            ("b", (1, 9), "main"),
            ("c", (2, 1), "east"),
        ];
        bodies
            .iter()
            .zip(meta)
            .map(|(body, (id, recency, source))| MergeRecord {
                id,
                body,
                recency,
                source,
            })
            .collect()
    }

    /// The record each field comes from, as ids.
    fn sources_of(s: &Survivorship) -> Vec<(String, &'static str)> {
        s.fields
            .iter()
            .map(|c| (c.field.clone(), ["a", "b", "c"][c.chosen]))
            .collect()
    }

    #[test]
    fn each_rule_picks_each_field_from_the_expected_record() {
        let bodies = charts();
        let recs = records(&bodies);
        let east_first = Rule::SourcePriority(vec!["east".into(), "main".into()]);
        let main_first = Rule::SourcePriority(vec!["main".into()]);
        // (rule, the field-by-field outcome)
        let table: Vec<(Rule, [(&str, &str); 7])> = vec![
            (
                // c is the latest import; b the latest main row.
                Rule::MostRecent,
                [
                    ("birthDate", "b"),
                    ("communication", "c"),
                    ("deceased", "b"),
                    ("gender", "c"),
                    ("maritalStatus", "a"),
                    ("name", "c"),
                    ("telecom", "b"),
                ],
            ),
            (
                // Most filled parts (a's phone and email); equal sizes go to the most recent.
                Rule::MostComplete,
                [
                    ("birthDate", "b"),
                    ("communication", "c"),
                    ("deceased", "b"),
                    ("gender", "c"),
                    ("maritalStatus", "a"),
                    ("name", "c"),
                    ("telecom", "a"),
                ],
            ),
            (
                east_first,
                [
                    ("birthDate", "b"),
                    ("communication", "c"),
                    ("deceased", "b"),
                    ("gender", "c"),
                    ("maritalStatus", "a"),
                    ("name", "c"),
                    ("telecom", "b"),
                ],
            ),
            (
                // Unlisted sources come last; within main, the later row.
                main_first,
                [
                    ("birthDate", "b"),
                    ("communication", "c"),
                    ("deceased", "b"),
                    ("gender", "c"),
                    ("maritalStatus", "a"),
                    ("name", "b"),
                    ("telecom", "b"),
                ],
            ),
        ];
        for (rule, expected) in table {
            let s = survive(&recs, 0, &rule, &[]).unwrap();
            let expected: Vec<(String, &str)> = expected
                .iter()
                .map(|(f, id)| (f.to_string(), *id))
                .collect();
            assert_eq!(sources_of(&s), expected, "rule {rule:?}");
        }
    }

    #[test]
    fn most_complete_prefers_the_fuller_value_over_the_newer_one() {
        let bodies = [
            json!({"resourceType": "Patient", "address": [{"line": ["7 Elm St", "Apt 2"], "city": "Boston", "postalCode": "02139"}]}),
            json!({"resourceType": "Patient", "address": [{"postalCode": "02139"}]}),
        ];
        let recs: Vec<MergeRecord<'_>> = bodies
            .iter()
            .enumerate()
            .map(|(i, body)| MergeRecord {
                id: ["old", "new"][i],
                body,
                recency: (1, i as i64),
                source: "s",
            })
            .collect();
        let complete = survive(&recs, 1, &Rule::MostComplete, &[]).unwrap();
        assert_eq!(complete.fields[0].chosen, 0, "four parts beat one");
        let recent = survive(&recs, 1, &Rule::MostRecent, &[]).unwrap();
        assert_eq!(recent.fields[0].chosen, 1, "the newer row, however sparse");
    }

    #[test]
    fn the_survivor_is_chosen_by_the_rule_at_record_level() {
        let bodies = charts();
        let recs = records(&bodies);
        // (rule, survivor)
        let table = [
            (Rule::MostRecent, "c"),
            (Rule::MostComplete, "a"),
            (Rule::SourcePriority(vec!["main".into()]), "b"),
            (Rule::SourcePriority(vec!["east".into()]), "c"),
            (Rule::SourcePriority(vec![]), "c"),
        ];
        for (rule, expected) in table {
            let got = recs[choose_survivor(&recs, &rule)].id;
            assert_eq!(got, expected, "rule {rule:?}");
        }
    }

    #[test]
    fn a_manual_pick_overrides_the_rule_even_to_leave_a_field_out() {
        let bodies = charts();
        let recs = records(&bodies);
        let picks = [("name".to_string(), 0), ("gender".to_string(), 1)];
        let s = survive(&recs, 0, &Rule::MostRecent, &picks).unwrap();
        let name = s.fields.iter().find(|c| c.field == "name").unwrap();
        assert!(name.manual && name.chosen == 0);
        assert_eq!(s.body["name"], bodies[0]["name"]);
        let gender = s.fields.iter().find(|c| c.field == "gender").unwrap();
        assert!(gender.manual && gender.value.is_none());
        assert!(
            s.body.get("gender").is_none(),
            "b has no gender, and b was picked: the survivor has none"
        );
        let telecom = s.fields.iter().find(|c| c.field == "telecom").unwrap();
        assert!(!telecom.manual, "fields not picked follow the rule");
    }

    #[test]
    fn picks_of_fixed_or_absent_fields_are_refused() {
        let bodies = charts();
        let recs = records(&bodies);
        let err = survive(&recs, 0, &Rule::MostRecent, &[("identifier".into(), 1)]).unwrap_err();
        assert_eq!(err, PickError::Fixed("identifier".into()));
        let err = survive(&recs, 0, &Rule::MostRecent, &[("photo".into(), 1)]).unwrap_err();
        assert!(
            matches!(&err, PickError::Unknown { field, known } if field == "photo" && known.contains(&"name".to_string())),
            "{err:?}"
        );
        assert!(err.to_string().contains("photo"));
    }

    #[test]
    fn the_survivor_keeps_its_identifiers_and_gains_the_others_as_old() {
        let bodies = charts();
        let recs = records(&bodies);
        let s = survive(&recs, 0, &Rule::MostRecent, &[]).unwrap();
        assert_eq!(
            s.body["identifier"],
            json!([
                {"system": "urn:mrn", "value": "A1"},
                {"system": "urn:ssn", "value": "111"},
                {"system": "urn:mrn", "value": "B2", "use": "old"},
                {"system": "urn:east", "value": "C3", "use": "old"}
            ]),
            "the shared SSN is not repeated; a usual identifier of a merged chart becomes old"
        );
        assert_eq!(s.identifiers_added, 2);
        assert_eq!(s.body["id"], "a", "the survivor keeps its id");
    }

    #[test]
    fn a_choice_type_survives_in_one_form_only() {
        let bodies = charts();
        let recs = records(&bodies);
        for (pick, present, absent) in [
            (0, "deceasedBoolean", "deceasedDateTime"),
            (1, "deceasedDateTime", "deceasedBoolean"),
        ] {
            let s = survive(&recs, 0, &Rule::MostRecent, &[("deceased".into(), pick)]).unwrap();
            assert!(s.body.get(present).is_some(), "{present} kept");
            assert!(s.body.get(absent).is_none(), "{absent} left out");
        }
    }

    #[test]
    fn blank_values_are_not_candidates() {
        let bodies = [
            json!({"resourceType": "Patient", "birthDate": "1980-04-12"}),
            json!({"resourceType": "Patient", "birthDate": " ", "telecom": [{"system": "phone"}]}),
        ];
        let recs: Vec<MergeRecord<'_>> = bodies
            .iter()
            .enumerate()
            .map(|(i, body)| MergeRecord {
                id: ["x", "y"][i],
                body,
                recency: (1, i as i64),
                source: "s",
            })
            .collect();
        let s = survive(&recs, 1, &Rule::MostRecent, &[]).unwrap();
        assert_eq!(
            s.body["birthDate"], "1980-04-12",
            "a blank is not a newer value"
        );
        assert_eq!(
            s.fields
                .iter()
                .map(|c| c.field.as_str())
                .collect::<Vec<_>>(),
            ["birthDate", "telecom"]
        );
        assert!(
            s.body.get("telecom").is_some(),
            "phone system counts as a filled part"
        );
    }
}
