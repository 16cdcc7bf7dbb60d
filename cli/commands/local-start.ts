import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HOSTING_INSTANCE_RESOURCES } from '../../contracts/parts/instance-resources.ts';
import type { Emulator } from '../../local/emulator/index.ts';
import { exitOnInterrupt, startEmulator, stopWhenInterrupted } from '../../local/emulator/index.ts';
import type { Delivery, TriggerEngine } from '../../local/triggers/engine.ts';
import { intOption, parseOptions, UsageError } from './args.ts';

/** Help of `smwf local start`. */
const localStartHelp = `Usage: smwf local start [--port 4566] [--state-dir DIR] [--images FILE] [--no-triggers]

Runs the local SageMaker emulator (SageMaker, SageMaker Runtime, S3, EventBridge PutEvents) on
127.0.0.1 and hosts endpoints as local processes. Point any AWS SDK or the AWS CLI at the printed
AWS_ENDPOINT_URL. Ctrl-C (SIGINT), SIGTERM or SIGHUP stops it and every model process (SIGTERM, then
SIGKILL after 5 s, as DeleteEndpoint), prints one line and exits 128 + the signal's number (130 for
Ctrl-C, 143 for SIGTERM); a second Ctrl-C kills the model processes at once. Model processes left by an
emulator that was killed (SIGKILL) on the same state directory are stopped when it starts.

It also runs the stack's triggers: the EventBridge rules of the synthesized stack match the
emulator's events and start their targets, and its EventBridge Scheduler schedules fire on this
machine's clock; the state machines run in the local runner. Failed deliveries go to
<state-dir>/triggers/dead-letters.jsonl.

Options:
  --port N              TCP port (0 = any free port)                  default 4566
  --state-dir DIR       where objects, resources, logs and events live default .smwf/local
  --images FILE         JSON {"images": {"<uri or glob>": {"command": [...], "env": {...}}}};
                        "isolation": "namespaces" runs a command in namespaces of
                        its own (Linux, root): port 8080, /opt/ml/model, its own /tmp
  --startup-timeout S   /ping window when a variant sets none            default 60
  --multi-model-capacity N
                        models one multi-model container keeps loaded before
                        it unloads the least recently used one            default 100
  --no-triggers         serve the emulator only: no rules, no schedules
  -h, --help            show this help
`;

/** `smwf local start`: serves until SIGINT, SIGTERM or SIGHUP, then stops every model process and exits 128 + n. */
export async function localStart(args: string[]): Promise<number> {
  const values = parseOptions(args, {
    port: { type: 'string' },
    'state-dir': { type: 'string' },
    images: { type: 'string' },
    'startup-timeout': { type: 'string' },
    'multi-model-capacity': { type: 'string' },
    'no-triggers': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(localStartHelp);
    return 0;
  }
  const port = intOption('port', values.port, 4566, 0, 65535);
  const startupTimeoutSeconds = intOption('startup-timeout', values['startup-timeout'], 60, 1, 3600);
  const multiModelCapacity = intOption('multi-model-capacity', values['multi-model-capacity'], 100, 1, 100_000);
  const images = values.images === undefined ? undefined : resolve(values.images);
  if (images !== undefined && !existsSync(images)) throw new UsageError(`--images file not found: ${values.images}`);
  const stateDir = resolve(values['state-dir'] ?? '.smwf/local');

  // Taken before the emulator starts (it may host endpoints again at once): whoever stops us from now on (Ctrl-C
  // while the triggers load, a test's SIGTERM) stops everything cleanly.
  const uninstall = exitOnInterrupt({ label: 'smwf local start' });
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  try {
    emulator = await startEmulator({
      port,
      stateDir,
      startupTimeoutSeconds,
      multiModelCapacity,
      instanceTypes: HOSTING_INSTANCE_RESOURCES,
      ...(images ? { images } : {}),
    });
  } catch (err) {
    uninstall();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`port ${port} is already in use (try --port 0)`);
    if (err instanceof SyntaxError || /images/.test((err as Error).message)) {
      throw new UsageError(`invalid --images file: ${(err as Error).message}`);
    }
    throw err;
  }
  console.log(`AWS_ENDPOINT_URL=${emulator.url}`);
  console.error(`smwf local: state in ${stateDir}; Ctrl-C stops the emulator and every model process`);
  if (!values['no-triggers']) {
    try {
      const triggers = await startTriggers(emulator, stateDir);
      stopWhenInterrupted({ stop: () => triggers.stop() });
    } catch (err) {
      await emulator.stop();
      uninstall();
      throw err;
    }
  }
  // Serves until interrupted: the interrupt stops everything and exits.
  return new Promise<number>(() => undefined);
}

/** One line per delivery, as `smwf local start` prints it. */
export function describeDelivery(delivery: Delivery): string {
  const what =
    delivery.trigger === 'schedule'
      ? `schedule ${delivery.name} (${delivery.scheduledTime})`
      : `rule ${delivery.name} (event ${delivery.eventId})`;
  const target = delivery.executionArn ?? delivery.targetArn;
  return delivery.outcome === 'delivered'
    ? `smwf local: ${what} -> ${target}`
    : `smwf local: ${what} -> dead letter after ${delivery.attempts} attempt(s): ${delivery.error}`;
}

/** Loads the synthesized stack and runs its rules and schedules against the emulator, on the real clock. */
async function startTriggers(emulator: Emulator, stateDir: string): Promise<TriggerEngine> {
  const [
    { useLocalEmulator },
    { createLocalRunner },
    { provisionLocalStack },
    { TriggerEngine, EVENT_WAIT_HEARTBEAT_MS },
  ] = await Promise.all([
    import('../../local/runner/local-aws-env.ts'),
    import('../../local/runner/runner.ts'),
    import('../../local/runner/local-stack.ts'),
    import('../../local/triggers/engine.ts'),
  ]);
  useLocalEmulator(emulator.url);
  // The executions the triggers start are recorded where `smwf run --endpoint-url` runs look for them.
  // Its waits end on SageMaker's events through the engine's rules; a lost event falls back within 5 seconds.
  const runner = await createLocalRunner({
    executionRecordsDir: join(stateDir, 'executions'),
    heartbeatTimeMs: EVENT_WAIT_HEARTBEAT_MS,
  });
  await provisionLocalStack(runner.workflows);
  const engine = await TriggerEngine.start({
    runner,
    stateDir,
    subscribe: emulator.onEvents,
    onDelivery: (delivery) => console.error(describeDelivery(delivery)),
  });
  const { rules, schedules } = engine.loaded;
  console.error(
    `smwf local: triggers: ${rules.length} rule(s), ${schedules.length} schedule(s); --no-triggers turns them off`,
  );
  for (const rule of rules) {
    console.error(`  rule ${rule.name} on bus ${rule.eventBusName} -> ${rule.targets.map((t) => t.Arn).join(', ')}`);
  }
  for (const schedule of schedules) {
    console.error(
      `  schedule ${schedule.name} ${schedule.expression} (${schedule.timeZone}) -> ${schedule.target.Arn}`,
    );
  }
  return engine;
}
