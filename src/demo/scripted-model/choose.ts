import { blocksOf, findDirective, latestPromptIndex, visibleText } from './request.js';
import { text } from './replies.js';
import type { Choice, Message, RecordedRequest, Script } from './types.js';

/** Requests seen per conversation key, for the scripts that fail only the first N (`error STATUS N`, `drop N`). */
export type FailureCounters = Map<string, number>;

/**
 * The answer to an agent-loop request: the script its latest prompt names (`[[script:NAME args…]]`), at the turn
 * the conversation has reached since that prompt; without a directive, the demo's echo.
 */
export function chooseReply(scripts: Readonly<Record<string, Script>>, counters: FailureCounters, body: any, rec: RecordedRequest): Choice {
  const messages: Message[] = Array.isArray(body?.messages) ? body.messages : [];
  const pIdx = latestPromptIndex(messages);
  const prompt = messages[pIdx];
  const directive = findDirective(prompt);
  rec.script = directive?.name ?? 'default';
  if (!directive) {
    const said = visibleText(prompt).slice(0, 200);
    return { reply: text(`Scripted demo model: I received your message "${said}". No real model is connected.`) };
  }
  const script = Object.hasOwn(scripts, directive.name) ? scripts[directive.name] : undefined;
  if (!script) return { reply: text(`Scripted model: unknown script "${directive.name}".`) };

  const after = pIdx >= 0 ? messages.slice(pIdx + 1) : [];
  const last = messages[messages.length - 1];
  const key = `${directive.name}|${rec.sessionId ?? ''}|${pIdx}|${visibleText(prompt)}`;
  return script({
    args: directive.args,
    rest: directive.rest,
    turn: after.filter((m) => m.role === 'assistant' && blocksOf(m).some((b) => b.type === 'tool_use')).length,
    after,
    lastResults: last?.role === 'user' ? blocksOf(last).filter((b) => b.type === 'tool_result') : [],
    body,
    rec,
    failing(n) {
      const count = (counters.get(key) ?? 0) + 1;
      counters.set(key, count);
      return { fails: count <= n, count };
    },
  });
}
