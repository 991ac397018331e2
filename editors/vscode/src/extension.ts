// The gitops-ls extension: starts `gitops-ls serve` for YAML and Helm files and
// adds commands, a status bar item and settings around it.

import * as os from 'node:os';
import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  HoverRequest,
  LanguageClient,
  type LanguageClientOptions,
  RevealOutputChannelOn,
  type ServerOptions,
  State,
  TransportKind,
} from 'vscode-languageclient/node';
import { type Discovery, findServer } from './discovery';
import { hoverHeadline, toServerSettings, type ServerSettings } from './settings';

const SECTION = 'gitops-ls';
const SERVER_PATH_SETTING = `${SECTION}.server.path`;
const DOCUMENT_SELECTOR = [
  { scheme: 'file', language: 'yaml' },
  { scheme: 'untitled', language: 'yaml' },
  { scheme: 'file', language: 'helm' },
  { scheme: 'untitled', language: 'helm' },
];

let client: LanguageClient | undefined;
let output: vscode.LogOutputChannel;
let status: vscode.StatusBarItem;
let discovery: Discovery | undefined;
let starting: Promise<void> | undefined;

/** What the extension returns from `activate`, for tests and other extensions. */
export interface GitopsLsApi {
  readonly client: LanguageClient | undefined;
  readonly serverPath: string | undefined;
}

export async function activate(context: vscode.ExtensionContext): Promise<GitopsLsApi> {
  output = vscode.window.createOutputChannel('gitops-ls', { log: true });
  status = vscode.window.createStatusBarItem('gitops-ls.status', vscode.StatusBarAlignment.Right, 100);
  status.name = 'gitops-ls';
  context.subscriptions.push(output, status);

  context.subscriptions.push(
    vscode.commands.registerCommand('gitops-ls.restartServer', () => restart(context)),
    vscode.commands.registerCommand('gitops-ls.showOutput', () => output.show(true)),
    vscode.commands.registerCommand('gitops-ls.showEffectivePolicy', showEffectivePolicy),
    vscode.commands.registerCommand('gitops-ls.openServerPathSetting', openServerPathSetting),
    vscode.workspace.onDidChangeConfiguration((event) => onConfigurationChanged(event, context)),
    { dispose: () => void stop() },
  );

  await start(context);
  return {
    get client() {
      return client;
    },
    get serverPath() {
      return discovery && discovery.kind !== 'missing' ? discovery.path : undefined;
    },
  };
}

export async function deactivate(): Promise<void> {
  await stop();
}

function serverSettings(scope?: vscode.Uri): ServerSettings {
  const config = vscode.workspace.getConfiguration(SECTION, scope);
  const { settings, problems } = toServerSettings((key) => config.get(key));
  for (const problem of problems) {
    output.warn(problem);
  }
  return settings;
}

function showSettingsProblems(): void {
  const config = vscode.workspace.getConfiguration(SECTION);
  const { problems } = toServerSettings((key) => config.get(key));
  for (const problem of problems) {
    void vscode.window.showWarningMessage(problem, 'Open settings').then((choice) => {
      if (choice) {
        void vscode.commands.executeCommand('workbench.action.openSettings', SECTION);
      }
    });
  }
}

function inlayHintsEnabled(): boolean {
  return vscode.workspace.getConfiguration(SECTION).get<boolean>('inlayHints.enabled', true);
}

function setStatus(state: 'starting' | 'running' | 'stopped' | 'missing', detail?: string): void {
  const tooltip = new vscode.MarkdownString(undefined, true);
  tooltip.isTrusted = { enabledCommands: ['gitops-ls.restartServer', 'gitops-ls.showOutput', 'workbench.action.openSettings'] };
  tooltip.supportThemeIcons = true;
  status.backgroundColor = undefined;
  switch (state) {
    case 'starting':
      status.text = '$(sync~spin) gitops-ls';
      tooltip.appendMarkdown('gitops-ls: starting…');
      status.command = 'gitops-ls.showOutput';
      break;
    case 'running': {
      const info = client?.initializeResult?.serverInfo;
      status.text = '$(check) gitops-ls';
      tooltip.appendMarkdown(`gitops-ls ${info?.version ?? ''}: running\n\n`);
      if (discovery && discovery.kind !== 'missing') {
        tooltip.appendMarkdown(`\`${discovery.path}\` (${discovery.kind === 'path' ? 'from PATH' : discovery.kind})\n\n`);
      }
      status.command = 'gitops-ls.showOutput';
      break;
    }
    case 'stopped':
      status.text = '$(error) gitops-ls';
      status.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
      tooltip.appendMarkdown(`gitops-ls: stopped${detail ? ` (${detail})` : ''}\n\n`);
      status.command = 'gitops-ls.showOutput';
      break;
    case 'missing':
      status.text = '$(warning) gitops-ls: no server';
      status.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
      tooltip.appendMarkdown(`${detail ?? 'gitops-ls: server not found'}\n\n`);
      status.command = { title: 'Open setting', command: 'gitops-ls.openServerPathSetting' };
      break;
  }
  tooltip.appendMarkdown(
    '[Restart](command:gitops-ls.restartServer) · [Output](command:gitops-ls.showOutput) · ' +
      `[Settings](command:workbench.action.openSettings?${encodeURIComponent(JSON.stringify([SECTION]))})`,
  );
  status.tooltip = tooltip;
  status.show();
}

function discover(context: vscode.ExtensionContext): Discovery {
  const configured = vscode.workspace.getConfiguration(SECTION).get<string>('server.path', '');
  return findServer({
    configured,
    workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
    extensionPath: context.extensionPath,
    searchPath: process.env.PATH ?? process.env.Path,
    home: os.homedir(),
  });
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  if (starting) {
    return starting;
  }
  starting = doStart(context).finally(() => {
    starting = undefined;
  });
  return starting;
}

async function doStart(context: vscode.ExtensionContext): Promise<void> {
  discovery = discover(context);
  if (discovery.kind === 'missing') {
    output.error(discovery.message);
    setStatus('missing', discovery.message);
    void vscode.window.showErrorMessage(discovery.message, 'Open setting', 'Show output').then(handleErrorChoice);
    return;
  }
  output.info(`Starting ${discovery.path} serve (${discovery.kind === 'path' ? 'found on PATH' : `from the ${discovery.kind}`})`);
  setStatus('starting');

  const serverOptions: ServerOptions = {
    command: discovery.path,
    // The stdio transport makes the client append `--stdio`.
    args: ['serve'],
    transport: TransportKind.stdio,
    options: { env: { ...process.env, RUST_BACKTRACE: '1' } },
  };

  const clientOptions: LanguageClientOptions = {
    documentSelector: DOCUMENT_SELECTOR,
    outputChannel: output,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    initializationOptions: { [SECTION]: serverSettings() },
    middleware: {
      workspace: {
        // The server asks for the `gitops-ls` section: answer with the keys it
        // knows (those of `.gitops-ls.yaml`), never the client-only ones.
        configuration: async (params, token, next) => {
          const answers: unknown[] = [];
          for (const item of params.items) {
            if (item.section === SECTION) {
              const scope = item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined;
              answers.push(serverSettings(scope));
            } else {
              const [answer] = (await next({ items: [item] }, token)) as unknown[];
              answers.push(answer ?? null);
            }
          }
          return answers;
        },
      },
      provideInlayHints: (document, range, token, next) => (inlayHintsEnabled() ? next(document, range, token) : []),
    },
  };

  const next = new LanguageClient(SECTION, 'gitops-ls', serverOptions, clientOptions);
  client = next;
  next.onDidChangeState((event) => {
    if (client !== next) {
      return;
    }
    if (event.newState === State.Running) {
      setStatus('running');
    } else if (event.newState === State.Starting) {
      setStatus('starting');
    } else {
      setStatus('stopped');
    }
  });
  try {
    await next.start();
    setStatus('running');
    showSettingsProblems();
  } catch (error) {
    const message = `gitops-ls: the server failed to start: ${error instanceof Error ? error.message : String(error)}`;
    output.error(message);
    setStatus('stopped', 'failed to start');
    void vscode.window.showErrorMessage(message, 'Open setting', 'Show output').then(handleErrorChoice);
  }
}

/** Opens the settings editor on `gitops-ls.server.path`, in the scope that sets it. */
function openServerPathSetting(): void {
  const inspected = vscode.workspace.getConfiguration(SECTION).inspect<string>('server.path');
  const command =
    inspected?.workspaceFolderValue !== undefined || inspected?.workspaceValue !== undefined
      ? 'workbench.action.openWorkspaceSettings'
      : 'workbench.action.openSettings';
  void vscode.commands.executeCommand(command, { query: SERVER_PATH_SETTING });
}

function handleErrorChoice(choice: string | undefined): void {
  if (choice === 'Open setting') {
    openServerPathSetting();
  } else if (choice === 'Show output') {
    output.show(true);
  }
}

async function stop(): Promise<void> {
  const current = client;
  client = undefined;
  if (current) {
    try {
      await current.stop(5000);
    } catch (error) {
      output.warn(`stopping the server: ${String(error)}`);
    }
  }
}

async function restart(context: vscode.ExtensionContext): Promise<void> {
  output.info('Restarting the server');
  await stop();
  await start(context);
}

function refreshInlayHints(): void {
  if (!client) {
    return;
  }
  const feature = client.getFeature('textDocument/inlayHint');
  for (const editor of vscode.window.visibleTextEditors) {
    feature.getProvider(editor.document)?.onDidChangeInlayHints.fire();
  }
}

async function onConfigurationChanged(event: vscode.ConfigurationChangeEvent, context: vscode.ExtensionContext): Promise<void> {
  if (!event.affectsConfiguration(SECTION)) {
    return;
  }
  if (event.affectsConfiguration(SERVER_PATH_SETTING) || !client) {
    await restart(context);
    return;
  }
  if (event.affectsConfiguration(`${SECTION}.inlayHints.enabled`)) {
    refreshInlayHints();
  }
  showSettingsProblems();
  // Push the new section; the server re-analyses every open document.
  if (client.isRunning()) {
    await client.sendNotification(DidChangeConfigurationNotification.type, {
      settings: { [SECTION]: serverSettings() },
    });
  }
}

/** Shows (and returns) the first line of the server's hover at the cursor. */
async function showEffectivePolicy(): Promise<string | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage('gitops-ls: open a Kubernetes manifest and put the cursor on a container.');
    return undefined;
  }
  if (!client || !client.isRunning()) {
    void vscode.window.showWarningMessage('gitops-ls: the language server is not running.', 'Show output').then(handleErrorChoice);
    return undefined;
  }
  const params = client.code2ProtocolConverter.asTextDocumentPositionParams(editor.document, editor.selection.active);
  const hover = await client.sendRequest(HoverRequest.type, params);
  let markdown = '';
  if (hover) {
    const contents = Array.isArray(hover.contents) ? hover.contents : [hover.contents];
    markdown = contents.map((item) => (typeof item === 'string' ? item : item.value)).join('\n');
  }
  const headline = hoverHeadline(markdown);
  if (!headline.startsWith('Effective')) {
    void vscode.window.showInformationMessage(
      "gitops-ls: no container under the cursor. Put it on a container's image, imagePullPolicy or name.",
    );
    return undefined;
  }
  const line = editor.document.lineAt(editor.selection.active.line).text.trim();
  void vscode.window.showInformationMessage(`gitops-ls: ${headline} — ${line}`);
  return headline;
}
