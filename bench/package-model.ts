/**
 * PackageModel benchmark: generates a model (random weights + small files), puts it into the local emulator's
 * S3, packages it with the PackageModel core (in a child process, so its peak RSS is its own; gzip on
 * `os.availableParallelism()` threads, as the handler does), and compares the throughput with `tar -czf` and
 * with `tar -I pigz` (every core) at the same gzip level on the same files on disk, in the same run. Debian's
 * pigz is installed with apt-get when it is missing and this runs as root; otherwise its row is skipped.
 *
 *   npm run bench                 # 1 GiB
 *   npm run bench -- package-model --4gib       # 1 GiB and 4 GiB (peak RSS must not grow with the model)
 *   npm run bench -- package-model --level 1    # another gzip level (default 6)
 *   npm run bench -- package-model --sizes 0.25,2   # model sizes in GiB
 *   npm run bench -- package-model --repeat 3   # each measurement 3 times, taking turns; medians reported
 *   npm run bench -- package-model --quick      # 0.25 GiB
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import {
  createReadStream,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { PackageModelInput } from '../contracts/parts/packaging.ts';
import { exitOnInterrupt, startEmulator } from '../local/emulator/index.ts';
import { useLocalEmulator } from '../local/runner/local-aws-env.ts';
import { s3ArtifactStore } from '../tasks/_shared/artifact-store.ts';
import { s3ArchiveUpload } from '../tasks/package-model/archive-upload.ts';
import { packageModel } from '../tasks/package-model/package-model.ts';
import {
  cpuMicros,
  endedChildrenCpuMicros,
  isQuick,
  load1,
  markdownTable,
  median,
  reportRows,
  type SummaryRow,
  storageReadBytes,
  verdict,
} from './summary.ts';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
const BUCKET = 'bench';
const SHARD_BYTES = 256 * MIB;
/** PackageModel's throughput must be at least this multiple of tar -czf's (one core)... */
const TAR_RATIO_GOAL = 1.2;
/** ...and at least this share of tar -I pigz's (every core). */
const PIGZ_RATIO_GOAL = 0.7;
/** Peak RSS of the packaging process, for every model size. */
const RSS_GOAL_MB = 256;

interface ChildResult {
  seconds: number;
  maxRssMb: number;
  sizeBytes: number;
  fileCount: number;
  /** CPU seconds (user + system) the packaging took in the child: its main thread, and all its threads. */
  mainThreadCpuSeconds: number;
  processCpuSeconds: number;
}

/** One PackageModel run as the parent sees it: the child's figures and the emulator's CPU meanwhile. */
interface PackagingRun extends ChildResult {
  /** CPU seconds this process (the emulator, serving the sources and storing the archive) used meanwhile. */
  emulatorCpuSeconds: number;
  /** Bytes the emulator read from storage meanwhile: the sources it served that the page cache no longer held. */
  emulatorStorageReadBytes: number;
}

/** One GNU tar run: its time, the archive's size, and the CPU seconds tar and its compressor used. */
interface GnuTarRun {
  seconds: number;
  bytes: number;
  cpuSeconds: number;
}

/**
 * This process's own peak RSS. On Linux that is VmHWM: getrusage's maxRSS (`process.resourceUsage()`) also counts
 * what the process held before exec, the parent's pages copied at fork (Linux keeps the larger of the two
 * high-water marks across exec), so it would report the emulator's RSS. Elsewhere, maxRSS.
 */
function ownPeakRssMb(): number {
  try {
    const kib = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kib !== undefined) return Number(kib) / 1024;
  } catch {
    // No /proc: not Linux.
  }
  return process.resourceUsage().maxRSS / 1024;
}

/** The child: package `source` under `output` and report duration and peak RSS on stdout. */
async function runChild(source: string, level: number, output: string): Promise<void> {
  const request = PackageModelInput.parse({ source, framework: 'huggingface', output, compressionLevel: level });
  const started = performance.now();
  const mainThreadCpu = cpuMicros('thread-self');
  const processCpu = cpuMicros(process.pid);
  const s3 = new S3Client({});
  const packaged = await packageModel(request, {
    store: s3ArtifactStore(s3),
    upload: s3ArchiveUpload(s3),
    defaultOutput: `s3://${BUCKET}/packages/`,
    compressionWorkers: availableParallelism(),
  });
  const result: ChildResult = {
    seconds: (performance.now() - started) / 1000,
    maxRssMb: ownPeakRssMb(),
    sizeBytes: packaged.sizeBytes,
    fileCount: packaged.fileCount,
    mainThreadCpuSeconds: (cpuMicros('thread-self') - mainThreadCpu) / 1e6,
    processCpuSeconds: (cpuMicros(process.pid) - processCpu) / 1e6,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** Writes a Hugging Face style model of `bytes` random weights (256 MiB shards) and a few small files. */
async function generateModel(dir: string, bytes: number): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const shards = Math.ceil(bytes / SHARD_BYTES);
  const pad = (n: number) => String(n).padStart(5, '0');
  for (let i = 1; i <= shards; i += 1) {
    const out = createWriteStream(join(dir, `model-${pad(i)}-of-${pad(shards)}.safetensors`));
    for (let written = 0; written < SHARD_BYTES; written += 4 * MIB) {
      if (!out.write(randomBytes(4 * MIB))) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
  }
  const small = {
    'config.json': JSON.stringify({ architectures: ['BenchModel'], hidden_size: 1024, layers: 24 }),
    'generation_config.json': JSON.stringify({ max_new_tokens: 128 }),
    'tokenizer_config.json': JSON.stringify({ model_max_length: 2048 }),
    'special_tokens_map.json': JSON.stringify({ eos_token: '</s>' }),
    'tokenizer.json': JSON.stringify({ vocab: Array.from({ length: 20_000 }, (_, i) => `token${i}`) }),
    'README.md': '# Bench model\n\nRandom weights for the PackageModel benchmark.\n',
  };
  for (const [name, content] of Object.entries(small)) {
    const out = createWriteStream(join(dir, name));
    out.end(content);
    await once(out, 'finish');
  }
}

async function uploadDir(s3: S3Client, dir: string, prefix: string): Promise<void> {
  for (const name of readdirSync(dir)) {
    await new Upload({
      client: s3,
      params: { Bucket: BUCKET, Key: `${prefix}${name}`, Body: createReadStream(join(dir, name)) },
      partSize: 64 * MIB,
      queueSize: 4,
    }).done();
  }
}

/**
 * Writes the page cache's pending writes to disk (sync), so that no contender starts while the disk is still
 * busy with the previous one's archive or the model's upload: at 4 GiB those are more than the kernel lets pile up
 * (dirty_ratio), and whoever writes next is throttled to the disk's speed.
 */
function flushWrites(): void {
  spawnSync('sync');
}

/** GNU tar archiving the files on disk through `compressor` (`gzip -6`, `pigz -6`): time, size and CPU. */
function gnuTarRun(dir: string, archive: string, compressor: string): GnuTarRun {
  const started = performance.now();
  const cpu = endedChildrenCpuMicros();
  execFileSync('tar', ['-I', compressor, '-cf', archive, '-C', dir, '.']);
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = (endedChildrenCpuMicros() - cpu) / 1e6;
  const bytes = statSync(archive).size;
  rmSync(archive, { force: true });
  return { seconds, bytes, cpuSeconds };
}

const succeeds = (command: string, args: readonly string[]) =>
  spawnSync(command, args, { stdio: 'ignore' }).status === 0;

/**
 * Whether pigz can be used: already installed, or installed now from Debian's packages (root with apt-get only).
 * Returns why not, to print in place of its row.
 */
function ensurePigz(): { ok: true } | { ok: false; reason: string } {
  if (succeeds('pigz', ['--version'])) return { ok: true };
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !succeeds('apt-get', ['--version'])) {
    return {
      ok: false,
      reason: 'pigz is not installed, and installing it needs apt-get as root (apt-get install pigz)',
    };
  }
  process.stderr.write("pigz is not installed: installing Debian's pigz with apt-get...\n");
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'pigz'], { stdio: 'ignore', env })
      .status === 0;
  if (!install()) {
    // The package lists may be missing or stale (a fresh container): refresh them once.
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
    install();
  }
  return succeeds('pigz', ['--version'])
    ? { ok: true }
    : { ok: false, reason: 'pigz is not installed and apt-get install pigz failed (no network to the Debian mirror?)' };
}

/** Runs PackageModel in a child process; measures the CPU this process (the emulator) spends meanwhile. */
async function packageInChild(source: string, level: number, output: string): Promise<PackagingRun> {
  const emulatorCpu = cpuMicros(process.pid);
  const storageRead = storageReadBytes();
  const result = await runPackagingChild(source, level, output);
  return {
    ...result,
    emulatorCpuSeconds: (cpuMicros(process.pid) - emulatorCpu) / 1e6,
    emulatorStorageReadBytes: storageReadBytes() - storageRead,
  };
}

function runPackagingChild(source: string, level: number, output: string): Promise<ChildResult> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL(import.meta.url).pathname, '--child', source, String(level), output],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: process.env,
    },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    // 'close': the last line is read only once the pipe has closed, which may come after the exit.
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`packaging child exited with ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as ChildResult);
    });
  });
}

interface Row {
  model: string;
  files: number;
  /** 1-minute load average when the model's measurements started and ended. */
  load: string;
  packageSeconds: number;
  tarSeconds: number;
  pigzSeconds: number | undefined;
  maxRssMb: number;
  archiveMib: number;
  tarArchiveMib: number;
  pigzArchiveMib: number | undefined;
  sourceMib: number;
  /** CPU seconds (medians): PackageModel's main thread, its other threads (deflate), the emulator; tar's, pigz's. */
  cpu: { main: number; other: number; emulator: number; tar: number; pigz: number | undefined };
  /** MiB the emulator read from storage while it served the sources (the most of any run). */
  emulatorStorageReadMib: number;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    await runChild(String(args[1]), Number(args[2]), String(args[3]));
    return;
  }
  // Ctrl-C stops the emulator this benchmark runs, with one line (see local/emulator/interrupts.ts).
  exitOnInterrupt({ label: 'bench package-model' });
  const option = (name: string) => {
    const index = args.indexOf(name);
    return index >= 0 ? args[index + 1] : undefined;
  };
  const level = Number(option('--level') ?? 6);
  const repeat = Math.max(1, Number(option('--repeat') ?? 1));
  const sizesOption = option('--sizes');
  const sizes = sizesOption
    ? sizesOption.split(',').map(Number)
    : args.includes('--4gib')
      ? [1, 4]
      : isQuick(args)
        ? [0.25]
        : [1];

  const pigz = ensurePigz();
  const threads = availableParallelism();
  const work = mkdtempSync(join(tmpdir(), 'smwf-bench-'));
  const emulator = await startEmulator({ port: 0, stateDir: join(work, 'state') });
  useLocalEmulator(emulator.url);
  const s3 = new S3Client({ forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const rows: Row[] = [];
  try {
    for (const gib of sizes) {
      const dir = join(work, `model-${gib}gib`);
      process.stderr.write(`generating a ${gib} GiB model...\n`);
      await generateModel(dir, gib * GIB);
      const files = readdirSync(dir);
      const sourceBytes = files.reduce((total, name) => total + statSync(join(dir, name)).size, 0);
      process.stderr.write('uploading it to the emulator...\n');
      await uploadDir(s3, dir, `sources/${gib}gib/`);
      const loadBefore = load1();
      const packaged: PackagingRun[] = [];
      const tar: GnuTarRun[] = [];
      const pigzRuns: GnuTarRun[] = [];
      // Taking turns, so that a change in the machine's load falls on all three alike.
      for (let round = 1; round <= repeat; round += 1) {
        const of = repeat > 1 ? ` (${round} of ${repeat})` : '';
        flushWrites();
        process.stderr.write(`packaging with PackageModel on ${threads} threads${of}...\n`);
        // A new output each round: the same one would be found and reused, not packaged again.
        packaged.push(
          await packageInChild(`s3://${BUCKET}/sources/${gib}gib/`, level, `s3://${BUCKET}/packages/${round}/`),
        );
        flushWrites();
        process.stderr.write(`packaging with tar -czf${of}...\n`);
        tar.push(gnuTarRun(dir, join(work, 'tar.tar.gz'), `gzip -${level}`));
        if (pigz.ok) {
          flushWrites();
          process.stderr.write(`packaging with tar -I pigz${of}...\n`);
          pigzRuns.push(gnuTarRun(dir, join(work, 'pigz.tar.gz'), `pigz -${level}`));
        }
      }
      rows.push({
        model: `${gib} GiB`,
        files: packaged[0]?.fileCount ?? 0,
        load: `${loadBefore}-${load1()}`,
        packageSeconds: median(packaged.map((p) => p.seconds)),
        tarSeconds: median(tar.map((t) => t.seconds)),
        pigzSeconds: pigz.ok ? median(pigzRuns.map((t) => t.seconds)) : undefined,
        maxRssMb: Math.max(...packaged.map((p) => p.maxRssMb)),
        archiveMib: (packaged[0]?.sizeBytes ?? 0) / MIB,
        tarArchiveMib: (tar[0]?.bytes ?? 0) / MIB,
        pigzArchiveMib: pigz.ok ? (pigzRuns[0]?.bytes ?? 0) / MIB : undefined,
        sourceMib: sourceBytes / MIB,
        cpu: {
          main: median(packaged.map((p) => p.mainThreadCpuSeconds)),
          other: median(packaged.map((p) => p.processCpuSeconds - p.mainThreadCpuSeconds)),
          emulator: median(packaged.map((p) => p.emulatorCpuSeconds)),
          tar: median(tar.map((t) => t.cpuSeconds)),
          pigz: pigz.ok ? median(pigzRuns.map((t) => t.cpuSeconds)) : undefined,
        },
        emulatorStorageReadMib: Math.max(...packaged.map((p) => p.emulatorStorageReadBytes)) / MIB,
      });
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    await emulator.stop();
    rmSync(work, { recursive: true, force: true });
  }

  const rate = (r: Row, seconds: number) => `${seconds.toFixed(1)} s, ${(r.sourceMib / seconds).toFixed(1)} MiB/s`;
  const times = repeat > 1 ? `, median of ${repeat} runs taking turns` : '';
  console.log(
    `\nPackageModel (${threads} threads) vs tar -czf (gzip -${level}) and tar -I pigz (pigz -${level}, ${threads} threads), same files, same run${times}\n`,
  );
  console.log(
    markdownTable(
      [
        'model',
        'files',
        'load',
        'PackageModel',
        'tar -czf',
        'tar -I pigz',
        'vs tar -czf',
        'vs pigz',
        'peak RSS MB',
        'archive MiB (PackageModel / gzip / pigz)',
      ],
      rows.map((r) => [
        r.model,
        String(r.files),
        r.load,
        rate(r, r.packageSeconds),
        rate(r, r.tarSeconds),
        r.pigzSeconds === undefined ? 'skipped' : rate(r, r.pigzSeconds),
        `${(r.tarSeconds / r.packageSeconds).toFixed(2)}x`,
        r.pigzSeconds === undefined ? '-' : `${(r.pigzSeconds / r.packageSeconds).toFixed(2)}x`,
        r.maxRssMb.toFixed(0),
        [r.archiveMib, r.tarArchiveMib, r.pigzArchiveMib]
          .map((m) => (m === undefined ? '-' : m.toFixed(1)))
          .join(' / '),
      ]),
    ),
  );
  console.log(
    '\nCPU seconds (user + system) of each process while it packaged: PackageModel main thread (sources, tar, upload,' +
      ' SHA-256), its other threads (deflate workers, V8 helpers), the emulator (serving the sources, storing the' +
      ' archive); GNU tar with its compressor\n',
  );
  console.log(
    markdownTable(
      [
        'model',
        'PackageModel main',
        'PackageModel other',
        'emulator',
        'PackageModel total',
        'tar -czf',
        'tar -I pigz',
        'emulator read from disk',
      ],
      rows.map((r) => [
        r.model,
        r.cpu.main.toFixed(1),
        r.cpu.other.toFixed(1),
        r.cpu.emulator.toFixed(1),
        (r.cpu.main + r.cpu.other + r.cpu.emulator).toFixed(1),
        r.cpu.tar.toFixed(1),
        r.cpu.pigz === undefined ? '-' : r.cpu.pigz.toFixed(1),
        `${r.emulatorStorageReadMib.toFixed(0)} MiB`,
      ]),
    ),
  );
  if (!pigz.ok) console.log(`\ntar -I pigz: skipped: ${pigz.reason}.`);
  console.log(
    `\nGoals: >= ${TAR_RATIO_GOAL}x tar -czf; >= ${PIGZ_RATIO_GOAL}x tar -I pigz; peak RSS <= ${RSS_GOAL_MB} MB for every size.`,
  );

  const summary: SummaryRow[] = rows.flatMap((r) => {
    const vsTar = r.tarSeconds / r.packageSeconds;
    const tarRow: SummaryRow = {
      figure: `PackageModel ${r.model} (${threads} threads) vs tar -czf (gzip -${level})`,
      measured: `${rate(r, r.packageSeconds)} vs ${rate(r, r.tarSeconds)} = ${vsTar.toFixed(2)}x`,
      goal: `>= ${TAR_RATIO_GOAL}x`,
      verdict: verdict(vsTar >= TAR_RATIO_GOAL),
    };
    if (r.pigzSeconds === undefined) {
      return [
        tarRow,
        {
          figure: `PackageModel ${r.model} vs tar -I pigz (pigz -${level})`,
          measured: `skipped: ${pigz.ok ? '' : pigz.reason}`,
          goal: `>= ${PIGZ_RATIO_GOAL}x`,
          verdict: 'skipped',
        },
      ];
    }
    const vsPigz = r.pigzSeconds / r.packageSeconds;
    return [
      tarRow,
      {
        figure: `PackageModel ${r.model} vs tar -I pigz (pigz -${level}, ${threads} threads)`,
        measured: `${rate(r, r.packageSeconds)} vs ${rate(r, r.pigzSeconds)} = ${vsPigz.toFixed(2)}x`,
        goal: `>= ${PIGZ_RATIO_GOAL}x`,
        verdict: verdict(vsPigz >= PIGZ_RATIO_GOAL),
      },
    ];
  });
  summary.push({
    figure: 'PackageModel CPU seconds: main thread / other threads / emulator (tar -czf, pigz)',
    measured: rows
      .map(
        (r) =>
          `${r.cpu.main.toFixed(1)} / ${r.cpu.other.toFixed(1)} / ${r.cpu.emulator.toFixed(1)} (${r.cpu.tar.toFixed(1)}, ${r.cpu.pigz?.toFixed(1) ?? '-'}) (${r.model})`,
      )
      .join(', '),
    goal: 'no goal: where the time goes',
    verdict: '-',
  });
  summary.push({
    figure: 'PackageModel peak RSS',
    measured: rows.map((r) => `${r.maxRssMb.toFixed(0)} MB (${r.model})`).join(', '),
    goal: `<= ${RSS_GOAL_MB} MB for every size`,
    verdict: verdict(rows.every((r) => r.maxRssMb <= RSS_GOAL_MB)),
  });
  reportRows(summary);
}

await main();
