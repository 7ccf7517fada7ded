// The answer to `help`: written from the rule set itself, so it always lists what the matcher accepts.
// Examples sit in code spans, which the matcher does not scan, so the bot's own help never triggers a run.
import type { RuleSet } from './types.js';

export function helpText(ruleSet: RuleSet): string {
  const phrase = ruleSet.triggerPhrase;
  const lines = [`**Commands** — write \`${phrase} <command> <your request>\`:`, ''];
  for (const command of ruleSet.commands) {
    const aliases = command.aliases.length > 0 ? ` (also ${command.aliases.map((a) => `\`${a}\``).join(', ')})` : '';
    const approval =
      command.needs_approval === true
        ? ' Waits for approval.'
        : command.needs_approval === 'non-maintainers'
          ? ' Waits for approval unless a maintainer asks.'
          : '';
    const isDefault = command.name === ruleSet.defaultCommand ? ' This is the default when no command is named.' : '';
    lines.push(`- \`${command.name}\`${aliases} — ${command.description}${approval}${isDefault}`);
  }
  const autos = Object.entries(ruleSet.autoTriggers);
  if (autos.length > 0) {
    lines.push('', 'Runs on its own:');
    for (const [eventType, name] of autos) lines.push(`- \`${name}\` on ${eventType}`);
  }
  lines.push('', `Add "new conversation" to a request to start afresh instead of continuing this thread's conversation.`);
  return lines.join('\n');
}
