import { PageQuery } from '../common/pagination.js';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsPositive,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import { DAY_PATTERN } from '../common/calendar-day.js';
import { Nfc } from '../common/validation.js';
import { WORK_TYPE_CODES, type WorkTypeCode } from '../../workflows/funding/works.js';

export const PROJECT_STATES = [
  'draft',
  'review',
  'province_review',
  'approved',
  'in_progress',
  'acceptance',
  'accepted',
  'settled',
  'rejected',
  'cancelled',
] as const;
export const CONTRIBUTION_KINDS = ['land', 'labor', 'cash', 'materials'] as const;

/** A positive whole number of đồng: a JSON number that is a safe integer, or a string of digits (up to 18). */
export function isVnd(value: unknown): boolean {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0;
  return typeof value === 'string' && /^[1-9]\d{0,17}$/.test(value);
}

export function IsVnd(): PropertyDecorator {
  return ValidateBy({
    name: 'isVnd',
    validator: {
      validate: isVnd,
      defaultMessage: (a) => `${a?.property} must be a positive whole number of đồng (an integer or a string of digits)`,
    },
  });
}

export const toBig = (value: number | string): bigint => BigInt(value);

export class FundingLineDto {
  @ApiProperty({ example: 'LOCAL_BUDGET' }) @IsString() @Length(1, 64) fundCode: string;
  @ApiProperty({ example: 300_000_000, description: 'VND, a positive integer (or a string of digits)' }) @IsVnd() amountVnd:
    number | string;
}

export class ContributionDto {
  @ApiProperty({ enum: CONTRIBUTION_KINDS }) @IsIn(CONTRIBUTION_KINDS) kind: 'land' | 'labor' | 'cash' | 'materials';
  @ApiPropertyOptional({
    example: 120,
    description:
      "In the kind's unit: land m², labor days of work (ngày công); required for them. Cash and materials are counted in đồng: their quantity is valueVnd (left out, or equal to it)",
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @IsPositive()
  quantity?: number;
  @ApiPropertyOptional({
    example: 'm2',
    deprecated: true,
    description:
      'Derived from the kind (land m2, labor ngày công, cash and materials đồng); one that names another unit is refused (422 contribution_unit_fixed)',
  })
  @IsOptional()
  @Nfc()
  @IsString()
  @Length(1, 32)
  unit?: string;
  @ApiProperty({ example: 60_000_000 }) @IsVnd() valueVnd: number | string;
  @ApiProperty({ example: 'Hộ ông Hoàng Văn Páo' }) @Nfc() @IsString() @Length(1, 200) pledgedBy: string;
}

export class CreateProjectDto {
  @ApiProperty() @IsString() villageId: string;
  @ApiProperty({ example: 'Bê tông hóa đường trục thôn' }) @Nfc() @IsString() @Length(1, 300) title: string;
  @ApiPropertyOptional({
    enum: WORK_TYPE_CODES,
    description:
      "The plan's type of work. Without it, the type is the criterion's only one (1 rural_road, 4 cultural_house, 10 production_model, 11 school_facilities); criteria 2 and 14 need it, other criteria are refused",
  })
  @IsOptional()
  @IsIn(WORK_TYPE_CODES)
  workType?: WorkTypeCode;
  @ApiPropertyOptional({
    minimum: 1,
    maximum: 16,
    description: "The criterion the work serves (its type's; may be left out when workType is given)",
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(16)
  criterionCode?: number;
  @ApiPropertyOptional({
    example: 1.2,
    description: "In the type's measure: km for rural_road and irrigation_canal (required), a number of works for the others (default 1)",
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @IsPositive()
  @Max(100_000)
  physicalQuantity?: number;
  @ApiPropertyOptional({
    example: 2020,
    description: 'The year the work is carried out in (year-bound funds fund only works of their year); default: this year',
  })
  @IsOptional()
  @IsInt()
  @Min(2000)
  @Max(2100)
  year?: number;
  @ApiProperty({ example: 900_000_000 }) @IsVnd() estimatedCostVnd: number | string;
  @ApiProperty({ type: [FundingLineDto] })
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => FundingLineDto)
  funding: FundingLineDto[];
  @ApiProperty({ type: [ContributionDto] })
  @IsArray()
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => ContributionDto)
  contributions: ContributionDto[];
}

export class ListProjectsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: PROJECT_STATES }) @IsOptional() @IsIn(PROJECT_STATES) state?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() unitId?: string;
}

export class ReceiptDto {
  @ApiPropertyOptional({ example: 50, description: "In the contribution's unit; cash and materials: valueVnd (left out, or equal to it)" })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @IsPositive()
  quantity?: number;
  @ApiProperty({ example: 25_000_000 }) @IsVnd() valueVnd: number | string;
  @ApiProperty({ example: '2026-12-01', description: 'YYYY-MM-DD or dd/mm/yyyy, not after today (answered as YYYY-MM-DD)' })
  @Matches(DAY_PATTERN, { message: 'receivedAt must be a day dd/mm/yyyy or YYYY-MM-DD' })
  receivedAt: string;
}

// ---- event payloads, one class per event type ----

export class EventTypeDto {
  @ApiProperty({ example: 'SUBMIT' }) @IsString() type: string;
}
export class NoPayloadEvent {
  @IsString() type: string;
}
export class CommentEvent {
  @IsString() type: string;
  @Nfc() @IsString() @Length(1, 4000) comment: string;
}
export class ReasonEvent {
  @IsString() type: string;
  @Nfc() @IsString() @Length(1, 4000) reason: string;
}
export class ApproveEvent {
  @IsString() type: string;
  @IsOptional() @IsArray() @ArrayMaxSize(20) @ValidateNested({ each: true }) @Type(() => FundingLineDto) funding?: FundingLineDto[];
}
export class ProgressEvent {
  @IsString() type: string;
  @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(100) percent: number;
  @IsOptional() @Nfc() @IsString() @MaxLength(4000) note?: string;
}
export class AcceptEvent {
  @IsString() type: string;
  @IsVnd() acceptedValueVnd: number | string;
  /** What was built, in the work's measure (km or works); the quantity proposed when left out. */
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(100_000) acceptedQuantity?: number;
}
export class SettleEvent {
  @IsString() type: string;
  @IsVnd() settledVnd: number | string;
}

export const PROJECT_EVENTS: Record<string, new () => object> = {
  SUBMIT: NoPayloadEvent,
  RETURN: CommentEvent,
  APPROVE: ApproveEvent,
  ALLOCATE: NoPayloadEvent,
  REJECT: ReasonEvent,
  START: NoPayloadEvent,
  REPORT_PROGRESS: ProgressEvent,
  REQUEST_ACCEPTANCE: NoPayloadEvent,
  ACCEPT: AcceptEvent,
  REFUSE_ACCEPTANCE: ReasonEvent,
  SETTLE: SettleEvent,
  CANCEL: ReasonEvent,
};

// ---- what credit and mobilised funds record ----

export class LoanDto {
  @ApiProperty({ description: 'The commune whose households borrowed' }) @IsString() communeId: string;
  @ApiProperty({ example: 12, description: 'Households that received a loan' }) @IsInt() @Min(1) @Max(100_000) households: number;
  @ApiProperty({ example: 600_000_000, description: 'VND lent' }) @IsVnd() amountVnd: number | string;
  @ApiProperty({ example: '2020-03-15', description: 'YYYY-MM-DD or dd/mm/yyyy, not after today (answered as YYYY-MM-DD)' })
  @Matches(DAY_PATTERN, { message: 'disbursedOn must be a day dd/mm/yyyy or YYYY-MM-DD' })
  disbursedOn: string;
  @ApiPropertyOptional({ example: 'Cho vay nước sạch và vệ sinh môi trường' })
  @IsOptional()
  @Nfc()
  @IsString()
  @MaxLength(1000)
  note?: string;
}

export class EnterprisePledgeDto {
  @ApiProperty({ example: 'Công ty CP Xi măng Đồng Bành' }) @Nfc() @IsString() @Length(1, 300) enterprise: string;
  @ApiPropertyOptional({ description: "The commune it is pledged to; default the caller's unit (the province for a province officer)" })
  @IsOptional()
  @IsString()
  communeId?: string;
  @ApiProperty({ example: 500_000_000 }) @IsVnd() amountVnd: number | string;
  @ApiProperty({ example: '2020-05-10', description: 'YYYY-MM-DD or dd/mm/yyyy, not after today (answered as YYYY-MM-DD)' })
  @Matches(DAY_PATTERN, { message: 'pledgedOn must be a day dd/mm/yyyy or YYYY-MM-DD' })
  pledgedOn: string;
  @ApiPropertyOptional() @IsOptional() @Nfc() @IsString() @MaxLength(1000) note?: string;
}
