import { InternalAttemptNotFound, VideoNotAvailable } from '../errors.js';
import type { Logger } from '../log.js';
import type { AttemptStore, ReviewHistoryStore } from './ports.js';
import type { RevisionWithOutcome } from './review.js';
import type { VideoUrlCipher } from './video-url.js';

/** What staff read of a review beyond its latest revision: its history and its video. */
export interface ReviewHistoryDependencies {
  store: AttemptStore & ReviewHistoryStore;
}

/** Every revision of the attempt's review, oldest first, each with the workflow's outcome. */
export async function readReviewHistory(
  deps: ReviewHistoryDependencies,
  attemptCode: string,
): Promise<RevisionWithOutcome[]> {
  const attempt = await deps.store.getAttempt(attemptCode);
  if (!attempt) throw new InternalAttemptNotFound(attemptCode);
  return deps.store.getReviewHistory(attemptCode);
}

export interface VideoLinkDependencies extends ReviewHistoryDependencies {
  /** Absent when no video key is configured: no link can be read then. */
  videoUrlCipher: VideoUrlCipher | undefined;
  /** edX's waffle switch: SoftwareSecure's generic player link becomes its HTML5 one. */
  html5: boolean;
  log: Logger;
}

/**
 * The decrypted `videoReviewLink` of the newest revision that has one (edX's instructor
 * dashboard link). The log line names who asked and for which attempt; the link itself is never
 * logged. Archived attempts, attempts without a review or a link, and links that do not decrypt
 * (a removed key, a changed value) all answer `video_not_available`.
 */
export async function readVideoLink(
  deps: VideoLinkDependencies,
  attemptCode: string,
  requestedBy: string,
): Promise<string> {
  const log = deps.log.child({ attemptCode, requestedBy });
  const attempt = await deps.store.getAttempt(attemptCode);
  if (!attempt) throw new InternalAttemptNotFound(attemptCode);
  const refuse = (reason: string) => {
    log.info('review video refused', { reason });
    return new VideoNotAvailable(attemptCode);
  };
  if (attempt.archived) throw refuse('attempt archived');
  const stored = await deps.store.getLatestVideoLink(attemptCode);
  if (!stored) throw refuse('no revision has a video link');
  if (!deps.videoUrlCipher) throw refuse('no video key configured');
  let link: string;
  try {
    link = deps.videoUrlCipher.decrypt(stored.encryptedVideoUrl, attemptCode);
  } catch {
    log.warn('review video link does not decrypt', { revision: stored.revision });
    throw new VideoNotAvailable(attemptCode);
  }
  log.info('review video link handed out', { revision: stored.revision });
  return deps.html5 ? link.replaceAll('DirectLink-Generic', 'DirectLink-HTML5') : link;
}
