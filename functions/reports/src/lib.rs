//! Daily reports (filled by the reports work).
