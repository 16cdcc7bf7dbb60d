/**
 * PackageModel benchmark: generates a model (random weights + small files), puts it into the local emulator's
 * S3, packages it with the PackageModel core (in a child process, so its peak RSS is its own), and compares
 * the throughput with `tar -czf` at the same gzip level on the same files on disk, in the same run.
 *
 *   npm run bench                 # 1 GiB
 *   npm run bench -- package-model --4gib       # 1 GiB and 4 GiB (peak RSS must not grow with the model)
 *   npm run bench -- package-model --level 1    # another gzip level (default 6)
 *   npm run bench -- package-model --sizes 0.25,2   # model sizes in GiB
 *   npm run bench -- package-model --quick      # 0.25 GiB
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { PackageModelInput } from '../contracts/parts/packaging.ts';
import { exitOnInterrupt, startEmulator } from '../local/emulator/index.ts';
import { useLocalEmulator } from '../local/runner/local-aws-env.ts';
import { s3ArtifactStore } from '../tasks/_shared/artifact-store.ts';
import { s3ArchiveUpload } from '../tasks/package-model/archive-upload.ts';
import { packageModel } from '../tasks/package-model/package-model.ts';
import { isQuick, reportRows, type SummaryRow, verdict } from './summary.ts';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
const BUCKET = 'bench';
const SHARD_BYTES = 256 * MIB;
/** PackageModel's throughput must be at least this share of tar -czf's. */
const RATIO_GOAL = 0.9;
/** Peak RSS of the packaging process. */
const RSS_GOAL_MB = 200;

interface ChildResult {
  seconds: number;
  maxRssMb: number;
  sizeBytes: number;
  fileCount: number;
}

/** The child: package `source` and report duration and peak RSS on stdout. */
async function runChild(source: string, level: number): Promise<void> {
  const request = PackageModelInput.parse({
    source,
    framework: 'huggingface',
    output: `s3://${BUCKET}/packages/`,
    compressionLevel: level,
  });
  const started = performance.now();
  const s3 = new S3Client({});
  const packaged = await packageModel(request, {
    store: s3ArtifactStore(s3),
    upload: s3ArchiveUpload(s3),
    defaultOutput: `s3://${BUCKET}/packages/`,
  });
  const result: ChildResult = {
    seconds: (performance.now() - started) / 1000,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    sizeBytes: packaged.sizeBytes,
    fileCount: packaged.fileCount,
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

/** Seconds `tar -czf` (gzip at `level`) takes on the same files on disk. */
function gnuTarSeconds(dir: string, archive: string, level: number): number {
  const started = performance.now();
  execFileSync('tar', ['-I', `gzip -${level}`, '-cf', archive, '-C', dir, '.']);
  return (performance.now() - started) / 1000;
}

function packageInChild(source: string, level: number): Promise<ChildResult> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL(import.meta.url).pathname, '--child', source, String(level)],
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
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`packaging child exited with ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as ChildResult);
    });
  });
}

interface Row {
  model: string;
  files: number;
  packageSeconds: number;
  tarSeconds: number;
  packageMBs: number;
  tarMBs: number;
  ratio: number;
  maxRssMb: number;
  archiveMb: number;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    await runChild(String(args[1]), Number(args[2]));
    return;
  }
  // Ctrl-C stops the emulator this benchmark runs, with one line (see local/emulator/interrupts.ts).
  exitOnInterrupt({ label: 'bench package-model' });
  const levelIndex = args.indexOf('--level');
  const level = levelIndex >= 0 ? Number(args[levelIndex + 1]) : 6;
  const sizesIndex = args.indexOf('--sizes');
  const sizes =
    sizesIndex >= 0
      ? String(args[sizesIndex + 1])
          .split(',')
          .map(Number)
      : args.includes('--4gib')
        ? [1, 4]
        : isQuick(args)
          ? [0.25]
          : [1];

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
      process.stderr.write('packaging with PackageModel...\n');
      const packaged = await packageInChild(`s3://${BUCKET}/sources/${gib}gib/`, level);
      process.stderr.write('packaging with tar -czf...\n');
      const tarSeconds = gnuTarSeconds(dir, join(work, `tar-${gib}gib.tar.gz`), level);
      const mbs = (seconds: number) => sourceBytes / MIB / seconds;
      rows.push({
        model: `${gib} GiB`,
        files: packaged.fileCount,
        packageSeconds: packaged.seconds,
        tarSeconds,
        packageMBs: mbs(packaged.seconds),
        tarMBs: mbs(tarSeconds),
        ratio: tarSeconds / packaged.seconds,
        maxRssMb: packaged.maxRssMb,
        archiveMb: packaged.sizeBytes / MIB,
      });
      rmSync(dir, { recursive: true, force: true });
      rmSync(join(work, `tar-${gib}gib.tar.gz`), { force: true });
    }
  } finally {
    await emulator.stop();
    rmSync(work, { recursive: true, force: true });
  }

  console.log(`\nPackageModel vs tar -czf (gzip -${level}), same files, same run\n`);
  console.log(
    '| model | files | PackageModel s | tar -czf s | PackageModel MiB/s | tar MiB/s | ratio | peak RSS MB | archive MiB |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.model} | ${r.files} | ${r.packageSeconds.toFixed(1)} | ${r.tarSeconds.toFixed(1)} | ${r.packageMBs.toFixed(1)} | ${r.tarMBs.toFixed(1)} | ${r.ratio.toFixed(2)}x | ${r.maxRssMb.toFixed(0)} | ${r.archiveMb.toFixed(0)} |`,
    );
  }
  console.log(
    `\nGoals: ratio >= ${RATIO_GOAL}x; peak RSS <= ${RSS_GOAL_MB} MB and no higher for 4 GiB than for 1 GiB.`,
  );

  const summary: SummaryRow[] = rows.map((r) => ({
    figure: `PackageModel ${r.model} vs tar -czf (gzip -${level})`,
    measured: `${r.packageSeconds.toFixed(1)} s, ${r.packageMBs.toFixed(1)} MiB/s vs ${r.tarSeconds.toFixed(1)} s, ${r.tarMBs.toFixed(1)} MiB/s = ${r.ratio.toFixed(2)}x`,
    goal: `>= ${RATIO_GOAL}x`,
    verdict: verdict(r.ratio >= RATIO_GOAL),
  }));
  const rss = rows.map((r) => r.maxRssMb);
  const flat = rss.every((mb, i) => i === 0 || mb <= (rss[0] as number) * 1.1);
  summary.push({
    figure: 'PackageModel peak RSS',
    measured: rows.map((r) => `${r.maxRssMb.toFixed(0)} MB (${r.model})`).join(', '),
    goal: `<= ${RSS_GOAL_MB} MB${rows.length > 1 ? ', not growing with the model (within 10%)' : ''}`,
    verdict: verdict(rss.every((mb) => mb <= RSS_GOAL_MB) && flat),
  });
  reportRows(summary);
}

await main();
