import { resolve } from 'node:path';
import { ExecutionNotRedrivableError, type LocalRunner } from '../../local/runner/runner.ts';
import {
  type AwsClients,
  awsRunRegion,
  checkAwsSetup,
  defaultAwsClients,
  describeAwsFailure,
  redriveOnAws,
  stateMachineArnFromStack,
} from '../aws-execution.ts';
import { progressPrinter } from '../render/progress.ts';
import { parseCommand, UsageError } from './args.ts';
import { attemptLocally, report } from './run.ts';
import { workflowNames } from './schema.ts';

/** Help of `smwf redrive`. */
const redriveHelp = `Usage: smwf redrive <execution name|execution ARN> [options]

Redrives a failed, aborted or timed-out execution as Step Functions' RedriveExecution does: it continues from
the state the execution did not finish, with the input that state had; states that succeeded are not run again,
the redriven state's retries count afresh, and a Map redrives only its iterations that did not succeed. An
execution is redrivable for 14 days after it stopped.
Locally the execution is read from the state directory's executions/ (every local run journals its execution
there), so a run another process made (an interrupted 'smwf run', say) can be redriven; an execution whose
process is gone without an end reads as ABORTED. With --aws RedriveExecution is called on AWS and the execution
is followed as 'smwf run --aws' does.
Exits 0 when the redriven execution succeeds, 1 when it fails or cannot be redriven (the reason is printed), 2 on
bad arguments.

Options:
  --endpoint-url URL        use a running emulator (smwf local start) instead of starting one
  --state-dir DIR           the local state directory the execution ran in       default .smwf/local
  --json                    one JSON object per event, then the result
  --aws                     redrive an execution on AWS (give its ARN, or its name and the state machine)
  --workflow NAME           with --aws and a name: the state machine, from the stack's outputs
  --state-machine-arn ARN   with --aws and a name: the state machine
  --stack NAME              with --aws: stack whose outputs name it               default SageMakerWorkflows
  --region REGION           with --aws: AWS region       default: the ARN's, else AWS_REGION or the profile's
  -h, --help                show this help

State machines: ${workflowNames()}
`;

const EXECUTION_ARN = /^arn:aws[a-z-]*:states:([a-z0-9-]+):\d{12}:execution:[^:]+:[^:]+$/;

/** The local execution a name or ARN means: an ARN as it is; a name when exactly one journaled execution has it. */
function localExecutionArn(runner: LocalRunner, nameOrArn: string): string {
  if (nameOrArn.startsWith('arn:')) return nameOrArn;
  const named = runner.listExecutions().filter((execution) => execution.name === nameOrArn);
  if (named.length === 0) {
    throw new Error(`no local execution is named ${nameOrArn} in this state directory (smwf run journals them there)`);
  }
  if (named.length > 1) {
    throw new UsageError(
      `${named.length} local executions are named ${nameOrArn} (${named.map((e) => e.workflow).join(', ')}); give the execution ARN`,
    );
  }
  return (named[0] as { executionArn: string }).executionArn;
}

/** `smwf redrive <execution>`. */
export async function redrive(
  args: string[],
  aws: (region?: string) => AwsClients = defaultAwsClients,
): Promise<number> {
  const { values, positionals } = parseCommand(args, {
    'endpoint-url': { type: 'string' },
    'state-dir': { type: 'string' },
    json: { type: 'boolean' },
    aws: { type: 'boolean' },
    workflow: { type: 'string' },
    'state-machine-arn': { type: 'string' },
    stack: { type: 'string' },
    region: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(redriveHelp);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('give one execution: its name or its ARN');
  const execution = positionals[0] as string;
  const json = values.json === true;
  if (!values.aws && (values.workflow || values['state-machine-arn'] || values.stack || values.region)) {
    throw new UsageError('--workflow, --state-machine-arn, --stack and --region go with --aws');
  }
  if (values.aws && (values['endpoint-url'] || values['state-dir'])) {
    throw new UsageError('--endpoint-url and --state-dir are for local executions, not --aws');
  }

  if (values.aws) {
    const arnRegion = EXECUTION_ARN.exec(execution)?.[1];
    if (execution.startsWith('arn:') && arnRegion === undefined) {
      throw new UsageError(
        `'${execution}' is not an execution ARN (arn:aws:states:REGION:ACCOUNT:execution:STATE_MACHINE:NAME)`,
      );
    }
    if (arnRegion === undefined && !values.workflow && !values['state-machine-arn']) {
      throw new UsageError('with --aws, give the execution ARN, or its name with --workflow or --state-machine-arn');
    }
    const clients = aws(
      arnRegion ?? awsRunRegion({ region: values.region, stateMachineArn: values['state-machine-arn'] }),
    );
    const region = await checkAwsSetup(clients);
    const printer = progressPrinter({
      json,
      color: !json && process.stderr.isTTY === true,
      write: (line) => (json ? console.log(line) : console.error(line)),
    });
    try {
      let executionArn = execution;
      if (arnRegion === undefined) {
        const stateMachineArn =
          values['state-machine-arn'] ??
          (await stateMachineArnFromStack(
            clients,
            values.stack ?? 'SageMakerWorkflows',
            values.workflow as string,
            region,
          ));
        executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${execution}`;
      }
      console.error(`redriving ${executionArn}`);
      return report(await redriveOnAws(clients, executionArn, { onEvent: printer }), json);
    } catch (error) {
      throw describeAwsFailure(error, region);
    }
  }

  try {
    const result = await attemptLocally(
      {
        stateDir: resolve(values['state-dir'] ?? '.smwf/local'),
        json,
        label: 'smwf redrive',
        ...(values['endpoint-url'] ? { endpointUrl: values['endpoint-url'] } : {}),
      },
      (runner, onEvent) => {
        const executionArn = localExecutionArn(runner, execution);
        console.error(`redriving ${executionArn}`);
        return runner.redrive(executionArn, { onEvent });
      },
    );
    return report(result, json);
  } catch (error) {
    if (error instanceof ExecutionNotRedrivableError) throw new Error(`cannot redrive ${execution}: ${error.message}`);
    throw error;
  }
}
