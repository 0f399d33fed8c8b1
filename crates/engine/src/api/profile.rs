//! Use cases: profile a snapshot's columns (one pass, cached in the project), and read a
//! cached profile.

use std::time::Instant;

use rusqlite::{Connection, OptionalExtension};
use tracing::info;

use crate::api::dto::{SnapshotProfile, Stage};
use crate::api::{Cancel, Ctx, ProgressSink, Throttled};
use crate::error::{EngineError, Result, SqlContext};
use crate::profile::{cache, scan};
use crate::store::staging;

/// Profile every column of a snapshot now (replacing any cached profile) and cache it.
/// Progress counts rows; a cancel between batches leaves the cache as it was.
pub fn run(
    ctx: &Ctx,
    snapshot_id: i64,
    progress: &dyn ProgressSink,
    cancel: &Cancel,
) -> Result<SnapshotProfile> {
    let started = Instant::now();
    let conn = ctx.open()?;
    let row_count = row_count(&conn, snapshot_id)?;
    let columns = staging::columns(&conn, snapshot_id)?;
    let mut throttle = Throttled::new(progress, Stage::Profile, "rows", Some(row_count));
    throttle.tick(0);
    let (rows, profiles) = scan::run(&conn, snapshot_id, &columns, &mut throttle, cancel)?;
    let profile = SnapshotProfile {
        snapshot_id,
        rows,
        profiled_at: ctx.now_text(),
        elapsed_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
        columns: profiles,
    };
    cache::save(&conn, &profile)?;
    info!(
        snapshot_id,
        rows,
        columns = profile.columns.len(),
        elapsed_ms = profile.elapsed_ms,
        "profiled snapshot"
    );
    Ok(profile)
}

/// The cached profile of a snapshot, or `None` when it has not been profiled (or was by
/// an older Cutover whose profiles read differently).
pub fn cached(ctx: &Ctx, snapshot_id: i64) -> Result<Option<SnapshotProfile>> {
    let conn = ctx.open()?;
    row_count(&conn, snapshot_id)?;
    cache::load(&conn, snapshot_id)
}

/// The cached profile, or a new one when there is none.
pub fn get(
    ctx: &Ctx,
    snapshot_id: i64,
    progress: &dyn ProgressSink,
    cancel: &Cancel,
) -> Result<SnapshotProfile> {
    match cached(ctx, snapshot_id)? {
        Some(p) => Ok(p),
        None => run(ctx, snapshot_id, progress, cancel),
    }
}

fn row_count(conn: &Connection, snapshot_id: i64) -> Result<i64> {
    conn.query_row(
        "SELECT row_count FROM snapshot WHERE id = ?1",
        [snapshot_id],
        |r| r.get(0),
    )
    .optional()
    .ctx("reading snapshot")?
    .ok_or_else(|| EngineError::NoSuchRecord {
        what: format!("snapshot {snapshot_id}"),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::api::dto::{
        ColumnFilter, FilterMode, ImportRequest, PageRequest, ProgressEvent, ValueCount, ValueType,
    };
    use crate::api::{FixedClock, NoProgress};

    /// A project with one small snapshot imported from `csv`.
    fn project(csv: &str) -> (tempfile::TempDir, Ctx, i64) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("visits.csv");
        std::fs::write(&file, csv).unwrap();
        let clock = chrono::DateTime::parse_from_rfc3339("2026-03-01T09:00:00Z")
            .unwrap()
            .to_utc();
        let ctx = Ctx::with_clock(dir.path().join("t.cutover"), Arc::new(FixedClock(clock)));
        crate::api::project::create(&ctx, Some("t")).unwrap();
        let snapshot_id = crate::api::import::run(
            &ctx,
            &ImportRequest {
                path: file.display().to_string(),
                ..Default::default()
            },
            &NoProgress,
            &Cancel::new(),
        )
        .unwrap()[0]
            .snapshot_id;
        (dir, ctx, snapshot_id)
    }

    const CSV: &str = "\
ID,DOB,ZIP,SEX,AMOUNT,ACTIVE
1,09/03/2000,04183,F,12.50,Y
2,02/14/2014,06957,M,3,N
3,,01368,F,-0.75,Y
4,02/30/1975,02604,X,100,Y
5,12/31/1930,,F,7.25,N
6,01/01/2031,08253
";

    fn vc(value: &str, count: i64) -> ValueCount {
        ValueCount {
            value: value.into(),
            count,
        }
    }

    #[test]
    fn a_small_snapshot_is_profiled_exactly() {
        let (_dir, ctx, id) = project(CSV);
        let p = run(&ctx, id, &NoProgress, &Cancel::new()).unwrap();
        assert_eq!((p.snapshot_id, p.rows), (id, 6));
        assert_eq!(p.profiled_at, "2026-03-01T09:00:00Z");
        let names: Vec<&str> = p.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["ID", "DOB", "ZIP", "SEX", "AMOUNT", "ACTIVE"]);
        let col = |name: &str| p.columns.iter().find(|c| c.name == name).unwrap();

        let c = col("ID");
        assert_eq!((c.rows, c.blanks, c.distinct), (6, 0, 6));
        assert_eq!(c.inferred.kind, ValueType::Integer);
        assert_eq!((c.min.as_deref(), c.max.as_deref()), (Some("1"), Some("6")));

        let c = col("DOB");
        assert_eq!((c.blanks, c.distinct), (1, 5));
        assert_eq!(c.inferred.kind, ValueType::Text, "4 of 5 real dates is 80%");
        assert_eq!(c.top_patterns, vec![vc("99/99/9999", 5)]);
        assert_eq!((c.min_length, c.max_length), (Some(10), Some(10)));

        let c = col("ZIP");
        assert_eq!(c.blanks, 1);
        assert_eq!(c.inferred.kind, ValueType::Code, "leading zeros matter");
        assert_eq!(c.inferred.fits, 5);
        assert_eq!(
            (c.min.as_deref(), c.max.as_deref()),
            (Some("01368"), Some("08253"))
        );
        assert_eq!(c.top_patterns, vec![vc("99999", 5)]);

        let c = col("SEX");
        assert_eq!(c.top_values, vec![vc("F", 3), vc("M", 1), vc("X", 1)]);
        assert_eq!(
            (c.blanks, c.distinct, c.distinct_patterns),
            (1, 3, 1),
            "the short last row has no SEX"
        );
        assert_eq!(c.inferred.kind, ValueType::Text);

        let c = col("AMOUNT");
        assert_eq!(c.inferred.kind, ValueType::Decimal);
        assert_eq!(c.inferred.fits, 5);
        assert_eq!(
            (c.min.as_deref(), c.max.as_deref()),
            (Some("-0.75"), Some("100"))
        );
        assert_eq!(
            c.top_patterns,
            vec![
                vc("-9.99", 1),
                vc("9", 1),
                vc("9.99", 1),
                vc("99.99", 1),
                vc("999", 1)
            ]
        );

        let c = col("ACTIVE");
        assert_eq!(c.inferred.kind, ValueType::Boolean);
        assert_eq!(c.top_values, vec![vc("Y", 3), vc("N", 2)]);
        assert_eq!((&c.min, &c.max), (&None, &None));
    }

    #[test]
    fn dates_are_inferred_with_their_format_and_range() {
        let (_dir, ctx, id) =
            project("DOB,SEEN\n09/03/2000,20240105\n02/14/2014,20231231\n12/31/1930,20240229\n,\n");
        let p = run(&ctx, id, &NoProgress, &Cancel::new()).unwrap();
        let dob = &p.columns[0];
        assert_eq!(dob.inferred.kind, ValueType::Date);
        assert_eq!(dob.inferred.format.as_deref(), Some("MM/DD/YYYY"));
        assert_eq!(dob.inferred.fits, 3);
        assert_eq!(
            (dob.min.as_deref(), dob.max.as_deref()),
            (Some("12/31/1930"), Some("02/14/2014"))
        );
        let seen = &p.columns[1];
        assert_eq!(seen.inferred.format.as_deref(), Some("YYYYMMDD"));
        assert_eq!(seen.max.as_deref(), Some("20240229"));
    }

    #[test]
    fn profiles_are_cached_until_asked_again() {
        let (_dir, ctx, id) = project(CSV);
        assert_eq!(cached(&ctx, id).unwrap(), None);
        let first = get(&ctx, id, &NoProgress, &Cancel::new()).unwrap();
        assert_eq!(cached(&ctx, id).unwrap().as_ref(), Some(&first));
        // A cached profile is returned as it was, without reading the snapshot.
        let conn = ctx.open().unwrap();
        conn.execute(
            "UPDATE snapshot_profile SET profiled_at = 'then', body = json_set(body, '$.profiled_at', 'then')",
            [],
        )
        .unwrap();
        assert_eq!(
            get(&ctx, id, &NoProgress, &Cancel::new())
                .unwrap()
                .profiled_at,
            "then"
        );
        // Running again recomputes and replaces it.
        let again = run(&ctx, id, &NoProgress, &Cancel::new()).unwrap();
        assert_eq!(again.columns, first.columns);
        assert_eq!(
            cached(&ctx, id).unwrap().unwrap().profiled_at,
            again.profiled_at
        );
        // A cache of another format is not read.
        conn.execute("UPDATE snapshot_profile SET format = format + 1", [])
            .unwrap();
        assert_eq!(cached(&ctx, id).unwrap(), None);
        assert!(matches!(
            cached(&ctx, 999).unwrap_err(),
            EngineError::NoSuchRecord { .. }
        ));
    }

    #[test]
    fn progress_counts_rows_and_cancel_keeps_nothing() {
        let mut csv = String::from("A,B\n");
        for i in 0..(scan::BATCH_ROWS * 3 + 5) {
            csv.push_str(&format!("{i},x{}\n", i % 7));
        }
        let (_dir, ctx, id) = project(&csv);
        let events = Mutex::new(Vec::<ProgressEvent>::new());
        let sink = |e: ProgressEvent| events.lock().unwrap().push(e);
        let p = run(&ctx, id, &sink, &Cancel::new()).unwrap();
        let events = events.into_inner().unwrap();
        let last = events.last().unwrap();
        assert_eq!(last.stage, Stage::Profile);
        assert_eq!((last.done, last.total), (p.rows, Some(p.rows)));
        assert_eq!(last.unit, "rows");
        assert_eq!(p.columns[1].distinct, 7);

        conn_clear(&ctx);
        let cancel = Cancel::new();
        cancel.cancel();
        let err = run(&ctx, id, &NoProgress, &cancel).unwrap_err();
        assert!(matches!(err, EngineError::Cancelled { .. }), "{err}");
        assert_eq!(cached(&ctx, id).unwrap(), None, "nothing cached");
    }

    fn conn_clear(ctx: &Ctx) {
        ctx.open()
            .unwrap()
            .execute("DELETE FROM snapshot_profile", [])
            .unwrap();
    }

    #[test]
    fn a_missing_snapshot_is_not_found() {
        let (_dir, ctx, _) = project(CSV);
        let err = run(&ctx, 42, &NoProgress, &Cancel::new()).unwrap_err();
        assert!(matches!(err, EngineError::NoSuchRecord { .. }), "{err}");
    }

    /// The grid's equals and pattern filters keep exactly the rows the profile counts.
    #[test]
    fn filters_select_the_rows_a_profile_counts() {
        let (_dir, ctx, id) = project(CSV);
        let p = run(&ctx, id, &NoProgress, &Cancel::new()).unwrap();
        let rows = |column: u32, mode: Option<FilterMode>, text: &str| {
            let page = crate::api::sources::page(
                &ctx,
                &PageRequest {
                    snapshot_id: id,
                    offset: 0,
                    limit: 100,
                    sort: None,
                    filters: vec![ColumnFilter {
                        column,
                        contains: text.into(),
                        mode,
                    }],
                },
            )
            .unwrap();
            assert_eq!(page.total_rows, page.rows.len() as i64);
            page.rows.iter().map(|r| r.row).collect::<Vec<_>>()
        };
        use FilterMode::*;
        for (column, mode, text, expected) in [
            (3, Some(Equals), "F", vec![1, 3, 5]),
            (3, Some(Equals), "f", vec![]),
            (3, None, "f", vec![1, 3, 5]),
            (3, Some(Contains), "f", vec![1, 3, 5]),
            (3, None, "", vec![1, 2, 3, 4, 5, 6]),
            (3, Some(Equals), "", vec![6]),
            (2, Some(Equals), "", vec![5]),
            (2, Some(Pattern), "", vec![5]),
            (1, Some(Pattern), "99/99/9999", vec![1, 2, 4, 5, 6]),
            (4, Some(Pattern), "99.99", vec![1]),
            (4, Some(Pattern), "9", vec![2]),
            (0, Some(Equals), "4", vec![4]),
            (0, Some(Equals), "%", vec![]),
            (0, Some(Pattern), "A", vec![]),
        ] {
            assert_eq!(
                rows(column, mode, text),
                expected,
                "column {column} {mode:?} {text:?}"
            );
        }
        // Every listed value and pattern filters to exactly its count.
        for c in &p.columns {
            for v in &c.top_values {
                assert_eq!(rows(c.index, Some(Equals), &v.value).len() as i64, v.count);
            }
            for v in &c.top_patterns {
                assert_eq!(rows(c.index, Some(Pattern), &v.value).len() as i64, v.count);
            }
            assert_eq!(rows(c.index, Some(Equals), "").len() as i64, c.blanks);
        }
    }
}
