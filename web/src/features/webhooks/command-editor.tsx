import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../../lib/api-client';
import { Button, Checkbox, ErrorBox, Field, Input, Select, TextArea } from '../../components/ui';
import { ACTIONS, type Command, PermissionMode, type StaticCommand } from '../../lib/contracts';

const PERMISSION_MODES = PermissionMode.options;

interface Draft {
  name: string;
  trigger: string;
  description: string;
  priority: string;
  action: string;
  agent: string;
  template: string;
  conditions: string;
  options: string;
  permission_mode: string;
  allowed_tools: string;
  disallowed_tools: string;
  /** 'true', 'false' or 'non-maintainers', as the select holds it. */
  needs_approval: string;
  stop_after_match: boolean;
  enabled: boolean;
  /** A cron expression, '' for none. */
  schedule: string;
}

const pretty = (v: unknown) => (v === null || v === undefined || (typeof v === 'object' && Object.keys(v).length === 0) ? '' : JSON.stringify(v, null, 2));

function draftOf(c?: Command | StaticCommand): Draft {
  return {
    name: c?.name ?? '',
    trigger: !c ? '' : 'trigger' in c ? c.trigger : c.triggers.join(', '),
    description: c?.description ?? '',
    priority: String(c?.priority ?? 100),
    action: c?.action ?? 'create_task',
    agent: c?.agent ?? '',
    template: c?.template ?? '',
    conditions: pretty(c?.conditions),
    options: pretty(c?.options),
    permission_mode: c?.permissions?.permission_mode ?? '',
    allowed_tools: c?.permissions?.allowed_tools?.join(', ') ?? '',
    disallowed_tools: c?.permissions?.disallowed_tools?.join(', ') ?? '',
    needs_approval: String(c?.needs_approval ?? false),
    stop_after_match: c?.stop_after_match ?? false,
    enabled: c?.enabled ?? true,
    schedule: c?.schedule ?? '',
  };
}

/** The draft as the API takes it, or what is wrong with its JSON fields. */
export function commandBody(d: Draft): { body: Record<string, unknown> } | { problem: string } {
  const parse = (text: string, what: string): { ok: true; value: unknown } | { ok: false; problem: string } => {
    if (!text.trim()) return { ok: true, value: null };
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch (err) {
      return { ok: false, problem: `${what}: not JSON (${(err as Error).message})` };
    }
  };
  const conditions = parse(d.conditions, 'conditions');
  if (!conditions.ok) return { problem: conditions.problem };
  const options = parse(d.options, 'options');
  if (!options.ok) return { problem: options.problem };
  const list = (text: string) =>
    text
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
  const tools = list(d.allowed_tools);
  const denied = list(d.disallowed_tools);
  return {
    body: {
      name: d.name.trim(),
      trigger: d.trigger.trim(),
      description: d.description.trim() || null,
      priority: Number(d.priority),
      action: d.action,
      agent: d.agent.trim() || null,
      template: d.template || null,
      conditions: conditions.value,
      options: options.value,
      permissions: d.permission_mode ? { permission_mode: d.permission_mode, ...(tools.length ? { allowed_tools: tools } : {}), ...(denied.length ? { disallowed_tools: denied } : {}) } : null,
      needs_approval: d.needs_approval === 'non-maintainers' ? d.needs_approval : d.needs_approval === 'true',
      stop_after_match: d.stop_after_match,
      enabled: d.enabled,
      schedule: d.schedule.trim() || null,
    },
  };
}

/** Where a rule is saved: a dynamic webhook's commands (edited by id) or a built-in route's (edited by name). */
export interface CommandTarget {
  /** …/commands: POST adds, PATCH …/commands/{key} changes. */
  base: string;
  /** The query to refresh once saved. */
  queryKey: unknown[];
}

/**
 * Create or edit one rule — a dynamic webhook's, or a built-in route's (editing a built-in saves an override seeded
 * from it); the service's 400 (naming each problem) shows under the form.
 */
export function CommandEditor({ target, command, onDone }: { target: CommandTarget; command?: Command | StaticCommand; onDone: () => void }) {
  const client = useQueryClient();
  const [d, setD] = useState<Draft>(() => draftOf(command));
  const [invalid, setInvalid] = useState<string | null>(null);
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((prev) => ({ ...prev, [k]: v }));
  const key = command && ('trigger' in command ? command.command_id : command.name);
  const save = useMutation({
    mutationFn: (body: Record<string, unknown>) => (key ? api.patch(`${target.base}/${encodeURIComponent(key)}`, body) : api.post(target.base, body)),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: target.queryKey });
      void client.invalidateQueries({ queryKey: ['webhooks'] });
      onDone();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const result = commandBody(d);
    if ('problem' in result) return setInvalid(result.problem);
    setInvalid(null);
    save.mutate(result.body);
  };
  return (
    <form onSubmit={submit} className="grid gap-3 rounded-md border border-stone-200 bg-stone-50 p-3 sm:grid-cols-2" aria-label={command ? `Edit command ${command.name}` : 'New command'}>
      <Field label="Name">{(id) => <Input id={id} value={d.name} onChange={(e) => set('name', e.target.value)} required placeholder="triage" />}</Field>
      <Field label="Trigger" hint="event types, comma separated, or *">
        {(id) => <Input id={id} value={d.trigger} onChange={(e) => set('trigger', e.target.value)} required placeholder="issues.opened" />}
      </Field>
      <Field label="Action">
        {(id) => (
          <Select id={id} value={d.action} onChange={(e) => set('action', e.target.value)}>
            {ACTIONS.map((a) => (
              <option key={a}>{a}</option>
            ))}
          </Select>
        )}
      </Field>
      <div className="grid grid-cols-2 gap-3">
        <Field label="Agent">{(id) => <Input id={id} value={d.agent} onChange={(e) => set('agent', e.target.value)} placeholder="default" />}</Field>
        <Field label="Priority" hint="lower runs first">
          {(id) => <Input id={id} type="number" value={d.priority} onChange={(e) => set('priority', e.target.value)} />}
        </Field>
      </div>
      <Field label="Schedule (cron, UTC)" hint="e.g. 0 2 * * * for 02:00 every night; each run is a task. Empty: deliveries only">
        {(id) => <Input id={id} value={d.schedule} onChange={(e) => set('schedule', e.target.value)} placeholder="none" />}
      </Field>
      <div className="sm:col-span-2">
        <Field label="Template" hint="the prompt (or comment); {{issue.title}} reads the payload">
          {(id) => <TextArea id={id} rows={4} value={d.template} onChange={(e) => set('template', e.target.value)} />}
        </Field>
      </div>
      <Field label="Conditions (JSON)" hint='e.g. {"path":"payload.env","op":"equals","value":"prod"}'>
        {(id) => <TextArea id={id} rows={5} value={d.conditions} onChange={(e) => set('conditions', e.target.value)} placeholder="none: every event of the trigger" />}
      </Field>
      <Field label="Options (JSON)" hint='labels, reaction or channel; a task: opens, notify_channel, reply_to_linked. E.g. {"reply_to_linked":true}'>
        {(id) => <TextArea id={id} rows={5} value={d.options} onChange={(e) => set('options', e.target.value)} />}
      </Field>
      <Field label="Permission mode" hint="without one, a task runs read-only (default mode); choose acceptEdits to let it edit">
        {(id) => (
          <Select id={id} value={d.permission_mode} onChange={(e) => set('permission_mode', e.target.value)}>
            <option value="">read-only (default)</option>
            {PERMISSION_MODES.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </Select>
        )}
      </Field>
      <Field label="Allowed tools" hint="comma separated, e.g. Read, Bash(npm test:*)">
        {(id) => <Input id={id} value={d.allowed_tools} onChange={(e) => set('allowed_tools', e.target.value)} disabled={!d.permission_mode} />}
      </Field>
      <Field label="Disallowed tools" hint="comma separated, e.g. Edit, Write, Bash(git push:*)">
        {(id) => <Input id={id} value={d.disallowed_tools} onChange={(e) => set('disallowed_tools', e.target.value)} disabled={!d.permission_mode} />}
      </Field>
      <Field label="Approval" hint="a task that waits runs once someone approves it">
        {(id) => (
          <Select id={id} value={d.needs_approval} onChange={(e) => set('needs_approval', e.target.value)}>
            <option value="false">runs at once</option>
            <option value="non-maintainers">waits unless a maintainer asked</option>
            <option value="true">always waits</option>
          </Select>
        )}
      </Field>
      <div className="flex flex-wrap gap-4 sm:col-span-2">
        <Checkbox label="Stop after match" checked={d.stop_after_match} onChange={(e) => set('stop_after_match', e.target.checked)} />
        <Checkbox label="Enabled" checked={d.enabled} onChange={(e) => set('enabled', e.target.checked)} />
      </div>
      {(invalid || save.error) && <ErrorBox className="sm:col-span-2" error={invalid ? new Error(invalid) : save.error} />}
      <div className="flex gap-2 sm:col-span-2">
        <Button type="submit" tone="primary" disabled={save.isPending}>
          {command ? 'Save command' : 'Add command'}
        </Button>
        <Button onClick={onDone}>Cancel</Button>
      </div>
    </form>
  );
}
