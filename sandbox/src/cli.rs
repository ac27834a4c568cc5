//! The command line: `sandbox` (the checked scenario, the default), `sandbox serve [--port N]
//! [--with-simulators] [--shadow]`, `sandbox --help`. Small enough not to need an argument-parsing crate.

use crate::serve::{ServeOptions, DEFAULT_PORT};

pub const USAGE: &str = "\
Usage:
  sandbox [scenario]                          start the simulators and the bridge, replay events/, report and check
  sandbox serve [--port N] [--with-simulators] [--shadow]
                                              serve the webhook routes on 127.0.0.1:N (default 3000), configured
                                              from the Lambdas' environment variables; --with-simulators points
                                              Freshdesk and Simpli at local simulators instead; --shadow runs
                                              the bridge with BRIDGE_MODE=shadow (notes only)
  sandbox --help

Logs go to stderr at WARN; set RUST_LOG (e.g. RUST_LOG=info) for more.";

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Scenario,
    Serve(ServeOptions),
    Help,
}

/// Parses the arguments after the program name.
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut args = args.into_iter();
    let Some(first) = args.next() else {
        return Ok(Command::Scenario);
    };
    match first.as_str() {
        "-h" | "--help" | "help" => Ok(Command::Help),
        "scenario" => match args.next() {
            None => Ok(Command::Scenario),
            Some(extra) => Err(format!("unexpected argument {extra:?} after scenario")),
        },
        "serve" => parse_serve(args).map(Command::Serve),
        other => Err(format!("unknown command {other:?}")),
    }
}

fn parse_serve(mut args: impl Iterator<Item = String>) -> Result<ServeOptions, String> {
    let mut opts = ServeOptions {
        port: DEFAULT_PORT,
        with_simulators: false,
        shadow: false,
    };
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f.to_string(), Some(v.to_string())),
            None => (arg.clone(), None),
        };
        match flag.as_str() {
            "--with-simulators" if inline.is_none() => opts.with_simulators = true,
            "--shadow" if inline.is_none() => opts.shadow = true,
            "--port" | "-p" => {
                let raw = inline.or_else(|| args.next()).ok_or("--port needs a value")?;
                opts.port = raw
                    .parse()
                    .map_err(|_| format!("--port: expected a port number, got {raw:?}"))?;
            }
            "-h" | "--help" => return Err("see the usage below".into()),
            _ => return Err(format!("unknown option {arg:?} for serve")),
        }
    }
    Ok(opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(args: &[&str]) -> Result<Command, String> {
        parse(args.iter().map(|a| a.to_string()))
    }

    #[test]
    fn no_arguments_runs_the_scenario() {
        assert_eq!(parsed(&[]), Ok(Command::Scenario));
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
            panic!("serve");
        };
        assert!(opts.shadow && opts.with_simulators);
    }

    #[test]
    fn bad_arguments_are_refused_with_a_reason() {
        assert!(parsed(&["serve", "--port", "http"])
            .unwrap_err()
            .contains("port number"));
        assert!(parsed(&["serve", "--port"]).unwrap_err().contains("needs a value"));
        assert!(parsed(&["deploy"]).unwrap_err().contains("unknown command"));
    }
}
