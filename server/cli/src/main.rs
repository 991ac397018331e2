//! `gitops-ls`: the language server (`serve`) and the CI linter (`check`).

mod check;
mod files;
mod report;
mod rules;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Lints Kubernetes and GitOps YAML: container images and imagePullPolicy.
#[derive(Debug, Parser)]
#[command(name = "gitops-ls", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Speak LSP on stdin/stdout (what editors' LSP clients pass).
    #[arg(long, global = false)]
    stdio: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the language server on stdin/stdout.
    Serve {
        /// Accepted for LSP clients that always pass it; stdio is the only transport.
        #[arg(long)]
        stdio: bool,
    },
    /// Lint files and folders (recursively, .yaml/.yml, honouring .gitignore).
    Check(CheckArgs),
    /// List the rules with their default severities.
    Rules,
    /// Explain a rule: what it reports and why.
    Explain {
        /// A rule id, e.g. implicit-pull-policy.
        rule: String,
    },
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files and folders to lint; `-` reads standard input.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Exit with status 1 when a finding has at least this severity.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Apply the safe fixes in place (atomically, keeping line endings).
    #[arg(long)]
    pub fix: bool,
    /// Use this configuration file instead of the nearest .gitops-ls.yaml.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// The path standard input stands for: shown in the report, and it picks the
    /// nearest .gitops-ls.yaml.
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,
    /// Colour the human output (default: when it goes to a terminal and NO_COLOR is unset).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Hint,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to colour output written to a stream that is (or is not) a terminal.
    pub fn enabled(self, to_terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none(),
        }
    }
}

/// Exit statuses: 0 clean, 1 findings at or above --fail-on, 2 usage or I/O error.
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                ExitCode::from(EXIT_ERROR)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match cli.command {
        Some(Command::Serve { .. }) => serve(),
        None if cli.stdio => serve(),
        None => {
            eprintln!("gitops-ls: missing command; try `gitops-ls check .` or `gitops-ls --help`");
            ExitCode::from(EXIT_ERROR)
        }
        Some(Command::Check(args)) => check::run(&args),
        Some(Command::Rules) => rules::list(),
        Some(Command::Explain { rule }) => rules::explain(&rule),
    }
}

/// Exit status 1 when the client exits without asking to shut down first,
/// as the LSP specification asks.
fn serve() -> ExitCode {
    match gitops_ls_lsp::run_stdio() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("gitops-ls: {error}");
            ExitCode::FAILURE
        }
    }
}
