/**
 * Batch transform jobs run for real: one model server process per container of the model (started like an endpoint
 * container, plus SageMaker's batch environment), fed the job's S3 objects record by record under the batch
 * contract, writing `<key>.out` per object. A serial inference pipeline runs whole for every mini-batch and its
 * last container's answers are the output. InProgress -> Completed / Failed / Stopped, with state change events.
 */

import { join } from 'node:path';
import { eventTime } from '../clock.ts';
import { ACCOUNT_ID, type EventLog } from '../events.ts';
import { remove } from '../fs-util.ts';
import type { Logger } from '../logger.ts';
import type { S3Store } from '../s3/store.ts';
import { parseS3Uri } from '../s3/uri.ts';
import type { SageMakerStore, TransformJobRecord } from '../store/store.ts';
import { type JobContainers, ObjectFailedError } from './job-containers.ts';
import { effectiveSettings } from './job-settings.ts';
import { transformObject } from './transform-object.ts';

type Input = Record<string, unknown>;

/**
 * Starts a job's model servers in `workDir`: model server processes (job-containers.ts, startModelServers), or in
 * the in-process double scripted answers. Throws ObjectFailedError when they cannot serve the job.
 */
export type ModelServerLauncher = (
  record: TransformJobRecord,
  workDir: string,
  signal: AbortSignal,
) => Promise<JobContainers>;

/** What transform jobs need from the rest of the emulator. */
export interface TransformDeps {
  stateDir: string;
  store: SageMakerStore;
  s3: S3Store;
  events: EventLog;
  logger: Logger;
  /** What runs the job's model. */
  modelServers: ModelServerLauncher;
}

const STATUS_EVENT: Record<string, string> = {
  InProgress: 'InProgress',
  Completed: 'Completed',
  Failed: 'Failed',
  Stopping: 'Stopping',
  Stopped: 'Stopped',
};

/** Runs and tracks every transform job of the emulator. */
export class TransformJobs {
  private readonly running = new Map<string, AbortController>();
  private readonly tasks = new Set<Promise<void>>();
  private shuttingDown = false;

  constructor(private readonly deps: TransformDeps) {}

  private key(record: TransformJobRecord): string {
    return `${record.smwf.region}/${record.TransformJobName.toLowerCase()}`;
  }

  /** CreateTransformJob: stored as InProgress; the work runs in the background. */
  async start(record: TransformJobRecord): Promise<void> {
    await this.save(record, true);
    this.launch(record);
  }

  /** StopTransformJob: Stopping now, Stopped once the model server is gone. */
  async stop(record: TransformJobRecord): Promise<void> {
    if (record.TransformJobStatus !== 'InProgress') return;
    record.TransformJobStatus = 'Stopping';
    await this.save(record, true);
    const abort = this.running.get(this.key(record));
    if (abort) abort.abort();
    else await this.finish(record, 'Stopped');
  }

  /** After a restart: jobs that were running start over (outputs are rewritten), Stopping ones are Stopped. */
  resume(): void {
    for (const record of this.deps.store.transformJobs.all()) {
      if (record.TransformJobStatus === 'InProgress') this.launch(record);
      else if (record.TransformJobStatus === 'Stopping') this.track(this.finish(record, 'Stopped'));
    }
  }

  /** Stops every running job's model server without changing stored state (a restart resumes). */
  async stopAll(): Promise<void> {
    this.shuttingDown = true;
    for (const abort of this.running.values()) abort.abort();
    await Promise.all([...this.tasks]);
  }

  private launch(record: TransformJobRecord): void {
    const abort = new AbortController();
    this.running.set(this.key(record), abort);
    this.track(
      this.run(record, abort.signal).finally(() => {
        if (this.running.get(this.key(record)) === abort) this.running.delete(this.key(record));
      }),
    );
  }

  private track(task: Promise<void>): void {
    const guarded = task.catch((err: unknown) => {
      this.deps.logger.error('transform job task failed', { error: String(err) });
    });
    this.tasks.add(guarded);
    void guarded.finally(() => this.tasks.delete(guarded));
  }

  private async save(record: TransformJobRecord, emit: boolean): Promise<void> {
    if (this.shuttingDown) return;
    record.LastModifiedTime = this.deps.store.nowSeconds();
    await this.deps.store.transformJobs.put(record.TransformJobName, record);
    if (emit) await this.emitStateChange(record);
  }

  private async finish(record: TransformJobRecord, status: string, failureReason?: string): Promise<void> {
    if (this.shuttingDown) return;
    const finished: TransformJobRecord = {
      ...record,
      TransformJobStatus: status,
      TransformEndTime: this.deps.store.nowSeconds(),
      ...(failureReason !== undefined ? { FailureReason: failureReason.slice(0, 1024) } : {}),
    };
    // The state change event is logged before DescribeTransformJob can report the new status, so whoever
    // sees the job finished also finds its event.
    await this.emitStateChange(finished);
    Object.assign(record, finished);
    await this.save(record, false);
  }

  private async emitStateChange(record: TransformJobRecord): Promise<void> {
    const { smwf: _internal, Tags, ...described } = record;
    await this.deps.events.append([
      {
        version: '0',
        id: crypto.randomUUID(),
        'detail-type': 'SageMaker Transform Job State Change',
        source: 'aws.sagemaker',
        account: ACCOUNT_ID,
        time: eventTime(this.deps.store.clock.now()),
        region: record.smwf.region,
        resources: [record.TransformJobArn],
        detail: {
          ...described,
          TransformJobStatus: STATUS_EVENT[record.TransformJobStatus] ?? record.TransformJobStatus,
          CreationTime: Math.round(record.CreationTime * 1000),
          Tags: Object.fromEntries((Tags ?? []).map((t) => [t.Key, t.Value])),
        },
        eventBusName: 'default',
      },
    ]);
  }

  private async run(record: TransformJobRecord, signal: AbortSignal): Promise<void> {
    const workDir = join(this.deps.stateDir, 'transform', record.smwf.region, record.TransformJobName.toLowerCase());
    let containers: JobContainers | undefined;
    const stopContainers = async () => {
      await containers?.stop();
    };
    try {
      containers = await this.deps.modelServers(record, workDir, signal);
      const settings = effectiveSettings(record, await containers.executionParameters());
      record.smwf.effective = settings;
      await this.save(record, false);
      const objects = this.inputObjects(record);
      const failures: string[] = [];
      for (const object of objects) {
        if (signal.aborted) break;
        try {
          await transformObject(this.deps, record, settings, containers, object, signal);
        } catch (err) {
          if (signal.aborted) break;
          if (!(err instanceof ObjectFailedError)) throw err;
          failures.push(err.message);
        }
      }
      if (signal.aborted) {
        await stopContainers();
        if (record.TransformJobStatus === 'Stopping') await this.finish(record, 'Stopped');
        return;
      }
      if (failures.length > 0) {
        const more = failures.length > 1 ? ` (and ${failures.length - 1} more failed objects)` : '';
        await this.finish(
          record,
          'Failed',
          `ClientError: ${failures[0]}${more}. See the job's log in /aws/sagemaker/TransformJobs.`,
        );
      } else await this.finish(record, 'Completed');
    } catch (err) {
      if (signal.aborted) {
        if (record.TransformJobStatus === 'Stopping') await this.finish(record, 'Stopped');
        return;
      }
      await this.finish(
        record,
        'Failed',
        err instanceof ObjectFailedError
          ? `ClientError: ${err.message}`
          : String(err instanceof Error ? err.message : err),
      );
    } finally {
      await stopContainers();
      await remove(workDir).catch(() => undefined);
    }
  }

  /** The objects of the input: every key under an S3Prefix, or the one S3Object; sorted by key. */
  private inputObjects(record: TransformJobRecord): { bucket: string; key: string; relative: string }[] {
    const source = ((record.TransformInput as Input).DataSource as Input).S3DataSource as Input;
    const uri = String(source.S3Uri);
    const location = parseS3Uri(uri);
    const noObjects = new ObjectFailedError(`No S3 objects found under S3 URL "${uri}"`);
    if (!location || !this.deps.s3.hasBucket(location.bucket)) throw noObjects;
    // Outputs mirror the input's sub-folders below the prefix's last '/'.
    const base = location.key.slice(0, location.key.lastIndexOf('/') + 1);
    const keys =
      source.S3DataType === 'S3Object'
        ? this.deps.s3.keys(location.bucket).filter((k) => k === location.key)
        : this.deps.s3.keys(location.bucket).filter((k) => k.startsWith(location.key) && !k.endsWith('/'));
    if (keys.length === 0) throw noObjects;
    return keys.map((key) => ({ bucket: location.bucket, key, relative: key.slice(base.length) }));
  }
}
