/**
 * Errors of the emulated ECS Cloud Assistant API (RunCommand and friends). Codes follow the ECS
 * 2014-05-26 docs where they name one; messages are our wording (UNCONFIRMED).
 */
import { EmulatorApiError } from '../errors.ts';

/** The instance's Cloud Assistant agent is too old for RunCommand (alibaba-api.md §6). */
export class ClientNeedUpgrade extends EmulatorApiError {
  constructor(instanceId: string, minimum: string) {
    super('ClientNeedUpgrade', `The Cloud Assistant client of instance ${instanceId} needs to be upgraded to version ${minimum} or later.`, 400);
  }
}

/** An instance id RunCommand / DescribeCloudAssistantStatus does not know in this region. */
export class InvalidInstanceNotFound extends EmulatorApiError {
  constructor(instanceId: string) {
    super('InvalidInstance.NotFound', `The specified instance ${instanceId} does not exist.`, 404);
  }
}

/** More than 100 instances in one RunCommand. */
export class InstanceIdsExceedLimit extends EmulatorApiError {
  constructor() {
    super('InvalidInstanceIds.ExceedLimit', 'The number of specified instances exceeds the limit of 100.', 400);
  }
}

/** `CommandContent` larger than the API accepts. */
export class CommandContentExceedLimit extends EmulatorApiError {
  constructor() {
    super('InvalidCommandContent.ExceedLimit', 'The size of the command content exceeds the limit of 16 KB (18 KB Base64).', 400);
  }
}

/** `CommandContent` declared Base64 but not decodable. */
export class CommandContentMalformed extends EmulatorApiError {
  constructor() {
    super('InvalidCommandContent.Malformed', 'The specified command content is not a valid Base64 string.', 400);
  }
}

/** A RunCommand option the emulator does not run (scheduled repeat modes). */
export class RepeatModeNotSupported extends EmulatorApiError {
  constructor(mode: string) {
    super('InvalidRepeatMode.NotSupported', `RepeatMode ${mode} is not supported by the xcflow emulator (Once only).`, 400);
  }
}
