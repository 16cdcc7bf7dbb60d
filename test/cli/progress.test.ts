/**
 * The progress `smwf run` shows: a Map's items and a Parallel's branches in words, the states of each item marked
 * with it; and of an endpoint's lease, who holds it and for how long while a run waits, and from whom a run took it
 * over; in text and in --json.
 */

import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { toExecutionEvent } from '../../cli/aws-execution.ts';
import { describeLease, eventSummary, progressPrinter } from '../../cli/render/progress.ts';
import type { EndpointLease } from '../../contracts/endpoint-lease.ts';
import type { ExecutionEvent } from '../../local/runner/runner.ts';

const HOLDER = 'arn:aws:states:us-east-1:123456789012:execution:DeployEndpoint:churn-v1';

const waiting: EndpointLease = {
  endpointName: 'churn',
  workflow: 'DeployEndpoint',
  waitMinutes: 60,
  acquired: false,
  holder: {
    executionArn: HOLDER,
    workflow: 'DeployEndpoint',
    takenAt: '2026-11-25T09:58:00.000Z',
    heldSeconds: 125,
    etag: '"e1"',
    status: 'RUNNING',
  },
  wait: { attempt: 1, seconds: 10, deadline: '2026-11-25T11:00:00.000Z' },
};

function exited(lease: EndpointLease, state = 'DescribeLeaseHolder'): ExecutionEvent {
  return {
    type: 'StateExited',
    timestamp: Date.parse('2026-11-25T10:00:05.000Z'),
    state: { name: state, type: 'Task', input: null, output: { lease } as never },
    durationMs: 12,
  } as ExecutionEvent;
}

describe('lease progress', () => {
  it('shows the holder and its age under the state while a run waits', () => {
    const lines: string[] = [];

    progressPrinter({ json: false, color: false, write: (line) => lines.push(line) })(exited(waiting));

    expect(lines).toEqual([
      '  ✓ DescribeLeaseHolder 12 ms',
      '    endpoint churn is being changed by DeployEndpoint execution churn-v1 (lease held 2 min 5 s); looking again in 10 s, waiting until 2026-11-25T11:00:00.000Z',
    ]);
  });

  it('says when a holder has ended, and from which ended execution a run took the lease over', () => {
    const lease: EndpointLease = {
      endpointName: 'churn',
      workflow: 'DeployEndpoint',
      waitMinutes: 60,
      acquired: true,
      takenOver: {
        from: { executionArn: HOLDER, workflow: 'DeployEndpoint', takenAt: '2026-11-25T09:58:00.000Z', heldSeconds: 7 },
        reason: 'not-running',
        status: 'ABORTED',
      },
    };

    const holder = waiting.holder as NonNullable<EndpointLease['holder']>;
    expect(describeLease({ ...waiting, holder: { ...holder, status: 'ABORTED' } })).toBe(
      "endpoint churn's lease is held by DeployEndpoint execution churn-v1, which is not running (ABORTED): taking it over",
    );
    expect(describeLease(lease)).toBe(
      'took over the lease of endpoint churn from DeployEndpoint execution churn-v1: it is not running (ABORTED)',
    );
    const { takenOver: _, ...plain } = lease;
    expect(describeLease(plain)).toBeUndefined();
  });

  it('gives the holder and the next look in --json', () => {
    expect(eventSummary(exited(waiting))).toMatchObject({
      state: 'DescribeLeaseHolder',
      lease: {
        endpointName: 'churn',
        acquired: false,
        holder: { executionArn: HOLDER, heldSeconds: 125, status: 'RUNNING' },
        wait: { seconds: 10 },
      },
    });
  });
});

describe('Map and Parallel progress', () => {
  const at = Date.parse('2026-11-25T10:00:05.000Z');
  const map = { name: 'TestCandidates', type: 'Map' as const, input: null };
  const parallel = { name: 'DeployCandidate', type: 'Parallel' as const, input: null };
  const inItem = (type: 'StateEntered' | 'StateExited', name: string, index: number, durationMs?: number) =>
    ({
      type,
      timestamp: at,
      index,
      state: { name, type: 'Task', input: null },
      ...(durationMs !== undefined ? { durationMs } : {}),
    }) as ExecutionEvent;
  const events: ExecutionEvent[] = [
    { type: 'MapIterationStarted', timestamp: at, parentState: map, index: 0 },
    { type: 'MapIterationStarted', timestamp: at, parentState: map, index: 1 },
    inItem('StateEntered', 'PrepareCandidate', 1),
    inItem('StateExited', 'PrepareCandidate', 1, 7),
    { type: 'ParallelBranchStarted', timestamp: at, parentState: parallel },
    {
      type: 'ParallelBranchFailed',
      timestamp: at,
      parentState: parallel,
      Error: 'EndpointFailedError',
      Cause: JSON.stringify({ errorType: 'EndpointFailedError', errorMessage: 'the container did not answer /ping' }),
    },
    { type: 'ParallelBranchSucceeded', timestamp: at, parentState: parallel },
    { type: 'MapIterationSucceeded', timestamp: at, parentState: map, index: 1 },
    {
      type: 'MapIterationFailed',
      timestamp: at,
      parentState: map,
      index: 0,
      Error: 'States.TaskFailed',
      Cause: 'boom',
    },
    { type: 'ExecutionAborted', timestamp: at },
  ];

  it('says which item of which Map and which Parallel branch started, ended or failed, never an event name', () => {
    const lines: string[] = [];
    const print = progressPrinter({ json: false, color: false, write: (line) => lines.push(line) });

    for (const event of events) print(event);

    expect(lines).toEqual([
      '  ⇉ TestCandidates: item 0 started',
      '  ⇉ TestCandidates: item 1 started',
      '  → [item 1] PrepareCandidate',
      '  ✓ [item 1] PrepareCandidate 7 ms',
      '  ⇉ DeployCandidate: branch started',
      '  ✗ DeployCandidate: branch failed EndpointFailedError: the container did not answer /ping',
      '  ✓ DeployCandidate: branch done',
      '  ✓ TestCandidates: item 1 done',
      '  ✗ TestCandidates: item 0 failed States.TaskFailed: boom',
      'execution aborted',
    ]);
    expect(lines.join('\n')).not.toMatch(/MapIteration|ParallelBranch|ExecutionAborted/);
  });

  it('names the Map and the item in --json', () => {
    expect(eventSummary(events[1] as ExecutionEvent)).toMatchObject({
      type: 'MapIterationStarted',
      state: 'TestCandidates',
      item: 1,
    });
    expect(eventSummary(events[3] as ExecutionEvent)).toMatchObject({ state: 'PrepareCandidate', item: 1 });
  });
});

describe('Map progress of an execution on AWS', () => {
  it("reads Step Functions' map iteration and abort events from the history, and prints them in words", () => {
    const at = new Date('2026-11-25T10:00:05.000Z');
    const history: HistoryEvent[] = [
      {
        id: 1,
        type: 'MapIterationStarted',
        timestamp: at,
        mapIterationStartedEventDetails: { name: 'TestCandidates', index: 3 },
      },
      {
        id: 2,
        type: 'MapIterationFailed',
        timestamp: at,
        mapIterationFailedEventDetails: { name: 'TestCandidates', index: 3 },
      },
      { id: 3, type: 'ExecutionTimedOut', timestamp: at },
    ];
    const lines: string[] = [];
    const print = progressPrinter({ json: false, color: false, write: (line) => lines.push(line) });

    for (const event of history) {
      const converted = toExecutionEvent(event, new Map());
      if (converted) print(converted);
    }

    expect(lines).toEqual([
      '  ⇉ TestCandidates: item 3 started',
      '  ✗ TestCandidates: item 3 failed',
      'execution timed out',
    ]);
  });
});
