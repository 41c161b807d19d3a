//! Money on the wire: a decimal string with exactly two places ("72.60"), never a float.

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serializer};
use std::str::FromStr;

pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{d:.2}"))
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    let s = String::deserialize(d)?;
    Decimal::from_str(&s).map_err(serde::de::Error::custom)
}

/// Parse a user-typed amount or percentage ("72.6", "10", "$35").
pub fn parse(text: &str) -> Result<Decimal, String> {
    let t = text.trim().trim_start_matches('$').trim_end_matches('%').trim();
    Decimal::from_str(t).map_err(|_| format!("'{text}' is not a number"))
}
