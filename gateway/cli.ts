/**
 * The `jetgate` command: serve (the gateway), tail (print a channel's publications through a
 * gateway, with the client SDK), publish (store a publication in JetStream), token (mint a
 * development token). Every mistake or failure is one line on stderr; exit codes: 0 done, 1
 * failed, 2 a usage mistake (docs/operations.md).
 */
import { ClientError, JetgateError } from './errors.js';
import { PUBLISH } from './cli/publish.js';
import { SERVE } from './cli/serve.js';
import { TAIL } from './cli/tail.js';
import { TOKEN } from './cli/token.js';
import { ExitCode, UsageError, type CommandSpec } from './cli/usage.js';

const COMMANDS: Record<string, { spec: CommandSpec; run: (argv: string[]) => Promise<void> }> = {
  serve: { spec: SERVE, run: async (argv) => (await import('./cli/serve.js')).serve(argv) },
  tail: { spec: TAIL, run: async (argv) => (await import('./cli/tail.js')).tail(argv) },
  publish: { spec: PUBLISH, run: async (argv) => (await import('./cli/publish.js')).publish(argv) },
  token: { spec: TOKEN, run: async (argv) => (await import('./cli/token.js')).token(argv) },
};

const USAGE = [
  'Usage: jetgate <command> [options]',
  '',
  'Commands:',
  ...Object.values(COMMANDS).map(({ spec }) => `  ${spec.name.padEnd(8)} ${spec.summary}`),
  '',
  '`jetgate <command> --help` describes each command and its options.',
  'Exit codes: 0 done, 1 failed (the line says why), 2 a mistake on the command line.',
].join('\n');

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    const about = rest[0] && COMMANDS[rest[0]];
    if (about) return about.run(['--help']);
    console.log(USAGE);
    return;
  }
  const entry = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!entry) throw new UsageError('', `unknown command "${command}"`);
  await entry.run(rest);
}

main().catch((e: unknown) => {
  if (e instanceof UsageError) {
    console.error(`jetgate: ${e.message}\n${e.command ? `See \`jetgate ${e.command} --help\`.` : USAGE}`);
    process.exit(ExitCode.Usage);
  }
  if (e instanceof JetgateError || e instanceof ClientError) console.error(`jetgate: ${e.message} [${e.code}]`);
  else console.error(`jetgate: ${(e as Error).message ?? String(e)}`);
  process.exit(ExitCode.Failed);
});
