import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { BeneficiaryCategories, Sexes } from '@oriental/contracts';
import { Type } from 'class-transformer';
import { IsBoolean, IsDefined, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min, ValidateNested } from 'class-validator';

export class ConsentDto {
  @ApiProperty({ description: 'Consent to receive guidance and support from the cell' })
  @IsBoolean()
  services!: boolean;

  @ApiProperty({ description: 'Consent to share the case with partner services' })
  @IsBoolean()
  sharing!: boolean;

  @ApiProperty({ description: 'Consent to be counted, pseudonymously, in statistics' })
  @IsBoolean()
  statistics!: boolean;
}

export class PersonDto {
  @ApiProperty({ example: 'Amina', maxLength: 100 })
  @IsString()
  @Length(1, 100)
  firstName!: string;

  @ApiProperty({ example: 'Benali', maxLength: 100 })
  @IsString()
  @Length(1, 100)
  lastName!: string;

  @ApiPropertyOptional({ example: '+212600000000', description: 'International or national format' })
  @IsOptional()
  @IsString()
  @Matches(/^\+?[0-9][0-9 ]{5,19}$/, { message: 'phone must be 6 to 20 digits, optionally with a leading +' })
  phone?: string;
}

export class RegisterBeneficiaryDto {
  @ApiProperty({ example: 'oujda', description: 'Id of a reception cell from the reference data' })
  @IsString()
  @Matches(/^[a-z0-9-]{1,60}$/, { message: 'cellId must be a cell id such as "oujda"' })
  cellId!: string;

  @ApiProperty({ enum: BeneficiaryCategories, description: 'mre: Moroccan residing abroad; returnee; rpt: foreign national' })
  @IsIn(BeneficiaryCategories)
  category!: (typeof BeneficiaryCategories)[number];

  @ApiProperty({ enum: Sexes })
  @IsIn(Sexes)
  sex!: (typeof Sexes)[number];

  @ApiProperty({ example: 1988, minimum: 1900 })
  @IsInt()
  @Min(1900)
  @Max(2100)
  birthYear!: number;

  @ApiProperty({ example: 'MA', description: 'ISO 3166-1 alpha-2 country code' })
  @IsString()
  @Matches(/^[A-Z]{2}$/, { message: 'nationality must be an ISO 3166-1 alpha-2 code such as "MA"' })
  nationality!: string;

  @ApiProperty({ type: ConsentDto })
  @IsDefined()
  @ValidateNested()
  @Type(() => ConsentDto)
  consent!: ConsentDto;

  @ApiProperty({ type: PersonDto, description: 'Personal data: encrypted at rest, never published' })
  @IsDefined()
  @ValidateNested()
  @Type(() => PersonDto)
  person!: PersonDto;
}

export class BeneficiaryCreatedDto {
  @ApiProperty({ format: 'uuid' })
  beneficiaryId!: string;
}
