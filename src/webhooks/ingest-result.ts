import type { Verdict } from './delivery-rules.js';

/** What happened to a delivery; the route only translates it into a status. */
export type IngestResult =
  | (Verdict & { eventId: string }) // accepted 202, acted/ignored/answered/approved/rejected/refused 200, unavailable 503
  | { outcome: 'duplicate'; taskId: string | null; eventId: string } // 200
  | { outcome: 'merged'; taskId: string; count: number; eventId: string } // 200: joined a storm's queued or running task
  | { outcome: 'handshake'; body: string; contentType: string } // 200
  | { outcome: 'failed'; why: string; eventId: string } // 500: nothing kept that would stop a redelivery
  | { outcome: 'verification_failed'; why: string } // 401
  | { outcome: 'bad_request'; why: string } // 400
  | { outcome: 'not_found'; why: string }; // 404

export function statusOf(result: IngestResult): number {
  switch (result.outcome) {
    case 'accepted':
      return 202;
    case 'verification_failed':
      return 401;
    case 'bad_request':
      return 400;
    case 'not_found':
      return 404;
    case 'unavailable':
      return 503;
    case 'failed':
      return 500;
    default:
      return 200;
  }
}
