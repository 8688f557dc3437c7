import { Controller, Get, Header } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/actor.js';
import { MetricsService } from './metrics.service.js';

@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Roles('ADMIN')
  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiProduces('text/plain')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Prometheus metrics (ADMIN token, as every route but login, health and the docs)' })
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
