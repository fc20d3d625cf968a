/**
 * Reads the project's `s.yaml` (Serverless Devs, legacy `fc` component: `edition: 1.0.0`,
 * `services:` entries each holding one FC 2.0 function; devsapp/fc docs/en/yaml) into the function
 * list the local stand-in hosts, so that locally runs exactly what `s deploy` deploys.
 *
 * Supported templating: `${vars.x}`, `${env('NAME')}`, `${env('NAME', 'default')}`, `${env.NAME}`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { ValidationError } from '../../errors.ts';
import { parseSchedule } from '../cron.ts';
import { parseEventPattern } from './eventbridge.ts';
import type { LocalFunctionConfig, LocalTrigger } from './types.ts';

// js-yaml ships no types; only `load` is used. Loaded through require because it is CommonJS.
const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };

/** Where the stand-in takes handler code from. */
export type HandlerSource =
  /** `functions/<function name>.ts`, export named by the handler's last segment (development). */
  | 'functions'
  /** The built bundle: `<codeUri>/<handler file>.js` next to s.yaml (what `s deploy` uploads). */
  | 'bundle';

/** One `services:` entry of s.yaml as the stand-in understood it. */
export interface SYamlFunction {
  /** Key of the entry under `services:`. */
  entry: string;
  region: string;
  service: string;
  /** `function.handler`, e.g. `index.handler`. */
  handler: string;
  codeUri?: string;
  runtime?: string;
  config: LocalFunctionConfig;
}

/** The parts of s.yaml the stand-in uses. */
export interface SYamlProject {
  edition: string;
  name: string;
  vars: Record<string, unknown>;
  functions: SYamlFunction[];
}

function fail(path: string, why: string, field?: string): ValidationError {
  return new ValidationError(`${path}: ${why}`, { code: 'InvalidSYaml', ...(field ? { field } : {}) });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function substitute(value: unknown, vars: Record<string, unknown>, env: NodeJS.ProcessEnv, file: string): unknown {
  const resolveOne = (expr: string): unknown => {
    const e = expr.trim();
    let m = /^vars\.([\w-]+)$/.exec(e);
    if (m?.[1] !== undefined) {
      if (!(m[1] in vars)) throw fail(file, `\${${e}} names an undefined var`);
      return vars[m[1]];
    }
    m = /^env\.(\w+)$/.exec(e);
    if (m?.[1] !== undefined) return env[m[1]] ?? '';
    m = /^env\(\s*['"](\w+)['"]\s*(?:,\s*['"]([^'"]*)['"]\s*)?\)$/.exec(e);
    if (m?.[1] !== undefined) return env[m[1]] ?? m[2] ?? '';
    throw fail(file, `unsupported template \${${e}}`);
  };
  if (typeof value === 'string') {
    const whole = /^\$\{([^}]+)\}$/.exec(value);
    if (whole?.[1] !== undefined) return resolveOne(whole[1]);
    return value.replace(/\$\{([^}]+)\}/g, (_all, expr: string) => String(resolveOne(expr)));
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, vars, env, file));
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substitute(v, vars, env, file);
    return out;
  }
  return value;
}

function str(v: unknown, file: string, field: string): string {
  if (typeof v !== 'string' || v === '') throw fail(file, `${field} must be a non-empty string`, field);
  return v;
}

function optNumber(v: unknown, file: string, field: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw fail(file, `${field} must be a number`, field);
  return n;
}

function parseTrigger(t: unknown, file: string, where: string): LocalTrigger {
  if (!isRecord(t)) throw fail(file, `${where} must be a mapping`);
  const name = str(t.name, file, `${where}.name`);
  const type = str(t.type, file, `${where}.type`);
  const config = isRecord(t.config) ? t.config : {};
  switch (type) {
    case 'http': {
      const methods = Array.isArray(config.methods) ? config.methods.map((m) => String(m).toUpperCase()) : ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH', 'OPTIONS'];
      const authType = config.authType === 'function' ? 'function' : 'anonymous';
      return { type: 'http', name, authType, methods };
    }
    case 'timer': {
      const cronExpression = str(config.cronExpression, file, `${where}.config.cronExpression`);
      parseSchedule(cronExpression); // refuse what would never fire locally
      const payload = config.payload === undefined ? undefined : typeof config.payload === 'string' ? config.payload : JSON.stringify(config.payload);
      return { type: 'timer', name, cronExpression, enable: config.enable !== false, ...(payload !== undefined ? { payload } : {}) };
    }
    case 'eventbridge': {
      const raw = config.eventRuleFilterPattern;
      if (typeof raw !== 'string' && !isRecord(raw)) throw fail(file, `${where}.config.eventRuleFilterPattern is required`);
      return { type: 'eventbridge', name, enable: config.triggerEnable !== false, async: config.asyncInvocationType === true, pattern: parseEventPattern(raw) };
    }
    default:
      throw fail(file, `${where}: trigger type '${type}' is not hosted by the local stand-in (http, timer, eventbridge are)`);
  }
}

function resolveModule(
  source: HandlerSource,
  root: string,
  functionsDir: string,
  fnName: string,
  handler: string,
  codeUri: string | undefined,
  file: string,
): { module: string; exportName: string } {
  const dot = handler.lastIndexOf('.');
  if (dot <= 0 || dot === handler.length - 1) throw fail(file, `handler '${handler}' of ${fnName} must look like file.export`);
  const exportName = handler.slice(dot + 1);
  if (source === 'functions') return { module: join(functionsDir, `${fnName}.ts`), exportName };
  const base = resolve(root, codeUri ?? '.', handler.slice(0, dot));
  const found = ['.js', '.mjs', '.cjs'].map((ext) => base + ext).find((p) => existsSync(p));
  return { module: found ?? `${base}.js`, exportName };
}

/**
 * Parses s.yaml.
 * @param path the s.yaml file.
 * @param opts.source where handler code comes from (default `functions`).
 * @param opts.functionsDir directory of `functions/<name>.ts` (default `<s.yaml dir>/functions`).
 * @param opts.env variables for `${env(...)}` (default `process.env`).
 * @throws ValidationError (code `InvalidSYaml`, `InvalidCronExpression`, `InvalidEventPattern`).
 */
export function readSYaml(
  path: string,
  opts: { source?: HandlerSource; functionsDir?: string; env?: NodeJS.ProcessEnv } = {},
): SYamlProject {
  const file = resolve(path);
  const root = dirname(file);
  const doc = yaml.load(readFileSync(file, 'utf8'));
  if (!isRecord(doc)) throw fail(file, 'not a YAML mapping');
  if ('resources' in doc && !('services' in doc)) {
    throw fail(file, 'uses the fc3 `resources:` format; xcflow deploys FC 2.0 services with the `fc` component (`services:`), see docs/deployment.md');
  }
  const edition = String(doc.edition ?? '');
  if (edition !== '1.0.0') throw fail(file, `edition must be 1.0.0 for the legacy fc component, got '${edition}'`, 'edition');
  const env = opts.env ?? process.env;
  // vars may use ${env...} (resolved here) but not other vars.
  const varsResolved = substitute(isRecord(doc.vars) ? doc.vars : {}, {}, env, file);
  const vars = isRecord(varsResolved) ? varsResolved : {};
  const services = substitute(doc.services, vars, env, file);
  if (!isRecord(services)) throw fail(file, '`services:` must be a mapping', 'services');
  const functionsDir = opts.functionsDir ?? join(root, 'functions');
  const out: SYamlFunction[] = [];
  for (const [entry, raw] of Object.entries(services)) {
    if (!isRecord(raw)) throw fail(file, `services.${entry} must be a mapping`);
    const component = String(raw.component ?? '');
    if (!/^(devsapp\/)?fc(@[\w.-]+)?$/.test(component)) continue; // not an FC function (other components are not hosted)
    const props = isRecord(raw.props) ? raw.props : {};
    const region = str(props.region, file, `services.${entry}.props.region`);
    const service = isRecord(props.service) ? str(props.service.name, file, `services.${entry}.props.service.name`) : '';
    if (!service) throw fail(file, `services.${entry}.props.service is required`);
    const fn = isRecord(props.function) ? props.function : undefined;
    if (!fn) throw fail(file, `services.${entry}.props.function is required`);
    const name = str(fn.name, file, `services.${entry}.props.function.name`);
    const handler = str(fn.handler, file, `services.${entry}.props.function.handler`);
    const codeUri = typeof fn.codeUri === 'string' ? fn.codeUri : undefined;
    const triggers = (Array.isArray(props.triggers) ? props.triggers : []).map((t, i) =>
      parseTrigger(t, file, `services.${entry}.props.triggers[${i}]`),
    );
    const asyncCfg = isRecord(fn.asyncConfiguration) ? fn.asyncConfiguration : {};
    const retries = optNumber(asyncCfg.maxAsyncRetryAttempts, file, 'asyncConfiguration.maxAsyncRetryAttempts');
    if (retries !== undefined && (!Number.isInteger(retries) || retries < 0 || retries > 8)) {
      throw fail(file, `services.${entry}: maxAsyncRetryAttempts must be an integer 0-8`, 'maxAsyncRetryAttempts');
    }
    const maxAge = optNumber(asyncCfg.maxAsyncEventAgeInSeconds, file, 'asyncConfiguration.maxAsyncEventAgeInSeconds');
    const timeout = optNumber(fn.timeout, file, 'function.timeout');
    const memory = optNumber(fn.memorySize, file, 'function.memorySize');
    const envVars: Record<string, string> = {};
    if (isRecord(fn.environmentVariables)) {
      for (const [k, v] of Object.entries(fn.environmentVariables)) envVars[k] = v === null || v === undefined ? '' : String(v);
    }
    const { module, exportName } = resolveModule(opts.source ?? 'functions', root, functionsDir, name, handler, codeUri, file);
    const initializer = typeof fn.initializer === 'string' ? fn.initializer.slice(fn.initializer.lastIndexOf('.') + 1) : undefined;
    out.push({
      entry,
      region,
      service,
      handler,
      ...(codeUri !== undefined ? { codeUri } : {}),
      ...(typeof fn.runtime === 'string' ? { runtime: fn.runtime } : {}),
      config: {
        name,
        service,
        module,
        export: exportName,
        handler,
        kind: triggers.some((t) => t.type === 'http') ? 'http' : 'event',
        ...(timeout !== undefined ? { timeoutMs: timeout * 1000 } : {}),
        ...(memory !== undefined ? { memoryMb: memory } : {}),
        ...(retries !== undefined ? { maxAsyncRetryAttempts: retries } : {}),
        ...(maxAge !== undefined ? { maxAsyncEventAgeSeconds: maxAge } : {}),
        ...(initializer ? { initializer } : {}),
        env: envVars,
        triggers,
      },
    });
  }
  return { edition, name: String(doc.name ?? ''), vars, functions: out };
}

/**
 * The functions s.yaml deploys, as `startLocalFc` takes them.
 * @throws ValidationError as `readSYaml`.
 */
export function loadFunctionsFromSYaml(
  path: string,
  opts: { source?: HandlerSource; functionsDir?: string; env?: NodeJS.ProcessEnv } = {},
): LocalFunctionConfig[] {
  return readSYaml(path, opts).functions.map((f) => f.config);
}
