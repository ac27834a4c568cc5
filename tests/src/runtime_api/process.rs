//! Function binaries as child processes: finding (building once) the binary of a workspace
//! package, starting it against a [`RuntimeApi`] with the Lambda environment, its log, and a
//! real `kill -9`. It exists so crash and cold-start tests exercise the shipped binary.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Mutex, OnceLock};

use super::{lock, RuntimeApi};

/// The workspace root (where `events/` and `Cargo.toml` are).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The binary of a workspace package (a function, `ops`), built in the target directory and
/// profile this test executable was built in, once per test process.
///
/// `cargo build --workspace --bin <name>`: features unified over the whole workspace, as
/// `cargo test --workspace` (scripts/test.sh) and `cargo lambda build` in the workspace root
/// resolve them, so after the test build this only compiles and links the binary itself
/// (`-p <name>` alone would resolve fewer features and rebuild most of the dependency tree).
pub fn function_binary(package: &str) -> io::Result<PathBuf> {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let mut built = lock(BUILT.get_or_init(|| Mutex::new(HashMap::new())));
    if let Some(path) = built.get(package) {
        return Ok(path.clone());
    }
    // <target>/<profile>/deps/<test>-<hash>
    let exe = std::env::current_exe()?;
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .ok_or_else(|| io::Error::other(format!("unexpected test executable path {}", exe.display())))?
        .to_path_buf();
    let target_dir = profile_dir
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| workspace_root().join("target"));
    let profile = profile_dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("debug")
        .to_string();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(workspace_root())
        .args(["build", "--quiet", "--workspace", "--bin", package])
        .env("CARGO_TARGET_DIR", &target_dir);
    match profile.as_str() {
        "debug" => {}
        "release" => {
            cmd.arg("--release");
        }
        other => {
            cmd.args(["--profile", other]);
        }
    }
    let status = cmd.status()?;
    if !status.success() {
        return Err(io::Error::other(format!("cargo build -p {package} failed: {status}")));
    }
    let path = profile_dir.join(package);
    if !path.is_file() {
        return Err(io::Error::other(format!("{} missing after the build", path.display())));
    }
    built.insert(package.to_string(), path.clone());
    Ok(path)
}

/// One function instance: the real binary as a child process polling a [`RuntimeApi`].
/// Dropping it kills it.
pub struct FunctionProcess {
    package: String,
    child: Child,
    log: PathBuf,
}

impl FunctionProcess {
    /// Starts `package`'s binary with the Lambda environment plus `env` (and nothing else from
    /// this process's environment except `PATH`, `RUST_LOG` and `RUST_BACKTRACE`).
    pub fn spawn(package: &str, runtime: &RuntimeApi, env: &[(String, String)]) -> io::Result<Self> {
        Self::spawn_binary(&function_binary(package)?, &runtime.endpoint(), env)
    }

    /// Starts a given binary (e.g. a release build) against the runtime API at `runtime_api`
    /// (`host:port`); the package name is the binary's file name.
    pub fn spawn_binary(binary: &Path, runtime_api: &str, env: &[(String, String)]) -> io::Result<Self> {
        let package = binary.file_name().and_then(|n| n.to_str()).unwrap_or("function");
        let log = std::env::temp_dir().join(format!(
            "e2e-{package}-{}-{:08x}.log",
            std::process::id(),
            fastrand::u32(..)
        ));
        let out = std::fs::File::create(&log)?;
        let err = out.try_clone()?;
        let mut cmd = Command::new(binary);
        cmd.env_clear()
            .env("AWS_LAMBDA_RUNTIME_API", runtime_api)
            .env("AWS_LAMBDA_FUNCTION_NAME", package)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{package}"))
            .env(
                "AWS_LAMBDA_LOG_STREAM_NAME",
                format!("2026/11/29/[$LATEST]{:032x}", fastrand::u128(..)),
            )
            .env("RUST_LOG", std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()));
        for name in ["PATH", "RUST_BACKTRACE"] {
            if let Ok(v) = std::env::var(name) {
                cmd.env(name, v);
            }
        }
        cmd.envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        let child = cmd.spawn()?;
        Ok(Self {
            package: package.to_string(),
            child,
            log,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `kill -9` (SIGKILL on unix), then reap.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The exit status, if it has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Everything the process wrote to stdout and stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The last `n` lines of its log (for failure messages).
    pub fn log_tail(&self, n: usize) -> String {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        format!(
            "--- {} (pid {}) ---\n{}",
            self.package,
            self.child.id(),
            lines[lines.len().saturating_sub(n)..].join("\n")
        )
    }
}

impl Drop for FunctionProcess {
    /// Kills the process, then fails the test if its log holds a secret or a ticket body.
    fn drop(&mut self) {
        self.kill();
        crate::log_scan::assert_no_leaks(&self.package, &self.log());
        if std::env::var_os("E2E_KEEP_LOGS").is_none() {
            let _ = std::fs::remove_file(&self.log);
        }
    }
}
