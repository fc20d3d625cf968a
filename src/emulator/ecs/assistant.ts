/**
 * Cloud Assistant as the emulated instances run it: RunCommand delivers a shell script to ECS
 * (`i-…`) and managed (`mi-…`, e.g. the data-center device) instances; each instance runs it on
 * the emulator clock. The test tools of seed chapter 2 really "run": `netserver` and
 * `iperf3 -s` listen on ports, `netperf`/`iperf3 -c` need a listener on a reachable host (the
 * data plane decides), share the link with every concurrent flow (perf link model), and print
 * the tools' own text or `-J` JSON (perf renderers). Timeouts, "command not found" (exit 127)
 * and agents that are offline or too old behave as the real service describes them.
 */
import type { Clock } from '../clock.ts';
import type { FlowDirection, LinkSpec } from '../../perf/types.ts';
import { iperf3RunFromOutcomes, netperfRunFromOutcome } from '../../perf/emulate.ts';
import { cjsonPrint, renderIperf3Json, renderIperf3Text, DEFAULT_IPERF3_VERSION } from '../../perf/iperf3-render.ts';
import { renderNetperf } from '../../perf/netperf-render.ts';
import { FlowLedger, type LedgerFlow } from './flows.ts';
import { pingExitCode, pingHeader, pingReplyLine, pingStatistics, pingUnreachableLine, type EchoVerdict, type PingCommand, type PingTally } from './ping.ts';
import { ShellSyntaxError, parseScript, type SimpleCommand } from './shell.ts';
import {
  isKnownProgram,
  parseTool,
  TOOL_PROGRAMS,
  type Iperf3ClientCommand,
  type Iperf3ServerCommand,
  type NetperfCommand,
  type NetserverCommand,
  type ToolCommand,
} from './tools.ts';
import { ClientNeedUpgrade, InstanceIdsExceedLimit, InvalidInstanceNotFound } from './errors.ts';

/** An instance Cloud Assistant can run commands on, as the model describes it. */
export interface AssistantInstance {
  readonly instanceId: string;
  readonly kind: 'ecs' | 'managed';
  /** UID of the owning account: only its AccessKey pairs see and run commands on the instance. */
  readonly ownerId: string;
  readonly regionId: string;
  readonly ip: string;
  readonly hostname: string;
  readonly running: boolean;
  /** Agent installed and online. */
  readonly agentOnline: boolean;
  readonly agentVersion: string;
  /** Programs on the PATH besides the shell builtins. */
  readonly binaries: readonly string[];
  readonly osType: 'linux' | 'windows';
}

/** What the data plane says about a flow between two hosts (both directions checked). */
export type PathVerdict =
  | { readonly reachable: true; readonly linkId: string; readonly link: LinkSpec; readonly direction: FlowDirection }
  | { readonly reachable: false; readonly reason: string };

/** What Cloud Assistant needs from the rest of the emulator. */
export interface AssistantEnvironment {
  readonly clock: Clock;
  /** Current inventory (ECS and managed instances). */
  instances(): readonly AssistantInstance[];
  /** Path of a flow from `from` to `toIp`; `flowKey` identifies the 5-tuple for ECMP hashing. */
  path(from: AssistantInstance, toIp: string, flowKey: string): PathVerdict;
  /** Whether some host (instance or data-center device) owns `ip`: it answers a SYN with a reset. */
  hostExists(ip: string): boolean;
  /**
   * One ICMP echo request from `from` to `toIp`, decided now by the data plane (both directions):
   * a reply with its round-trip time and TTL, a local "host unreachable", or silent loss.
   */
  icmpEcho(from: AssistantInstance, toIp: string, seq: number): EchoVerdict;
  /** Clock ms → wire timestamp `YYYY-MM-DDThh:mm:ssZ`. */
  wireTime(ms: number): string;
  /** Clock ms → Unix seconds (iperf3's JSON timestamp). */
  unixSeconds(ms: number): number;
}

/** Per-instance status of an invocation (DescribeInvocationResults `InvocationStatus`). */
export type InstanceInvocationStatus = 'Pending' | 'Running' | 'Success' | 'Failed' | 'Timeout' | 'Aborted' | 'Error' | 'Invalid' | 'Stopped';

/** Overall status of an invocation (DescribeInvocations `InvocationStatus`). */
export type InvocationStatus = 'Pending' | 'Running' | 'Success' | 'Failed' | 'PartialFailed' | 'Stopped';

/** RunCommand, after wire parsing. */
export interface RunCommandInput {
  readonly regionId: string;
  /** The calling account: instances of other accounts are unknown to it. Absent: any account. */
  readonly ownerId?: string;
  readonly type: 'RunShellScript' | 'RunBatScript' | 'RunPowerShellScript';
  /** Script text (already decoded from Base64). */
  readonly content: string;
  readonly instanceIds: readonly string[];
  readonly timeoutSeconds: number;
  readonly workingDir?: string;
  readonly name?: string;
  readonly description?: string;
  readonly username?: string;
  readonly parameters?: Readonly<Record<string, string>>;
}

/** One instance's execution of an invocation, as described. */
export interface InstanceResultView {
  readonly instanceId: string;
  readonly status: InstanceInvocationStatus;
  readonly output: string;
  readonly exitCode: number | undefined;
  readonly errorCode: string;
  readonly errorInfo: string;
  readonly creationTime: number;
  readonly updateTime: number;
  readonly startTime?: number;
  readonly finishTime?: number;
}

/** An invocation, as described. */
export interface InvocationView {
  readonly invokeId: string;
  /** The account that ran it (absent when the emulator itself did). */
  readonly ownerId?: string;
  readonly commandId: string;
  readonly regionId: string;
  readonly name: string;
  readonly description: string;
  readonly type: string;
  readonly content: string;
  readonly timeoutSeconds: number;
  readonly workingDir: string;
  readonly username: string;
  readonly parameters: Readonly<Record<string, string>>;
  readonly creationTime: number;
  readonly status: InvocationStatus;
  readonly instances: readonly InstanceResultView[];
}

/** A listening server process (netserver or iperf3 -s). */
export interface ListenerView {
  readonly instanceId: string;
  readonly ip: string;
  readonly port: number;
  readonly tool: 'netserver' | 'iperf3';
  readonly busy: boolean;
  /** InvokeId of the invocation it runs in the foreground of, if any. */
  readonly invokeId?: string;
}

/** Lowest agent version RunCommand accepts (emulator rule; the real threshold is per feature, UNCONFIRMED). */
export const MIN_AGENT_VERSION = '2.0.0.0';
/** Time from RunCommand to the script starting on an online instance. */
export const DELIVERY_MS = 500;
/** How long delivery to an offline agent is tried before the instance result is `Aborted`. */
export const DELIVERY_TIMEOUT_MS = 60_000;
/** TCP connect timeout of a client whose server does not answer (Linux, 6 SYN retries). */
export const CONNECT_TIMEOUT_MS = 127_000;
/** Output kept per instance result; the rest is counted in `Dropped`. */
export const OUTPUT_LIMIT_BYTES = 24 * 1024;
/** Invocation records kept (oldest dropped first). */
const RECORD_LIMIT = 10_000;
/** Where Cloud Assistant writes a RunShellScript script on Linux (shown in bash error lines). */
const SCRIPT_DIR = '/usr/local/share/aliyun-assist/work/script';

interface Listener {
  instanceId: string;
  ip: string;
  port: number;
  tool: 'netserver' | 'iperf3';
  busy: boolean;
  /** iperf3 -s options. */
  server?: Iperf3ServerCommand;
  testCount: number;
  /** The foreground run that owns it (output goes there; it dies with the run). */
  owner?: InstanceRun;
}

interface Running {
  cancel(): void;
}

interface InstanceRun {
  readonly invocation: Invocation;
  readonly instance: AssistantInstance;
  status: InstanceInvocationStatus;
  output: string;
  exitCode?: number;
  errorCode: string;
  errorInfo: string;
  readonly creationTime: number;
  updateTime: number;
  startTime?: number;
  finishTime?: number;
  script: SimpleCommand[];
  pc: number;
  lastExit: number;
  current?: Running;
  cancelTimeout?: () => void;
  owned: Set<Listener>;
}

interface Invocation {
  readonly invokeId: string;
  readonly commandId: string;
  readonly input: RunCommandInput;
  readonly creationTime: number;
  readonly runs: InstanceRun[];
}

type StepResult = { output: string; exit: number } | { exitScript: number; output: string } | 'async';

/** The emulated Cloud Assistant service of one account. */
export class CloudAssistant {
  private readonly env: AssistantEnvironment;
  private readonly invocations = new Map<string, Invocation>();
  private readonly listeners = new Map<string, Listener>();
  private readonly flows = new FlowLedger();
  private counter = 0;
  private flowCounter = 0;

  constructor(env: AssistantEnvironment) {
    this.env = env;
  }

  /** Forgets invocations, listeners and flows (control API reset / snapshot load). */
  reset(): void {
    for (const inv of this.invocations.values()) for (const run of inv.runs) this.cancelAll(run);
    this.invocations.clear();
    this.listeners.clear();
    this.flows.clear();
  }

  /** Instances of a region (all when `regionId` is undefined), of one account when `ownerId` is given. */
  instances(regionId?: string, ownerId?: string): AssistantInstance[] {
    return this.env.instances().filter((i) => (regionId === undefined || i.regionId === regionId) && (ownerId === undefined || i.ownerId === ownerId));
  }

  /**
   * Starts a command on instances. Validates everything first, so a refused call starts nothing.
   * @throws InvalidInstanceNotFound, ClientNeedUpgrade, InstanceIdsExceedLimit
   */
  runCommand(input: RunCommandInput, opts: { dryRun?: boolean } = {}): { invokeId: string; commandId: string } {
    if (input.instanceIds.length > 100) throw new InstanceIdsExceedLimit();
    const known = new Map(this.instances(input.regionId, input.ownerId).map((i) => [i.instanceId, i]));
    const targets = input.instanceIds.map((id) => {
      const inst = known.get(id);
      if (!inst) throw new InvalidInstanceNotFound(id);
      return inst;
    });
    for (const inst of targets) {
      if (inst.agentOnline && compareVersions(inst.agentVersion, MIN_AGENT_VERSION) < 0) {
        throw new ClientNeedUpgrade(inst.instanceId, MIN_AGENT_VERSION);
      }
    }
    if (opts.dryRun) return { invokeId: '', commandId: '' };
    const now = this.env.clock.now();
    this.counter += 1;
    const suffix = this.counter.toString(36).padStart(10, '0');
    const invocation: Invocation = {
      invokeId: `t-emu${suffix}`,
      commandId: `c-emu${suffix}`,
      input,
      creationTime: now,
      runs: [],
    };
    for (const instance of targets) {
      invocation.runs.push({
        invocation,
        instance,
        status: 'Pending',
        output: '',
        errorCode: '',
        errorInfo: '',
        creationTime: now,
        updateTime: now,
        script: [],
        pc: 0,
        lastExit: 0,
        owned: new Set(),
      });
    }
    this.invocations.set(invocation.invokeId, invocation);
    if (this.invocations.size > RECORD_LIMIT) {
      const oldest = this.invocations.keys().next().value;
      if (oldest !== undefined) this.invocations.delete(oldest);
    }
    for (const run of invocation.runs) this.deliver(run);
    return { invokeId: invocation.invokeId, commandId: invocation.commandId };
  }

  /** All invocations (of one account when `ownerId` is given), newest first. */
  list(ownerId?: string): InvocationView[] {
    return [...this.invocations.values()]
      .reverse()
      .filter((inv) => ownerId === undefined || inv.input.ownerId === undefined || inv.input.ownerId === ownerId)
      .map((inv) => this.view(inv));
  }

  /** One invocation. */
  get(invokeId: string): InvocationView | undefined {
    const inv = this.invocations.get(invokeId);
    return inv ? this.view(inv) : undefined;
  }

  /** Listening servers (control API state). */
  listening(): ListenerView[] {
    return [...this.listeners.values()].map((l) => ({
      instanceId: l.instanceId,
      ip: l.ip,
      port: l.port,
      tool: l.tool,
      busy: l.busy,
      ...(l.owner ? { invokeId: l.owner.invocation.invokeId } : {}),
    }));
  }

  /** Invocations currently active on an instance (DescribeCloudAssistantStatus `ActiveTaskCount`). */
  activeTasks(instanceId: string): number {
    let n = 0;
    for (const inv of this.invocations.values()) {
      for (const r of inv.runs) if (r.instance.instanceId === instanceId && (r.status === 'Pending' || r.status === 'Running')) n++;
    }
    return n;
  }

  /** Invocations ever sent to an instance, and the time of the last one. */
  invocationStats(instanceId: string): { count: number; last?: number } {
    let count = 0;
    let last: number | undefined;
    for (const inv of this.invocations.values()) {
      if (inv.runs.some((r) => r.instance.instanceId === instanceId)) {
        count++;
        last = inv.creationTime;
      }
    }
    return last === undefined ? { count } : { count, last };
  }

  // ------------------------------------------------------------------ lifecycle of one run

  private deliver(run: InstanceRun): void {
    const { instance, invocation } = run;
    const clock = this.env.clock;
    if (!instance.running) {
      clock.schedule(DELIVERY_MS, () => this.abort(run, 'Aborted', 'InstanceNotRunning', 'the instance is not running when create task'));
      return;
    }
    if (!instance.agentOnline) {
      clock.schedule(DELIVERY_TIMEOUT_MS, () => this.abort(run, 'Aborted', 'ClientNotRunning', 'the aliyun service is not running on the instance'));
      return;
    }
    const applicable = instance.osType === 'linux' ? invocation.input.type === 'RunShellScript' : invocation.input.type !== 'RunShellScript';
    if (!applicable) {
      clock.schedule(DELIVERY_MS, () => this.abort(run, 'Invalid', 'CommandNotApplicable', 'the command is not applicable'));
      return;
    }
    clock.schedule(DELIVERY_MS, () => this.start(run));
  }

  private abort(run: InstanceRun, status: InstanceInvocationStatus, code: string, info: string): void {
    if (run.status !== 'Pending') return;
    const now = this.env.clock.now();
    run.status = status;
    run.errorCode = code;
    run.errorInfo = info;
    run.updateTime = now;
    run.finishTime = now;
  }

  private start(run: InstanceRun): void {
    if (run.status !== 'Pending') return;
    const now = this.env.clock.now();
    run.status = 'Running';
    run.startTime = now;
    run.updateTime = now;
    run.cancelTimeout = this.env.clock.schedule(run.invocation.input.timeoutSeconds * 1000, () => this.timeout(run));
    try {
      run.script = parseScript(substitute(run.invocation.input.content, run.invocation.input.parameters ?? {}));
    } catch (err) {
      if (!(err instanceof ShellSyntaxError)) throw err;
      run.output += `${this.scriptPath(run)}: line ${err.line}: ${err.message}\n`;
      this.finish(run, 2);
      return;
    }
    this.advance(run);
  }

  private advance(run: InstanceRun): void {
    while (run.status === 'Running' && run.current === undefined) {
      const cmd = run.script[run.pc];
      if (cmd === undefined) {
        this.finish(run, run.lastExit);
        return;
      }
      run.pc += 1;
      if (cmd.connector === 'and' && run.lastExit !== 0) continue;
      if (cmd.connector === 'or' && run.lastExit === 0) continue;
      const result = this.execute(run, cmd);
      if (result === 'async') return;
      if ('exitScript' in result) {
        this.append(run, cmd, result.output);
        this.finish(run, result.exitScript);
        return;
      }
      this.append(run, cmd, result.output);
      run.lastExit = result.exit;
    }
  }

  private append(run: InstanceRun, cmd: SimpleCommand, text: string): void {
    if (text === '' || cmd.outputRedirected || cmd.background) return;
    run.output += text;
    run.updateTime = this.env.clock.now();
  }

  private finish(run: InstanceRun, exitCode: number): void {
    if (run.status !== 'Running') return;
    const now = this.env.clock.now();
    run.cancelTimeout?.();
    this.releaseOwned(run);
    run.exitCode = exitCode;
    run.status = exitCode === 0 ? 'Success' : 'Failed';
    if (exitCode !== 0) {
      run.errorCode = 'ExitCodeNonzero';
      run.errorInfo = 'the command execution exit code is not zero';
    }
    run.finishTime = now;
    run.updateTime = now;
  }

  private timeout(run: InstanceRun): void {
    if (run.status !== 'Running') return;
    const now = this.env.clock.now();
    this.cancelAll(run);
    run.status = 'Timeout';
    // The agent kills the process; the exit code it reports then is UNCONFIRMED (-1 here).
    run.exitCode = -1;
    run.errorCode = 'ExecutionTimeout';
    run.errorInfo = 'the command execution has been timeout';
    run.finishTime = now;
    run.updateTime = now;
  }

  private cancelAll(run: InstanceRun): void {
    run.cancelTimeout?.();
    run.current?.cancel();
    run.current = undefined;
    this.releaseOwned(run);
  }

  private releaseOwned(run: InstanceRun): void {
    for (const l of run.owned) {
      const key = listenerKey(l.ip, l.port);
      if (this.listeners.get(key) === l) this.listeners.delete(key);
    }
    run.owned.clear();
  }

  /** Runs one async step: `onDone` fires after `ms` unless the run is killed first. */
  private wait(run: InstanceRun, cmd: SimpleCommand, ms: number, onDone: () => { output: string; exit: number }, onCancel?: () => void): 'async' {
    let cancelled = false;
    const cancelTimer = this.env.clock.schedule(ms, () => {
      if (cancelled) return;
      run.current = undefined;
      const r = onDone();
      this.append(run, cmd, r.output);
      run.lastExit = r.exit;
      this.advance(run);
    });
    run.current = {
      cancel: () => {
        cancelled = true;
        cancelTimer();
        onCancel?.();
      },
    };
    return 'async';
  }

  /** A foreground step that only ends when something else ends it (a server, or a timeout). */
  private hold(run: InstanceRun, onCancel?: () => void): 'async' {
    run.current = { cancel: () => onCancel?.() };
    return 'async';
  }

  /** Ends a held foreground step from outside (iperf3 -s -1 after its test, pkill). */
  private release(run: InstanceRun, output: string, exit: number): void {
    if (run.status !== 'Running' || run.current === undefined) return;
    run.current = undefined;
    if (output !== '') {
      run.output += output;
      run.updateTime = this.env.clock.now();
    }
    run.lastExit = exit;
    this.advance(run);
  }

  // ------------------------------------------------------------------ commands

  private scriptPath(run: InstanceRun): string {
    return `${SCRIPT_DIR}/${run.invocation.invokeId}.sh`;
  }

  private execute(run: InstanceRun, cmd: SimpleCommand): StepResult {
    const inst = run.instance;
    if (cmd.unsupported) return { output: `${this.scriptPath(run)}: line ${cmd.line}: ${cmd.unsupported}\n`, exit: 2 };
    const program = basename(cmd.argv[0] ?? '');
    const installed = !(TOOL_PROGRAMS as readonly string[]).includes(program) || inst.binaries.includes(program);
    if (!isKnownProgram(program) || !installed) {
      return { output: `${this.scriptPath(run)}: line ${cmd.line}: ${cmd.argv[0]}: command not found\n`, exit: 127 };
    }
    const tool = parseTool([program, ...cmd.argv.slice(1)], cmd.cpu);
    return this.runTool(run, cmd, tool);
  }

  private runTool(run: InstanceRun, cmd: SimpleCommand, tool: ToolCommand): StepResult {
    switch (tool.tool) {
      case 'usage-error':
        return { output: tool.message, exit: tool.exitCode };
      case 'netserver':
        return this.netserver(run, cmd, tool);
      case 'iperf3-server':
        return this.iperf3Server(run, cmd, tool);
      case 'netperf':
        return this.netperf(run, cmd, tool);
      case 'iperf3-client':
        return this.iperf3Client(run, cmd, tool);
      case 'ping':
        return this.ping(run, cmd, tool);
      case 'builtin':
        return this.builtin(run, cmd, tool.name, tool.args);
    }
  }

  private builtin(run: InstanceRun, cmd: SimpleCommand, name: string, args: readonly string[]): StepResult {
    switch (name) {
      case 'echo': {
        const noNewline = args[0] === '-n';
        const text = (noNewline ? args.slice(1) : args).join(' ');
        return { output: noNewline ? text : `${text}\n`, exit: 0 };
      }
      case 'true':
      case 'cd':
      case 'wait':
        return { output: '', exit: 0 };
      case 'false':
        return { output: '', exit: 1 };
      case 'hostname':
        return { output: `${run.instance.hostname}\n`, exit: 0 };
      case 'exit': {
        const code = args[0] === undefined ? run.lastExit : Number(args[0]) & 0xff;
        return { exitScript: Number.isFinite(code) ? code : 2, output: '' };
      }
      case 'which': {
        const found = args.filter((a) => isKnownProgram(a) && (!(TOOL_PROGRAMS as readonly string[]).includes(a) || run.instance.binaries.includes(a)));
        return { output: found.map((a) => `/usr/bin/${a}\n`).join(''), exit: found.length === args.length && args.length > 0 ? 0 : 1 };
      }
      case 'sleep': {
        const secs = parseDuration(args[0]);
        if (secs === undefined) return { output: `sleep: invalid time interval '${args[0] ?? ''}'\n`, exit: 1 };
        if (cmd.background) return { output: '', exit: 0 };
        return this.wait(run, cmd, secs * 1000, () => ({ output: '', exit: 0 }));
      }
      case 'pkill':
      case 'killall': {
        const names = args.filter((a) => !a.startsWith('-'));
        let killed = 0;
        for (const [key, l] of [...this.listeners]) {
          if (l.instanceId !== run.instance.instanceId || !names.some((n) => l.tool === n || n.startsWith(l.tool))) continue;
          this.listeners.delete(key);
          killed++;
          if (l.owner && l.owner !== run) {
            l.owner.owned.delete(l);
            this.release(l.owner, '', 143);
          }
        }
        return { output: killed === 0 && name === 'killall' ? `${names[0] ?? ''}: no process found\n` : '', exit: killed > 0 ? 0 : 1 };
      }
      default:
        return { output: `${this.scriptPath(run)}: line ${cmd.line}: ${name}: command not found\n`, exit: 127 };
    }
  }

  private netserver(run: InstanceRun, cmd: SimpleCommand, tool: NetserverCommand): StepResult {
    const inst = run.instance;
    const key = listenerKey(inst.ip, tool.port);
    const banner = `Starting netserver with host 'IN(6)ADDR_ANY' port '${tool.port}' and family AF_UNSPEC\n`;
    if (this.listeners.has(key)) {
      return { output: `${banner}netserver: bind: Address already in use\n`, exit: 1 };
    }
    const listener: Listener = { instanceId: inst.instanceId, ip: inst.ip, port: tool.port, tool: 'netserver', busy: false, testCount: 0 };
    this.listeners.set(key, listener);
    if (!tool.foreground || cmd.background) return { output: banner, exit: 0 };
    listener.owner = run;
    run.owned.add(listener);
    this.append(run, cmd, banner);
    return this.hold(run);
  }

  private iperf3Server(run: InstanceRun, cmd: SimpleCommand, tool: Iperf3ServerCommand): StepResult {
    const inst = run.instance;
    const key = listenerKey(inst.ip, tool.port);
    if (this.listeners.has(key)) {
      return { output: 'iperf3: error - unable to start listener for connections: Address already in use\niperf3: exiting\n', exit: 1 };
    }
    const listener: Listener = { instanceId: inst.instanceId, ip: inst.ip, port: tool.port, tool: 'iperf3', busy: false, server: tool, testCount: 0 };
    this.listeners.set(key, listener);
    if (tool.daemon || cmd.background) return { output: '', exit: 0 };
    listener.owner = run;
    run.owned.add(listener);
    if (!tool.json && !cmd.outputRedirected) this.append(run, cmd, serverBanner(tool.port, 1));
    return this.hold(run);
  }

  private netperf(run: InstanceRun, cmd: SimpleCommand, tool: NetperfCommand): StepResult {
    const inst = run.instance;
    const refused =
      `establish control: are you sure there is a netserver listening on ${tool.host} at port ${tool.port}?\n` +
      `establish_control could not establish the control connection from 0.0.0.0 port 0 address family AF_UNSPEC to ${tool.host} port ${tool.port} address family AF_INET\n`;
    const target = this.hostByIp(tool.host);
    const flowKey = `${tool.test === 'UDP_STREAM' ? 'udp' : 'tcp'}:${inst.ip}:${this.nextPort()}>${tool.host}:${tool.port}`;
    const path = this.env.path(inst, tool.host, flowKey);
    if (!path.reachable || !this.answers(tool.host, target)) {
      if (cmd.background) return { output: '', exit: 0 };
      return this.wait(run, cmd, CONNECT_TIMEOUT_MS, () => ({ output: refused, exit: 1 }));
    }
    const listener = this.listeners.get(listenerKey(tool.host, tool.port));
    if (!listener || listener.tool !== 'netserver') return { output: refused, exit: 1 };
    const now = this.env.clock.now();
    const flow: LedgerFlow = {
      id: `f${++this.flowCounter}`,
      protocol: tool.test === 'UDP_STREAM' ? 'udp' : 'tcp',
      payloadBytes: tool.messageBytes,
      direction: path.direction,
      hashKey: flowKey,
      startMs: now,
      endMs: now + tool.lengthSeconds * 1000,
    };
    this.flows.add(path.linkId, path.link, flow, now);
    if (cmd.background) return { output: '', exit: 0 };
    return this.wait(
      run,
      cmd,
      tool.lengthSeconds * 1000,
      () => {
        const [outcome] = this.flows.outcomes(path.linkId, [flow.id], 1);
        if (!outcome) return { output: refused, exit: 1 };
        const text = renderNetperf(netperfRunFromOutcome(outcome, { test: tool.test, remoteHost: tool.host, printHeaders: tool.printHeaders }));
        return { output: text, exit: 0 };
      },
      () => this.flows.cut(path.linkId, flow.id, this.env.clock.now()),
    );
  }

  private iperf3Client(run: InstanceRun, cmd: SimpleCommand, tool: Iperf3ClientCommand): StepResult {
    const inst = run.instance;
    const fail = (message: string): string =>
      tool.json ? `${cjsonPrint({ start: { connected: [], version: DEFAULT_IPERF3_VERSION, system_info: systemInfo(inst) }, intervals: [], end: {}, error: message })}\n` : `iperf3: error - ${message}\n`;
    const target = this.hostByIp(tool.host);
    const controlPort = this.nextPort();
    const keys = Array.from({ length: tool.parallel }, (_, k) => `${tool.udp ? 'udp' : 'tcp'}:${inst.ip}:${controlPort + 1 + k}>${tool.host}:${tool.port}`);
    const control = this.env.path(inst, tool.host, `tcp:${inst.ip}:${controlPort}>${tool.host}:${tool.port}`);
    if (!control.reachable || !this.answers(tool.host, target)) {
      if (cmd.background) return { output: '', exit: 0 };
      return this.wait(run, cmd, CONNECT_TIMEOUT_MS, () => ({ output: fail('unable to connect to server: Connection timed out'), exit: 1 }));
    }
    const listener = this.listeners.get(listenerKey(tool.host, tool.port));
    if (!listener || listener.tool !== 'iperf3') return { output: fail('unable to connect to server: Connection refused'), exit: 1 };
    if (listener.busy) return { output: fail('the server is busy running a test. try again later'), exit: 1 };
    // Each stream hashes on its own 5-tuple; in reverse mode (-R) the server sends, so the data
    // runs from the target back to us.
    const server = target as AssistantInstance;
    const paths = keys.map((k) => (tool.reverse ? this.env.path(server, inst.ip, k) : this.env.path(inst, tool.host, k)));
    if (paths.some((p) => !p.reachable)) {
      if (cmd.background) return { output: '', exit: 0 };
      return this.wait(run, cmd, CONNECT_TIMEOUT_MS, () => ({ output: fail('unable to connect to server: Connection timed out'), exit: 1 }));
    }
    listener.busy = true;
    listener.testCount += 1;
    const testNumber = listener.testCount;
    const now = this.env.clock.now();
    const flows: Array<{ linkId: string; flow: LedgerFlow }> = keys.map((k, i) => {
      const p = paths[i] as Extract<PathVerdict, { reachable: true }>;
      const flow: LedgerFlow = {
        id: `f${++this.flowCounter}`,
        protocol: tool.udp ? 'udp' : 'tcp',
        payloadBytes: tool.blockSize,
        ...(tool.bitrateBps > 0 ? { offeredBps: tool.bitrateBps } : {}),
        direction: p.direction,
        hashKey: k,
        startMs: now,
        endMs: now + tool.durationSeconds * 1000,
      };
      this.flows.add(p.linkId, p.link, flow, now);
      return { linkId: p.linkId, flow };
    });
    const finishTest = (): { output: string; exit: number } => {
      listener.busy = false;
      const outcomes = flows.flatMap(({ linkId, flow }) => this.flows.outcomes(linkId, [flow.id], tool.intervalSeconds));
      if (outcomes.length !== flows.length) return { output: fail('control socket has closed unexpectedly'), exit: 1 };
      const common = {
        reverse: tool.reverse,
        clientHost: inst.ip,
        serverHost: tool.host,
        serverPort: tool.port,
        clientPortBase: controlPort,
        intervalSeconds: tool.intervalSeconds > 0 ? tool.intervalSeconds : tool.durationSeconds,
        blockSize: tool.blockSize,
        targetBitrate: tool.bitrateBps,
        timestamp: this.env.unixSeconds(now),
        testNumber,
      };
      const clientRun = iperf3RunFromOutcomes(outcomes, { ...common, side: 'client', systemInfo: systemInfo(inst) });
      this.serverReport(listener, outcomes, common);
      return { output: tool.json ? renderIperf3Json(clientRun) : renderIperf3Text(clientRun), exit: 0 };
    };
    if (cmd.background) {
      this.env.clock.schedule(tool.durationSeconds * 1000, () => void finishTest());
      return { output: '', exit: 0 };
    }
    return this.wait(run, cmd, tool.durationSeconds * 1000, finishTest, () => {
      listener.busy = false;
      const at = this.env.clock.now();
      for (const { linkId, flow } of flows) this.flows.cut(linkId, flow.id, at);
    });
  }

  /**
   * `ping`: one echo request every interval on the emulator clock, each judged by the data plane
   * at the moment it is sent, so a series that spans a failure shows the replies that were lost.
   * Ends after `-c` requests once the last reply is in (or `-W` seconds after the last request
   * when it is not), at the `-w` deadline, or when the invocation is killed (no statistics then,
   * as with SIGKILL).
   */
  private ping(run: InstanceRun, cmd: SimpleCommand, tool: PingCommand): StepResult {
    // A background ping's output goes nowhere and nothing waits for it.
    if (cmd.background) return { output: '', exit: 0 };
    const clock = this.env.clock;
    // `-i 0` (root may) still spaces requests on the clock, so a count-less run cannot spin.
    const intervalMs = Math.max(1, tool.intervalSeconds * 1000);
    const started = clock.now();
    const tally: PingTally = { transmitted: 0, received: 0, errors: 0, rttsUs: [], elapsedMs: 0 };
    const timers = new Set<() => void>();
    let cancelled = false;
    let done = false;
    let lastEventAt = started;
    let lingerTimer: (() => void) | undefined;
    // While ping() itself runs, a finished ping hands its result back instead of resuming the script.
    let synchronous = true;
    let syncResult: { output: string; exit: number } | undefined;
    const at = (delayMs: number, fn: () => void): (() => void) => {
      const cancel = clock.schedule(Math.max(0, delayMs), () => {
        timers.delete(cancel);
        if (!cancelled && !done) fn();
      });
      timers.add(cancel);
      return cancel;
    };
    const finish = (): void => {
      if (done) return;
      done = true;
      for (const cancel of timers) cancel();
      timers.clear();
      tally.elapsedMs = lastEventAt - started;
      const result = { output: pingStatistics(tool, tally), exit: pingExitCode(tool, tally) };
      if (synchronous) {
        syncResult = result;
        return;
      }
      run.current = undefined;
      this.append(run, cmd, result.output);
      run.lastExit = result.exit;
      this.advance(run);
    };
    const allAnswered = (): boolean => tool.count !== undefined && tally.transmitted >= tool.count && tally.received + tally.errors >= tool.count;
    const send = (): void => {
      const seq = tally.transmitted + 1;
      tally.transmitted = seq;
      const now = clock.now();
      lastEventAt = now;
      const verdict = this.env.icmpEcho(run.instance, tool.host, seq);
      if (verdict.kind === 'reply') {
        at(verdict.rttUs / 1000, () => {
          tally.received += 1;
          tally.rttsUs.push(verdict.rttUs);
          lastEventAt = clock.now();
          if (!tool.quiet) this.append(run, cmd, pingReplyLine(tool, seq, verdict.ttl, verdict.rttUs));
          if (allAnswered()) finish();
        });
      } else if (verdict.kind === 'host-unreachable') {
        tally.errors += 1;
        if (!tool.quiet) this.append(run, cmd, pingUnreachableLine(verdict.from, seq));
      }
      const more = tool.count === undefined || tally.transmitted < tool.count;
      if (more) {
        at(intervalMs, send);
      } else if (allAnswered()) {
        finish();
      } else {
        // iputils waits up to -W seconds for the replies still out, then gives up.
        lingerTimer?.();
        lingerTimer = at(tool.timeoutSeconds * 1000, finish);
      }
    };
    if (tool.deadlineSeconds !== undefined) {
      at(tool.deadlineSeconds * 1000, () => {
        lastEventAt = started + (tool.deadlineSeconds as number) * 1000;
        finish();
      });
    }
    this.append(run, cmd, pingHeader(tool));
    run.current = {
      cancel: () => {
        cancelled = true;
        for (const cancel of timers) cancel();
        timers.clear();
      },
    };
    send();
    synchronous = false;
    if (syncResult) {
      run.current = undefined;
      return syncResult;
    }
    return 'async';
  }

  /** Prints the server end of a finished iperf3 test into the invocation that runs the server. */
  private serverReport(
    listener: Listener,
    outcomes: Parameters<typeof iperf3RunFromOutcomes>[0],
    common: Omit<Parameters<typeof iperf3RunFromOutcomes>[1], 'side'>,
  ): void {
    const owner = listener.owner;
    const server = listener.server;
    if (!owner || !server || owner.status !== 'Running') return;
    const host = this.hostByIp(listener.ip);
    const serverRun = iperf3RunFromOutcomes(outcomes, {
      ...common,
      side: 'server',
      serverKeepsListening: !server.oneOff,
      ...(host ? { systemInfo: systemInfo(host) } : {}),
    });
    let text = server.json ? renderIperf3Json(serverRun) : renderIperf3Text(serverRun);
    // The banner of this test was printed when the server started listening (or after the last test).
    const banner = serverBanner(listener.port, common.testNumber ?? 1);
    if (!server.json && text.startsWith(banner)) text = text.slice(banner.length);
    owner.output += text;
    owner.updateTime = this.env.clock.now();
    if (server.oneOff) {
      const key = listenerKey(listener.ip, listener.port);
      if (this.listeners.get(key) === listener) this.listeners.delete(key);
      owner.owned.delete(listener);
      this.release(owner, '', 0);
    }
  }

  /** Whether a SYN to `ip` gets an answer (SYN-ACK or reset) rather than silence. */
  private answers(ip: string, target: AssistantInstance | undefined): boolean {
    return target ? target.running : this.env.hostExists(ip);
  }

  private hostByIp(ip: string): AssistantInstance | undefined {
    return this.env.instances().find((i) => i.ip === ip);
  }

  private nextPort(): number {
    // Ephemeral ports as Linux hands them out (32768–60999), deterministic.
    this.flowCounter += 1;
    return 32768 + ((this.flowCounter * 7919) % 28000);
  }

  // ------------------------------------------------------------------ views

  private view(inv: Invocation): InvocationView {
    const instances = inv.runs.map((r): InstanceResultView => ({
      instanceId: r.instance.instanceId,
      status: r.status,
      output: r.output,
      exitCode: r.exitCode,
      errorCode: r.errorCode,
      errorInfo: r.errorInfo,
      creationTime: r.creationTime,
      updateTime: r.updateTime,
      ...(r.startTime !== undefined ? { startTime: r.startTime } : {}),
      ...(r.finishTime !== undefined ? { finishTime: r.finishTime } : {}),
    }));
    return {
      invokeId: inv.invokeId,
      ...(inv.input.ownerId !== undefined ? { ownerId: inv.input.ownerId } : {}),
      commandId: inv.commandId,
      regionId: inv.input.regionId,
      name: inv.input.name ?? '',
      description: inv.input.description ?? '',
      type: inv.input.type,
      content: inv.input.content,
      timeoutSeconds: inv.input.timeoutSeconds,
      workingDir: inv.input.workingDir ?? '/root',
      username: inv.input.username ?? 'root',
      parameters: inv.input.parameters ?? {},
      creationTime: inv.creationTime,
      status: overallStatus(instances.map((i) => i.status)),
      instances,
    };
  }
}

const FAILED: ReadonlySet<InstanceInvocationStatus> = new Set(['Failed', 'Timeout', 'Aborted', 'Error', 'Invalid']);

/** Overall status from the per-instance ones, as DescribeInvocations defines it. */
export function overallStatus(statuses: readonly InstanceInvocationStatus[]): InvocationStatus {
  if (statuses.some((s) => s === 'Pending')) return 'Pending';
  if (statuses.some((s) => s === 'Running')) return 'Running';
  if (statuses.every((s) => s === 'Stopped')) return 'Stopped';
  const failed = statuses.filter((s) => FAILED.has(s)).length;
  if (failed === 0) return 'Success';
  return failed === statuses.length ? 'Failed' : 'PartialFailed';
}

/** Legacy status words (`InvokeStatus`, `InstanceInvokeStatus`, `InvokeRecordStatus`). */
export function legacyStatus(status: InstanceInvocationStatus | InvocationStatus): 'Running' | 'Finished' | 'Failed' | 'PartialFailed' | 'Stopped' {
  switch (status) {
    case 'Pending':
    case 'Running':
      return 'Running';
    case 'Success':
      return 'Finished';
    case 'Failed':
      return 'Failed';
    case 'PartialFailed':
      return 'PartialFailed';
    case 'Stopped':
      return 'Stopped';
    default:
      return 'Failed';
  }
}

function listenerKey(ip: string, port: number): string {
  return `${ip}:${port}`;
}

function basename(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? p : p.slice(i + 1);
}

function serverBanner(port: number, testNumber: number): string {
  const rule = '-----------------------------------------------------------\n';
  return `${rule}Server listening on ${port} (test #${testNumber})\n${rule}`;
}

function systemInfo(inst: AssistantInstance): string {
  return `Linux ${inst.hostname} 5.10.134-16.al8.x86_64 #1 SMP Thu Nov 30 15:10:56 CST 2023 x86_64`;
}

function parseDuration(v: string | undefined): number | undefined {
  const m = v === undefined ? null : /^([0-9]+(?:\.[0-9]+)?)([smhd]?)$/.exec(v);
  if (!m) return undefined;
  const mult = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] ?? ''] ?? 1;
  return Number(m[1]) * mult;
}

/** `{{name}}` parameters (EnableParameter=true). */
function substitute(content: string, params: Readonly<Record<string, string>>): string {
  return content.replace(/\{\{\s*([A-Za-z0-9_-]+)\s*\}\}/g, (whole, name: string) => params[name] ?? whole);
}

/** Compares dotted version strings numerically. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => Number(x) || 0);
  const pb = b.split('.').map((x) => Number(x) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
