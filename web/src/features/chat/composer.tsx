import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type KeyboardEvent } from 'react';
import { useNavigate } from 'react-router-dom';
import { api, ApiError } from '../../lib/api-client';
import { ChatRequest, type ChatOptions, type ChatResponse, type Conversation, type WorkspaceChoice } from '../../lib/contracts';
import { useAgents } from '../../lib/registry-agents';
import { Button, ErrorBox, Field, Input, Loading, Select, TextArea } from '../../components/ui';

/**
 * The message box with the conversation's agent, model and permission mode: read from the conversation, so a
 * follow-up runs as the turn before it did, and sent with every message (a change is kept for later turns). A new
 * conversation also chooses its workspace.
 */
export function Composer({ conversationId }: { conversationId?: string }) {
  const conversation = useQuery({
    queryKey: ['conversation', conversationId],
    queryFn: () => api.get<Conversation>(`/api/conversations/${encodeURIComponent(conversationId!)}`),
    enabled: !!conversationId,
  });
  if (conversationId && !conversation.data) {
    return conversation.error ? <ErrorBox error={conversation.error} retry={() => void conversation.refetch()} /> : <Loading label="Loading the conversation…" />;
  }
  return <ComposerForm key={conversationId ?? 'new'} conversationId={conversationId} current={conversation.data} />;
}

function ComposerForm({ conversationId, current }: { conversationId?: string; current?: Conversation }) {
  const navigate = useNavigate();
  const client = useQueryClient();
  const agents = useAgents();
  const options = useQuery({ queryKey: ['chat-options'], queryFn: () => api.get<ChatOptions>('/api/chat/options'), staleTime: Infinity });
  const [message, setMessage] = useState('');
  const [agent, setAgent] = useState(current?.agent ?? '');
  const [model, setModel] = useState(current?.model ?? '');
  const [permission, setPermission] = useState(current?.permission_mode ?? '');
  const [workspace, setWorkspace] = useState('empty');
  const [repository, setRepository] = useState('');
  const [invalid, setInvalid] = useState<string | null>(null);
  const send = useMutation({
    mutationFn: (body: ChatRequest) => api.post<ChatResponse>('/api/chat', body),
    onSuccess: async (res) => {
      setMessage('');
      await client.invalidateQueries({ queryKey: ['messages', res.conversation_id] });
      void client.invalidateQueries({ queryKey: ['conversation', res.conversation_id] });
      void client.invalidateQueries({ queryKey: ['conversations'] });
      if (res.conversation_id !== conversationId) navigate(`/chat/${res.conversation_id}`);
    },
  });
  const workspaceChoice = (): WorkspaceChoice => {
    if (workspace === 'repository') return { kind: 'repository', url: repository.trim() };
    if (workspace.startsWith('path:')) return { kind: 'path', path: workspace.slice('path:'.length) };
    return { kind: 'empty' };
  };
  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    const body = {
      message,
      conversation_id: conversationId,
      agent: agent || null,
      model: model || null,
      permission_mode: permission || null,
      workspace: conversationId ? undefined : workspaceChoice(),
    };
    const parsed = ChatRequest.safeParse(body);
    if (!parsed.success) {
      setInvalid(parsed.error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; '));
      return;
    }
    setInvalid(null);
    send.mutate(parsed.data);
  };
  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    }
  };
  const failed = send.error instanceof ApiError ? send.error.field : undefined;
  const errorFor = (field: string) => (failed === field ? (send.error as Error).message : null);
  const o = options.data;
  // A conversation may hold a model no longer listed (set before the list changed): it stays selectable.
  const models = o ? [...new Set([...(current?.model ? [current.model] : []), ...Object.values(o.aliases), ...o.models])] : current?.model ? [current.model] : [];
  // Each model once, named by its alias where it has one.
  const aliasOf = new Map(Object.entries(o?.aliases ?? {}).map(([alias, full]) => [full, alias]));
  return (
    <form onSubmit={submit} className="sticky bottom-0 mt-4 rounded-lg border border-stone-200 bg-white p-3 shadow-sm" aria-label="Send a message">
      <Field label={conversationId ? 'Reply' : 'Message'} error={invalid}>
        {(id) => (
          <TextArea
            id={id}
            rows={3}
            value={message}
            onChange={(e) => setMessage(e.target.value)}
            onKeyDown={onKey}
            placeholder="Ask Claude Code to do something… (Enter sends, Shift+Enter for a new line)"
            mono={false}
          />
        )}
      </Field>
      <div className="mt-2 flex flex-wrap items-end gap-2">
        <div className="w-40">
          <Field label="Agent" error={errorFor('agent')}>
            {(id) =>
              agents.unavailable || agents.error ? (
                <Input id={id} value={agent} onChange={(e) => setAgent(e.target.value)} placeholder="default" />
              ) : (
                <Select id={id} value={agent} onChange={(e) => setAgent(e.target.value)} disabled={agents.isPending}>
                  <option value="">default</option>
                  {agent && !agents.data?.agents.some((a) => a.name === agent) && <option value={agent}>{agent}</option>}
                  {agents.data?.agents.map((a) => (
                    <option key={a.name} value={a.name} title={a.description ?? undefined}>
                      {a.name}
                    </option>
                  ))}
                </Select>
              )
            }
          </Field>
        </div>
        <div className="w-48">
          <Field label="Model" error={errorFor('model')}>
            {(id) => (
              <Select id={id} value={model} onChange={(e) => setModel(e.target.value)}>
                <option value="">default{o ? ` (${o.default_model})` : ''}</option>
                {models.map((m) => (
                  <option key={m} value={m}>
                    {aliasOf.has(m) ? `${aliasOf.get(m)} (${m})` : m}
                  </option>
                ))}
              </Select>
            )}
          </Field>
        </div>
        <div className="w-40">
          <Field label="Permission mode" error={errorFor('permission_mode')}>
            {(id) => (
              <Select id={id} value={permission} onChange={(e) => setPermission(e.target.value)}>
                <option value="">default{o ? ` (${o.default_permission_mode})` : ''}</option>
                {o?.permission_modes.map((m) => (
                  <option key={m} value={m}>
                    {m}
                  </option>
                ))}
              </Select>
            )}
          </Field>
        </div>
        {!conversationId && (
          <WorkspacePicker roots={o?.workspace_roots ?? []} value={workspace} onChange={setWorkspace} repository={repository} onRepository={setRepository} error={errorFor('workspace')} />
        )}
        <Button type="submit" tone="primary" className="ml-auto" disabled={send.isPending || !message.trim()}>
          {send.isPending ? 'Sending…' : 'Send'}
        </Button>
      </div>
      {current && <WorkspaceLine conversation={current} />}
      <ErrorBox error={send.error} className="mt-2" />
    </form>
  );
}

function WorkspacePicker(props: { roots: string[]; value: string; onChange: (v: string) => void; repository: string; onRepository: (v: string) => void; error: string | null }) {
  return (
    <>
      <div className="w-56">
        <Field label="Workspace" error={props.error}>
          {(id) => (
            <Select id={id} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
              <option value="empty">a new empty folder</option>
              {props.roots.map((root) => (
                <option key={root} value={`path:${root}`}>
                  folder {root}
                </option>
              ))}
              <option value="repository">a checkout of a repository</option>
            </Select>
          )}
        </Field>
      </div>
      {props.value === 'repository' && (
        <div className="w-72">
          <Field label="Repository URL">{(id) => <Input id={id} value={props.repository} onChange={(e) => props.onRepository(e.target.value)} placeholder="https://github.com/owner/repo.git" />}</Field>
        </div>
      )}
    </>
  );
}

function WorkspaceLine({ conversation }: { conversation: Conversation }) {
  const { kind, ref } = conversation.workspace;
  const where = kind === 'path' ? `the folder ${ref}` : kind === 'repository' ? `a checkout of ${ref}` : 'its own folder';
  return <p className="mt-2 text-xs text-stone-500">Every turn of this conversation runs in {where}.</p>;
}
