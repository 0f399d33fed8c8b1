//! The mapping spec: a TOML file that says which legacy column, through which transform
//! chain, fills which element of a FHIR R4 resource. Format documented in
//! `docs/mapping-spec.md`; specs are stored in the project, versioned by name.

use serde::{Deserialize, Serialize};

use crate::mapping::transforms::{Transform, TransformSpec};

/// The spec format this Cutover reads.
pub const FORMAT: u32 = 1;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MappingSpec {
    pub format: u32,
    /// Names the mapping; loading a changed spec under the same name makes a new version.
    pub name: String,
    /// The source whose current snapshot is converted.
    pub source: String,
    /// The FHIR resource type produced, e.g. `Patient`.
    pub resource: String,
    pub identifier: IdentifierSpec,
    #[serde(default, rename = "element")]
    pub elements: Vec<ElementSpec>,
}

/// The business identifier: it makes each resource findable (and each push idempotent).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IdentifierSpec {
    pub system: String,
    pub column: String,
    #[serde(default)]
    pub transforms: Vec<TransformSpec>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ElementSpec {
    pub target: String,
    pub column: String,
    #[serde(default)]
    pub transforms: Vec<TransformSpec>,
}

/// The elements of `Patient` this version can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatientElement {
    Name,
    BirthDate,
    Gender,
    Phone,
    PostalCode,
}

impl PatientElement {
    pub const ALL: [(&'static str, PatientElement); 5] = [
        ("name", PatientElement::Name),
        ("birthDate", PatientElement::BirthDate),
        ("gender", PatientElement::Gender),
        ("telecom.phone", PatientElement::Phone),
        ("address.postalCode", PatientElement::PostalCode),
    ];

    pub fn parse(target: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(n, _)| *n == target)
            .map(|(_, e)| *e)
    }

    pub fn path(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, e)| *e == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }
}

/// A spec checked and compiled: transforms resolved, targets known.
#[derive(Debug, Clone)]
pub struct CompiledMapping {
    pub spec: MappingSpec,
    pub identifier_chain: Vec<Transform>,
    pub elements: Vec<CompiledElement>,
}

#[derive(Debug, Clone)]
pub struct CompiledElement {
    pub target: PatientElement,
    pub column: String,
    pub chain: Vec<Transform>,
}

/// Parse and check a spec. The error is a sentence naming what is wrong.
pub fn compile(text: &str) -> Result<CompiledMapping, String> {
    let spec: MappingSpec = toml::from_str(text).map_err(|e| e.to_string())?;
    if spec.format != FORMAT {
        return Err(format!(
            "format {} is not supported (this Cutover reads format {FORMAT})",
            spec.format
        ));
    }
    if spec.resource != "Patient" {
        return Err(format!(
            "resource '{}' is not supported yet (supported: Patient)",
            spec.resource
        ));
    }
    if spec.name.trim().is_empty() || spec.source.trim().is_empty() {
        return Err("name and source must not be empty".to_string());
    }
    let sys = &spec.identifier.system;
    if !(sys.starts_with("urn:") || sys.starts_with("http://") || sys.starts_with("https://")) {
        return Err(format!(
            "identifier.system '{sys}' must be a URI (urn:oid:…, urn:uuid:… or http(s)://…)"
        ));
    }
    let env = crate::mapping::transforms::Env::default();
    let chain = |list: &[TransformSpec], at: &str| -> Result<Vec<Transform>, String> {
        list.iter()
            .map(|t| Transform::from_spec(t, &env).map_err(|e| format!("{at}: {e}")))
            .collect()
    };
    let identifier_chain = chain(&spec.identifier.transforms, "identifier")?;
    let mut elements = Vec::new();
    for (i, el) in spec.elements.iter().enumerate() {
        let at = format!("element {} ({})", i + 1, el.target);
        let target = PatientElement::parse(&el.target).ok_or_else(|| {
            let known: Vec<&str> = PatientElement::ALL.iter().map(|(n, _)| *n).collect();
            format!("{at}: unknown Patient target (known: {})", known.join(", "))
        })?;
        if elements
            .iter()
            .any(|e: &CompiledElement| e.target == target)
        {
            return Err(format!("{at}: target mapped twice"));
        }
        elements.push(CompiledElement {
            target,
            column: el.column.clone(),
            chain: chain(&el.transforms, &at)?,
        });
    }
    Ok(CompiledMapping {
        spec,
        identifier_chain,
        elements,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
format = 1
name = "patients"
source = "patients"
resource = "Patient"

[identifier]
system = "urn:oid:2.16.840.1.113883.3.9999.1"
column = "MRN"

[[element]]
target = "name"
column = "PATIENT_NAME"
transforms = ["trim", "split_name"]

[[element]]
target = "gender"
column = "SEX"
transforms = ["trim", "upper", { map = { M = "male", F = "female" }, otherwise = "unknown" }]
"#;

    #[test]
    fn a_good_spec_compiles() {
        let m = compile(GOOD).unwrap();
        assert_eq!(m.elements.len(), 2);
        assert_eq!(m.elements[0].target, PatientElement::Name);
        assert_eq!(m.elements[1].chain.len(), 3);
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        let cases = [
            (
                GOOD.replace("format = 1", "format = 2"),
                "format 2 is not supported",
            ),
            (
                GOOD.replace("\"Patient\"", "\"Appointment\""),
                "resource 'Appointment' is not supported",
            ),
            (
                GOOD.replace("target = \"gender\"", "target = \"sex\""),
                "element 2 (sex): unknown Patient target",
            ),
            (
                GOOD.replace("\"split_name\"", "\"splitname\""),
                "element 1 (name): unknown transform 'splitname'",
            ),
            (
                GOOD.replace("urn:oid:2.16.840.1.113883.3.9999.1", "MRN"),
                "must be a URI",
            ),
            (
                GOOD.replace("target = \"gender\"", "target = \"name\""),
                "target mapped twice",
            ),
            (
                GOOD.replace("column = \"MRN\"", "colum = \"MRN\""),
                "unknown field `colum`",
            ),
        ];
        for (text, expected) in cases {
            let err = compile(&text).unwrap_err();
            assert!(err.contains(expected), "expected {expected:?} in {err:?}");
        }
    }
}
