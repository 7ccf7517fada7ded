import { describe, expect, it } from 'vitest';
import { joinTranscript, skeletonRefs, splitTranscript } from './transcript-parts.js';

const PROMPT = Array.from({ length: 400 }, (_, i) => `Rule ${i}: the same words every session repeats.`).join('\n');
const TOOLS = Array.from({ length: 30 }, (_, i) => ({ name: `tool_${i}`, description: `Does thing ${i}. `.repeat(20), input_schema: { type: 'object' } }));

/** A transcript as Claude Code writes one: ids, times and the working directory differ per session, the rest repeats. */
function transcript(session: string): string {
  const prompt = PROMPT.replace('Rule 1:', `Primary working directory: /data/workspaces/${session}\nRule 1:`);
  return [
    { type: 'user', uuid: `${session}-1`, sessionId: session, message: { role: 'user', content: 'hello' } },
    { type: 'attachment', uuid: `${session}-2`, sessionId: session, attachment: { systemPrompt: [prompt], tools: TOOLS } },
    { type: 'api-request-shape', sessionId: session, shape: { system: [{ type: 'text', text: prompt }], tools: TOOLS } },
  ]
    .map((line) => JSON.stringify(line))
    .concat([''])
    .join('\n');
}

function roundTrip(text: string): string {
  const { skeleton, parts } = splitTranscript(text);
  return joinTranscript(skeleton, (hash) => parts.get(hash));
}

describe('transcripts as a skeleton and shared parts', () => {
  it('gives back exactly the text it was made from', () => {
    expect(roundTrip(transcript('s1'))).toBe(transcript('s1'));
    const odd = [
      `{"b":1,"a":"${'y'.repeat(2000)}"}`, // keys out of order stay so
      `{"n": 1, "s":"${'z'.repeat(2000)}"}`, // not as JSON.stringify writes it: kept as it is
      `{"2":"two","1":"${'w'.repeat(2000)}"}`, // JSON.parse reorders integer keys: kept as it is
      JSON.stringify({ ['\u0000ref']: 'looks like a reference', pad: 'p'.repeat(2000) }), // a key of the encoding: kept
      `{"__proto__":{"x":"${'q'.repeat(2000)}"}}`,
      `not json ${'j'.repeat(2000)}`,
      'short line',
      '',
      'last line without a newline',
    ].join('\r\n');
    expect(roundTrip(odd)).toBe(odd);
  });

  it('keeps a line of megabytes (a long reply) as it is, without parsing it', () => {
    const huge = `${JSON.stringify({ type: 'assistant', text: 'r'.repeat(5 * 1024 * 1024) })}\n`;
    const { skeleton, parts } = splitTranscript(huge);
    expect(parts.size).toBe(0);
    expect(joinTranscript(skeleton, () => undefined)).toBe(huge);
  });

  it('stores the large values two sessions repeat once: only what differs is new', () => {
    const a = splitTranscript(transcript('session-a'));
    const b = splitTranscript(transcript('session-b'));
    const onlyB = [...b.parts].filter(([hash]) => !a.parts.has(hash));
    const newBytes = onlyB.reduce((n, [, json]) => n + json.length, 0);
    const text = transcript('session-b');
    expect(newBytes + b.skeleton.length).toBeLessThan(text.length / 5);
    expect(onlyB.some(([, json]) => json.includes('/data/workspaces/session-b'))).toBe(true);
    expect(skeletonRefs(b.skeleton).size).toBeGreaterThan(0);
  });

  it('refuses to join a skeleton whose part is not kept', () => {
    const { skeleton, parts } = splitTranscript(transcript('s1'));
    const missing = [...parts.keys()][0]!;
    expect(() => joinTranscript(skeleton, (hash) => (hash === missing ? undefined : parts.get(hash)))).toThrow(/not kept/);
  });
});
