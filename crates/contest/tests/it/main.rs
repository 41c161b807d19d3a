//! The contest crate's integration tests, one binary (`autotests = false` style: every file is a
//! module here).

mod properties;
