import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hoverHeadline, RULE_IDS, toServerSettings } from '../src/settings';

/** The extension's package.json (the tests run from out-test/test/). */
const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, unknown> } };
};

function reader(values: Record<string, unknown>) {
  return (key: string) => values[key];
}

/** Every setting at its package.json default. */
function defaults(): Record<string, unknown> {
  const values: Record<string, unknown> = {
    'requirePullPolicy.allowed': [],
    'allowedRegistries.prefixes': [],
    exclude: [],
    docsUrl: '',
    'server.path': '',
    'trace.server': 'off',
    'inlayHints.enabled': true,
  };
  for (const id of RULE_IDS) {
    values[`rules.${id}`] = 'default';
  }
  return values;
}

test('defaults send no rules and no client-only keys', () => {
  const { settings, problems } = toServerSettings(reader(defaults()));
  assert.deepEqual(settings, { rules: {}, exclude: [] });
  assert.deepEqual(problems, []);
});

test('severities, options, exclude and docsUrl map to the .gitops-ls.yaml keys', () => {
  const values = defaults();
  values['rules.latest-tag'] = 'error';
  values['rules.implicit-pull-policy'] = 'off';
  values['rules.require-pull-policy'] = 'warning';
  values['requirePullPolicy.allowed'] = ['Always', 'bogus'];
  values['allowedRegistries.prefixes'] = ['ghcr.io/acme/'];
  values.exclude = ['vendor/**'];
  values.docsUrl = 'https://example.test/rules/{rule}';
  const { settings, problems } = toServerSettings(reader(values));
  assert.deepEqual(settings, {
    rules: {
      'latest-tag': 'error',
      'implicit-pull-policy': 'off',
      'require-pull-policy': { severity: 'warning', allowed: ['Always'] },
      'allowed-registries': { prefixes: ['ghcr.io/acme/'] },
    },
    exclude: ['vendor/**'],
    docsUrl: 'https://example.test/rules/{rule}',
  });
  assert.deepEqual(problems, []);
});

test('every rule of the registry has a setting that reaches the server', () => {
  const values = defaults();
  values['rules.helm-values-empty-tag'] = 'warning';
  values['rules.unused-image-entry'] = 'off';
  const { settings } = toServerSettings(reader(values));
  assert.deepEqual(settings.rules, { 'helm-values-empty-tag': 'warning', 'unused-image-entry': 'off' });
  const declared = Object.keys(manifest.contributes.configuration.properties)
    .filter((key) => key.startsWith('gitops-ls.rules.'))
    .map((key) => key.slice('gitops-ls.rules.'.length));
  assert.deepEqual(declared, [...RULE_IDS]);
});

test('a rule that needs options and has none stays off and is reported', () => {
  const values = defaults();
  values['rules.allowed-registries'] = 'error';
  const { settings, problems } = toServerSettings(reader(values));
  assert.deepEqual(settings.rules, {});
  assert.equal(problems.length, 1);
  assert.match(problems[0] ?? '', /allowedRegistries\.prefixes/);
});

test('the hover headline loses its Markdown', () => {
  assert.equal(hoverHeadline('**Effective imagePullPolicy: Always** (default)\n\nthe image has no tag'), 'Effective imagePullPolicy: Always (default)');
  assert.equal(hoverHeadline('\n### `Effective imagePullPolicy: IfNotPresent (explicit)`'), 'Effective imagePullPolicy: IfNotPresent (explicit)');
  assert.equal(hoverHeadline(''), '');
});
