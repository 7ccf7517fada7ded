import type { ColumnType } from 'kysely';

// Column conventions shared by every table: JSON text, 0/1 flags, epoch-millisecond times.

export type Json = string;

export type Flag = number;

export type Timestamp = ColumnType<number, number, number>;
