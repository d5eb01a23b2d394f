import { SessionModalities, sessionScheduledV1 } from '@oriental/contracts';
import { safeText } from '@oriental/service-kit';
import { z } from 'zod';

const referenceId = (example: string, what: string) =>
  z
    .string()
    .regex(/^[a-z0-9-]{1,60}$/, `must be a ${what} id such as "${example}"`)
    .meta({ example });

/**
 * The body of `POST /sessions`, defined once. A session is held for a cell (`cellId`, its
 * province then known) or for a whole province or prefecture (`province`): one of the two.
 */
export const scheduleSessionBody = z
  .strictObject({
    programmeId: z.uuid().meta({ description: 'The programme it runs (POST /programmes)' }),
    cellId: referenceId('oujda', 'cell').optional().meta({ description: 'The cell it is held for (reference data cells.json); or give `province`' }),
    province: referenceId('oujda-angad', 'province').optional().meta({ description: 'The province or prefecture it is held for (territory.json), when not for one cell' }),
    startDate: sessionScheduledV1.shape.startDate.meta({ example: '2026-03-02', description: 'First session day, YYYY-MM-DD' }),
    endDate: sessionScheduledV1.shape.endDate.meta({ example: '2026-03-06', description: 'Last session day, YYYY-MM-DD (every day from start to end is a session day)' }),
    trainer: safeText(200).meta({ example: 'Samira Benali', description: 'Who trains; kept by the service, never published' }),
    capacity: z.int().min(1).max(1000).meta({ example: 20, description: 'Places; who enrols past them is waitlisted' }),
    modality: z.enum(SessionModalities),
  })
  .check((context) => {
    const { cellId, province } = context.value;
    if ((cellId === undefined) === (province === undefined)) {
      context.issues.push({ code: 'custom', path: ['cellId'], message: 'give either cellId or province, not both nor neither', input: context.value });
    }
  });

export type ScheduleSessionBody = z.output<typeof scheduleSessionBody>;

export const sessionScheduledAnswer = z.object({ sessionId: z.uuid().meta({ description: 'The new session (Location: /sessions/{sessionId})' }) });
