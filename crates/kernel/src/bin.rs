//! The business identification number (BIN, БИН) of a Kazakh legal entity.

use std::fmt;
use std::str::FromStr;

/// A 12-digit BIN whose control digit has been checked.
///
/// The control digit (the 12th) is the weighted sum of the first eleven digits modulo 11, with
/// weights 1..=11; when that gives 10 the sum is taken again with weights 3..=11, 1, 2, and a
/// second 10 means the number cannot be issued. IINs of natural persons use the same scheme.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Bin([u8; 12]);

/// Why a string is not a BIN.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BinError {
    /// Not exactly twelve ASCII digits.
    #[error("a BIN is exactly 12 digits, got {0:?}")]
    Shape(String),
    /// Twelve digits whose control digit does not match.
    #[error("BIN {0} fails its checksum (control digit should be {1})")]
    Checksum(String, u8),
    /// Twelve digits for which no control digit exists.
    #[error("BIN {0} cannot be issued: its control digit is undefined")]
    Unissuable(String),
}

impl Bin {
    /// Parses a BIN, checking shape and control digit.
    pub fn parse(s: &str) -> Result<Self, BinError> {
        let bytes = s.as_bytes();
        if bytes.len() != 12 || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(BinError::Shape(s.chars().take(40).collect()));
        }
        let mut digits = [0u8; 12];
        for (d, b) in digits.iter_mut().zip(bytes) {
            *d = b - b'0';
        }
        match control_digit(&digits[..11]) {
            None => Err(BinError::Unissuable(s.to_owned())),
            Some(c) if c != digits[11] => Err(BinError::Checksum(s.to_owned(), c)),
            Some(_) => Ok(Self(digits)),
        }
    }

    /// Completes eleven digits with their control digit, when one exists (test fixtures, tools).
    pub fn with_control_digit(first11: &str) -> Option<Self> {
        let s = format!("{first11}0");
        let mut digits = [0u8; 12];
        if s.len() != 12 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        for (d, b) in digits.iter_mut().zip(s.bytes()) {
            *d = b - b'0';
        }
        digits[11] = control_digit(&digits[..11])?;
        Some(Self(digits))
    }

    /// The twelve digits as text.
    pub fn as_string(&self) -> String {
        self.0.iter().map(|d| char::from(b'0' + d)).collect()
    }
}

fn control_digit(first11: &[u8]) -> Option<u8> {
    let sum = |offset: usize| -> u32 {
        first11
            .iter()
            .enumerate()
            .map(|(i, &d)| u32::from(d) * ((i + offset) % 11 + 1) as u32)
            .sum::<u32>()
            % 11
    };
    match sum(0) {
        10 => match sum(2) {
            10 => None,
            c => Some(c as u8),
        },
        c => Some(c as u8),
    }
}

impl FromStr for Bin {
    type Err = BinError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for Bin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_string())
    }
}

impl fmt::Debug for Bin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Bin({self})")
    }
}

impl serde::Serialize for Bin {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.as_string())
    }
}

impl<'de> serde::Deserialize<'de> for Bin {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_bins() {
        // 9*1+4*2+0*3+7*4+4*5+0*6+0*7+0*8+0*9+9*10+1*11 = 166, and 166 mod 11 = 1.
        assert_eq!(
            Bin::parse("940740000911").unwrap().to_string(),
            "940740000911"
        );
        let b = Bin::with_control_digit("99114000123").unwrap();
        assert!(Bin::parse(&b.to_string()).is_ok());
    }

    #[test]
    fn rejects_a_wrong_control_digit() {
        assert_eq!(
            Bin::parse("940740000915"),
            Err(BinError::Checksum("940740000915".into(), 1))
        );
    }

    #[test]
    fn rejects_wrong_shapes() {
        for s in [
            "",
            "12345678901",
            "1234567890123",
            "08064000123a",
            "０８０６４０００１２３６",
        ] {
            assert!(matches!(Bin::parse(s), Err(BinError::Shape(_))), "{s}");
        }
    }

    #[test]
    fn uses_the_second_weights_when_the_first_sum_is_ten() {
        // "00000000010": first sum 1*10 = 10, so the second weights apply: 1*1 = 1.
        let b = Bin::with_control_digit("00000000010").unwrap();
        assert_eq!(b.to_string(), "000000000101");
    }

    #[test]
    fn serde_round_trip_rejects_bad_checksums() {
        let b: Bin = serde_json::from_str("\"940740000911\"").unwrap();
        assert_eq!(serde_json::to_string(&b).unwrap(), "\"940740000911\"");
        assert!(serde_json::from_str::<Bin>("\"940740000915\"").is_err());
    }
}
