//! The engine's error type. Callers branch on [`EngineError::code`]; messages name files,
//! rows and columns but never carry legacy values, so they are safe to log and show.

use std::path::{Path, PathBuf};

use crate::api::dto::{ErrorCode, ErrorDto};

pub type Result<T, E = EngineError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{}: no such file", .path.display())]
    NotFound { path: PathBuf },

    #[error("{what} not found")]
    NoSuchRecord { what: String },

    #[error("{}: not a Cutover project ({reason})", .path.display())]
    NotAProject { path: PathBuf, reason: String },

    #[error(
        "{}: this project was written by a newer Cutover (schema version {found}; this version understands up to {supported}). Open it with a newer Cutover.",
        .path.display()
    )]
    NewerSchema {
        path: PathBuf,
        found: u32,
        supported: u32,
    },

    /// The input cannot be used at all. `location` is "line 12, column DOB" or empty.
    #[error("{file}{}: {reason}", location_suffix(.location))]
    BadInput {
        file: String,
        location: String,
        reason: String,
    },

    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },

    #[error("{context}: {source}")]
    Sqlite {
        context: String,
        #[source]
        source: rusqlite::Error,
    },

    #[error("cancelled; nothing was kept from the unfinished {what}")]
    Cancelled { what: String },

    #[error("cannot reach the FHIR server at {url}: {reason}")]
    Network { url: String, reason: String },

    #[error("internal error: {0}")]
    Internal(String),
}

fn location_suffix(location: &str) -> String {
    if location.is_empty() {
        String::new()
    } else {
        format!(", {location}")
    }
}

impl EngineError {
    pub fn code(&self) -> ErrorCode {
        match self {
            EngineError::NotFound { .. } | EngineError::NoSuchRecord { .. } => ErrorCode::NotFound,
            EngineError::NotAProject { .. } => ErrorCode::NotAProject,
            EngineError::NewerSchema { .. } => ErrorCode::NewerSchema,
            EngineError::BadInput { .. } => ErrorCode::BadInput,
            EngineError::Io { .. } => ErrorCode::Io,
            EngineError::Cancelled { .. } => ErrorCode::Cancelled,
            EngineError::Network { .. } => ErrorCode::Network,
            EngineError::Sqlite { .. } | EngineError::Internal(_) => ErrorCode::Internal,
        }
    }

    pub fn to_dto(&self) -> ErrorDto {
        ErrorDto {
            code: self.code(),
            message: self.to_string(),
        }
    }

    pub fn bad_input(file: impl Into<String>, reason: impl Into<String>) -> Self {
        EngineError::BadInput {
            file: file.into(),
            location: String::new(),
            reason: reason.into(),
        }
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        EngineError::Io {
            context: context.into(),
            source,
        }
    }

    /// An I/O error on a path; a missing file becomes [`EngineError::NotFound`].
    pub fn io_at(path: &Path, doing: &str, source: std::io::Error) -> Self {
        if source.kind() == std::io::ErrorKind::NotFound {
            EngineError::NotFound {
                path: path.to_path_buf(),
            }
        } else {
            EngineError::Io {
                context: format!("{doing} {}", path.display()),
                source,
            }
        }
    }
}

/// Attach context to SQLite errors: `conn.execute(..).ctx("creating snapshot table")?`.
pub trait SqlContext<T> {
    fn ctx(self, context: &str) -> Result<T>;
}

impl<T> SqlContext<T> for std::result::Result<T, rusqlite::Error> {
    fn ctx(self, context: &str) -> Result<T> {
        self.map_err(|source| EngineError::Sqlite {
            context: context.to_string(),
            source,
        })
    }
}
