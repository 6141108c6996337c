// Stands in, in the CLI bundle only, for modules the local engine imports but a local run never
// uses (see scripts/build.ts): any use is a bug, reported as such.

function unavailable(what: string): never {
  throw new Error(`${what} is not available in a local run: every Task state runs in-process`);
}

/** In place of `@aws-sdk/client-lambda`'s client. */
export class LambdaClient {
  constructor() {
    unavailable('the AWS Lambda client');
  }
}

/** In place of `@aws-sdk/client-lambda`'s command. */
export const InvokeCommand = LambdaClient;

/** In place of `@aws-sdk/credential-providers`' Cognito provider. */
export function fromCognitoIdentityPool(): never {
  return unavailable('Cognito credentials');
}

/** In place of `asl-validator`. */
export default function validateDefinition(): never {
  return unavailable('the ASL validator (definitions are validated when compiled)');
}
