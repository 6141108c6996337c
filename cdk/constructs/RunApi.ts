import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface RunApiProps {
  handlers: { start: IFunction; get: IFunction; list: IFunction; cancel: IFunction };
  throttle: { rateLimit: number; burstLimit: number };
  logRetention: RetentionDays;
}

/** Stage name of the API (part of every URL). */
export const API_STAGE = 'v1';

/** JSON Schema (draft 4, as API Gateway validates) of the `POST /runs` body; the handler checks again. */
const START_RUN_SCHEMA: apigw.JsonSchema = {
  schema: apigw.JsonSchemaVersion.DRAFT4,
  title: 'StartRun',
  type: apigw.JsonSchemaType.OBJECT,
  required: ['taskGroup'],
  additionalProperties: false,
  properties: {
    taskGroup: { type: apigw.JsonSchemaType.STRING, minLength: 1, maxLength: 63 },
    inputs: {
      type: apigw.JsonSchemaType.OBJECT,
      additionalProperties: {
        type: [apigw.JsonSchemaType.STRING, apigw.JsonSchemaType.NUMBER, apigw.JsonSchemaType.BOOLEAN],
      },
    },
    targets: {
      type: apigw.JsonSchemaType.ARRAY,
      maxItems: 100,
      items: { type: apigw.JsonSchemaType.STRING, minLength: 1, maxLength: 256 },
    },
    idempotencyKey: { type: apigw.JsonSchemaType.STRING, pattern: '^[A-Za-z0-9._:-]{1,128}$' },
  },
};

/**
 * The run API (DESIGN §6): REST, every method IAM-authorized (SigV4), requests validated,
 * throttled, and every request written to the access log.
 */
export class RunApi extends Construct {
  readonly api: apigw.RestApi;

  constructor(scope: Construct, id: string, props: RunApiProps) {
    super(scope, id);
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.api = new apigw.RestApi(this, 'Api', {
      description: 'stepfleet run API: start, list, show and cancel runs',
      endpointConfiguration: { types: [apigw.EndpointType.REGIONAL] },
      cloudWatchRole: false,
      defaultMethodOptions: { authorizationType: apigw.AuthorizationType.IAM },
      deployOptions: {
        stageName: API_STAGE,
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields({
          caller: true,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: true,
        }),
        throttlingRateLimit: props.throttle.rateLimit,
        throttlingBurstLimit: props.throttle.burstLimit,
        tracingEnabled: true,
        metricsEnabled: true,
      },
    });
    const api = this.api;
    for (const [name, type] of [
      ['BadBody', apigw.ResponseType.BAD_REQUEST_BODY],
      ['BadParameters', apigw.ResponseType.BAD_REQUEST_PARAMETERS],
    ] as const) {
      api.addGatewayResponse(name, {
        type,
        statusCode: '400',
        templates: {
          'application/json':
            '{"error":$context.error.messageString,"details":[{"code":"INVALID_REQUEST","message":"$context.error.validationErrorString"}]}',
        },
      });
    }
    const bodyValidator = api.addRequestValidator('BodyValidator', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const parameterValidator = api.addRequestValidator('ParameterValidator', {
      validateRequestParameters: true,
    });
    const model = api.addModel('StartRunModel', {
      contentType: 'application/json',
      modelName: 'StartRun',
      schema: START_RUN_SCHEMA,
    });
    const integration = (fn: IFunction) => new apigw.LambdaIntegration(fn, { allowTestInvoke: false });

    const runs = api.root.addResource('runs');
    runs.addMethod('POST', integration(props.handlers.start), {
      requestValidator: bodyValidator,
      requestModels: { 'application/json': model },
    });
    runs.addMethod('GET', integration(props.handlers.list), {
      requestValidator: parameterValidator,
      requestParameters: {
        'method.request.querystring.taskGroup': false,
        'method.request.querystring.limit': false,
        'method.request.querystring.cursor': false,
      },
    });
    const run = runs.addResource('{id}');
    run.addMethod('GET', integration(props.handlers.get), {
      requestValidator: parameterValidator,
      requestParameters: { 'method.request.path.id': true },
    });
    run.addResource('cancel').addMethod('POST', integration(props.handlers.cancel), {
      requestValidator: parameterValidator,
      requestParameters: { 'method.request.path.id': true },
    });

    Validations.of(api).acknowledge(
      {
        id: 'AwsSolutions-APIG3',
        reason:
          'Every method requires SigV4-signed IAM credentials and the stage is throttled; a WAF web ACL adds cost without covering a threat IAM auth leaves open. Attach one to the stage if your organisation requires it.',
      },
      {
        id: 'AwsSolutions-APIG6',
        reason:
          'Execution logging needs the account-wide API Gateway CloudWatch role (AWS::ApiGateway::Account), which one stack must not take over; the access log (APIG1) records every request.',
      },
      {
        id: 'AwsSolutions-COG4',
        reason: 'The API is authorized with IAM (SigV4) on every method by design (DESIGN §6), not Cognito.',
      },
    );
  }

  /** The API's base URL (`https://…/v1/`). */
  get url(): string {
    return this.api.url;
  }
}
