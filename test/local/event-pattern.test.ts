import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compilePattern,
  InvalidEventPattern,
  matchesPattern,
} from '../../local/event-bus/pattern.js';

/**
 * Every row cites the documentation statement it encodes. Sources, from the EventBridge user guide:
 * - EP: "Amazon EventBridge event patterns" (including "Create event patterns");
 * - CF: "Content filtering in Amazon EventBridge event patterns" and its comparison-operator table;
 * - AR: "Arrays in EventBridge event patterns";
 * - NV: "Matching null values and empty strings".
 * "Ambiguous:" marks a row where the guide is silent or unclear; the row then follows the
 * documented example of Event Ruler ("Ruler"), the matching library EventBridge runs on.
 */
type Event = Record<string, unknown>;

interface Row {
  name: string;
  pattern: unknown;
  event: Event;
  expected: boolean | 'invalid';
  docRule: string;
}

/** A complete EventBridge envelope; `overrides` replaces whole top-level fields. */
function envelope(overrides: Event = {}): Event {
  return {
    version: '0',
    id: '7bf73129-1428-4cd3-a780-95db273d1602',
    'detail-type': 'Review Status Changed',
    source: 'proctoring.reviews',
    account: '111122223333',
    time: '2017-10-02T18:43:48Z',
    region: 'us-east-1',
    resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f'],
    detail: {},
    ...overrides,
  };
}

/** An envelope that lacks one top-level field altogether. */
function envelopeWithout(field: string, overrides: Event = {}): Event {
  const event = envelope(overrides);
  delete event[field];
  return event;
}

const ARRAYS =
  'AR: "If the value in the event is an array, then the event pattern matches if the ' +
  'intersection of the event pattern array and the event array is non-empty."';
const PER_ELEMENT = `${ARRAYS} Per object: a nested pattern matches when one element does.`;
const ANYTHING_BUT_ARRAYS = `Ambiguous: CF is silent on anything-but over arrays; ${ARRAYS}`;
const JSON_TYPES = 'EP: "The values that event patterns match follow JSON rules"';
const MUST_CONTAIN = 'EP: "the event must contain all the field names listed in the event pattern"';
const NULL_NOT_EMPTY =
  'NV: "Null values and empty strings are not interchangeable in pattern matching."';
const ANYTHING_BUT =
  'CF: "Anything-but matching matches anything except what\'s provided in the rule."';
const NUMERIC_JSON = 'CF: "Numeric matching works with values that are JSON numbers."';
const EXISTS =
  'CF: "Exists matching works on the presence or absence of a field in the JSON of the event."';
const LEAF_ONLY =
  'CF: "Exists matching only works on leaf nodes. It does not work on intermediate nodes."';
const OR_FIELDS =
  'CF table, Or (multiple fields): "$or": [{ "Location": ["New York"] }, { "Day": ["Monday"] }]';
const CIDR = 'CF: "You can use IP address matching for IPv4 and IPv6 addresses."';
const WILDCARD =
  'CF wildcard: "*" matches any run of characters, even none; "\\*" is a star, "\\\\" a backslash';
const INVALID = 'EventBridge refuses patterns that do not follow the documented syntax';

const exactAndTypes: Row[] = [
  {
    name: 'an exact string on source matches',
    pattern: { source: ['proctoring.reviews'] },
    event: envelope(),
    expected: true,
    docRule: 'EP: the pattern {"source": ["aws.ec2"]} selects events whose source is "aws.ec2"',
  },
  {
    name: 'an exact string on source rejects another source',
    pattern: { source: ['aws.ec2'] },
    event: envelope(),
    expected: false,
    docRule:
      'EP: "If the event pattern matches the event, EventBridge sends the event to the target."',
  },
  {
    name: 'the values of a leaf array OR together',
    pattern: { 'detail-type': ['Review Created', 'Review Status Changed'] },
    event: envelope(),
    expected: true,
    docRule: 'EP Match values: ["aws.ec2", "aws.fargate"] matches either source',
  },
  {
    name: 'strings match case-sensitively',
    pattern: { source: ['Proctoring.Reviews'] },
    event: envelope(),
    expected: false,
    docRule: 'EP: "exact character-by-character matching without case-folding"',
  },
  {
    name: 'a number matches the same JSON number',
    pattern: { detail: { 'risk-score': [80] } },
    event: envelope({ detail: { 'risk-score': 80 } }),
    expected: true,
    docRule: 'EP Value matching: "risk-score": [80] matches a risk score of 80',
  },
  {
    name: 'the string "5" does not match the number 5',
    pattern: { detail: { count: ['5'] } },
    event: envelope({ detail: { count: 5 } }),
    expected: false,
    docRule: JSON_TYPES,
  },
  {
    name: 'the number 5 does not match the string "5"',
    pattern: { detail: { count: [5] } },
    event: envelope({ detail: { count: '5' } }),
    expected: false,
    docRule: JSON_TYPES,
  },
  {
    name: 'true does not match the string "true"',
    pattern: { detail: { flagged: [true] } },
    event: envelope({ detail: { flagged: 'true' } }),
    expected: false,
    docRule:
      'EP: values may be strings in quotation marks, numbers, and the keywords true, false, null',
  },
  {
    name: 'true matches true',
    pattern: { detail: { flagged: [true] } },
    event: envelope({ detail: { flagged: true } }),
    expected: true,
    docRule: JSON_TYPES,
  },
  {
    name: 'false does not match null',
    pattern: { detail: { flagged: [false] } },
    event: envelope({ detail: { flagged: null } }),
    expected: false,
    docRule: JSON_TYPES,
  },
  {
    name: 'null matches a null value',
    pattern: { detail: { responseElements: [null] } },
    event: envelope({ detail: { responseElements: null } }),
    expected: true,
    docRule: 'NV: {"responseElements": [null]} matches "responseElements": null',
  },
  {
    name: 'an empty string matches an empty string',
    pattern: { detail: { eventVersion: [''] } },
    event: envelope({ detail: { eventVersion: '' } }),
    expected: true,
    docRule: 'NV: {"eventVersion": [""]} matches "eventVersion": ""',
  },
  {
    name: 'an empty string does not match null',
    pattern: { detail: { responseElements: [''] } },
    event: envelope({ detail: { responseElements: null } }),
    expected: false,
    docRule: NULL_NOT_EMPTY,
  },
  {
    name: 'null does not match an empty string',
    pattern: { detail: { eventVersion: [null] } },
    event: envelope({ detail: { eventVersion: '' } }),
    expected: false,
    docRule: NULL_NOT_EMPTY,
  },
  {
    name: 'null does not match a missing field',
    pattern: { detail: { responseElements: [null] } },
    event: envelope({ detail: {} }),
    expected: false,
    docRule: MUST_CONTAIN,
  },
  {
    name: 'an exact value never matches a missing field',
    pattern: { detail: { state: ['terminated'] } },
    event: envelope({ detail: { 'instance-id': 'i-1' } }),
    expected: false,
    docRule: MUST_CONTAIN,
  },
  {
    name: 'fields AND together: every field matches',
    pattern: {
      source: ['proctoring.reviews'],
      'detail-type': ['Review Status Changed'],
      detail: { state: ['terminated'] },
    },
    event: envelope({ detail: { state: 'terminated' } }),
    expected: true,
    docRule: 'EP: the instance-termination pattern specifies three requirements to match an event',
  },
  {
    name: 'fields AND together: one mismatching field rejects',
    pattern: {
      source: ['proctoring.reviews'],
      'detail-type': ['Review Created'],
      detail: { state: ['terminated'] },
    },
    event: envelope({ detail: { state: 'terminated' } }),
    expected: false,
    docRule: 'EP: the instance-termination pattern specifies three requirements to match an event',
  },
  {
    name: 'fields the pattern does not name are ignored',
    pattern: { detail: { state: ['terminated'] } },
    event: envelope({ detail: { state: 'terminated', 'instance-id': 'i-1', extra: { a: 1 } } }),
    expected: true,
    docRule: 'EP: "EventBridge ignores the fields in the event that aren\'t included"',
  },
  {
    name: 'a nested object descends into the event',
    pattern: { detail: { trigger: { risk: [8] } } },
    event: envelope({ detail: { 'risk-score': 80, trigger: { risk: 8 } } }),
    expected: true,
    docRule: 'EP Value matching: "trigger": { "risk": [8] } matches a trigger risk of 8',
  },
  {
    name: 'a field at another nesting level does not match',
    pattern: { detail: { risk: [8] } },
    event: envelope({ detail: { trigger: { risk: 8 } } }),
    expected: false,
    docRule: 'EP: "The field names must also appear in the event with the same nesting structure."',
  },
  {
    name: 'a leaf does not match an object value',
    pattern: { detail: { trigger: [8] } },
    event: envelope({ detail: { trigger: { risk: 8 } } }),
    expected: false,
    docRule: 'EP: "The field names must also appear in the event with the same nesting structure."',
  },
  {
    name: 'a nested pattern does not match a scalar value',
    pattern: { detail: { trigger: { risk: [8] } } },
    event: envelope({ detail: { trigger: 8 } }),
    expected: false,
    docRule: 'EP: "The field names must also appear in the event with the same nesting structure."',
  },
];

const envelopeFields: Row[] = [
  {
    name: 'account on the envelope matches',
    pattern: { account: ['111122223333'] },
    event: envelope(),
    expected: true,
    docRule: 'EP: patterns name top-level fields such as "source" and "detail-type" directly',
  },
  {
    name: 'account on the envelope rejects another account',
    pattern: { account: ['444455556666'] },
    event: envelope(),
    expected: false,
    docRule: 'EP: patterns name top-level fields such as "source" and "detail-type" directly',
  },
  {
    name: 'region outside the US passes anything-but prefix "us-"',
    pattern: { region: [{ 'anything-but': { prefix: 'us-' } }] },
    event: envelope({ region: 'eu-west-1' }),
    expected: true,
    docRule:
      'CF table: Region is not in the US: "Region": [{ "anything-but": { "prefix": "us-" } }]',
  },
  {
    name: 'region inside the US fails anything-but prefix "us-"',
    pattern: { region: [{ 'anything-but': { prefix: 'us-' } }] },
    event: envelope({ region: 'us-east-1' }),
    expected: false,
    docRule:
      'CF table: Region is not in the US: "Region": [{ "anything-but": { "prefix": "us-" } }]',
  },
  {
    name: 'a region constraint never matches an envelope without region',
    pattern: { region: ['us-east-1'] },
    event: envelopeWithout('region'),
    expected: false,
    docRule: MUST_CONTAIN,
  },
  {
    name: 'time matches a prefix',
    pattern: { time: [{ prefix: '2017-10-02' }] },
    event: envelope({ time: '2017-10-02T18:43:48Z' }),
    expected: true,
    docRule: 'CF prefix: {"time": [{"prefix": "2017-10-02"}]} matches "2017-10-02T18:43:48Z"',
  },
  {
    name: 'resources match when one listed ARN is in the event array',
    pattern: {
      resources: [
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
      ],
    },
    event: envelope({
      resources: [
        'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b',
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
      ],
    }),
    expected: true,
    docRule:
      'AR: "the first item in the event pattern array matches the second item in the event array"',
  },
  {
    name: 'resources do not match when no listed ARN is in the event array',
    pattern: { resources: ['arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f'] },
    event: envelope(),
    expected: false,
    docRule: ARRAYS,
  },
  {
    name: 'an empty resources array holds no value to intersect',
    pattern: { resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f'] },
    event: envelope({ resources: [] }),
    expected: false,
    docRule: ARRAYS,
  },
];

const arrays: Row[] = [
  {
    name: 'an event array matches when it shares a value with the pattern',
    pattern: { detail: { tags: ['Insider', 'External'] } },
    event: envelope({ detail: { tags: ['Custom_Alert', 'Insider'] } }),
    expected: true,
    docRule: ARRAYS,
  },
  {
    name: 'an event array does not match when it shares no value',
    pattern: { detail: { tags: ['External'] } },
    event: envelope({ detail: { tags: ['Custom_Alert', 'Insider'] } }),
    expected: false,
    docRule: ARRAYS,
  },
  {
    name: 'an operator applies to every element of an event array',
    pattern: { detail: { scores: [{ numeric: ['>', 90] }] } },
    event: envelope({ detail: { scores: [12, 95] } }),
    expected: true,
    docRule: ARRAYS,
  },
  {
    name: 'null matches a null element of an event array',
    pattern: { detail: { reviewers: [null] } },
    event: envelope({ detail: { reviewers: [null, 'r-1'] } }),
    expected: true,
    docRule: ARRAYS,
  },
  {
    name: 'a nested pattern matches an array of objects through one element',
    pattern: { detail: { attempts: { status: ['verified'] } } },
    event: envelope({ detail: { attempts: [{ status: 'pending' }, { status: 'verified' }] } }),
    expected: true,
    docRule: PER_ELEMENT,
  },
  {
    name: 'a nested pattern does not combine fields of different array elements',
    pattern: { detail: { attempts: { status: ['verified'], code: ['A2'] } } },
    event: envelope({
      detail: {
        attempts: [
          { status: 'verified', code: 'A1' },
          { status: 'pending', code: 'A2' },
        ],
      },
    }),
    expected: false,
    docRule:
      'Ambiguous: the guide is silent; Ruler "JSON Array Matching" refuses a match that takes ' +
      'fields from different elements of the same array',
  },
  {
    name: 'a nested pattern matches when one array element holds every field',
    pattern: { detail: { attempts: { status: ['verified'], code: ['A2'] } } },
    event: envelope({
      detail: {
        attempts: [
          { status: 'pending', code: 'A1' },
          { status: 'verified', code: 'A2' },
        ],
      },
    }),
    expected: true,
    docRule: PER_ELEMENT,
  },
  {
    name: 'a nested pattern finds no match in an array of objects',
    pattern: { detail: { attempts: { status: ['verified'] } } },
    event: envelope({ detail: { attempts: [{ status: 'pending' }, { status: 'error' }] } }),
    expected: false,
    docRule: ARRAYS,
  },
];

const prefixSuffixAndCase: Row[] = [
  {
    name: 'prefix matches the start of a string',
    pattern: { detail: { service: [{ prefix: 'Event' }] } },
    event: envelope({ detail: { service: 'EventBridge' } }),
    expected: true,
    docRule: 'CF: "You can match an event depending on the prefix of a value in the event source."',
  },
  {
    name: 'prefix does not match the text further in',
    pattern: { detail: { service: [{ prefix: 'Event' }] } },
    event: envelope({ detail: { service: 'AmazonEventBridge' } }),
    expected: false,
    docRule: 'CF table, Begins with: "Region": [{"prefix": "us-"}] means Region is in the US',
  },
  {
    name: 'prefix is case-sensitive',
    pattern: { detail: { service: [{ prefix: 'Event' }] } },
    event: envelope({ detail: { service: 'eventbridge' } }),
    expected: false,
    docRule: 'EP: "exact character-by-character matching without case-folding"',
  },
  {
    name: 'prefix does not match a number',
    pattern: { detail: { count: [{ prefix: '12' }] } },
    event: envelope({ detail: { count: 123 } }),
    expected: false,
    docRule: 'CF: "You can use prefix matching for string values."',
  },
  {
    name: 'prefix never matches a missing field',
    pattern: { detail: { service: [{ prefix: 'Event' }] } },
    event: envelope({ detail: {} }),
    expected: false,
    docRule: MUST_CONTAIN,
  },
  {
    name: 'prefix with equals-ignore-case ignores case',
    pattern: { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } },
    event: envelope({ detail: { service: 'eventbridge' } }),
    expected: true,
    docRule: 'CF: {"prefix": {"equals-ignore-case": "EventB"}} matches EventB, EVENTB, eventb',
  },
  {
    name: 'prefix with equals-ignore-case still anchors at the start',
    pattern: { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } },
    event: envelope({ detail: { service: 'MyEventBridge' } }),
    expected: false,
    docRule:
      'CF: prefix with equals-ignore-case matches "the prefix of a value" regardless of case',
  },
  {
    name: 'suffix matches the end of a string',
    pattern: { detail: { FileName: [{ suffix: '.png' }] } },
    event: envelope({ detail: { FileName: 'photo.png' } }),
    expected: true,
    docRule: 'CF: {"FileName": [{"suffix": ".png"}]} matches names ending with .png',
  },
  {
    name: 'suffix is case-sensitive',
    pattern: { detail: { FileName: [{ suffix: '.png' }] } },
    event: envelope({ detail: { FileName: 'photo.PNG' } }),
    expected: false,
    docRule: 'EP: "exact character-by-character matching without case-folding"',
  },
  {
    name: 'suffix with equals-ignore-case ignores case',
    pattern: { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
    event: envelope({ detail: { FileName: 'PHOTO.PNG' } }),
    expected: true,
    docRule: 'CF: {"suffix": {"equals-ignore-case": ".png"}} also matches .PNG',
  },
  {
    name: 'suffix never matches a missing field',
    pattern: { detail: { FileName: [{ suffix: '.png' }] } },
    event: envelope({ detail: {} }),
    expected: false,
    docRule: MUST_CONTAIN,
  },
  {
    name: 'equals-ignore-case matches another casing',
    pattern: { detail: { name: [{ 'equals-ignore-case': 'alice' }] } },
    event: envelope({ detail: { name: 'ALICE' } }),
    expected: true,
    docRule: 'CF table, Equals (ignore case): "Name": [{"equals-ignore-case": "alice"}]',
  },
  {
    name: 'equals-ignore-case needs the whole value',
    pattern: { detail: { name: [{ 'equals-ignore-case': 'alice' }] } },
    event: envelope({ detail: { name: 'Alice Smith' } }),
    expected: false,
    docRule: 'CF table, Equals (ignore case): Name is "Alice", in any casing',
  },
  {
    name: 'equals-ignore-case does not match a boolean',
    pattern: { detail: { flagged: [{ 'equals-ignore-case': 'TRUE' }] } },
    event: envelope({ detail: { flagged: true } }),
    expected: false,
    docRule: JSON_TYPES,
  },
  {
    name: 'equals-ignore-case never matches a missing field',
    pattern: { detail: { name: [{ 'equals-ignore-case': 'alice' }] } },
    event: envelope({ detail: {} }),
    expected: false,
    docRule: MUST_CONTAIN,
  },
];

const wildcards: Row[] = [
  {
    name: 'wildcard "*" spans any run of characters, slashes included',
    pattern: { detail: { FileName: [{ wildcard: 'dir/*.png' }] } },
    event: envelope({ detail: { FileName: 'dir/2024/05/a.png' } }),
    expected: true,
    docRule:
      'CF table, Wildcard: "dir/*.png" is any file with a .png extension within the folder "dir"',
  },
  {
    name: 'wildcard rejects a file outside the folder',
    pattern: { detail: { FileName: [{ wildcard: 'dir/*.png' }] } },
    event: envelope({ detail: { FileName: 'img/a.png' } }),
    expected: false,
    docRule:
      'CF table, Wildcard: "dir/*.png" is any file with a .png extension within the folder "dir"',
  },
  {
    name: 'wildcard "*" also matches no characters',
    pattern: { detail: { title: [{ wildcard: '*Title*' }] } },
    event: envelope({ detail: { title: 'Title' } }),
    expected: true,
    docRule: WILDCARD,
  },
  {
    name: 'an escaped star matches a literal star',
    pattern: { detail: { file: [{ wildcard: 'report\\*.csv' }] } },
    event: envelope({ detail: { file: 'report*.csv' } }),
    expected: true,
    docRule: WILDCARD,
  },
  {
    name: 'an escaped star is not a wildcard',
    pattern: { detail: { file: [{ wildcard: 'report\\*.csv' }] } },
    event: envelope({ detail: { file: 'report-2024.csv' } }),
    expected: false,
    docRule: WILDCARD,
  },
  {
    name: 'an escaped backslash matches a literal backslash before a wildcard',
    pattern: { detail: { path: [{ wildcard: 'C:\\\\temp\\\\*' }] } },
    event: envelope({ detail: { path: 'C:\\temp\\exam.log' } }),
    expected: true,
    docRule: WILDCARD,
  },
  {
    name: 'wildcard does not match a number',
    pattern: { detail: { count: [{ wildcard: '1*' }] } },
    event: envelope({ detail: { count: 12 } }),
    expected: false,
    docRule: 'CF: wildcard filters match string values',
  },
  {
    name: 'wildcard never matches a missing field',
    pattern: { detail: { FileName: [{ wildcard: '*' }] } },
    event: envelope({ detail: {} }),
    expected: false,
    docRule: MUST_CONTAIN,
  },
];

const anythingBut: Row[] = [
  {
    name: 'anything-but a string matches another string',
    pattern: { detail: { state: [{ 'anything-but': 'initializing' }] } },
    event: envelope({ detail: { state: 'running' } }),
    expected: true,
    docRule: 'CF: {"state": [{"anything-but": "initializing"}]}',
  },
  {
    name: 'anything-but a string rejects that string',
    pattern: { detail: { state: [{ 'anything-but': 'initializing' }] } },
    event: envelope({ detail: { state: 'initializing' } }),
    expected: false,
    docRule: ANYTHING_BUT,
  },
  {
    name: 'anything-but a number matches another number',
    pattern: { detail: { 'x-limit': [{ 'anything-but': 123 }] } },
    event: envelope({ detail: { 'x-limit': 124 } }),
    expected: true,
    docRule: 'CF: {"x-limit": [{"anything-but": 123}]}',
  },
  {
    name: 'anything-but a number rejects that number',
    pattern: { detail: { 'x-limit': [{ 'anything-but': 123 }] } },
    event: envelope({ detail: { 'x-limit': 123 } }),
    expected: false,
    docRule: ANYTHING_BUT,
  },
  {
    name: 'anything-but a list of strings rejects a listed string',
    pattern: { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
    event: envelope({ detail: { state: 'overloaded' } }),
    expected: false,
    docRule: 'CF: {"state": [{"anything-but": ["stopped", "overloaded"]}]}',
  },
  {
    name: 'anything-but a list of strings matches an unlisted string',
    pattern: { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
    event: envelope({ detail: { state: 'running' } }),
    expected: true,
    docRule: 'CF: {"state": [{"anything-but": ["stopped", "overloaded"]}]}',
  },
  {
    name: 'anything-but a list of numbers rejects a listed number',
    pattern: { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
    event: envelope({ detail: { 'x-limit': 200 } }),
    expected: false,
    docRule: 'CF: {"x-limit": [{"anything-but": [100, 200, 300]}]}',
  },
  {
    name: 'anything-but the string "123" matches the number 123',
    pattern: { detail: { 'x-limit': [{ 'anything-but': '123' }] } },
    event: envelope({ detail: { 'x-limit': 123 } }),
    expected: true,
    docRule: `${ANYTHING_BUT} ${JSON_TYPES}`,
  },
  {
    name: 'anything-but never matches a missing field',
    pattern: { detail: { state: [{ 'anything-but': 'initializing' }] } },
    event: envelope({ detail: {} }),
    expected: false,
    docRule: MUST_CONTAIN,
  },
  {
    name: 'anything-but matches a null value',
    pattern: { detail: { state: [{ 'anything-but': 'initializing' }] } },
    event: envelope({ detail: { state: null } }),
    expected: true,
    docRule: `Ambiguous: NV treats null as a value to match; ${ANYTHING_BUT}`,
  },
  {
    name: 'anything-but prefix rejects a value with that prefix',
    pattern: { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    event: envelope({ detail: { state: 'initializing' } }),
    expected: false,
    docRule: 'CF: {"anything-but": {"prefix": "init"}} matches events without the prefix "init"',
  },
  {
    name: 'anything-but prefix matches a value without that prefix',
    pattern: { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    event: envelope({ detail: { state: 'running' } }),
    expected: true,
    docRule: 'CF: {"anything-but": {"prefix": "init"}} matches events without the prefix "init"',
  },
  {
    name: 'anything-but prefix matches a number, which has no prefix',
    pattern: { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    event: envelope({ detail: { state: 12 } }),
    expected: true,
    docRule: `Ambiguous: CF prefix applies to string values only; ${ANYTHING_BUT}`,
  },
  {
    name: 'anything-but suffix rejects a value with that suffix',
    pattern: { detail: { FileName: [{ 'anything-but': { suffix: '.png' } }] } },
    event: envelope({ detail: { FileName: 'photo.png' } }),
    expected: false,
    docRule: 'CF table: FileName does not end with .png: {"anything-but": {"suffix": ".png"}}',
  },
  {
    name: 'anything-but suffix matches a value without that suffix',
    pattern: { detail: { FileName: [{ 'anything-but': { suffix: '.png' } }] } },
    event: envelope({ detail: { FileName: 'photo.jpg' } }),
    expected: true,
    docRule: 'CF table: FileName does not end with .png: {"anything-but": {"suffix": ".png"}}',
  },
  {
    name: 'anything-but equals-ignore-case rejects any casing of the value',
    pattern: { detail: { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] } },
    event: envelope({ detail: { state: 'INITIALIZING' } }),
    expected: false,
    docRule:
      'CF table: State is anything besides "initializing" or a casing such as "INITIALIZING"',
  },
  {
    name: 'anything-but equals-ignore-case with a list rejects a listed value in any case',
    pattern: {
      detail: {
        state: [{ 'anything-but': { 'equals-ignore-case': ['initializing', 'stopped'] } }],
      },
    },
    event: envelope({ detail: { state: 'Stopped' } }),
    expected: false,
    docRule: 'CF: anything-but equals-ignore-case takes a string or a list of strings',
  },
  {
    name: 'anything-but equals-ignore-case with a list matches an unlisted value',
    pattern: {
      detail: {
        state: [{ 'anything-but': { 'equals-ignore-case': ['initializing', 'stopped'] } }],
      },
    },
    event: envelope({ detail: { state: 'running' } }),
    expected: true,
    docRule: 'CF: anything-but equals-ignore-case takes a string or a list of strings',
  },
  {
    name: 'anything-but wildcard rejects a matching path',
    pattern: { detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } },
    event: envelope({ detail: { FilePath: 'src/lib/index.ts' } }),
    expected: false,
    docRule: 'CF table: FilePath does not include /lib/: {"anything-but": {"wildcard": "*/lib/*"}}',
  },
  {
    name: 'anything-but wildcard matches another path',
    pattern: { detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } },
    event: envelope({ detail: { FilePath: 'src/app/index.ts' } }),
    expected: true,
    docRule: 'CF table: FilePath does not include /lib/: {"anything-but": {"wildcard": "*/lib/*"}}',
  },
  {
    name: 'anything-but wildcard with a list rejects a path matching any of them',
    pattern: {
      detail: { FilePath: [{ 'anything-but': { wildcard: ['*/lib/*', '*.test.ts'] } }] },
    },
    event: envelope({ detail: { FilePath: 'src/app/index.test.ts' } }),
    expected: false,
    docRule: 'CF: anything-but wildcard takes a string or a list of strings',
  },
  {
    name: 'anything-but matches an event array holding a value it does not exclude',
    pattern: { detail: { state: [{ 'anything-but': 'initializing' }] } },
    event: envelope({ detail: { state: ['initializing', 'running'] } }),
    expected: true,
    docRule: ANYTHING_BUT_ARRAYS,
  },
  {
    name: 'anything-but rejects an event array whose values are all excluded',
    pattern: { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
    event: envelope({ detail: { state: ['stopped', 'overloaded'] } }),
    expected: false,
    docRule: ANYTHING_BUT_ARRAYS,
  },
];

const numeric: Row[] = [
  {
    name: 'numeric range includes its "<=" bound',
    pattern: { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } },
    event: envelope({ detail: { 'c-count': 5 } }),
    expected: true,
    docRule: 'CF: "c-count": [{"numeric": [">", 0, "<=", 5]}]',
  },
  {
    name: 'numeric range excludes its ">" bound',
    pattern: { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } },
    event: envelope({ detail: { 'c-count': 0 } }),
    expected: false,
    docRule: 'CF: "c-count": [{"numeric": [">", 0, "<=", 5]}]',
  },
  {
    name: 'numeric range rejects a value above it',
    pattern: { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } },
    event: envelope({ detail: { 'c-count': 6 } }),
    expected: false,
    docRule: 'CF: "c-count": [{"numeric": [">", 0, "<=", 5]}]',
  },
  {
    name: 'numeric "=" compares values, exponent notation included',
    pattern: { detail: { 'x-limit': [{ numeric: ['=', 3.018e2] }] } },
    event: envelope({ detail: { 'x-limit': 301.8 } }),
    expected: true,
    docRule: 'CF: "x-limit": [{"numeric": ["=", 3.018e2]}]',
  },
  {
    name: 'numeric "<" is strict',
    pattern: { detail: { 'd-count': [{ numeric: ['<', 10] }] } },
    event: envelope({ detail: { 'd-count': 10 } }),
    expected: false,
    docRule: 'CF: "d-count": [{"numeric": ["<", 10]}]',
  },
  {
    name: 'numeric ">=" includes its bound',
    pattern: { detail: { 'd-count': [{ numeric: ['>=', 10] }] } },
    event: envelope({ detail: { 'd-count': 10 } }),
    expected: true,
    docRule: 'CF table, Numeric (range): [">", 10, "<=", 20] is more than 10 and at most 20',
  },
  {
    name: 'numeric works with negative and decimal bounds',
    pattern: { detail: { delta: [{ numeric: ['>=', -1, '<', 0] }] } },
    event: envelope({ detail: { delta: -0.5 } }),
    expected: true,
    docRule: NUMERIC_JSON,
  },
  {
    name: 'numeric does not match a numeric string',
    pattern: { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } },
    event: envelope({ detail: { 'c-count': '5' } }),
    expected: false,
    docRule: NUMERIC_JSON,
  },
  {
    name: 'numeric does not match a boolean',
    pattern: { detail: { 'c-count': [{ numeric: ['>', 0] }] } },
    event: envelope({ detail: { 'c-count': true } }),
    expected: false,
    docRule: NUMERIC_JSON,
  },
  {
    name: 'numeric never matches a missing field',
    pattern: { detail: { 'c-count': [{ numeric: ['<', 10] }] } },
    event: envelope({ detail: {} }),
    expected: false,
    docRule: MUST_CONTAIN,
  },
];

const exists: Row[] = [
  {
    name: 'exists true matches a present field',
    pattern: { detail: { state: [{ exists: true }] } },
    event: envelope({ detail: { 'instance-id': 'i-abcd1111', state: 'pending' } }),
    expected: true,
    docRule: 'CF: {"state": [{"exists": true}]} matches an event with "state": "pending"',
  },
  {
    name: 'exists true does not match a missing field',
    pattern: { detail: { state: [{ exists: true }] } },
    event: envelope({ detail: { 'c-count': { c1: 100 } } }),
    expected: false,
    docRule: 'CF: the exists pattern does NOT match an event without a detail.state field',
  },
  {
    name: 'exists false matches a missing field',
    pattern: { detail: { state: [{ exists: false }] } },
    event: envelope({ detail: { 'instance-id': 'i-abcd1111' } }),
    expected: true,
    docRule: 'CF table, Does not exist: "ProductName": [{"exists": false}]',
  },
  {
    name: 'exists false does not match a present field',
    pattern: { detail: { state: [{ exists: false }] } },
    event: envelope({ detail: { state: 'pending' } }),
    expected: false,
    docRule: EXISTS,
  },
  {
    name: 'exists true matches a field holding null',
    pattern: { detail: { responseElements: [{ exists: true }] } },
    event: envelope({ detail: { responseElements: null } }),
    expected: true,
    docRule: `Ambiguous: ${EXISTS} A null value is present (NV matches it as a value).`,
  },
  {
    name: 'exists false does not match a field holding null',
    pattern: { detail: { responseElements: [{ exists: false }] } },
    event: envelope({ detail: { responseElements: null } }),
    expected: false,
    docRule: `Ambiguous: ${EXISTS} A null value is present (NV matches it as a value).`,
  },
  {
    name: 'exists true does not match an object, which is an intermediate node',
    pattern: { detail: { 'c-count': [{ exists: true }] } },
    event: envelope({ detail: { 'c-count': { c1: 100 } } }),
    expected: false,
    docRule: LEAF_ONLY,
  },
  {
    name: 'exists false matches an object, which is an intermediate node',
    pattern: { detail: { 'c-count': [{ exists: false }] } },
    event: envelope({ detail: { 'c-count': { c1: 100 } } }),
    expected: true,
    docRule:
      `Ambiguous: ${LEAF_ONLY} Ruler's documented example: exists false matches ` +
      '"c-count": {"c1": 100} "because c-count is not a leaf node".',
  },
  {
    name: 'exists true matches an array of values',
    pattern: { detail: { state: [{ exists: true }] } },
    event: envelope({ detail: { state: ['initializing', 'running'] } }),
    expected: true,
    docRule: 'CF exists example: [{"exists": true}] matches "state": ["initializing", "running"]',
  },
  {
    name: 'exists false matches below a missing parent',
    pattern: { detail: { level1: { level2: [{ exists: false }] } } },
    event: envelope({ detail: {} }),
    expected: true,
    docRule: EXISTS,
  },
  {
    name: 'exists true does not match below a missing parent',
    pattern: { detail: { level1: { level2: [{ exists: true }] } } },
    event: envelope({ detail: {} }),
    expected: false,
    docRule: EXISTS,
  },
  {
    name: 'exists false on an envelope field the event lacks',
    pattern: { region: [{ exists: false }] },
    event: envelopeWithout('region'),
    expected: true,
    docRule: EXISTS,
  },
];

const cidr: Row[] = [
  {
    name: 'cidr matches an IPv4 address inside the network',
    pattern: { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } },
    event: envelope({ detail: { sourceIPAddress: '10.0.0.255' } }),
    expected: true,
    docRule: 'CF: "10.0.0.0/24" matches addresses that start with 10.0.0 and end with 0 to 255',
  },
  {
    name: 'cidr rejects an IPv4 address outside the network',
    pattern: { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } },
    event: envelope({ detail: { sourceIPAddress: '10.0.1.1' } }),
    expected: false,
    docRule: 'CF: "10.0.0.0/24" matches addresses that start with 10.0.0 and end with 0 to 255',
  },
  {
    name: 'cidr matches a fully written IPv6 address inside the network',
    pattern: { detail: { sourceIPAddress: [{ cidr: '2001:db8:1234:1a00::/64' }] } },
    event: envelope({ detail: { sourceIPAddress: '2001:0db8:1234:1a00:0000:0000:0000:00ff' } }),
    expected: true,
    docRule: CIDR,
  },
  {
    name: 'cidr matches a compressed IPv6 address inside the network',
    pattern: { detail: { sourceIPAddress: [{ cidr: '2001:db8:1234:1a00::/64' }] } },
    event: envelope({ detail: { sourceIPAddress: '2001:db8:1234:1a00::42' } }),
    expected: true,
    docRule: CIDR,
  },
  {
    name: 'cidr rejects an IPv6 address outside the network',
    pattern: { detail: { sourceIPAddress: [{ cidr: '2001:db8:1234:1a00::/64' }] } },
    event: envelope({ detail: { sourceIPAddress: '2001:db8:1234:1a01::42' } }),
    expected: false,
    docRule: CIDR,
  },
  {
    name: 'cidr rejects an IPv6 address differing only in the high byte of a group',
    pattern: { detail: { sourceIPAddress: [{ cidr: '2001:db8:1234:1a00::/64' }] } },
    event: envelope({ detail: { sourceIPAddress: '2001:db8:1234:1b00::1' } }),
    expected: false,
    docRule: CIDR,
  },
  {
    name: 'cidr with an IPv6 mask inside a group matches the covered half',
    pattern: { detail: { sourceIPAddress: [{ cidr: '2001:db8:8000::/33' }] } },
    event: envelope({ detail: { sourceIPAddress: '2001:db8:ffff::1' } }),
    expected: true,
    docRule: CIDR,
  },
  {
    name: 'cidr with an IPv6 mask inside a group rejects the other half',
    pattern: { detail: { sourceIPAddress: [{ cidr: '2001:db8:8000::/33' }] } },
    event: envelope({ detail: { sourceIPAddress: '2001:db8:7fff::1' } }),
    expected: false,
    docRule: CIDR,
  },
  {
    name: 'cidr reads an IPv6 address written with a dotted IPv4 tail',
    pattern: { detail: { sourceIPAddress: [{ cidr: '::ffff:a00:0/120' }] } },
    event: envelope({ detail: { sourceIPAddress: '::ffff:10.0.0.7' } }),
    expected: true,
    docRule: CIDR,
  },
  {
    name: 'cidr for IPv6 does not match an IPv4 address',
    pattern: { detail: { sourceIPAddress: [{ cidr: '::/0' }] } },
    event: envelope({ detail: { sourceIPAddress: '10.0.0.1' } }),
    expected: false,
    docRule: CIDR,
  },
  {
    name: 'cidr does not match a string that is not an address',
    pattern: { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/8' }] } },
    event: envelope({ detail: { sourceIPAddress: '10.0.0.999' } }),
    expected: false,
    docRule: CIDR,
  },
  {
    name: 'cidr does not match a number',
    pattern: { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/8' }] } },
    event: envelope({ detail: { sourceIPAddress: 167772161 } }),
    expected: false,
    docRule: CIDR,
  },
  {
    name: 'cidr never matches a missing field',
    pattern: { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/8' }] } },
    event: envelope({ detail: {} }),
    expected: false,
    docRule: MUST_CONTAIN,
  },
];

const or: Row[] = [
  {
    name: 'top-level $or matches through its first alternative',
    pattern: { $or: [{ detail: { Location: ['New York'] } }, { detail: { Day: ['Monday'] } }] },
    event: envelope({ detail: { Location: 'New York', Day: 'Friday' } }),
    expected: true,
    docRule: OR_FIELDS,
  },
  {
    name: 'top-level $or matches through its second alternative',
    pattern: { $or: [{ source: ['aws.ec2'] }, { 'detail-type': ['Review Status Changed'] }] },
    event: envelope(),
    expected: true,
    docRule: OR_FIELDS,
  },
  {
    name: 'top-level $or rejects when no alternative matches',
    pattern: { $or: [{ source: ['aws.ec2'] }, { 'detail-type': ['Review Created'] }] },
    event: envelope(),
    expected: false,
    docRule: OR_FIELDS,
  },
  {
    name: '$or ANDs with the fields beside it',
    pattern: {
      source: ['aws.cloudwatch'],
      detail: { $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }] },
    },
    event: envelope({ detail: { metricName: 'CPUUtilization' } }),
    expected: false,
    docRule: 'CF $or: source AND (metricName OR namespace); fields in one object AND together',
  },
  {
    name: '$or inside detail matches one of its alternatives',
    pattern: { detail: { $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }] } },
    event: envelope({ detail: { namespace: 'AWS/EC2' } }),
    expected: true,
    docRule: 'CF $or: $or may appear inside nested objects such as detail',
  },
  {
    name: 'a nested $or inside an alternative matches',
    pattern: {
      detail: {
        $or: [
          { metricName: ['CPUUtilization'] },
          { metricType: ['MetricType'], $or: [{ metricId: [1234] }, { spaceId: [1000] }] },
        ],
      },
    },
    event: envelope({ detail: { metricType: 'MetricType', spaceId: 1000 } }),
    expected: true,
    docRule: 'CF $or: alternatives can themselves hold $or (metricType AND (metricId OR spaceId))',
  },
  {
    name: 'a nested $or inside an alternative must also hold',
    pattern: {
      detail: {
        $or: [
          { metricName: ['CPUUtilization'] },
          { metricType: ['MetricType'], $or: [{ metricId: [1234] }, { spaceId: [1000] }] },
        ],
      },
    },
    event: envelope({ detail: { metricType: 'MetricType', spaceId: 2000 } }),
    expected: false,
    docRule: 'CF $or: alternatives can themselves hold $or (metricType AND (metricId OR spaceId))',
  },
  {
    name: '$or applies to each object of an event array',
    pattern: { detail: { items: { $or: [{ kind: ['video'] }, { flagged: [true] }] } } },
    event: envelope({ detail: { items: [{ kind: 'audio' }, { kind: 'text', flagged: true }] } }),
    expected: true,
    docRule: `CF $or with ${ARRAYS}`,
  },
];

const combined: Row[] = [
  {
    name: 'operators in one leaf OR together',
    pattern: { detail: { value: [{ prefix: 'us-' }, { numeric: ['>', 10] }] } },
    event: envelope({ detail: { value: 11 } }),
    expected: true,
    docRule: 'EP: a field matches if any of the values in its array match',
  },
  {
    name: 'exact values and operators in one leaf OR together',
    pattern: { detail: { FileName: ['none', { suffix: '.png' }] } },
    event: envelope({ detail: { FileName: 'photo.png' } }),
    expected: true,
    docRule: 'EP: a field matches if any of the values in its array match',
  },
  {
    name: 'exists false beside an exact value matches a missing field',
    pattern: { detail: { stage: [{ exists: false }, 'draft'] } },
    event: envelope({ detail: {} }),
    expected: true,
    docRule: 'EP: a field matches if any of the values in its array match',
  },
  {
    name: 'exists false beside an exact value rejects another present value',
    pattern: { detail: { stage: [{ exists: false }, 'draft'] } },
    event: envelope({ detail: { stage: 'final' } }),
    expected: false,
    docRule: 'EP: a field matches if any of the values in its array match',
  },
  {
    name: 'the complex example combines prefix, anything-but and numeric',
    pattern: {
      time: [{ prefix: '2017-10-02' }],
      detail: {
        state: [{ 'anything-but': 'initializing' }],
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ 'anything-but': [100, 200, 300] }],
      },
    },
    event: envelope({ detail: { state: 'running', 'c-count': 5, 'd-count': 3, 'x-limit': 301.8 } }),
    expected: true,
    docRule: 'CF: "Complex example with multiple matching"',
  },
  {
    name: 'a key given twice in pattern JSON keeps its last value',
    pattern: '{"detail":{"location":[{"prefix":"us-"}],"location":[{"anything-but":"us-east"}]}}',
    event: envelope({ detail: { location: 'eu-west' } }),
    expected: true,
    docRule: 'CF: "if you include a key more than once the last reference will be the one used"',
  },
];

const invalid: Row[] = [
  {
    name: 'a leaf that is not an array',
    pattern: { source: 'proctoring.reviews' },
    event: envelope(),
    expected: 'invalid',
    docRule: 'EP: "the value to match is in a JSON array"',
  },
  {
    name: 'an empty leaf array',
    pattern: { source: [] },
    event: envelope(),
    expected: 'invalid',
    docRule:
      'EP: "The value of each field in an event pattern is an array containing one or more values"',
  },
  {
    name: 'an empty nested object',
    pattern: { detail: {} },
    event: envelope(),
    expected: 'invalid',
    docRule: INVALID,
  },
  {
    name: 'an unknown operator',
    pattern: { detail: { state: [{ contains: 'run' }] } },
    event: envelope(),
    expected: 'invalid',
    docRule: 'CF: the comparison-operator table lists every operator EventBridge supports',
  },
  {
    name: 'two operators in one match expression',
    pattern: { detail: { state: [{ prefix: 'a', suffix: 'b' }] } },
    event: envelope(),
    expected: 'invalid',
    docRule: INVALID,
  },
  {
    name: 'numeric with an unknown operator',
    pattern: { detail: { count: [{ numeric: ['!=', 1] }] } },
    event: envelope(),
    expected: 'invalid',
    docRule: 'CF: numeric takes "=", "<", "<=", ">", ">=" and ranges',
  },
  {
    name: 'numeric range written upper bound first',
    pattern: { detail: { count: [{ numeric: ['<', 5, '>', 0] }] } },
    event: envelope(),
    expected: 'invalid',
    docRule: 'CF: a range reads [">", 0, "<=", 5]',
  },
  {
    name: 'numeric range whose bounds do not enclose a value',
    pattern: { detail: { count: [{ numeric: ['>', 5, '<', 5] }] } },
    event: envelope(),
    expected: 'invalid',
    docRule: 'CF: a range reads [">", 0, "<=", 5]',
  },
  {
    name: 'numeric with a string operand',
    pattern: { detail: { count: [{ numeric: ['>', '5'] }] } },
    event: envelope(),
    expected: 'invalid',
    docRule: NUMERIC_JSON,
  },
  {
    name: 'cidr with more mask bits than IPv4 has',
    pattern: { detail: { ip: [{ cidr: '10.0.0.0/33' }] } },
    event: envelope(),
    expected: 'invalid',
    docRule: CIDR,
  },
  {
    name: 'cidr with a network that is not an address',
    pattern: { detail: { ip: [{ cidr: 'ten.0.0.0/8' }] } },
    event: envelope(),
    expected: 'invalid',
    docRule: CIDR,
  },
  {
    name: 'cidr without a mask',
    pattern: { detail: { ip: [{ cidr: '10.0.0.1' }] } },
    event: envelope(),
    expected: 'invalid',
    docRule: CIDR,
  },
  {
    name: 'cidr with a malformed IPv6 network',
    pattern: { detail: { ip: [{ cidr: '2001:db8::1::/64' }] } },
    event: envelope(),
    expected: 'invalid',
    docRule: CIDR,
  },
  {
    name: '$or with a single alternative',
    pattern: { $or: [{ source: ['aws.ec2'] }] },
    event: envelope(),
    expected: 'invalid',
    docRule: 'CF $or: an array of alternatives, e.g. [{ "Location": [...] }, { "Day": [...] }]',
  },
  {
    name: '$or that is not an array',
    pattern: { $or: { source: ['aws.ec2'] } },
    event: envelope(),
    expected: 'invalid',
    docRule: 'CF $or: an array of alternatives, e.g. [{ "Location": [...] }, { "Day": [...] }]',
  },
  {
    name: '$or with an alternative that is not an object',
    pattern: { $or: [{ source: ['aws.ec2'] }, 'aws.s3'] },
    event: envelope(),
    expected: 'invalid',
    docRule: 'CF $or: an array of alternatives, e.g. [{ "Location": [...] }, { "Day": [...] }]',
  },
  {
    name: 'anything-but mixing strings and numbers',
    pattern: { detail: { state: [{ 'anything-but': ['stopped', 1] }] } },
    event: envelope(),
    expected: 'invalid',
    docRule: 'CF: anything-but takes "lists that contain only strings, or only numbers"',
  },
  {
    name: 'anything-but null',
    pattern: { detail: { state: [{ 'anything-but': null }] } },
    event: envelope(),
    expected: 'invalid',
    docRule: 'CF: "You can use anything-but matching with strings and numeric values"',
  },
  {
    name: 'anything-but a list of prefixes',
    pattern: { detail: { state: [{ 'anything-but': { prefix: ['a-', 'b-'] } }] } },
    event: envelope(),
    expected: 'invalid',
    docRule: 'CF: "Anything-but matching only works with a single prefix, not a list."',
  },
  {
    name: 'exists with a non-boolean',
    pattern: { detail: { state: [{ exists: 'yes' }] } },
    event: envelope(),
    expected: 'invalid',
    docRule: 'CF: exists takes true or false',
  },
  {
    name: 'wildcard with consecutive stars',
    pattern: { detail: { file: [{ wildcard: 'dir/**.png' }] } },
    event: envelope(),
    expected: 'invalid',
    docRule: 'CF wildcard: consecutive wildcard characters are not supported',
  },
  {
    name: 'wildcard escaping a character other than star or backslash',
    pattern: { detail: { file: [{ wildcard: 'dir\\file*' }] } },
    event: envelope(),
    expected: 'invalid',
    docRule: WILDCARD,
  },
  {
    name: 'an array nested inside a leaf',
    pattern: { detail: { tags: [['Insider']] } },
    event: envelope(),
    expected: 'invalid',
    docRule: 'EP: values are strings, numbers, and the keywords true, false, and null',
  },
  {
    name: 'a pattern that is not an object',
    pattern: [{ source: ['aws.ec2'] }],
    event: envelope(),
    expected: 'invalid',
    docRule: 'EP: "Event patterns have the same structure as the events they match"',
  },
  {
    name: 'pattern text that is not JSON',
    pattern: '{"source": ["aws.ec2"]',
    event: envelope(),
    expected: 'invalid',
    docRule: 'EP: event patterns are JSON',
  },
];

const rows: Row[] = [
  ...exactAndTypes,
  ...envelopeFields,
  ...arrays,
  ...prefixSuffixAndCase,
  ...wildcards,
  ...anythingBut,
  ...numeric,
  ...exists,
  ...cidr,
  ...or,
  ...combined,
  ...invalid,
];

type MatchRow = Row & { expected: boolean };
const matchRows = rows.filter((row): row is MatchRow => row.expected !== 'invalid');
const invalidRows = rows.filter((row) => row.expected === 'invalid');

describe('EventBridge event-pattern conformance', () => {
  it('keeps a table of at least 70 documented rows', () => {
    expect(rows.length).toBeGreaterThanOrEqual(70);
    expect(rows.every((row) => row.docRule.length > 0)).toBe(true);
  });

  it.each(matchRows)('$name', ({ pattern, event, expected }) => {
    // Prepare
    const matches = compilePattern(pattern);

    // Act
    const actual = matches(event);

    // Assess
    expect(actual).toBe(expected);
  });

  it.each(invalidRows)('refuses $name', ({ pattern }) => {
    // Act & Assess
    expect(() => compilePattern(pattern)).toThrow(InvalidEventPattern);
  });
});

describe('compilePattern', () => {
  it('names the offending path in the error', () => {
    // Prepare
    const pattern = { detail: { state: ['ok', { numeric: ['!=', 1] }] } };

    // Act
    const error = captureError(() => compilePattern(pattern));

    // Assess
    expect(error).toBeInstanceOf(InvalidEventPattern);
    expect(error).toMatchObject({
      name: 'InvalidEventPattern',
      path: 'detail.state[1].numeric[0]',
    });
    expect((error as Error).message).toContain('detail.state[1].numeric[0]');
  });

  it('names the $or alternative that is malformed', () => {
    // Prepare
    const pattern = { detail: { $or: [{ a: ['x'] }, { b: 'y' }] } };

    // Act
    const error = captureError(() => compilePattern(pattern));

    // Assess
    expect(error).toMatchObject({ path: 'detail.$or[1].b' });
  });

  it('refuses an operator name used as a field inside $or', () => {
    // Prepare
    const pattern = { $or: [{ numeric: ['>', 1] }, { source: ['aws.ec2'] }] };

    // Act & Assess
    expect(() => compilePattern(pattern)).toThrow(/\$or\[0\]\.numeric/);
  });

  it('accepts the JSON text of a pattern as PutRule does', () => {
    // Prepare
    const matches = compilePattern('{"detail": {"state": [{"anything-but": "initializing"}]}}');

    // Act & Assess
    expect(matches(envelope({ detail: { state: 'running' } }))).toBe(true);
    expect(matches(envelope({ detail: { state: 'initializing' } }))).toBe(false);
  });

  it('leaves the event untouched', () => {
    // Prepare
    const event = envelope({ detail: { attempts: [{ status: 'verified' }], tags: ['a'] } });
    const before = JSON.stringify(event);
    const matches = compilePattern({ detail: { attempts: { status: ['verified'] } } });

    // Act
    matches(event);

    // Assess
    expect(JSON.stringify(event)).toBe(before);
  });

  it('does not read inherited properties as event fields', () => {
    // Prepare
    const matches = compilePattern({ detail: { constructor: [{ exists: true }] } });

    // Act & Assess
    expect(matches(envelope({ detail: {} }))).toBe(false);
  });
});

describe('matchesPattern', () => {
  it('agrees with the compiled matcher', () => {
    // Prepare
    const pattern = { source: ['proctoring.reviews'], detail: { state: [{ prefix: 'ver' }] } };
    const event = envelope({ detail: { state: 'verified' } });

    // Act
    const direct = matchesPattern(pattern, event);

    // Assess
    expect(direct).toBe(true);
    expect(direct).toBe(compilePattern(pattern)(event));
  });
});

describe('cidr on texts that node:net reads its own way', () => {
  const matchesIp = (cidr: string, ip: unknown) =>
    compilePattern({ detail: { ip: [{ cidr }] } })(envelope({ detail: { ip } }));

  it('reads zero-padded IPv4 octets as decimal, in networks and in values', () => {
    // Act & Assess
    expect(matchesIp('010.000.0.0/16', '10.0.3.4')).toBe(true);
    expect(matchesIp('10.0.0.0/24', '010.0.0.007')).toBe(true);
    expect(matchesIp('10.0.0.0/24', '010.0.1.007')).toBe(false);
    expect(matchesIp('::ffff:a00:0/120', '::ffff:010.0.0.7')).toBe(true);
  });

  it('refuses an IPv6 zone identifier, which is not part of an address', () => {
    // Act & Assess
    expect(matchesIp('fe80::/10', 'fe80::1')).toBe(true);
    expect(matchesIp('fe80::/10', 'fe80::1%eth0')).toBe(false);
    expect(() => compilePattern({ detail: { ip: [{ cidr: 'fe80::%eth0/10' }] } })).toThrow(
      InvalidEventPattern,
    );
  });

  it('never matches an address of the other family, IPv4-mapped ones included', () => {
    // Act & Assess
    expect(matchesIp('10.0.0.0/8', '::ffff:10.0.0.1')).toBe(false);
    expect(matchesIp('::ffff:0:0/96', '10.0.0.1')).toBe(false);
    expect(matchesIp('::/0', '10.0.0.1')).toBe(false);
  });
});

describe('event-pattern properties', () => {
  it('an exact value and anything-but that value never both match a present scalar', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })),
        (value) => {
          const event = envelope({ detail: { field: value } });
          const exact = compilePattern({ detail: { field: [value] } })(event);
          const excluded = compilePattern({ detail: { field: [{ 'anything-but': value }] } })(
            event,
          );
          expect(exact).toBe(true);
          expect(excluded).toBe(false);
        },
      ),
    );
  });

  it('prefix, suffix and wildcard agree with string operations', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (head, middle, tail) => {
        const value = `${head}${middle}${tail}`;
        const event = envelope({ detail: { field: value } });
        const literal = (text: string) => text.replaceAll('\\', '\\\\').replaceAll('*', '\\*');
        expect(compilePattern({ detail: { field: [{ prefix: head }] } })(event)).toBe(true);
        expect(compilePattern({ detail: { field: [{ suffix: tail }] } })(event)).toBe(true);
        const wildcard = `${literal(head)}*${literal(tail)}`;
        expect(compilePattern({ detail: { field: [{ wildcard }] } })(event)).toBe(true);
      }),
    );
  });

  it('equals-ignore-case matches any casing of ASCII text', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const event = envelope({ detail: { field: text.toUpperCase() } });
        const pattern = { detail: { field: [{ 'equals-ignore-case': text.toLowerCase() }] } };
        expect(compilePattern(pattern)(event)).toBe(true);
      }),
    );
  });

  it('numeric ranges agree with number comparison', () => {
    const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
    fc.assert(
      fc.property(finite, finite, finite, (a, b, value) => {
        fc.pre(a < b);
        const pattern = { detail: { field: [{ numeric: ['>=', a, '<', b] }] } };
        const event = envelope({ detail: { field: value } });
        expect(compilePattern(pattern)(event)).toBe(value >= a && value < b);
      }),
    );
  });
});

function captureError(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected the action to throw');
}
