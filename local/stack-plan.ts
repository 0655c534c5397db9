import { App, type CfnResource, type Stack } from 'aws-cdk-lib';
import {
  createStacks,
  type DeploymentSettings,
  FUNCTION_ENTRIES,
  type FunctionKey,
  type StatelessStack,
} from '../cdk/stacks.js';
import type { EventRule } from './event-bus/server.js';
import { type CloudFormationTemplate, type TableDefinition, tableDefinitions } from './template.js';

/**
 * What the local stack runs, read from the synthesized CDK app (bundling skipped), so local tables,
 * stream settings, filters, rules, routes and function settings are the ones that deploy.
 */
export interface LocalFunction {
  key: FunctionKey;
  logicalId: string;
  /** The entry file, relative to the repository root. */
  entry: string;
  /** The function's environment as deployed, with references resolved to local names. */
  environment: Record<string, string | LocalSecretReference>;
  /** Its reserved concurrency, when the template sets one. */
  reservedConcurrency: number | undefined;
  /** Its timeout in seconds, as deployed. */
  timeoutSeconds: number;
}

/** An environment value that names a Secrets Manager secret; the local stack supplies a value. */
export interface LocalSecretReference {
  secretLogicalId: string;
}

export interface LocalRoute {
  /** API Gateway resource path, e.g. `/internal/attempts/{attemptCode}`. */
  resource: string;
  methods: string[];
  functionKey: FunctionKey;
}

export interface LocalStreamMapping {
  functionKey: FunctionKey;
  /** The local name of the table whose stream feeds the function. */
  tableName: string;
  /** The `AWS::Lambda::EventSourceMapping` properties as synthesized. */
  properties: Record<string, unknown>;
}

/** An EventBridge Scheduler schedule that invokes one of the functions. */
export interface LocalSchedule {
  functionKey: FunctionKey;
  /** As deployed, e.g. `rate(5 minutes)`; the local stack runs its own interval. */
  expression: string;
}

export interface LocalPlan {
  /** Each table with its local name (its logical id). */
  tables: TableDefinition[];
  buses: string[];
  rules: EventRule[];
  functions: Record<FunctionKey, LocalFunction>;
  routes: LocalRoute[];
  streamMappings: LocalStreamMapping[];
  schedules: LocalSchedule[];
}

export class LocalPlanError extends Error {
  override readonly name = 'LocalPlanError';
}

type Resources = NonNullable<CloudFormationTemplate['Resources']>;
type Template = CloudFormationTemplate & {
  Outputs?: Record<string, { Value: unknown; Export?: { Name?: unknown } }>;
};

interface SynthesizedStack {
  template: Template;
  resources: Resources;
}

/** Resolves the intrinsic functions the templates use into local values. */
class Resolver {
  private readonly exports = new Map<string, { value: unknown; stack: SynthesizedStack }>();

  constructor(private readonly stacks: SynthesizedStack[]) {
    for (const stack of stacks) {
      for (const output of Object.values(stack.template.Outputs ?? {})) {
        const name = output.Export?.Name;
        if (typeof name === 'string') this.exports.set(name, { value: output.Value, stack });
      }
    }
  }

  /** The stack that defines a logical id. */
  owner(logicalId: string): SynthesizedStack {
    const stack = this.stacks.find((candidate) => candidate.resources[logicalId]);
    if (!stack) throw new LocalPlanError(`No resource ${logicalId} in the synthesized templates`);
    return stack;
  }

  /** Follows `Fn::ImportValue` to the value the exporting stack gave. */
  follow(value: unknown, stack: SynthesizedStack): { value: unknown; stack: SynthesizedStack } {
    const imported = (value as { 'Fn::ImportValue'?: unknown } | null)?.['Fn::ImportValue'];
    if (typeof imported !== 'string') return { value, stack };
    const exported = this.exports.get(imported);
    if (!exported) throw new LocalPlanError(`No stack exports ${imported}`);
    return this.follow(exported.value, exported.stack);
  }

  /** The logical id a `Ref` or `Fn::GetAtt` points at (across stacks), and the attribute. */
  target(
    value: unknown,
    stack: SynthesizedStack,
  ): { logicalId: string; attribute?: string } | undefined {
    const followed = this.follow(value, stack).value as Record<string, unknown> | null;
    if (typeof followed?.Ref === 'string') return { logicalId: followed.Ref };
    const getAtt = followed?.['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') {
      return { logicalId: getAtt[0], attribute: String(getAtt[1]) };
    }
    return undefined;
  }

  /** An environment value as the function would see it locally. */
  environmentValue(value: unknown, stack: SynthesizedStack): string | LocalSecretReference {
    if (typeof value === 'string') return value;
    const target = this.target(value, stack);
    if (!target || target.attribute) {
      throw new LocalPlanError(
        `Cannot run locally with the environment value ${JSON.stringify(value)}`,
      );
    }
    const resource = this.owner(target.logicalId).resources[target.logicalId];
    switch (resource?.Type) {
      case 'AWS::DynamoDB::Table':
      case 'AWS::DynamoDB::GlobalTable':
        return target.logicalId;
      case 'AWS::Events::EventBus':
        return busName(target.logicalId, resource);
      case 'AWS::SecretsManager::Secret':
        return { secretLogicalId: target.logicalId };
      default:
        throw new LocalPlanError(`Cannot run ${resource?.Type} (${target.logicalId}) locally`);
    }
  }
}

function busName(logicalId: string, resource: Resources[string]): string {
  const name = resource.Properties?.Name;
  return typeof name === 'string' ? name : logicalId;
}

/** The rule's own name, or its construct id (the logical id without CDK's hash suffix). */
function ruleName(logicalId: string, resource: Resources[string]): string {
  const name = resource.Properties?.Name;
  return typeof name === 'string' ? name : logicalId.replace(/[0-9A-F]{8}$/, '');
}

function logicalIdOf(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnResource);
}

/** Resource paths of the REST API, from each resource's `PathPart` and parent chain. */
function resourcePaths(resources: Resources): Map<string, string> {
  const paths = new Map<string, string>();
  const pathOf = (logicalId: string, seen: Set<string>): string => {
    const known = paths.get(logicalId);
    if (known !== undefined) return known;
    if (seen.has(logicalId)) throw new LocalPlanError(`API resource cycle at ${logicalId}`);
    const properties = resources[logicalId]?.Properties ?? {};
    const parent = properties.ParentId as { Ref?: string } | undefined;
    const parentPath = parent?.Ref ? pathOf(parent.Ref, new Set([...seen, logicalId])) : '';
    const path = `${parentPath}/${String(properties.PathPart)}`;
    paths.set(logicalId, path);
    return path;
  };
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type === 'AWS::ApiGateway::Resource') pathOf(logicalId, new Set());
  }
  return paths;
}

/** The function logical id an `AWS_PROXY` integration URI invokes. */
function integratedFunction(uri: unknown): string | undefined {
  const text = JSON.stringify(uri ?? null);
  return /"Fn::GetAtt":\["([^"]+)","Arn"\]/.exec(text)?.[1];
}

/** Each function of the template, with its settings resolved, and its key by logical id. */
function functionsOf(
  stateless: StatelessStack,
  template: SynthesizedStack,
  resolver: Resolver,
): { functions: Record<FunctionKey, LocalFunction>; keyByLogicalId: Map<string, FunctionKey> } {
  const keyByLogicalId = new Map<string, FunctionKey>();
  const functions = {} as Record<FunctionKey, LocalFunction>;
  for (const key of Object.keys(FUNCTION_ENTRIES) as FunctionKey[]) {
    const logicalId = logicalIdOf(stateless, stateless.functions[key]);
    keyByLogicalId.set(logicalId, key);
    const properties = template.resources[logicalId]?.Properties ?? {};
    const variables = ((properties.Environment ?? {}) as { Variables?: Record<string, unknown> })
      .Variables;
    const reserved = properties.ReservedConcurrentExecutions;
    functions[key] = {
      key,
      logicalId,
      entry: FUNCTION_ENTRIES[key],
      // Lambda's default timeout is 3 s.
      timeoutSeconds: Number(properties.Timeout ?? 3),
      environment: Object.fromEntries(
        Object.entries(variables ?? {}).map(([name, value]) => [
          name,
          resolver.environmentValue(value, template),
        ]),
      ),
      reservedConcurrency: typeof reserved === 'number' ? reserved : undefined,
    };
  }
  return { functions, keyByLogicalId };
}

/** What the template wires to the functions, besides the tables. */
type Wiring = Pick<LocalPlan, 'buses' | 'rules' | 'streamMappings' | 'routes' | 'schedules'>;

/** Adds what one resource of a template wires (a bus, a rule, a mapping, a schedule, a route). */
function readWiring(
  wiring: Wiring,
  logicalId: string,
  resource: Resources[string],
  context: {
    stack: SynthesizedStack;
    paths: Map<string, string>;
    resolver: Resolver;
    functionKey: (logicalId: string | undefined, what: string) => FunctionKey;
  },
): void {
  const properties = resource.Properties ?? {};
  switch (resource.Type) {
    case 'AWS::Events::EventBus':
      wiring.buses.push(busName(logicalId, resource));
      break;
    case 'AWS::Events::Rule': {
      const bus = context.resolver.environmentValue(
        properties.EventBusName ?? 'default',
        context.stack,
      );
      if (typeof bus !== 'string') throw new LocalPlanError(`Rule ${logicalId} has no bus`);
      wiring.rules.push({
        name: ruleName(logicalId, resource),
        eventBusName: bus,
        pattern: properties.EventPattern,
      });
      break;
    }
    case 'AWS::Lambda::EventSourceMapping': {
      const source = context.resolver.target(properties.EventSourceArn, context.stack);
      if (source?.attribute !== 'StreamArn') {
        throw new LocalPlanError(
          `Event source mapping ${logicalId} does not read a DynamoDB stream`,
        );
      }
      const fn = context.resolver.target(properties.FunctionName, context.stack);
      wiring.streamMappings.push({
        functionKey: context.functionKey(fn?.logicalId, `Event source mapping ${logicalId}`),
        tableName: source.logicalId,
        properties,
      });
      break;
    }
    case 'AWS::Scheduler::Schedule': {
      const target = properties.Target as { Arn?: unknown } | undefined;
      const fn = context.resolver.target(target?.Arn, context.stack);
      wiring.schedules.push({
        functionKey: context.functionKey(fn?.logicalId, `Schedule ${logicalId}`),
        expression: String(properties.ScheduleExpression),
      });
      break;
    }
    case 'AWS::ApiGateway::Method': {
      const resourceId = properties.ResourceId as { Ref?: string } | undefined;
      const path = resourceId?.Ref ? context.paths.get(resourceId.Ref) : '/';
      const integration = properties.Integration as { Type?: string; Uri?: unknown } | undefined;
      if (path === undefined || integration?.Type !== 'AWS_PROXY') break;
      const key = context.functionKey(
        integratedFunction(integration.Uri),
        `API method ${logicalId}`,
      );
      const method = String(properties.HttpMethod);
      const existing = wiring.routes.find(
        (route) => route.resource === path && route.functionKey === key,
      );
      if (existing) existing.methods.push(method);
      else wiring.routes.push({ resource: path, methods: [method], functionKey: key });
      break;
    }
  }
}

export function planFromStacks(settings: DeploymentSettings): LocalPlan {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const { stateful, stateless } = createStacks(app, settings);
  const assembly = app.synth();
  const load = (stack: Stack): SynthesizedStack => {
    const template = assembly.getStackArtifact(stack.artifactId).template as Template;
    return { template, resources: template.Resources ?? {} };
  };
  const statefulTemplate = load(stateful);
  const statelessTemplate = load(stateless);
  const resolver = new Resolver([statefulTemplate, statelessTemplate]);

  const { functions, keyByLogicalId } = functionsOf(stateless, statelessTemplate, resolver);
  const functionKey = (logicalId: string | undefined, what: string): FunctionKey => {
    const key = logicalId ? keyByLogicalId.get(logicalId) : undefined;
    if (!key)
      throw new LocalPlanError(`${what} targets ${logicalId ?? 'nothing'}, not a known function`);
    return key;
  };

  const all = [statefulTemplate, statelessTemplate];
  const wiring: Wiring = { buses: [], rules: [], streamMappings: [], routes: [], schedules: [] };
  for (const stack of all) {
    const paths = resourcePaths(stack.resources);
    for (const [logicalId, resource] of Object.entries(stack.resources)) {
      readWiring(wiring, logicalId, resource, { stack, paths, resolver, functionKey });
    }
  }

  return {
    tables: all.flatMap((stack) => tableDefinitions(stack.template)),
    functions,
    ...wiring,
  };
}
