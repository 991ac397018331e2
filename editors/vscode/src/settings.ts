// Turns the extension's settings into the server's `gitops-ls` section, which
// has the keys of `.gitops-ls.yaml` (`rules`, `exclude`) plus `docsUrl` and
// `logLevel`.
// The server rejects unknown keys, so client-only settings (server path,
// trace, inlay hints) never reach it. Pure: unit-tested without VS Code.

import { RULE_IDS, RULE_OPTIONS } from './rules';

export const SEVERITIES = ['error', 'warning', 'info', 'hint', 'off'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The server's `logLevel` values; `info` is its default. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;

export { RULE_IDS } from './rules';

/** A bare severity, or a mapping with `severity` and the rule's options. */
export type RuleSetting = Severity | { severity?: Severity; [option: string]: Severity | string[] | undefined };

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
    const severity = severityOf(read(`rules.${id}`));
    const options = RULE_OPTIONS.filter((option) => option.rule === id);
    if (options.length === 0) {
      if (severity) {
        rules[id] = severity;
      }
      continue;
    }
    const values = options.map((option) =>
      stringList(read(option.setting)).filter((value) => option.values.length === 0 || option.values.includes(value)),
    );
    const missing = options.find((option, i) => option.requiredWhenOn && values[i]?.length === 0);
    if (severity && severity !== 'off' && missing) {
      problems.push(`gitops-ls: "gitops-ls.rules.${id}" is on but "gitops-ls.${missing.setting}" is empty; the rule stays off.`);
    } else if (severity || values.some((list) => list.length > 0)) {
      const mapping: Record<string, Severity | string[]> = severity ? { severity } : {};
      options.forEach((option, i) => {
        const list = values[i] ?? [];
        if (list.length > 0) {
          mapping[option.option] = list;
        }
      });
      rules[id] = mapping;
    }
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
