//! How the CLI prints: human text by default, JSON Lines with `--json`
//! (`{"type": "progress" | "result" | "error", "data": …}`), progress on stderr.

use std::io::{IsTerminal, Write};

use cutover_engine::EngineError;
use cutover_engine::api::dto::{
    ChangeKind, ColumnProfile, CoverageReport, CrosswalkEntries, CrosswalkSummary, DiffPage,
    Finding, ImportPreview, Page, PipelineStatus, ProgressEvent, SnapshotProfile, SourceSummary,
    ValidateSummary, ValueType,
};
use serde::Serialize;
use serde_json::json;

pub struct Out {
    json: bool,
}

/// Print a line to stdout; a closed pipe (`cutover … | head`) is not an error.
fn say(text: impl std::fmt::Display) {
    let _ = writeln!(std::io::stdout().lock(), "{text}");
}

impl Out {
    pub fn new(json: bool) -> Self {
        Out { json }
    }

    pub fn result<T: Serialize>(&self, data: &T, human: impl FnOnce() -> String) {
        if self.json {
            say(json!({ "type": "result", "data": data }));
        } else {
            say(human());
        }
    }

    pub fn error(&self, e: &EngineError) {
        if self.json {
            say(json!({ "type": "error", "data": e.to_dto() }));
        } else {
            eprintln!("error: {e}");
        }
    }

    /// Progress as JSON Lines on stdout with `--json`; on a terminal, a line on stderr
    /// that rewrites itself; otherwise nothing.
    pub fn progress_sink(&self) -> impl Fn(ProgressEvent) + Send + Sync + use<> {
        let json = self.json;
        let tty = std::io::stderr().is_terminal();
        move |ev: ProgressEvent| {
            if json {
                say(json!({ "type": "progress", "data": ev }));
            } else if tty {
                let pct = ev
                    .total
                    .filter(|t| *t > 0)
                    .map(|t| format!(" ({:.0}%)", ev.done as f64 * 100.0 / t as f64))
                    .unwrap_or_default();
                eprint!("\r{:?}: {} {}{}   ", ev.stage, ev.done, ev.unit, pct);
                let _ = std::io::stderr().flush();
            }
        }
    }
}

pub fn clip(text: &str, width: usize) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if one_line.chars().count() <= width {
        one_line
    } else {
        let mut s: String = one_line.chars().take(width.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

pub fn table(headers: &[String], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if i < widths.len() {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
    }
    let line = |cells: &[String]| {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{:<w$}", c, w = widths[i]))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = vec![line(headers)];
    out.push(
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .join("  "),
    );
    out.extend(rows.iter().map(|r| line(r)));
    out.join("\n")
}

pub fn sources_table(sources: &[SourceSummary]) -> String {
    if sources.is_empty() {
        return "No sources yet: import a file with `cutover import FILE`.".to_string();
    }
    let headers = [
        "source",
        "snapshot",
        "file",
        "imported at",
        "rows",
        "columns",
        "flagged",
    ]
    .map(String::from);
    let rows: Vec<Vec<String>> = sources
        .iter()
        .flat_map(|s| {
            s.snapshots.iter().map(move |n| {
                vec![
                    s.name.clone(),
                    n.seq.to_string(),
                    n.file_name.clone(),
                    n.imported_at.clone(),
                    n.row_count.to_string(),
                    n.column_count.to_string(),
                    n.flagged_rows.to_string(),
                ]
            })
        })
        .collect();
    table(&headers, &rows)
}

pub fn page_table(page: &Page) -> String {
    let mut headers = vec!["row".to_string(), "line".to_string()];
    headers.extend(page.columns.iter().map(|c| clip(&c.name, 24)));
    let rows: Vec<Vec<String>> = page
        .rows
        .iter()
        .map(|r| {
            let mut cells = vec![
                format!("{}{}", r.row, if r.flag.is_some() { "!" } else { "" }),
                r.line.to_string(),
            ];
            cells.extend(
                r.values
                    .iter()
                    .map(|v| clip(v.as_deref().unwrap_or(""), 24)),
            );
            cells
        })
        .collect();
    let shown_to = page.offset + page.rows.len() as i64;
    format!(
        "{}\nrows {}–{} of {}{}",
        table(&headers, &rows),
        if page.rows.is_empty() {
            0
        } else {
            page.offset + 1
        },
        shown_to,
        page.total_rows,
        if page.rows.iter().any(|r| r.flag.is_some()) {
            " (! = row kept but flagged)"
        } else {
            ""
        }
    )
}

pub fn validate_text(v: &ValidateSummary) -> String {
    let mut s = format!(
        "Validated {} resources: {} valid, {} invalid ({} findings)",
        v.checked, v.valid, v.invalid, v.findings
    );
    for r in &v.by_rule {
        s.push_str(&format!("\n  {:>6}  {}", r.count, r.rule));
    }
    s
}

pub fn findings_table(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return "No findings.".to_string();
    }
    let headers = [
        "stage", "severity", "file", "row", "line", "column", "rule", "message",
    ]
    .map(String::from);
    let rows: Vec<Vec<String>> = findings
        .iter()
        .map(|f| {
            vec![
                format!("{:?}", f.stage).to_lowercase(),
                format!("{:?}", f.severity).to_lowercase(),
                f.file_name.clone(),
                f.row.to_string(),
                f.line.to_string(),
                f.column.clone().unwrap_or_default(),
                f.rule.clone(),
                f.message.clone(),
            ]
        })
        .collect();
    table(&headers, &rows)
}

pub fn status_text(s: &PipelineStatus) -> String {
    format!(
        "sources    {}\nimported   {}\nconverted  {}{}\nvalid      {} ({} invalid)\npushed     {} ({} rejected){}",
        s.sources,
        s.imported,
        s.converted,
        if s.merged_away > 0 {
            format!(" ({} merged away)", s.merged_away)
        } else {
            String::new()
        },
        s.valid,
        s.invalid,
        s.pushed,
        s.rejected,
        s.target_base_url
            .as_ref()
            .map(|t| format!("\ntarget     {t}"))
            .unwrap_or_default()
    )
}

pub fn preview_text(p: &ImportPreview) -> String {
    let mut out = vec![format!("{} ({:?}): nothing written", p.file_name, p.format)];
    for t in &p.tables {
        out.push(format!(
            "\n→ source '{}'{}: {} columns; {}",
            t.source_name,
            t.sheet
                .as_ref()
                .map(|s| format!(" (sheet '{s}')"))
                .unwrap_or_default(),
            t.columns.len(),
            t.detected
        ));
        out.extend(t.notes.iter().map(|n| format!("  note: {n}")));
        let headers: Vec<String> = t.columns.iter().map(|c| clip(c, 24)).collect();
        let rows: Vec<Vec<String>> = t
            .rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|v| clip(v.as_deref().unwrap_or(""), 24))
                    .collect()
            })
            .collect();
        out.push(table(&headers, &rows));
    }
    out.join("\n")
}

pub fn diff_text(page: &DiffPage, from_seq: u32, to_seq: u32) -> String {
    let s = &page.summary;
    let mut out = vec![format!(
        "snapshot {from_seq} → {to_seq}, key {}: {} added, {} removed, {} changed, {} unchanged, {} with a blank or repeated key",
        s.key_columns.join("+"),
        s.added,
        s.removed,
        s.changed,
        s.unchanged,
        s.duplicate_keys
    )];
    if !s.only_in_from.is_empty() || !s.only_in_to.is_empty() {
        out.push(format!(
            "columns only in {from_seq}: {}; only in {to_seq}: {}",
            s.only_in_from.join(", "),
            s.only_in_to.join(", ")
        ));
    }
    for r in &page.rows {
        let key = r
            .key
            .iter()
            .map(|k| k.as_deref().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("+");
        match r.kind {
            ChangeKind::Added => {
                out.push(format!("+ {key} (row {})", r.to_row.unwrap_or_default()))
            }
            ChangeKind::Removed => {
                out.push(format!("- {key} (row {})", r.from_row.unwrap_or_default()))
            }
            ChangeKind::Changed => {
                let cells = r
                    .changed_columns
                    .iter()
                    .map(|&i| {
                        let i = i as usize;
                        let old = r
                            .from_values
                            .as_ref()
                            .and_then(|v| v.get(i).cloned().flatten())
                            .unwrap_or_default();
                        let new = r
                            .to_values
                            .as_ref()
                            .and_then(|v| v.get(i).cloned().flatten())
                            .unwrap_or_default();
                        format!(
                            "{}: {} → {}",
                            page.columns.get(i).map(String::as_str).unwrap_or("?"),
                            clip(&old, 24),
                            clip(&new, 24)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                out.push(format!(
                    "~ {key} (rows {}→{}): {cells}",
                    r.from_row.unwrap_or_default(),
                    r.to_row.unwrap_or_default()
                ));
            }
        }
    }
    if page.total > page.offset + page.rows.len() as i64 {
        out.push(format!(
            "… {} more (use --offset)",
            page.total - page.offset - page.rows.len() as i64
        ));
    }
    out.join("\n")
}

fn percent(part: i64, whole: i64) -> String {
    if whole == 0 {
        "0%".to_string()
    } else {
        let p = part as f64 * 100.0 / whole as f64;
        // Never round a partial share to 0% or 100%.
        if part > 0 && p < 0.1 {
            "<0.1%".to_string()
        } else if part < whole && p > 99.9 {
            ">99.9%".to_string()
        } else {
            format!("{p:.1}%").replace(".0%", "%")
        }
    }
}

fn type_text(c: &ColumnProfile) -> String {
    let t = &c.inferred;
    let non_blank = c.rows - c.blanks;
    let name = match t.kind {
        ValueType::Empty => return "empty (every value blank)".to_string(),
        ValueType::Boolean => "boolean".to_string(),
        ValueType::Integer => "integer".to_string(),
        ValueType::Decimal => "decimal".to_string(),
        ValueType::Date => format!("date {}", t.format.as_deref().unwrap_or("")),
        ValueType::Code => "code (digits, leading zeros kept)".to_string(),
        ValueType::Text => return "text".to_string(),
    };
    format!(
        "{name}: {} of {} values fit ({})",
        t.fits,
        non_blank,
        percent(t.fits, non_blank)
    )
}

/// A profile as a compact block per column: figures, then top values beside top patterns.
pub fn profile_text(p: &SnapshotProfile, source: &str, cached: bool) -> String {
    let mut out = vec![format!(
        "{source}: {} rows, profiled {}{}",
        p.rows,
        p.profiled_at,
        if cached {
            " (kept in the project; --refresh to profile again)"
        } else {
            ""
        }
    )];
    for c in &p.columns {
        out.push(String::new());
        out.push(format!("{} — {}", c.name, type_text(c)));
        let mut facts = vec![
            format!("blanks {} ({})", c.blanks, percent(c.blanks, c.rows)),
            format!(
                "distinct {}{}",
                if c.distinct_capped { "at least " } else { "" },
                c.distinct
            ),
        ];
        if let (Some(short), Some(long)) = (c.min_length, c.max_length) {
            facts.push(if short == long {
                format!("length {short}")
            } else {
                format!("length {short}–{long}")
            });
        }
        if let (Some(min), Some(max)) = (&c.min, &c.max) {
            facts.push(format!("min {}", clip(min, 24)));
            facts.push(format!("max {}", clip(max, 24)));
        }
        out.push(format!("  {}", facts.join("   ")));
        let lines = c.top_values.len().max(c.top_patterns.len());
        if lines == 0 {
            continue;
        }
        let headers = [
            "value".to_string(),
            "count".to_string(),
            format!(
                "pattern ({}{} distinct)",
                if c.patterns_capped { "at least " } else { "" },
                c.distinct_patterns
            ),
            "count".to_string(),
        ];
        let cell = |list: &[cutover_engine::api::dto::ValueCount], i: usize| {
            list.get(i).map_or((String::new(), String::new()), |v| {
                (clip(&v.value, 30), v.count.to_string())
            })
        };
        let rows: Vec<Vec<String>> = (0..lines)
            .map(|i| {
                let (value, n) = cell(&c.top_values, i);
                let (pattern, m) = cell(&c.top_patterns, i);
                vec![value, n, pattern, m]
            })
            .collect();
        for line in table(&headers, &rows).lines() {
            out.push(format!("  {line}"));
        }
        if c.top_values_partial {
            out.push(
                "  (more distinct values than are kept with counts: these are the most frequent of those seen first)"
                    .to_string(),
            );
        }
    }
    out.join("\n")
}

pub fn crosswalk_loaded_text(s: &CrosswalkSummary) -> String {
    let mut out = vec![format!(
        "Loaded crosswalk '{}' from {}: {} code{}, key {}, columns {}{}",
        s.name,
        s.file_name,
        s.rows,
        if s.rows == 1 { "" } else { "s" },
        s.key_column,
        s.columns.join(", "),
        if s.ignore_case {
            " (ignoring case)"
        } else {
            ""
        }
    )];
    if !s.problems.is_empty() {
        out.push(format!(
            "{} problem{}:",
            s.problems.len(),
            if s.problems.len() == 1 { "" } else { "s" }
        ));
        out.extend(s.problems.iter().map(|p| {
            format!(
                "  line {}{}: {}",
                p.line,
                if p.column.is_empty() {
                    String::new()
                } else {
                    format!(", column {}", p.column)
                },
                p.message
            )
        }));
    }
    out.join("\n")
}

pub fn crosswalks_table(all: &[CrosswalkSummary]) -> String {
    if all.is_empty() {
        return "No crosswalks yet: load one with `cutover crosswalk load FILE --name NAME`."
            .to_string();
    }
    let headers = [
        "crosswalk",
        "key",
        "columns",
        "codes",
        "problems",
        "file",
        "loaded at",
    ]
    .map(String::from);
    let rows: Vec<Vec<String>> = all
        .iter()
        .map(|s| {
            vec![
                format!(
                    "{}{}",
                    s.name,
                    if s.ignore_case { " (any case)" } else { "" }
                ),
                s.key_column.clone(),
                clip(&s.columns.join(", "), 40),
                s.rows.to_string(),
                s.problems.len().to_string(),
                s.file_name.clone(),
                s.loaded_at.clone(),
            ]
        })
        .collect();
    table(&headers, &rows)
}

pub fn crosswalk_entries_table(page: &CrosswalkEntries) -> String {
    let mut headers = vec!["line".to_string(), clip(&page.key_column, 24)];
    headers.extend(page.columns.iter().map(|c| clip(c, 24)));
    let rows: Vec<Vec<String>> = page
        .entries
        .iter()
        .map(|e| {
            let mut cells = vec![e.line.to_string(), clip(&e.code, 24)];
            cells.extend(e.values.iter().map(|v| clip(v, 40)));
            cells
        })
        .collect();
    format!(
        "{}\ncodes {}–{} of {}",
        table(&headers, &rows),
        if page.entries.is_empty() {
            0
        } else {
            page.offset + 1
        },
        page.offset + page.entries.len() as i64,
        page.total
    )
}

pub fn coverage_text(r: &CoverageReport) -> String {
    let non_blank = r.rows - r.blank_rows;
    let mut out = vec![
        format!(
            "crosswalk '{}' over {}.{} (snapshot {}): {} of {} codes mapped; {} of {} non-blank rows covered ({:.1}%), {} unmapped; {} blank rows",
            r.crosswalk,
            r.source,
            r.column,
            r.snapshot_seq,
            r.mapped_codes,
            r.distinct_codes,
            r.mapped_rows,
            non_blank,
            r.rows_covered_percent,
            r.unmapped_rows,
            r.blank_rows
        ),
        String::new(),
    ];
    let mut headers = vec!["code".to_string(), "rows".to_string(), "mapped".to_string()];
    headers.extend(r.columns.iter().map(|c| clip(c, 24)));
    let rows: Vec<Vec<String>> = r
        .values
        .iter()
        .map(|v| {
            let mut cells = vec![
                clip(&v.value, 24),
                v.count.to_string(),
                if v.mapped { "yes" } else { "NO" }.to_string(),
            ];
            cells.extend(v.values.iter().map(|x| clip(x, 32)));
            cells
        })
        .collect();
    out.push(table(&headers, &rows));
    out.join("\n")
}
