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
    let t = text
        .trim()
        .trim_start_matches('$')
        .trim_end_matches('%')
        .trim();
    Decimal::from_str(t).map_err(|_| format!("'{text}' is not a number"))
}

/// Strict decimal fields of data files: only a string ("20.00") is accepted, so a value can
/// never pass through a binary float on its way in.
pub mod strict {
    use super::*;

    pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&d.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        let s = String::deserialize(d).map_err(|e| {
            serde::de::Error::custom(format!(
                "{e}; write amounts and percentages as strings, e.g. \"20.00\""
            ))
        })?;
        Decimal::from_str(s.trim())
            .map_err(|_| serde::de::Error::custom(format!("'{s}' is not a decimal number")))
    }
}

/// [`strict`] for a list.
pub mod strict_vec {
    use super::*;

    pub fn serialize<S: Serializer>(v: &[Decimal], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|d| d.to_string()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Decimal>, D::Error> {
        let v = Vec::<String>::deserialize(d).map_err(|e| {
            serde::de::Error::custom(format!(
                "{e}; write percentages as strings, e.g. [\"0\", \"5\"]"
            ))
        })?;
        v.iter()
            .map(|s| {
                Decimal::from_str(s.trim())
                    .map_err(|_| serde::de::Error::custom(format!("'{s}' is not a decimal number")))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Wire {
        #[serde(with = "crate::money")]
        amount: Decimal,
    }

    #[test]
    fn amounts_in_and_out() {
        assert_eq!(parse("72.6").unwrap(), Decimal::new(726, 1));
        assert_eq!(parse(" $35 ").unwrap(), Decimal::new(35, 0));
        assert_eq!(parse("10%").unwrap(), Decimal::new(10, 0));
        assert!(parse("ten").unwrap_err().contains("'ten' is not a number"));
        let w: Wire = serde_json::from_str(r#"{"amount": "72.60"}"#).unwrap();
        assert_eq!(w.amount, Decimal::new(7260, 2));
        assert!(serde_json::from_str::<Wire>(r#"{"amount": "lots"}"#).is_err());
    }
}
