//! Secrets: from the environment (dev) or Secrets Manager (deployed), read once per container.
//! A Secrets Manager value may be a plain string or a JSON object with one string value.

use secrecy::SecretString;

use crate::setup::config::{Config, ConfigError, SecretSource};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("secret {var}: {problem}")]
    Secret { var: &'static str, problem: String },
}

/// Resolved secrets (from the environment or Secrets Manager).
#[derive(Debug, Clone)]
pub struct Secrets {
    pub freshdesk_api_key: SecretString,
    /// `None` for the scheduled functions, which never answer a webhook.
    pub webhook_secret: Option<SecretString>,
    /// Simpli's `X-API-Key`, when the services require one.
    pub simpli_api_key: Option<SecretString>,
}

pub async fn resolve(config: &Config, aws: Option<&aws_config::SdkConfig>) -> Result<Secrets, StartupError> {
    let client = aws.map(aws_sdk_secretsmanager::Client::new);
    let freshdesk_api_key = fetch(
        "FRESHDESK_API_KEY_SECRET_ID",
        &config.freshdesk_api_key,
        client.as_ref(),
    )
    .await?;
    let webhook_secret = match &config.webhook_secret {
        Some(source) => Some(fetch("WEBHOOK_SECRET_SECRET_ID", source, client.as_ref()).await?),
        None => None,
    };
    let simpli_api_key = match &config.simpli_api_key {
        Some(source) => Some(fetch("SIMPLI_API_KEY_SECRET_ID", source, client.as_ref()).await?),
        None => None,
    };
    Ok(Secrets {
        freshdesk_api_key,
        webhook_secret,
        simpli_api_key,
    })
}

async fn fetch(
    var: &'static str,
    source: &SecretSource,
    client: Option<&aws_sdk_secretsmanager::Client>,
) -> Result<SecretString, StartupError> {
    let id = match source {
        SecretSource::Value(v) => return Ok(v.clone()),
        SecretSource::SecretsManager(id) => id,
    };
    let client = client.ok_or(StartupError::Secret {
        var,
        problem: "no AWS configuration".into(),
    })?;
    let out = client
        .get_secret_value()
        .secret_id(id)
        .send()
        .await
        .map_err(|e| StartupError::Secret {
            var,
            problem: crate::clients::aws::describe(&e),
        })?;
    let raw = out.secret_string().ok_or(StartupError::Secret {
        var,
        problem: "secret has no string value".into(),
    })?;
    secret_value(raw)
        .map(SecretString::from)
        .map_err(|problem| StartupError::Secret { var, problem })
}

/// A plain string, or a JSON object holding exactly one string value.
pub fn secret_value(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim();
    if trimmed.starts_with('{') {
        let map: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(trimmed).map_err(|_| "secret looks like JSON but does not parse".to_string())?;
        let strings: Vec<&str> = map.values().filter_map(|v| v.as_str()).collect();
        return match strings.as_slice() {
            [one] if !one.is_empty() => Ok(one.to_string()),
            _ => Err(format!(
                "JSON secret must hold exactly one non-empty string value (has {})",
                strings.len()
            )),
        };
    }
    if trimmed.is_empty() {
        return Err("secret is empty".into());
    }
    Ok(trimmed.to_string())
}

#[cfg(test)]
mod tests {
    use super::secret_value;

    #[test]
    fn plain_or_single_value_json() {
        assert_eq!(secret_value("abc\n").unwrap(), "abc");
        assert_eq!(secret_value(r#"{"api_key": "abc"}"#).unwrap(), "abc");
        assert!(secret_value(r#"{"a": "x", "b": "y"}"#).is_err());
        assert!(secret_value(r#"{"a": 1}"#).is_err());
        assert!(secret_value("  ").is_err());
    }
}
