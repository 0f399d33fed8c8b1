//! Conversion: staged rows through a compiled mapping into FHIR R4 resources, each with a
//! deterministic id (UUID v5 of the project namespace, the resource type and the business
//! identifier) and lineage back to its snapshot row and mapping version.

use serde_json::{Map, Value as Json, json};
use uuid::Uuid;

use crate::api::dto::StagedRow;
use crate::mapping::spec::{CompiledMapping, PatientElement};
use crate::mapping::transforms::{Transform, Value};

/// A problem with one row, to be stored as a finding. Never carries the value.
#[derive(Debug, Clone, PartialEq)]
pub struct RowProblem {
    pub column: String,
    pub rule: String,
    pub message: String,
}

/// What one staged row became.
#[derive(Debug)]
pub enum RowOutcome {
    Converted {
        id: String,
        identifier_value: String,
        resource: Json,
        /// Element-level problems (the element was left out; the resource was still made).
        problems: Vec<RowProblem>,
    },
    /// No resource could be made; the problems say why.
    Failed(Vec<RowProblem>),
}

/// The deterministic id of a resource: the same project, type and identifier always give
/// the same id, so a re-run updates rather than duplicates.
pub fn resource_id(namespace: &Uuid, resource_type: &str, system: &str, value: &str) -> String {
    Uuid::new_v5(
        namespace,
        format!("{resource_type}/{system}|{value}").as_bytes(),
    )
    .to_string()
}

/// Column positions of the mapping's columns in a snapshot.
pub struct ColumnIndex {
    identifier: usize,
    elements: Vec<usize>,
}

impl ColumnIndex {
    /// Resolve the spec's columns against a snapshot's; the error names a missing column.
    pub fn resolve(mapping: &CompiledMapping, columns: &[String]) -> Result<Self, String> {
        let find = |name: &str| {
            columns.iter().position(|c| c == name).ok_or_else(|| {
                format!(
                    "column '{name}' is not in source '{}' (its columns: {})",
                    mapping.spec.source,
                    columns.join(", ")
                )
            })
        };
        Ok(ColumnIndex {
            identifier: find(&mapping.spec.identifier.column)?,
            elements: mapping
                .elements
                .iter()
                .map(|e| find(&e.column))
                .collect::<Result<_, _>>()?,
        })
    }
}

fn run_chain(chain: &[Transform], raw: Option<&String>) -> Result<Value, (String, String)> {
    let mut value = match raw {
        Some(s) if !s.is_empty() => Value::Text(s.clone()),
        _ => Value::Missing,
    };
    for t in chain {
        value = t
            .apply(value, &mut Vec::new())
            .map_err(|e| (t.rule().to_string(), e))?;
    }
    Ok(value)
}

pub fn convert_row(
    mapping: &CompiledMapping,
    index: &ColumnIndex,
    namespace: &Uuid,
    row: &StagedRow,
) -> RowOutcome {
    let spec = &mapping.spec;
    let id_column = &spec.identifier.column;
    let identifier_value = match run_chain(
        &mapping.identifier_chain,
        row.values[index.identifier].as_ref(),
    ) {
        Ok(Value::Text(v)) if !v.trim().is_empty() => v,
        Ok(_) => {
            return RowOutcome::Failed(vec![RowProblem {
                column: id_column.clone(),
                rule: "identifier.missing".into(),
                message: format!("no business identifier: column {id_column} is empty"),
            }]);
        }
        Err((rule, reason)) => {
            return RowOutcome::Failed(vec![RowProblem {
                column: id_column.clone(),
                rule,
                message: format!("identifier column {id_column}: {reason}"),
            }]);
        }
    };
    let id = resource_id(
        namespace,
        &spec.resource,
        &spec.identifier.system,
        &identifier_value,
    );
    let mut resource = Map::new();
    resource.insert("resourceType".into(), json!(spec.resource));
    resource.insert("id".into(), json!(id));
    resource.insert(
        "identifier".into(),
        json!([{ "system": spec.identifier.system, "value": identifier_value }]),
    );
    let mut problems = Vec::new();
    for (element, &col) in mapping.elements.iter().zip(&index.elements) {
        match run_chain(&element.chain, row.values[col].as_ref()) {
            Ok(Value::Missing) => {}
            Ok(value) => {
                if let Err(reason) = place(&mut resource, element.target, value) {
                    problems.push(RowProblem {
                        column: element.column.clone(),
                        rule: "element.shape".into(),
                        message: format!(
                            "{} from column {}: {reason}",
                            element.target.path(),
                            element.column
                        ),
                    });
                }
            }
            Err((rule, reason)) => problems.push(RowProblem {
                column: element.column.clone(),
                rule,
                message: format!(
                    "{} from column {}: {reason}",
                    element.target.path(),
                    element.column
                ),
            }),
        }
    }
    RowOutcome::Converted {
        id,
        identifier_value,
        resource: Json::Object(resource),
        problems,
    }
}

/// Put a value into its place in a Patient.
fn place(
    resource: &mut Map<String, Json>,
    target: PatientElement,
    value: Value,
) -> Result<(), String> {
    let text = |v: Value| match v {
        Value::Text(t) => Ok(t),
        _ => Err("expected text (add a transform that produces text)".to_string()),
    };
    match target {
        PatientElement::Name => {
            let name = match value {
                Value::Json(n) => n,
                Value::Text(t) => json!({ "use": "official", "text": t }),
                Value::Missing => return Ok(()),
                _ => return Err("expected a split name or text".to_string()),
            };
            resource.insert("name".into(), json!([name]));
        }
        PatientElement::BirthDate => {
            resource.insert("birthDate".into(), json!(text(value)?));
        }
        PatientElement::Gender => {
            resource.insert("gender".into(), json!(text(value)?));
        }
        PatientElement::Phone => {
            resource.insert(
                "telecom".into(),
                json!([{ "system": "phone", "value": text(value)? }]),
            );
        }
        PatientElement::PostalCode => {
            resource.insert("address".into(), json!([{ "postalCode": text(value)? }]));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::spec::compile;

    const SPEC: &str = r#"
format = 1
name = "patients"
source = "patients"
resource = "Patient"
[identifier]
system = "urn:example:mrn"
column = "MRN"
transforms = ["trim"]
[[element]]
target = "name"
column = "NAME"
transforms = ["split_name"]
[[element]]
target = "birthDate"
column = "DOB"
transforms = ["date_mdy"]
[[element]]
target = "gender"
column = "SEX"
transforms = [{ map = { M = "male", F = "female" } }]
"#;

    fn row(values: &[&str]) -> StagedRow {
        StagedRow {
            row: 1,
            line: 2,
            hash: String::new(),
            values: values.iter().map(|v| Some(v.to_string())).collect(),
            flag: None,
        }
    }

    fn setup() -> (CompiledMapping, ColumnIndex, Uuid) {
        let m = compile(SPEC).unwrap();
        let cols: Vec<String> = ["MRN", "NAME", "DOB", "SEX"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let idx = ColumnIndex::resolve(&m, &cols).unwrap();
        (m, idx, Uuid::from_u128(42))
    }

    #[test]
    fn a_good_row_becomes_a_patient_with_a_stable_id() {
        let (m, idx, ns) = setup();
        let RowOutcome::Converted {
            id,
            resource,
            problems,
            ..
        } = convert_row(
            &m,
            &idx,
            &ns,
            &row(&[" A100 ", "DOE, JANE Q", "03/14/1961", "F"]),
        )
        else {
            panic!("expected a resource")
        };
        assert!(problems.is_empty());
        assert_eq!(id, resource_id(&ns, "Patient", "urn:example:mrn", "A100"));
        assert_eq!(
            resource,
            json!({
                "resourceType": "Patient", "id": id,
                "identifier": [{"system": "urn:example:mrn", "value": "A100"}],
                "name": [{"use": "official", "family": "DOE", "given": ["JANE", "Q"]}],
                "birthDate": "1961-03-14", "gender": "female"
            })
        );
        let again = convert_row(&m, &idx, &ns, &row(&["A100", "x, y", "01/01/2000", "M"]));
        assert!(
            matches!(again, RowOutcome::Converted { id: id2, .. } if id2 == id),
            "same identifier, same id"
        );
    }

    #[test]
    fn a_bad_element_is_left_out_with_a_problem_that_names_the_column_not_the_value() {
        let (m, idx, ns) = setup();
        let RowOutcome::Converted {
            resource, problems, ..
        } = convert_row(&m, &idx, &ns, &row(&["A1", "DOE, JANE", "02/30/1961", "X"]))
        else {
            panic!("expected a resource")
        };
        assert!(resource.get("birthDate").is_none() && resource.get("gender").is_none());
        let rules: Vec<(&str, &str)> = problems
            .iter()
            .map(|p| (p.column.as_str(), p.rule.as_str()))
            .collect();
        assert_eq!(
            rules,
            [("DOB", "transform.date_mdy"), ("SEX", "transform.map")]
        );
        for p in &problems {
            assert!(
                !p.message.contains("02/30/1961") && !p.message.contains("DOE"),
                "no PHI: {}",
                p.message
            );
        }
    }

    #[test]
    fn a_row_without_identifier_fails() {
        let (m, idx, ns) = setup();
        let out = convert_row(&m, &idx, &ns, &row(&["  ", "DOE, JANE", "", ""]));
        assert!(matches!(out, RowOutcome::Failed(p) if p[0].rule == "identifier.missing"));
    }

    #[test]
    fn a_missing_column_is_named() {
        let m = compile(SPEC).unwrap();
        let cols: Vec<String> = ["MRN", "NAME"].iter().map(|s| s.to_string()).collect();
        let err = ColumnIndex::resolve(&m, &cols).err().unwrap();
        assert!(
            err.contains("column 'DOB' is not in source 'patients'"),
            "{err}"
        );
    }
}
