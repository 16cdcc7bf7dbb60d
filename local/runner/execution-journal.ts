/**
 * The journal of an execution in the local state directory: what it was started with (its state machine, the
 * definition it runs, its input and start time) and then every event of its history, one JSON line each, appended
 * as they happen. It is what a redrive needs (the state left unfinished and its input, the outputs of the Map
 * iterations that succeeded), so an execution can be redriven by another process than the one that ran it, as
 * `smwf redrive` does; and how other processes learn an execution's status.
 *
 * Locally the runner's process is the execution's engine: an execution whose journal ends without an end, and whose
 * process is gone (killed, crashed, Ctrl-C), can never move again, so it reads as ABORTED.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecutionEvent } from './runner.ts';

/** What an execution was started with. */
export interface JournalStart {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly workflow: string;
  readonly name: string;
  /** The execution input, as StartExecution got it (JSON). */
  readonly input: string;
  /** The definition it runs: a redrive runs the same one, even after the state machine changed. */
  readonly definition: Record<string, unknown>;
  /** ms since the epoch. */
  readonly startDate: number;
  /** The process that runs it. */
  readonly pid: number;
}

type JournalLine = { readonly start: JournalStart } | { readonly event: ExecutionEvent; readonly pid?: number };

/** An execution as its journal tells it. */
interface JournaledExecution {
  readonly start: JournalStart;
  readonly history: ExecutionEvent[];
  /** The process that runs (ran) its latest attempt. */
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

const JOURNAL_SUFFIX = '.journal.jsonl';

/** The journals of one state directory's executions (its `executions/` folder). */
export class ExecutionJournals {
  constructor(readonly dir: string) {}

  private fileOf(executionArn: string): string {
    return join(this.dir, `${createHash('sha256').update(executionArn).digest('hex').slice(0, 40)}${JOURNAL_SUFFIX}`);
  }

  /** Starts the journal of a new execution (replacing any of that ARN). */
  begin(start: JournalStart): void {
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(this.fileOf(start.executionArn), `${JSON.stringify({ start } satisfies JournalLine)}\n`);
  }

  /** Appends one event; `pid` marks the process that takes the execution over (a redrive). */
  append(executionArn: string, event: ExecutionEvent, pid?: number): void {
    const line: JournalLine = pid === undefined ? { event } : { event, pid };
    appendFileSync(this.fileOf(executionArn), `${JSON.stringify(line)}\n`);
  }

  /** The journal of an execution, or undefined when it has none here. */
  read(executionArn: string): JournaledExecution | undefined {
    return this.parse(this.fileOf(executionArn), executionArn);
  }

  /** Every journaled execution's start, in no particular order. */
  list(): JournalStart[] {
    let files: string[];
    try {
      files = readdirSync(this.dir).filter((file) => file.endsWith(JOURNAL_SUFFIX));
    } catch {
      return [];
    }
    return files.flatMap((file) => {
      const first = readFileSync(join(this.dir, file), 'utf8').split('\n', 1)[0] ?? '';
      try {
        const line = JSON.parse(first) as Partial<{ start: JournalStart }>;
        return line.start ? [line.start] : [];
      } catch {
        return [];
      }
    });
  }

  private parse(file: string, executionArn: string): JournaledExecution | undefined {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
    let start: JournalStart | undefined;
    let pid = 0;
    const history: ExecutionEvent[] = [];
    for (const raw of text.split('\n')) {
      if (raw === '') continue;
      let line: JournalLine;
      try {
        line = JSON.parse(raw) as JournalLine;
      } catch {
        // The last line of a process killed while writing it: the events before it are whole.
        break;
      }
      if ('start' in line) {
        start = line.start;
        pid = line.start.pid;
      } else {
        history.push(line.event);
        if (line.pid !== undefined) pid = line.pid;
      }
    }
    if (start === undefined || start.executionArn !== executionArn) return undefined;
    return { start, history, pid };
  }
}
