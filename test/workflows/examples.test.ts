import { describe, expect, it } from 'vitest';
import * as zc from 'zod/v4/core';
import { WORKFLOWS } from '../../workflows/workflows.ts';

describe.each(WORKFLOWS.map((w) => [w.name, w] as const))("%s's example input", (_name, workflow) => {
  it('satisfies its contract, cross-field rules included', () => {
    const parsed = zc.safeParse(workflow.input, workflow.example);

    expect(parsed.error?.issues ?? []).toEqual([]);
  });
});
