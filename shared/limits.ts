/**
 * Every AWS limit stepfleet designs around, in one place, each with the page that states it.
 * The compiler, the planner, the executors and the tests import these; no other module spells
 * a limit as a literal.
 */
export const AWS_LIMITS = {
  /** Largest input or output of a state, execution input included. */
  statePayloadBytes: 256 * 1024,
  /** Events in one Standard workflow execution's history; past it the execution fails. */
  historyEvents: 25_000,
  /** Concurrent iterations of an inline Map state. */
  inlineMapConcurrency: 40,
  /** Size of a state machine definition. */
  definitionBytes: 1024 * 1024,
  /** Length of a state name. */
  stateNameLength: 80,
  /** Longest a Standard workflow execution can run. */
  executionSeconds: 365 * 24 * 3600,
  /** Longest one Lambda invocation can run. */
  lambdaTimeoutSeconds: 900,
  /** Largest synchronous Lambda invocation payload (request or response). */
  lambdaPayloadBytes: 6 * 1024 * 1024,
  /** Largest DynamoDB item. */
  dynamoItemBytes: 400 * 1024,
  /** SSM SendCommand: instance ids per call. */
  ssmInstanceIdsPerCall: 50,
  /** SSM GetCommandInvocation: characters of stdout kept. */
  ssmStdoutChars: 24_000,
  /** SSM GetCommandInvocation: characters of stderr kept. */
  ssmStderrChars: 8_000,
  /** SSM SendCommand `TimeoutSeconds` (time to deliver and start the command): smallest value. */
  ssmDeliveryTimeoutMinSeconds: 30,
  /** SSM SendCommand `TimeoutSeconds`: largest value (30 days). */
  ssmDeliveryTimeoutMaxSeconds: 2_592_000,
  /**
   * `aws:runShellScript` `timeoutSeconds` (the document's `executionTimeout`): the largest value
   * AWS's own `AWS-RunShellScript` document accepts (48 h); stepfleet's document uses the same bound.
   */
  ssmExecutionTimeoutMaxSeconds: 172_800,
} as const;

/** Where each limit is documented. */
export const AWS_LIMIT_SOURCES: Record<keyof typeof AWS_LIMITS, string> = {
  statePayloadBytes:
    'https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html#service-limits-task-executions',
  historyEvents:
    'https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html#service-limits-state-machine-executions',
  inlineMapConcurrency: 'https://docs.aws.amazon.com/step-functions/latest/dg/state-map-inline.html',
  definitionBytes:
    'https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html#service-limits-state-machines',
  stateNameLength:
    'https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html#service-limits-state-machines',
  executionSeconds:
    'https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html#service-limits-state-machine-executions',
  lambdaTimeoutSeconds: 'https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html',
  lambdaPayloadBytes: 'https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html',
  dynamoItemBytes:
    'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-items',
  ssmInstanceIdsPerCall:
    'https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html',
  ssmStdoutChars:
    'https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetCommandInvocation.html',
  ssmStderrChars:
    'https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetCommandInvocation.html',
  ssmDeliveryTimeoutMinSeconds:
    'https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html',
  ssmDeliveryTimeoutMaxSeconds:
    'https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html',
  ssmExecutionTimeoutMaxSeconds:
    'https://docs.aws.amazon.com/systems-manager/latest/userguide/documents-command-ssm-plugin-reference.html#aws-runShellScript',
};

/** stepfleet's own bounds, chosen to stay inside the AWS limits above. */
export const STEPFLEET_LIMITS = {
  /** Hosts one exec-host invocation runs at once at most (one SSH connection each). */
  hostsPerInvocation: 256,
  /** Fraction of a limit at which `plan` starts warning. */
  warnAtFraction: 0.8,
  /** Time an exec-host invocation keeps in reserve before its Lambda timeout to store results. */
  invocationReserveSeconds: 30,
  /** Bytes of an `http` task's response body kept for its `body` export (outputs live in DynamoDB items). */
  httpBodyExportBytes: 32 * 1024,
  /** Bytes of an `http` task's response body read at most (for `extract`); a larger body fails the task. */
  httpBodyReadBytes: 1024 * 1024,
} as const;
