/**
 * The `smwf` command's prebuilt bundle: cli/main.ts with every module it loads from the project, and every handler
 * module the local runner loads (each step's, each trigger's, each workflow's first state), bundled by esbuild into
 * a folder under node_modules/.cache/sagemaker-workflows/cli/ (the packages stay where npm put them; each handler
 * is a chunk of its own, loaded with its packages when a run first invokes it, as from source). A command then
 * starts without tsx's loader, which resolves and compiles each of those modules in a thread of its own (about
 * 1.4 CPU-seconds of every command on this machine), and loads the CommonJS packages (aws-cdk-lib, the AWS SDK's
 * clients) with `require` rather than `import` (about 0.7 CPU-seconds more of every `smwf run` and `smwf schema`).
 *
 * Never stale: the bundle is used only when every project file it was built from has the content it had then
 * (hashed, not dated), the handler modules are the same files and the installed packages are the same
 * (node_modules/.package-lock.json); else it is rebuilt first (about 2 s). Without esbuild (a development
 * dependency: an install without them) there is no bundle, and bin.js loads the TypeScript through tsx.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Bumped when what a bundle is built from, or how, changes. */
const FORMAT = 2;
/**
 * An earlier build is removed by a later one once it is this old and no process that runs it is alive (a process
 * loads its handlers' chunks when it first needs them: `smwf local start` may run for days).
 */
const OLD_BUILD_MS = 10 * 60_000;

/** Where the bundle and its manifest are kept (wiped by `npm ci`, like every cache under node_modules/.cache). */
export function bundleDir(root) {
  return join(root, 'node_modules', '.cache', 'sagemaker-workflows', 'cli');
}

/**
 * The handler modules the local runner may load, as their code tags name them (relative to the project root): every
 * `<folder>/<name>/<file>` below, `_shared` folders aside, whether or not the stack of the deployment config in
 * force has its function (the Model Registry trigger's needs a config that follows a group).
 */
export function handlerModules(root) {
  const found = [];
  for (const [folder, file] of [
    ['tasks', 'handler.ts'],
    ['triggers', 'handler.ts'],
    ['workflows', 'validate-input.ts'],
  ]) {
    for (const entry of readdirSync(join(root, folder), { withFileTypes: true })) {
      if (entry.isDirectory() && !entry.name.startsWith('_') && existsSync(join(root, folder, entry.name, file))) {
        found.push(`${folder}/${entry.name}/${file}`);
      }
    }
  }
  return found.sort();
}

function hashOf(content) {
  return createHash('sha256').update(content).digest('hex');
}

function hashOfFile(path) {
  try {
    return hashOf(readFileSync(path));
  } catch {
    return undefined;
  }
}

/** What the installed packages are: npm's record of the last install, else the lockfile. */
function packagesHash(root) {
  return hashOfFile(join(root, 'node_modules', '.package-lock.json')) ?? hashOfFile(join(root, 'package-lock.json'));
}

/** Whether the file at `path` is a CommonJS module, as Node decides it: by its extension, else its package's type. */
function isCommonJsFile(path) {
  if (path.endsWith('.cjs')) return true;
  if (!path.endsWith('.js')) return false;
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) return JSON.parse(readFileSync(manifest, 'utf8')).type !== 'module';
    if (dirname(dir) === dir) return true;
  }
}

/**
 * Which package specifiers the bundle loads with `require`: those that name a CommonJS module, the same file for
 * `import` as for `require` (aws-cdk-lib, the AWS SDK's clients), resolved from `dir` (where the bundle runs). Both
 * give the same module (Node caches a CommonJS module once for both); `import` costs more, because Node's ESM loader
 * first lexes the module to find its named exports, and each module it re-exports (aws-cdk-lib's index re-exports
 * every service's: about 0.5 CPU-seconds of each command, the AWS SDK's clients about 0.3).
 */
async function commonJsPackagesFrom(dir, id) {
  // Node 20's import.meta.resolve resolves from its own module only: a module of one line, in `dir`.
  const resolver = join(dir, `resolver-${id}.mjs`);
  writeFileSync(resolver, 'export const resolve = (specifier) => import.meta.resolve(specifier);\n');
  try {
    const { resolve } = await import(pathToFileURL(resolver).href);
    const require = createRequire(resolver);
    return (specifier) => {
      if (isBuiltin(specifier)) return false;
      try {
        const imported = fileURLToPath(resolve(specifier));
        return imported === require.resolve(specifier) && isCommonJsFile(imported);
      } catch {
        return false;
      }
    };
  } finally {
    rmSync(resolver, { force: true });
  }
}

/** Whether a bundle's manifest still describes the project as it is now. */
export function isFresh(root, manifest) {
  if (manifest?.format !== FORMAT || manifest.packages !== packagesHash(root)) return false;
  if (JSON.stringify(manifest.handlers) !== JSON.stringify(handlerModules(root))) return false;
  return Object.entries(manifest.inputs).every(([file, hash]) => hashOfFile(join(root, file)) === hash);
}

function readManifest(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Builds the bundle and returns its manifest, or nothing without esbuild. Each project file is hashed as esbuild
 * read it, so a file changed during the build makes the bundle stale, never wrongly fresh. Each module keeps its own
 * `import.meta.url` (its source file's), so what it reads beside itself is still found.
 */
async function build(root) {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    return undefined;
  }
  const dir = bundleDir(root);
  mkdirSync(dir, { recursive: true });
  const id = `${Date.now()}-${randomUUID().slice(0, 8)}`;
  const handlers = handlerModules(root);
  const entry = join(dir, `entry-${id}.ts`);
  const modules = handlers.map(
    (code) => `  ${JSON.stringify(code)}: () => import(${JSON.stringify(join(root, code))}),`,
  );
  writeFileSync(
    entry,
    [
      `export { main } from ${JSON.stringify(join(root, 'cli', 'main.ts'))};`,
      `import { useBundledHandlerModules } from ${JSON.stringify(join(root, 'local', 'runner', 'handler-modules.ts'))};`,
      `useBundledHandlerModules({\n${modules.join('\n')}\n});`,
      '',
    ].join('\n'),
  );
  const inputs = {};
  const ownSource = {
    name: 'own-source',
    setup(builder) {
      builder.onLoad({ filter: /\.(ts|js|mjs)$/ }, async (args) => {
        if (args.path === entry || relative(root, args.path).startsWith('node_modules')) return undefined;
        const source = readFileSync(args.path);
        inputs[relative(root, args.path)] = hashOf(source);
        const { code } = await esbuild.transform(source.toString('utf8'), {
          loader: args.path.endsWith('.ts') ? 'ts' : 'js',
          format: 'esm',
          sourcefile: args.path,
          define: { 'import.meta.url': JSON.stringify(pathToFileURL(args.path).href) },
        });
        return { contents: code, loader: 'js', resolveDir: dirname(args.path) };
      });
    },
  };
  const isCommonJsPackage = await commonJsPackagesFrom(dir, id);
  const commonJsPackages = {
    name: 'common-js-packages',
    setup(builder) {
      // A package specifier of a project module: when it is CommonJS, a module of one line that requires it.
      builder.onResolve({ filter: /^[^./]/ }, (args) =>
        args.namespace === 'file' && isCommonJsPackage(args.path)
          ? { path: args.path, namespace: 'require' }
          : undefined,
      );
      builder.onLoad({ filter: /.*/, namespace: 'require' }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(args.path)});`,
        loader: 'js',
        resolveDir: root,
      }));
    },
  };
  const build = `build-${id}`;
  try {
    const result = await esbuild.build({
      entryPoints: { main: entry },
      absWorkingDir: root,
      outdir: join(dir, build),
      entryNames: '[name]',
      splitting: true,
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      target: `node${process.versions.node.split('.')[0]}`,
      metafile: true,
      logLevel: 'silent',
      // The `require` of the packages commonJsPackages routes (a bundle in ESM has none of its own).
      banner: {
        js: "import { createRequire as __smwfCreateRequire } from 'node:module'; const require = __smwfCreateRequire(import.meta.url);",
      },
      plugins: [ownSource, commonJsPackages],
    });
    // Inputs no plugin read (JSON a module imports) are hashed now.
    for (const input of Object.keys(result.metafile.inputs)) {
      const path = join(root, input);
      if (path !== entry && !input.startsWith('node_modules') && !(input in inputs)) inputs[input] = hashOfFile(path);
    }
  } finally {
    rmSync(entry, { force: true });
    // esbuild's service process would otherwise live as long as this command (smwf local start: days).
    await esbuild.stop();
  }
  const manifest = { format: FORMAT, packages: packagesHash(root), handlers, inputs, build };
  const written = join(dir, `manifest-${id}.json`);
  writeFileSync(written, JSON.stringify(manifest));
  renameSync(written, join(dir, 'manifest.json'));
  for (const old of readdirSync(dir)) {
    if (old === build || !/^(build|entry|manifest|resolver)-.+/.test(old)) continue;
    const path = join(dir, old);
    const age = Date.now() - (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if (age > OLD_BUILD_MS && !runByLiveProcess(path)) rmSync(path, { recursive: true, force: true });
  }
  return manifest;
}

/** Whether a process that runs this build is alive (each one leaves its pid in the build's `processes/`). */
function runByLiveProcess(buildPath) {
  let pids = [];
  try {
    pids = readdirSync(join(buildPath, 'processes'));
  } catch {
    return false;
  }
  return pids.some((pid) => {
    try {
      process.kill(Number(pid), 0);
      return true;
    } catch (err) {
      return err.code === 'EPERM';
    }
  });
}

/** The manifest of a bundle that describes the project as it is now, built first when missing or stale (no esbuild: none). */
export async function ensurePrebuilt(root) {
  const dir = bundleDir(root);
  const manifest = readManifest(dir);
  if (isFresh(root, manifest) && existsSync(join(dir, manifest.build, 'main.js'))) return manifest;
  return build(root);
}

/**
 * The prebuilt command's module (`main`, with the handler modules registered), built first when it is missing or
 * stale; nothing when it cannot be built (no esbuild).
 */
export async function loadPrebuilt(root) {
  const dir = bundleDir(root);
  const manifest = await ensurePrebuilt(root);
  if (manifest === undefined) return undefined;
  const processes = join(dir, manifest.build, 'processes');
  mkdirSync(processes, { recursive: true });
  writeFileSync(join(processes, String(process.pid)), '');
  process.once('exit', () => rmSync(join(processes, String(process.pid)), { force: true }));
  return import(pathToFileURL(join(dir, manifest.build, 'main.js')).href);
}
