import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { Nfc } from '../common/validation.js';

export class AssessedCriterionDto {
  @ApiProperty({ minimum: 1, maximum: 16 }) @IsInt() @Min(1) @Max(16) code: number;
  @ApiProperty({ description: 'whether the village meets the criterion at the date of the assessment' }) @IsBoolean() met: boolean;
}

export class CreateAssessmentDto {
  @ApiProperty({ example: '2026-11-30', description: 'the date of the assessment (YYYY-MM-DD)' })
  @Matches(/^\d{4}-\d{2}-\d{2}$/)
  assessedOn: string;

  @ApiPropertyOptional({ example: 'Đường trục thôn đã được cứng hóa 100%' })
  @IsOptional()
  @Nfc()
  @IsString()
  @MaxLength(4000)
  note?: string;

  @ApiProperty({ type: [AssessedCriterionDto], description: 'one or more of the 16 criteria, each met or not met' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(16)
  @ValidateNested({ each: true })
  @Type(() => AssessedCriterionDto)
  criteria: AssessedCriterionDto[];
}

export class UpdateAssessmentDto {
  @ApiPropertyOptional({ example: '2026-11-30' }) @IsOptional() @Matches(/^\d{4}-\d{2}-\d{2}$/) assessedOn?: string;
  @ApiPropertyOptional() @IsOptional() @Nfc() @IsString() @MaxLength(4000) note?: string;
  @ApiPropertyOptional({ type: [AssessedCriterionDto], description: 'replaces the criteria recorded' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(16)
  @ValidateNested({ each: true })
  @Type(() => AssessedCriterionDto)
  criteria?: AssessedCriterionDto[];
}

export class SubmitAssessmentEvent {
  @ApiProperty({ enum: ['SUBMIT'] }) @IsIn(['SUBMIT']) type: 'SUBMIT';
}
export class ConfirmAssessmentEvent {
  @ApiProperty({ enum: ['CONFIRM'] }) @IsIn(['CONFIRM']) type: 'CONFIRM';
  @ApiPropertyOptional() @IsOptional() @Nfc() @IsString() @MaxLength(2000) comment?: string;
}
export class ReturnAssessmentEvent {
  @ApiProperty({ enum: ['RETURN'] }) @IsIn(['RETURN']) type: 'RETURN';
  @ApiProperty({ example: 'Thiếu ảnh hiện trạng nhà văn hóa' }) @Nfc() @IsString() @MinLength(1) @MaxLength(2000) reason: string;
}
export class WithdrawAssessmentEvent {
  @ApiProperty({ enum: ['WITHDRAW'] }) @IsIn(['WITHDRAW']) type: 'WITHDRAW';
}

/** The payload class of each event type, for validation. */
export const ASSESSMENT_EVENTS: Record<string, new () => object> = {
  SUBMIT: SubmitAssessmentEvent,
  CONFIRM: ConfirmAssessmentEvent,
  RETURN: ReturnAssessmentEvent,
  WITHDRAW: WithdrawAssessmentEvent,
};

export class AssessmentEventDto {
  @ApiProperty({ enum: Object.keys(ASSESSMENT_EVENTS) }) type: string;
  @ApiPropertyOptional({ description: 'RETURN' }) reason?: string;
  @ApiPropertyOptional({ description: 'CONFIRM' }) comment?: string;
}

class AssessmentCriterionView {
  @ApiProperty() code: number;
  @ApiProperty() name: string;
  @ApiProperty() met: boolean;
}
class AssessmentAttachmentView {
  @ApiProperty() id: string;
  @ApiProperty() fileName: string;
  @ApiProperty() size: number;
  @ApiProperty() sha256: string;
  @ApiProperty() mimeType: string;
  @ApiProperty({ enum: ['evidence'] }) kind: string;
}
class AssessmentDeadlineView {
  @ApiProperty() id: string;
  @ApiProperty() dueAt: string;
  @ApiProperty({ enum: ['due', 'reminder'] }) kind: string;
}

export class AssessmentView {
  @ApiProperty() id: string;
  @ApiProperty() villageId: string;
  @ApiProperty() villageName: string;
  @ApiProperty() communeId: string;
  @ApiProperty({ nullable: true, type: String }) districtId: string | null;
  @ApiProperty({ example: '2026-11-30' }) assessedOn: string;
  @ApiProperty({ nullable: true, type: String }) note: string | null;
  @ApiProperty({ enum: ['draft', 'review', 'returned', 'confirmed', 'withdrawn', 'lapsed'] }) state: string;
  @ApiProperty() version: number;
  @ApiProperty() overdue: boolean;
  @ApiProperty({ nullable: true, type: String, description: "the reviewers' reason when it was last returned" }) returnReason:
    string | null;
  @ApiProperty({ type: [AssessmentCriterionView] }) criteria: AssessmentCriterionView[];
  @ApiProperty({ type: [AssessmentAttachmentView] }) attachments: AssessmentAttachmentView[];
  @ApiProperty({ type: [AssessmentDeadlineView] }) deadlines: AssessmentDeadlineView[];
  @ApiProperty({ type: [String] }) allowedEvents: string[];
  @ApiProperty() createdAt: string;
}

export class AssessmentPage {
  @ApiProperty({ type: [AssessmentView] }) items: AssessmentView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
