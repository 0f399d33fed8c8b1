//! FHIR R4 structure, from HL7's R4 JSON Schema (`assets/fhir.r4.schema.json`, written by
//! `scripts/vendor_fhir_schema.py`): checking a resource against it with a maintained
//! JSON Schema validator (the `jsonschema` crate), and knowing which elements a resource
//! type has (for mapping targets and the mapping editor).
//!
//! The schema checks structure, cardinality, primitive formats (dates, codes, ids) and
//! required-binding enums (`gender`, `status`); it does not check FHIRPath invariants or
//! terminology bindings — `validate` adds the rules that matter to a migration.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};
use ts_rs::TS;

static SCHEMA_TEXT: &str = include_str!("../../assets/fhir.r4.schema.json");

fn schema() -> &'static Json {
    static SCHEMA: OnceLock<Json> = OnceLock::new();
    SCHEMA.get_or_init(|| serde_json::from_str(SCHEMA_TEXT).unwrap_or(Json::Null))
}

fn definitions() -> &'static serde_json::Map<String, Json> {
    static EMPTY: OnceLock<serde_json::Map<String, Json>> = OnceLock::new();
    schema()["definitions"]
        .as_object()
        .unwrap_or_else(|| EMPTY.get_or_init(serde_json::Map::new))
}

/// Every R4 resource type, sorted.
pub fn resource_types() -> Vec<&'static str> {
    let mut types: Vec<&str> = schema()["discriminator"]["mapping"]
        .as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    types.sort_unstable();
    types
}

pub fn is_resource_type(name: &str) -> bool {
    schema()["discriminator"]["mapping"].get(name).is_some()
}

/// One way a resource breaks the R4 schema. Never carries the resource's values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SchemaIssue {
    /// JSON pointer into the resource, e.g. `/name/0/given`.
    pub path: String,
    pub message: String,
}

type Validators = Mutex<HashMap<String, Arc<jsonschema::Validator>>>;

fn validator(resource_type: &str) -> Result<Arc<jsonschema::Validator>, String> {
    static CACHE: OnceLock<Validators> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(v) = cache
        .lock()
        .ok()
        .and_then(|c| c.get(resource_type).cloned())
    {
        return Ok(v);
    }
    if !is_resource_type(resource_type) {
        return Err(format!("'{resource_type}' is not an R4 resource type"));
    }
    let root = json!({
        "$schema": "http://json-schema.org/draft-06/schema#",
        "$ref": format!("#/definitions/{resource_type}"),
        "definitions": schema()["definitions"],
    });
    let compiled = Arc::new(
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft6)
            .build(&root)
            .map_err(|e| format!("the R4 schema for {resource_type} does not compile: {e}"))?,
    );
    if let Ok(mut c) = cache.lock() {
        c.insert(resource_type.to_string(), compiled.clone());
    }
    Ok(compiled)
}

/// Check a resource against the R4 schema of its `resourceType`. Messages mask the
/// resource's values.
pub fn check(resource: &Json) -> Vec<SchemaIssue> {
    let Some(rt) = resource["resourceType"].as_str() else {
        return vec![SchemaIssue {
            path: String::new(),
            message: "no resourceType".into(),
        }];
    };
    let v = match validator(rt) {
        Ok(v) => v,
        Err(message) => {
            return vec![SchemaIssue {
                path: "/resourceType".into(),
                message,
            }];
        }
    };
    v.iter_errors(resource)
        .map(|e| SchemaIssue {
            path: e.instance_path().to_string(),
            message: readable(&e.schema_path().to_string(), e.masked().to_string()),
        })
        .collect()
}

/// A primitive's pattern failure names the FHIR type instead of quoting its regex:
/// `…/definitions/date/pattern` → "value is not a valid FHIR date".
fn readable(schema_path: &str, masked: String) -> String {
    let mut parts = schema_path.rsplit('/');
    if parts.next() == Some("pattern")
        && let Some(ty) = parts.next()
        && parts.next() == Some("definitions")
    {
        return format!("value is not a valid FHIR {ty}");
    }
    masked
}

/// What one element of a resource (or of a data type) is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ElementInfo {
    /// The element name as written in a target; a choice is `value[x]`.
    pub name: String,
    /// The FHIR type (`string`, `date`, `HumanName`, `Reference`, `code`…); for a choice,
    /// its types joined by `|`.
    pub type_name: String,
    pub array: bool,
    pub required: bool,
    /// Allowed codes, for a `code` element bound to a required value set.
    pub codes: Vec<String>,
    pub description: String,
}

fn type_of(prop: &Json) -> (String, bool) {
    let array = prop["type"] == "array";
    let target = if array { &prop["items"] } else { prop };
    let name = match target["$ref"].as_str() {
        Some(r) => r.trim_start_matches("#/definitions/").to_string(),
        None if target.get("enum").is_some() => "code".to_string(),
        None => target["type"].as_str().unwrap_or("?").to_string(),
    };
    (name, array)
}

/// The elements of a resource type or data type (`Patient`, `HumanName`), choices folded
/// into `name[x]`, underscore (extension) siblings and `resourceType` left out.
pub fn elements(type_name: &str) -> Option<Vec<ElementInfo>> {
    let def = definitions().get(type_name)?;
    let props = def["properties"].as_object()?;
    let required: Vec<&str> = def["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default();
    let mut out: Vec<ElementInfo> = Vec::new();
    for (name, prop) in props {
        if name.starts_with('_') || name == "resourceType" {
            continue;
        }
        let (ty, array) = type_of(prop);
        let description = prop["description"]
            .as_str()
            .unwrap_or("")
            .chars()
            .take(200)
            .collect();
        let codes = prop
            .get("enum")
            .or_else(|| prop["items"].get("enum"))
            .and_then(Json::as_array)
            .map(|e| {
                e.iter()
                    .filter_map(|c| c.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        // A choice element appears as valueQuantity, valueString, …: fold them.
        if let Some(base) = choice_base(name, props)
            && let Some(existing) = out.iter_mut().find(|e| e.name == format!("{base}[x]"))
        {
            existing.type_name.push('|');
            existing.type_name.push_str(&ty);
            continue;
        }
        let display = match choice_base(name, props) {
            Some(base) => format!("{base}[x]"),
            None => name.clone(),
        };
        out.push(ElementInfo {
            name: display,
            type_name: ty,
            array,
            required: required.contains(&name.as_str()),
            codes,
            description,
        });
    }
    Some(out)
}

/// `valueQuantity` → `value` when the schema also has other `value<Type>` properties.
fn choice_base<'a>(name: &'a str, props: &serde_json::Map<String, Json>) -> Option<&'a str> {
    let split = name
        .char_indices()
        .skip(1)
        .find(|(_, c)| c.is_ascii_uppercase())
        .map(|(i, _)| i)?;
    let base = &name[..split];
    if props.contains_key(base) {
        return None;
    }
    let siblings = props
        .keys()
        .filter(|k| {
            k.len() > base.len()
                && k.starts_with(base)
                && k[base.len()..].starts_with(|c: char| c.is_ascii_uppercase())
        })
        .count();
    (siblings > 1 || ["value", "effective", "onset", "deceased", "multipleBirth"].contains(&base))
        .then_some(base)
}

/// One step of a target path: `name`, `name[2]`, or a choice `value[x]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub name: String,
    pub index: Option<usize>,
    pub choice: bool,
    /// Whether the element repeats (an array in JSON).
    pub array: bool,
    /// Its FHIR type, where the schema says (`?` for a choice until the value picks one).
    pub type_name: String,
}

/// Parse and check a target path (`name[0].given`, `participant[0].actor`, `value[x]`)
/// against the resource type's structure. Array elements without an index get `[0]`.
pub fn resolve(resource_type: &str, path: &str) -> Result<Vec<Step>, String> {
    if !is_resource_type(resource_type) {
        return Err(format!("'{resource_type}' is not an R4 resource type"));
    }
    let mut current = resource_type.to_string();
    let mut steps = Vec::new();
    for raw in path.split('.') {
        let (name, index, choice) = parse_step(raw).ok_or_else(|| {
            format!("'{path}': '{raw}' is not an element name (optionally with [n] or [x])")
        })?;
        let props = definitions()
            .get(&current)
            .and_then(|d| d["properties"].as_object())
            .ok_or_else(|| {
                format!("'{path}': {current} is a primitive type and has no element '{name}'")
            })?;
        if choice {
            let prefix_ok = props.keys().any(|k| {
                k.starts_with(&name)
                    && k[name.len()..].starts_with(|c: char| c.is_ascii_uppercase())
            });
            if !prefix_ok {
                return Err(format!(
                    "'{path}': {current} has no choice element '{name}[x]'"
                ));
            }
            steps.push(Step {
                name,
                index: None,
                choice: true,
                array: false,
                type_name: "?".into(),
            });
            current = "?".into();
            continue;
        }
        let prop = props.get(&name).ok_or_else(|| {
            let known: Vec<String> = elements(&current)
                .unwrap_or_default()
                .into_iter()
                .map(|e| e.name)
                .collect();
            format!(
                "'{path}': {current} has no element '{name}' (it has: {})",
                known.join(", ")
            )
        })?;
        let (ty, array) = type_of(prop);
        if index.is_some() && !array {
            return Err(format!(
                "'{path}': {current}.{name} does not repeat, so takes no [n]"
            ));
        }
        steps.push(Step {
            name,
            index: if array {
                Some(index.unwrap_or(0))
            } else {
                None
            },
            choice: false,
            array,
            type_name: ty.clone(),
        });
        current = ty;
    }
    if steps.is_empty() {
        return Err("empty target".into());
    }
    Ok(steps)
}

fn parse_step(raw: &str) -> Option<(String, Option<usize>, bool)> {
    let (name, rest) = match raw.find('[') {
        Some(i) => (&raw[..i], Some(&raw[i..])),
        None => (raw, None),
    };
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    match rest {
        None => Some((name.to_string(), None, false)),
        Some("[x]") => Some((name.to_string(), None, true)),
        Some(r) => {
            let n = r.strip_prefix('[')?.strip_suffix(']')?.parse().ok()?;
            Some((name.to_string(), Some(n), false))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_r4_resource_types_only() {
        let types = resource_types();
        assert_eq!(types.len(), 146);
        for t in [
            "Patient",
            "Appointment",
            "Observation",
            "DocumentReference",
            "ConceptMap",
        ] {
            assert!(types.contains(&t), "{t}");
        }
        assert!(
            !is_resource_type("Project"),
            "Medplum's own types are taken out"
        );
    }

    #[test]
    fn a_valid_patient_passes_and_a_broken_one_says_where_without_values() {
        let good = json!({
            "resourceType": "Patient", "id": "p1",
            "identifier": [{"system": "urn:oid:1.2.3", "value": "MRN1"}],
            "name": [{"use": "official", "family": "Zed", "given": ["Ann"]}],
            "gender": "female", "birthDate": "1980-03-15"
        });
        assert_eq!(check(&good), vec![]);
        let bad = json!({
            "resourceType": "Patient",
            "gender": "femme", "birthDate": "03/15/1980", "name": {"family": "Zed"}, "colour": "blue"
        });
        let issues = check(&bad);
        let paths: Vec<&str> = issues.iter().map(|i| i.path.as_str()).collect();
        for p in ["/gender", "/birthDate", "/name"] {
            assert!(paths.contains(&p), "{p} in {issues:?}");
        }
        assert!(
            issues.iter().any(|i| i.message.contains("colour")),
            "{issues:?}"
        );
        let date = issues.iter().find(|i| i.path == "/birthDate").unwrap();
        assert_eq!(date.message, "value is not a valid FHIR date");
        let text = format!("{issues:?}");
        assert!(
            !text.contains("femme") && !text.contains("03/15/1980"),
            "{text}"
        );
    }

    #[test]
    fn target_paths_resolve_against_the_structure() {
        let steps = resolve("Patient", "name.given").unwrap();
        assert_eq!(steps[0].index, Some(0));
        assert!(steps[1].array);
        assert_eq!(steps[1].type_name, "string");
        let steps = resolve("Appointment", "participant[1].actor").unwrap();
        assert_eq!(
            (steps[0].index, steps[1].type_name.as_str()),
            (Some(1), "Reference")
        );
        assert!(resolve("Observation", "value[x]").unwrap()[0].choice);
        for (rt, path, says) in [
            ("Patient", "nme", "has no element 'nme'"),
            ("Patient", "gender[0]", "does not repeat"),
            ("Patient", "birthDate.year", "primitive type"),
            ("Patient", "value[x]", "no choice element"),
            ("Patient", "name..family", "not an element name"),
            ("Pateint", "name", "not an R4 resource type"),
        ] {
            let err = resolve(rt, path).unwrap_err();
            assert!(err.contains(says), "{path}: {err}");
        }
    }

    #[test]
    fn elements_fold_choices_and_mark_required() {
        let obs = elements("Observation").unwrap();
        let value = obs.iter().find(|e| e.name == "value[x]").unwrap();
        assert!(value.type_name.contains("Quantity") && value.type_name.contains("string"));
        assert!(obs.iter().find(|e| e.name == "code").unwrap().required);
        let gender = elements("Patient")
            .unwrap()
            .into_iter()
            .find(|e| e.name == "gender")
            .unwrap();
        assert_eq!(gender.codes, ["male", "female", "other", "unknown"]);
    }
}
