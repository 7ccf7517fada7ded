// Local stand-ins for the GitHub, Slack, Jira and Sentry APIs (GitLab's is in fake-gitlab.ts), on 127.0.0.1 with a
// random port: one module per fake under test/support/fakes/, the common server/recording code in fakes/http.ts.
// This module re-exports them all, so importers need not know the split.
export * from './fakes/git.js';
export * from './fakes/github.js';
export * from './fakes/http.js';
export * from './fakes/jira.js';
export * from './fakes/sentry.js';
export * from './fakes/slack.js';
