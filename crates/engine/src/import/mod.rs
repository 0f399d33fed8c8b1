//! Import: reading legacy exports into staging tables, row by row, keeping every row
//! (ragged or badly encoded rows are kept and flagged, never dropped or shifted).

pub mod delimited;

/// Make header names usable and unique: blanks become `column_N`, repeats get `_2`, `_3`.
/// Returns `(name, raw_name)` pairs so the original header stays visible.
pub fn unique_header_names(raw: &[String]) -> Vec<(String, String)> {
    let mut seen = std::collections::HashSet::new();
    raw.iter()
        .enumerate()
        .map(|(i, r)| {
            let trimmed = r.trim();
            let base = if trimmed.is_empty() {
                format!("column_{}", i + 1)
            } else {
                trimmed.to_string()
            };
            let mut name = base.clone();
            let mut k = 2;
            while !seen.insert(name.to_lowercase()) {
                name = format!("{base}_{k}");
                k += 1;
            }
            (name, r.clone())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_are_made_unique_and_blanks_named() {
        let raw: Vec<String> = ["MRN", "", "Name", "name", " DOB ", "MRN"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let names: Vec<String> = unique_header_names(&raw).into_iter().map(|p| p.0).collect();
        assert_eq!(names, ["MRN", "column_2", "Name", "name_2", "DOB", "MRN_2"]);
    }
}
