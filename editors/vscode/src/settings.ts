// Turns the extension's settings into the server's `gitops-ls` section, which
// has the keys of `.gitops-ls.yaml` (`rules`, `exclude`) plus `docsUrl` and
// `logLevel`.
// The server rejects unknown keys, so client-only settings (server path,
// trace, inlay hints) never reach it. Pure: unit-tested without VS Code.

export const SEVERITIES = ['error', 'warning', 'info', 'hint', 'off'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;

/** The server's `logLevel` values; `info` is its default. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;

/** Every rule id, in the order of `gitops-ls rules`. */
export const RULE_IDS = [
  'yaml-syntax',
  'duplicate-key',
  'invalid-pull-policy',
  'invalid-image',
  'implicit-pull-policy',
  'latest-tag',
  'if-not-present-latest',
  'never-pull-policy',
  'latest-with-digest',
  'always-with-digest',
  'require-pull-policy',
  'require-digest',
  'allowed-registries',
] as const;

export type RuleSetting =
  | Severity
  | { severity?: Severity; allowed?: string[] }
  | { severity?: Severity; prefixes?: string[] };

export interface ServerSettings {
  rules: Record<string, RuleSetting>;
  exclude: string[];
  docsUrl?: string;
  logLevel?: (typeof LOG_LEVELS)[number];
}

/** Reads one setting below `gitops-ls.` (e.g. `rules.latest-tag`). */
export type SettingReader = (key: string) => unknown;

function severityOf(value: unknown): Severity | undefined {
  return typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value)
    ? (value as Severity)
    : undefined;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string' && item.trim() !== '') : [];
}

export interface Conversion {
  settings: ServerSettings;
  /** Settings that cannot work as given, to show to the user. */
  problems: string[];
}

export function toServerSettings(read: SettingReader): Conversion {
  const rules: Record<string, RuleSetting> = {};
  const problems: string[] = [];

  for (const id of RULE_IDS) {
    if (id === 'require-pull-policy' || id === 'allowed-registries') {
      continue;
    }
    const severity = severityOf(read(`rules.${id}`));
    if (severity) {
      rules[id] = severity;
    }
  }

  const pullSeverity = severityOf(read('rules.require-pull-policy'));
  const allowed = stringList(read('requirePullPolicy.allowed')).filter((p) =>
    (PULL_POLICIES as readonly string[]).includes(p),
  );
  if (pullSeverity && pullSeverity !== 'off' && allowed.length === 0) {
    problems.push(
      'gitops-ls: "gitops-ls.rules.require-pull-policy" is on but "gitops-ls.requirePullPolicy.allowed" is empty; the rule stays off.',
    );
  } else if (pullSeverity || allowed.length > 0) {
    rules['require-pull-policy'] = {
      ...(pullSeverity ? { severity: pullSeverity } : {}),
      ...(allowed.length > 0 ? { allowed } : {}),
    };
  }

  const registrySeverity = severityOf(read('rules.allowed-registries'));
  const prefixes = stringList(read('allowedRegistries.prefixes'));
  if (registrySeverity && registrySeverity !== 'off' && prefixes.length === 0) {
    problems.push(
      'gitops-ls: "gitops-ls.rules.allowed-registries" is on but "gitops-ls.allowedRegistries.prefixes" is empty; the rule stays off.',
    );
  } else if (registrySeverity || prefixes.length > 0) {
    rules['allowed-registries'] = {
      ...(registrySeverity ? { severity: registrySeverity } : {}),
      ...(prefixes.length > 0 ? { prefixes } : {}),
    };
  }

  const settings: ServerSettings = { rules, exclude: stringList(read('exclude')) };
  const docsUrl = read('docsUrl');
  if (typeof docsUrl === 'string' && docsUrl.trim() !== '') {
    settings.docsUrl = docsUrl.trim();
  }
  const logLevel = read('logLevel');
  // Sent even at its default: the server keeps its level while a message leaves it out.
  if (typeof logLevel === 'string' && (LOG_LEVELS as readonly string[]).includes(logLevel)) {
    settings.logLevel = logLevel as (typeof LOG_LEVELS)[number];
  }
  return { settings, problems };
}

/** The first line of a hover, without Markdown decoration. */
export function hoverHeadline(markdown: string): string {
  for (const raw of markdown.split(/\r?\n/)) {
    const line = raw
      .replace(/^#+\s*/, '')
      .replace(/\*\*|__|`/g, '')
      .trim();
    if (line !== '' && !/^-{3,}$/.test(line)) {
      return line;
    }
  }
  return '';
}
