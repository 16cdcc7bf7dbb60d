/**
 * A transform job's model servers without processes, for the in-process double: they come up after the script's
 * provisioning time on the double's clock, the job's model is checked and each container's model data downloaded as
 * for model server processes (job-containers.ts), and each container answers every request with the script's
 * answer. What happens around them (records, mini-batches, filters, joins, the outputs written, statuses and events)
 * is the emulator's own TransformJobs. A job whose servers are up is tracked until its servers stop (the job has
 * ended), so that the double answers its next call only then: a job's end happens at a well-defined moment, not when
 * the machine gets to it.
 */
import { jobModelContainers, prepareJobModelDir } from '../batch/job-containers.ts';
import type { ModelServerLauncher } from '../batch/transform-jobs.ts';
import type { SageMakerStore } from '../store/store.ts';
import type { ManualClock } from './manual-clock.ts';
import type { FleetScript } from './scripted-fleets.ts';
import type { ScriptedObjects } from './scripted-objects.ts';

/** The jobs whose model servers are up, until they stop. */
export class RunningJobs {
  private readonly running = new Set<Promise<void>>();

  /** Tracks a job from now; the returned function ends it. */
  begin(): () => void {
    let end: () => void = () => undefined;
    const ended = new Promise<void>((resolve) => {
      end = resolve;
    });
    this.running.add(ended);
    return () => {
      this.running.delete(ended);
      end();
    };
  }

  /** Resolves once every tracked job has ended. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}

/** Starts scripted model servers for the double's transform jobs. */
export function scriptedModelServers(
  store: SageMakerStore,
  objects: ScriptedObjects,
  script: FleetScript,
  clock: ManualClock,
  jobs: RunningJobs,
): ModelServerLauncher {
  return async (record, workDir, signal) => {
    if (script.provisioningSeconds > 0) await clock.sleep(script.provisioningSeconds * 1000, signal);
    const ended = jobs.begin();
    try {
      const specs = jobModelContainers(store, record);
      const pipeline = specs.length > 1;
      for (const spec of specs) await prepareJobModelDir(objects.store, spec, workDir, pipeline);
      return {
        pipeline,
        stages: specs.map((spec) => ({
          hostname: spec.hostname,
          environment: spec.environment,
          invoke: async (request) => {
            const answer = script.answers(record.ModelName, request.body.toString('utf8'), request.headers);
            return {
              status: answer.status,
              headers: { 'content-type': answer.contentType ?? 'application/json' },
              body: Buffer.from(answer.body),
            };
          },
        })),
        executionParameters: async () => undefined,
        stop: async () => ended(),
      };
    } catch (error) {
      ended();
      throw error;
    }
  };
}
