import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { LAMBDA_PLACEHOLDERS, type RunnerFunction, substitutionKey } from '../../shared/compile/resources.js';
import type { DeployedTaskGroup } from '../loadDeployment.js';

export interface TaskGroupStateMachineProps {
  deployed: DeployedTaskGroup;
  runners: Record<RunnerFunction, IFunction>;
  logRetention: RetentionDays;
}

/**
 * One TaskGroup's state machine: the compiler's definition, unchanged, with each runner
 * placeholder (`${ExecHostFunctionArn}`) substituted by CloudFormation with the function's ARN.
 * Execution logs carry no execution data (payloads hold run ids only, but logs must never become
 * a place where values could leak); X-Ray tracing is on; the run timeout is the definition's.
 */
export class TaskGroupStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: TaskGroupStateMachineProps) {
    super(scope, id);
    const { deployed, runners } = props;
    const logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: `stepfleet TaskGroup ${deployed.group.name}: invokes the runner functions`,
    });
    const fns = Object.keys(LAMBDA_PLACEHOLDERS) as RunnerFunction[];
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: fns.map((fn) => runners[fn].functionArn),
      }),
    );
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: `stepfleet TaskGroup ${deployed.group.name} (${deployed.source})`,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(JSON.stringify(deployed.compiled.definition)),
      definitionSubstitutions: Object.fromEntries(
        fns.map((fn) => [substitutionKey(fn), runners[fn].functionArn]),
      ),
      role,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Added by CDK for execution logging and X-Ray: logs:CreateLogDelivery/GetLogDelivery/… and xray:PutTraceSegments/PutTelemetryRecords/GetSampling* accept no resource-level scoping.',
    });
  }
}
