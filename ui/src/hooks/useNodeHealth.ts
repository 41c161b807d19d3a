// One `node-health` subscription for the whole window: every screen that shows nodes reads the
// same batches (so every screen shows the same uptime and state), and the first paint comes
// from the daemon's last snapshots.
import { useEffect, useRef, useState } from "react";
import type { UnlistenFn } from "@tauri-apps/api/event";
import type { NodeHealth } from "../bindings/NodeHealth";
import { errorMessage, nodeHealth, onNodeHealth } from "../api";

type Listener = (h: NodeHealth[]) => void;

const listeners = new Set<Listener>();
const errorListeners = new Set<(e: string) => void>();
let latest: NodeHealth[] | null = null;
let unlisten: Promise<UnlistenFn> | null = null;

function publish(batch: NodeHealth[] | null) {
  const h = batch ?? [];
  latest = h;
  for (const l of listeners) l(h);
}

function start() {
  if (unlisten) return;
  unlisten = onNodeHealth(publish);
  nodeHealth().then(
    (h) => {
      if (latest === null) publish(h);
    },
    (e) => {
      for (const l of errorListeners) l(errorMessage(e));
    },
  );
}

function stop() {
  const u = unlisten;
  unlisten = null;
  latest = null;
  void u?.then((f) => f());
}

/** Subscribe to node health batches; returns the unsubscribe. Used by [`useNodeHealth`]. */
export function subscribeNodeHealth(l: Listener, onError?: (e: string) => void): () => void {
  listeners.add(l);
  if (onError) errorListeners.add(onError);
  start();
  if (latest) l(latest);
  return () => {
    listeners.delete(l);
    if (onError) errorListeners.delete(onError);
    if (listeners.size === 0) stop();
  };
}

/** Every node's health, live. `onBatch` sees each batch as it arrives (for chart history). */
export function useNodeHealth(onBatch?: Listener): { nodes: NodeHealth[]; error: string | null } {
  const [nodes, setNodes] = useState<NodeHealth[]>([]);
  const [error, setError] = useState<string | null>(null);
  const batch = useRef(onBatch);
  batch.current = onBatch;
  useEffect(
    () =>
      subscribeNodeHealth(
        (h) => {
          batch.current?.(h);
          setNodes(h);
        },
        setError,
      ),
    [],
  );
  return { nodes, error };
}
