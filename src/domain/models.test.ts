import { describe, expect, it } from 'vitest';
import { defaultModel, KNOWN_MODELS, MODEL_ALIASES, resolveModel, unknownModelMessage } from './models.js';

describe('models', () => {
  it('resolves aliases to the full name and keeps known full names', () => {
    expect(resolveModel('sonnet')).toBe('claude-sonnet-5-5');
    expect(resolveModel('Opus')).toBe('claude-opus-5-5');
    expect(resolveModel('haiku')).toBe('claude-haiku-5-5');
    expect(resolveModel('claude-haiku-4-5')).toBe('claude-haiku-4-5');
  });

  it('knows every alias target', () => {
    for (const target of Object.values(MODEL_ALIASES)) expect(KNOWN_MODELS).toContain(target);
  });

  it('refuses names it does not know, and says which it knows', () => {
    expect(resolveModel('gpt-4o')).toBeUndefined();
    expect(resolveModel('')).toBeUndefined();
    const message = unknownModelMessage('gpt-4o');
    expect(message).toContain('"gpt-4o"');
    expect(message).toContain('sonnet');
    expect(message).toContain('claude-opus-5-5');
  });

  it("keeps an operator's own default model name as configured", () => {
    expect(defaultModel('sonnet')).toBe('claude-sonnet-5-5');
    expect(defaultModel('my-proxy-model')).toBe('my-proxy-model');
  });
});
