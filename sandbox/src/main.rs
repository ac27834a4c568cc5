//! `cargo run -p sandbox` runs the checked scenario; `cargo run -p sandbox -- serve` serves the
//! webhook routes locally. See the library docs and `sandbox --help`.

use std::process::ExitCode;

use clap::Parser;
use sandbox::cli::{Cli, Command};

#[tokio::main]
async fn main() -> ExitCode {
    let command = Cli::parse().command();
    sandbox::init_logging();
    match command {
        Command::Scenario => match sandbox::run_scenario(&mut std::io::stdout()).await {
            Ok(report) if report.passed() => ExitCode::SUCCESS,
            Ok(_) => ExitCode::FAILURE,
            Err(e) => {
                eprintln!("sandbox: {e}");
                ExitCode::FAILURE
            }
        },
        Command::Serve(opts) => match sandbox::serve::serve(&opts, &mut std::io::stdout()).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{e}");
                ExitCode::from(e.exit_code())
            }
        },
    }
}
