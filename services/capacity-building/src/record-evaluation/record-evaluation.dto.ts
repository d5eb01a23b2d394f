import { EvaluationPhases, evaluationRecordedV1 } from '@oriental/contracts';
import { z } from 'zod';

/** `POST /sessions/{id}/evaluations`: an enrolled participant's score before (`pre`) or after (`post`) the training. */
export const recordEvaluationBody = z.strictObject({
  participantId: z.uuid(),
  phase: z.enum(EvaluationPhases),
  score: evaluationRecordedV1.shape.score.meta({ example: 72.5, description: 'Out of 100; once per participant, session and phase' }),
});

export type RecordEvaluationBody = z.output<typeof recordEvaluationBody>;
