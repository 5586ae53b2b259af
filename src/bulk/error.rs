//! What can go wrong with an input file: always with the line it happened on, never a panic.

use std::fmt;

/// A malformed input file: which line, what is wrong, and for a column that does not
/// exist, the columns that do (so a caller can offer them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// 1-based line of the input where the problem is (`None`: the file as a whole).
    pub line: Option<u64>,
    pub message: String,
    /// The input's columns, when the error is about choosing one.
    pub columns: Option<Vec<String>>,
}

impl InputError {
    pub(crate) fn at(line: u64, message: impl Into<String>) -> Self {
        Self {
            line: Some(line),
            message: message.into(),
            columns: None,
        }
    }

    pub(crate) fn file(message: impl Into<String>) -> Self {
        Self {
            line: None,
            message: message.into(),
            columns: None,
        }
    }

    pub(crate) fn with_columns(mut self, columns: Vec<String>) -> Self {
        self.columns = Some(columns);
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for InputError {}

/// A bulk run's failure: the input file, or the model on a row of it.
#[derive(Debug, thiserror::Error)]
pub enum BulkError {
    #[error("{0}")]
    Input(#[from] InputError),
    #[error("{0}")]
    Model(#[from] crate::Error),
}

impl BulkError {
    /// The crate's stable error code (`BAD_INPUT` for a malformed file).
    pub fn code(&self) -> &'static str {
        match self {
            BulkError::Input(_) => "BAD_INPUT",
            BulkError::Model(e) => e.code(),
        }
    }

    /// The input line the error is about, if any.
    pub fn line(&self) -> Option<u64> {
        match self {
            BulkError::Input(e) => e.line,
            BulkError::Model(_) => None,
        }
    }
}

impl From<BulkError> for crate::Error {
    fn from(e: BulkError) -> Self {
        match e {
            BulkError::Input(e) => crate::Error::InvalidInput(e.to_string()),
            BulkError::Model(e) => e,
        }
    }
}

pub type Result<T> = std::result::Result<T, BulkError>;
