import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { signatureFor } from '../lib/http/signature.js';
import type { AttemptRegistration } from '../lib/reviews/attempt.js';
import type { JsonObject } from '../lib/reviews/json.js';

/** What the benchmark sends: realistic registrations and SoftwareSecure callbacks. */

export const CALLBACK_PATH = '/api/edx_proctoring/proctoring_review_callback/';
export const BENCH_SECRET = 'bench-callback-secret';
export const BENCH_VIDEO_URL_KEY = '3c'.repeat(32);
export const EXTERNAL_ID = 'b7e1c93f2a4d4f08';

export function newAttemptCode(): string {
  return randomUUID().toUpperCase();
}

export function registration(index: number): AttemptRegistration {
  return {
    attemptId: 10_000 + index,
    externalId: EXTERNAL_ID,
    status: 'submitted',
    user: { id: 500 + index, username: `learner${index}`, email: `learner${index}@example.org` },
    exam: {
      id: 77,
      courseId: 'course-v1:BenchX+PERF101+2026_T4',
      contentId: 'block-v1:BenchX+PERF101+2026_T4+type@sequential+block@final',
      name: 'Final Exam',
      timeLimitMins: 120,
      isProctored: true,
      isPracticeExam: false,
      isActive: true,
      backendSupportsOnboarding: false,
    },
    isSampleAttempt: false,
    takingAsProctored: true,
    startedAt: '2026-11-20T09:00:00Z',
    completedAt: '2026-11-20T10:55:00Z',
    allowedTimeLimitMins: 120,
  };
}

/**
 * The review status of the i-th callback: mostly clean, as proctoring reviews are, with some of
 * every other outcome so each event kind and disposition is exercised (7 : 2 : 1 per ten).
 */
export function reviewStatusFor(index: number): string {
  const slot = index % 10;
  if (slot < 7) return 'Clean';
  if (slot < 9) return 'Suspicious';
  return 'Rules Violation';
}

function comment(text: string, status: string, start: number): JsonObject {
  return {
    comments: text,
    duration: 35,
    eventFinish: start + 35,
    eventStart: start,
    eventStatus: status,
  };
}

/** A SoftwareSecure "Reviewer Data Transfer" object of typical size (about 2 KB). */
export function vendorPayload(attemptCode: string, index: number): JsonObject {
  return {
    examDate: 'Nov 20 2026  9:01AM',
    examProcessingStatus: 'Review Completed',
    examTakerEmail: `learner${index}@example.org`,
    examTakerFirstName: 'Grace',
    examTakerLastName: 'Hopper',
    keySetVersion: '',
    examApiData: {
      duration: 120,
      examCode: attemptCode,
      examName: 'Final Exam',
      examPassword: 'k9Qw2xZr7LmP0aBc4dEf1g==',
      examSponsor: 'edX LMS',
      examUrl: `https://lms.example.org/api/edx_proctoring/proctoring_launch_callback/start_exam/${attemptCode}`,
      orgExtra: {
        courseID: 'course-v1:BenchX+PERF101+2026_T4',
        examEndDate: 'Fri, 20 Nov 2026 11:00:00 GMT',
        examID: 77,
        examStartDate: 'Fri, 20 Nov 2026 09:00:00 GMT',
        noOfStudents: 1,
      },
      organization: 'benchorg',
      reviewedExam: true,
      reviewerNotes: 'Open book; calculator allowed',
      ssiProduct: 'rp-now',
    },
    overAllComments: ';Candidate looked off-screen twice.',
    reviewStatus: reviewStatusFor(index),
    userPhotoBase64String: '',
    videoReviewLink: `https://www.remoteproctor.com/AdminSite/Account/Reviewer/DirectLink-Generic.aspx?ID=${attemptCode}`,
    examMetaData: {
      examCode: attemptCode,
      examName: 'Final Exam',
      examSponsor: 'edX LMS',
      organization: 'benchorg',
      reviewedExam: 'True',
      reviewerNotes: 'Open book; calculator allowed',
      simulatedExam: 'False',
      ssiExamToken: randomUUID().toUpperCase(),
      ssiProduct: 'rp-now',
      ssiRecordLocator: EXTERNAL_ID,
    },
    desktopComments: [comment('Second browser window opened', 'Suspicious', 1_240)],
    webCamComments: [
      comment('Looking away from the screen', 'Rules Violation', 310),
      comment('Background noise', 'Clean', 2_900),
    ],
  };
}

export interface SignedBody {
  body: string;
  headers: Record<string, string>;
}

/** A callback body with the vendor's signature headers (docs/api.md). */
export function signed(payload: JsonObject, secret: string): SignedBody {
  const body = JSON.stringify(payload);
  const timestamp = String(Math.floor(Date.now() / 1000));
  return {
    body,
    headers: {
      'Content-Type': 'application/json',
      'X-Proctoring-Timestamp': timestamp,
      'X-Proctoring-Signature': signatureFor(secret, timestamp, body),
    },
  };
}

/** The proxy event API Gateway hands the function: every media type is binary, so base64 bodies. */
export function callbackEvent(request: SignedBody): APIGatewayProxyEvent {
  return {
    resource: CALLBACK_PATH,
    path: CALLBACK_PATH,
    httpMethod: 'POST',
    headers: request.headers,
    multiValueHeaders: Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [name, [value]]),
    ),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: Buffer.from(request.body, 'utf8').toString('base64'),
    isBase64Encoded: true,
    requestContext: { requestId: randomUUID() } as APIGatewayProxyEvent['requestContext'],
  };
}
