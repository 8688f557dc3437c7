import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { PageQuery } from '../common/pagination.js';
import { Nfc } from '../common/validation.js';
import { DOCUMENT_KIND_NAMES } from '../../workflows/certification/documents.js';

export const DOSSIER_STATES = [
  'draft',
  'consultation',
  'ready_to_submit',
  'review',
  'revision_requested',
  'province_review',
  'certified',
  'rejected',
  'withdrawn',
  'lapsed',
  'revoked',
] as const;

/** The kinds of attachment, which step needs which and who attaches which: workflows/certification/documents.ts. */
export const ATTACHMENT_KINDS = DOCUMENT_KIND_NAMES;

export class CreateDossierDto {
  @ApiProperty() @IsString() villageId: string;
  @ApiProperty({ example: 2026, minimum: 2000, maximum: 2100 }) @IsInt() @Min(2000) @Max(2100) year: number;
}

export class ListDossiersQuery extends PageQuery {
  @ApiPropertyOptional({ enum: DOSSIER_STATES }) @IsOptional() @IsIn(DOSSIER_STATES) state?: string;
  @ApiPropertyOptional() @IsOptional() @Type(() => Number) @IsInt() @Min(2000) @Max(2100) year?: number;
  @ApiPropertyOptional({ description: 'a unit (district, commune, village) to narrow to' }) @IsOptional() @IsString() unitId?: string;
}

export class UpdateCriterionDto {
  @ApiProperty({ description: "whether the village meets the criterion, by the commune's self-assessment" })
  @IsBoolean()
  met: boolean;

  @ApiPropertyOptional({ example: 'Đường trục thôn đã cứng hóa 100%' })
  @IsOptional()
  @Nfc()
  @IsString()
  @MaxLength(4000)
  note?: string;
}

// ---- event payloads, one class per event type ----

export class EventTypeDto {
  @ApiProperty({ example: 'SUBMIT' }) @IsString() type: string;
}

export class NoPayloadEvent {
  @IsString() type: string;
}

export class SubmitEvent {
  @IsString() type: string;
  @ApiPropertyOptional({
    minimum: 0,
    maximum: 100,
    description: 'The share of households agreeing; computed from the two households counts when they are given (then it may be left out)',
  })
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(100)
  agreementPercent?: number;
  @ApiPropertyOptional({ minimum: 1, description: 'Households represented at the village meeting (with householdsAgreeing)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  householdsRepresented?: number;
  @ApiPropertyOptional({ minimum: 0, description: 'Households agreeing, at most those represented' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100_000)
  householdsAgreeing?: number;
}

export class ReviewCriterionEvent {
  @IsString() type: string;
  @ApiProperty({ minimum: 1, maximum: 16 }) @IsInt() @Min(1) @Max(16) code: number;
  @ApiProperty({ enum: ['approve', 'request_revision'] }) @IsIn(['approve', 'request_revision']) decision: 'approve' | 'request_revision';
  @ApiPropertyOptional() @IsOptional() @Nfc() @IsString() @MaxLength(4000) comment?: string;
}

export class CommentEvent {
  @IsString() type: string;
  @ApiProperty() @Nfc() @IsString() @Length(1, 4000) comment: string;
}

export class SignOffEvent {
  @IsString() type: string;
  @ApiProperty({ example: '1234/QĐ-UBND' }) @Nfc() @IsString() @Length(1, 100) decisionNumber: string;
  @ApiProperty({ example: '2026-12-01' })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'decisionDate must be a date YYYY-MM-DD' })
  decisionDate: string;
}

/** One province decision certifying several villages: every dossier it lists is signed off, or none. */
export class BatchSignOffDto {
  @ApiProperty({ type: [String], description: 'the dossiers the decision lists (1 to 100, each in province review)' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsString({ each: true })
  dossierIds: string[];

  @ApiProperty({ example: '1234/QĐ-UBND' }) @Nfc() @IsString() @Length(1, 100) decisionNumber: string;
  @ApiProperty({ example: '2026-12-01' })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'decisionDate must be a date YYYY-MM-DD' })
  decisionDate: string;

  @ApiProperty({
    description: "the signed decision: an attachment of kind 'decision' on one of the listed dossiers; it is attached to every other",
  })
  @IsString()
  @Length(1, 100)
  decisionAttachmentId: string;
}

export class ReasonEvent {
  @IsString() type: string;
  @ApiProperty() @Nfc() @IsString() @Length(1, 4000) reason: string;
}

export class RevokeEvent extends ReasonEvent {
  @ApiProperty({ type: [Number] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(16, { each: true })
  criteriaNoLongerMet: number[];
}

/** Each event a client may send, with the class its payload must satisfy. */
export const DOSSIER_EVENTS: Record<string, new () => object> = {
  OPEN_CONSULTATION: NoPayloadEvent,
  SUBMIT: SubmitEvent,
  REVIEW_CRITERION: ReviewCriterionEvent,
  RETURN: CommentEvent,
  RESUBMIT: NoPayloadEvent,
  APPROVE: NoPayloadEvent,
  SIGN_OFF: SignOffEvent,
  REJECT: ReasonEvent,
  WITHDRAW: NoPayloadEvent,
  REVOKE: RevokeEvent,
};

// ---- views ----

export class CriterionReviewView {
  @ApiProperty({ enum: ['pending', 'approved', 'revision_requested'] }) status: string;
  @ApiProperty({ nullable: true, type: String }) comment: string | null;
  @ApiProperty({ nullable: true, type: String }) assigneeId: string | null;
}

export class DossierCriterionView {
  @ApiProperty() code: number;
  @ApiProperty() name: string;
  @ApiProperty({ nullable: true, type: Boolean, description: 'null while unassessed' }) met: boolean | null;
  @ApiProperty({ nullable: true, type: String }) note: string | null;
  @ApiProperty({ type: CriterionReviewView }) review: CriterionReviewView;
}

export class AttachmentView {
  @ApiProperty() id: string;
  @ApiProperty() fileName: string;
  @ApiProperty() size: number;
  @ApiProperty() sha256: string;
  @ApiProperty() mimeType: string;
  @ApiProperty({ enum: ATTACHMENT_KINDS }) kind: string;
}

export class DeadlineView {
  @ApiProperty({ example: 'certification.review' }) id: string;
  @ApiProperty() dueAt: string;
  @ApiProperty({ enum: ['due', 'reminder'] }) kind: string;
}

export class DossierSummaryView {
  @ApiProperty() id: string;
  @ApiProperty() villageId: string;
  @ApiProperty() villageName: string;
  @ApiProperty() communeId: string;
  @ApiProperty({ nullable: true, type: String }) districtId: string | null;
  @ApiProperty() year: number;
  @ApiProperty({ enum: DOSSIER_STATES }) state: string;
  @ApiProperty() version: number;
}

export class DossierView extends DossierSummaryView {
  @ApiProperty() overdue: boolean;
  @ApiProperty({ nullable: true, type: Number }) agreementPercent: number | null;
  @ApiProperty({ nullable: true, description: "{ represented, agreeing }: the village meeting's households, when given" })
  households: { represented: number; agreeing: number } | null;
  @ApiProperty({ nullable: true, description: '{ number, date } once signed off' }) decision: { number: string; date: string } | null;
  @ApiProperty({ type: [DossierCriterionView] }) criteria: DossierCriterionView[];
  @ApiProperty({ type: [AttachmentView] }) attachments: AttachmentView[];
  @ApiProperty({ type: [DeadlineView] }) deadlines: DeadlineView[];
  @ApiProperty({ type: [String], description: 'the events the caller may send now' }) allowedEvents: string[];
}

export class DossierPage {
  @ApiProperty({ type: [DossierSummaryView] }) items: DossierSummaryView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class HistoryEntryView {
  @ApiProperty() seq: number;
  @ApiProperty() type: string;
  @ApiProperty({ description: '{ id, role, unitId }; id null for the system' }) actor: {
    id: string | null;
    role: string;
    unitId: string | null;
  };
  @ApiProperty() fromState: string;
  @ApiProperty() toState: string;
  @ApiProperty() payload: Record<string, unknown>;
  @ApiProperty() at: string;
  @ApiProperty() hash: string;
  @ApiProperty() prevHash: string;
}

export class BatchSignOffView {
  @ApiProperty({ type: () => [DossierView] }) dossiers: DossierView[];
}
