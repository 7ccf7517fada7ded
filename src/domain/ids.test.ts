import { describe, expect, it } from 'vitest';
import { conversationIdFor, externalThreadId, flowIdFor, newId } from './ids.js';

describe('ids', () => {
  it('mints unique ids that sort in creation order', () => {
    const ids = Array.from({ length: 2000 }, () => newId('task'));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    expect(ids[0]).toMatch(/^task_[0-9a-z]{12}[0-9a-f]{12}$/);
  });

  it('derives flow and conversation ids stably from an external id', () => {
    const thread = externalThreadId('github', 'octo/repo#12');
    expect(flowIdFor(thread)).toBe(flowIdFor('github:octo/repo#12'));
    expect(conversationIdFor(thread)).toBe(conversationIdFor('github:octo/repo#12'));
    expect(flowIdFor(thread)).not.toBe(flowIdFor('github:octo/repo#13'));
    expect(flowIdFor(thread).slice(5)).not.toBe(conversationIdFor(thread).slice(5));
  });
});
