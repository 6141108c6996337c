import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Architecture, type CfnFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DEPLOYMENT_FILE_NAME } from '../../lambdas/runtime/loadDeploymentBundle.js';

/** Where the functions' code lives and how it is built (shared by every function of the stack). */
export interface FunctionBuild {
  /** The project root (package.json, package-lock.json). */
  projectRoot: string;
  /** The deployment bundle JSON, copied into the code of functions that read it. */
  deploymentFile: string;
  logRetention: RetentionDays;
}

export interface StepfleetFunctionProps {
  build: FunctionBuild;
  /** Handler file, relative to the project root (`lambdas/exec-host.ts`). */
  entry: string;
  description: string;
  memorySize: number;
  timeout: Duration;
  environment: Record<string, string>;
  /** Ships the deployment bundle (TaskGroups, inventory) with the code. */
  withDeployment: boolean;
  /** Runs inside these subnets (reaching hosts over SSH). */
  network?: { subnetIds: string[]; securityGroupIds: string[] } | undefined;
}

/**
 * One stepfleet Lambda: Node.js 22 on arm64, bundled by the local esbuild (never Docker), with
 * its own role that starts with nothing but writing to its own log group. Callers grant the rest.
 *
 * ssh2's optional native addons (`cpu-features`, `sshcrypto.node`) stay out of the bundle: ssh2
 * catches their absence and uses its pure-JavaScript crypto, which runs on any architecture.
 */
export class StepfleetFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: LogGroup;
  /** The handler file it is built from, relative to the project root (`lambdas/exec-host.ts`). */
  readonly entry: string;

  constructor(scope: Construct, id: string, props: StepfleetFunctionProps) {
    super(scope, id);
    this.entry = props.entry;
    const { build } = props;
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: build.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `stepfleet ${id}: ${props.description}`,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    const copyDeployment = (outputDir: string): string[] =>
      props.withDeployment ? [`cp "${build.deploymentFile}" "${outputDir}/${DEPLOYMENT_FILE_NAME}"`] : [];

    this.function = new NodejsFunction(this, 'Function', {
      entry: `${build.projectRoot}/${props.entry}`,
      handler: 'handler',
      projectRoot: build.projectRoot,
      depsLockFilePath: `${build.projectRoot}/package-lock.json`,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      description: props.description,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'stepfleet',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...props.environment,
      },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.CJS,
        target: 'node22',
        keepNames: true,
        minify: true,
        // The SDK is bundled (pinned by the lockfile) rather than taken from the runtime.
        externalModules: ['cpu-features', '*.node'],
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir: string, outputDir: string) => copyDeployment(outputDir),
        },
      },
    });

    if (props.network) {
      // Subnets and security groups are given by id (cdk.json); no VPC lookup, so synth stays offline.
      const cfn = this.function.node.defaultChild as CfnFunction;
      cfn.vpcConfig = {
        subnetIds: props.network.subnetIds,
        securityGroupIds: props.network.securityGroupIds,
      };
      const eni = new iam.Policy(this, 'NetworkInterfaces', {
        statements: [
          new iam.PolicyStatement({
            actions: [
              'ec2:CreateNetworkInterface',
              'ec2:DescribeNetworkInterfaces',
              'ec2:DeleteNetworkInterface',
              'ec2:AssignPrivateIpAddresses',
              'ec2:UnassignPrivateIpAddresses',
            ],
            resources: ['*'],
          }),
        ],
      });
      this.role.attachInlinePolicy(eni);
      this.function.node.addDependency(eni);
      Validations.of(eni).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Lambda manages the network interfaces of a VPC function through its role; ec2:Describe/Create/DeleteNetworkInterface support no resource-level scoping (what AWSLambdaVPCAccessExecutionRole grants, inline).',
      });
    }

    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'The runtime is fixed at Node.js 22 by the design contract (DESIGN §7); raise it together with the contract.',
    });
  }

  /** ARN pattern of this stack's region and account for a service (`arn:aws:ssm:eu-west-1:123…:`). */
  static arn(scope: Construct, service: string, resource: string): string {
    const stack = Stack.of(scope);
    return `arn:${stack.partition}:${service}:${stack.region}:${stack.account}:${resource}`;
  }
}

/** Seconds → Duration, for FUNCTION_TIMEOUTS figures. */
export const seconds = (value: number): Duration => Duration.seconds(value);
