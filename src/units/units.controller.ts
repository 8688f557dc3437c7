import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor, Roles, type Actor } from '../auth/actor.js';
import { CreateUnitDto, ListUnitsQuery, UnitDetailView, UnitPage, UnitView } from './units.dto.js';
import { UnitsService } from './units.service.js';

@ApiTags('units')
@ApiBearerAuth()
@Controller('units')
export class UnitsController {
  constructor(private readonly units: UnitsService) {}

  @Get()
  @ApiOperation({ summary: "Units inside the caller's unit, by code" })
  @ApiOkResponse({ type: UnitPage })
  list(@CurrentActor() actor: Actor, @Query() query: ListUnitsQuery) {
    return this.units.list(actor, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One unit; a village with its 16 criteria flags and criteriaMet' })
  @ApiOkResponse({ type: UnitDetailView })
  get(@CurrentActor() actor: Actor, @Param('id') id: string) {
    return this.units.detail(actor, id);
  }

  @Post()
  @Roles('ADMIN')
  @ApiOperation({ summary: 'Add a unit directly under an allowed parent level (ADMIN)' })
  @ApiCreatedResponse({ type: UnitView })
  create(@CurrentActor() actor: Actor, @Body() dto: CreateUnitDto) {
    return this.units.create(actor, dto);
  }
}
