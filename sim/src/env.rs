//! The configuration variables that point the bridge at running simulators. The sandbox and
//! the end-to-end tests both build their `App` from these (through the same parser as the
//! Lambdas), so a new Simpli service or a renamed variable changes in one place. The webhook
//! secret is not here: the tests pin it, the sandbox lets the environment override it.

use std::net::SocketAddr;

use crate::FreshdeskSim;

/// The Simpli service URL variables (every service answers on every Simpli address).
pub const SIMPLI_URL_VARS: [&str; 5] = ["TRIAGE_URL", "REPLY_URL", "QA_URL", "SENTIMENT_URL", "KB_URL"];

/// `FRESHDESK_BASE_URL` and `FRESHDESK_API_KEY` for the Freshdesk simulator at `freshdesk`,
/// then each Simpli URL variable of `simpli` (variable, address serving it), in that order.
pub fn bridge_env(freshdesk: SocketAddr, api_key: &str, simpli: &[(&str, SocketAddr)]) -> Vec<(String, String)> {
    let mut env = vec![
        ("FRESHDESK_BASE_URL".to_string(), FreshdeskSim::base_url(freshdesk)),
        ("FRESHDESK_API_KEY".to_string(), api_key.to_string()),
    ];
    env.extend(
        simpli
            .iter()
            .map(|(var, addr)| (var.to_string(), format!("http://{addr}"))),
    );
    env
}

/// [`bridge_env`] with one Simpli address for every service.
pub fn bridge_env_one_simpli(freshdesk: SocketAddr, api_key: &str, simpli: SocketAddr) -> Vec<(String, String)> {
    bridge_env(freshdesk, api_key, &SIMPLI_URL_VARS.map(|var| (var, simpli)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_simpli_variable_points_at_the_one_address_given() {
        let fd: SocketAddr = "127.0.0.1:9100".parse().expect("addr");
        let simpli: SocketAddr = "127.0.0.1:9200".parse().expect("addr");
        let env = bridge_env_one_simpli(fd, "key", simpli);
        assert_eq!(
            env[0],
            ("FRESHDESK_BASE_URL".into(), "http://127.0.0.1:9100/api/v2".into())
        );
        assert_eq!(env[1], ("FRESHDESK_API_KEY".into(), "key".into()));
        for var in SIMPLI_URL_VARS {
            assert!(env.contains(&(var.into(), "http://127.0.0.1:9200".into())), "{var}");
        }
        assert_eq!(env.len(), 7);
    }
}
