//! A small JSON-RPC client that drives the real `gitops-ls serve` over stdio:
//! Content-Length framing, request ids, answers to the server's own
//! requests, and waits that always time out, so that a bug fails a test
//! instead of hanging the suite.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// Long enough for a debug build analysing megabytes, short enough that a
/// hang is reported.
pub const TIMEOUT: Duration = Duration::from_secs(90);

/// The `$/progress` token of the server's workspace index build.
pub const INDEX_PROGRESS_TOKEN: &str = "gitops-ls/index";

pub fn binary() -> String {
    std::env::var("GITOPS_LS_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_gitops-ls").to_owned())
}

/// How the test client presents itself in `initialize`.
pub struct Options {
    pub encodings: Option<Vec<&'static str>>,
    pub initialization_options: Value,
    pub workspace_folders: Vec<String>,
    pub env: Vec<(&'static str, String)>,
    /// The answer to `workspace/configuration` for the `gitops-ls` section.
    pub configuration: Value,
    /// Declare `codeAction/resolve` support for `edit`.
    pub resolve_code_actions: bool,
    /// `textDocument.hover.contentFormat`.
    pub hover_formats: Vec<&'static str>,
    /// `window.workDoneProgress`: the server reports the workspace index build.
    pub work_done_progress: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            encodings: Some(vec!["utf-16"]),
            initialization_options: Value::Null,
            workspace_folders: Vec::new(),
            env: Vec::new(),
            configuration: Value::Null,
            resolve_code_actions: false,
            hover_formats: vec!["markdown", "plaintext"],
            work_done_progress: true,
        }
    }
}

pub struct Server {
    child: Child,
    stdin: Arc<Mutex<ChildStdin>>,
    messages: Receiver<Value>,
    /// Notifications received while waiting for something else.
    backlog: VecDeque<Value>,
    next_id: i64,
    stderr: Arc<Mutex<String>>,
    /// Reads stderr until the server closes it.
    stderr_reader: Option<thread::JoinHandle<()>>,
    /// Requests the server sent to the client (method, params).
    pub server_requests: Arc<Mutex<Vec<(String, Value)>>>,
    pub configuration: Arc<Mutex<Value>>,
    pub initialize_result: Value,
}

fn write_message(stdin: &Mutex<ChildStdin>, message: &Value) {
    let body = serde_json::to_vec(message).expect("serialize");
    let mut stdin = stdin.lock().unwrap_or_else(|p| p.into_inner());
    // A server that died shows up as a timeout with its stderr.
    let _ = write!(stdin, "Content-Length: {}\r\n\r\n", body.len());
    let _ = stdin.write_all(&body);
    let _ = stdin.flush();
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if length.is_some() {
                break;
            }
            continue;
        }
        let (name, value) = line.split_once(':')?;
        if name.eq_ignore_ascii_case("content-length") {
            length = value.trim().parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

impl Server {
    pub fn start(options: Options) -> Server {
        let mut command = Command::new(binary());
        command
            .arg("serve")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, value) in &options.env {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("start gitops-ls serve");
        let stdin = Arc::new(Mutex::new(child.stdin.take().unwrap()));
        let stdout = child.stdout.take().unwrap();
        let stderr_pipe = child.stderr.take().unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let stderr_reader = {
            let stderr = stderr.clone();
            thread::spawn(move || {
                let mut reader = BufReader::new(stderr_pipe);
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap_or(0) > 0 {
                    stderr.lock().unwrap().push_str(&line);
                    line.clear();
                }
            })
        };
        let (sender, messages) = mpsc::channel();
        let server_requests = Arc::new(Mutex::new(Vec::new()));
        let configuration = Arc::new(Mutex::new(options.configuration.clone()));
        {
            let stdin = stdin.clone();
            let server_requests = server_requests.clone();
            let configuration = configuration.clone();
            thread::spawn(move || {
                let mut reader = BufReader::new(stdout);
                while let Some(message) = read_message(&mut reader) {
                    let is_request = message.get("id").is_some() && message.get("method").is_some();
                    if is_request {
                        // Answer the server's requests right away.
                        let method = message["method"].as_str().unwrap_or_default().to_owned();
                        let params = message.get("params").cloned().unwrap_or(Value::Null);
                        let result = match method.as_str() {
                            "workspace/configuration" => {
                                let section = configuration.lock().unwrap().clone();
                                let items = params["items"].as_array().map_or(1, Vec::len);
                                Value::Array(vec![section; items])
                            }
                            "workspace/workspaceFolders" => json!([]),
                            _ => Value::Null,
                        };
                        server_requests.lock().unwrap().push((method, params));
                        let reply =
                            json!({"jsonrpc": "2.0", "id": message["id"], "result": result});
                        write_message(&stdin, &reply);
                        continue;
                    }
                    if sender.send(message).is_err() {
                        break;
                    }
                }
            });
        }
        let mut server = Server {
            child,
            stdin,
            messages,
            backlog: VecDeque::new(),
            next_id: 1,
            stderr,
            stderr_reader: Some(stderr_reader),
            server_requests,
            configuration,
            initialize_result: Value::Null,
        };
        let folders: Vec<Value> = options
            .workspace_folders
            .iter()
            .map(|uri| json!({"uri": uri, "name": uri.rsplit('/').next().unwrap_or("ws")}))
            .collect();
        let mut general = json!({});
        if let Some(encodings) = &options.encodings {
            general = json!({"positionEncodings": encodings});
        }
        let params = json!({
            "processId": std::process::id(),
            "clientInfo": {"name": "gitops-ls e2e tests"},
            "rootUri": options.workspace_folders.first(),
            "workspaceFolders": if folders.is_empty() { Value::Null } else { Value::Array(folders) },
            "initializationOptions": options.initialization_options,
            "capabilities": {
                "general": general,
                "window": {"workDoneProgress": options.work_done_progress},
                "workspace": {
                    "configuration": true,
                    "workspaceFolders": true,
                    "applyEdit": true,
                    "workspaceEdit": {"documentChanges": true},
                    "didChangeConfiguration": {"dynamicRegistration": false},
                    "didChangeWatchedFiles": {"dynamicRegistration": true},
                },
                "textDocument": {
                    "synchronization": {"didSave": true},
                    "hover": {"contentFormat": options.hover_formats},
                    "publishDiagnostics": {"versionSupport": true, "codeDescriptionSupport": true},
                    "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix", "source", "source.fixAll"]}}, "isPreferredSupport": true},
                    "inlayHint": {},
                    "completion": {"completionItem": {"documentationFormat": ["markdown"]}},
                    "documentSymbol": {"hierarchicalDocumentSymbolSupport": true},
                },
            },
        });
        let mut params = params;
        if options.resolve_code_actions {
            let code_action = &mut params["capabilities"]["textDocument"]["codeAction"];
            code_action["dataSupport"] = json!(true);
            code_action["resolveSupport"] = json!({"properties": ["edit"]});
        }
        let result = server.request("initialize", params).expect("initialize");
        server.initialize_result = result;
        server.notify("initialized", json!({}));
        server
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// All of stderr, once the server has exited (and closed it).
    pub fn finished_stderr(&mut self) -> String {
        assert!(!self.is_running(), "the server is still running");
        if let Some(reader) = self.stderr_reader.take() {
            let _ = reader.join();
        }
        self.stderr()
    }

    pub fn encoding(&self) -> &str {
        self.initialize_result["capabilities"]["positionEncoding"]
            .as_str()
            .unwrap_or("utf-16")
    }

    pub fn send(&self, message: Value) {
        write_message(&self.stdin, &message);
    }

    pub fn notify(&self, method: &str, params: Value) {
        let mut message = json!({"jsonrpc": "2.0", "method": method});
        if !params.is_null() {
            message["params"] = params;
        }
        self.send(message);
    }

    /// Sends a request without waiting; returns its id.
    pub fn send_request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        let mut message = json!({"jsonrpc": "2.0", "id": id, "method": method});
        if !params.is_null() {
            message["params"] = params;
        }
        self.send(message);
        id
    }

    /// The next message from the server, or a failure naming what was
    /// awaited (with the server's stderr).
    fn next_message(&mut self, deadline: Instant, what: &str) -> Value {
        let remaining = deadline.saturating_duration_since(Instant::now());
        match self.messages.recv_timeout(remaining) {
            Ok(message) => message,
            Err(RecvTimeoutError::Timeout) => panic!(
                "timed out waiting for {what}\n--- server stderr ---\n{}",
                self.stderr()
            ),
            Err(RecvTimeoutError::Disconnected) => panic!(
                "the server closed stdout while waiting for {what} (exit: {:?})\n--- server stderr ---\n{}",
                self.child.try_wait(),
                self.stderr()
            ),
        }
    }

    /// The response to request `id`: Ok(result) or Err(error).
    pub fn response(&mut self, id: i64) -> Result<Value, Value> {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let message = self.next_message(deadline, &format!("the response to request {id}"));
            if message.get("method").is_none() && message["id"] == json!(id) {
                if let Some(error) = message.get("error") {
                    return Err(error.clone());
                }
                return Ok(message.get("result").cloned().unwrap_or(Value::Null));
            }
            if message.get("method").is_some() {
                self.backlog.push_back(message);
            }
        }
    }

    pub fn request(&mut self, method: &str, params: Value) -> Result<Value, Value> {
        let id = self.send_request(method, params);
        self.response(id)
    }

    /// Waits for a notification matching `pred` (notifications seen before
    /// and not yet taken count too). Returns its params.
    pub fn wait_notification(&mut self, method: &str, pred: impl Fn(&Value) -> bool) -> Value {
        self.wait_notification_for(method, pred, TIMEOUT)
    }

    pub fn wait_notification_for(
        &mut self,
        method: &str,
        pred: impl Fn(&Value) -> bool,
        timeout: Duration,
    ) -> Value {
        if let Some(index) = self
            .backlog
            .iter()
            .position(|m| m["method"] == method && pred(&m["params"]))
        {
            return self.backlog.remove(index).unwrap()["params"].clone();
        }
        let deadline = Instant::now() + timeout;
        loop {
            let message = self.next_message(deadline, &format!("a {method} notification"));
            if message["method"] == method && pred(&message["params"]) {
                return message["params"].clone();
            }
            if message.get("method").is_some() {
                self.backlog.push_back(message);
            }
        }
    }

    /// Whether a matching notification arrives within `timeout`.
    pub fn no_notification(
        &mut self,
        method: &str,
        pred: impl Fn(&Value) -> bool,
        timeout: Duration,
    ) -> bool {
        if self
            .backlog
            .iter()
            .any(|m| m["method"] == method && pred(&m["params"]))
        {
            return false;
        }
        let deadline = Instant::now() + timeout;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            match self.messages.recv_timeout(remaining) {
                Ok(message) => {
                    if message["method"] == method && pred(&message["params"]) {
                        return false;
                    }
                    if message.get("method").is_some() {
                        self.backlog.push_back(message);
                    }
                }
                Err(_) => return true,
            }
        }
    }

    /// Waits for the `$/progress` end of the workspace index build: once it arrives, the
    /// index is built and the open documents are being analysed with it (requests sent
    /// after it see the index's findings).
    pub fn wait_index_ready(&mut self) -> Value {
        self.wait_notification("$/progress", |p| {
            p["token"] == INDEX_PROGRESS_TOKEN && p["value"]["kind"] == "end"
        })
    }

    /// The diagnostics published for `uri` at `version`.
    pub fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let params = self.wait_notification("textDocument/publishDiagnostics", |p| {
            p["uri"] == uri && p["version"] == json!(version)
        });
        params["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The next diagnostics published for `uri`, whatever the version.
    pub fn next_diagnostics(&mut self, uri: &str) -> (Value, Vec<Value>) {
        let params = self.wait_notification("textDocument/publishDiagnostics", |p| p["uri"] == uri);
        (
            params["version"].clone(),
            params["diagnostics"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        )
    }

    /// The first diagnostics published for `uri` that include a `code` one (the GitOps
    /// layer's come once the index is built).
    pub fn diagnostics_with(&mut self, uri: &str, code: &str) -> Vec<Value> {
        let params = self.wait_notification("textDocument/publishDiagnostics", |p| {
            p["uri"] == uri
                && p["diagnostics"]
                    .as_array()
                    .is_some_and(|d| d.iter().any(|d| d["code"] == code))
        });
        params["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Every publish for `uri` seen so far and not yet taken.
    pub fn drain_publishes(&mut self, uri: &str) -> Vec<Value> {
        self.drain_where("textDocument/publishDiagnostics", |params| {
            params["uri"] == uri
        })
    }

    /// The params of every `method` notification seen so far and not yet taken.
    pub fn drain(&mut self, method: &str) -> Vec<Value> {
        self.drain_where(method, |_| true)
    }

    fn drain_where(&mut self, method: &str, pred: impl Fn(&Value) -> bool) -> Vec<Value> {
        while let Ok(message) = self.messages.try_recv() {
            if message.get("method").is_some() {
                self.backlog.push_back(message);
            }
        }
        let mut taken = Vec::new();
        self.backlog.retain(|m| {
            let hit = m["method"] == method && pred(&m["params"]);
            if hit {
                taken.push(m["params"].clone());
            }
            !hit
        });
        taken
    }

    pub fn open(&mut self, uri: &str, text: &str, version: i64) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": version, "text": text}}),
        );
    }

    pub fn open_and_wait(&mut self, uri: &str, text: &str) -> Vec<Value> {
        self.open(uri, text, 1);
        self.diagnostics(uri, 1)
    }

    pub fn change(&mut self, uri: &str, version: i64, changes: Value) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
        );
    }

    pub fn close(&mut self, uri: &str) {
        self.notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": uri}}),
        );
    }

    pub fn hover(&mut self, uri: &str, line: u32, character: u32) -> Result<Value, Value> {
        self.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
        )
    }

    /// The titles of the code actions for `range` with `diagnostics` in the context.
    pub fn code_action_titles(
        &mut self,
        uri: &str,
        range: Value,
        diagnostics: &[Value],
    ) -> Vec<String> {
        let actions = self
            .request(
                "textDocument/codeAction",
                json!({"textDocument": {"uri": uri}, "range": range,
                       "context": {"diagnostics": diagnostics}}),
            )
            .expect("codeAction");
        actions
            .as_array()
            .expect("a list of code actions")
            .iter()
            .map(|action| action["title"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// shutdown + exit; returns the exit status code.
    pub fn shutdown(mut self) -> Option<i32> {
        let result = self.request("shutdown", Value::Null);
        assert_eq!(result, Ok(Value::Null), "{}", self.stderr());
        self.notify("exit", Value::Null);
        self.wait_exit()
    }

    pub fn wait_exit(&mut self) -> Option<i32> {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            thread::sleep(Duration::from_millis(20));
        }
        panic!("the server did not exit\n{}", self.stderr());
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A `file://` URI for a path.
pub fn file_uri(path: &Path) -> String {
    let mut uri = String::from("file://");
    for c in path.to_string_lossy().chars() {
        match c {
            ' ' => uri.push_str("%20"),
            '#' => uri.push_str("%23"),
            '%' => uri.push_str("%25"),
            '?' => uri.push_str("%3F"),
            c => uri.push(c),
        }
    }
    uri
}

// ---- text helpers ------------------------------------------------------

/// Length of `s` in the unit of an encoding.
pub fn units(s: &str, encoding: &str) -> u32 {
    if encoding == "utf-8" {
        s.len() as u32
    } else {
        s.encode_utf16().count() as u32
    }
}

/// The LSP position of a byte offset (line breaks: \n, \r\n, \r).
pub fn position_of(text: &str, offset: usize, encoding: &str) -> (u32, u32) {
    let mut line = 0;
    let mut line_start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < offset {
        match bytes[i] {
            b'\n' => {
                line += 1;
                line_start = i + 1;
            }
            b'\r' => {
                if bytes.get(i + 1) == Some(&b'\n') && i + 1 < offset {
                    i += 1;
                }
                line += 1;
                line_start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    (line, units(&text[line_start..offset], encoding))
}

/// The byte offset of an LSP position (no clamping needed in tests).
pub fn offset_of(text: &str, line: u32, character: u32, encoding: &str) -> usize {
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut current = 0;
    let mut i = 0;
    while current < line && i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                current += 1;
                start = i + 1;
            }
            b'\r' => {
                if bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                current += 1;
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    let mut count = 0;
    for (index, c) in text[start..].char_indices() {
        if count >= character || c == '\n' || c == '\r' {
            return start + index;
        }
        count += if encoding == "utf-8" {
            c.len_utf8()
        } else {
            c.len_utf16()
        } as u32;
    }
    text.len()
}

/// A JSON LSP range for a byte range.
pub fn range_json(text: &str, start: usize, end: usize, encoding: &str) -> Value {
    let (sl, sc) = position_of(text, start, encoding);
    let (el, ec) = position_of(text, end, encoding);
    json!({"start": {"line": sl, "character": sc}, "end": {"line": el, "character": ec}})
}

/// Applies LSP TextEdits (JSON) to a text.
pub fn apply_text_edits(text: &str, edits: &[Value], encoding: &str) -> String {
    let mut resolved: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|edit| {
            let range = &edit["range"];
            let at = |p: &Value| {
                offset_of(
                    text,
                    p["line"].as_u64().unwrap() as u32,
                    p["character"].as_u64().unwrap() as u32,
                    encoding,
                )
            };
            (
                at(&range["start"]),
                at(&range["end"]),
                edit["newText"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    // Back to front, so offsets stay valid; stable for equal starts.
    resolved.sort_by_key(|(start, end, _)| (*start, *end));
    let mut out = text.to_owned();
    for (start, end, new_text) in resolved.into_iter().rev() {
        out.replace_range(start..end, &new_text);
    }
    out
}

/// The edits of a code action's WorkspaceEdit for `uri`, checking that they
/// carry `version`.
pub fn action_edits(action: &Value, uri: &str, version: i64) -> Vec<Value> {
    let changes = action["edit"]["documentChanges"]
        .as_array()
        .unwrap_or_else(|| panic!("no documentChanges in {action}"));
    assert_eq!(changes.len(), 1, "{action}");
    assert_eq!(changes[0]["textDocument"]["uri"], uri);
    assert_eq!(
        changes[0]["textDocument"]["version"],
        json!(version),
        "{action}"
    );
    changes[0]["edits"].as_array().unwrap().clone()
}

/// `text` with the folder `root` (a temporary workspace, in paths and `file://` URIs)
/// replaced by `[ROOT]`, so that a snapshot is the same on every machine.
pub fn redact_root(text: &str, root: &Path) -> String {
    let mut text = text.to_owned();
    for root in [root.to_path_buf(), root.canonicalize().unwrap()] {
        text = text.replace(&root.display().to_string(), "[ROOT]");
    }
    text
}

/// Code actions as a reviewer reads them, one block each: the title, the kind and whether
/// it is preferred, then each edit as `line:character-line:character "new text"` (0-based,
/// as sent; the text JSON-escaped).
pub fn describe_actions(actions: &[Value]) -> String {
    let position = |p: &Value| format!("{}:{}", p["line"], p["character"]);
    let mut out = String::new();
    for action in actions {
        let preferred = if action["isPreferred"] == true {
            ", preferred"
        } else {
            ""
        };
        out.push_str(&format!(
            "{} ({}{preferred})\n",
            action["title"].as_str().unwrap_or_default(),
            action["kind"].as_str().unwrap_or_default()
        ));
        let changes = action["edit"]["documentChanges"].as_array();
        for edit in changes
            .into_iter()
            .flatten()
            .flat_map(|change| change["edits"].as_array().into_iter().flatten())
        {
            out.push_str(&format!(
                "    {}-{} {}\n",
                position(&edit["range"]["start"]),
                position(&edit["range"]["end"]),
                edit["newText"]
            ));
        }
    }
    out
}

/// The rule ids of a list of diagnostics, sorted.
pub fn codes(diagnostics: &[Value]) -> Vec<String> {
    let mut codes: Vec<String> = diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap_or_default().to_owned())
        .collect();
    codes.sort();
    codes
}
