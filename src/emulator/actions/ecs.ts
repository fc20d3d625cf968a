/**
 * ECS 2014-05-26 actions: the Cloud Assistant calls of seed chapter 2 (DescribeCloudAssistantStatus,
 * RunCommand, DescribeInvocations, DescribeInvocationResults) and DescribeInstances. Thin: parse
 * and check wire params, call `CloudAssistant` / the inventory, serialize with the real names
 * and nesting (alibaba-api.md §6).
 */
import { MissingParameter } from '../errors.ts';
import {
  legacyStatus,
  type AssistantInstance,
  type CloudAssistant,
  type InstanceResultView,
  type InvocationView,
  type RunCommandInput,
} from '../ecs/assistant.ts';
import { CommandContentExceedLimit, CommandContentMalformed, RepeatModeNotSupported } from '../ecs/errors.ts';
import { OUTPUT_LIMIT_BYTES } from '../ecs/assistant.ts';
import { invalidParameter } from '../rpc/errors.ts';
import type { RpcParams } from '../rpc/params.ts';
import type { ActionContext, ActionResult, ProductApi } from '../rpc/types.ts';
import type { EcsInstanceRecord } from '../model/types.ts';
import { contentEncoding, nest, pageEither, toBase64 } from './common.ts';

/** What the ECS actions need from the emulator. */
export interface EcsDeps {
  readonly assistant: CloudAssistant;
  /** ECS inventory (DescribeInstances). */
  ecsInstances(): readonly EcsInstanceRecord[];
  /** Clock ms → wire timestamp. */
  wireTime(ms: number): string;
  /** Current clock ms. */
  now(): number;
  /** The model's default account (pairs given without an account act for it). */
  defaultAccountId(): string;
}

/** The account a call acts for. */
function caller(deps: EcsDeps, ctx: ActionContext): string {
  return ctx.accountId === '' ? deps.defaultAccountId() : ctx.accountId;
}

/** Base64 CommandContent limits: 24 KB when the command is not kept, 18 KB when it is. */
const CONTENT_LIMIT_BASE64 = 24 * 1024;
const CONTENT_LIMIT_BASE64_KEPT = 18 * 1024;

/** The ECS dispatch table. */
export function ecsApi(deps: EcsDeps): ProductApi {
  return {
    product: 'Ecs',
    version: '2014-05-26',
    host: 'ecs.aliyuncs.com',
    actions: {
      DescribeCloudAssistantStatus: (ctx) => describeCloudAssistantStatus(deps, ctx),
      RunCommand: (ctx) => runCommand(deps, ctx),
      DescribeInvocations: (ctx) => describeInvocations(deps, ctx),
      DescribeInvocationResults: (ctx) => describeInvocationResults(deps, ctx),
      DescribeInstances: (ctx) => describeInstances(deps, ctx),
    },
  };
}

function describeCloudAssistantStatus(deps: EcsDeps, ctx: ActionContext): ActionResult {
  const { params } = ctx;
  const regionId = params.requireString('RegionId');
  const ids = params.list('InstanceId');
  const osType = params.string('OSType');
  const all = deps.assistant
    .instances(regionId, caller(deps, ctx))
    .filter((i) => ids.length === 0 || ids.includes(i.instanceId))
    .filter((i) => osType === undefined || i.osType === osType.toLowerCase());
  const page = pageEither(all, params, { maxSize: 50, defaultSize: 10 });
  return {
    ...nest('InstanceCloudAssistantStatusSet', 'InstanceCloudAssistantStatus', page.items.map((i) => assistantStatus(deps, i))),
    ...page.fields,
  };
}

function assistantStatus(deps: EcsDeps, i: AssistantInstance): Record<string, unknown> {
  const stats = deps.assistant.invocationStats(i.instanceId);
  return {
    InstanceId: i.instanceId,
    // The API sends this flag as the strings "true" / "false".
    CloudAssistantStatus: i.agentOnline ? 'true' : 'false',
    CloudAssistantVersion: i.agentOnline ? i.agentVersion : '',
    OSType: i.osType === 'linux' ? 'Linux' : 'Windows',
    ActiveTaskCount: deps.assistant.activeTasks(i.instanceId),
    InvocationCount: stats.count,
    LastInvokedTime: stats.last === undefined ? '' : deps.wireTime(stats.last),
    // An online agent heartbeats every few seconds; report the current time.
    LastHeartbeatTime: i.agentOnline ? deps.wireTime(deps.now()) : '',
    SupportSessionManager: i.agentOnline,
  };
}

function runCommand(deps: EcsDeps, ctx: ActionContext): ActionResult {
  const { params } = ctx;
  const regionId = params.requireString('RegionId');
  const type = params.requireEnum('Type', ['RunShellScript', 'RunBatScript', 'RunPowerShellScript'] as const);
  const rawContent = params.requireString('CommandContent');
  const encoding = contentEncoding(params, 'PlainText');
  const keep = params.bool('KeepCommand') === true;
  const base64Length = encoding === 'Base64' ? rawContent.length : Buffer.byteLength(rawContent, 'utf8') * 4 / 3;
  if (base64Length > (keep ? CONTENT_LIMIT_BASE64_KEPT : CONTENT_LIMIT_BASE64)) throw new CommandContentExceedLimit();
  const content = encoding === 'Base64' ? decodeBase64(rawContent) : rawContent;
  const instanceIds = params.list('InstanceId');
  if (instanceIds.length === 0) throw new MissingParameter('InstanceId');
  const timeoutSeconds = params.int('Timeout', { min: 10, max: 86400 }) ?? 60;
  const repeatMode = params.string('RepeatMode') ?? 'Once';
  if (repeatMode !== 'Once') throw new RepeatModeNotSupported(repeatMode);
  const parameters = params.bool('EnableParameter') === true ? parseParameters(params) : undefined;
  const input: RunCommandInput = {
    regionId,
    ownerId: caller(deps, ctx),
    type,
    content,
    instanceIds,
    timeoutSeconds,
    ...optional('workingDir', params.string('WorkingDir')),
    ...optional('name', params.string('Name')),
    ...optional('description', params.string('Description')),
    ...optional('username', params.string('Username')),
    ...(parameters ? { parameters } : {}),
  };
  const started = deps.assistant.runCommand(input, { dryRun: ctx.dryRun });
  return { CommandId: started.commandId, InvokeId: started.invokeId };
}

function describeInvocations(deps: EcsDeps, ctx: ActionContext): ActionResult {
  const { params } = ctx;
  const regionId = params.requireString('RegionId');
  const invokeId = params.string('InvokeId');
  const instanceId = params.string('InstanceId');
  const commandId = params.string('CommandId');
  const commandName = params.string('CommandName');
  const commandType = params.string('CommandType');
  const invokeStatus = params.string('InvokeStatus');
  const includeOutput = params.bool('IncludeOutput') === true;
  const encoding = contentEncoding(params, 'Base64');
  const rows = deps.assistant
    .list(caller(deps, ctx))
    .filter((inv) => inv.regionId === regionId)
    .filter((inv) => invokeId === undefined || inv.invokeId === invokeId)
    .filter((inv) => commandId === undefined || inv.commandId === commandId)
    .filter((inv) => commandName === undefined || inv.name === commandName)
    .filter((inv) => commandType === undefined || inv.type === commandType)
    .filter((inv) => instanceId === undefined || inv.instances.some((i) => i.instanceId === instanceId))
    .filter((inv) => invokeStatus === undefined || inv.status === invokeStatus || legacyStatus(inv.status) === invokeStatus);
  const page = pageEither(rows, params, { maxSize: 50, defaultSize: 10 });
  return {
    ...nest(
      'Invocations',
      'Invocation',
      page.items.map((inv) => invocationJson(deps, inv, { instanceId, includeOutput, encoding })),
    ),
    ...page.fields,
  };
}

function invocationJson(
  deps: EcsDeps,
  inv: InvocationView,
  opts: { instanceId?: string; includeOutput: boolean; encoding: 'PlainText' | 'Base64' },
): Record<string, unknown> {
  const instances = inv.instances.filter((i) => opts.instanceId === undefined || i.instanceId === opts.instanceId);
  return {
    InvokeId: inv.invokeId,
    CommandId: inv.commandId,
    CommandName: inv.name,
    CommandDescription: inv.description,
    CommandType: inv.type,
    // DescribeInvocations always returns the command content Base64-encoded.
    CommandContent: toBase64(inv.content),
    InvocationStatus: inv.status,
    InvokeStatus: legacyStatus(inv.status),
    Timed: false,
    RepeatMode: 'Once',
    Frequency: '',
    Timeout: inv.timeoutSeconds,
    Username: inv.username,
    WorkingDir: inv.workingDir,
    Parameters: JSON.stringify(inv.parameters),
    CreationTime: deps.wireTime(inv.creationTime),
    InvokeInstances: {
      InvokeInstance: instances.map((i) => ({
        InstanceId: i.instanceId,
        InvocationStatus: i.status,
        InstanceInvokeStatus: legacyStatus(i.status),
        ...(opts.includeOutput ? outputFields(i.output, opts.encoding) : {}),
        ExitCode: i.exitCode ?? null,
        ErrorCode: i.errorCode,
        ErrorInfo: i.errorInfo,
        Repeats: i.startTime === undefined ? 0 : 1,
        Timed: false,
        CreationTime: deps.wireTime(i.creationTime),
        UpdateTime: deps.wireTime(i.updateTime),
        StartTime: i.startTime === undefined ? '' : deps.wireTime(i.startTime),
        FinishTime: i.finishTime === undefined ? '' : deps.wireTime(i.finishTime),
        StopTime: '',
      })),
    },
  };
}

function describeInvocationResults(deps: EcsDeps, ctx: ActionContext): ActionResult {
  const { params } = ctx;
  const regionId = params.requireString('RegionId');
  const invokeId = params.string('InvokeId');
  const instanceId = params.string('InstanceId');
  const commandId = params.string('CommandId');
  const recordStatus = params.string('InvokeRecordStatus');
  const encoding = contentEncoding(params, 'Base64');
  const rows: Array<{ inv: InvocationView; result: InstanceResultView }> = [];
  for (const inv of deps.assistant.list(caller(deps, ctx))) {
    if (inv.regionId !== regionId) continue;
    if (invokeId !== undefined && inv.invokeId !== invokeId) continue;
    if (commandId !== undefined && inv.commandId !== commandId) continue;
    for (const result of inv.instances) {
      if (instanceId !== undefined && result.instanceId !== instanceId) continue;
      if (recordStatus !== undefined && legacyStatus(result.status) !== recordStatus) continue;
      rows.push({ inv, result });
    }
  }
  const page = pageEither(rows, params, { maxSize: 50, defaultSize: 10 });
  return {
    Invocation: {
      InvocationResults: {
        InvocationResult: page.items.map(({ inv, result }) => ({
          CommandId: inv.commandId,
          InvokeId: inv.invokeId,
          InstanceId: result.instanceId,
          InvocationStatus: result.status,
          InvokeRecordStatus: legacyStatus(result.status),
          ExitCode: result.exitCode ?? null,
          ...outputFields(result.output, encoding),
          ErrorCode: result.errorCode,
          ErrorInfo: result.errorInfo,
          Repeats: result.startTime === undefined ? 0 : 1,
          Username: inv.username,
          StartTime: result.startTime === undefined ? '' : deps.wireTime(result.startTime),
          FinishedTime: result.finishTime === undefined ? '' : deps.wireTime(result.finishTime),
          StopTime: '',
        })),
      },
      ...page.fields,
    },
  };
}

function describeInstances(deps: EcsDeps, ctx: ActionContext): ActionResult {
  const { params } = ctx;
  const regionId = params.requireString('RegionId');
  const account = caller(deps, ctx);
  const ids = jsonStringList(params, 'InstanceIds');
  const ips = jsonStringList(params, 'PrivateIpAddresses');
  const vpcId = params.string('VpcId');
  const vSwitchId = params.string('VSwitchId');
  const zoneId = params.string('ZoneId');
  const status = params.string('Status');
  const name = params.string('InstanceName');
  const rows = deps
    .ecsInstances()
    .filter((i) => i.regionId === regionId && (i.ownerId ?? deps.defaultAccountId()) === account)
    .filter((i) => ids === undefined || ids.includes(i.instanceId))
    .filter((i) => ips === undefined || ips.includes(i.privateIpAddress))
    .filter((i) => vpcId === undefined || i.vpcId === vpcId)
    .filter((i) => vSwitchId === undefined || i.vSwitchId === vSwitchId)
    .filter((i) => zoneId === undefined || i.zoneId === zoneId)
    .filter((i) => status === undefined || i.status === status)
    .filter((i) => name === undefined || matchesName(i.instanceName, name));
  const page = pageEither(rows, params, { maxSize: 100, defaultSize: 10 });
  return {
    ...nest(
      'Instances',
      'Instance',
      page.items.map((i) => ({
        InstanceId: i.instanceId,
        InstanceName: i.instanceName,
        HostName: i.instanceName,
        Status: i.status,
        RegionId: i.regionId,
        ZoneId: i.zoneId,
        InstanceType: i.instanceType,
        Cpu: i.cpu,
        Memory: i.memoryMb,
        OSType: i.osType,
        InstanceNetworkType: 'vpc',
        VpcAttributes: {
          VpcId: i.vpcId,
          VSwitchId: i.vSwitchId,
          PrivateIpAddress: { IpAddress: [i.privateIpAddress] },
          NatIpAddress: '',
        },
        PublicIpAddress: { IpAddress: [] },
      })),
    ),
    ...page.fields,
  };
}

/** `Output` (truncated to 24 KB, encoded) and `Dropped` (bytes cut). Which end is kept is UNCONFIRMED (we keep the start). */
function outputFields(output: string, encoding: 'PlainText' | 'Base64'): { Output: string; Dropped: number } {
  const bytes = Buffer.from(output, 'utf8');
  const kept = bytes.subarray(0, OUTPUT_LIMIT_BYTES);
  const dropped = bytes.length - kept.length;
  const text = kept.toString('utf8');
  return { Output: encoding === 'Base64' ? kept.toString('base64') : text, Dropped: dropped };
}

function decodeBase64(text: string): string {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text.replace(/\s+/g, '')) || text.replace(/\s+/g, '').length % 4 !== 0) {
    throw new CommandContentMalformed();
  }
  return Buffer.from(text, 'base64').toString('utf8');
}

function parseParameters(params: RpcParams): Record<string, string> {
  const raw = params.string('Parameters');
  if (raw === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalidParameter('Parameters', 'Expected a JSON object.');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidParameter('Parameters', 'Expected a JSON object.');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}

function jsonStringList(params: RpcParams, name: string): string[] | undefined {
  if (!params.has(name)) return undefined;
  return params.list(name);
}

/** ECS InstanceName filters accept `*` as a wildcard. */
function matchesName(value: string, pattern: string): boolean {
  if (!pattern.includes('*')) return value === pattern;
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(value);
}

function optional<K extends string>(key: K, v: string | undefined): { [P in K]?: string } {
  return (v === undefined ? {} : { [key]: v }) as { [P in K]?: string };
}
