/** Where replies to a Sentry delivery go (recorded on its task for the post-back). */
export interface SentryTarget {
  provider: 'sentry';
  issueId: string;
  organizationSlug?: string;
}
