/**
 * `npm start`: the local stack on the embedded default (src/local/stack.ts) — the emulator on its
 * default topology, the FC stand-in hosting every function of s.yaml, SQLite, the web console —
 * all on one real clock running `--speed` times faster than wall time. Prints the URLs and an
 * operator and an approver token, then runs until Ctrl-C.
 *
 *   npm start [-- --port 8780 --emulator-port 8790 --speed 10 --topology default --keep-state --host 127.0.0.1]
 */
import { parseArgs } from 'node:util';
import { DEFAULT_PORTS, startLocalStack } from './stack.ts';

const HELP = `Usage: npm start [-- options]

Runs the whole xcflow stack locally: emulator, FC stand-in hosting every function of s.yaml,
SQLite store, HTTP API and web console. Prints the URLs and two tokens; runs until Ctrl-C.

Options:
  --port N           API, console and FC invocation endpoint (default ${DEFAULT_PORTS.api}; 0 = any free port)
  --emulator-port N  emulator RPC endpoint and control API (default ${DEFAULT_PORTS.emulator}; 0 = any)
  --host ADDR        listen address (default 127.0.0.1)
  --speed X          clock speed factor for emulator, engine and timers (default 10)
  --topology NAME    emulator topology: a shipped name (default, ch5-1-vpc-migration, …) or a path
  --db PATH          SQLite file (default .xcflow/local/xcflow.db)
  --keep-state       keep the database of the previous run (the emulator always starts fresh)
  --quiet            do not print API writes, refusals and function logs
  -h, --help         this help
`;

function number(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < min) {
    process.stderr.write(`xcflow: --${name} must be a number ≥ ${min}, not ${text}\n`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        'emulator-port': { type: 'string' },
        host: { type: 'string' },
        speed: { type: 'string' },
        topology: { type: 'string' },
        db: { type: 'string' },
        'keep-state': { type: 'boolean' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`xcflow: ${(err as Error).message}\n\n${HELP}`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const speed = number('speed', values.speed, 10, 0.001);
  const quiet = values.quiet === true;
  const stack = await startLocalStack({
    port: number('port', values.port, DEFAULT_PORTS.api, 0),
    emulatorPort: number('emulator-port', values['emulator-port'], DEFAULT_PORTS.emulator, 0),
    ...(values.host ? { host: values.host } : {}),
    speed,
    ...(values.topology ? { topology: values.topology } : {}),
    ...(values.db ? { sqlitePath: values.db } : {}),
    fresh: values['keep-state'] !== true,
    log: (line) => {
      if (!quiet) process.stderr.write(`${JSON.stringify(line)}\n`);
    },
  });
  const procedures = stack.runtime.engine.registry.list().map((p) => p.id);
  process.stdout.write(
    [
      '',
      'xcflow local stack is running',
      '',
      `  console        ${stack.consoleUrl}`,
      `  API            ${stack.url}/v1/  (OpenAPI: ${stack.url}/v1/openapi.json)`,
      `  FC stand-in    ${stack.fcEndpoint}  (fc2 endpoint; functions: ${stack.functions.join(', ')})`,
      `  emulator       ${stack.emulatorUrl}  (control API: ${stack.emulatorUrl}/_emulator/state; AccessKey ${stack.credentials.accessKeyId} / ${stack.credentials.accessKeySecret})`,
      `  store          ${stack.sqlitePath}`,
      `  clock          real, ×${speed}  (region ${stack.regionId}, topology ${stack.emulator.topologyName})`,
      `  procedures     ${procedures.length ? procedures.join(', ') : '(none registered yet)'}`,
      '',
      '  tokens (shown once; paste one into the console, or use Authorization: Bearer …)',
      `    operator     ${stack.tokens.operator.token}   (local-operator: plan, start, cancel, roll back)`,
      `    approver     ${stack.tokens.approver.token}   (local-approver: approve, reject)`,
      '',
      `  try:  curl -H "Authorization: Bearer ${stack.tokens.operator.token}" ${stack.url}/v1/executions`,
      '        npm run tour   (in another terminal: the chapter 5.1 migration end to end)',
      '',
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`\nxcflow: ${signal}, stopping…\n`);
    void stack.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`xcflow: error while stopping: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'EADDRINUSE') process.stderr.write(`xcflow: a port is already in use (${e.message}); pick others with --port / --emulator-port, or 0 for any free port\n`);
  else process.stderr.write(`xcflow: cannot start the local stack: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
