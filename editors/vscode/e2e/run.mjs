// End-to-end test of the gitops-ls extension in the real VS Code workbench:
// installs the .vsix into code-server, opens a workspace with a manifest in
// headless Chromium and checks what a user sees. One workbench session runs
// every check (startup to the first hover takes 10-15 s).
//
//   node run.mjs --vsix FILE [--node NODE24] [--keep-open]
//
// Screenshots and logs go to ../test-artifacts/. Prints
// `e2e: N passed, M failed` and writes ../test-artifacts/e2e-results.json.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const extensionRoot = path.resolve(here, '..');
const artifacts = path.join(extensionRoot, 'test-artifacts');
const scratch = path.join(extensionRoot, '.cache', 'e2e');

const args = process.argv.slice(2);
function option(name, fallback) {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : fallback;
}
const vsix = path.resolve(option('--vsix', ''));
const nodeBinary = option('--node', process.execPath);
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const codeServerEntry = path.join(here, 'node_modules', 'code-server', 'out', 'node', 'entry.js');

const results = [];
const started = Date.now();
function log(message) {
  const seconds = ((Date.now() - started) / 1000).toFixed(1).padStart(5);
  console.log(`[${seconds}s] ${message}`);
}
function record(name, ok, detail = '') {
  results.push({ name, ok, detail });
  console.log(`${ok ? 'ok' : 'not ok'} ${results.length} - ${name}${detail ? ` (${detail})` : ''}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(what, fn, timeoutMs, intervalMs = 250) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await fn();
      if (last) {
        return last;
      }
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
}

// --- Prepare a fresh profile, workspace and XDG folders inside the clone ---
if (!fs.existsSync(vsix)) {
  console.error(`no .vsix at ${vsix}`);
  process.exit(2);
}
fs.rmSync(scratch, { recursive: true, force: true });
fs.mkdirSync(artifacts, { recursive: true });
for (const entry of fs.readdirSync(artifacts)) {
  if (/\.(png|log|json)$/.test(entry)) {
    fs.rmSync(path.join(artifacts, entry), { force: true });
  }
}
const dirs = {
  home: path.join(scratch, 'home'),
  userData: path.join(scratch, 'user-data'),
  extensions: path.join(scratch, 'extensions'),
  xdgConfig: path.join(scratch, 'xdg-config'),
  xdgData: path.join(scratch, 'xdg-data'),
  xdgCache: path.join(scratch, 'xdg-cache'),
  workspace: path.join(scratch, 'workspace'),
  browser: path.join(scratch, 'chromium-profile'),
};
for (const dir of Object.values(dirs)) {
  fs.mkdirSync(dir, { recursive: true });
}
fs.cpSync(path.join(here, 'workspace'), dirs.workspace, { recursive: true });
const manifest = path.join(dirs.workspace, 'deployment.yaml');
fs.mkdirSync(path.join(dirs.userData, 'User'), { recursive: true });
fs.writeFileSync(
  path.join(dirs.userData, 'User', 'settings.json'),
  JSON.stringify(
    {
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'workbench.enableExperiments': false,
      'workbench.welcomePage.walkthroughs.openOnInstall': false,
      'security.workspace.trust.enabled': false,
      'telemetry.telemetryLevel': 'off',
      'update.mode': 'none',
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      'extensions.ignoreRecommendations': true,
      'git.enabled': false,
      'editor.inlayHints.enabled': 'on',
      'editor.hover.delay': 200,
      'editor.minimap.enabled': false,
      'editor.fontSize': 14,
      'chat.disableAIFeatures': true,
      'workbench.secondarySideBar.defaultVisibility': 'hidden',
      'window.commandCenter': false,
      'files.autoSave': 'off',
    },
    null,
    2,
  ),
);

const env = {
  ...process.env,
  HOME: dirs.home,
  XDG_CONFIG_HOME: dirs.xdgConfig,
  XDG_DATA_HOME: dirs.xdgData,
  XDG_CACHE_HOME: dirs.xdgCache,
  // The extension must find the bundled server, not one on PATH.
  PATH: [path.dirname(nodeBinary), '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
};
delete env.VSCODE_IPC_HOOK_CLI;

const commonArgs = ['--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions];

log(`installing ${path.basename(vsix)} into code-server`);
const install = spawnSync(nodeBinary, [codeServerEntry, ...commonArgs, '--install-extension', vsix, '--force'], {
  env,
  encoding: 'utf8',
  timeout: 120_000,
});
fs.writeFileSync(path.join(artifacts, 'install-extension.log'), `${install.stdout}\n${install.stderr}`);
record('code-server installs the .vsix', install.status === 0 && /successfully installed/i.test(install.stdout + install.stderr), `exit ${install.status}`);
if (install.status !== 0) {
  finish();
}

// --- Start code-server on a free loopback port ---
const port = await freePort();
const serverLog = fs.openSync(path.join(artifacts, 'code-server.log'), 'w');
log(`starting code-server on 127.0.0.1:${port}`);
const codeServer = spawn(
  nodeBinary,
  [
    codeServerEntry,
    ...commonArgs,
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--disable-workspace-trust',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--log',
    'info',
  ],
  { env, stdio: ['ignore', serverLog, serverLog], detached: true },
);
let codeServerExited = false;
codeServer.on('exit', () => {
  codeServerExited = true;
});

let context;
let page;
const consoleLines = [];

async function shot(name) {
  if (!page) {
    return;
  }
  try {
    await page.screenshot({ path: path.join(artifacts, `${name}.png`) });
  } catch (error) {
    log(`screenshot ${name} failed: ${error.message}`);
  }
}

async function cleanup() {
  if (context) {
    await context.close().catch(() => {});
  }
  if (!codeServerExited && codeServer.pid) {
    try {
      process.kill(-codeServer.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));
    try {
      process.kill(-codeServer.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  fs.closeSync(serverLog);
  fs.writeFileSync(path.join(artifacts, 'browser-console.log'), consoleLines.join('\n'));
}

function finish() {
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  fs.writeFileSync(path.join(artifacts, 'e2e-results.json'), JSON.stringify({ passed, failed, results }, null, 2));
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
}

// A hard limit: never hang CI.
const watchdog = setTimeout(async () => {
  record('the test finished in time', false, 'watchdog after 240 s');
  await shot('99-timeout');
  await cleanup();
  finish();
}, 240_000);

// --- Helpers that act in the workbench as a user would ---
const editor = () => page.locator('.editor-group-container.active .monaco-editor').first();

async function lineTexts() {
  return editor()
    .locator('.view-lines .view-line')
    .evaluateAll((lines) =>
      lines
        .map((line) => ({ top: parseFloat(line.style.top || '0'), text: line.textContent.replace(/\u00a0/g, ' ') }))
        .sort((a, b) => a.top - b.top)
        .map((line) => line.text),
    );
}

/** Screen rectangle of the first occurrence of `needle` in a line containing `lineMarker`. */
async function textRect(lineMarker, needle) {
  return editor()
    .locator('.view-lines')
    .evaluate(
      (root, [marker, word]) => {
        for (const line of root.querySelectorAll('.view-line')) {
          const text = line.textContent.replace(/\u00a0/g, ' ');
          if (!text.includes(marker)) {
            continue;
          }
          const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const value = node.nodeValue.replace(/\u00a0/g, ' ');
            const at = value.indexOf(word);
            if (at >= 0) {
              const range = document.createRange();
              range.setStart(node, at);
              range.setEnd(node, at + word.length);
              const rect = range.getBoundingClientRect();
              return { x: rect.x, y: rect.y, width: rect.width, height: rect.height };
            }
          }
        }
        return null;
      },
      [lineMarker, needle],
    );
}

async function runCommand(label) {
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input.input, .quick-input-widget input').first();
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(`>${label}`);
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: label }).first();
  await row.waitFor({ state: 'visible', timeout: 10_000 });
  await page.keyboard.press('Enter');
}

async function problemRows() {
  return page
    .locator('.markers-panel .monaco-list-row')
    .evaluateAll((rows) => rows.map((row) => row.textContent.replace(/\u00a0/g, ' ')));
}

async function hoverOver(lineMarker, word) {
  const hover = page.locator('.monaco-hover:visible, .monaco-resizable-hover:visible').filter({ hasText: 'Effective' });
  for (let attempt = 0; attempt < 4; attempt++) {
    // Re-measure every time: inlay hints and code lenses shift the text.
    const rect = await textRect(lineMarker, word);
    if (!rect) {
      throw new Error(`no "${word}" on a line with "${lineMarker}"`);
    }
    await page.mouse.move(rect.x + rect.width / 2, rect.y + rect.height + 200);
    await page.waitForTimeout(200);
    await page.mouse.move(rect.x + rect.width / 2, rect.y + rect.height / 2, { steps: 4 });
    try {
      await hover.first().waitFor({ state: 'visible', timeout: 4000 });
      return (await hover.first().textContent()) ?? '';
    } catch {
      log(`hover attempt ${attempt + 1} showed nothing; retrying`);
    }
  }
  // Last resort: the keyboard (editor.action.showHover) at the same place.
  const rect = await textRect(lineMarker, word);
  await page.mouse.click(rect.x + rect.width / 2, rect.y + rect.height / 2);
  await page.keyboard.press('Control+K');
  await page.keyboard.press('Control+I');
  await hover.first().waitFor({ state: 'visible', timeout: 5000 });
  return (await hover.first().textContent()) ?? '';
}

try {
  await waitFor(
    'code-server to answer /healthz',
    async () => {
      if (codeServerExited) {
        throw new Error('code-server exited; see test-artifacts/code-server.log');
      }
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      return response.ok;
    },
    60_000,
    500,
  );
  log('code-server is up');

  context = await chromium.launchPersistentContext(dirs.browser, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1440, height: 960 },
    deviceScaleFactor: 1,
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (message) => consoleLines.push(`[${message.type()}] ${message.text()}`));
  page.on('pageerror', (error) => consoleLines.push(`[pageerror] ${error.message}`));

  const payload = JSON.stringify([['openFile', `vscode-remote://127.0.0.1:${port}${manifest}`]]);
  const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(dirs.workspace)}&payload=${encodeURIComponent(payload)}`;
  log('opening the workbench');
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
  await waitFor('the manifest in an editor', async () => (await lineTexts()).some((line) => line.includes('kind: Deployment')), 60_000);
  log('manifest open');
  await shot('01-workbench');

  // 1. The status bar item says the server runs.
  try {
    const item = page.locator('.statusbar-item', { hasText: 'gitops-ls' }).first();
    await item.waitFor({ state: 'visible', timeout: 30_000 });
    await waitFor('the status bar item to show a running server', async () => (await item.locator('.codicon-check').count()) > 0, 30_000);
    record('status bar item shows the server running', true);
  } catch (error) {
    record('status bar item shows the server running', false, error.message);
  }

  // 2. Diagnostics in the Problems view.
  try {
    await runCommand('View: Focus Problems');
    await page.locator('.markers-panel').waitFor({ state: 'visible', timeout: 15_000 });
    const rows = await waitFor(
      'gitops-ls diagnostics in the Problems view',
      async () => {
        const texts = await problemRows();
        const ours = texts.filter((text) => text.includes('gitops-ls'));
        // implicit-pull-policy is a hint, which the Problems view does not list.
        return ours.some((t) => t.includes('latest-tag')) && ours.some((t) => t.includes('invalid-pull-policy')) ? texts : null;
      },
      45_000,
    );
    log(`Problems view: ${rows.length} rows`);
    fs.writeFileSync(path.join(artifacts, 'problems.json'), JSON.stringify(rows, null, 2));
    record('Problems view lists gitops-ls diagnostics (latest-tag, invalid-pull-policy)', true, `${rows.length} rows`);
  } catch (error) {
    record('Problems view lists gitops-ls diagnostics (latest-tag, invalid-pull-policy)', false, error.message);
  }
  await shot('02-problems');

  // 3. The inlay hint after `image: nginx`: rendered in the line, absent from the text.
  let hintSeen = false;
  try {
    await editor().click({ position: { x: 400, y: 20 } });
    const line = await waitFor(
      'the inlay hint on the nginx line',
      async () => (await lineTexts()).find((text) => text.includes('image: nginx') && text.includes('imagePullPolicy: Always')),
      30_000,
    );
    const hintElements = await editor().locator('.view-lines [class*="dyn-rule"], .view-lines [class*="inlay"]').count();
    hintSeen = true;
    record('inlay hint "imagePullPolicy: Always" is rendered on the image line', true, line.trim());
    log(`inlay hint elements: ${hintElements}`);
  } catch (error) {
    record('inlay hint "imagePullPolicy: Always" is rendered on the image line', false, error.message);
  }

  // 4. Hover on the image shows the effective policy.
  try {
    const text = await hoverOver('image: nginx', 'nginx');
    await page.waitForTimeout(600); // let the hover fade in before the screenshot
    await shot('03-hover');
    const match = /Effective imagePullPolicy: \S+ \((default|explicit)\)/.exec(text);
    const ok = match?.[0] === 'Effective imagePullPolicy: Always (default)';
    record('hover on `image: nginx` shows "Effective imagePullPolicy: Always (default)"', ok, match ? match[0] : text.slice(0, 120));
  } catch (error) {
    await shot('03-hover');
    record('hover on `image: nginx` shows "Effective imagePullPolicy: Always (default)"', false, error.message);
  }
  await page.mouse.move(5, 400);
  await page.keyboard.press('Escape');

  // 5. The quick fix inserts `imagePullPolicy: Always` (saved to disk and checked there).
  // implicit-pull-policy is reported on the container's `name` key.
  try {
    await page.keyboard.press('Escape');
    const rect = await textRect('- name: web', 'name');
    await page.mouse.click(rect.x + rect.width / 2, rect.y + rect.height / 2);
    const menu = page.locator('.action-widget:not(.action-list-submenu-panel)').first();
    // A keypress can land before the editor has focus (or while the lightbulb's code
    // actions are being refreshed): ask again rather than fail on one lost key.
    for (let attempt = 1; ; attempt++) {
      await page.keyboard.press('Control+.');
      try {
        await menu.waitFor({ state: 'visible', timeout: 5_000 });
        break;
      } catch (error) {
        if (attempt === 3) throw error;
        log(`quick fix menu not shown after Ctrl+. (attempt ${attempt}); retrying`);
        await page.keyboard.press('Escape');
        await page.mouse.click(rect.x + rect.width / 2, rect.y + rect.height / 2);
      }
    }
    const item = menu.locator('.monaco-list-row', { hasText: 'imagePullPolicy: Always' }).first();
    await item.waitFor({ state: 'visible', timeout: 10_000 });
    const titles = await menu.locator('.monaco-list-row').allTextContents();
    log(`quick fixes: ${titles.join(' | ')}`);
    await shot('04-quick-fix-menu');
    await item.click();
    await waitFor(
      'the inserted line',
      async () => (await lineTexts()).some((text) => text.trim() === 'imagePullPolicy: Always'),
      10_000,
    );
    await page.keyboard.press('Control+S');
    const saved = await waitFor(
      'the fixed file on disk',
      async () => {
        const text = fs.readFileSync(manifest, 'utf8');
        return /\n {10}image: nginx\n {10}imagePullPolicy: Always\n/.test(text) ? text : null;
      },
      10_000,
    );
    fs.writeFileSync(path.join(artifacts, 'deployment.fixed.yaml'), saved);
    record('quick fix inserts `imagePullPolicy: Always` under `image: nginx`', true);
  } catch (error) {
    record('quick fix inserts `imagePullPolicy: Always` under `image: nginx`', false, error.message);
  }
  await page.keyboard.press('Escape');
  await shot('05-after-quick-fix');

  // 6. The command shows the effective policy of the container under the cursor.
  try {
    // Put the cursor on `redis` with Find, which also scrolls it into view.
    await page.keyboard.press('Escape');
    await editor().click({ position: { x: 400, y: 20 } });
    await page.keyboard.press('Control+F');
    await page.keyboard.type('redis:7.2');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Escape');
    await runCommand('gitops-ls: Show Effective imagePullPolicy Under Cursor');
    const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'Effective imagePullPolicy' }).first();
    await toast.waitFor({ state: 'visible', timeout: 15_000 });
    const text = (await toast.textContent()) ?? '';
    await shot('06-effective-policy-command');
    const message = text.slice(text.indexOf('gitops-ls:')).split('.monaco')[0].trim();
    record('command "Show Effective imagePullPolicy Under Cursor" reports IfNotPresent (default)', /IfNotPresent \(default\)/.test(text), message.slice(0, 120));
  } catch (error) {
    await shot('06-effective-policy-command');
    record('command "Show Effective imagePullPolicy Under Cursor" reports IfNotPresent (default)', false, error.message);
  }

  // 7. Settings reach the server without a restart: turn latest-tag off and inlay hints off.
  try {
    fs.mkdirSync(path.join(dirs.workspace, '.vscode'), { recursive: true });
    fs.writeFileSync(
      path.join(dirs.workspace, '.vscode', 'settings.json'),
      JSON.stringify({ 'gitops-ls.rules.latest-tag': 'off', 'gitops-ls.inlayHints.enabled': false }, null, 2),
    );
    await runCommand('View: Focus Problems');
    const before = results.find((r) => r.name.startsWith('Problems view'))?.ok;
    await waitFor(
      'latest-tag to leave the Problems view',
      async () => {
        const texts = (await problemRows()).filter((t) => t.includes('gitops-ls'));
        return texts.length > 0 && !texts.some((t) => t.includes('latest-tag'));
      },
      30_000,
    );
    record('setting gitops-ls.rules.latest-tag=off takes effect without a restart', before !== false);
  } catch (error) {
    record('setting gitops-ls.rules.latest-tag=off takes effect without a restart', false, error.message);
  }
  try {
    await waitFor(
      'the inlay hints to disappear',
      async () => {
        const lines = await lineTexts();
        return lines.some((t) => t.includes('image: redis')) && !lines.some((t) => t.includes('image: redis') && t.includes('imagePullPolicy'));
      },
      20_000,
    );
    record('setting gitops-ls.inlayHints.enabled=false hides the hints', hintSeen);
  } catch (error) {
    record('setting gitops-ls.inlayHints.enabled=false hides the hints', false, error.message);
  }
  await shot('07-settings-applied');

  // 8. A server that cannot be found: an error with a button that opens the setting.
  const settingsFile = path.join(dirs.workspace, '.vscode', 'settings.json');
  const statusItem = page.locator('.statusbar-item', { hasText: 'gitops-ls' }).first();
  try {
    fs.writeFileSync(settingsFile, JSON.stringify({ 'gitops-ls.server.path': '/nonexistent/gitops-ls' }, null, 2));
    const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'was not found' }).first();
    await toast.waitFor({ state: 'visible', timeout: 20_000 });
    const statusText = (await statusItem.textContent()) ?? '';
    await shot('08-server-not-found');
    await toast.locator('.monaco-button', { hasText: 'Open setting' }).first().click();
    const setting = page.locator('.settings-editor .setting-item-contents', { hasText: 'Path to the' }).first();
    await setting.waitFor({ state: 'visible', timeout: 15_000 });
    await shot('09-open-setting');
    record('a missing server shows an error whose button opens gitops-ls.server.path', /no server/.test(statusText), `status bar: ${statusText.trim()}`);
  } catch (error) {
    await shot('08-server-not-found');
    record('a missing server shows an error whose button opens gitops-ls.server.path', false, error.message);
  }

  // 9. Clearing the setting restarts the bundled server, which analyses again.
  try {
    fs.writeFileSync(settingsFile, '{}\n');
    await waitFor('the status bar item to show a running server again', async () => (await statusItem.locator('.codicon-check').count()) > 0, 30_000);
    await runCommand('View: Focus Problems');
    await waitFor(
      'diagnostics from the restarted server',
      async () => (await problemRows()).some((t) => t.includes('gitops-ls') && t.includes('latest-tag')),
      30_000,
    );
    record('clearing gitops-ls.server.path restarts the bundled server (latest-tag is back)', true);
  } catch (error) {
    record('clearing gitops-ls.server.path restarts the bundled server (latest-tag is back)', false, error.message);
  }
  await shot('10-restarted');

  // 10. A kustomize overlay (workspace/gitops): once the server has indexed the workspace
  // folder in the background, the open kustomization gets the cross-file findings.
  const overlayName = 'GitOps overlay: Problems view lists overlay-changes-policy (newTag: latest, related base image) and unused-image-entry (ngnix)';
  try {
    // Quick Open: F1 without the `>` prefix searches files.
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input.input, .quick-input-widget input').first();
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill('gitops/overlays/dev/kustomization.yaml');
    const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'overlays/dev' }).first();
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    await row.click();
    await waitFor('the overlay in an editor', async () => (await lineTexts()).some((line) => line.includes('name: ngnix')), 30_000);
    await runCommand('View: Focus Problems');
    const rows = await waitFor(
      'the GitOps findings on the overlay in the Problems view',
      async () => {
        const texts = (await problemRows()).filter((t) => t.includes('gitops-ls'));
        const change = texts.find((t) => t.includes('overlay-changes-policy'));
        const unused = texts.find((t) => t.includes('unused-image-entry'));
        return change && unused ? [change, unused] : null;
      },
      60_000,
    );
    const all = await problemRows();
    fs.writeFileSync(path.join(artifacts, 'problems-overlay.json'), JSON.stringify(all, null, 2));
    await shot('11-overlay-problems');
    // 1-based in the Problems view: `latest` on line 5, `ngnix` on line 6 of the overlay; the
    // related information (a child row) is the base container's image, line 10 of base/deployment.yaml.
    const [change, unused] = rows;
    const problems = [];
    if (!/\[Ln 5, Col 13\]/.test(change)) {
      problems.push(`overlay-changes-policy: ${change}`);
    }
    if (!/\[Ln 6, Col 11\]/.test(unused)) {
      problems.push(`unused-image-entry: ${unused}`);
    }
    if (!all.some((t) => t.startsWith('deployment.yaml[Ln 10, Col 16]'))) {
      problems.push('no related row deployment.yaml[Ln 10, Col 16]');
    }
    record(overlayName, problems.length === 0, problems.join(' / ').slice(0, 400));
  } catch (error) {
    await shot('11-overlay-problems');
    record(overlayName, false, error.message);
  }
} catch (error) {
  record('workbench session', false, error.message);
  await shot('99-failure');
} finally {
  clearTimeout(watchdog);
  await cleanup();
}
finish();
