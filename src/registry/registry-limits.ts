// How much the registry may hold in all; per-skill limits (files, bytes a file and a skill) are in skill-files.ts.
// Every worker writes the whole registry to disk when it changes, and every run lists every agent and skill to the
// model, so neither may grow without bound. Built-ins seeded from AGENT_HOME and restores of them are not counted
// against a write: the operator ships those.
import type { FootprintGuard, RegistryFootprint } from '../storage/repositories/registry.js';
import { conflict, DomainError } from '../domain/errors.js';

export const REGISTRY_LIMITS = {
  agents: 100,
  skills: 100,
  /** Agents' files and skills' folders together (a skill counted as its stored JSON). */
  totalBytes: 8 * 1024 * 1024,
} as const;

const mib = (bytes: number) => `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MiB`;

/**
 * Refuses a write that adds to a count or to the size past its limit (409 for a count, 413 for the size). A write
 * that does not grow the registry always passes, so a registry that is over a limit (a lowered limit, built-ins) can
 * still be trimmed.
 */
export function registryLimitGuard(field: string, limits: typeof REGISTRY_LIMITS = REGISTRY_LIMITS): FootprintGuard {
  return (before: RegistryFootprint, after: RegistryFootprint) => {
    for (const kind of ['agents', 'skills'] as const) {
      if (after[kind] > before[kind] && after[kind] > limits[kind]) {
        throw conflict(`registry limit: at most ${limits[kind]} ${kind} (there are ${before[kind]}); delete one first`, 'name');
      }
    }
    if (after.bytes > before.bytes && after.bytes > limits.totalBytes) {
      throw new DomainError('too_large', `registry limit: at most ${mib(limits.totalBytes)} of agents and skills in all; this write would make it ${mib(after.bytes)}`, { field });
    }
  };
}
