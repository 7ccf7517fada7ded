/**
 * The honest label of how a finished task ended, used by analytics and the ledger. Status says where the task is in
 * its life; outcome says what it achieved.
 */
export const OUTCOMES = ['success', 'error', 'empty', 'cancelled', 'timeout', 'budget', 'interrupted'] as const;
export type Outcome = (typeof OUTCOMES)[number];
