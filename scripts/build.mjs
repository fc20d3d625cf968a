#!/usr/bin/env node
// `npm run build`: one self-contained CommonJS bundle per function declared in s.yaml, written to
// `<codeUri>/<handler file>.js` (dist/<function>/index.js), so `s deploy` uploads no node_modules
// and no dev dependency. Entry points are `functions/<function name>.ts`; the api bundle carries
// the web console (src/console/static) inlined. Usage: node scripts/build.mjs [--quiet]
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const yaml = require('js-yaml');
const quiet = process.argv.includes('--quiet');

/** The functions of s.yaml: name, output directory and file, exported handler name. */
function functionsOf(sYamlPath) {
  const doc = yaml.load(readFileSync(sYamlPath, 'utf8'));
  const out = [];
  for (const [entry, svc] of Object.entries(doc?.services ?? {})) {
    const fn = svc?.props?.function;
    if (!fn?.name || !fn.codeUri || !fn.handler) throw new Error(`s.yaml services.${entry}: function needs name, codeUri and handler`);
    const dot = fn.handler.lastIndexOf('.');
    if (dot <= 0) throw new Error(`s.yaml services.${entry}: handler must look like file.export, got ${fn.handler}`);
    out.push({ name: fn.name, codeUri: fn.codeUri, file: fn.handler.slice(0, dot), exportName: fn.handler.slice(dot + 1) });
  }
  return out;
}

/** Every file of the console, inlined into the api bundle as `XCFLOW_CONSOLE_ASSETS` (path → base64). */
function consoleAssets() {
  const dir = join(root, 'src/console/static');
  const assets = {};
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else assets[`/${relative(dir, p).split('\\').join('/')}`] = readFileSync(p).toString('base64');
    }
  };
  walk(dir);
  return assets;
}

// Modules that must not be in a deployed bundle, each replaced by a stand-in that throws when
// used: better-sqlite3 is a native addon for the embedded default only (deployed functions use
// Tablestore, XCFLOW_STORE=tablestore in s.yaml); proxy-agent is urllib's optional HTTP proxy
// support (reached through ali-oss in @alicloud/fc2), used only when URLLIB_ENABLE_PROXY is set.
const ABSENT = {
  'better-sqlite3': 'SQLite is not part of the deployed bundle: set XCFLOW_STORE=tablestore (s.yaml does)',
  'proxy-agent': 'HTTP proxies (URLLIB_ENABLE_PROXY) are not supported in the deployed bundle',
};
const absent = {
  name: 'absent-modules',
  setup(b) {
    const filter = new RegExp(`^(${Object.keys(ABSENT).map((m) => m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`);
    b.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'absent' }));
    b.onLoad({ filter: /.*/, namespace: 'absent' }, (args) => ({
      contents: `module.exports = function absent() { throw new Error(${JSON.stringify(ABSENT[args.path])}); };`,
      loader: 'js',
    }));
  },
};

// The cloud SDKs are three quarters of a bundle (tablestore, @alicloud/fc2 with ali-oss and
// urllib, @alicloud/pop-core), and compiling and evaluating them took most of a cold start, yet an
// invocation often needs none of them (GET /console, a stale runner message…). Each SDK is bundled
// on its own, carried in the function's one file as a string, and compiled (vm.compileFunction,
// under its own file name for stack traces) on first use, behind a facade with the same export
// names, generated here from the real module.
const LAZY = ['tablestore', '@alicloud/fc2', '@alicloud/pop-core'];
/** A non-empty plain object of primitives (an enum). Empty objects are sentinels compared by identity (INF_MIN). */
function isEnum(v) {
  if (!v || typeof v !== 'object' || Object.getPrototypeOf(v) !== Object.prototype) return false;
  const values = Object.values(v);
  return values.length > 0 && Object.keys(v).length === Object.getOwnPropertyNames(v).length && values.every((x) => ['string', 'number', 'boolean'].includes(typeof x));
}
function facadeSource(name) {
  const real = require(name);
  const skip = new Set(['length', 'name', 'prototype', 'caller', 'arguments']);
  const keys = Object.getOwnPropertyNames(real).filter((k) => !skip.has(k));
  const lines = [
    `let real;`,
    `const CODE = ${JSON.stringify(sdkCode.get(name))};`,
    `const load = () => {`,
    `  if (real) return real;`,
    `  const m = { exports: {} };`,
    `  const fn = require('node:vm').compileFunction(CODE, ['exports', 'require', 'module', '__filename', '__dirname'], { filename: ${JSON.stringify(`xcflow-sdk/${name}.js`)} });`,
    `  fn.call(m.exports, m.exports, require, m, __filename, __dirname);`,
    `  return (real = m.exports);`,
    `};`,
  ];
  if (typeof real === 'function') {
    // A class or function export: calls and \`new\` go to the real one; instanceof works too.
    lines.push(
      `function facade(...args) { const R = load(); return new.target ? Reflect.construct(R, args) : R.apply(this, args); }`,
      `Object.defineProperty(facade, Symbol.hasInstance, { value: (x) => x instanceof load() });`,
    );
  } else {
    lines.push(`const facade = {};`);
  }
  for (const k of keys) {
    const v = real[k];
    if (isEnum(v)) {
      // A plain table of constants (RowExistenceExpectation, ComparatorType…): read at module
      // scope by callers, so it is copied here rather than loading the SDK to hand it out.
      lines.push(`Object.defineProperty(facade, ${JSON.stringify(k)}, { enumerable: true, configurable: true, value: Object.freeze(${JSON.stringify(v)}) });`);
    } else {
      lines.push(`Object.defineProperty(facade, ${JSON.stringify(k)}, { enumerable: true, configurable: true, get: () => load()[${JSON.stringify(k)}] });`);
    }
  }
  lines.push('module.exports = facade;');
  return lines.join('\n');
}
const lazySdks = {
  name: 'lazy-sdks',
  setup(b) {
    const filter = new RegExp(`^(${LAZY.map((m) => m.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})$`);
    b.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'lazy-facade' }));
    b.onLoad({ filter: /.*/, namespace: 'lazy-facade' }, (args) => ({ contents: facadeSource(args.path), loader: 'js', resolveDir: root }));
  },
};

/** esbuild options of every function bundle. */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  keepNames: true,
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'external',
  metafile: true,
  logLevel: 'warning',
  // tsconfig's `strict` implies `alwaysStrict`, which would put "use strict" atop the whole bundle
  // and break sloppy-mode dependencies (tablestore assigns an undeclared loop variable). Our own
  // modules are ES modules, strict by definition. Class fields as ES2022 (tsconfig's target).
  tsconfigRaw: { compilerOptions: { alwaysStrict: false, useDefineForClassFields: true } },
};

// Each SDK as one self-contained CommonJS text, built once for all functions.
const sdkCode = new Map();
for (const name of LAZY) {
  const out = await build({ ...common, entryPoints: [require.resolve(name, { paths: [root] })], write: false, sourcemap: false, metafile: false, legalComments: 'none', plugins: [absent] });
  sdkCode.set(name, out.outputFiles[0].text);
}

const sYaml = join(root, 's.yaml');
const functions = functionsOf(sYaml);
const assets = consoleAssets();
const results = [];
for (const fn of functions) {
  const outdir = resolve(dirname(sYaml), fn.codeUri);
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const entry = join(root, 'functions', `${fn.name}.ts`);
  const outfile = join(outdir, `${fn.file}.js`);
  const result = await build({
    ...common,
    entryPoints: [entry],
    outfile,
    define: { XCFLOW_CONSOLE_ASSETS: fn.name === 'api' ? JSON.stringify(assets) : 'undefined', 'import.meta.url': 'import_meta_url' },
    inject: [join(root, 'scripts/build/import-meta-url.js')],
    plugins: [absent, lazySdks],
  });
  const sdks = LAZY.filter((name) => `lazy-facade:${name}` in result.metafile.inputs);
  // The repository's package.json says "type": "module"; the bundle is CommonJS, as FC loads it.
  writeFileSync(join(outdir, 'package.json'), `${JSON.stringify({ type: 'commonjs', private: true }, null, 2)}\n`);
  const inputs = Object.keys(result.metafile.inputs);
  const bytes = statSync(outfile).size;
  results.push({ function: fn.name, file: relative(root, outfile), bytes, inputs: inputs.length, exportName: fn.exportName, sdks });
}
if (!quiet) {
  for (const r of results) console.log(`${r.file}  ${(r.bytes / 1024).toFixed(0)} KiB  (${r.inputs} modules, exports ${r.exportName}; lazy: ${r.sdks.join(', ') || 'none'})`);
}
