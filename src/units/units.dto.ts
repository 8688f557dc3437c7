import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { PageQuery } from '../common/pagination.js';
import { Nfc } from '../common/validation.js';

export const UNIT_LEVELS = ['PROVINCE', 'DISTRICT', 'COMMUNE', 'VILLAGE'] as const;
export type UnitLevelName = (typeof UNIT_LEVELS)[number];

export class ListUnitsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: UNIT_LEVELS })
  @IsOptional()
  @IsIn(UNIT_LEVELS)
  level?: UnitLevelName;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  parentId?: string;
}

export class CreateUnitDto {
  @ApiProperty({ example: 'LS-TD-05', description: 'stable code, unique across the tree' })
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { message: 'code must be 1 to 64 letters, digits, dots, dashes or underscores' })
  code: string;

  @ApiProperty({ example: 'Thôn Bản Châu' })
  @Nfc()
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiProperty({ enum: UNIT_LEVELS })
  @IsIn(UNIT_LEVELS)
  level: UnitLevelName;

  @ApiPropertyOptional({ description: 'the parent unit; omitted only for a province', nullable: true })
  @IsOptional()
  @IsString()
  parentId?: string | null;
}

export class UnitView {
  @ApiProperty() id: string;
  @ApiProperty() code: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: UNIT_LEVELS }) level: UnitLevelName;
  @ApiProperty({ nullable: true, type: String }) parentId: string | null;
}

export class CriterionFlag {
  @ApiProperty({ minimum: 1, maximum: 16 }) code: number;
  @ApiProperty() name: string;
  @ApiProperty() met: boolean;
}

export class UnitDetailView extends UnitView {
  @ApiPropertyOptional({ description: 'villages only: how many of the 16 criteria are met now' })
  criteriaMet?: number;

  @ApiPropertyOptional({ type: [CriterionFlag], description: 'villages only: the 16 criteria flags' })
  criteria?: CriterionFlag[];
}

export class UnitPage {
  @ApiProperty({ type: [UnitView] }) items: UnitView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
