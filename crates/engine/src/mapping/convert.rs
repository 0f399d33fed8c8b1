//! Conversion: staged rows through a compiled mapping into FHIR R4 resources, each with a
//! deterministic id (UUID v5 of the project namespace, the resource type and the business
//! identifier) and lineage back to its snapshot row and mapping version.

use serde_json::{Map, Value as Json, json};
use uuid::Uuid;

use crate::api::dto::{Severity, StagedRow};
use crate::fhir::Step;
use crate::mapping::spec::{CompiledElement, CompiledMapping, Input};
use crate::mapping::transforms::{Note, Transform, Value};

/// A problem with one row, to be stored as a finding. Never carries the value.
#[derive(Debug, Clone, PartialEq)]
pub struct RowProblem {
    pub column: String,
    pub rule: String,
    pub message: String,
    pub severity: Severity,
}

/// What one staged row became.
#[derive(Debug)]
pub enum RowOutcome {
    Converted {
        id: String,
        identifier_value: String,
        resource: Json,
        /// Element-level problems (the element was left out; the resource was still made)
        /// and warnings (the element was placed, e.g. truncated).
        problems: Vec<RowProblem>,
    },
    /// No resource could be made; the problems say why.
    Failed(Vec<RowProblem>),
}

/// The deterministic id of a resource: the same project, type and identifier always give
/// the same id, so a re-run updates rather than duplicates, and a reference to a resource
/// can be written before (or without) reading it.
pub fn resource_id(namespace: &Uuid, resource_type: &str, system: &str, value: &str) -> String {
    resource_uuid(namespace, resource_type, system, value).to_string()
}

/// [`resource_id`] as a UUID.
pub fn resource_uuid(namespace: &Uuid, resource_type: &str, system: &str, value: &str) -> Uuid {
    Uuid::new_v5(
        namespace,
        format!("{resource_type}/{system}|{value}").as_bytes(),
    )
}

/// A resource body's hash (xxh3-128 of its JSON text, as hex). Push re-sends a resource
/// whose hash differs from the one the target accepted, so whatever rewrites a body (a
/// merge, an unmerge) stores this hash with it.
pub fn body_hash(body: &str) -> String {
    crate::store::staging::hex(&xxhash_rust::xxh3::xxh3_128(body.as_bytes()).to_be_bytes())
}

/// Column positions of the mapping's columns in a snapshot.
pub struct ColumnIndex {
    identifier: Vec<usize>,
    elements: Vec<Vec<usize>>,
}

impl ColumnIndex {
    /// The identifier columns' positions.
    pub fn identifier(&self) -> &[usize] {
        &self.identifier
    }

    /// Each element's column positions, in spec order.
    pub fn positions(&self) -> &[Vec<usize>] {
        &self.elements
    }

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
            identifier: mapping
                .identifier_columns()
                .into_iter()
                .map(find)
                .collect::<Result<_, _>>()?,
            elements: mapping
                .elements
                .iter()
                .map(|e| e.columns().into_iter().map(find).collect())
                .collect::<Result<_, _>>()?,
        })
    }
}

/// A staged cell as a chain's input: an empty or absent cell is missing.
pub fn cell(row: &StagedRow, i: usize) -> Value {
    match row.values.get(i).and_then(Option::as_ref) {
        Some(s) if !s.is_empty() => Value::Text(s.clone()),
        _ => Value::Missing,
    }
}

/// The value an element's input gives before its transforms.
pub fn input_value(element: &CompiledElement, cols: &[usize], row: &StagedRow) -> Value {
    value_of(&element.input, cols, row)
}

/// The value the identifier's column (or columns, as a list) gives before its transforms.
pub fn identifier_input(mapping: &CompiledMapping, index: &ColumnIndex, row: &StagedRow) -> Value {
    value_of(&mapping.identifier_input, &index.identifier, row)
}

fn value_of(input: &Input, cols: &[usize], row: &StagedRow) -> Value {
    match input {
        Input::Column(_) => cell(row, cols[0]),
        Input::Columns(_) => Value::List(cols.iter().map(|&i| cell(row, i)).collect()),
        Input::Constant(Json::String(s)) => Value::Text(s.clone()),
        Input::Constant(v) => Value::Json(v.clone()),
    }
}

/// Run a chain; each step's output is handed to `seen` (the lineage view shows them).
pub fn run_chain_traced(
    chain: &[Transform],
    start: Value,
    notes: &mut Vec<Note>,
    mut seen: impl FnMut(&Transform, &Value),
) -> Result<Value, (String, String)> {
    let mut value = start;
    for t in chain {
        value = t
            .apply(value, notes)
            .map_err(|e| (t.rule().to_string(), e))?;
        seen(t, &value);
    }
    Ok(value)
}

fn run_chain(
    chain: &[Transform],
    start: Value,
    notes: &mut Vec<Note>,
) -> Result<Value, (String, String)> {
    run_chain_traced(chain, start, notes, |_, _| {})
}

/// One element's final value for a row, as the JSON to place (None: nothing to place).
pub fn element_value(
    element: &CompiledElement,
    cols: &[usize],
    row: &StagedRow,
    namespace: &Uuid,
    notes: &mut Vec<Note>,
) -> Result<Option<Placed>, (String, String)> {
    let value = run_chain(&element.chain, input_value(element, cols, row), notes)?;
    to_placed(element, value, namespace)
}

/// A value ready for its place: plain JSON, or a choice type's JSON with its type.
#[derive(Debug, Clone, PartialEq)]
pub enum Placed {
    Plain(Json),
    Choice(String, Json),
}

impl Placed {
    /// As JSON for people: a choice is `{"type": …, "value": …}`.
    pub fn to_json(&self) -> Json {
        match self {
            Placed::Plain(j) => j.clone(),
            Placed::Choice(t, j) => json!({ "type": t, "value": j }),
        }
    }
}

/// Turn a chain's output into JSON for the element (a reference becomes
/// `{"reference": "Type/id"}` from the referenced resource's business identifier).
pub fn to_placed(
    element: &CompiledElement,
    value: Value,
    namespace: &Uuid,
) -> Result<Option<Placed>, (String, String)> {
    let shape = |m: &str| ("element.shape".to_string(), m.to_string());
    Ok(Some(match value {
        Value::Missing => return Ok(None),
        Value::List(_) => {
            return Err(shape(
                "several columns need a transform that combines them (template, join, datetime, …)",
            ));
        }
        Value::Text(t) => match &element.reference {
            Some(r) => {
                let id = resource_id(namespace, &r.resource, &r.system, t.trim());
                Placed::Plain(json!({ "reference": format!("{}/{id}", r.resource) }))
            }
            None => Placed::Plain(Json::String(t)),
        },
        Value::Json(j) => Placed::Plain(j),
        Value::Choice(ty, j) => Placed::Choice(ty, j),
    }))
}

/// A row's business identifier: its column (or columns) through the identifier's chain.
/// Every column of a composite identifier must be filled (blank text is not): without a
/// part, two different records could share what is left.
pub fn identifier_value(
    mapping: &CompiledMapping,
    index: &ColumnIndex,
    row: &StagedRow,
) -> Result<String, RowProblem> {
    let missing = |column: &str| RowProblem {
        column: column.to_string(),
        rule: "identifier.missing".into(),
        message: format!("no business identifier: column {column} is empty"),
        severity: Severity::Error,
    };
    if let Input::Columns(names) = &mapping.identifier_input
        && let Some((name, _)) = names
            .iter()
            .zip(&index.identifier)
            .find(|(_, i)| !matches!(cell(row, **i), Value::Text(t) if !t.trim().is_empty()))
    {
        return Err(missing(name));
    }
    let label = mapping.identifier_label();
    match run_chain(
        &mapping.identifier_chain,
        identifier_input(mapping, index, row),
        &mut Vec::new(),
    ) {
        Ok(Value::Text(v)) if !v.trim().is_empty() => Ok(v),
        Ok(Value::List(_)) => Err(RowProblem {
            column: label,
            rule: "identifier.shape".into(),
            message: "the identifier's columns need a transform that combines them \
                      (template, join)"
                .into(),
            severity: Severity::Error,
        }),
        Ok(_) => Err(missing(&label)),
        Err((rule, reason)) => Err(RowProblem {
            message: format!("identifier column {label}: {reason}"),
            column: label,
            rule,
            severity: Severity::Error,
        }),
    }
}

pub fn convert_row(
    mapping: &CompiledMapping,
    index: &ColumnIndex,
    namespace: &Uuid,
    row: &StagedRow,
) -> RowOutcome {
    let spec = &mapping.spec;
    let identifier_value = match identifier_value(mapping, index, row) {
        Ok(v) => v,
        Err(problem) => return RowOutcome::Failed(vec![problem]),
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
    let mut problem = |element: &CompiledElement, rule: String, reason: &str, severity| {
        let column = element.column_label();
        let from = if column.is_empty() {
            String::new()
        } else {
            format!(" from column {column}")
        };
        problems.push(RowProblem {
            column,
            rule,
            message: format!("{}{from}: {reason}", element.target),
            severity,
        });
    };
    // Values from columns first, then constants, which only go where their parent is.
    for pass in [false, true] {
        for (element, cols) in mapping.elements.iter().zip(&index.elements) {
            let constant = matches!(element.input, Input::Constant(_));
            if constant != pass {
                continue;
            }
            let mut notes = Vec::new();
            let placed = element_value(element, cols, row, namespace, &mut notes);
            for n in notes {
                problem(element, n.rule.to_string(), &n.message, Severity::Warning);
            }
            match placed {
                Ok(None) => {}
                Ok(Some(value)) => {
                    if constant && !parent_exists(&resource, &element.steps) {
                        continue;
                    }
                    if let Err(reason) = place(&mut resource, &element.steps, value) {
                        problem(element, "element.shape".into(), &reason, Severity::Error);
                    }
                }
                Err((rule, reason)) => problem(element, rule, &reason, Severity::Error),
            }
        }
    }
    let mut resource = Json::Object(resource);
    prune(&mut resource);
    RowOutcome::Converted {
        id,
        identifier_value,
        resource,
        problems,
    }
}

/// Whether everything above the last step already holds something.
fn parent_exists(resource: &Map<String, Json>, steps: &[Step]) -> bool {
    let Some((_, parents)) = steps.split_last() else {
        return false;
    };
    let mut node = resource;
    for step in parents {
        let next = match (node.get(&step.name), step.index) {
            (Some(Json::Array(items)), Some(i)) => items.get(i),
            (Some(v), None) => Some(v),
            _ => None,
        };
        match next {
            Some(Json::Object(m)) if !m.is_empty() => node = m,
            _ => return false,
        }
    }
    true
}

/// Put a value at its path, creating objects and arrays on the way. Objects merge (a
/// HumanName at `name[0]` and a constant at `name[0].use`); a JSON array given to a
/// repeating element replaces it (`given` from a split).
pub fn place(
    resource: &mut Map<String, Json>,
    steps: &[Step],
    value: Placed,
) -> Result<(), String> {
    let Some((last, parents)) = steps.split_last() else {
        return Err("empty target".into());
    };
    let mut node = resource;
    for step in parents {
        if !node.contains_key(&step.name) {
            let empty = if step.index.is_some() {
                Json::Array(vec![])
            } else {
                Json::Object(Map::new())
            };
            node.insert(step.name.clone(), empty);
        }
        let Some(slot) = node.get_mut(&step.name) else {
            return Err(format!("{} could not be created", step.name));
        };
        let target = match (slot, step.index) {
            (Json::Array(items), Some(i)) => {
                while items.len() <= i {
                    items.push(Json::Object(Map::new()));
                }
                &mut items[i]
            }
            (v @ Json::Object(_), None) => v,
            _ => return Err(format!("{} holds a value of another shape", step.name)),
        };
        node = match target {
            Json::Object(m) => m,
            _ => return Err(format!("{} holds a value of another shape", step.name)),
        };
    }
    let (key, value) = match (value, last.choice) {
        (Placed::Choice(ty, v), true) => (format!("{}{}", last.name, upper_first(&ty)), v),
        (Placed::Plain(v), true) => match &v {
            Json::String(s) if looks_like_date_time(s) => (format!("{}DateTime", last.name), v),
            Json::String(_) => (format!("{}String", last.name), v),
            Json::Bool(_) => (format!("{}Boolean", last.name), v),
            _ => {
                return Err(format!(
                    "{}[x] needs a typed value (a transform such as quantity or coding)",
                    last.name
                ));
            }
        },
        (Placed::Choice(ty, _), false) => {
            return Err(format!(
                "a {ty} value for {}, which is not a choice element",
                last.name
            ));
        }
        (Placed::Plain(v), false) => (last.name.clone(), v),
    };
    match last.index {
        Some(i) => {
            let slot = node
                .entry(key.clone())
                .or_insert_with(|| Json::Array(vec![]));
            let Json::Array(items) = slot else {
                return Err(format!("{key} holds a value of another shape"));
            };
            match value {
                Json::Array(all) => *items = all,
                v => {
                    while items.len() <= i {
                        items.push(Json::Object(Map::new()));
                    }
                    merge(&mut items[i], v);
                }
            }
        }
        None => {
            let slot = node.entry(key).or_insert(Json::Null);
            merge(slot, value);
        }
    }
    Ok(())
}

fn merge(slot: &mut Json, value: Json) {
    match (slot, value) {
        (Json::Object(old), Json::Object(new)) => {
            for (k, v) in new {
                old.insert(k, v);
            }
        }
        (slot, value) => *slot = value,
    }
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn looks_like_date_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[7] == b'-'
        && (b.len() == 10 || b[10] == b'T')
}

/// Drop empty objects and arrays left by padding (`telecom[1]` set without `telecom[0]`).
fn prune(v: &mut Json) {
    match v {
        Json::Object(m) => {
            for x in m.values_mut() {
                prune(x);
            }
            m.retain(|_, x| !is_empty(x));
        }
        Json::Array(a) => {
            for x in a.iter_mut() {
                prune(x);
            }
            a.retain(|x| !is_empty(x));
        }
        _ => {}
    }
}

fn is_empty(v: &Json) -> bool {
    match v {
        Json::Object(m) => m.is_empty(),
        Json::Array(a) => a.is_empty(),
        Json::Null => true,
        _ => false,
    }
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
    fn a_composite_identifier_needs_every_column_and_names_the_blank_one() {
        let m = compile(
            "format = 2\nname = \"labs\"\nsource = \"labs\"\nresource = \"Observation\"\n[identifier]\nsystem = \"urn:x\"\ncolumns = [\"ACC\", \"TEST\"]\ntransforms = [{ template = \"{1}-{2}\" }]\n",
        )
        .unwrap();
        let cols: Vec<String> = ["TEST", "ACC"].iter().map(|s| s.to_string()).collect();
        let idx = ColumnIndex::resolve(&m, &cols).unwrap();
        let ns = Uuid::from_u128(42);
        let RowOutcome::Converted {
            id,
            identifier_value,
            ..
        } = convert_row(&m, &idx, &ns, &row(&[" GLU", "L900 "]))
        else {
            panic!("expected a resource")
        };
        assert_eq!(identifier_value, "L900-GLU", "parts trimmed, in spec order");
        assert_eq!(id, resource_id(&ns, "Observation", "urn:x", "L900-GLU"));
        for (values, blank) in [(["", "L900"], "TEST"), (["GLU", " "], "ACC")] {
            let RowOutcome::Failed(p) = convert_row(&m, &idx, &ns, &row(&values)) else {
                panic!("a blank part leaves no identifier")
            };
            assert_eq!(
                (p[0].rule.as_str(), p[0].column.as_str()),
                ("identifier.missing", blank)
            );
        }
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
