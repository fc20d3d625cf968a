/** Entry of the `xcflow` command (bin/xcflow.mjs): runs one command line and exits with its code. */
import { runCli, nodeIo } from './cli.ts';

const controller = new AbortController();
// Ctrl-C stops `watch` (and the emulator) cleanly; a second one kills at once.
process.once('SIGINT', () => {
  controller.abort();
  process.once('SIGINT', () => process.exit(130));
});
process.exitCode = await runCli(process.argv.slice(2), { ...nodeIo(), signal: controller.signal });
