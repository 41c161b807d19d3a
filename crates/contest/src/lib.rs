//! The contest, pure: the rules as data, money, rewards, the estimated score, rank allocation
//! under the per-operator spot limits, and the leaderboard's shapes (the normalised one and the
//! dashboard's, adapted in `leaderboard::dashboard`).
//!
//! Architecture invariant: this crate does no I/O. It knows nothing of SQLite, HTTP, the
//! keychain, processes or the file system (`cargo tree -p cortensor-contest` lists none of
//! rusqlite, ureq, sysinfo, keyring-core, tiny_http); callers hand it text and numbers.

pub mod leaderboard;
pub mod money;
pub mod rank;
pub mod rewards;
pub mod rules;
pub mod score;
