import { useMutation, useQuery, useQueryClient, type UseMutationResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useNavigate } from 'react-router-dom';
import { api } from '../../lib/api-client';
import { Badge, Button, Card, ErrorBox } from '../../components/ui';
import { EditorError } from './editor-error';
import type { Entry, Kind } from './registry-list';

/** One agent or skill: its detail query and the save that replaces it (`onSaved` drops the local draft). */
export function useRegistryDoc<T extends Entry, B>(kind: Kind, name: string, onSaved: () => void) {
  const client = useQueryClient();
  const path = `/api/registry/${kind}/${encodeURIComponent(name)}`;
  const q = useQuery({ queryKey: ['registry', kind, name], queryFn: () => api.get<T>(path) });
  const save = useMutation({
    mutationFn: (body: B) => api.put<T>(path, body),
    onSuccess: () => {
      onSaved();
      void client.invalidateQueries({ queryKey: ['registry'] });
    },
  });
  return { q, save };
}

function Actions({ kind, doc, saving }: { kind: Kind; doc: Entry; saving: boolean }) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const path = `/api/registry/${kind}/${encodeURIComponent(doc.name)}`;
  const done = () => {
    void client.invalidateQueries({ queryKey: ['registry'] });
  };
  const remove = useMutation({ mutationFn: () => api.delete(path), onSuccess: () => (done(), navigate(`/registry/${kind}`)) });
  const restore = useMutation({ mutationFn: () => api.post(`${path}/restore`), onSuccess: done });
  return (
    <div className="flex flex-wrap items-center gap-2">
      <Button tone="primary" type="submit" disabled={saving}>
        {saving ? 'Saving…' : 'Save'}
      </Button>
      {doc.builtin && doc.overridden && (
        <Button onClick={() => confirm(`Restore the built-in ${doc.name}? Your changes are discarded.`) && restore.mutate()} disabled={restore.isPending}>
          Restore built-in
        </Button>
      )}
      {!doc.builtin && (
        <Button tone="danger" onClick={() => confirm(`Delete ${doc.name}?`) && remove.mutate()} disabled={remove.isPending}>
          Delete
        </Button>
      )}
      <ErrorBox error={remove.error ?? restore.error} className="w-full" />
    </div>
  );
}

/** The card both editors share: badges, the form, the save error, "Saved." and the save/restore/delete actions. */
export function EditorForm<B>({ kind, name, doc, save, saved, onSubmit, children }: { kind: Kind; name: string; doc: Entry; save: UseMutationResult<unknown, Error, B>; saved: boolean; onSubmit: () => void; children: ReactNode }) {
  return (
    <Card title={<span className="font-mono">{name}</span>} actions={<>{doc.builtin && <Badge tone="blue">built-in</Badge>}{doc.overridden && <Badge tone="amber">edited</Badge>}</>}>
      <form
        className="flex flex-col gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          onSubmit();
        }}
      >
        {children}
        <EditorError error={save.error} />
        {save.isSuccess && saved && <p role="status" className="text-sm text-emerald-700">Saved.</p>}
        <Actions kind={kind} doc={doc} saving={save.isPending} />
      </form>
    </Card>
  );
}
