// Finds the gitops-ls binary: the `gitops-ls.server.path` setting, else the
// binary bundled in the extension (`server/gitops-ls`), else `PATH`.
// Pure (no `vscode` import) so that it is unit-tested with node's test runner.

import * as fs from 'node:fs';
import * as path from 'node:path';

export type Discovery =
  | { kind: 'setting' | 'bundled' | 'path'; path: string }
  | { kind: 'missing'; message: string; configured: boolean };

export interface DiscoveryInput {
  /** The `gitops-ls.server.path` setting ('' when unset). */
  configured: string;
  /** The first workspace folder, for `${workspaceFolder}` and relative paths. */
  workspaceFolder?: string;
  /** The extension's install folder. */
  extensionPath: string;
  /** `process.env.PATH` (or `Path` on Windows). */
  searchPath?: string;
  platform?: NodeJS.Platform;
  home?: string;
  /** Defaults to a check that the path is an executable file. */
  isExecutable?: (file: string) => boolean;
}

export function binaryName(platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? 'gitops-ls.exe' : 'gitops-ls';
}

export function defaultIsExecutable(file: string): boolean {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) {
      return false;
    }
    if (process.platform === 'win32') {
      return true;
    }
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Expands `~`, `${workspaceFolder}` and `${env:NAME}`, and resolves a relative path. */
export function expandPath(
  value: string,
  workspaceFolder: string | undefined,
  home: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  let result = value.trim();
  if (result === '~' || result.startsWith('~/') || result.startsWith('~\\')) {
    result = path.join(home, result.slice(1));
  }
  result = result.replace(/\$\{workspaceFolder\}/g, workspaceFolder ?? '');
  result = result.replace(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => env[name] ?? '');
  if (!path.isAbsolute(result) && workspaceFolder) {
    result = path.join(workspaceFolder, result);
  }
  return path.normalize(result);
}

export function findServer(input: DiscoveryInput): Discovery {
  const platform = input.platform ?? process.platform;
  const isExecutable = input.isExecutable ?? defaultIsExecutable;
  const exe = binaryName(platform);

  const configured = input.configured.trim();
  if (configured !== '') {
    const resolved = expandPath(configured, input.workspaceFolder, input.home ?? '');
    if (isExecutable(resolved)) {
      return { kind: 'setting', path: resolved };
    }
    return {
      kind: 'missing',
      configured: true,
      message: `gitops-ls: the server set in "gitops-ls.server.path" was not found or is not executable: ${resolved}`,
    };
  }

  const bundled = path.join(input.extensionPath, 'server', exe);
  if (isExecutable(bundled)) {
    return { kind: 'bundled', path: bundled };
  }

  const delimiter = platform === 'win32' ? ';' : ':';
  for (const dir of (input.searchPath ?? '').split(delimiter)) {
    if (dir === '') {
      continue;
    }
    const candidate = path.join(dir, exe);
    if (isExecutable(candidate)) {
      return { kind: 'path', path: candidate };
    }
  }

  return {
    kind: 'missing',
    configured: false,
    message:
      'gitops-ls: the language server was not found. Install it (`cargo install --locked --path server/cli` in the gitops-ls repository) ' +
      'so that `gitops-ls` is on PATH, or set "gitops-ls.server.path".',
  };
}
