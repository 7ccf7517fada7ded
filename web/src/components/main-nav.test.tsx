import { describe, expect, it } from 'vitest';
import { activeNav } from './main-nav';

describe('the active tab', () => {
  it('is the page a path belongs to, a task opened from the Overview included', () => {
    expect(activeNav('/')).toBe('/');
    expect(activeNav('/tasks/task_1')).toBe('/');
    expect(activeNav('/chat/conv_1')).toBe('/chat');
    expect(activeNav('/hooks/static/github')).toBe('/hooks');
    expect(activeNav('/registry')).toBe('/registry');
    expect(activeNav('/registry/agents/planning')).toBe('/registry');
    expect(activeNav('/chatter')).toBeUndefined();
  });
});
