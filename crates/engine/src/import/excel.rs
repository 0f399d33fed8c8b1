//! Excel workbooks (xlsx, xlsm, xls, ods) via calamine: one table per sheet.

use std::path::Path;

use crate::error::{EngineError, Result};
use crate::import::{ReadOptions, Table, display_name};

pub fn open(path: &Path, _options: &ReadOptions) -> Result<Vec<Table>> {
    Err(EngineError::bad_input(
        display_name(path),
        "workbooks cannot be imported by this version yet",
    ))
}
