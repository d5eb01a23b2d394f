import { Controller, Get, Inject, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { BeneficiaryRegisteredV1, ContractRegistry, IntakeContracts, Topics } from '@oriental/contracts';
import { consumeIntegrationMessage } from '@oriental/service-kit';
import { applyToDocument, DocumentCollection, READ_STORE, ReadStore } from '@oriental/read-store';

/**
 * Capacity building (training of cell officers, elected officials and civil-society members)
 * plans sessions where cells are busiest: it follows registrations per cell. Its own domain
 * (programmes, sessions, participants, certificates) arrives in a later milestone.
 */
interface CellRegistration {
  cellId: string;
}

export const CELL_REGISTRATIONS = 'capacity_cell_registrations';
const intakeContracts = new ContractRegistry(IntakeContracts);

@ApiTags('cell activity')
@Controller('cells')
export class CellActivityProjection {
  private readonly logger = new Logger('intake-consumer');
  private readonly registrations: DocumentCollection<CellRegistration>;

  constructor(@Inject(READ_STORE) readStore: ReadStore) {
    this.registrations = readStore.collection<CellRegistration>(CELL_REGISTRATIONS);
  }

  @EventPattern(Topics.intake)
  async onIntakeEvent(@Payload() message: unknown): Promise<void> {
    await consumeIntegrationMessage(intakeContracts, message, this.logger, async (event) => {
      if (event.type !== 'BeneficiaryRegistered') return;
      const data = event.data as BeneficiaryRegisteredV1;
      await applyToDocument(this.registrations, data.beneficiaryId, event.source, () => ({ cellId: data.cellId }));
    });
  }

  @Get('activity')
  @ApiOperation({ summary: 'Registrations per cell, to plan training where cells are busiest' })
  @ApiOkResponse({ description: '{ registrationsByCell: { cellId: count } }' })
  async activity(): Promise<{ registrationsByCell: Record<string, number> }> {
    return { registrationsByCell: await this.registrations.countBy('cellId') };
  }
}
