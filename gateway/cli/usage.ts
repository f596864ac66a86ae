/**
 * The commands of the `jetgate` CLI describe themselves (summary, arguments, options with their
 * meaning) so that `--help` is written from the same table the parser reads, and every mistake on
 * the command line is one clear line (UsageError, exit code 2) instead of a parser dump.
 */
import { parseArgs } from 'node:util';

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** What `--help` shows after the name: the value it takes. */
  value?: string;
  description: string;
  multiple?: boolean;
}

export interface CommandSpec {
  name: string;
  /** The program the usage line names (default: jetgate, and `name` is its command). */
  program?: string;
  /** One line for the command list. */
  summary: string;
  /** Positional arguments, as the usage line shows them. */
  args?: string;
  /** Paragraphs after the option list. */
  notes?: string;
  options: Record<string, OptionSpec>;
}

/** A mistake on the command line: the CLI prints it with a pointer to --help and exits with 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(readonly command: string, message: string) {
    super(message);
  }
}

/** Exit codes of the `jetgate` command (docs/operations.md). */
export const ExitCode = { Ok: 0, Failed: 1, Usage: 2 } as const;

export function helpText(spec: CommandSpec): string {
  const rows = Object.entries({ ...spec.options, help: { type: 'boolean', description: 'show this help' } as OptionSpec })
    .map(([name, o]) => [`--${name}${o.value ? ` ${o.value}` : ''}`, o.description + (o.multiple ? ' (repeatable)' : '')] as const);
  const width = Math.max(...rows.map(([n]) => n.length));
  return [
    `Usage: ${spec.program ?? `jetgate ${spec.name}`}${spec.args ? ` ${spec.args}` : ''} [options]`,
    '',
    spec.summary,
    '',
    'Options:',
    ...rows.map(([n, d]) => `  ${n.padEnd(width)}  ${d}`),
    ...(spec.notes ? ['', spec.notes] : []),
  ].join('\n');
}

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** Parses a command's arguments; undefined when --help was asked for (and printed). */
export function parseCommand(spec: CommandSpec, argv: string[]): Parsed | undefined {
  const options = Object.fromEntries(Object.entries(spec.options).map(([k, o]) => [k, { type: o.type, multiple: o.multiple === true }]));
  let parsed: Parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { ...options, help: { type: 'boolean', short: 'h' } } }) as Parsed;
  } catch (e) {
    throw new UsageError(spec.name, (e as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  if (parsed.values.help) {
    console.log(helpText(spec));
    return undefined;
  }
  return parsed;
}

/** A whole-number option within bounds, or undefined when not given. */
export function intOption(command: string, values: Parsed['values'], name: string, min: number, max: number): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || n < min || n > max) {
    throw new UsageError(command, `--${name} takes a whole number from ${min} to ${max}, not "${String(raw)}"`);
  }
  return n;
}
