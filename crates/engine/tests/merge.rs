//! Merging duplicate patients over `fixtures/matching/`: charts H1001 and H1003 (main
//! clinic) and E77 (east site) are one person; appointments A02 and A04 book H1003, lab
//! results X500 and X501 name E77. A merge moves every reference to the survivor, the
//! survivor gains the merged charts' identifiers, export and push leave the merged-away
//! charts out, a re-conversion keeps the merge, and unmerge restores every body and hash
//! byte for byte.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::TimeZone;
use cutover_engine::api::dto::{
    DecideRequest, FieldPick, ImportRequest, MergeRequest, PushRequest, ReviewVerdict,
    SurvivorshipRule,
};
use cutover_engine::api::{
    Cancel, Ctx, FixedClock, NoProgress, export, import, mapping, merge, project, push, validate,
};
use cutover_engine::mapping::convert::body_hash;
use rusqlite::Connection;
use serde_json::{Value, json};

fn fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/matching")
        .join(path)
}

const SOURCES: [&str; 4] = ["patients", "patients_east", "appointments", "labs_east"];

struct Project {
    _dir: tempfile::TempDir,
    ctx: Ctx,
}

impl Project {
    fn import(&self, file: &Path) {
        import::run(
            &self.ctx,
            &ImportRequest {
                path: file.display().to_string(),
                ..Default::default()
            },
            &NoProgress,
            &Cancel::new(),
        )
        .unwrap();
    }

    fn convert(&self) {
        mapping::convert(&self.ctx, &NoProgress, &Cancel::new()).unwrap();
    }

    fn db(&self) -> Connection {
        Connection::open(self.ctx.project_path()).unwrap()
    }

    /// The resource id of a business identifier value.
    fn id(&self, value: &str) -> String {
        self.db()
            .query_row(
                "SELECT id FROM resource WHERE identifier_value = ?1",
                [value],
                |r| r.get(0),
            )
            .unwrap_or_else(|e| panic!("no resource {value}: {e}"))
    }

    fn body(&self, value: &str) -> Value {
        let body: String = self
            .db()
            .query_row(
                "SELECT body FROM resource WHERE identifier_value = ?1",
                [value],
                |r| r.get(0),
            )
            .unwrap();
        serde_json::from_str(&body).unwrap()
    }

    /// Every resource's stored state, by business identifier.
    fn state(&self) -> BTreeMap<String, Row> {
        let db = self.db();
        let mut stmt = db
            .prepare("SELECT identifier_value, body, body_hash, merged_into, valid FROM resource")
            .unwrap();
        stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                Row {
                    body: r.get(1)?,
                    hash: r.get(2)?,
                    merged_into: r.get(3)?,
                    valid: r.get(4)?,
                },
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
    }

    fn request(&self, members: &[&str], survivor: &str) -> MergeRequest {
        MergeRequest {
            run_id: None,
            members: members.iter().map(|m| self.id(m)).collect(),
            survivor: Some(self.id(survivor)),
            rule: SurvivorshipRule::MostRecent,
            source_priority: vec![],
            picks: vec![],
            reviewer: "ana".into(),
            reason: Some("same SSN, DOB and phone".into()),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Row {
    body: String,
    hash: String,
    merged_into: Option<String>,
    valid: Option<bool>,
}

/// The fixture imported, mapped, converted and validated.
fn project() -> Project {
    let dir = tempfile::tempdir().unwrap();
    let at = chrono::Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    let ctx = Ctx::with_clock(dir.path().join("m.cutover"), Arc::new(FixedClock(at)));
    project::create(&ctx, Some("m")).unwrap();
    let p = Project { _dir: dir, ctx };
    for source in SOURCES {
        p.import(&fixture(&format!("{source}.csv")));
        mapping::load(&p.ctx, &fixture(&format!("mappings/{source}.toml"))).unwrap();
    }
    p.convert();
    validate::run(&p.ctx, &NoProgress, &Cancel::new()).unwrap();
    p
}

/// Identifiers whose rows differ between two states.
fn changed(a: &BTreeMap<String, Row>, b: &BTreeMap<String, Row>) -> Vec<String> {
    a.iter()
        .filter(|(k, row)| b.get(*k) != Some(row))
        .map(|(k, _)| k.clone())
        .collect()
}

/// Every `Patient/…` reference in the active resources' bodies.
fn patient_references(p: &Project) -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    match x {
                        Value::String(r) if k == "reference" && r.starts_with("Patient/") => {
                            out.push(r["Patient/".len()..].to_string())
                        }
                        _ => walk(x, out),
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for row in p.state().values().filter(|r| r.merged_into.is_none()) {
        walk(&serde_json::from_str(&row.body).unwrap(), &mut out);
    }
    out
}

#[test]
fn a_merge_moves_references_and_identifiers_and_unmerge_restores_every_byte() {
    let p = project();
    let before = p.state();
    let (h1001, h1003, e77) = (p.id("H1001"), p.id("H1003"), p.id("E77"));

    // Main clinic first; the name picked from the east chart (it has the middle name).
    let mut req = p.request(&["H1001", "H1003", "E77"], "H1001");
    req.rule = SurvivorshipRule::SourcePriority;
    req.source_priority = vec!["patients".into(), "patients_east".into()];
    req.picks = vec![FieldPick {
        field: "name".into(),
        resource_id: e77.clone(),
    }];
    let preview = merge::preview(&p.ctx, &req).unwrap();
    assert_eq!(preview.survivor_id, h1001);
    assert_eq!(preview.merged_ids, [h1003.clone(), e77.clone()]);
    assert_eq!(preview.redirected, 4, "A02, A04, X500, X501");
    assert_eq!(
        preview.identifiers_added, 2,
        "H1003 and E77; the shared SSN only once"
    );
    let from = |field: &str| {
        let f = preview.fields.iter().find(|f| f.field == field).unwrap();
        (f.chosen_from.clone().unwrap(), f.rule.clone())
    };
    // (field, record, rule): the main clinic's latest row (H1003) wins unless it has
    // nothing; the east chart is last; the name was picked.
    let expected = [
        ("name", &e77, "manual"),
        ("telecom", &h1003, "source_priority"),
        ("maritalStatus", &h1001, "source_priority"),
        ("communication", &e77, "source_priority"),
        ("birthDate", &h1003, "source_priority"),
    ];
    for (field, id, rule) in expected {
        assert_eq!(from(field), (id.clone(), rule.to_string()), "field {field}");
    }
    assert_eq!(p.state(), before, "a preview writes nothing");

    let done = merge::merge(&p.ctx, &req).unwrap();
    assert_eq!(
        (
            done.survivor_id.as_str(),
            done.redirected,
            done.merged_by.as_str()
        ),
        (h1001.as_str(), 4, "ana")
    );
    assert_eq!(done.reason.as_deref(), Some("same SSN, DOB and phone"));
    let merged = p.state();
    let mut moved = changed(&before, &merged);
    moved.sort();
    assert_eq!(
        moved,
        ["A02", "A04", "E77", "H1001", "H1003", "X500", "X501"],
        "the survivor, the merged-away charts (merged_into only) and the four redirected resources"
    );
    for (value, row) in &merged {
        assert_eq!(
            row.hash,
            body_hash(&row.body),
            "{value}'s hash is its body's"
        );
    }
    for merged_away in ["H1003", "E77"] {
        assert_eq!(
            merged[merged_away].merged_into.as_deref(),
            Some(h1001.as_str())
        );
        assert_eq!(
            (&merged[merged_away].body, &merged[merged_away].hash),
            (&before[merged_away].body, &before[merged_away].hash),
            "{merged_away} keeps its row as it was (lineage)"
        );
    }
    let refs = patient_references(&p);
    assert!(
        !refs.contains(&h1003) && !refs.contains(&e77),
        "no active resource points to a merged-away chart"
    );
    for value in ["A02", "A04"] {
        assert_eq!(
            p.body(value)["participant"][0]["actor"]["reference"],
            format!("Patient/{h1001}")
        );
    }
    for value in ["X500", "X501"] {
        assert_eq!(
            p.body(value)["subject"]["reference"],
            format!("Patient/{h1001}")
        );
    }
    let survivor = p.body("H1001");
    assert_eq!(
        survivor["identifier"],
        json!([
            {"system": "urn:oid:2.16.840.1.113883.3.9999.1", "value": "H1001"},
            {"system": "http://hl7.org/fhir/sid/us-ssn", "value": "123456701"},
            {"system": "urn:oid:2.16.840.1.113883.3.9999.1", "value": "H1003", "use": "old"},
            {"system": "urn:oid:2.16.840.1.113883.3.9999.8", "value": "E77", "use": "old"}
        ])
    );
    assert_eq!(survivor["name"], p.body("E77")["name"]);
    assert_eq!(survivor["telecom"], p.body("H1003")["telecom"]);
    assert_eq!(survivor["communication"], p.body("E77")["communication"]);
    assert_eq!(survivor["maritalStatus"], p.body("H1001")["maritalStatus"]);
    assert_eq!(
        merged["H1001"].valid,
        Some(true),
        "the survivor was checked again"
    );

    // Export and push leave the merged-away charts out.
    let out = p._dir.path().join("export");
    let summary = export::run(&p.ctx, &out, &NoProgress, &Cancel::new()).unwrap();
    assert_eq!(summary.merged_away, 2);
    let patients = std::fs::read_to_string(out.join("Patient.ndjson")).unwrap();
    assert_eq!(patients.lines().count(), 5, "seven charts, two merged away");
    assert!(!patients.contains(&format!("\"id\":\"{h1003}\"")));
    assert!(!patients.contains(&format!("\"id\":\"{e77}\"")));
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["mergedAway"], 2);
    let dry = push::run(
        &p.ctx,
        &PushRequest {
            base_url: Some("http://127.0.0.1:9/fhir/R4".into()),
            dry_run: true,
        },
        &NoProgress,
        &Cancel::new(),
    )
    .unwrap();
    let active_valid = merged
        .values()
        .filter(|r| r.merged_into.is_none() && r.valid == Some(true))
        .count() as i64;
    assert_eq!((dry.attempted, dry.merged_away), (active_valid, 2));
    assert_eq!(active_valid, before.len() as i64 - 2, "all else is valid");

    // Validation counts the active records, and every reference resolves.
    let v = validate::run(&p.ctx, &NoProgress, &Cancel::new()).unwrap();
    assert_eq!((v.checked, v.invalid), (before.len() as i64 - 2, 0));

    // Unmerge: every body, hash, flag as before.
    let undone = merge::unmerge(&p.ctx, done.id, "ben").unwrap();
    assert_eq!(undone.unmerged_by.as_deref(), Some("ben"));
    assert_eq!(changed(&p.state(), &before), Vec::<String>::new());
    assert_eq!(p.state(), before, "byte for byte");
    let err = merge::unmerge(&p.ctx, done.id, "ben").unwrap_err();
    assert!(err.to_string().contains("already undone"), "{err}");
    let all = merge::merges(&p.ctx).unwrap();
    assert_eq!(all.len(), 1, "the undone merge is kept, marked");
}

#[test]
fn a_re_conversion_keeps_the_merge_and_unmerge_then_restores_the_new_conversion() {
    let p = project();
    let before = p.state();
    let done = merge::merge(&p.ctx, &p.request(&["H1001", "H1003", "E77"], "H1001")).unwrap();
    let merged = p.state();

    p.convert();
    let reconverted = p.state();
    let strip = |s: &BTreeMap<String, Row>| -> BTreeMap<String, (String, String, Option<String>)> {
        s.iter()
            .map(|(k, r)| {
                (
                    k.clone(),
                    (r.body.clone(), r.hash.clone(), r.merged_into.clone()),
                )
            })
            .collect()
    };
    assert_eq!(
        strip(&reconverted),
        strip(&merged),
        "the same bodies, hashes and merged_into as right after the merge"
    );
    assert!(
        reconverted.values().all(|r| r.valid.is_none()),
        "a conversion leaves validation to be run again"
    );
    assert_eq!(merge::summary(&p.ctx, done.id).unwrap().redirected, 4);

    merge::unmerge(&p.ctx, done.id, "ana").unwrap();
    assert_eq!(
        strip(&p.state()),
        strip(&before),
        "unmerge after a re-conversion restores the conversion's own output"
    );
    let conn = p.db();
    let merged_into: i64 = conn
        .query_row(
            "SELECT count(*) FROM resource WHERE merged_into IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(merged_into, 0);
}

#[test]
fn merges_undo_last_in_first_out_and_chains_survive_a_re_conversion() {
    let p = project();
    let before = p.state();
    // Merge 1 folds H1003 into H1001; merge 2 folds H1001 (with it) into E77.
    let first = merge::merge(&p.ctx, &p.request(&["H1001", "H1003"], "H1001")).unwrap();
    let second = merge::merge(&p.ctx, &p.request(&["E77", "H1001"], "E77")).unwrap();
    let (h1001, e77) = (p.id("H1001"), p.id("E77"));
    for value in ["A01", "A02", "A04"] {
        assert_eq!(
            p.body(value)["participant"][0]["actor"]["reference"],
            format!("Patient/{e77}"),
            "{value} follows both merges"
        );
    }
    let identifiers: Vec<String> = p.body("E77")["identifier"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            format!(
                "{}{}",
                i["value"].as_str().unwrap(),
                i.get("use").map_or("", |_| " old")
            )
        })
        .collect();
    assert_eq!(identifiers, ["E77", "123456701", "H1001 old", "H1003 old"]);
    let state = p.state();
    assert_eq!(state["H1003"].merged_into.as_deref(), Some(h1001.as_str()));
    assert_eq!(state["H1001"].merged_into.as_deref(), Some(e77.as_str()));

    let err = merge::unmerge(&p.ctx, first.id, "ana").unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("undo {} first", second.id)),
        "the later merge is named: {err}"
    );
    assert_eq!(p.state(), state, "a refused unmerge changes nothing");

    let strip = |s: &BTreeMap<String, Row>| -> BTreeMap<String, (String, String, Option<String>)> {
        s.iter()
            .map(|(k, r)| {
                (
                    k.clone(),
                    (r.body.clone(), r.hash.clone(), r.merged_into.clone()),
                )
            })
            .collect()
    };
    p.convert();
    assert_eq!(
        strip(&p.state()),
        strip(&state),
        "both merges re-applied, in order"
    );

    merge::unmerge(&p.ctx, second.id, "ana").unwrap();
    merge::unmerge(&p.ctx, first.id, "ana").unwrap();
    assert_eq!(strip(&p.state()), strip(&before));
}

#[test]
fn a_merge_whose_survivor_is_no_longer_converted_is_undone_by_the_conversion() {
    let p = project();
    let done = merge::merge(&p.ctx, &p.request(&["H1001", "H1003", "E77"], "H1001")).unwrap();
    // A newer export of the main clinic without chart H1001.
    let dir = p._dir.path().join("v2");
    std::fs::create_dir(&dir).unwrap();
    let csv = std::fs::read_to_string(fixture("patients.csv")).unwrap();
    let without: Vec<&str> = csv.lines().filter(|l| !l.starts_with("H1001,")).collect();
    std::fs::write(dir.join("patients.csv"), without.join("\n") + "\n").unwrap();
    p.import(&dir.join("patients.csv"));
    p.convert();

    let m = merge::summary(&p.ctx, done.id).unwrap();
    assert_eq!(m.unmerged_by.as_deref(), Some("conversion"));
    let state = p.state();
    assert!(!state.contains_key("H1001"));
    assert!(
        state.values().all(|r| r.merged_into.is_none()),
        "nothing is left merged into a record that is gone"
    );
    let (h1003, e77) = (p.id("H1003"), p.id("E77"));
    assert_eq!(
        p.body("A02")["participant"][0]["actor"]["reference"],
        format!("Patient/{h1003}")
    );
    assert_eq!(
        p.body("X500")["subject"]["reference"],
        format!("Patient/{e77}")
    );
    assert!(
        !p.body("E77")["identifier"].to_string().contains("H1001"),
        "E77 is as converted"
    );
}

#[test]
fn merges_that_cannot_be_done_are_refused_with_the_reason() {
    let p = project();
    let before = p.state();
    let refused = |req: MergeRequest, expected: &str| {
        let err = merge::merge(&p.ctx, &req).unwrap_err();
        assert!(
            err.to_string().contains(expected),
            "expected {expected:?}: {err}"
        );
    };
    refused(p.request(&["H1001"], "H1001"), "at least two");
    refused(
        p.request(&["H1001", "A01"], "H1001"),
        "only Patients are merged",
    );
    refused(
        p.request(&["H1001", "H1003"], "E77"),
        "not one of the records merged",
    );
    let mut req = p.request(&["H1001", "H1003"], "H1001");
    req.rule = SurvivorshipRule::SourcePriority;
    refused(req, "needs the source names");
    let mut req = p.request(&["H1001", "H1003"], "H1001");
    req.rule = SurvivorshipRule::SourcePriority;
    req.source_priority = vec!["patients".into(), "patient_east".into()];
    refused(req, "no source 'patient_east' in the project");
    let mut req = p.request(&["H1001", "H1003"], "H1001");
    req.picks = vec![FieldPick {
        field: "identifier".into(),
        resource_id: p.id("H1003"),
    }];
    refused(req, "'identifier' is not picked");
    let mut req = p.request(&["H1001", "H1003"], "H1001");
    req.reviewer = " ".into();
    refused(req, "reviewer");

    // The twins were decided different people.
    let run_free = merge::merge(&p.ctx, &p.request(&["H1004", "H1005"], "H1004"));
    assert!(run_free.is_ok(), "nothing forbids it yet");
    let m = run_free.unwrap();
    merge::unmerge(&p.ctx, m.id, "ana").unwrap();
    let run = cutover_engine::api::matching::run(
        &p.ctx,
        &Default::default(),
        &NoProgress,
        &Cancel::new(),
    )
    .unwrap();
    cutover_engine::api::matching::decide(
        &p.ctx,
        &DecideRequest {
            run_id: run.id,
            left_id: p.id("H1004"),
            right_id: p.id("H1005"),
            verdict: ReviewVerdict::Different,
            reviewer: "ana".into(),
            reason: Some("twins".into()),
        },
    )
    .unwrap();
    refused(
        p.request(&["H1004", "H1005"], "H1004"),
        "decided different people",
    );

    merge::merge(&p.ctx, &p.request(&["H1001", "H1003"], "H1001")).unwrap();
    refused(p.request(&["H1003", "E77"], "E77"), "already merged into");
    let state = p.state();
    assert_eq!(
        changed(&before, &state).len(),
        4,
        "only the one merge done (H1001, H1003, A02, A04) changed anything"
    );
}

#[test]
fn a_cluster_of_a_run_is_merged_whole_and_a_merged_cluster_is_not_merged_again() {
    let p = project();
    let run = cutover_engine::api::matching::run(
        &p.ctx,
        &Default::default(),
        &NoProgress,
        &Cancel::new(),
    )
    .unwrap();
    // Make the person's three charts one cluster whatever the fitted model linked.
    let (h1001, h1003, e77) = (p.id("H1001"), p.id("H1003"), p.id("E77"));
    for (a, b) in [(&h1001, &h1003), (&h1001, &e77)] {
        cutover_engine::api::matching::decide(
            &p.ctx,
            &DecideRequest {
                run_id: run.id,
                left_id: a.clone(),
                right_id: b.clone(),
                verdict: ReviewVerdict::Same,
                reviewer: "ana".into(),
                reason: None,
            },
        )
        .unwrap();
    }
    let mut ids = vec![h1001.clone(), h1003.clone(), e77.clone()];
    ids.sort();
    let key = ids[0].clone();
    let members = merge::cluster_members(&p.ctx, run.id, &key).unwrap();
    assert_eq!(members, ids);
    let req = MergeRequest {
        members: vec![],
        survivor: None,
        ..p.request(&["H1001"], "H1001")
    };
    let done = merge::merge_cluster(&p.ctx, run.id, &key, &req).unwrap();
    assert_eq!(done.run_id, Some(run.id));
    assert_eq!(
        done.survivor_id, e77,
        "most recent at record level: the east site's import came last"
    );
    let page = cutover_engine::api::matching::clusters(&p.ctx, run.id, 0, 10).unwrap();
    let cluster = page.clusters.iter().find(|c| c.key == key).unwrap();
    assert_eq!(cluster.merge_id, Some(done.id));
    assert_eq!(merge::cluster_members(&p.ctx, run.id, &key).unwrap(), [e77]);
    let err = merge::merge_cluster(&p.ctx, run.id, &key, &req).unwrap_err();
    assert!(err.to_string().contains("already merged"), "{err}");
}
