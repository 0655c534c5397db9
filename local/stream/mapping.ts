/**
 * The settings of a Lambda event source mapping for a DynamoDB stream, as the runner emulates them:
 * read from a synthesized template's `AWS::Lambda::EventSourceMapping`, completed with the service
 * defaults and checked against the ranges the service enforces.
 */
import { compilePattern, type EventMatcher } from '../event-bus/pattern.js';

export type StartingPosition = 'TRIM_HORIZON' | 'LATEST';

/** The settings of an `AWS::Lambda::EventSourceMapping` that the runner emulates. */
export interface StreamMapping {
  /** 1 to 10,000; 100 by default. */
  batchSize: number;
  startingPosition: StartingPosition;
  /** `FilterCriteria.Filters[].Pattern`: EventBridge patterns, ORed; none means every record. */
  filterPatterns: readonly unknown[];
  bisectBatchOnFunctionError: boolean;
  /** -1 (the default) retries until the record ages out; 0 to 10,000 otherwise. */
  maximumRetryAttempts: number;
  /** -1 (the default) never ages records out; up to 604,800 otherwise. */
  maximumRecordAgeInSeconds: number;
  /** `FunctionResponseTypes` includes `ReportBatchItemFailures`. */
  reportBatchItemFailures: boolean;
  /** The on-failure destination in AWS; locally discarded batches always go to the dead letters. */
  onFailureDestination?: string | undefined;
  /** Batches of one shard in flight at once, 1 to 10; 1 by default. */
  parallelizationFactor: number;
  /** How long records may wait for a batch to fill, 0 to 300 s; 0 by default. */
  maximumBatchingWindowInSeconds: number;
}

export type StreamMappingInput = Partial<StreamMapping> & Pick<StreamMapping, 'startingPosition'>;

export class StreamMappingError extends Error {
  override readonly name = 'StreamMappingError';
}

const MAPPING_DEFAULTS = {
  batchSize: 100,
  filterPatterns: [],
  bisectBatchOnFunctionError: false,
  maximumRetryAttempts: -1,
  maximumRecordAgeInSeconds: -1,
  reportBatchItemFailures: false,
  parallelizationFactor: 1,
  maximumBatchingWindowInSeconds: 0,
} satisfies Omit<StreamMapping, 'startingPosition'>;

function checkRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new StreamMappingError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
}

/** Fills in the service defaults and checks the ranges the service enforces. */
export function normalizeMapping(input: StreamMappingInput): StreamMapping {
  const mapping: StreamMapping = {
    ...MAPPING_DEFAULTS,
    ...stripUndefined(input),
    startingPosition: input.startingPosition,
  };
  checkRange('BatchSize', mapping.batchSize, 1, 10_000);
  checkRange('MaximumRetryAttempts', mapping.maximumRetryAttempts, -1, 10_000);
  checkRange('MaximumRecordAgeInSeconds', mapping.maximumRecordAgeInSeconds, -1, 604_800);
  checkRange('ParallelizationFactor', mapping.parallelizationFactor, 1, 10);
  checkRange('MaximumBatchingWindowInSeconds', mapping.maximumBatchingWindowInSeconds, 0, 300);
  if (mapping.startingPosition !== 'TRIM_HORIZON' && mapping.startingPosition !== 'LATEST') {
    throw new StreamMappingError(
      `StartingPosition must be TRIM_HORIZON or LATEST for a DynamoDB stream, got ${String(mapping.startingPosition)}`,
    );
  }
  compileFilters(mapping.filterPatterns);
  return mapping;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, field]) => field !== undefined),
  ) as Partial<T>;
}

/**
 * Compiles `FilterCriteria.Filters[].Pattern`.
 *
 * @throws {@link StreamMappingError} naming the filter whose pattern EventBridge would refuse.
 */
export function compileFilters(patterns: readonly unknown[]): EventMatcher[] {
  return patterns.map((pattern, index) => {
    try {
      return compilePattern(pattern);
    } catch (error) {
      throw new StreamMappingError(
        `FilterCriteria.Filters[${index}].Pattern: ${(error as Error).message}`,
      );
    }
  });
}

/** CloudFormation accepts numbers and booleans as strings too. */
function templateNumber(properties: Record<string, unknown>, name: string): number | undefined {
  const value = properties[name];
  if (value === undefined) return undefined;
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number)) {
    throw new StreamMappingError(`${name} must be a number, got ${JSON.stringify(value)}`);
  }
  return number;
}

function templateBoolean(properties: Record<string, unknown>, name: string): boolean | undefined {
  const value = properties[name];
  if (value === undefined) return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new StreamMappingError(`${name} must be true or false, got ${JSON.stringify(value)}`);
}

/**
 * Reads the properties of an `AWS::Lambda::EventSourceMapping` from a synthesized template.
 * Properties the runner does not emulate (see the module comment) are ignored.
 *
 * @throws {@link StreamMappingError} when a property has a value the service would refuse.
 */
export function mappingFromTemplate(properties: Record<string, unknown>): StreamMapping {
  const filterCriteria = properties.FilterCriteria as { Filters?: unknown } | undefined;
  const filters = filterCriteria?.Filters ?? [];
  if (!Array.isArray(filters)) {
    throw new StreamMappingError('FilterCriteria.Filters must be a list');
  }
  const responseTypes = properties.FunctionResponseTypes ?? [];
  if (!Array.isArray(responseTypes)) {
    throw new StreamMappingError('FunctionResponseTypes must be a list');
  }
  const destination = (properties.DestinationConfig as { OnFailure?: { Destination?: unknown } })
    ?.OnFailure?.Destination;
  return normalizeMapping({
    startingPosition: properties.StartingPosition as StartingPosition,
    batchSize: templateNumber(properties, 'BatchSize'),
    filterPatterns: filters.map((filter: { Pattern?: unknown } | null) => filter?.Pattern),
    bisectBatchOnFunctionError: templateBoolean(properties, 'BisectBatchOnFunctionError'),
    maximumRetryAttempts: templateNumber(properties, 'MaximumRetryAttempts'),
    maximumRecordAgeInSeconds: templateNumber(properties, 'MaximumRecordAgeInSeconds'),
    reportBatchItemFailures: responseTypes.includes('ReportBatchItemFailures'),
    onFailureDestination: typeof destination === 'string' ? destination : undefined,
    parallelizationFactor: templateNumber(properties, 'ParallelizationFactor'),
    maximumBatchingWindowInSeconds: templateNumber(properties, 'MaximumBatchingWindowInSeconds'),
  });
}
