import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/actor.js';
import { NotFound } from '../common/errors.js';
import { SCRIPT, SCRIPT_PATH, STYLE, STYLE_PATH } from './assets.js';

const FILES: Record<string, { type: string; body: string }> = {
  [STYLE_PATH.slice('/app/assets/'.length)]: { type: 'text/css; charset=utf-8', body: STYLE },
  [SCRIPT_PATH.slice('/app/assets/'.length)]: { type: 'text/javascript; charset=utf-8', body: SCRIPT },
};

/** The style sheet and script, cached for a year: their names change with their content. */
@ApiExcludeController()
@Public()
@Controller('app/assets')
export class AssetsController {
  @Get(':name')
  asset(@Param('name') name: string, @Res() reply: FastifyReply) {
    const file = Object.hasOwn(FILES, name) ? FILES[name] : undefined;
    if (!file) throw new NotFound('file');
    reply.code(200).header('Content-Type', file.type).header('Cache-Control', 'public, max-age=31536000, immutable').send(file.body);
  }
}
