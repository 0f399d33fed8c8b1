//! FHIR NDJSON bulk exports: one record per resource line.

use std::path::Path;

use crate::error::{EngineError, Result};
use crate::import::{ReadOptions, Table, display_name};

pub fn open(path: &Path, _options: &ReadOptions) -> Result<Table> {
    Err(EngineError::bad_input(
        display_name(path),
        "NDJSON files cannot be imported by this version yet",
    ))
}
