import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DeployEndpointInput } from '../../workflows/deploy-endpoint/contract.ts';

describe('examples/inputs', () => {
  it('holds a DeployEndpoint input that satisfies the contract', () => {
    const input = JSON.parse(
      readFileSync(new URL('../../examples/inputs/deploy-endpoint.json', import.meta.url), 'utf8'),
    );

    const parsed = DeployEndpointInput.safeParse(input);

    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(parsed.data?.deployment?.blueGreen?.trafficRouting.type).toBe('CANARY');
  });
});
