import { Arn, ArnFormat, CfnOutput, type Duration, Fn, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { WORKFLOW_TAG_KEY } from '../../contracts/resource-tags.ts';
import { acknowledgeWildcard, nagForm } from '../nag.ts';

/** Props of WorkflowStateMachine. */
interface WorkflowStateMachineProps {
  /** Builds the definition; its states are created in a scope of their own. */
  readonly definition: (scope: Construct) => sfn.IChainable;
  /** The longest an execution may run. */
  readonly timeout: Duration;
  /** The task functions the definition invokes. */
  readonly taskFunctions: readonly IFunction[];
  /** How long execution logs are kept. @default three months */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * One workflow as a Standard state machine with every execution event logged (ALL, with data) and X-Ray
 * tracing, tagged with its workflow's name (`id`), and a `<Workflow>StateMachineArn` stack output that
 * `smwf run --aws` reads.
 */
export class WorkflowStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;
  /** The names of the definition's top-level states (those reachable from its start, error handlers included). */
  readonly stateNames: ReadonlySet<string>;

  constructor(scope: Construct, id: string, props: WorkflowStateMachineProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/vendedlogs/states/${stack.stackName}-${id}`,
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const definition = props.definition(new Construct(this, 'States'));
    this.stateNames = new Set(
      sfn.State.findReachableStates(definition.startState, { includeErrorHandlers: true }).map((s) => s.stateId),
    );
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: props.timeout,
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    Tags.of(this.stateMachine).add(WORKFLOW_TAG_KEY, id);
    acknowledgeWildcard(
      this.stateMachine.role,
      '*',
      'X-Ray trace writes and CloudWatch Logs delivery support no resource-level permissions',
    );
    for (const fn of props.taskFunctions) {
      acknowledgeWildcard(
        this.stateMachine.role,
        `${nagForm(this, fn.functionArn)}:*`,
        'Step Functions invokes any version or alias of its own task functions',
      );
    }
    // A Distributed Map (the load-test steps' for many workers) runs its iterations as child executions of this
    // state machine, whose names Step Functions chooses: CDK grants them on the execution ARNs below it.
    const distributedMapPolicy = this.stateMachine.node.tryFindChild('DistributedMapPolicy');
    if (distributedMapPolicy !== undefined) {
      const executions = Arn.format(
        {
          service: 'states',
          resource: 'execution',
          resourceName: Fn.select(6, Fn.split(':', this.stateMachine.stateMachineArn)),
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        },
        stack,
      );
      for (const children of [':*', '/*:*']) {
        acknowledgeWildcard(
          distributedMapPolicy,
          `${nagForm(this, executions)}${children}`,
          "A Distributed Map's child executions are named by Step Functions at run time; the grant covers this state machine's only",
        );
      }
    }
    new CfnOutput(stack, `${id}StateMachineArn`, { value: this.stateMachine.stateMachineArn });
  }
}
