//! Rollout mode (`BRIDGE_MODE`): `live` (default) lets the bridge set ticket and contact
//! fields; `shadow` makes it write notes only, so a team can watch what it would do on real
//! tickets before letting it act.

use std::fmt;

/// How far the bridge may act on the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BridgeMode {
    /// Every write: ticket and contact fields, tags, notes.
    #[default]
    Live,
    /// Notes only: ticket-created posts its draft with what it would have set, customer-replied
    /// only logs and counts, ticket-resolved posts its QA note as usual.
    Shadow,
}

impl BridgeMode {
    /// `live` or `shadow` (case-insensitive); anything else is an error naming the choices.
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "live" => Ok(Self::Live),
            "shadow" => Ok(Self::Shadow),
            other => Err(format!("must be `live` or `shadow`, not `{other}`")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Shadow => "shadow",
        }
    }

    pub fn is_shadow(self) -> bool {
        self == Self::Shadow
    }
}

impl fmt::Display for BridgeMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_and_shadow_parse_and_anything_else_is_refused() {
        assert_eq!(BridgeMode::parse(" Shadow "), Ok(BridgeMode::Shadow));
        assert_eq!(BridgeMode::parse("live"), Ok(BridgeMode::Live));
        assert!(BridgeMode::parse("dry-run").unwrap_err().contains("`live` or `shadow`"));
    }
}
