// `nx build <service>` (`node tools/build.js <service>`): compiles a service to plain JavaScript
// under dist/services/<service>/ (ADR 0016), so production runs `node dist/services/<service>/main.js`
// with no TypeScript runtime.
//
// - swc (already the transpiler of `npm start` and jest) with the same settings as
//   tools/register.js gets from ts-node: legacy decorators with their metadata (NestJS dependency
//   injection), ES2022, CommonJS, class fields defined, class names kept.
// - The @oriental/* aliases of tsconfig.base.json are rewritten to relative paths at compile
//   time (swc `jsc.paths`), so nothing resolves them at run time.
// - Only what the entry points import is compiled: the closure of their relative requires,
//   each file at its workspace path under the output directory, so code that finds files next
//   to itself (`__dirname`: the reference data) finds them there too; those data files are copied.
// - Entry points: the service's main.ts (its first import stays ./tracing, which loads
//   OpenTelemetry before anything it patches) and its command-line tools (*.cli.ts, and the
//   network's rebuild.ts); dist/services/<service>/main.js starts the service.
// Type checking stays `npm run typecheck` (tsc): swc does not check types.
'use strict';
const { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { dirname, join, relative, resolve, sep } = require('node:path');
const swc = require('@swc/core');

const root = resolve(__dirname, '..');
const { compilerOptions } = require('../tsconfig.base.json');

/** Files read at run time beside the code that reads them, copied when that code is in the build. */
const assets = [{ whenCompiled: 'libs/reference-data/src/reference-data.ts', copy: 'libs/reference-data/data' }];

const swcOptions = (file) => ({
  filename: file,
  swcrc: false,
  configFile: false,
  sourceMaps: true,
  module: { type: 'commonjs', strictMode: true, noInterop: false },
  jsc: {
    baseUrl: root,
    paths: compilerOptions.paths,
    parser: { syntax: 'typescript', decorators: true, dynamicImport: true },
    target: 'es2022',
    keepClassNames: true,
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: true },
  },
});

const entriesOf = (service) => {
  const src = join(root, 'services', service, 'src');
  if (!existsSync(join(src, 'main.ts'))) throw new Error(`no service named ${service} (services/${service}/src/main.ts)`);
  const clis = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.cli.ts')) clis.push(path);
    }
  };
  walk(src);
  const rebuild = join(src, 'rebuild.ts');
  return [join(src, 'main.ts'), ...clis.sort(), ...(existsSync(rebuild) ? [rebuild] : [])];
};

/** A relative require of a compiled file, as a source file: x.ts, x/index.ts, or a file as is (x.json). */
const sourceOf = (from, specifier) => {
  const base = resolve(dirname(from), specifier);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  throw new Error(`${relative(root, from)}: cannot resolve ${specifier}`);
};

const build = async (service, outRoot) => {
  const started = process.hrtime.bigint();
  const outDir = join(outRoot, service);
  rmSync(outDir, { recursive: true, force: true });
  const entries = entriesOf(service);
  const seen = new Set(entries);
  const queue = [...entries];
  let files = 0;
  while (queue.length > 0) {
    const batch = queue.splice(0, queue.length);
    const outputs = await Promise.all(
      batch.map(async (file) => {
        const path = relative(root, file);
        if (path.startsWith('..') || path.split(sep).includes('node_modules')) throw new Error(`${path} is outside the workspace sources`);
        const target = join(outDir, path);
        mkdirSync(dirname(target), { recursive: true });
        if (!file.endsWith('.ts')) {
          cpSync(file, target);
          return { file, requires: [] };
        }
        const { code, map } = await swc.transformFile(file, swcOptions(file));
        const js = target.replace(/\.ts$/, '.js');
        writeFileSync(js, `${code}\n//# sourceMappingURL=${js.split(sep).pop()}.map\n`);
        writeFileSync(`${js}.map`, map);
        // Local imports are relative once the aliases are rewritten; packages are left to node_modules.
        const requires = [...code.matchAll(/\brequire\("(\.{1,2}\/[^"]*|\.{1,2})"\)/g)].map((match) => sourceOf(file, match[1]));
        return { file, requires };
      }),
    );
    for (const { requires } of outputs) {
      files += 1;
      for (const required of requires) {
        if (!seen.has(required)) {
          seen.add(required);
          queue.push(required);
        }
      }
    }
  }
  for (const asset of assets) {
    if (seen.has(join(root, asset.whenCompiled))) cpSync(join(root, asset.copy), join(outDir, asset.copy), { recursive: true });
  }
  // The entry point, at a stable path whatever the layout inside.
  writeFileSync(join(outDir, 'main.js'), `'use strict';\n// Starts ${service} (compiled by tools/build.js).\nrequire('./services/${service}/src/main.js');\n`);
  const ms = Number((process.hrtime.bigint() - started) / 1_000_000n);
  process.stdout.write(`built ${service}: ${files} files in ${ms} ms -> ${join(outDir, 'main.js')}\n`);
};

// --out-dir <dir>: build into <dir>/<service> instead of dist/services/<service> (the spec does).
const args = process.argv.slice(2);
const outAt = args.indexOf('--out-dir');
const outRoot = outAt >= 0 ? resolve(args[outAt + 1] ?? '') : join(root, 'dist', 'services');
const services = outAt >= 0 ? args.filter((_, index) => index !== outAt && index !== outAt + 1) : args;
if (services.length === 0 || (outAt >= 0 && !args[outAt + 1])) {
  process.stderr.write('usage: node tools/build.js <service>… [--out-dir <dir>]  (intake, referral, capacity-building, reporting, network)\n');
  process.exit(2);
}
(async () => {
  for (const service of services) await build(service, outRoot);
})().catch((error) => {
  process.stderr.write(`build failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
