/**
 * The progress `smwf run` shows of an endpoint's lease: who holds it and for how long while a run waits, and from
 * whom a run took it over; in text and in --json.
 */
import { describe, expect, it } from 'vitest';
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
