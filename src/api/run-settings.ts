import type { RunSettings } from '../contracts/run-settings.js';
import { DomainError } from '../domain/errors.js';
import { KNOWN_MODELS, MODEL_ALIASES, resolveModel, unknownModelMessage } from '../domain/models.js';
import type { Services } from '../services.js';
import type { ConversationSettingsPatch } from '../storage/repositories/conversations.js';

/**
 * Checks the agent and model a chat or conversation request names and resolves the model's alias, so what is stored
 * (and later recorded on each task) is the full name. An unknown agent would make Claude Code exit 1 after the task
 * was queued, and an unknown model fail the run: both are refused here with the names that would do.
 */
export async function checkRunSettings(s: Services, input: RunSettings): Promise<ConversationSettingsPatch> {
  const patch: ConversationSettingsPatch = {};
  if (input.agent !== undefined) {
    if (input.agent !== null && s.registry) {
      const agents = await s.registry.service.runnableAgents();
      if (!agents.includes(input.agent)) {
        throw new DomainError('invalid', `invalid request: agent: no agent "${input.agent}"; available: ${agents.join(', ')}`, { field: 'agent', details: { field: 'agent', available: agents } });
      }
    }
    patch.agent = input.agent;
  }
  if (input.model !== undefined) {
    const model = input.model === null ? null : resolveModel(input.model);
    if (model === undefined) {
      throw new DomainError('invalid', `invalid request: model: ${unknownModelMessage(input.model!)}`, { field: 'model', details: { field: 'model', known: KNOWN_MODELS, aliases: MODEL_ALIASES } });
    }
    patch.model = model;
  }
  if (input.permission_mode !== undefined) patch.permission_mode = input.permission_mode;
  return patch;
}

export const changesSomething = (patch: ConversationSettingsPatch) => Object.values(patch).some((v) => v !== undefined);
