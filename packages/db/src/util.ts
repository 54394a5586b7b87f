import { randomUUID } from 'node:crypto';
import { systemClock } from './clock';

export const newId = (): string => randomUUID();
export const nowIso = (): string => systemClock().toISOString();
