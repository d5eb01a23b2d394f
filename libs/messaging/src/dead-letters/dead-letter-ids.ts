import { createHash } from 'node:crypto';
import { MessageHeaders } from '../message-headers';
import type { DeadLetter } from './dead-letter';

/** The stream of the event store that holds a consumer group's dead letters in-process. */
export const deadLettersStream = (group: string): string => `dead-letters-${group}`;

/**
 * A dead letter's id in its stream: the event id it carries (or a digest of key and value when
 * it carries none), and for a replay that failed again, a digest of what it replayed, so that
 * the new failure is kept beside the first while a redelivered batch is held once.
 */
export const deadLetterId = (letter: DeadLetter): string => {
  const base = letter.headers[MessageHeaders.eventId] || `m-${digest(`${letter.topic}\u0000${letter.key}\u0000${letter.value ?? ''}`).slice(0, 16)}`;
  return letter.replayOf ? `${base}.${digest(letter.replayOf).slice(0, 8)}` : base;
};

const digest = (text: string): string => createHash('sha256').update(text).digest('hex');
