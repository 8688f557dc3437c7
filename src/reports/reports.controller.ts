import { Controller, Get, Header, Query, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import { CurrentActor, type Actor } from '../auth/actor.js';
import { fundingCsv, fundingXlsx, progressCsv, progressXlsx } from './report-files.js';
import { ReportsService } from './reports.service.js';

export class ProgressQuery {
  @ApiPropertyOptional({ example: 2026, description: 'year of certification; filters certified and certifiedByYear' })
  @IsOptional()
  @IsString()
  year?: string;

  @ApiPropertyOptional({ description: "a unit inside the caller's unit (404 outside)" })
  @IsOptional()
  @IsString()
  unitId?: string;
}

export class FundingQuery {
  @ApiPropertyOptional({ description: "a unit inside the caller's unit (404 outside)" })
  @IsOptional()
  @IsString()
  unitId?: string;
}

class VillagesView {
  @ApiProperty() total: number;
  @ApiProperty({ description: 'villages whose dossier is certified (in `year` when given)' }) certified: number;
  @ApiProperty({ example: { 2026: 3 }, description: "certified villages by the dossier's year" }) certifiedByYear: Record<string, number>;
}
class CriterionProgressView {
  @ApiProperty({ example: 1 }) code: number;
  @ApiProperty({ example: 'Giao thông' }) name: string;
  @ApiProperty({
    description:
      "villages meeting it at the baseline (5/2019): the plan's figure for the province; below it, the scope's own villages by their baseline flags",
  })
  baseline: number;
  @ApiProperty({ description: 'villages in scope meeting it now' }) met: number;
  @ApiProperty({ description: 'villages meeting it by 2020 in the plan' }) target: number;
}
class UnitProgressView {
  @ApiProperty() unitId: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['DISTRICT', 'COMMUNE'] }) level: string;
  @ApiProperty() villages: number;
  @ApiProperty() certified: number;
  @ApiProperty({ example: 7.66 }) averageCriteriaMet: number;
}
class DistributionView {
  @ApiProperty({ minimum: 0, maximum: 16 }) criteriaMet: number;
  @ApiProperty() villages: number;
}
class FlagSourcesView {
  @ApiProperty({ name: 'seed-estimate', description: "flags that are still the seed's estimate (a stand-in)" }) 'seed-estimate': number;
  @ApiProperty() assessment: number;
  @ApiProperty() certification: number;
  @ApiProperty() import: number;
}
class NoteView {
  @ApiProperty() vi: string;
  @ApiProperty() en: string;
}
class PhysicalTargetView {
  @ApiProperty({ example: 'rural_road' }) workType: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['km', 'works'] }) measure: string;
  @ApiProperty({ example: 60, description: "the plan's target for 2019-2020" }) target: number;
  @ApiProperty({ description: 'accepted in scope, in the measure' }) accepted: number;
  @ApiProperty({ description: 'works accepted in scope' }) works: number;
}
class ProgressView {
  @ApiProperty({ type: VillagesView }) villages: VillagesView;
  @ApiProperty({ example: 7.66 }) averageCriteriaMet: number;
  @ApiProperty({ example: 7.66, description: "the scope's average at the baseline (the plan's for the province)" })
  baselineAverageCriteriaMet: number;
  @ApiProperty({ type: FlagSourcesView, description: 'how many flags in scope come from each source' }) flagSources: FlagSourcesView;
  @ApiProperty({ description: "whether some flags in scope are still the seed's estimate" }) estimated: boolean;
  @ApiProperty({ type: NoteView, nullable: true, description: 'says so when estimated' }) note: NoteView | null;
  @ApiProperty({ type: [CriterionProgressView] }) criteria: CriterionProgressView[];
  @ApiProperty({ type: [UnitProgressView] }) byUnit: UnitProgressView[];
  @ApiProperty({ type: [DistributionView] }) distribution: DistributionView[];
  @ApiProperty({ type: Object, description: "the plan's targets as seeded (plans.targets)" }) targets: Record<string, unknown>;
  @ApiProperty({ type: [PhysicalTargetView], description: "the plan's physical targets against the works accepted" })
  physical: PhysicalTargetView[];
}
class FundView {
  @ApiProperty({ example: 'NTM_RESERVE_2019' }) code: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['grant', 'credit', 'mobilised'] }) kind: string;
  @ApiProperty({ nullable: true, type: Number, example: 2019, description: 'a year-bound fund funds only works of its year' }) year:
    number | null;
  @ApiProperty() centralBudget: boolean;
  @ApiProperty() plannedVnd: number;
  @ApiProperty() allocatedVnd: number;
  @ApiProperty() disbursedVnd: number;
  @ApiProperty({ description: 'credit: planned − allocated − disbursed − lent' }) availableVnd: number;
  @ApiPropertyOptional({ description: 'credit: lent to households of communes in scope' }) lentVnd?: number;
  @ApiPropertyOptional({ description: 'credit: households that borrowed, in scope' }) households?: number;
  @ApiPropertyOptional({ description: 'mobilised: community contributions received in scope' }) contributionsReceivedVnd?: number;
  @ApiPropertyOptional({ description: "mobilised: enterprises' pledges in scope" }) enterprisePledgedVnd?: number;
  @ApiPropertyOptional({ description: 'mobilised: contributions received plus enterprise pledges' }) mobilisedVnd?: number;
}
class GrantKindView {
  @ApiProperty() plannedVnd: number;
  @ApiProperty() allocatedVnd: number;
  @ApiProperty() disbursedVnd: number;
  @ApiProperty() availableVnd: number;
}
class CreditByCommuneView {
  @ApiProperty() fundCode: string;
  @ApiProperty() unitId: string;
  @ApiProperty() name: string;
  @ApiProperty() loans: number;
  @ApiProperty() households: number;
  @ApiProperty() lentVnd: number;
}
class CreditKindView {
  @ApiProperty() plannedVnd: number;
  @ApiProperty() lentVnd: number;
  @ApiProperty() households: number;
  @ApiProperty({ type: [CreditByCommuneView] }) byCommune: CreditByCommuneView[];
}
class MobilisedKindView {
  @ApiProperty() plannedVnd: number;
  @ApiProperty() contributionsReceivedVnd: number;
  @ApiProperty() enterprisePledgedVnd: number;
  @ApiProperty({ description: 'contributionsReceivedVnd + enterprisePledgedVnd' }) mobilisedVnd: number;
}
class FundsByKindView {
  @ApiProperty({ type: GrantKindView }) grant: GrantKindView;
  @ApiProperty({ type: CreditKindView }) credit: CreditKindView;
  @ApiProperty({ type: MobilisedKindView }) mobilised: MobilisedKindView;
}
class FundTotalsView {
  @ApiProperty() plannedVnd: number;
  @ApiProperty() allocatedVnd: number;
  @ApiProperty() disbursedVnd: number;
  @ApiProperty() availableVnd: number;
}
class ContributionTotalsView {
  @ApiProperty({ enum: ['land', 'labor', 'cash', 'materials'] }) kind: string;
  @ApiProperty() pledgedQuantity: number;
  @ApiProperty() pledgedVnd: number;
  @ApiProperty() receivedQuantity: number;
  @ApiProperty() receivedVnd: number;
}
class UnitFundingView {
  @ApiProperty() unitId: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['DISTRICT', 'COMMUNE'] }) level: string;
  @ApiProperty() pledgedVnd: number;
  @ApiProperty() receivedVnd: number;
  @ApiProperty({ description: 'allocated to its projects, net of releases and disbursements' }) allocatedVnd: number;
}
class FundingView {
  @ApiProperty({ type: [FundView] }) funds: FundView[];
  @ApiProperty({ type: FundsByKindView, description: 'each kind of fund as what it is' }) byKind: FundsByKindView;
  @ApiProperty({ type: FundTotalsView }) totals: FundTotalsView;
  @ApiProperty({ type: [ContributionTotalsView] }) contributions: ContributionTotalsView[];
  @ApiProperty({ type: [UnitFundingView] }) byUnit: UnitFundingView[];
}

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

@ApiTags('reports')
@ApiBearerAuth()
@Controller('reports')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Get('progress')
  @ApiOperation({ summary: 'Progress against plan 136: villages certified, criteria met, by district and commune' })
  @ApiOkResponse({ type: ProgressView })
  progress(@CurrentActor() actor: Actor, @Query() query: ProgressQuery) {
    return this.reports.progress(actor, query);
  }

  @Get('funding')
  @ApiOperation({ summary: 'Funds planned / allocated / disbursed / available, community contributions, by unit' })
  @ApiOkResponse({ type: FundingView, description: 'amounts in VND' })
  funding(@CurrentActor() actor: Actor, @Query() query: FundingQuery) {
    return this.reports.funding(actor, query);
  }

  @Get('progress.xlsx')
  @ApiOperation({ summary: 'The progress report as an Excel workbook, one sheet per view' })
  @ApiProduces(XLSX)
  @Header('Content-Type', XLSX)
  @Header('Content-Disposition', 'attachment; filename="bao-cao-tien-do.xlsx"')
  async progressXlsx(@CurrentActor() actor: Actor, @Query() query: ProgressQuery) {
    return new StreamableFile(await progressXlsx(await this.reports.progress(actor, query)));
  }

  @Get('progress.csv')
  @ApiOperation({ summary: 'The per-criterion progress as CSV (UTF-8 with BOM)' })
  @ApiProduces('text/csv')
  @Header('Content-Type', 'text/csv; charset=utf-8')
  @Header('Content-Disposition', 'attachment; filename="bao-cao-tien-do.csv"')
  progressCsv(@CurrentActor() actor: Actor, @Query() query: ProgressQuery) {
    return this.reports.progress(actor, query).then((r) => new StreamableFile(progressCsv(r)));
  }

  @Get('funding.xlsx')
  @ApiOperation({ summary: 'The funding report as an Excel workbook, one sheet per view' })
  @ApiProduces(XLSX)
  @Header('Content-Type', XLSX)
  @Header('Content-Disposition', 'attachment; filename="bao-cao-nguon-von.xlsx"')
  async fundingXlsx(@CurrentActor() actor: Actor, @Query() query: FundingQuery) {
    return new StreamableFile(await fundingXlsx(await this.reports.funding(actor, query)));
  }

  @Get('funding.csv')
  @ApiOperation({ summary: 'The funds by kind as CSV (UTF-8 with BOM): planned, allocated, disbursed, lent, mobilised, available' })
  @ApiProduces('text/csv')
  @Header('Content-Type', 'text/csv; charset=utf-8')
  @Header('Content-Disposition', 'attachment; filename="bao-cao-nguon-von.csv"')
  fundingCsv(@CurrentActor() actor: Actor, @Query() query: FundingQuery) {
    return this.reports.funding(actor, query).then((r) => new StreamableFile(fundingCsv(r)));
  }
}
