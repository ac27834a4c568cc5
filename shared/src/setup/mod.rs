//! Setting up a container: the typed configuration read once from the environment, the
//! secrets (plain or from Secrets Manager), the clock, and the [`App`](app::App) that holds every
//! client and store a job needs, built once per cold start.

pub mod app;
pub mod clock;
pub mod config;
pub mod mode;
pub mod secrets;
