//! HL7 v2 message archives: one record per message.

use std::path::Path;

use crate::error::{EngineError, Result};
use crate::import::{ReadOptions, Table, display_name};

pub fn open(path: &Path, _options: &ReadOptions) -> Result<Table> {
    Err(EngineError::bad_input(
        display_name(path),
        "HL7 v2 archives cannot be imported by this version yet",
    ))
}
