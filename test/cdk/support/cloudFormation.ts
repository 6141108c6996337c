/**
 * Just enough of CloudFormation to read a synthesized template the way a deployment would see
 * it: `Ref`, `Fn::GetAtt` and `Fn::Join` resolved against made-up physical ids, and a state
 * machine's `DefinitionString` with its `DefinitionSubstitutions` applied, as Step Functions
 * receives it. Anything else is an error, so a template that needs more fails loudly here.
 */

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

/** A template resource as `Template.toJSON()` gives it. */
export interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
}

/** Physical ids that a test chooses (a dynalite table's name) instead of the made-up ones. */
export type PhysicalIds = Readonly<Record<string, string>>;

const PSEUDO: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': REGION,
  'AWS::AccountId': ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com',
};

/** The ARN a resource of the template would get (what `Fn::GetAtt [id, Arn]` and ARN-`Ref`s give). */
export function fakeArn(logicalId: string, type: string): string {
  switch (type) {
    case 'AWS::Lambda::Function':
      return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${logicalId}`;
    case 'AWS::StepFunctions::StateMachine':
      return `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${logicalId}`;
    case 'AWS::SecretsManager::Secret':
      return `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${logicalId}-AbCdEf`;
    case 'AWS::DynamoDB::Table':
      return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${logicalId}`;
    case 'AWS::Logs::LogGroup':
      return `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${logicalId}:*`;
    default:
      throw new Error(`no made-up ARN for ${type} (${logicalId})`);
  }
}

/** What `Ref` gives for a resource: its ARN for state machines and secrets, else its name. */
function refOf(logicalId: string, type: string, physical: PhysicalIds): string {
  const chosen = physical[logicalId];
  if (chosen !== undefined) return chosen;
  if (type === 'AWS::StepFunctions::StateMachine' || type === 'AWS::SecretsManager::Secret') {
    return fakeArn(logicalId, type);
  }
  return logicalId;
}

/**
 * Resolves the intrinsic functions of `value` against the template's resources.
 *
 * @example resolveIntrinsics({ Ref: 'RunsTable96AAA230' }, resources, { RunsTable96AAA230: 'runs-1' }) // 'runs-1'
 */
export function resolveIntrinsics(
  value: unknown,
  resources: Readonly<Record<string, TemplateResource>>,
  physical: PhysicalIds = {},
): unknown {
  const resolve = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(resolve);
    if (node === null || typeof node !== 'object') return node;
    const entries = Object.entries(node);
    const [key, argument] = entries[0] ?? [];
    if (entries.length === 1 && key === 'Ref') {
      const name = argument as string;
      const pseudo = PSEUDO[name];
      if (pseudo !== undefined) return pseudo;
      const resource = resources[name];
      if (!resource) throw new Error(`Ref to unknown resource ${name}`);
      return refOf(name, resource.Type, physical);
    }
    if (entries.length === 1 && key === 'Fn::GetAtt') {
      const [id, attribute] = argument as [string, string];
      const resource = resources[id];
      if (!resource || attribute !== 'Arn') throw new Error(`cannot resolve Fn::GetAtt ${id}.${attribute}`);
      return fakeArn(id, resource.Type);
    }
    if (entries.length === 1 && key === 'Fn::Join') {
      const [separator, parts] = argument as [string, unknown[]];
      return parts.map((part) => String(resolve(part))).join(separator);
    }
    if (entries.length === 1 && key?.startsWith('Fn::')) throw new Error(`unsupported intrinsic ${key}`);
    return Object.fromEntries(entries.map(([k, v]) => [k, resolve(v)]));
  };
  return resolve(value);
}

/**
 * The definition Step Functions would run for a state machine resource: `DefinitionString`
 * resolved, then each `${key}` of `DefinitionSubstitutions` replaced by its resolved value.
 */
export function deployedDefinition(
  machine: TemplateResource,
  resources: Readonly<Record<string, TemplateResource>>,
  physical: PhysicalIds = {},
): Record<string, unknown> {
  const props = machine.Properties ?? {};
  let text = String(resolveIntrinsics(props.DefinitionString, resources, physical));
  const substitutions = resolveIntrinsics(props.DefinitionSubstitutions ?? {}, resources, physical) as Record<
    string,
    string
  >;
  for (const [key, replacement] of Object.entries(substitutions)) {
    text = text.split(`\${${key}}`).join(replacement);
  }
  if (text.includes('${')) throw new Error(`definition keeps an unsubstituted placeholder: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** Every `Task` state of a definition with its `Resource`, by state name (nested states included). */
export function taskStatesOf(definition: unknown): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const states = (node as { States?: Record<string, { Type?: string; Resource?: string }> }).States;
    for (const [name, state] of Object.entries(states ?? {})) {
      if (state.Type === 'Task') {
        if (found.has(name)) throw new Error(`Task state name ${name} is used twice`);
        found.set(name, String(state.Resource));
      }
    }
    for (const child of Object.values(node)) walk(child);
  };
  walk(definition);
  return found;
}

/**
 * Whether an IAM policy resource pattern (`*` any run of characters, `?` one character) covers `arn`.
 */
export function iamResourceMatches(pattern: string, arn: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(arn);
}
