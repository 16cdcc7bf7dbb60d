/**
 * Inference component copies without processes, for the in-process doubles: a copy "comes up" after the script's
 * provisioning time on the double's clock, or fails its ping health check when the script says so (by default, when
 * its environment asks the example containers to exit at start, SMWF_EXAMPLE_FAULT=exit-on-start, as a real copy of
 * them would); invocations get the script's answer for the component's model (or the component's name). Placement,
 * statuses, rolling updates, rollback and routing are the emulator's own ComponentHosting.
 */
import type { ComponentCopy, CopyLauncher, CopySpec } from '../hosting/component-copies.ts';
import { CopyStartError } from '../hosting/component-copies.ts';
import type { ContainerRequest, ContainerResponse } from '../hosting/container.ts';
import type { ManualClock } from './manual-clock.ts';
import type { FleetScript, ScriptedInvocation } from './scripted-fleets.ts';

/** True when a copy of `spec` fails its ping in the script's default: the example containers' exit-at-start fault. */
function exitsAtStart(spec: CopySpec): boolean {
  return spec.environment.SMWF_EXAMPLE_FAULT === 'exit-on-start';
}

/** The launcher of scripted copies, on the double's clock. */
export class ScriptedCopies implements CopyLauncher {
  constructor(
    private readonly clock: ManualClock,
    private readonly script: FleetScript,
    private readonly invocations: ScriptedInvocation[],
  ) {}

  async start(spec: CopySpec, _copyNumber: number, signal: AbortSignal): Promise<ComponentCopy> {
    await this.clock.sleep(this.script.provisioningSeconds * 1000, signal);
    if (signal.aborted) throw new CopyStartError('was not started: its deployment was cancelled');
    if ((this.script.failingCopies ?? exitsAtStart)(spec)) {
      throw new CopyStartError('did not pass the ping health check');
    }
    const model = spec.modelName ?? spec.componentName;
    const { script, invocations } = this;
    return {
      spec,
      outstanding: 0,
      async invoke(request: ContainerRequest): Promise<ContainerResponse> {
        invocations.push({ endpoint: spec.endpointName, model, component: spec.componentName });
        const answer = script.answers(model, request.body.toString('utf8'), request.headers);
        return {
          status: answer.status,
          headers: { 'content-type': answer.contentType ?? 'application/json' },
          body: Buffer.from(answer.body),
        };
      },
      async stop() {},
    };
  }

  async release(): Promise<void> {}
}
