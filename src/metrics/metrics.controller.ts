import { Controller, Get, Header } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { AcceptsMetricsToken, Roles } from '../auth/actor.js';
import { MetricsService } from './metrics.service.js';

@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Roles('ADMIN')
  @AcceptsMetricsToken()
  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiProduces('text/plain')
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Prometheus metrics: an ADMIN token, or the static METRICS_TOKEN when it is configured (for a scraper)',
  })
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
