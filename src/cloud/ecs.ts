/**
 * ECS API 2014-05-26: Cloud Assistant (run shell commands on instances, read their output) and
 * instance lookup (alibaba-api.md §6). Outputs are always requested as `PlainText`: the API's
 * default is Base64.
 */
import { ValidationError } from '../errors.ts';
import type { RpcCall, WireParams } from './rpc.ts';
import {
  describeNumbered,
  listTokens,
  normalizeClientToken,
  opt,
  optBoolean,
  optNumber,
  optString,
  requestIdOf,
  wireFields,
  wireList,
  wireObject,
  wireString,
  wireStringList,
  type PageRequest,
  type Paged,
  type TokenPageRequest,
  type WireObject,
} from './wire.ts';

// ---------------------------------------------------------------------------------------------
// Domain types
// ---------------------------------------------------------------------------------------------

/** Whether the Cloud Assistant agent runs on an instance. */
export interface CloudAssistantStatus {
  instanceId: string;
  /** Must be `true` before commands can run. */
  cloudAssistantStatus: boolean;
  cloudAssistantVersion?: string;
  osType?: string;
  lastHeartbeatTime?: string;
}

/** Overall status of an invocation (all instances). */
export type InvocationStatus =
  | 'Pending'
  | 'Scheduled'
  | 'Running'
  | 'Success'
  | 'Failed'
  | 'PartialFailed'
  | 'Stopping'
  | 'Stopped'
  | (string & {});

/** Per-instance status of an invocation. */
export type InstanceInvocationStatus =
  | 'Pending'
  | 'Invalid'
  | 'Aborted'
  | 'Running'
  | 'Success'
  | 'Failed'
  | 'Error'
  | 'Timeout'
  | 'Cancelled'
  | 'Stopping'
  | 'Terminated'
  | 'Scheduled'
  | (string & {});

/** Per-instance statuses after which nothing more will happen. */
export const FINAL_INSTANCE_INVOCATION_STATUSES: ReadonlySet<string> = new Set([
  'Success',
  'Failed',
  'Error',
  'Timeout',
  'Cancelled',
  'Terminated',
  'Invalid',
  'Aborted',
]);

/** One instance's part of an invocation (`DescribeInvocations` → `InvokeInstances.InvokeInstance[]`). */
export interface InvokeInstance {
  instanceId: string;
  invocationStatus: InstanceInvocationStatus;
  /** Command output as text (`PlainText`), empty unless asked for with `includeOutput`. */
  output?: string;
  exitCode?: number;
  errorCode?: string;
  errorInfo?: string;
  /** Bytes of output cut off. */
  dropped?: number;
  startTime?: string;
  finishTime?: string;
}

/** An invocation of a command (`DescribeInvocations` → `Invocations.Invocation[]`). */
export interface Invocation {
  invokeId: string;
  commandId?: string;
  commandName?: string;
  invocationStatus: InvocationStatus;
  /** Legacy overall status: Running / Finished / Failed / PartialFailed / Stopped. */
  invokeStatus?: string;
  creationTime?: string;
  instances: InvokeInstance[];
}

/** One instance's result (`DescribeInvocationResults` → `Invocation.InvocationResults.InvocationResult[]`). */
export interface InvocationResult {
  invokeId: string;
  instanceId: string;
  commandId?: string;
  invocationStatus: InstanceInvocationStatus;
  invokeRecordStatus?: string;
  exitCode?: number;
  /** Output as text (`PlainText`). */
  output: string;
  errorCode?: string;
  errorInfo?: string;
  /** Bytes of output cut off. */
  dropped?: number;
  startTime?: string;
  finishedTime?: string;
}

/** An ECS instance (`DescribeInstances` → `Instances.Instance[]`), network facts only. */
export interface Instance {
  instanceId: string;
  instanceName?: string;
  /** Pending / Running / Starting / Stopping / Stopped. */
  status: string;
  regionId?: string;
  zoneId?: string;
  instanceType?: string;
  osType?: string;
  hostName?: string;
  vpcId?: string;
  vSwitchId?: string;
  privateIpAddresses: string[];
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

/** DescribeCloudAssistantStatus for up to any number of instances (sent 100 at a time). */
export interface DescribeCloudAssistantStatusRequest {
  instanceIds: string[];
}

/** RunCommand: run a script once on instances (≤ 100). */
export interface RunCommandRequest {
  instanceIds: string[];
  /** The script, plain text (sent with `ContentEncoding=PlainText`). */
  commandContent: string;
  /** Default `RunShellScript`. */
  type?: 'RunShellScript' | 'RunPowerShellScript' | 'RunBatScript';
  /** Seconds before Cloud Assistant kills the command (API default 60; tests that run longer need more). */
  timeoutSeconds?: number;
  workingDir?: string;
  name?: string;
  description?: string;
  username?: string;
  clientToken?: string;
}

/** RunCommand result: poll `invokeId` with {@link EcsClient.describeInvocationResults}. */
export interface RunCommandResult {
  requestId: string;
  commandId: string;
  invokeId: string;
}

/** DescribeInvocations filters. */
export interface DescribeInvocationsRequest {
  invokeId?: string;
  instanceId?: string;
  commandId?: string;
  invokeStatus?: string;
  /** Include each instance's output (needs `invokeId` or `instanceId`). */
  includeOutput?: boolean;
}

/** DescribeInvocationResults filters. */
export interface DescribeInvocationResultsRequest {
  invokeId?: string;
  instanceId?: string;
  commandId?: string;
  invokeRecordStatus?: string;
  includeHistory?: boolean;
}

/** DescribeInstances filters. */
export interface DescribeInstancesRequest {
  /** Up to 100 ids. */
  instanceIds?: string[];
  vpcId?: string;
  vSwitchId?: string;
  status?: string;
  /** Instances holding any of these private IPs (≤ 100). */
  privateIpAddresses?: string[];
  instanceName?: string;
}

// ---------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------

/**
 * ECS client for one region. Every method throws `CloudApiError` on failure (e.g.
 * `ClientNeedUpgrade` for an old agent) and `ValidationError` for inputs it rejects without
 * calling the cloud.
 */
export interface EcsClient {
  readonly regionId: string;

  /** DescribeCloudAssistantStatus; one entry per instance the API knows. */
  describeCloudAssistantStatus(req: DescribeCloudAssistantStatusRequest): Promise<CloudAssistantStatus[]>;

  /**
   * RunCommand (`RepeatMode=Once`, `KeepCommand=false`). Asynchronous: poll
   * {@link EcsClient.describeInvocationResults} until every instance is in a final status.
   * @throws ValidationError for no instances, more than 100, or an empty script
   */
  runCommand(req: RunCommandRequest): Promise<RunCommandResult>;

  /** DescribeInvocations with PlainText output; every page unless `page` is given (MaxResults ≤ 50). */
  describeInvocations(req?: DescribeInvocationsRequest): Promise<Invocation[]>;
  describeInvocations(req: DescribeInvocationsRequest, page: TokenPageRequest): Promise<Paged<Invocation>>;

  /** DescribeInvocationResults with PlainText output; every page unless `page` is given (MaxResults ≤ 50). */
  describeInvocationResults(req: DescribeInvocationResultsRequest): Promise<InvocationResult[]>;
  describeInvocationResults(req: DescribeInvocationResultsRequest, page: TokenPageRequest): Promise<Paged<InvocationResult>>;

  /** DescribeInstances; all pages unless `page` is given (PageSize ≤ 100). */
  describeInstances(req?: DescribeInstancesRequest): Promise<Instance[]>;
  describeInstances(req: DescribeInstancesRequest, page: PageRequest): Promise<Paged<Instance>>;
}

// ---------------------------------------------------------------------------------------------
// Implementation
// ---------------------------------------------------------------------------------------------

const INVOCATION_PAGE = 50;
const INSTANCE_PAGE = 100;
const MAX_INSTANCES_PER_CALL = 100;

/** Builds the ECS client over a bound RPC call for `regionId`. */
export function createEcsClient(call: RpcCall, regionId: string): EcsClient {
  return new EcsApi(call, regionId);
}

/** Converts a wire `InvocationResult` (exported for unit tests). */
export function toInvocationResult(w: WireObject): InvocationResult {
  return wireFields(w, {
    invokeId: wireString,
    instanceId: wireString,
    invocationStatus: wireString,
    output: wireString,
    commandId: optString,
    invokeRecordStatus: optString,
    exitCode: optNumber,
    errorCode: optString,
    errorInfo: optString,
    dropped: optNumber,
    startTime: optString,
    finishedTime: optString,
  });
}

function toInvokeInstance(w: WireObject): InvokeInstance {
  return {
    instanceId: wireString(w, 'InstanceId'),
    invocationStatus: wireString(w, 'InvocationStatus') || wireString(w, 'InstanceInvokeStatus'),
    ...wireFields(w, { output: optString, exitCode: optNumber, errorCode: optString, errorInfo: optString, dropped: optNumber, startTime: optString }),
    ...opt('finishTime', optString(w, 'FinishTime') ?? optString(w, 'FinishedTime')),
  };
}

function toInstance(w: WireObject): Instance {
  const vpc = wireObject(w, 'VpcAttributes');
  const ips = wireStringList(vpc, 'PrivateIpAddress', 'IpAddress');
  return {
    ...wireFields(w, { instanceId: wireString, status: wireString }),
    privateIpAddresses: ips,
    ...wireFields(w, { instanceName: optString, regionId: optString, zoneId: optString, instanceType: optString }),
    ...opt('osType', optString(w, 'OSType')),
    ...wireFields(w, { hostName: optString }),
    ...wireFields(vpc, { vpcId: optString, vSwitchId: optString }),
  };
}

class EcsApi implements EcsClient {
  constructor(
    private readonly call: RpcCall,
    readonly regionId: string,
  ) {}

  async describeCloudAssistantStatus(req: DescribeCloudAssistantStatusRequest): Promise<CloudAssistantStatus[]> {
    const out: CloudAssistantStatus[] = [];
    for (let i = 0; i < req.instanceIds.length; i += MAX_INSTANCES_PER_CALL) {
      const body = await this.call('DescribeCloudAssistantStatus', {
        RegionId: this.regionId,
        InstanceId: req.instanceIds.slice(i, i + MAX_INSTANCES_PER_CALL),
      });
      for (const w of wireList(body, 'InstanceCloudAssistantStatusSet', 'InstanceCloudAssistantStatus')) {
        out.push({
          instanceId: wireString(w, 'InstanceId'),
          cloudAssistantStatus: optBoolean(w, 'CloudAssistantStatus') ?? false,
          ...opt('cloudAssistantVersion', optString(w, 'CloudAssistantVersion')),
          ...opt('osType', optString(w, 'OSType')),
          ...opt('lastHeartbeatTime', optString(w, 'LastHeartbeatTime')),
        });
      }
    }
    return out;
  }

  async runCommand(req: RunCommandRequest): Promise<RunCommandResult> {
    if (req.instanceIds.length === 0 || req.instanceIds.length > MAX_INSTANCES_PER_CALL) {
      throw new ValidationError(`RunCommand takes 1 to ${MAX_INSTANCES_PER_CALL} instances`, {
        code: 'InvalidInstanceCount',
        field: 'instanceIds',
      });
    }
    if (req.commandContent.trim() === '') {
      throw new ValidationError('the command is empty', { code: 'EmptyCommand', field: 'commandContent' });
    }
    const body = await this.call('RunCommand', {
      RegionId: this.regionId,
      Type: req.type ?? 'RunShellScript',
      CommandContent: req.commandContent,
      ContentEncoding: 'PlainText',
      InstanceId: req.instanceIds,
      Timeout: req.timeoutSeconds,
      WorkingDir: req.workingDir,
      Name: req.name,
      Description: req.description,
      Username: req.username,
      RepeatMode: 'Once',
      KeepCommand: false,
      ClientToken: normalizeClientToken(req.clientToken),
    });
    return {
      requestId: requestIdOf(body),
      commandId: wireString(body, 'CommandId'),
      invokeId: wireString(body, 'InvokeId'),
    };
  }

  describeInvocations(req?: DescribeInvocationsRequest): Promise<Invocation[]>;
  describeInvocations(req: DescribeInvocationsRequest, page: TokenPageRequest): Promise<Paged<Invocation>>;
  describeInvocations(req: DescribeInvocationsRequest = {}, page?: TokenPageRequest): Promise<Invocation[] | Paged<Invocation>> {
    const params: WireParams = {
      RegionId: this.regionId,
      InvokeId: req.invokeId,
      InstanceId: req.instanceId,
      CommandId: req.commandId,
      InvokeStatus: req.invokeStatus,
      IncludeOutput: req.includeOutput,
      ContentEncoding: 'PlainText',
    };
    return listTokens(page, INVOCATION_PAGE, async (token, max) => {
      const body = await this.call('DescribeInvocations', { ...params, MaxResults: max, NextToken: token });
      const items = wireList(body, 'Invocations', 'Invocation').map(
        (w): Invocation => ({
          ...wireFields(w, { invokeId: wireString, invocationStatus: wireString }),
          instances: wireList(w, 'InvokeInstances', 'InvokeInstance').map(toInvokeInstance),
          ...wireFields(w, { commandId: optString, commandName: optString, invokeStatus: optString, creationTime: optString }),
        }),
      );
      return { items, ...opt('nextToken', optString(body, 'NextToken')), ...opt('totalCount', optNumber(body, 'TotalCount')) };
    });
  }

  describeInvocationResults(req: DescribeInvocationResultsRequest): Promise<InvocationResult[]>;
  describeInvocationResults(req: DescribeInvocationResultsRequest, page: TokenPageRequest): Promise<Paged<InvocationResult>>;
  describeInvocationResults(
    req: DescribeInvocationResultsRequest,
    page?: TokenPageRequest,
  ): Promise<InvocationResult[] | Paged<InvocationResult>> {
    const params: WireParams = {
      RegionId: this.regionId,
      InvokeId: req.invokeId,
      InstanceId: req.instanceId,
      CommandId: req.commandId,
      InvokeRecordStatus: req.invokeRecordStatus,
      IncludeHistory: req.includeHistory,
      ContentEncoding: 'PlainText',
    };
    return listTokens(page, INVOCATION_PAGE, async (token, max) => {
      const body = await this.call('DescribeInvocationResults', { ...params, MaxResults: max, NextToken: token });
      const inv = wireObject(body, 'Invocation');
      const items = wireList(inv, 'InvocationResults', 'InvocationResult').map(toInvocationResult);
      const nextToken = optString(inv, 'NextToken') ?? optString(body, 'NextToken');
      return { items, ...opt('nextToken', nextToken), ...opt('totalCount', optNumber(inv, 'TotalCount')) };
    });
  }

  describeInstances(req?: DescribeInstancesRequest): Promise<Instance[]>;
  describeInstances(req: DescribeInstancesRequest, page: PageRequest): Promise<Paged<Instance>>;
  describeInstances(req: DescribeInstancesRequest = {}, page?: PageRequest): Promise<Instance[] | Paged<Instance>> {
    // These two filters are JSON arrays in a single parameter, not RepeatLists.
    const params: WireParams = {
      RegionId: this.regionId,
      InstanceIds: req.instanceIds ? JSON.stringify(req.instanceIds) : undefined,
      PrivateIpAddresses: req.privateIpAddresses ? JSON.stringify(req.privateIpAddresses) : undefined,
      VpcId: req.vpcId,
      VSwitchId: req.vSwitchId,
      Status: req.status,
      InstanceName: req.instanceName,
    };
    return describeNumbered(this.call, 'DescribeInstances', params, { outer: 'Instances', inner: 'Instance', convert: toInstance }, page, INSTANCE_PAGE);
  }
}
