/** One chart sample of a node (a second of its health). */
export type Sample = { at: number; cpu: number | null; rss: number | null; tasks: number; logAge: number | null };
