// Re-exports of every kernel; filled in as op families land.
export {};
