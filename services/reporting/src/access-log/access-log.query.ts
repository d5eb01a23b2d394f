import { Controller, Get, HttpStatus, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { accessLogStream, PERSONAL_DATA_READ, personalDataReadSchema, READ_PURPOSES } from '@oriental/contracts';
import { EVENT_STORE, EventStore } from '@oriental/event-store';
import { Allow, ApiProblemResponse, ApiResponseOf, RequestValidationError, uuidParam } from '@oriental/service-kit';
import { z } from 'zod';

const accessEntry = z.object({
  revision: z.int().nonnegative().meta({ description: 'Position in the access log; page with ?from=<last revision + 1>' }),
  at: z.string().meta({ description: 'When the data was read (ISO 8601)', example: '2026-07-15T09:30:00.000Z' }),
  reader: z.string().meta({ description: 'The token subject who read it' }),
  role: z.string(),
  readerCellId: z.string().optional(),
  record: z.enum(['case', 'export']),
  purpose: z.enum(READ_PURPOSES),
});
export const accessLogAnswer = z.object({
  beneficiaryId: z.uuid(),
  reads: z.array(accessEntry),
  next: z.int().nonnegative().optional().meta({ description: 'The `from` of the next page, when there may be more' }),
});
type AccessLogAnswer = z.output<typeof accessLogAnswer>;

const page = z.object({
  from: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/**
 * The access log of one person, for auditors: every read of their personal data, who read it,
 * when and why. Read from its own stream (`access-<id>`), a page at a time: the cost is the page.
 */
@ApiTags('journeys')
@Controller('journeys')
export class AccessLogQuery {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Allow('auditor', 'regional_coordinator')
  @Get(':beneficiaryId/access')
  @ApiOperation({ summary: "Every read of a person's personal data: who, when, which record and the stated purpose" })
  @ApiParam({ name: 'beneficiaryId', format: 'uuid' })
  @ApiQuery({ name: 'from', required: false, schema: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } })
  @ApiResponseOf(HttpStatus.OK, accessLogAnswer, 'The reads, oldest first (empty when nobody read it)')
  @ApiProblemResponse(400, 'VALIDATION_FAILED: the id is not a UUID, or from/limit out of range')
  async access(
    @Param('beneficiaryId', uuidParam('beneficiaryId')) beneficiaryId: string,
    @Query('from') from?: string,
    @Query('limit') limit?: string,
  ): Promise<AccessLogAnswer> {
    const parsed = page.safeParse({ from, limit });
    if (!parsed.success) throw new RequestValidationError(parsed.error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message })));
    const events = await this.store.readStream(accessLogStream(beneficiaryId), { fromRevision: parsed.data.from, maxCount: parsed.data.limit + 1 });
    const reads = events.slice(0, parsed.data.limit).flatMap((event) => {
      const read = event.type === PERSONAL_DATA_READ ? personalDataReadSchema.safeParse(event.data) : undefined;
      if (!read?.success) return [];
      const { role, readerCellId, record, purpose } = read.data;
      return [{ revision: event.revision, at: event.metadata.occurredAt, reader: event.metadata.actor, role, ...(readerCellId ? { readerCellId } : {}), record, purpose }];
    });
    const more = events.length > parsed.data.limit;
    return { beneficiaryId, reads, ...(more ? { next: parsed.data.from + parsed.data.limit } : {}) };
  }
}
