// `npm run package`: a platform-specific .vsix with the release server inside.
//
//   npm run package                          # builds the server, packages for this machine
//   npm run package -- --server FILE         # bundles FILE instead of building
//   npm run package -- --target linux-arm64 --server FILE   # another platform: bring its
//                                                           # binary, stripped
//
// Runs `cargo build --release --locked -p gitops-ls` in the repository (unless --server is
// given), copies the binary to server/gitops-ls, where the extension looks for it (see
// src/discovery.ts), strips the copy, adds the license texts and the configuration schema and runs `vsce package --target`
// with the VS Code platform of this machine. Other arguments (such as --out FILE) go to vsce.
// server/, schemas/ and the license copies are removed afterwards.

import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

const here = import.meta.dirname;
const repo = path.resolve(here, '..', '..');
const licenses = ['LICENSE-MIT', 'LICENSE-APACHE'];
// The `.gitops-ls.yaml` schema, generated from the rule registry (`cargo dev generate`); the
// package carries a copy for `contributes.yamlValidation`.
const schema = path.join(repo, 'editors', 'schemas', 'gitops-ls.schema.json');

class PackageError extends Error {}

function fail(message) {
  throw new PackageError(message);
}

/** The VS Code platform (`vsce package --target`) of a Node platform and architecture. */
function vscodeTarget(platform, arch, musl) {
  const os = platform === 'linux' && musl ? 'alpine' : platform;
  const cpu = arch === 'arm' ? 'armhf' : arch;
  const known = ['win32-x64', 'win32-arm64', 'linux-x64', 'linux-arm64', 'linux-armhf', 'alpine-x64', 'alpine-arm64', 'darwin-x64', 'darwin-arm64'];
  const target = `${os}-${cpu}`;
  if (!known.includes(target)) {
    fail(`no VS Code platform for ${platform}/${arch}; give --target and --server`);
  }
  return target;
}

function run(command, args, cwd) {
  console.log(`package: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd, stdio: 'inherit' });
  if (result.error) {
    fail(`${command}: ${result.error.message}`);
  }
  if (result.status !== 0) {
    fail(`${command} exited with ${result.status ?? result.signal}`);
  }
}

function main() {
  // --- Arguments: ours (--server, --target) and vsce's (the rest) ---
  const vsceArgs = [];
  let server;
  let target;
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--server' || argv[i] === '--target') {
      const value = argv[++i];
      if (value === undefined) {
        fail(`${argv[i - 1]} needs a value`);
      }
      if (argv[i - 1] === '--server') {
        server = path.resolve(value);
      } else {
        target = value;
      }
    } else {
      vsceArgs.push(argv[i]);
    }
  }

  // glibc's version is in the process report only on glibc systems: musl Linux is `alpine`.
  const musl = process.platform === 'linux' && !process.report.getReport().header.glibcVersionRuntime;
  const hostTarget = vscodeTarget(process.platform, process.arch, musl);
  target ??= hostTarget;
  if (target !== hostTarget && server === undefined) {
    fail(`cargo builds for ${hostTarget}; for --target ${target}, give that platform's binary with --server`);
  }

  if (server === undefined) {
    run('cargo', ['build', '--release', '--locked', '-p', 'gitops-ls'], repo);
    const metadata = JSON.parse(execFileSync('cargo', ['metadata', '--format-version', '1', '--no-deps'], { cwd: repo, encoding: 'utf8' }));
    server = path.join(metadata.target_directory, 'release', process.platform === 'win32' ? 'gitops-ls.exe' : 'gitops-ls');
  }
  if (!fs.existsSync(server)) {
    fail(`no server binary at ${server}`);
  }

  const bundledDir = path.join(here, 'server');
  const bundled = path.join(bundledDir, target.startsWith('win32-') ? 'gitops-ls.exe' : 'gitops-ls');
  try {
    fs.rmSync(bundledDir, { recursive: true, force: true });
    fs.mkdirSync(bundledDir);
    fs.copyFileSync(server, bundled);
    fs.chmodSync(bundled, 0o755);
    // Release builds keep line tables for backtraces; the editor's copy does not need them.
    // Windows binaries keep their debug information in a separate .pdb, and the host's
    // strip may not read another platform's binary: those are bundled as given.
    if (target === hostTarget && !target.startsWith('win32-')) {
      run('strip', [bundled], here);
    } else {
      console.log(`package: ${path.basename(server)} for ${target} is bundled as given (not stripped here)`);
    }
    for (const license of licenses) {
      fs.copyFileSync(path.join(repo, license), path.join(here, license));
    }
    fs.mkdirSync(path.join(here, 'schemas'), { recursive: true });
    fs.copyFileSync(schema, path.join(here, 'schemas', path.basename(schema)));
    const vsce = createRequire(import.meta.url).resolve('@vscode/vsce/vsce');
    run(
      process.execPath,
      [
        vsce,
        'package',
        '--target',
        target,
        '--no-dependencies',
        // The license texts are LICENSE-MIT and LICENSE-APACHE, not the one LICENSE vsce wants.
        '--skip-license',
        '--allow-missing-repository',
        // The README's screenshot is a relative image and the package has no repository URL.
        '--no-rewrite-relative-links',
        ...vsceArgs,
      ],
      here,
    );
  } finally {
    fs.rmSync(bundledDir, { recursive: true, force: true });
    for (const license of licenses) {
      fs.rmSync(path.join(here, license), { force: true });
    }
    fs.rmSync(path.join(here, 'schemas'), { recursive: true, force: true });
  }
}

try {
  main();
} catch (error) {
  if (!(error instanceof PackageError)) {
    throw error;
  }
  console.error(`package: ${error.message}`);
  process.exitCode = 1;
}
