import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { main } from '../../cli/main.ts';

let out: MockInstance;
let err: MockInstance;
let written: MockInstance;

const printed = (spy: MockInstance) => spy.mock.calls.map((call) => call.join(' ')).join('\n');

beforeEach(() => {
  out = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  written = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('smwf', () => {
  it('lists every command in --help', async () => {
    expect(await main(['--help'])).toBe(0);

    for (const command of ['demo', 'run', 'redrive', 'schema', 'diagram', 'docs', 'local start']) {
      expect(printed(out)).toContain(`smwf ${command}`);
    }
  });

  it.each([['demo'], ['run'], ['redrive'], ['schema'], ['diagram'], ['docs'], ['local', 'start']])(
    'shows the usage of `%s` with --help',
    async (...words) => {
      expect(await main([...words, '--help'])).toBe(0);

      expect(printed(out)).toContain(`Usage: smwf ${words.join(' ')}`);
    },
  );

  it.each([
    [['frobnicate'], "unknown command 'frobnicate'"],
    [['run', 'DeployEndpoint'], 'missing --input'],
    [['run', '--input', 'x.json'], 'missing <StateMachine>'],
    [['run', 'Nope', '--input', 'x.json'], "unknown state machine 'Nope'"],
    [['run', 'DeployEndpoint', '--input', 'x.json', '--bogus'], "Unknown option '--bogus'"],
    [['run', 'DeployEndpoint', '--input', 'does-not-exist.json'], 'cannot read --input does-not-exist.json'],
    [
      ['run', 'DeployEndpoint', '--input', 'x.json', '--stack', 'S'],
      '--state-machine-arn, --stack and --region go with --aws',
    ],
    [['redrive'], 'give one execution: its name or its ARN'],
    [['redrive', 'deploy-1', '--aws'], 'with --aws, give the execution ARN, or its name with --workflow'],
    [['redrive', 'arn:aws:states:us-east-1:1:x', '--aws'], "'arn:aws:states:us-east-1:1:x' is not an execution ARN"],
    [
      ['redrive', 'deploy-1', '--region', 'us-east-1'],
      '--workflow, --state-machine-arn, --stack and --region go with --aws',
    ],
    [['schema'], 'missing <StateMachine>'],
    [['local', 'start', '--port', 'abc'], "--port must be an integer from 0 to 65535, got 'abc'"],
  ])('rejects `smwf %j` with exit code 2 and a one-line error', async (args, message) => {
    expect(await main(args)).toBe(2);

    const error = printed(err);
    expect(error).toContain(message);
    expect(error.split('\n')).toHaveLength(1);
  });

  it('prints the DeployEndpoint input schema', async () => {
    expect(await main(['schema', 'DeployEndpoint'])).toBe(0);

    const schema = JSON.parse(written.mock.calls.map((call) => String(call[0])).join(''));
    expect(schema.title).toBe('DeployEndpoint input');
    expect(schema.required).toEqual(expect.arrayContaining(['endpointName', 'model', 'variants', 'healthCheck']));
    expect(schema.properties.onFailure.enum).toEqual(['rollback', 'retain']);
  });
});
