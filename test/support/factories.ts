import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { signatureFor } from '../../lib/http/signature.js';
import type { AttemptRegistration } from '../../lib/reviews/attempt.js';
import type { JsonObject } from '../../lib/reviews/json.js';

/** Test data builders: each returns a fresh, valid object that a test then bends to its case. */

export const CALLBACK_PATH = '/api/edx_proctoring/proctoring_review_callback/';
export const TEST_SECRET = 'test-callback-secret';
export const VIDEO_LINK =
  'https://www.remoteproctor.com/AdminSite/Account/Reviewer/DirectLink-Generic.aspx?ID=7c1e9a';

export function newAttemptCode(): string {
  return randomUUID().toUpperCase();
}

export function attemptRegistration(
  overrides: Partial<AttemptRegistration> = {},
): AttemptRegistration {
  return {
    attemptId: 1001,
    externalId: '5f9a3c1e7b2d4a60',
    status: 'submitted',
    user: { id: 7, username: 'ada', email: 'ada@example.org' },
    exam: {
      id: 42,
      courseId: 'course-v1:ExampleX+CS101+2024_T1',
      contentId: 'block-v1:ExampleX+CS101+2024_T1+type@sequential+block@mid',
      name: 'Midterm Exam',
      timeLimitMins: 90,
      isProctored: true,
      isPracticeExam: false,
      isActive: true,
      backendSupportsOnboarding: false,
    },
    isSampleAttempt: false,
    takingAsProctored: true,
    startedAt: '2024-03-02T15:40:00Z',
    completedAt: '2024-03-02T17:05:00Z',
    allowedTimeLimitMins: 90,
    ...overrides,
  };
}

export interface VendorPayloadOptions {
  attemptCode: string;
  externalId?: string;
  reviewStatus?: string;
  webCamComments?: JsonObject[];
  desktopComments?: JsonObject[];
}

export function vendorComment(
  comments: string,
  eventStatus = 'Suspicious',
  eventStart = 12,
): JsonObject {
  return { comments, duration: 40, eventFinish: eventStart + 40, eventStart, eventStatus };
}

/** A SoftwareSecure "Reviewer Data Transfer" object with every field the vendor sends. */
export function vendorPayload(options: VendorPayloadOptions): JsonObject {
  const { attemptCode } = options;
  return {
    examDate: 'Mar  2 2024  3:41PM',
    examProcessingStatus: 'Review Completed',
    examTakerEmail: 'learner@example.org',
    examTakerFirstName: 'Ada',
    examTakerLastName: 'Lovelace',
    keySetVersion: '',
    examApiData: {
      duration: 90,
      examCode: '9F3C2A5E-7D41-4B0E-A6C2-31D8E5F07B19',
      examName: 'Midterm Exam',
      examPassword: 'q3T0l2ZxK1c9bWQyVn8rAa==',
      examSponsor: 'edX LMS',
      examUrl: `https://lms.example.org/api/edx_proctoring/proctoring_launch_callback/start_exam/${attemptCode}`,
      orgExtra: {
        courseID: 'course-v1:ExampleX+CS101+2024_T1',
        examEndDate: 'Sat, 02 Mar 2024 17:10:00 GMT',
        examID: 42,
        examStartDate: 'Sat, 02 Mar 2024 15:40:00 GMT',
        noOfStudents: 1,
      },
      organization: 'exampleorg',
      reviewedExam: true,
      reviewerNotes: 'Closed Book',
      ssiProduct: 'rp-now',
    },
    overAllComments: ';Second person visible at 00:14:05.',
    reviewStatus: options.reviewStatus ?? 'Suspicious',
    userPhotoBase64String: '',
    videoReviewLink: VIDEO_LINK,
    examMetaData: {
      examCode: attemptCode,
      examName: 'Midterm Exam',
      examSponsor: 'edX LMS',
      organization: 'exampleorg',
      reviewedExam: 'True',
      reviewerNotes: 'Closed Book',
      simulatedExam: 'False',
      ssiExamToken: '0B6F2D8C-1E4A-4C7B-9F3E-5A2D7C9E1B04',
      ssiProduct: 'rp-now',
      ssiRecordLocator: options.externalId ?? '5f9a3c1e7b2d4a60',
    },
    desktopComments: options.desktopComments ?? [
      vendorComment('Browsing other websites', 'Suspicious', 12),
    ],
    webCamComments: options.webCamComments ?? [
      vendorComment('Second person in room', 'Suspicious', 845),
      vendorComment('Looking away from computer', 'Rules Violation', 107),
    ],
  };
}

export interface ApiEventOptions {
  method?: string;
  path?: string;
  body?: string | Buffer | undefined;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  base64?: boolean;
}

/** An API Gateway REST proxy event, as the gateway (or the local API) hands it to a function. */
export function apiEvent(options: ApiEventOptions = {}): APIGatewayProxyEvent {
  const body = options.body;
  const base64 = options.base64 ?? Buffer.isBuffer(body);
  return {
    httpMethod: options.method ?? 'POST',
    path: options.path ?? CALLBACK_PATH,
    resource: options.path ?? CALLBACK_PATH,
    headers: options.headers ?? {},
    multiValueHeaders: {},
    queryStringParameters: options.query ?? null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body:
      body === undefined
        ? null
        : base64
          ? Buffer.from(body).toString('base64')
          : Buffer.from(body).toString('utf8'),
    isBase64Encoded: base64,
    requestContext: { requestId: randomUUID() } as APIGatewayProxyEvent['requestContext'],
  };
}

/** A vendor callback signed the way docs/api.md says. */
export function signedCallback(
  payload: unknown,
  options: { secret?: string; timestamp?: number; headers?: Record<string, string> } = {},
): APIGatewayProxyEvent {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  return apiEvent({
    body,
    headers: {
      'Content-Type': 'application/json',
      'X-Proctoring-Timestamp': timestamp,
      'X-Proctoring-Signature': signatureFor(options.secret ?? TEST_SECRET, timestamp, body),
      ...options.headers,
    },
  });
}
