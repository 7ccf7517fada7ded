// What the repository's agent home ships, sorted by name: the registry seeds these, and every run lists them.
import path from 'node:path';
import { projectRoot } from '../../src/paths.js';

export const AGENT_HOME = path.join(projectRoot, 'agent-home');

export const SHIPPED_AGENTS = [
  'brain', 'executor', 'github-issue-handler', 'github-pr-review', 'jira-code-plan', 'planning', 'service-integrator',
  'slack-inquiry', 'verifier',
];

export const SHIPPED_SKILLS = [
  'discovery', 'github-operations', 'human-approval', 'jira-operations', 'slack-operations', 'testing', 'verification',
  'webhook-management',
];
