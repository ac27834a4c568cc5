//! The command line, through clap: `sandbox` (the checked scenario, the default), `sandbox serve
//! [--port N] [--with-simulators] [--shadow]`, `sandbox --help`.

use clap::{Parser, Subcommand};

use crate::serve::{ServeOptions, DEFAULT_PORT};

#[derive(Parser, Debug)]
#[command(
    name = "sandbox",
    version,
    about = "Run the whole bridge on this machine: simulators, the real handlers, a checked scenario",
    after_help = "Logs go to stderr at WARN; set RUST_LOG (e.g. RUST_LOG=info) for more."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Sub>,
}

#[derive(Subcommand, Debug)]
enum Sub {
    /// Start the simulators and the bridge, replay events/, report and check (the default).
    Scenario,
    /// Serve the webhook routes on 127.0.0.1, configured from the Lambdas' environment variables.
    Serve {
        /// The port to listen on.
        #[arg(short, long, default_value_t = DEFAULT_PORT)]
        port: u16,
        /// Point Freshdesk and Simpli at local simulators instead of the configured services.
        #[arg(long)]
        with_simulators: bool,
        /// Run the bridge with BRIDGE_MODE=shadow: notes only, no field changes.
        #[arg(long)]
        shadow: bool,
    },
}

/// What to run.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Scenario,
    Serve(ServeOptions),
}

impl Cli {
    /// The command these arguments ask for.
    pub fn command(self) -> Command {
        match self.command {
            None | Some(Sub::Scenario) => Command::Scenario,
            Some(Sub::Serve {
                port,
                with_simulators,
                shadow,
            }) => Command::Serve(ServeOptions {
                port,
                with_simulators,
                shadow,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(args: &[&str]) -> Result<Command, String> {
        Cli::try_parse_from(std::iter::once("sandbox").chain(args.iter().copied()))
            .map(Cli::command)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn no_arguments_runs_the_scenario() {
        assert_eq!(parsed(&[]), Ok(Command::Scenario));
        assert_eq!(parsed(&["scenario"]), Ok(Command::Scenario));
    }

    #[test]
    fn serve_takes_a_port_and_the_simulators_flag_in_either_spelling() {
        let want = Command::Serve(ServeOptions {
            port: 8080,
            with_simulators: true,
            shadow: false,
        });
        assert_eq!(
            parsed(&["serve", "--port", "8080", "--with-simulators"]),
            Ok(want.clone())
        );
        assert_eq!(parsed(&["serve", "--with-simulators", "--port=8080"]), Ok(want));
        assert_eq!(parsed(&["serve"]), Ok(Command::Serve(ServeOptions::default())));
    }

    #[test]
    fn serve_takes_the_shadow_flag() {
        let Ok(Command::Serve(opts)) = parsed(&["serve", "--with-simulators", "--shadow"]) else {
            panic!("serve --shadow is a serve command");
        };
        assert!(opts.shadow && opts.with_simulators);
    }

    #[test]
    fn bad_arguments_are_refused_with_a_reason() {
        assert!(parsed(&["serve", "--port", "http"])
            .unwrap_err()
            .contains("invalid value 'http' for '--port"));
        assert!(parsed(&["serve", "--port"])
            .unwrap_err()
            .contains("a value is required"));
        assert!(parsed(&["deploy"]).unwrap_err().contains("unrecognized subcommand"));
        assert!(parsed(&["scenario", "extra"])
            .unwrap_err()
            .contains("unexpected argument"));
    }
}
