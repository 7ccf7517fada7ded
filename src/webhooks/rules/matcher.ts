// Which command, if any, an event asks for. Pure: the rule set and the bot's ids come in, a decision and a sentence
// for the delivery inspector go out. Who may run it (permissions, bots, allowlists) is decided elsewhere.
//
// Order: a pressed button names its command; an event addressed to someone else (a Jira issue assigned to a person)
// matches nothing; the trigger phrase or a mention of the bot, found outside quotes and code, selects the command
// named by the next word (else the default); an event already addressed to the bot (Slack mention, DM, slash
// command, Jira assignment to the agent) needs no phrase; finally the rule set's auto triggers.
import type { EngineEvent } from '../engine.js';
import { adapterFor, isProvider } from '../providers/index.js';
import type { ProviderEvent } from '../providers/types.js';
import { type ConditionContext, evaluate, regexBudget } from './conditions.js';
import type { CommandSpec, MatchResult, Route, Rule, RuleSet } from './types.js';

export interface MatchOptions {
  /**
   * The bot's own ids: Slack user ids (a `<@ID>` mention counts as the trigger phrase) and the agent's Jira account
   * id (a `[~accountid:ID]` mention counts, and an assignment to it addresses the agent).
   */
  botMentionIds?: string[];
}

/** What the phrase matcher reads of an event. */
type Addressable = Pick<ProviderEvent, 'eventType' | 'text' | 'action' | 'addressedTo'> & { provider: string };

/** Why each rule of a route matched or not, for the delivery inspector. */
export interface RuleDecision {
  command: string | null;
  command_id?: string;
  matched: boolean;
  why: string;
}

/** A rule that matched a delivery, with what the user asked of it. */
export interface RuleMatch {
  rule: Rule;
  userContent: string;
  newConversation: boolean;
  /** How the delivery reached the rule: as for MatchResult, or 'event' where every matching rule runs. */
  via: Extract<MatchResult, { matched: true }>['via'] | 'event';
  why: string;
}

export interface RouteMatch {
  decisions: RuleDecision[];
  matched: RuleMatch[];
  /** Why nothing matched. */
  reason: string;
}

/**
 * The one matcher: address → match → conditions, over a route's enabled rules. A built-in route is addressed by the
 * trigger phrase (a mention, a button, an auto trigger), which names one rule; a user's webhook runs every rule whose
 * trigger names the event type, in priority order, until one that stops the rest. Conditions are checked last, with
 * one regular-expression budget for the whole delivery.
 */
export function matchRoute(event: EngineEvent, route: Route, opts: MatchOptions = {}): RouteMatch {
  const context = conditionContext(event);
  const budget = regexBudget(); // one for the whole delivery, however many rules it meets
  if (route.addressing === 'every') return matchEvery(event, route.commands, context, budget);
  const rules = route.commands.filter((c) => c.enabled);
  const match = matchCommand(event, { ...route, commands: rules }, opts);
  const none = (why: string): RouteMatch => ({ decisions: [{ command: null, matched: false, why }], matched: [], reason: why });
  if (!match.matched) return none(match.reason);
  const rule = match.command as Rule;
  const held = evaluate(rule.conditions, context, budget);
  if (!held.ok) return none(`${match.explanation}, but its conditions do not hold: ${held.why}`);
  const decisions = rules.map((c) => (c === rule ? { command: c.name, matched: true, why: match.explanation } : { command: c.name, matched: false, why: `the request names ${rule.name}` }));
  return { decisions, matched: [{ rule, userContent: match.userContent, newConversation: match.newConversation, via: match.via, why: match.explanation }], reason: '' };
}

export function conditionContext(event: EngineEvent): ConditionContext {
  return { payload: event.payload, headers: event.headers, event: { type: event.eventType, provider: event.provider, text: event.text, actor: event.actor } };
}

function matchEvery(event: EngineEvent, rules: Rule[], context: ConditionContext, budget: ReturnType<typeof regexBudget>): RouteMatch {
  const decisions: RuleDecision[] = [];
  const matched: RuleMatch[] = [];
  let stoppedBy: string | undefined;
  for (const c of [...rules].sort((a, b) => a.priority - b.priority)) {
    const base = { command: c.name, command_id: c.command_id };
    if (stoppedBy) decisions.push({ ...base, matched: false, why: `not evaluated: "${stoppedBy}" matched first and stops the rest` });
    else if (!c.enabled) decisions.push({ ...base, matched: false, why: 'disabled' });
    else if (!c.triggers.includes('*') && !c.triggers.includes(event.eventType)) {
      decisions.push({ ...base, matched: false, why: `runs on ${c.triggers.join(', ')}, not ${event.eventType}` });
    } else {
      const result = evaluate(c.conditions, context, budget);
      const why = result.ok ? `${event.eventType} and ${result.why}` : result.why;
      decisions.push({ ...base, matched: result.ok, why });
      if (result.ok) {
        matched.push({ rule: c, userContent: event.text, newConversation: false, via: 'event', why });
        if (c.stop_after_match) stoppedBy = c.name;
      }
    }
  }
  return { decisions, matched, reason: decisions.length ? 'no command matched' : 'the webhook has no commands' };
}

export function matchCommand(event: Addressable, ruleSet: Pick<RuleSet, 'provider' | 'triggerPhrase' | 'defaultCommand' | 'autoTriggers'> & { commands: CommandSpec[] }, opts: MatchOptions = {}): MatchResult {
  const botIds = (opts.botMentionIds ?? []).filter((id) => id !== '');
  const auto = Object.hasOwn(ruleSet.autoTriggers, event.eventType) ? ruleSet.autoTriggers[event.eventType] : undefined;
  if (!auto && !ruleSet.commands.some((c) => c.triggers.includes(event.eventType))) {
    return { matched: false, reason: `No ${ruleSet.provider} command runs on ${event.eventType} events.` };
  }

  if (event.action) return matchAction(event, event.action, ruleSet);

  const addressedTo = event.addressedTo;
  if (addressedTo && addressedTo !== 'bot' && !addressedTo.accountIds.some((id) => botIds.includes(id))) {
    const who = addressedTo.accountIds.join(', ') || 'nobody';
    const reason =
      botIds.length === 0
        ? `This ${event.eventType} event is addressed to ${who}; the agent's own account id is not configured, ` +
          'so it cannot be the agent.'
        : `This ${event.eventType} event is addressed to ${who}, not to the agent.`;
    return { matched: false, reason };
  }
  const addressedToBot = addressedTo !== undefined;

  const hit = findTrigger(event.text, ruleSet.triggerPhrase, botIds);
  if (hit) {
    return matchRequest(event, ruleSet, event.text.slice(hit.end), 'phrase', `The text says "${hit.said}"`);
  }
  if (addressedToBot && !auto) {
    const because = `This ${event.eventType} event is addressed to the bot`;
    return matchRequest(event, ruleSet, stripLeadingMentions(event.text), 'addressed', because);
  }
  if (auto) {
    const command = ruleSet.commands.find((c) => c.name === auto);
    if (!command) {
      return { matched: false, reason: `The auto trigger for ${event.eventType} names "${auto}", which is not a command.` };
    }
    return {
      matched: true,
      command,
      userContent: '',
      newConversation: false,
      explanation: `${cmd(command.name)} runs automatically on ${event.eventType} events; no trigger phrase is needed.`,
      via: 'auto',
    };
  }
  const orBot = botIds.length > 0 ? ' or the bot' : '';
  const reason = `The text does not mention "${ruleSet.triggerPhrase}"${orBot} outside quoted lines and code.`;
  return { matched: false, reason };
}

type Commands = Pick<RuleSet, 'defaultCommand'> & { commands: CommandSpec[] };

function matchAction(event: Addressable, action: NonNullable<ProviderEvent['action']>, ruleSet: Commands): MatchResult {
  const command = findCommand(ruleSet, action.id);
  if (!command) return { matched: false, reason: `The button "${action.id}" does not name a command.` };
  if (!command.triggers.includes(event.eventType)) return notOnThisEvent(command, event.eventType);
  return {
    matched: true,
    command,
    userContent: action.value ?? '',
    newConversation: false,
    explanation: `The "${action.id}" button was pressed, which runs ${cmd(command.name)}.`,
    via: 'action',
  };
}

/**
 * `request` is what follows the trigger (or the whole text of an addressed event): an optional command word, then
 * what the user asks for.
 */
function matchRequest(
  event: Addressable,
  ruleSet: Commands,
  request: string,
  via: 'phrase' | 'addressed',
  because: string,
): MatchResult {
  const newConversation = NEW_CONVERSATION.test(request);
  let rest = request.replace(NEW_CONVERSATION_ALL, ' ').replace(/^[\s:,;.!-]+/, '');
  const word = /^[A-Za-z][\w-]*/.exec(rest)?.[0];
  const named = word ? findCommand(ruleSet, word) : undefined;
  let command: CommandSpec | undefined;
  let explanation: string;
  if (named) {
    if (!named.triggers.includes(event.eventType)) return notOnThisEvent(named, event.eventType);
    command = named;
    rest = rest.slice(word!.length);
    const alias = named.name.toLowerCase() === word!.toLowerCase() ? '' : ` (an alias of ${cmd(named.name)})`;
    explanation = `${because}, followed by "${word}"${alias}, so ${cmd(named.name)} runs.`;
  } else {
    command = ruleSet.commands.find((c) => c.name === ruleSet.defaultCommand);
    if (!command) return { matched: false, reason: `The default command "${ruleSet.defaultCommand}" does not exist.` };
    if (!command.triggers.includes(event.eventType)) {
      const reason =
        `${because}, but no command is named and the default ${cmd(command.name)} ` +
        `does not run on ${event.eventType} events.`;
      return { matched: false, reason };
    }
    const next = word ? `"${word}" is not a command` : 'no command is named';
    explanation = `${because}; ${next}, so the default command ${cmd(command.name)} runs with the text as the request.`;
  }
  if (newConversation) explanation += ' "new conversation" starts a fresh conversation for this thread.';
  let userContent = rest.replace(/^[\s:,;.!-]+/, '').trim();
  const plainText = isProvider(event.provider) ? adapterFor(event.provider).plainText : undefined;
  if (plainText) userContent = plainText(userContent);
  return { matched: true, command, userContent, newConversation, explanation, via };
}

function notOnThisEvent(command: CommandSpec, eventType: string): MatchResult {
  return {
    matched: false,
    reason: `${cmd(command.name)} does not run on ${eventType} events (it runs on ${command.triggers.join(', ')}).`,
  };
}

function findCommand(ruleSet: Commands, word: string): CommandSpec | undefined {
  const w = word.toLowerCase();
  return ruleSet.commands.find((c) => c.name.toLowerCase() === w || c.aliases.some((a) => a.toLowerCase() === w));
}

// "new conversation", with the words people put around it ("in a new conversation", "start a new-conversation").
// Every pattern here runs over text anyone can send, before their permission is checked, so each must take time
// linear in it (src/webhooks/rules/linear-time.test.ts feeds them 1 MiB): the lookbehind lets a match start only at
// the beginning of a run of blanks, so a run is scanned once, not once per position in it.
const NEW_CONVERSATION_SOURCE =
  String.raw`(?<![ \t])[ \t]*(?:\b(?:in|start|with|as|on)[ \t]+)?(?:\ba[ \t]+)?\bnew[ \t-]+conversation\b[ \t]*`;
const NEW_CONVERSATION = new RegExp(NEW_CONVERSATION_SOURCE, 'i');
const NEW_CONVERSATION_ALL = new RegExp(NEW_CONVERSATION_SOURCE, 'gi');

/**
 * The first trigger outside quotes and code: the phrase at a word boundary ("@agent" but not "@agents" or
 * "me@agent.io"), a Slack mention `<@ID>` or a Jira mention `[~accountid:ID]` of the bot. Positions refer to `text`.
 */
export function findTrigger(
  text: string,
  phrase: string,
  botIds: readonly string[],
): { end: number; said: string } | null {
  const scanned = maskUnscanned(text);
  const patterns = [new RegExp(String.raw`(?<![\w@])${escapeRegExp(phrase)}(?![\w-])`, 'i')];
  if (botIds.length > 0) {
    const ids = botIds.map(escapeRegExp).join('|');
    patterns.push(
      // A label never holds "<" (Slack escapes it), so a mention left open stops at the next one.
      new RegExp(String.raw`<@(?:${ids})(?:\|[^<>]*)?>`, 'i'), // Slack
      new RegExp(String.raw`\[~accountid:(?:${ids})\]`, 'i'), // Jira wiki markup; ADF mentions are flattened to it
    );
  }
  let best: RegExpExecArray | null = null;
  for (const pattern of patterns) {
    const m = pattern.exec(scanned);
    if (m && (!best || m.index < best.index)) best = m;
  }
  return best ? { end: best.index + best[0].length, said: text.slice(best.index, best.index + best[0].length) } : null;
}

/**
 * Blanks (same length, newlines kept) what is not scanned for triggers: fenced and inline code, Jira {code},
 * {noformat} and {quote} blocks, and quoted lines ("> ", Slack's "&gt; ", Jira's "bq. "). Quoting a bot reply or
 * showing an example command therefore never triggers a run.
 */
export function maskUnscanned(text: string): string {
  const blank = (m: string) => (m.includes('\n') ? m.replace(/[^\n]/g, ' ') : ' '.repeat(m.length));
  let masked = text;
  if (masked.includes('```')) masked = masked.replace(/```[\s\S]*?(?:```|$)/g, blank);
  // Parameters ({code:java}) never hold "{": an opening left unclosed is given up at the next brace.
  if (masked.includes('{')) masked = masked.replace(/\{(code|noformat|quote)(?::[^{}]*)?\}[\s\S]*?(?:\{\1\}|$)/gi, blank);
  if (masked.includes('`')) masked = masked.replace(/`[^`\n]*`/g, blank);
  return masked.replace(/^[ \t]*(?:>|&gt;|bq\.[ \t]).*$/gm, blank);
}

function stripLeadingMentions(text: string): string {
  return text.replace(/^\s*(?:(?:<@[A-Z0-9]+(?:\|[^<>]*)?>|\[~accountid:[^\]]+\])[\s,:]*)+/i, '');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function cmd(name: string): string {
  return `\`${name}\``;
}
