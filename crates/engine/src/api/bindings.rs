//! TypeScript bindings for the DTOs, generated with ts-rs into one file the UI imports
//! (`ui/src/lib/bindings.ts`). A test fails when the committed file is stale; run
//! `UPDATE_BINDINGS=1 cargo test -p cutover-engine bindings` to refresh it.

use ts_rs::{Config, TS};

use crate::api::dto::*;
use crate::fhir::{ElementInfo, SchemaIssue};
use crate::mapping::spec::{
    DuplicatesSpec, ElementSpec, IdentifierSpec, MappingSpec, PreferSpec, ReferenceSpec,
};
use crate::mapping::transforms::{
    CodingOptions, Condition, DateFormat, DateOptions, DatetimeOptions, PhoneOptions, Pivot,
    PivotKeyword, QuantityOptions, RangeOptions, RegexReplaceOptions, TransformInfo, TransformSpec,
    TruncateOptions,
};

/// The whole bindings file.
pub fn typescript() -> String {
    let cfg = Config::default();
    let decls = [
        ProjectInfo::decl(&cfg),
        RecentProject::decl(&cfg),
        SourceSummary::decl(&cfg),
        SnapshotSummary::decl(&cfg),
        ColumnInfo::decl(&cfg),
        SortDirection::decl(&cfg),
        SortSpec::decl(&cfg),
        ColumnFilter::decl(&cfg),
        FilterMode::decl(&cfg),
        PageRequest::decl(&cfg),
        StagedRow::decl(&cfg),
        Page::decl(&cfg),
        FileFormat::decl(&cfg),
        ImportRequest::decl(&cfg),
        ImportSummary::decl(&cfg),
        ImportPreview::decl(&cfg),
        TablePreview::decl(&cfg),
        Stage::decl(&cfg),
        ProgressEvent::decl(&cfg),
        MappingSummary::decl(&cfg),
        ConvertSummary::decl(&cfg),
        Severity::decl(&cfg),
        Finding::decl(&cfg),
        RuleCount::decl(&cfg),
        ValidateSummary::decl(&cfg),
        PushRequest::decl(&cfg),
        PushSummary::decl(&cfg),
        PipelineStatus::decl(&cfg),
        DiffRequest::decl(&cfg),
        ChangeKind::decl(&cfg),
        DiffSummary::decl(&cfg),
        DiffRow::decl(&cfg),
        DiffPage::decl(&cfg),
        SnapshotProfile::decl(&cfg),
        ColumnProfile::decl(&cfg),
        ValueCount::decl(&cfg),
        InferredType::decl(&cfg),
        ValueType::decl(&cfg),
        CrosswalkLoadRequest::decl(&cfg),
        CrosswalkProblem::decl(&cfg),
        CrosswalkSummary::decl(&cfg),
        CrosswalkEntry::decl(&cfg),
        CrosswalkEntries::decl(&cfg),
        CoverageRequest::decl(&cfg),
        CoverageValue::decl(&cfg),
        CoverageReport::decl(&cfg),
        ConceptMapRequest::decl(&cfg),
        ErrorCode::decl(&cfg),
        ErrorDto::decl(&cfg),
        TransformSpec::decl(&cfg),
        TransformInfo::decl(&cfg),
        DateOptions::decl(&cfg),
        DateFormat::decl(&cfg),
        Pivot::decl(&cfg),
        PivotKeyword::decl(&cfg),
        DatetimeOptions::decl(&cfg),
        PhoneOptions::decl(&cfg),
        TruncateOptions::decl(&cfg),
        RegexReplaceOptions::decl(&cfg),
        Condition::decl(&cfg),
        QuantityOptions::decl(&cfg),
        RangeOptions::decl(&cfg),
        CodingOptions::decl(&cfg),
        MappingSpec::decl(&cfg),
        IdentifierSpec::decl(&cfg),
        DuplicatesSpec::decl(&cfg),
        PreferSpec::decl(&cfg),
        ElementSpec::decl(&cfg),
        ReferenceSpec::decl(&cfg),
        MappingDetail::decl(&cfg),
        MappingVersion::decl(&cfg),
        MappingPreviewRequest::decl(&cfg),
        MappingPreview::decl(&cfg),
        PreviewRow::decl(&cfg),
        PreviewProblem::decl(&cfg),
        MappingDiff::decl(&cfg),
        ElementChange::decl(&cfg),
        ElementInfo::decl(&cfg),
        SchemaIssue::decl(&cfg),
        Lineage::decl(&cfg),
        ElementLineage::decl(&cfg),
        LineageInput::decl(&cfg),
        LineageStep::decl(&cfg),
        ExportSummary::decl(&cfg),
        ExportFile::decl(&cfg),
        Suggestion::decl(&cfg),
        BlockingRuleInfo::decl(&cfg),
        MatchConfig::decl(&cfg),
        RulePairCount::decl(&cfg),
        BlockingPreview::decl(&cfg),
        MatchRunSummary::decl(&cfg),
        MatchBand::decl(&cfg),
        ReviewVerdict::decl(&cfg),
        ReviewDecision::decl(&cfg),
        MatchPair::decl(&cfg),
        PairPageRequest::decl(&cfg),
        PairPage::decl(&cfg),
        ReviewProgress::decl(&cfg),
        FieldComparison::decl(&cfg),
        RecordOrigin::decl(&cfg),
        PairDetail::decl(&cfg),
        DecideRequest::decl(&cfg),
        ClusterMember::decl(&cfg),
        MatchCluster::decl(&cfg),
        ClusterPage::decl(&cfg),
        PairMetricsDto::decl(&cfg),
        ThresholdMetrics::decl(&cfg),
        MatchEvaluation::decl(&cfg),
        ApplyDecisionsSummary::decl(&cfg),
        SurvivorshipRule::decl(&cfg),
        FieldPick::decl(&cfg),
        MergeRequest::decl(&cfg),
        FieldCandidate::decl(&cfg),
        SurvivorField::decl(&cfg),
        MergePreview::decl(&cfg),
        MergeSummary::decl(&cfg),
        LedgerLine::decl(&cfg),
        UnaccountedRow::decl(&cfg),
        LedgerReport::decl(&cfg),
        SampleRequest::decl(&cfg),
        SampleStratum::decl(&cfg),
        Signoff::decl(&cfg),
        SampleSummary::decl(&cfg),
        SampleVerdict::decl(&cfg),
        SampleItem::decl(&cfg),
        SampleVerdictRequest::decl(&cfg),
        SignoffRequest::decl(&cfg),
    ];
    let mut out = String::from(
        "// Generated from the engine's Rust DTOs (crates/engine/src/api/dto.rs) by\n// `UPDATE_BINDINGS=1 cargo test -p cutover-engine bindings`. Do not edit.\n",
    );
    for decl in decls {
        out.push_str("export ");
        out.push_str(&decl);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn bindings_are_fresh() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/bindings.ts");
        let generated = super::typescript();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &generated).unwrap();
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "ui/src/lib/bindings.ts is stale: run `UPDATE_BINDINGS=1 cargo test -p cutover-engine bindings` and commit it"
        );
    }
}
