//! The server's log: `window/logMessage` with the message type of each line, filtered by the
//! `logLevel` setting (`error`, `warn`, `info` (the default) or `debug`). Errors also go to
//! stderr, which editors show as errors (Neovim records every stderr line as `[ERROR]`,
//! VS Code's output channel as a red `[error]`): only real problems go there.

use std::sync::atomic::{AtomicU8, Ordering};

use tower_lsp::lsp_types::{LogMessageParams, MessageType};

use crate::output::Output;

/// How much the server tells the client, least first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Error,
    Warn,
    #[default]
    Info,
    /// One line per analysis (what was analysed, how long it took) and per protocol event.
    Debug,
}

impl LogLevel {
    pub const NAMES: [&'static str; 4] = ["error", "warn", "info", "debug"];

    pub fn parse(name: &str) -> Option<LogLevel> {
        Some(match name {
            "error" => LogLevel::Error,
            "warn" => LogLevel::Warn,
            "info" => LogLevel::Info,
            "debug" => LogLevel::Debug,
            _ => return None,
        })
    }

    fn message_type(self) -> MessageType {
        match self {
            LogLevel::Error => MessageType::ERROR,
            LogLevel::Warn => MessageType::WARNING,
            LogLevel::Info => MessageType::INFO,
            LogLevel::Debug => MessageType::LOG,
        }
    }
}

/// Writes through [`Output`], so a line is on the wire before whatever the caller sends
/// next (the debug line of an analysis before its diagnostics).
pub struct Logger {
    output: Output,
    level: AtomicU8,
}

impl Logger {
    pub fn new(output: Output) -> Logger {
        Logger {
            output,
            level: AtomicU8::new(LogLevel::default() as u8),
        }
    }

    pub fn set_level(&self, level: LogLevel) {
        self.level.store(level as u8, Ordering::Relaxed);
    }

    pub fn enabled(&self, level: LogLevel) -> bool {
        level as u8 <= self.level.load(Ordering::Relaxed)
    }

    /// Sends the line when its level is on; errors also go to stderr.
    pub fn log(&self, level: LogLevel, message: String) {
        if level == LogLevel::Error {
            eprintln!("gitops-ls: {message}");
        }
        if self.enabled(level) {
            let params = LogMessageParams {
                typ: level.message_type(),
                message,
            };
            self.output.notify("window/logMessage", &params);
        }
    }
}
