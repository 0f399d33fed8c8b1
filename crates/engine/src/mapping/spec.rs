//! The mapping spec: a TOML file that says, for one legacy source and one FHIR R4 resource
//! type, which element gets which source expression through which transform chain, and
//! what the resource's business identifier is. Format documented in
//! `docs/mapping-spec.md` (JSON Schema: `docs/mapping-spec.schema.json`); specs are
//! stored in the project, versioned by name.
//!
//! Targets are element paths checked against the R4 structure ([`crate::fhir::resolve`]),
//! so any resource type is a matter of a spec: `name`, `telecom[1].value`,
//! `participant[0].actor`, `value[x]`.

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use ts_rs::TS;

use crate::fhir::{self, Step};
use crate::mapping::duplicates::CompiledDuplicates;
use crate::mapping::transforms::{Env, Transform, TransformSpec};

/// The spec format this Cutover writes; format 1 (Patient only) is still read.
pub const FORMAT: u32 = 2;

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields)]
pub struct MappingSpec {
    pub format: u32,
    /// Names the mapping; loading a changed spec under the same name makes a new version.
    pub name: String,
    /// The source whose current snapshot is converted.
    pub source: String,
    /// The FHIR R4 resource type produced, e.g. `Patient`, `Appointment`.
    pub resource: String,
    pub identifier: IdentifierSpec,
    /// Rows that are one record (a corrected result and its original, a booking entered
    /// twice): which rows, and which of them is kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub duplicates: Option<DuplicatesSpec>,
    #[serde(default, rename = "element", skip_serializing_if = "Vec::is_empty")]
    pub elements: Vec<ElementSpec>,
}

/// The business identifier: it makes each resource findable (and each push idempotent).
/// One column, or several combined by the transforms (an accession and a test code).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields)]
pub struct IdentifierSpec {
    pub system: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub column: Option<String>,
    /// Several columns, every one required; the transforms combine them into one text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(type = "Array<TransformSpec>")]
    pub transforms: Vec<TransformSpec>,
}

/// Which rows of a source are one record, and which of them is kept (see
/// `crate::mapping::duplicates`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields)]
pub struct DuplicatesSpec {
    /// Rows whose values are equal on every part of the key are one record. A part is
    /// `identifier` or the `target` of one of the spec's elements.
    pub key: Vec<String>,
    /// How the kept row is chosen, first criterion first; when every criterion ties, the
    /// later row of the file is kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prefer: Vec<PreferSpec>,
    /// The finding rule of each row merged into another (`duplicate.…`; default
    /// `duplicate.superseded`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub rule: Option<String>,
}

/// One criterion for the kept row: an element's value by a listed order (best first), or
/// the latest value.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields)]
pub struct PreferSpec {
    /// The `target` of one of the spec's elements.
    pub element: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub order: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub latest: bool,
}

/// One target element and where its value comes from: one column, several columns
/// (combined by a transform), or a constant `value`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ElementSpec {
    pub target: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub column: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
    /// A constant (text, number or boolean). Placed only where the element's parent
    /// exists: `telecom[0].system = "phone"` appears only beside a phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(type = "string | number | boolean", optional)]
    pub value: Option<Json>,
    /// The value is another converted resource's business identifier: the element
    /// becomes a reference to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub reference: Option<ReferenceSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(type = "Array<TransformSpec>")]
    pub transforms: Vec<TransformSpec>,
}

/// Which resource a reference points to, by that resource's business identifier.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ReferenceSpec {
    pub resource: String,
    /// The identifier system of the referenced resource's mapping.
    pub system: String,
}

/// Where an element's value comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    Column(String),
    Columns(Vec<String>),
    Constant(Json),
}

/// A spec checked and compiled: transforms resolved, targets checked against R4.
#[derive(Debug, Clone)]
pub struct CompiledMapping {
    pub spec: MappingSpec,
    /// The identifier's column, or its columns (never a constant).
    pub identifier_input: Input,
    pub identifier_chain: Vec<Transform>,
    pub elements: Vec<CompiledElement>,
    pub duplicates: Option<CompiledDuplicates>,
}

impl CompiledMapping {
    /// The legacy columns the identifier reads.
    pub fn identifier_columns(&self) -> Vec<&str> {
        input_columns(&self.identifier_input)
    }

    /// The column a problem with the identifier is filed under (`A+B` for several).
    pub fn identifier_label(&self) -> String {
        self.identifier_columns().join("+")
    }
}

fn input_columns(input: &Input) -> Vec<&str> {
    match input {
        Input::Column(c) => vec![c.as_str()],
        Input::Columns(cs) => cs.iter().map(String::as_str).collect(),
        Input::Constant(_) => vec![],
    }
}

#[derive(Debug, Clone)]
pub struct CompiledElement {
    pub target: String,
    pub steps: Vec<Step>,
    pub input: Input,
    pub chain: Vec<Transform>,
    pub reference: Option<ReferenceSpec>,
}

impl CompiledElement {
    /// The legacy columns the element reads.
    pub fn columns(&self) -> Vec<&str> {
        input_columns(&self.input)
    }

    /// The column a problem with this element is filed under.
    pub fn column_label(&self) -> String {
        match &self.input {
            Input::Column(c) => c.clone(),
            Input::Columns(cs) => cs.join("+"),
            Input::Constant(_) => String::new(),
        }
    }
}

/// Format 1 targets, as paths.
const FORMAT_1_TARGETS: [(&str, &str); 5] = [
    ("name", "name[0]"),
    ("birthDate", "birthDate"),
    ("gender", "gender"),
    ("telecom.phone", "telecom[0].value"),
    ("address.postalCode", "address[0].postalCode"),
];

/// A format 1 spec in format 2 terms (a phone gets its `system`).
fn upgrade(mut spec: MappingSpec) -> Result<MappingSpec, String> {
    if spec.resource != "Patient" {
        return Err(format!(
            "resource '{}' is not supported in format 1 (use format 2)",
            spec.resource
        ));
    }
    if spec.duplicates.is_some() || !spec.identifier.columns.is_empty() {
        return Err("[duplicates] and identifier columns need format 2".into());
    }
    let mut elements = Vec::new();
    for (i, mut el) in spec.elements.into_iter().enumerate() {
        let Some((_, path)) = FORMAT_1_TARGETS.iter().find(|(old, _)| *old == el.target) else {
            let known: Vec<&str> = FORMAT_1_TARGETS.iter().map(|(n, _)| *n).collect();
            return Err(format!(
                "element {} ({}): unknown Patient target (known: {})",
                i + 1,
                el.target,
                known.join(", ")
            ));
        };
        let phone = el.target == "telecom.phone";
        el.target = path.to_string();
        elements.push(el);
        if phone {
            elements.push(ElementSpec {
                target: "telecom[0].system".into(),
                column: None,
                columns: vec![],
                value: Some(Json::from("phone")),
                reference: None,
                transforms: vec![],
            });
        }
    }
    spec.elements = elements;
    spec.format = FORMAT;
    Ok(spec)
}

fn is_uri(s: &str) -> bool {
    s.starts_with("urn:") || s.starts_with("http://") || s.starts_with("https://")
}

/// Parse and check a spec. The error is a sentence naming what is wrong.
pub fn compile(text: &str) -> Result<CompiledMapping, String> {
    compile_with(text, &Env::default())
}

/// [`compile`] with a fixed environment (today's date, …).
pub fn compile_with(text: &str, env: &Env) -> Result<CompiledMapping, String> {
    let spec: MappingSpec = toml::from_str(text).map_err(|e| e.to_string())?;
    compile_spec(spec, env)
}

/// Check and compile a spec already parsed (the app edits specs as JSON).
pub fn compile_spec(spec: MappingSpec, env: &Env) -> Result<CompiledMapping, String> {
    let spec = match spec.format {
        1 => upgrade(spec)?,
        FORMAT => spec,
        other => {
            return Err(format!(
                "format {other} is not supported (this Cutover reads formats 1 and {FORMAT})"
            ));
        }
    };
    if !fhir::is_resource_type(&spec.resource) {
        return Err(format!(
            "resource '{}' is not an R4 resource type",
            spec.resource
        ));
    }
    if spec.name.trim().is_empty() || spec.source.trim().is_empty() {
        return Err("name and source must not be empty".to_string());
    }
    let sys = &spec.identifier.system;
    if !is_uri(sys) {
        return Err(format!(
            "identifier.system '{sys}' must be a URI (urn:oid:…, urn:uuid:… or http(s)://…)"
        ));
    }
    let chain = |list: &[TransformSpec], at: &str| -> Result<Vec<Transform>, String> {
        list.iter()
            .map(|t| Transform::from_spec(t, env).map_err(|e| format!("{at}: {e}")))
            .collect()
    };
    let identifier_input = match (&spec.identifier.column, spec.identifier.columns.as_slice()) {
        (Some(c), []) => Input::Column(c.clone()),
        (None, [_, ..]) if spec.identifier.transforms.is_empty() => {
            return Err(
                "identifier: several columns need a transform that combines them \
                 (template, join)"
                    .into(),
            );
        }
        (None, [_, ..]) => Input::Columns(spec.identifier.columns.clone()),
        _ => return Err("identifier: give exactly one of column or columns".into()),
    };
    let identifier_chain = chain(&spec.identifier.transforms, "identifier")?;
    let mut elements: Vec<CompiledElement> = Vec::new();
    for (i, el) in spec.elements.iter().enumerate() {
        let at = format!("element {} ({})", i + 1, el.target);
        let steps = fhir::resolve(&spec.resource, &el.target).map_err(|e| format!("{at}: {e}"))?;
        let input = match (&el.column, el.columns.as_slice(), &el.value) {
            (Some(c), [], None) => Input::Column(c.clone()),
            (None, [_, ..], None) => Input::Columns(el.columns.clone()),
            (None, [], Some(v)) if v.is_string() || v.is_number() || v.is_boolean() => {
                Input::Constant(v.clone())
            }
            (None, [], Some(_)) => {
                return Err(format!("{at}: value must be text, a number or true/false"));
            }
            _ => {
                return Err(format!(
                    "{at}: give exactly one of column, columns or value"
                ));
            }
        };
        if let Some(r) = &el.reference {
            if !fhir::is_resource_type(&r.resource) {
                return Err(format!(
                    "{at}: reference to '{}', not an R4 resource type",
                    r.resource
                ));
            }
            if !is_uri(&r.system) {
                return Err(format!(
                    "{at}: reference system '{}' must be a URI",
                    r.system
                ));
            }
            if matches!(input, Input::Constant(_)) {
                return Err(format!("{at}: a reference reads a column, not a value"));
            }
            if steps.last().is_some_and(|s| s.type_name != "Reference") {
                return Err(format!("{at}: a reference needs a Reference element"));
            }
        }
        if elements.iter().any(|e| e.target == el.target) {
            return Err(format!("{at}: target mapped twice"));
        }
        elements.push(CompiledElement {
            target: el.target.clone(),
            steps,
            input,
            chain: chain(&el.transforms, &at)?,
            reference: el.reference.clone(),
        });
    }
    let duplicates = match &spec.duplicates {
        Some(d) => Some(CompiledDuplicates::compile(d, &elements)?),
        None => None,
    };
    Ok(CompiledMapping {
        spec,
        identifier_input,
        identifier_chain,
        elements,
        duplicates,
    })
}

/// The spec as TOML text (what is stored, exported and diffed).
pub fn to_toml(spec: &MappingSpec) -> Result<String, String> {
    toml::to_string_pretty(spec).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_1_specs_are_read_as_format_2() {
        let v1 = GOOD.replace("format = 2", "format = 1").replace(
            "[[element]]\ntarget = \"gender\"",
            "[[element]]\ntarget = \"telecom.phone\"\ncolumn = \"PHONE\"\n\n[[element]]\ntarget = \"gender\"",
        );
        let m = compile(&v1).unwrap();
        let targets: Vec<&str> = m.elements.iter().map(|e| e.target.as_str()).collect();
        assert_eq!(
            targets,
            ["name[0]", "telecom[0].value", "telecom[0].system", "gender"]
        );
        assert_eq!(m.elements[2].input, Input::Constant(Json::from("phone")));
    }

    #[test]
    fn a_spec_round_trips_through_toml_and_json() {
        let m = compile(GOOD).unwrap();
        let again = compile(&to_toml(&m.spec).unwrap()).unwrap();
        assert_eq!(again.spec, m.spec);
        let json = serde_json::to_string(&m.spec).unwrap();
        assert_eq!(serde_json::from_str::<MappingSpec>(&json).unwrap(), m.spec);
    }

    const GOOD: &str = r#"
format = 2
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
        assert_eq!(m.elements[0].target, "name");
        assert_eq!(m.elements[0].steps[0].index, Some(0));
        assert_eq!(m.elements[1].chain.len(), 3);
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        let cases = [
            (
                GOOD.replace("format = 2", "format = 3"),
                "format 3 is not supported",
            ),
            (
                GOOD.replace("\"Patient\"", "\"Patientt\""),
                "resource 'Patientt' is not an R4 resource type",
            ),
            (
                GOOD.replace("target = \"gender\"", "target = \"sex\""),
                "element 2 (sex): 'sex': Patient has no element 'sex'",
            ),
            (
                GOOD.replace("column = \"SEX\"", "column = \"SEX\"\nvalue = \"x\""),
                "give exactly one of column, columns or value",
            ),
            (
                GOOD.replace("format = 2", "format = 1")
                    .replace("target = \"gender\"", "target = \"sex\""),
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

#[cfg(test)]
mod schema_tests {
    use std::path::Path;

    fn schema() -> jsonschema::Validator {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/mapping-spec.schema.json");
        let schema: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        jsonschema::validator_for(&schema).unwrap()
    }

    fn specs() -> Vec<std::path::PathBuf> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
        ["mappings", "clinic/mappings"]
            .iter()
            .flat_map(|d| std::fs::read_dir(root.join(d)).unwrap())
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect()
    }

    #[test]
    fn every_fixture_spec_fits_the_json_schema_and_compiles() {
        let v = schema();
        let all = specs();
        assert!(all.len() >= 9, "{all:?}");
        for path in all {
            let text = std::fs::read_to_string(&path).unwrap();
            let json: serde_json::Value = toml::from_str(&text).unwrap();
            let errors: Vec<String> = v
                .iter_errors(&json)
                .map(|e| format!("{} {e}", e.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{}: {errors:?}", path.display());
            // Crosswalk steps need the project's tables; everything else compiles here.
            if !text.contains("crosswalk") {
                super::compile(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            }
        }
    }

    #[test]
    fn the_json_schema_refuses_what_the_engine_refuses() {
        let v = schema();
        let base = serde_json::json!({
            "format": 2, "name": "n", "source": "s", "resource": "Patient",
            "identifier": { "system": "urn:x", "column": "MRN" },
            "duplicates": {
                "key": ["identifier"],
                "prefer": [{ "element": "name[0]", "order": ["a", "b"] }],
                "rule": "duplicate.patient"
            },
            "element": [{ "target": "name[0]", "column": "NAME", "transforms": ["split_name"] }]
        });
        assert!(v.is_valid(&base));
        assert!(super::compile(&toml::to_string(&base).unwrap()).is_ok());
        for (pointer, bad) in [
            ("/element/0/transforms/0", serde_json::json!("splitname")),
            ("/element/0/target", serde_json::json!("name[0]..given")),
            ("/element/0/value", serde_json::json!("x")),
            ("/identifier/system", serde_json::json!("MRN")),
            ("/element/0/colum", serde_json::json!("NAME")),
            ("/identifier/columns", serde_json::json!(["MRN", "SITE"])),
            ("/duplicates/key", serde_json::json!([])),
            ("/duplicates/rule", serde_json::json!("superseded")),
            ("/duplicates/prefer/0/latest", serde_json::json!(true)),
            ("/duplicates/prefer/0/order", serde_json::json!([])),
            ("/duplicates/keys", serde_json::json!(["identifier"])),
        ] {
            let mut spec = base.clone();
            let (parent, key) = pointer.rsplit_once('/').unwrap();
            match spec.pointer_mut(parent).unwrap() {
                serde_json::Value::Array(a) => a[key.parse::<usize>().unwrap()] = bad,
                other => other[key] = bad,
            }
            assert!(!v.is_valid(&spec), "{pointer} should be refused");
        }
    }

    #[test]
    fn a_composite_identifier_needs_a_combining_transform_in_the_schema_and_the_engine() {
        let v = schema();
        let mut spec = serde_json::json!({
            "format": 2, "name": "n", "source": "s", "resource": "Observation",
            "identifier": { "system": "urn:x", "columns": ["ACC", "TEST"] }
        });
        assert!(!v.is_valid(&spec));
        let err = super::compile(&toml::to_string(&spec).unwrap()).unwrap_err();
        assert!(err.contains("need a transform that combines them"), "{err}");
        spec["identifier"]["transforms"] = serde_json::json!([{ "template": "{1}-{2}" }]);
        assert!(v.is_valid(&spec));
        assert!(super::compile(&toml::to_string(&spec).unwrap()).is_ok());
    }

    #[test]
    fn every_named_transform_is_in_the_json_schema() {
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/mapping-spec.schema.json"),
        )
        .unwrap();
        for name in crate::mapping::transforms::NAMED {
            assert!(
                text.contains(&format!("\"{name}\"")),
                "{name} missing from the schema"
            );
        }
    }
}
