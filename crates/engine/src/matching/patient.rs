//! Reading a converted FHIR R4 Patient into the fields matching compares. Matching works on
//! converted, normalised records, so every legacy source that maps to Patient is matched
//! alike, whatever its columns were called.

use serde_json::Value;

use super::compare::Field;
use super::record::{PersonRecord, RawPerson};

/// The system of US Social Security numbers in `Patient.identifier`.
pub const SSN_SYSTEM: &str = "http://hl7.org/fhir/sid/us-ssn";

/// A Patient's matching fields as the resource holds them (for display and for
/// normalisation). Blank when absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatientFields {
    /// Every given name of the first name, space-separated.
    pub given: String,
    pub family: String,
    pub suffix: String,
    /// `YYYY-MM-DD` as in `birthDate`.
    pub birth_date: String,
    pub gender: String,
    pub ssn: String,
    pub phone: String,
    /// The first address's lines, joined with a space.
    pub address: String,
    pub city: String,
    pub postcode: String,
}

impl PatientFields {
    /// Reads the fields from a Patient resource; anything missing stays blank.
    pub fn from_resource(patient: &Value) -> PatientFields {
        let name = official_name(patient);
        let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_owned();
        let joined = |v: Option<&Value>| {
            v.and_then(Value::as_array)
                .map(|parts| {
                    parts
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default()
        };
        let address = patient.get("address").and_then(|a| a.get(0));
        let ssn = patient
            .get("identifier")
            .and_then(Value::as_array)
            .and_then(|ids| {
                ids.iter()
                    .find(|i| i.get("system").and_then(Value::as_str) == Some(SSN_SYSTEM))
            })
            .and_then(|i| i.get("value"));
        let phone = patient
            .get("telecom")
            .and_then(Value::as_array)
            .and_then(|t| {
                t.iter().find(|c| {
                    matches!(
                        c.get("system").and_then(Value::as_str),
                        Some("phone") | None
                    )
                })
            })
            .and_then(|c| c.get("value"));
        PatientFields {
            given: joined(name.and_then(|n| n.get("given"))),
            family: text(name.and_then(|n| n.get("family"))),
            suffix: joined(name.and_then(|n| n.get("suffix"))),
            birth_date: text(patient.get("birthDate")),
            gender: text(patient.get("gender")),
            ssn: text(ssn),
            phone: text(phone),
            address: joined(address.and_then(|a| a.get("line"))),
            city: text(address.and_then(|a| a.get("city"))),
            postcode: text(address.and_then(|a| a.get("postalCode"))),
        }
    }

    /// The normalised record matching compares.
    pub fn record(&self, id: &str) -> PersonRecord {
        PersonRecord::from_raw(&RawPerson {
            id,
            given: &self.given,
            family: &self.family,
            birth_date: &self.birth_date,
            sex: &self.gender,
            ssn: &self.ssn,
            phone: &self.phone,
            postcode: &self.postcode,
            address: &self.address,
            city: &self.city,
            suffix: &self.suffix,
        })
    }

    /// The value shown for a compared field; `None` when blank.
    pub fn display(&self, field: Field) -> Option<String> {
        let value = match field {
            Field::Given => &self.given,
            Field::Family => {
                return match (self.family.is_empty(), self.suffix.is_empty()) {
                    (true, _) => None,
                    (false, true) => Some(self.family.clone()),
                    (false, false) => Some(format!("{} {}", self.family, self.suffix)),
                };
            }
            Field::BirthDate => &self.birth_date,
            Field::Sex => &self.gender,
            Field::Ssn => &self.ssn,
            Field::Phone => &self.phone,
            Field::Postcode => &self.postcode,
            Field::Address => &self.address,
            Field::City => &self.city,
        };
        (!value.trim().is_empty()).then(|| value.clone())
    }
}

/// The name to match on: the first `official` or `usual` name, else the first name.
fn official_name(patient: &Value) -> Option<&Value> {
    let names = patient.get("name")?.as_array()?;
    names
        .iter()
        .find(|n| {
            matches!(
                n.get("use").and_then(Value::as_str),
                Some("official") | Some("usual")
            )
        })
        .or_else(|| names.first())
}

/// A field's label for people.
pub fn field_label(field: Field) -> &'static str {
    match field {
        Field::Given => "Given name",
        Field::Family => "Family name",
        Field::BirthDate => "Birth date",
        Field::Sex => "Sex",
        Field::Ssn => "SSN",
        Field::Phone => "Phone",
        Field::Postcode => "ZIP / postcode",
        Field::Address => "Street address",
        Field::City => "City",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::record::{Sex, Suffix};
    use serde_json::json;

    #[test]
    fn reads_the_matching_fields_of_a_patient() {
        let patient = json!({
            "resourceType": "Patient",
            "identifier": [
                {"system": "urn:oid:1.2.3", "value": "M1"},
                {"system": SSN_SYSTEM, "value": "078-05-1120"}
            ],
            "name": [
                {"use": "nickname", "given": ["Bobby"]},
                {"use": "official", "family": "Green", "given": ["Robert", "James"], "suffix": ["Jr"]}
            ],
            "gender": "male",
            "birthDate": "1956-04-09",
            "telecom": [{"system": "email", "value": "x@example.org"}, {"system": "phone", "value": "+16175550123"}],
            "address": [{"line": ["7 Wallaby Way", "Apt 2"], "city": "Boston", "postalCode": "02139"}]
        });
        let f = PatientFields::from_resource(&patient);
        assert_eq!(f.given, "Robert James");
        assert_eq!(f.family, "Green");
        assert_eq!(f.display(Field::Family).as_deref(), Some("Green Jr"));
        assert_eq!(f.ssn, "078-05-1120");
        assert_eq!(f.phone, "+16175550123", "the phone, not the email");
        assert_eq!(f.address, "7 Wallaby Way Apt 2");
        let r = f.record("p1");
        assert_eq!(r.given.as_deref(), Some("robert"));
        assert_eq!(r.suffix, Some(Suffix::Jr));
        assert_eq!(r.sex, Some(Sex::Male));
        assert_eq!(r.birth_date, Some((1956, 4, 9)));
        assert_eq!(r.ssn.as_deref(), Some("078051120"));
        assert_eq!(r.phone.as_deref(), Some("6175550123"));
        assert_eq!(r.postcode.as_deref(), Some("02139"));
    }

    #[test]
    fn an_empty_patient_has_no_fields() {
        let f = PatientFields::from_resource(&json!({"resourceType": "Patient"}));
        assert_eq!(f, PatientFields::default());
        assert_eq!(f.display(Field::Given), None);
        let r = f.record("p");
        assert_eq!(r.given, None);
        assert_eq!(r.birth_date, None);
    }
}
