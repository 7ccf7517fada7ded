import { describe, expect, it } from 'vitest';
import { afterRunOf, afterRunProblems, plannedSteps } from './after-run-options.js';

describe('after-run options', () => {
  it('reads reply_to_linked as a boolean, and names anything else as a problem', () => {
    expect(afterRunOf({ reply_to_linked: true })).toEqual({ reply_to_linked: true });
    expect(afterRunOf({ reply_to_linked: false, notify_channel: 'C0123ABC' })).toEqual({ reply_to_linked: false, notify_channel: 'C0123ABC' });
    expect(afterRunOf({ reply_to_linked: 'yes' })).toBeUndefined();
    expect(afterRunProblems({ reply_to_linked: 'yes' })).toEqual(['options.reply_to_linked: true or false']);
    expect(afterRunProblems({ reply_to_linked: true, opens: 'jira_issue' })).toEqual([]);
  });

  it('plans the ticket before the notes, so the notes can name it', () => {
    expect(plannedSteps({ opens: 'jira_issue' })).toEqual(['jira_issue', 'flow_notes']);
    expect(plannedSteps(undefined)).toEqual(['flow_notes']);
  });
});
