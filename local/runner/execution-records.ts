/**
 * Executions as other local processes see them. Each runner that is given a records directory (the local state
 * directory's `executions/`) writes one small JSON file per execution when it starts and again when it ends, so a
 * local Step Functions API in another process (another `smwf run`, `smwf local start`'s triggers) can answer
 * DescribeExecution for it.
 *
 * Locally the runner's process is the execution's engine: an execution recorded RUNNING whose process is gone
 * (killed, crashed, Ctrl-C) can never move again, so it is reported ABORTED. On AWS, Step Functions runs
 * executions itself and no such state exists.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One execution as DescribeExecution reports it (times in ms since the epoch). */
export interface ExecutionRecord {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly workflow: string;
  readonly name: string;
  readonly status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  readonly startDate: number;
  readonly stopDate?: number;
  readonly input: string;
  readonly error?: string;
  readonly cause?: string;
  /** The process that runs (ran) it. */
  readonly pid: number;
}

/** Whether a process with this id exists (EPERM: it exists, but belongs to someone else). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The records of one state directory's executions. */
export class ExecutionRecords {
  constructor(readonly dir: string) {}

  private fileOf(executionArn: string): string {
    return join(this.dir, `${createHash('sha256').update(executionArn).digest('hex').slice(0, 40)}.json`);
  }

  /** Writes (replaces) the record of an execution; a reader never sees half a file. */
  write(record: ExecutionRecord): void {
    mkdirSync(this.dir, { recursive: true });
    const file = this.fileOf(record.executionArn);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(record));
    renameSync(tmp, file);
  }

  /**
   * The recorded execution, or undefined when none is recorded. A RUNNING record whose process is gone is
   * reported ABORTED (stopped when it was found so): nothing will ever run it on.
   */
  read(executionArn: string, now = Date.now()): ExecutionRecord | undefined {
    let record: ExecutionRecord;
    try {
      record = JSON.parse(readFileSync(this.fileOf(executionArn), 'utf8')) as ExecutionRecord;
    } catch {
      return undefined;
    }
    if (record.executionArn !== executionArn) return undefined;
    if (record.status === 'RUNNING' && record.pid !== process.pid && !processExists(record.pid)) {
      return { ...record, status: 'ABORTED', stopDate: now };
    }
    return record;
  }
}
