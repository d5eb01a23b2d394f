import { attendanceRecordedV1 } from '@oriental/contracts';
import { z } from 'zod';

/** `POST /sessions/{id}/attendance`: whether an enrolled participant was there on one session day. */
export const recordAttendanceBody = z.strictObject({
  participantId: z.uuid(),
  day: attendanceRecordedV1.shape.day.meta({ example: '2026-03-02', description: 'A session day (YYYY-MM-DD), today or before in the region' }),
  present: z.boolean().meta({ description: 'Recording a day again corrects it' }),
});

export type RecordAttendanceBody = z.output<typeof recordAttendanceBody>;
