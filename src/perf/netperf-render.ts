/**
 * Prints netperf's classic UDP_STREAM / TCP_STREAM output from numbers, in the shape netperf
 * 2.5.0 prints it (`src/nettest_omni.c`: `send_udp_stream` / `send_tcp_stream`, banner from
 * `print_top_test_header`). The seed (chapter 2) builds netperf 2.5.0 and runs UDP_STREAM.
 */
import { ValidationError } from '../errors.ts';
import { fixedWidth, intWidth } from './cformat.ts';
import type { NetperfRun } from './types.ts';

/** Throughput unit netperf prints by default (`-f m`). */
export const NETPERF_DEFAULT_UNITS = '10^6bits';

function banner(run: NetperfRun): string {
  const name = run.test === 'UDP_STREAM' ? 'MIGRATED UDP STREAM TEST' : 'MIGRATED TCP STREAM TEST';
  // As in the doc/netperf.texi samples: canonical name, then the address in parentheses.
  return `${name} from 0.0.0.0 (0.0.0.0) port 0 AF_INET to ${run.remoteHost} (${run.remoteAddress ?? run.remoteHost}) port 0 AF_INET${run.demo === false ? '' : ' : demo'}\n`;
}

/**
 * Renders netperf's output for one run: banner, column titles and the result table (UDP_STREAM:
 * sender line then receiver line; TCP_STREAM: one line). `printHeaders: false` is `-P 0`.
 * Throughput is in 10^6bits/sec.
 * @throws ValidationError when elapsed time is not positive or counts are negative.
 */
export function renderNetperf(run: NetperfRun): string {
  if (!(run.elapsedSeconds > 0)) {
    throw new ValidationError('netperf elapsedSeconds must be > 0', { code: 'InvalidNetperfRun', field: 'elapsedSeconds' });
  }
  for (const k of ['sentMessages', 'receivedMessages', 'messageBytes'] as const) {
    if (!(run[k] >= 0)) throw new ValidationError(`netperf ${k} must be ≥ 0`, { code: 'InvalidNetperfRun', field: k });
  }
  const headers = run.printHeaders !== false;
  const out: string[] = [];
  if (headers) out.push(banner(run));
  const mbps = (bytes: number): number => (bytes * 8) / run.elapsedSeconds / 1e6;
  if (run.test === 'UDP_STREAM') {
    if (headers) {
      out.push(
        'Socket  Message  Elapsed      Messages                \n' +
          'Size    Size     Time         Okay Errors   Throughput\n' +
          `bytes   bytes    secs            #      #   ${NETPERF_DEFAULT_UNITS}/sec\n\n`,
      );
    }
    const sentTput = mbps(run.sentMessages * run.messageBytes);
    const recvTput = mbps(run.receivedBytes ?? run.receivedMessages * run.messageBytes);
    out.push(
      `${intWidth(run.localSendSocketBytes, 6)}  ${intWidth(run.messageBytes, 6)}   ${fixedWidth(run.elapsedSeconds, 7, 2, true)}   ` +
        `${intWidth(run.sentMessages, 7)} ${intWidth(run.sendErrors ?? 0, 6)}    ${fixedWidth(sentTput, 7, 2)}\n`,
    );
    out.push(
      `${intWidth(run.remoteRecvSocketBytes, 6)}           ${fixedWidth(run.elapsedSeconds, 7, 2, true)}   ` +
        `${intWidth(run.receivedMessages, 7)}           ${fixedWidth(recvTput, 7, 2)}\n\n`,
    );
  } else {
    if (headers) {
      out.push(
        'Recv   Send    Send                          \n' +
          'Socket Socket  Message  Elapsed              \n' +
          'Size   Size    Size     Time     Throughput  \n' +
          `bytes  bytes   bytes    secs.    ${NETPERF_DEFAULT_UNITS}/sec  \n\n`,
      );
    }
    const tput = mbps(run.receivedBytes ?? run.receivedMessages * run.messageBytes);
    out.push(
      `${intWidth(run.remoteRecvSocketBytes, 6)} ${intWidth(run.localSendSocketBytes, 6)} ${intWidth(run.messageBytes, 6)}    ` +
        `${fixedWidth(run.elapsedSeconds, 6, 2, true)}   ${fixedWidth(tput, 7, 2)}   \n`,
    );
  }
  return out.join('');
}
