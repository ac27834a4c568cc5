//! The outside world the bridge talks to: the Freshdesk API v2 client (pacing, pagination,
//! typed errors, account discovery), the Simpli service clients, the shared HTTP client, and
//! the AWS SDK's configuration and error descriptions.

pub mod aws;
pub mod freshdesk;
pub mod http;
pub mod simpli;
