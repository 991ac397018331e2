import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { expandPath, findServer } from '../src/discovery';

const ext = path.join(path.sep, 'ext');
const bundled = path.join(ext, 'server', 'gitops-ls');
const onPath = path.join(path.sep, 'usr', 'local', 'bin', 'gitops-ls');
const searchPath = [path.join(path.sep, 'nowhere'), path.dirname(onPath)].join(':');

function existing(...files: string[]) {
  return (file: string) => files.includes(file);
}

test('the setting wins over the bundled binary and PATH', () => {
  const configured = path.join(path.sep, 'opt', 'gitops-ls');
  const found = findServer({
    configured,
    extensionPath: ext,
    searchPath,
    platform: 'linux',
    isExecutable: existing(configured, bundled, onPath),
  });
  assert.deepEqual(found, { kind: 'setting', path: configured });
});

test('a setting that points nowhere is an error, not a fallback', () => {
  const found = findServer({
    configured: '/missing/gitops-ls',
    extensionPath: ext,
    searchPath,
    platform: 'linux',
    isExecutable: existing(bundled, onPath),
  });
  assert.equal(found.kind, 'missing');
  assert.ok(found.kind === 'missing' && found.configured);
  assert.match(found.kind === 'missing' ? found.message : '', /gitops-ls\.server\.path/);
});

test('the bundled binary comes before PATH', () => {
  const found = findServer({ configured: '', extensionPath: ext, searchPath, platform: 'linux', isExecutable: existing(bundled, onPath) });
  assert.deepEqual(found, { kind: 'bundled', path: bundled });
});

test('PATH is searched in order', () => {
  const found = findServer({ configured: '  ', extensionPath: ext, searchPath, platform: 'linux', isExecutable: existing(onPath) });
  assert.deepEqual(found, { kind: 'path', path: onPath });
});

test('nothing found: a message that says what to do', () => {
  const found = findServer({ configured: '', extensionPath: ext, searchPath, platform: 'linux', isExecutable: () => false });
  assert.equal(found.kind, 'missing');
  assert.ok(found.kind === 'missing' && !found.configured);
  assert.match(found.kind === 'missing' ? found.message : '', /PATH/);
});

test('~, ${workspaceFolder}, ${env:X} and relative paths are expanded', () => {
  assert.equal(expandPath('~/bin/gitops-ls', '/ws', '/home/me'), '/home/me/bin/gitops-ls');
  assert.equal(expandPath('${workspaceFolder}/target/release/gitops-ls', '/ws', '/home/me'), '/ws/target/release/gitops-ls');
  assert.equal(expandPath('target/debug/gitops-ls', '/ws', '/home/me'), '/ws/target/debug/gitops-ls');
  assert.equal(expandPath('${env:TOOLS}/gitops-ls', '/ws', '/home/me', { TOOLS: '/opt/tools' }), '/opt/tools/gitops-ls');
});

test('a real file on disk is found through the default executable check', () => {
  const found = findServer({ configured: process.execPath, extensionPath: ext, platform: process.platform });
  assert.deepEqual(found, { kind: 'setting', path: process.execPath });
});
